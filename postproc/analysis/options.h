// What the user asked of the analysis: the command line's options that change figures or
// choose what a report describes (--top, --frames, --ignore-fn, --clone-threshold,
// --snapshot, --blocks, --max-nodes, --memory-map, --native-rss). The sub-analyses read the
// ones they depend on; ReportModel keeps them all so reporters can say what was asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "analysis/site_folding.h"
#include "trace/trace.h"

namespace memattr {

inline constexpr unsigned kDefaultCloneThreshold = 90;
inline constexpr std::size_t kDefaultMaxBlockNodes = 200;

struct AnalysisOptions {
    std::size_t top = 10;    // --top: rows per ranking of the text report, edges of the
                             // lineage graph; 0 for all
    FoldingOptions folding;  // --frames, --ignore-fn
    unsigned clone_threshold = kDefaultCloneThreshold;  // --clone-threshold: the percentage
                             // of a destination a copy must fill to make it a clone; a
                             // multiple of 10 from 10 to 100 (the trace's `share` is in tenths)
    std::string snapshot;    // --snapshot: the id or name of the snapshot the ownership
                             // sections describe; empty for the peak one (or the exit one)
    std::string blocks_site; // --blocks (dot): the site (id, or part of its folded name)
                             // whose blocks' dominator subtrees to list; empty for none
    std::size_t max_nodes = kDefaultMaxBlockNodes;  // --max-nodes: blocks listed for --blocks
    bool site_graph = false; // compute the ownership graph by site (the dot command), its
                             // first --top sites (0: all) drawn apart
    std::string memory_map;  // --memory-map: the memory map the memory map section describes,
                             // "peak" or "exit"; empty for the peak one (or the exit one)
    std::optional<std::uint64_t> native_rss;  // --native-rss: the peak resident set of a native
                             // run in bytes, set beside memattr's estimate
    std::uint8_t leak_heuristics = kAllLeakHeuristics;  // --leak-check-heuristics: the
                             // LeakHeuristicBits applied, as Memcheck's option (all four by
                             // default, as in Memcheck 3.19)
};

// Whether `percent` can be a clone threshold: a multiple of 10 from 10 to 100 (the trace's
// `share` is in tenths, so finer thresholds would mean nothing).
constexpr bool is_valid_clone_threshold(unsigned percent) {
    return percent >= 10 && percent <= 100 && percent % 10 == 0;
}

}  // namespace memattr
