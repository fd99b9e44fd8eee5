// The command line's options, one type for every command, and the options several commands
// share. Each command (cli/command_*.cpp) declares the ones it takes, with its own defaults;
// main.cpp gives each command an instance of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/options.h"
#include "history/budgets.h"
#include "history/history_db.h"

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace memattr {

// What the words of one command line asked for.
struct CommandOptions {
    std::string trace_path;
    std::string output_path;        // -o: empty for standard output
    std::string format = "text";    // report's --format: a reporter_formats() name
    AnalysisOptions analysis;       // the options that change the figures
    std::vector<std::string> program;  // native-rss: the program to run and its arguments

    // diff and check: the run compared against (cli/baseline.h).
    std::string baseline_path;      // diff's BASE, check's --baseline: a trace or JSON report
    std::string baseline_database_path;  // --baseline-db FILE: or the latest run there...
    Labels baseline_labels;              // ...with every --baseline-label NAME=VALUE
    // diff
    std::string metric = "peak";    // --metric: a metric_name() (history/run_figures.h)
    std::uint64_t min_delta = 0;    // --min-delta: changes smaller than this are not listed
    // check
    Budgets budgets;                // the budgets of the command line, then of --budgets
    std::string budget_file;        // --budgets FILE
    std::string junit_path;         // --junit FILE
    std::string markdown_path;      // --markdown FILE
    // record and trend: the history database (history/history_db.h)
    std::string database_path;      // --db FILE
    Labels labels;                  // --label NAME=VALUE (and trend's --workload W) in the
                                    // order given: record's run's labels, trend's selection
    std::size_t last_runs = 0;      // trend --last N: the newest N runs shown; 0 for all
};

// A count option's check: a whole number, at least `minimum`. (CLI11's NonNegativeNumber and
// PositiveNumber print their range up to DBL_MAX in the message.)
CLI::Validator count_at_least(std::size_t minimum);

// A size option's check: bytes, or with a unit (support/units.h, parse_size).
CLI::Validator size_validator();

// TRACE, then add_analysis_options: the options of every command that reads a trace.
void add_common_options(CLI::App& command, CommandOptions& options);

// An operand naming a file a command reads (TRACE, BASE, NEW): `path` gets it. Returns the
// option, for ->required().
CLI::Option* add_run_operand(CLI::App& command, const std::string& name, std::string& path,
                             const std::string& help);

// -o, --clone-threshold, --frames and --ignore-fn: what every command that analyses a trace
// takes, whatever its operands. --frames's default is the one already in `options`.
void add_analysis_options(CLI::App& command, CommandOptions& options);

// add_common_options with --frames defaulting to every frame (kAllFrames): the profile
// commands' (folded, callgrind, massif, pprof) and html's, whose stacks run from the
// program's entry point.
void add_profile_options(CLI::App& command, CommandOptions& options);

// --db FILE, required: the history database.
void add_database_option(CLI::App& command, CommandOptions& options, const std::string& help);

// `option` NAME=VALUE (--label, --baseline-label), repeatable, into `labels`. A word without
// '=' or without a name, or a name given twice, is a usage error. Returns the option.
CLI::Option* add_label_option(CLI::App& command, const std::string& option, Labels& labels,
                              const std::string& help);

// Adds NAME=VALUE to `labels`; throws CLI::ValidationError when NAME is there already.
void add_label(Labels& labels, std::string_view option, std::string name, std::string value);

// --baseline-db FILE and --baseline-label NAME=VALUE: a baseline taken from the history
// database (cli/baseline.h).
void add_baseline_db_options(CLI::App& command, CommandOptions& options);

// --baseline FILE (a trace or a JSON report; `help` says what it is compared for), or
// add_baseline_db_options' database instead.
void add_baseline_options(CLI::App& command, CommandOptions& options, const std::string& help);

// --snapshot: the heap snapshot the ownership sections (and the ownership graph) describe.
void add_snapshot_option(CLI::App& command, CommandOptions& options);

// --memory-map: the memory map the report's section (and the graph's arena links) describe.
void add_memory_map_option(CLI::App& command, CommandOptions& options);

// --native-rss: the peak resident set of a native run, set beside the estimate.
void add_native_rss_option(CLI::App& command, CommandOptions& options);

// --top, whose meaning and default differ by command: `help` says what it counts,
// `default_top` is set in `options` and shown in the help.
void add_top_option(CLI::App& command, CommandOptions& options, std::size_t default_top,
                    const std::string& help);

}  // namespace memattr
