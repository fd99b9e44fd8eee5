// `report` and `json`: the report of a trace, every section, as text or as JSON.

#include <stdexcept>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/reporter.h"

namespace memattr {

namespace {

void add_report_options(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    add_native_rss_option(command, options);
    add_top_option(command, options, AnalysisOptions{}.top,
                   "Rows listed in each ranking of the text report;\n"
                   "0 lists them all. (The JSON report always has\n"
                   "every row.)");
}

void declare_report(CLI::App& command, CommandOptions& options) {
    add_report_options(command, options);
    const std::vector<std::string> formats = reporter_formats();
    command.add_option("--format", options.format,
                       fmt::format("Output format: {}.", fmt::join(formats, " or ")))
        ->check(CLI::IsMember(formats))
        ->option_text(fmt::format("FORMAT (default {})", options.format));
}

int run_report(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, *make_reporter(options.format));
    return 0;
}

int run_json(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, *make_reporter("json"));
    return 0;
}

}  // namespace

extern const Command report_command{
    .name = "report",
    .summary = "Write the report for TRACE: text for reading (the\n"
               "default), or JSON.",
    .needs = kEveryAnalysis,
    .declare = declare_report,
    .run = run_report,
};

extern const Command json_command{
    .name = "json",
    .summary = "Write the JSON report for TRACE, the same as\n"
               "'report --format json' (schema: docs/json-schema.md).",
    .needs = kEveryAnalysis,
    .declare = add_report_options,
    .run = run_json,
};

}  // namespace memattr
