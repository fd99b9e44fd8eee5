// The JSON report for programs: schema "memattr-report", version 4 (docs/json-schema.md).
#pragma once

#include "report/reporter.h"
#include "report/section.h"

namespace memattr {

inline constexpr const char* kJsonSchemaName = "memattr-report";
inline constexpr int kJsonSchemaVersion = 4;

// The report as a JSON object, as JsonReporter writes it: for code that reads the report's
// figures rather than printing them (history/run_figures.h).
Json json_report(const ReportModel& model);

class JsonReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
