// Ownership analysis: from a trace's heap snapshot to the figures of the report's ownership
// sections ("Owners at peak (retained)", "Duplicate contents", "Unreachable at peak") and
// of the ownership graph (`memattr-graph dot`).
//
// It picks the snapshot (the peak one; the exit one when there is none; or --snapshot),
// runs ownership.h's algorithms on it, and names what they found the way a person reads
// it: allocation sites by their folded frame, roots by where the word lives ("global
// g_cache", "stack of thread 1 in main (app.cpp:44)", "register rax of thread 2",
// "anonymous mapping"). Retained sizes are in requested bytes, like the peak figures.
//
// Owners. A block's owner is what immediately dominates it: freeing the owner frees the
// block. A run of blocks from one site that dominate one another (a linked list's nodes)
// shares the owner of its first block, so that "List::push keeps List::push alive" does not
// hide who keeps the list. When only the roots dominate a block, its owner is the root that
// points at it (a global before a stack word, a mapping, then a register; the first in the
// trace among equals), or "several roots" when no root points at it directly (it is reached
// along separate paths).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.h"

namespace memattr {

struct AnalysisOptions;
class SiteFolder;
struct SiteRow;

// Rows that get a retainer path: the first of each ranking. A path costs a walk from the
// block to a root, so not every row has one.
inline constexpr std::size_t kMaxRetainerPaths = 10;

// Duplicate groups listed (in both reports); the totals count them all.
inline constexpr std::size_t kMaxDuplicateRows = 1000;

// Why the report has no ownership sections.
enum class NoSnapshotReason {
    old_trace,      // a version 1 or 2 trace: written before snapshots existed
    snapshots_off,  // recorded with --snapshots=no
    none_taken,     // snapshots on, yet no peak or exit snapshot is in the trace (the live heap
                    // stayed below snapshot-min and the trace has no exit snapshot)
};

// Why this snapshot was picked.
enum class SnapshotChoice {
    peak,       // its kinds include peak
    exit,       // no peak snapshot (the heap stayed below snapshot-min): the exit snapshot
    requested,  // --snapshot
};

// A snapshot's header, as reports show it.
struct SnapshotSummary {
    std::uint64_t id = 0;
    std::string name;
    SnapshotKinds kinds;
    std::uint64_t time = 0;
    std::uint64_t allocated = 0;
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
    std::uint64_t pointers = 0;
    std::uint64_t roots = 0;
    std::uint64_t scanned = 0;
    std::uint64_t unreadable_blocks = 0;  // live blocks not read: protected or unmapped
    std::uint64_t unreadable_bytes = 0;
};

// A root as an owner: where the words that keep blocks alive are. Words of one global
// (whatever their offset in it), of one stack frame, of one register of one thread, or of
// one mapped file (or of anonymous memory) are one owner.
struct RootOwner {
    RootKind kind = RootKind::global;
    std::uint64_t thread = 0;          // register and stack roots
    std::string register_name;         // register roots
    std::optional<Frame> function;     // stack roots: the function whose frame holds the word
    std::optional<Frame> program_function;  // stack roots: when `function` is library or
                                       // allocator code (std::vector's growth, a tool's
                                       // replacement), the innermost of its callers that is
                                       // the program's own code (site folding's roles); the
                                       // report names the root by it
    std::string symbol;                // global roots; empty when no symbol covers the word
    std::string object;                // global and mapping roots; empty for anonymous memory
};

// Who owns (immediately dominates) a run of blocks.
struct Owner {
    enum class Kind {
        site,     // a block from ReportModel::sites[site]
        root,     // the root OwnershipReport::roots[root]
        several,  // only the roots together: reached along separate paths from the roots
    };
    Kind kind = Kind::several;
    std::size_t site = 0;  // Kind::site
    std::size_t root = 0;  // Kind::root

