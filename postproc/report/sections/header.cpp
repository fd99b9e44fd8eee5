// The report's header: which trace of which run it describes. In JSON: "trace", "options"
// and "definitions".
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "report/reporter.h"
#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

std::string describe_end(const ReportModel& model) {
    const ExitState& exit = model.summary.exit;
    const std::string when = time_of(model, exit.time);
    if (exit.reason == "exit") return fmt::format("exit status {} after {}", exit.code, when);
    if (exit.reason == "signal") return fmt::format("killed by a fatal signal after {}", when);
    if (exit.reason == "exec")
        return fmt::format("execve after {}: the new program is not in this trace", when);
    return fmt::format("{} (code {}) after {}", escape_value(exit.reason), exit.code, when);
}

void write_header_text(const ReportModel& model, std::ostream& out) {
    const TraceHeader& header = model.header;
    out << "memattr-graph report for " << escape_value(model.source) << '\n';
    write_row(out, "Command", describe_command(header.command));
    write_row(out, "Process", fmt::format("pid {}, parent pid {}", header.process.pid,
                                          header.process.ppid));
    write_row(out, "Trace", fmt::format("complete, {} records, written by {} {}",
                                        group_digits(model.record_count),
                                        escape_value(header.tool.name),
                                        escape_value(header.tool.version)));
    write_row(out, "Ended", describe_end(model));
    if (header.process.fork_of != 0)
        write_row(out, "Note",
                  fmt::format("fork child of pid {}: the figures include the heap history "
                              "inherited from it up to the fork",
                              header.process.fork_of));
}

Json trace_json(const ReportModel& model) {
    const TraceHeader& header = model.header;
    return {
        {"file", model.source},
        {"complete", true},  // the reader refuses traces without their 'end' record
        {"records", model.record_count},
        {"format_version", header.version},
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
        {"access", header.run.access},
        {"snapshots", header.run.snapshots},
        {"snapshot_growth", header.run.snapshot_growth},
        {"snapshot_min", header.run.snapshot_min},
        {"pages", header.run.pages},
        {"exit_reason", model.summary.exit.reason},
        {"exit_code", model.summary.exit.code},
    };
}

Json options_json(const AnalysisOptions& options) {
    return {
        {"frames", options.folding.max_frames},
        {"ignore_fn", options.folding.extra_wrapper_patterns},
        {"find_wrappers", options.folding.find_wrappers},
        {"clone_threshold", options.clone_threshold},
        {"snapshot", options.snapshot.empty() ? Json(nullptr) : Json(options.snapshot)},
        {"memory_map", options.memory_map.empty() ? Json(nullptr) : Json(options.memory_map)},
        {"native_rss", options.native_rss ? Json(*options.native_rss) : Json(nullptr)},
    };
}

Json definitions_json(const TraceHeader& header) {
    Json definitions = Json::object();
    for (const Definition& definition : header.definitions)
        definitions[definition.name] = definition.text;
    return definitions;
}

void write_header_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    report["trace"] = trace_json(model);
    report["options"] = options_json(model.options);
    report["definitions"] = definitions_json(model.header);
}

}  // namespace

ReportSection header_section() { return {"header", write_header_text, write_header_json}; }

}  // namespace memattr
