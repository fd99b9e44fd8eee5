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

// Rows of each list of the `json` command's report: enough for a dashboard or a script
// looking for the biggest rows, few enough that a compiler's 74,000 sites do not make a
// report of hundreds of megabytes. --top 0 writes every row.
constexpr std::size_t kDefaultJsonRows = 100;

void add_report_options(CLI::App& command, CommandOptions& options, std::size_t default_top) {
    add_common_options(command, options);
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    add_native_rss_option(command, options);
    add_top_option(command, options, default_top,
                   "Rows listed in each ranking of the text report,\n"
                   "and in each list of the JSON report (the count\n"
                   "of each list cut is in its 'truncated'); 0 lists\n"
                   "them all.");
}

void declare_report(CLI::App& command, CommandOptions& options) {
    add_report_options(command, options, AnalysisOptions{}.top);
    const std::vector<std::string> formats = reporter_formats();
    command.add_option("--format", options.format,
                       fmt::format("Output format: {}.", fmt::join(formats, " or ")))
        ->check(CLI::IsMember(formats))
        ->option_text(fmt::format("FORMAT (default {})", options.format));
}

void declare_json(CLI::App& command, CommandOptions& options) {
    add_report_options(command, options, kDefaultJsonRows);
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
    .declare = declare_json,
    .run = run_json,
};

}  // namespace memattr
