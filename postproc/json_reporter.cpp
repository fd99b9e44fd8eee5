#include "json_reporter.h"

#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace memattr {

namespace {

// ordered_json keeps keys in the order written here, which is the order of
// docs/json-schema.md: a person comparing the two finds fields where the document says.
using Json = nlohmann::ordered_json;

std::string hex_address(std::uint64_t address) { return fmt::format("{:#x}", address); }

Json trace_json(const ReportModel& model) {
    const TraceHeader& header = model.header;
    return {
        {"file", model.source},
        {"complete", true},  // the reader refuses traces without their 'end' record
        {"records", model.record_count},
        {"tool", header.tool.name},
        {"tool_version", header.tool.version},
        {"cmd", {{"exe", header.command.exe}, {"args", header.command.args}}},
        {"pid", header.process.pid},
        {"ppid", header.process.ppid},
        {"fork_of", header.process.fork_of},
        {"malloc_mode", header.run.malloc_mode},
        {"time_unit", header.run.time_unit},
        {"alignment", header.run.alignment},
        {"num_callers", header.run.num_callers},
        {"exit_reason", model.summary.exit.reason},
        {"exit_code", model.summary.exit.code},
    };
}

Json options_json(const AnalysisOptions& options) {
    return {
        {"frames", options.folding.max_frames},
        {"ignore_fn", options.folding.extra_wrapper_patterns},
    };
}

Json definitions_json(const TraceHeader& header) {
    Json definitions = Json::object();
    for (const Definition& definition : header.definitions)
        definitions[definition.name] = definition.text;
    return definitions;
}

Json summary_json(const Summary& summary) {
    return {
        {"peak",
         {{"bytes", summary.peak.bytes},
          {"blocks", summary.peak.blocks},
          {"t", summary.peak.time},
          {"alloc", summary.peak.allocated}}},
        {"total",
         {{"bytes", summary.totals.bytes},
          {"blocks", summary.totals.blocks},
          {"frees", summary.totals.frees},
          {"bad_frees", summary.totals.bad_frees}}},
        {"exit",
         {{"bytes", summary.exit.bytes},
          {"blocks", summary.exit.blocks},
          {"t", summary.exit.time},
          {"alloc", summary.exit.allocated}}},
        {"temporary",
         {{"blocks", summary.temporary_blocks},
          {"bytes", summary.temporary_bytes},
          {"percent_of_blocks", summary.temporary_percent}}},
        {"instructions", summary.exit.time},
    };
}

Json frame_json(const Frame& frame) {
    return {
        {"fn", frame.function},   {"file", frame.file},           {"dir", frame.dir},
        {"line", frame.line},     {"obj", frame.object},          {"ip", hex_address(frame.ip)},
        {"inlined", frame.inlined},
    };
}

Json site_json(const SiteRow& row) {
    const Site& site = row.figures;
    Json stack = Json::array();
    for (const Frame& frame : row.stack) stack.push_back(frame_json(frame));
    return {
        {"id", site.id},
        {"location",
         {{"fn", row.location.function},
          {"file", row.location.file},
          {"line", row.location.line},
          {"obj", row.location.object}}},
        {"stack", std::move(stack)},
        {"omitted_frames", row.omitted_frames},
        {"total",
         {{"bytes", site.total_bytes},
          {"blocks", site.total_blocks},
          {"percent", row.total_percent},
          {"average_size", row.average_size}}},
        {"peak",
         {{"bytes", site.peak_bytes}, {"blocks", site.peak_blocks}, {"percent", row.peak_percent}}},
        {"max", {{"bytes", site.max_bytes}, {"blocks", site.max_blocks}}},
        {"exit",
         {{"bytes", site.exit_bytes}, {"blocks", site.exit_blocks}, {"percent", row.exit_percent}}},
        {"freed_blocks", site.freed_blocks},
        {"lifetime",
         {{"min", site.lifetime_min}, {"mean", row.mean_lifetime}, {"max", site.lifetime_max}}},
        {"temporary",
         {{"blocks", site.temporary_blocks},
          {"bytes", site.temporary_bytes},
          {"percent_of_blocks", row.temporary_percent}}},
        {"realloc_blocks", site.realloc_blocks},
    };
}

Json thread_json(const Thread& thread) {
    return {
        {"id", thread.id},
        {"parent", thread.parent},
        {"total", {{"bytes", thread.total_bytes}, {"blocks", thread.total_blocks}}},
        {"peak",
         {{"bytes", thread.peak_bytes}, {"blocks", thread.peak_blocks}, {"t", thread.peak_time}}},
        {"exit", {{"bytes", thread.exit_bytes}, {"blocks", thread.exit_blocks}}},
    };
}

Json timeline_json(const ReportModel& model) {
    Json timeline = Json::array();
    for (std::size_t i = 0; i < model.timeline.size(); ++i) {
        const TimelinePoint& point = model.timeline[i];
        timeline.push_back({{"t", point.time},
                            {"alloc", point.allocated},
                            {"bytes", point.bytes},
                            {"blocks", point.blocks},
                            {"peak", model.timeline_peak == i}});
    }
    return timeline;
}

}  // namespace

void JsonReporter::write(const ReportModel& model, std::ostream& out) const {
    Json sites = Json::array();
    for (const SiteRow& row : model.sites) sites.push_back(site_json(row));
    Json threads = Json::array();
    for (const Thread& thread : model.threads) threads.push_back(thread_json(thread));

    const Json report = {
        {"schema", kJsonSchemaName},
        {"schema_version", kJsonSchemaVersion},
        {"trace", trace_json(model)},
        {"options", options_json(model.options)},
        {"definitions", definitions_json(model.header)},
        {"summary", summary_json(model.summary)},
        {"sites", std::move(sites)},
        {"threads", std::move(threads)},
        {"timeline", timeline_json(model)},
    };
    // Symbol and file names are bytes, not necessarily UTF-8; invalid sequences become
    // U+FFFD instead of making the whole report fail.
    out << report.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace memattr