    friend bool operator==(const Owner&, const Owner&) = default;
};

// One step of a retainer path: a block, or a run of consecutive blocks from one site.
struct PathStep {
    std::size_t site = 0;             // index into ReportModel::sites
    std::uint64_t blocks = 1;         // blocks of the run (a linked list's nodes are one step)
    std::uint64_t address = 0;        // the run's first block
    std::uint64_t size = 0;           // its size
    std::uint64_t offset = 0;         // where the pointer to it lies in the previous step's
                                      // last block (for the first step: in the root's word,
                                      // so 0)
    std::uint32_t target_offset = 0;  // where that pointer points inside it (0: its start;
                                      // kFarInteriorOffset: 4 GiB or more)
};

// A shortest chain of pointers from a root to a block: why the block is alive.
struct RetainerPath {
    std::size_t root = 0;     // index into OwnershipReport::roots: the root word's owner
    std::uint64_t root_address = 0;     // the word's address (0 for a register)
    std::uint64_t root_symbol_offset = 0;  // its offset in its global symbol
    std::vector<PathStep> steps;        // from the block the root points at to the block
    std::uint64_t blocks = 0;           // blocks on the path, all runs counted
};

// A site in the snapshot.
struct OwnedSite {
    std::size_t site = 0;                  // index into ReportModel::sites
    std::uint64_t self_bytes = 0;          // requested bytes of its live blocks
    std::uint64_t blocks = 0;              // its live blocks
    std::uint64_t retained_bytes = 0;      // bytes of the union of its reachable blocks'
                                           // dominator subtrees: freeing all its blocks
                                           // would free this much
    std::uint64_t unreachable_bytes = 0;   // of self_bytes, in blocks no root reaches
    std::uint64_t unreachable_blocks = 0;
    std::optional<RetainerPath> path;      // to its block of largest retained size; for the
                                           // first kMaxRetainerPaths sites
};

// Blocks of one site owned by one owner (see the file comment): an edge of the ownership
// graph by site.
struct OwnerRow {
    Owner owner;
    std::size_t site = 0;              // the owned site: index into ReportModel::sites
    std::uint64_t retained_bytes = 0;  // union of the owned blocks' dominator subtrees
    std::uint64_t blocks = 0;          // owned blocks (the first of each run)
    std::optional<RetainerPath> path;  // to the owned block of largest retained size; for
                                       // the first kMaxRetainerPaths rows
};

// One of the blocks of largest retained size, whichever site they come from: a single
// block that keeps much alive (a cache's table, a tree's root) shows here even when its
// site's other blocks keep little.
struct LargestBlock {
    std::size_t site = 0;              // index into ReportModel::sites
    std::uint64_t address = 0;
    std::uint64_t size = 0;            // its requested bytes
    std::uint64_t retained_bytes = 0;  // its dominator subtree's bytes, itself included
    RetainerPath path;                 // from a root to it
};

// Blocks no root reaches: leaked already at the snapshot.
struct UnreachableRow {
    std::size_t site = 0;  // index into ReportModel::sites
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
};

// Blocks of one site in a duplicate group or a set of them: (index into ReportModel::sites,
// blocks from it), most blocks first.
using BlocksBySite = std::vector<std::pair<std::size_t, std::uint64_t>>;

// Live blocks with equal contents (equal size and hash).
struct DuplicateRow {
    std::uint64_t size = 0;
    std::uint64_t hash = 0;
    std::uint64_t count = 0;   // copies, at least 2
    std::uint64_t wasted = 0;  // (count - 1) x size: what keeping one copy would save
    BlocksBySite sites;        // the sites its copies come from
};

// The duplicate groups whose blocks come from one set of sites. A program that keeps a
// backup of every string has thousands of groups of "2 copies", each between the same two
// sites: one pattern, which this row shows as one.
struct DuplicateSitesRow {
    BlocksBySite sites;        // the set's sites and their blocks in the groups
    std::uint64_t groups = 0;  // groups whose blocks come from exactly these sites
    std::uint64_t blocks = 0;  // blocks in them
    std::uint64_t wasted = 0;  // wasted bytes of them
};

// One site's blocks in duplicate groups, whichever sites the other copies come from: how
// much of a site's memory is copies of other blocks.
struct DuplicateSiteRow {
    std::size_t site = 0;      // index into ReportModel::sites
    std::uint64_t groups = 0;  // groups holding at least one of its blocks
    std::uint64_t blocks = 0;  // its blocks in them
    std::uint64_t bytes = 0;   // their requested bytes
};

struct DuplicateSummary {
    std::vector<DuplicateSiteRow> by_site;    // every site with a block in a group, summed
                                              // over every group (listed in `rows` or not),
                                              // most bytes first (ties: more blocks, then
                                              // site row)
    std::vector<DuplicateSitesRow> by_sites;  // every set of sites, most wasted first (ties:
                                              // more groups, then the sites' row indexes)
    std::vector<DuplicateRow> rows;  // most wasted first, at most kMaxDuplicateRows
    std::uint64_t groups = 0;        // all groups, listed or not
    std::uint64_t blocks = 0;        // blocks in them
    std::uint64_t wasted = 0;        // wasted bytes of them all
};

// `memattr-graph dot --blocks SITE`: the dominator subtrees under a site's blocks.
struct BlockNode {
    std::uint32_t block = 0;        // index into the snapshot's blocks
    std::size_t site = 0;           // index into ReportModel::sites
    std::uint64_t address = 0;
    std::uint64_t size = 0;
    std::uint64_t retained = 0;
    std::optional<std::size_t> dominator;  // index into BlockTree::nodes; none for a top block
    std::uint64_t hidden_children = 0;     // children left out (--max-nodes)
    std::uint64_t hidden_bytes = 0;        // their retained bytes
};

struct BlockTree {
    std::size_t site = 0;            // the site asked for: index into ReportModel::sites
    std::vector<BlockNode> nodes;    // breadth first, biggest first; at most --max-nodes
    std::vector<Owner> top_owners;   // per top node (those without a dominator), in order
    std::uint64_t top_blocks = 0;    // the site's blocks no block of the site dominates
    std::uint64_t left_out = 0;      // blocks of the subtrees not in `nodes`
};

// `memattr-graph dot`: the ownership graph by site. The first --top sites by retained bytes
// are nodes of their own, the rest one "other sites" node; roots are nodes too.
struct GraphNode {
    enum class Kind { site, other_sites, root, several };
    Kind kind = Kind::several;
    std::size_t index = 0;  // site: index into ReportModel::sites; root: into
                            // OwnershipReport::roots

