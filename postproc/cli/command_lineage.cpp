// `lineage`: the copy lineage graph of a trace, as Graphviz DOT (report/lineage_reporter.h).

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/lineage_reporter.h"

namespace memattr {

namespace {

void declare_lineage(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    add_top_option(command, options, kDefaultLineageEdges,
                   "Edges drawn: those with the most bytes copied;\n"
                   "0 draws every edge.");
}

int run_lineage(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, LineageReporter{});
    return 0;
}

}  // namespace

extern const Command lineage_command{
    .name = "lineage",
    .summary = "Write the copy lineage of TRACE as a Graphviz DOT\n"
               "graph: allocation sites, and the copies between\n"
               "them (render it with 'dot -Tsvg').",
    .needs = {.copies = true},
    .declare = declare_lineage,
    .run = run_lineage,
};

}  // namespace memattr
