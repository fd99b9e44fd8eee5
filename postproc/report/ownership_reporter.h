// The ownership graph: who keeps what alive in a heap snapshot, as a Graphviz DOT digraph
// (`memattr-graph dot`; docs/memattr-graph.md shows one).
//
// By default the graph is by allocation site (OwnershipReport::site_graph): a box per site
// (its folded frame, its own bytes and the bytes it retains), a house per root that owns
// blocks, and an edge from each owner to each site it owns blocks of, labelled with the
// bytes those blocks retain. The --top sites with the most retained bytes are drawn; the
// rest are one "other sites" node. With --blocks SITE it is by block instead
// (OwnershipReport::block_tree): the dominator subtrees under that site's blocks, at most
// --max-nodes blocks, with a note saying how many were left out.
//
// It is a Reporter like the others, but not one of reporter_formats(): the `dot` command
// writes it, with its own default for --top (kDefaultGraphSites).
#pragma once

#include <cstddef>

#include "report/reporter.h"

namespace memattr {

// Sites drawn by default: a graph of more is hard to read.
inline constexpr std::size_t kDefaultGraphSites = 20;

class OwnershipReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
