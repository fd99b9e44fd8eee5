// The lineage graph: copy flow between allocation sites as a Graphviz DOT digraph
// (`memattr-graph lineage`; docs/memattr-graph.md shows one).
//
// Nodes are allocation sites, edges the copies from one site's blocks into another's, one
// edge per class of copy (ReportModel::copies.lineage). Clones that could be moves are red
// and bold, relocations dashed grey, other copies plain. Only the --top edges with the most
// bytes copied are drawn; the graph's label says how many were left out.
//
// It is a Reporter like the others, but not one of reporter_formats(): the `lineage`
// command writes it, with its own default for --top (kDefaultLineageEdges).
#pragma once

#include <cstddef>

#include "report/reporter.h"

namespace memattr {

// Edges drawn by default: a graph of more is hard to read.
inline constexpr std::size_t kDefaultLineageEdges = 20;

class LineageReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
