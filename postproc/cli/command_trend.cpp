// `trend`: the runs recorded in a history database, night by night, and the sites that moved
// most between the first and the last of them (history/trend.h).

#include <stdexcept>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.h"
#include "cli/write_report.h"
#include "history/history_db.h"
#include "history/trend.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr std::size_t kDefaultMovedSites = 10;

void declare_trend(CLI::App& command, CommandOptions& options) {
    add_database_option(command, options, "The history database 'record' wrote.");
    command
        .add_option_function<std::string>(
            "--workload",
            [&options](const std::string& workload) {
                add_label(options.labels, "--workload", "workload", workload);
            },
            "Only the runs of workload W: short for\n"
            "'--label workload=W'.")
        ->option_text("W");
    add_label_option(command, "--label", options.labels,
                     "Only the runs with this label. Repeatable: a run\n"
                     "must have every NAME=VALUE given.");
    command.add_option("--last", options.last_runs, "Only the newest N runs selected.")
        ->check(count_at_least(1))
        ->option_text("N (default: every run)");
    const std::vector<std::string>& formats = trend_formats();
    command.add_option("--format", options.format,
                       fmt::format("Output format: {}.", fmt::join(formats, ", ")))
        ->check(CLI::IsMember(formats))
        ->option_text(fmt::format("FORMAT (default {})", options.format));
    command.add_option("-o,--output", options.output_path,
                       "Write the trend to FILE instead of standard output.")
        ->option_text("FILE");
    add_top_option(command, options, kDefaultMovedSites,
                   "Sites listed under 'sites that moved most' in text\n"
                   "and Markdown; 0 lists them all. (JSON always has\n"
                   "every site that moved.)");
    command.footer(
        "Examples:\n"
        "  memattr-graph trend --db history.db --workload parser --last 7\n"
        "  memattr-graph trend --db history.db --workload parser --format markdown "
        ">> \"$GITHUB_STEP_SUMMARY\"\n"
        "Exit status: 0 when the trend was written, 1 when the database cannot be read or\n"
        "no run matches, 2 for a usage error.");
}

// The message for a selection without runs: what was asked, and what the file holds.
std::string no_runs(const HistoryDb& database, const Labels& filters) {
    const std::size_t held = database.runs().size();
    if (held == 0) return fmt::format("{}: no runs recorded yet", database.path());
    return fmt::format("{}: no recorded run has the labels {} (the database holds {})",
                       database.path(), describe_labels(filters), count_of(held, "run"));
}

int run_trend(const CommandOptions& options, const AnalysisNeeds&) {
    const HistoryDb database(options.database_path, HistoryDb::Access::read);
    std::vector<RecordedRun> runs = database.runs(options.labels);
    if (runs.empty()) throw std::runtime_error(no_runs(database, options.labels));
    const std::size_t matching = runs.size();
    if (options.last_runs != 0 && runs.size() > options.last_runs)
        runs.erase(runs.begin(), runs.end() - static_cast<std::ptrdiff_t>(options.last_runs));
    const RunFigures first = database.load(runs.front().id);
    const RunFigures last = database.load(runs.back().id);
    const Trend trend = make_trend(options.database_path, options.labels, matching,
                                   std::move(runs), first, last, options.analysis.top);
    write_output(write_trend(trend, options.format), options.output_path);
    return 0;
}

}  // namespace

extern const Command trend_command{
    .name = "trend",
    .summary = "Show the runs recorded in a history database night\n"
               "by night, and the sites that moved most.",
    .needs = {},  // reads no trace
    .declare = declare_trend,
    .run = run_trend,
};

}  // namespace memattr
