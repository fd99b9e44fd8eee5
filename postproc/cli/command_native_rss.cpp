// `native-rss`: runs a program natively and prints its peak resident set (cli/native_rss.h),
// to set beside the report's estimate.

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/native_rss.h"

namespace memattr {

namespace {

void declare_native_rss(CLI::App& command, CommandOptions& options) {
    command.add_option("PROGRAM", options.program,
                       "The program and its arguments: every word after\n"
                       "'native-rss' (and after '--', which is optional)\n"
                       "is the program's, its options included.")
        ->required()
        ->type_name("");
    command.footer("Example:\n  memattr-graph native-rss -- ./app --input data.txt\n"
                   "Prints, on standard error, e.g.:\n"
                   "  memattr-graph: peak RSS (VmHWM) of a native run: 14,532 KiB  (use: "
                   "memattr-graph report TRACE --native-rss=14532K)\n"
                   "  memattr-graph: the program exited with status 0\n"
                   "Exit status: 0 when the program ran (whatever its own status), 1 when it "
                   "could not be run.");
}

// Prints on standard error (like time(1), so that the program's own output stays as it
// was). The program's exit status is reported, not passed on: memattr-graph succeeds when it
// measured.
int run_native_rss(const CommandOptions& options, const AnalysisNeeds&) {
    for (const std::string& line : describe_native_run(run_native(options.program)))
        fmt::print(stderr, "memattr-graph: {}\n", line);
    return 0;
}

}  // namespace

extern const Command native_rss_command{
    .name = "native-rss",
    .summary = "Run PROGRAM natively (not under Valgrind) and print\n"
               "its peak resident set (VmHWM), to compare with the\n"
               "report's estimate: 'report --native-rss=...'.",
    .needs = {},
    .takes_raw_words = true,
    .declare = declare_native_rss,
    .run = run_native_rss,
};

}  // namespace memattr
