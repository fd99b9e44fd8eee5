// The JSON report for programs: schema "memattr-report", version 4 (docs/json-schema.md).
#pragma once

#include "report/reporter.h"

namespace memattr {

inline constexpr const char* kJsonSchemaName = "memattr-report";
inline constexpr int kJsonSchemaVersion = 4;

class JsonReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
