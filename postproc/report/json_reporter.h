// The JSON report for programs: schema "memattr-report", version 5 (docs/json-schema.md).
#pragma once

#include <cstddef>

#include "report/reporter.h"
#include "report/section.h"

namespace memattr {

inline constexpr const char* kJsonSchemaName = "memattr-report";
inline constexpr int kJsonSchemaVersion = 5;

// The report as a JSON object, as JsonReporter writes it: for code that reads the report's
// figures rather than printing them (history/run_figures.h). Every frame is kept once, in the
// top-level `frames` table, and referred to by its index there. With `rows` > 0 every list
// but the fixed-shape ones is cut to its first `rows` entries, and `truncated` says how long
// each cut list was (JSON pointer -> entries); 0 keeps every row.
Json json_report(const ReportModel& model, std::size_t rows = 0);

// Writes json_report(model, --top), --top being the command's (model.options.top).
class JsonReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
