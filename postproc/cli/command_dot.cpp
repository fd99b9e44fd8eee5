// `dot`: the ownership graph of a trace's snapshot, as Graphviz DOT
// (report/ownership_reporter.h).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/ownership_reporter.h"

namespace memattr {

namespace {

void declare_dot(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    options.analysis.site_graph = true;
    add_top_option(command, options, kDefaultGraphSites,
                   "Sites drawn: those retaining the most bytes; the\n"
                   "others are one node. 0 draws every site.");
    command.add_option("--blocks", options.analysis.blocks_site,
                       "Draw blocks instead of sites: the dominator\n"
                       "subtrees under the blocks of SITE, a site id or a\n"
                       "part of its folded frame's name that only one site\n"
                       "has.")
        ->option_text("SITE");
    command.add_option("--max-nodes", options.analysis.max_nodes,
                       "With --blocks: the most blocks drawn; a note says\n"
                       "how many more there are.")
        ->check(count_at_least(1))
        ->option_text(fmt::format("N (default {})", kDefaultMaxBlockNodes));
}

int run_dot(const CommandOptions& options, const AnalysisNeeds& needs) {
    write_report(options, needs, OwnershipReporter{});
    return 0;
}

}  // namespace

// The memory map gives the graph its arena links.
extern const Command dot_command{
    .name = "dot",
    .summary = "Write the ownership graph of TRACE's peak snapshot\n"
               "as a Graphviz DOT graph: who keeps which sites'\n"
               "blocks alive (render it with 'dot -Tsvg').",
    .needs = {.ownership = true, .memory_map = true},
    .declare = declare_dot,
    .run = run_dot,
};

}  // namespace memattr
