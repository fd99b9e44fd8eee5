#include "report/json_reporter.h"

#include <ostream>

#include "report/section.h"

namespace memattr {

namespace {

// The top-level keys of schema version 4 in docs/json-schema.md's order, which differs from
// the text report's order of sections. The report object gets them first so that they keep
// this order whichever section sets them; keys of sections added later follow, in the order
// of report_sections().
constexpr std::string_view kSchemaKeys[] = {
    "trace",   "options", "definitions", "summary", "findings", "sites", "copies", "ownership",
    "leaks",   "threads", "timeline",    "timeline_events", "phases", "memory_map",
};

}  // namespace

Json json_report(const ReportModel& model) {
    Json report = {{"schema", kJsonSchemaName}, {"schema_version", kJsonSchemaVersion}};
    for (const std::string_view key : kSchemaKeys) report[std::string(key)] = nullptr;
    for (const ReportSection& section : report_sections())
        if (section.write_json) section.write_json(model, report);
    return report;
}

void JsonReporter::write(const ReportModel& model, std::ostream& out) const {
    const Json report = json_report(model);
    // Symbol and file names are bytes, not necessarily UTF-8; invalid sequences become
    // U+FFFD instead of making the whole report fail.
    out << report.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace memattr
