// `callgrind`: TRACE's sites as a callgrind file (report/profiles/callgrind_reporter.h).

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/profiles/callgrind_reporter.h"

namespace memattr {

namespace {

void declare_callgrind(CLI::App& command, CommandOptions& options) {
    add_profile_options(command, options);
    command.footer(
        "Example:\n"
        "  memattr-graph callgrind memattr.out.1234 -o callgrind.out.memattr\n"
        "  callgrind_annotate --inclusive=yes callgrind.out.memattr\n"
        "Or open the file in KCachegrind.");
}

int run_callgrind(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, CallgrindReporter{});
    return 0;
}

}  // namespace

extern const Command callgrind_command{
    .name = "callgrind",
    .summary = "Write the sites of TRACE as a callgrind file (bytes\n"
               "and blocks at the peak, in total, at exit and\n"
               "temporary), for callgrind_annotate or KCachegrind.",
    .needs = {},
    .declare = declare_callgrind,
    .run = run_callgrind,
};

}  // namespace memattr
