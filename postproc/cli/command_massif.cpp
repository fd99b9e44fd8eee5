// `massif`: TRACE's live heap over time and its peak tree as a Massif file
// (report/profiles/massif_reporter.h).

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/profiles/massif_reporter.h"

namespace memattr {

namespace {

void declare_massif(CLI::App& command, CommandOptions& options) {
    add_profile_options(command, options);
    command.footer(
        "Example:\n"
        "  memattr-graph massif memattr.out.1234 -o massif.out.memattr\n"
        "  ms_print massif.out.memattr\n"
        "Or open the file in massif-visualizer.");
}

int run_massif(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, MassifReporter{});
    return 0;
}

}  // namespace

extern const Command massif_command{
    .name = "massif",
    .summary = "Write the live heap of TRACE over time, with the\n"
               "allocation tree at the peak, as a Massif file, for\n"
               "ms_print or massif-visualizer.",
    .needs = {},
    .declare = declare_massif,
    .run = run_massif,
};

}  // namespace memattr
