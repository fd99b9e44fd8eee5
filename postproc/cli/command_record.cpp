// `record`: stores the figures of one run (a trace or a JSON report) in the history database,
// with labels saying what it was (workload, revision, host), for `trend` to show later.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/write_report.h"
#include "history/history_db.h"
#include "history/run_figures.h"
#include "history/trend.h"
#include "support/units.h"

namespace memattr {

namespace {

void declare_record(CLI::App& command, CommandOptions& options) {
    add_run_operand(command, "TRACE", options.trace_path,
                    "The run: a trace written by 'valgrind --tool=memattr'\n"
                    "(memattr.out.<pid>), or its JSON report.")
        ->required();
    add_database_option(command, options,
                        "The history database to record into: created when\n"
                        "missing or empty; any other file that is not one\n"
                        "is refused and left as it is.");
    add_label_option(command, "--label", options.labels,
                     "A label of the run, e.g. workload=parser, rev=3f2a1c,\n"
                     "for 'trend' to select and tell runs apart by.\n"
                     "Repeatable, one NAME=VALUE each; the VALUE may be\n"
                     "empty.");
    add_analysis_options(command, options);
    command.footer(
        "Example:\n"
        "  memattr-graph record memattr.out.1234 --db history.db --label workload=parser "
        "--label rev=3f2a1c\n"
        "Prints, e.g.:\n"
        "  recorded run 12 (workload=parser, rev=3f2a1c) in history.db: peak 1.5 MiB, total "
        "12 MiB, exit 0 B, clone 64 KiB\n"
        "Exit status: 0 when the run was recorded, 1 when the trace cannot be read or the\n"
        "database cannot be written, 2 for a usage error.");
}

// "recorded run 12 (workload=parser) in history.db: peak 1.5 MiB, total 12 MiB, ...": the
// trend's figures the run has.
std::string describe_recorded(std::int64_t id, const RunFigures& figures,
                              const std::string& database) {
    std::string line = fmt::format("recorded run {}", id);
    if (!figures.labels.empty()) line += fmt::format(" ({})", describe_labels(figures.labels));
    line += fmt::format(" in {}", database);
    const char* separator = ": ";
    for (RunFigure figure : kTrendFigures)
        if (const std::optional<std::uint64_t> bytes = figures.total(figure)) {
            line += fmt::format("{}{} {}", separator, figure_heading(figure), short_bytes(*bytes));
            separator = ", ";
        }
    return line;
}

// The trace is read before the database is opened: a bad trace leaves no new file behind.
int run_record(const CommandOptions& options, const AnalysisNeeds&) {
    RunFigures figures = load_run_figures(options.trace_path, options.analysis);
    figures.labels = options.labels;
    HistoryDb database(options.database_path, HistoryDb::Access::write);
    const std::int64_t id = database.record(figures);
    write_output(describe_recorded(id, figures, options.database_path) + '\n',
                 options.output_path);
    return 0;
}

}  // namespace

extern const Command record_command{
    .name = "record",
    .summary = "Record the figures of TRACE (or of its JSON report)\n"
               "in a history database, with labels, for 'trend'.",
    .needs = {},  // load_run_figures analyses the trace itself
    .declare = declare_record,
    .run = run_record,
};

}  // namespace memattr