    friend auto operator<=>(const GraphNode&, const GraphNode&) = default;
};

// Owner rows between two nodes, the owned blocks' subtrees counted once.
struct GraphEdge {
    GraphNode from;                    // the owner
    GraphNode to;                      // the owned site (or other sites)
    std::uint64_t retained_bytes = 0;  // union of the owned blocks' dominator subtrees
    std::uint64_t blocks = 0;          // owned blocks
};

struct SiteGraph {
    std::vector<std::size_t> sites;    // the sites drawn: indexes into OwnershipReport::sites
    std::uint64_t other_sites = 0;     // the sites folded into one node
    std::uint64_t other_bytes = 0;     // their self bytes
    std::uint64_t other_blocks = 0;    // their blocks
    std::vector<GraphEdge> edges;      // by retained bytes, descending; none from the other
                                       // sites to themselves
};

struct OwnershipReport {
    std::optional<NoSnapshotReason> missing;  // set when there is no snapshot to analyse;
                                              // then nothing below but `snapshots` is filled
    std::vector<SnapshotSummary> snapshots;   // every snapshot of the trace
    std::optional<SnapshotCost> cost;         // the trace's snapshot-cost record

    SnapshotSummary snapshot;  // the one analysed
    SnapshotChoice choice = SnapshotChoice::peak;

    std::uint64_t reachable_bytes = 0;
    std::uint64_t reachable_blocks = 0;
    std::uint64_t unreachable_bytes = 0;
    std::uint64_t unreachable_blocks = 0;

    std::vector<RootOwner> roots;            // the owners that are roots, in order of first
                                             // appearance
    std::vector<OwnedSite> sites;            // every site with live blocks, by retained bytes,
                                             // then self bytes (descending), then site id
    std::vector<OwnerRow> owners;            // every owner row, by retained bytes descending
    std::vector<UnreachableRow> unreachable; // by bytes descending, then site id
    std::vector<LargestBlock> largest_blocks;  // the kMaxRetainerPaths reachable blocks of
                                               // largest retained size, by retained bytes
                                               // descending, then address
    DuplicateSummary duplicates;
    std::optional<BlockTree> block_tree;     // with AnalysisOptions::blocks_site
    std::optional<SiteGraph> site_graph;     // with AnalysisOptions::site_graph
};

// A snapshot's header figures.
SnapshotSummary summarise_snapshot(const Snapshot& snapshot);

// The trace's first snapshot whose kinds include `kind` (e.g. &SnapshotKinds::exit), or
// nullptr.
const Snapshot* snapshot_with_kind(const Trace& trace, bool SnapshotKinds::*kind);

// The ownership sections of `trace`. `sites` are the report's site rows and `row_of_site`
// the row of each of Trace::sites. Throws std::invalid_argument when --snapshot or --blocks
// names nothing (or more than one thing) in the trace.
OwnershipReport analyse_ownership(const Trace& trace, const AnalysisOptions& options,
                                  const SiteFolder& folder, const std::vector<SiteRow>& sites,
                                  const std::vector<std::size_t>& row_of_site);

// How a root owner reads: "global g_cache (cache-demo)", "stack of thread 1 in main
// (app.cpp:44)", "register rax of thread 2", "anonymous mapping", "mapping of cache.db".
// Escaped like describe_frame.
std::string describe_root(const RootOwner& root);

// "snapshot 2 'peak' (peak)": how reports name a snapshot.
std::string describe_snapshot(const SnapshotSummary& snapshot);

}  // namespace memattr
