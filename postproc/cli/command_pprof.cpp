// `pprof`: TRACE's sites as a gzip-compressed pprof profile
// (report/profiles/pprof_reporter.h), for `go tool pprof`.

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/profiles/pprof_reporter.h"

namespace memattr {

namespace {

// The profile is compressed binary: on a terminal it would be noise, and could leave the
// terminal in an odd state. So without -o standard output must be a file or a pipe; checked
// when the command line is parsed, a usage error like any other.
void refuse_a_terminal(const CommandOptions& options) {
    if (options.output_path.empty() && isatty(STDOUT_FILENO) == 1)
        throw CLI::ValidationError(
            "pprof writes a binary (gzip-compressed) profile: give -o FILE, or redirect "
            "standard output to a file or a pipe");
}

void declare_pprof(CLI::App& command, CommandOptions& options) {
    add_profile_options(command, options);
    command.final_callback([&options] { refuse_a_terminal(options); });
    command.footer(
        "Without -o the profile goes to standard output, unless that is a terminal.\n"
        "Example:\n"
        "  memattr-graph pprof memattr.out.1234 -o heap.pb.gz\n"
        "  go tool pprof -top heap.pb.gz                           (live at the peak)\n"
        "  go tool pprof -sample_index=alloc_space -top heap.pb.gz (allocated in total)\n"
        "  go tool pprof -http=localhost:8080 heap.pb.gz");
}

int run_pprof(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, PprofReporter{"memattr-graph " MEMATTR_GRAPH_VERSION});
    return 0;
}

}  // namespace

extern const Command pprof_command{
    .name = "pprof",
    .summary = "Write the sites of TRACE as a gzip-compressed pprof\n"
               "profile (objects and bytes allocated in total, live\n"
               "at the peak and at exit), for go tool pprof.",
    .needs = {},
    .declare = declare_pprof,
    .run = run_pprof,
};

}  // namespace memattr
