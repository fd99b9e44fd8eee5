// Ownership: the graph algorithms behind "who keeps what alive" in one heap snapshot.
//
// The ownership graph has the snapshot's blocks as vertices, plus a super-root with an edge
// to every block a root points into; block -> block edges are the blocks' pointers (parallel
// edges merged, self-edges ignored: neither changes who dominates whom). Block D dominates
// block B when every path from the super-root to B passes through D: freeing D (and
// everything only it keeps alive) would free B. The dominator tree, computed with
// boost::lengauer_tarjan_dominator_tree, gives each block's *retained size*: the bytes of
// its dominator subtree, which is what freeing it would free. This is Eclipse MAT's
// analysis of Java heaps, done for a native heap with the pointers the tool found.
//
// Sizes are the blocks' requested sizes (the trace's `size`), so retained bytes add up to
// the snapshot's live bytes, like the peak figures.
//
// Everything here is a pure function of a Snapshot (and of per-block groups the caller
// chooses), so the algorithms are tested on hand-made graphs; naming sites and roots for
// people is ownership_analysis.h's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "trace/trace.h"

namespace memattr {

// Markers in per-block vectors of block indexes.
inline constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t kSuperRoot = kUnreached - 1;  // "the roots themselves"

// What a breadth-first search from the roots reaches, and how: the shortest retainer paths.
struct Reachability {
    std::vector<std::uint32_t> order;   // the reachable blocks, in breadth-first order: a
                                        // block comes after every block on its shortest path
    std::vector<std::uint32_t> parent;  // per block: the block before it on a shortest path
                                        // from the roots; kSuperRoot when a root points at it;
                                        // kUnreached when no root leads to it

    bool reached(std::uint32_t block) const { return parent[block] != kUnreached; }
};

// Which pointers a search from the roots follows.
enum class Follow {
    any_pointer,     // every pointer, to a block's start or into it
    start_pointers,  // only pointers to a block's start, from roots and blocks alike: what
                     // Memcheck's leak check calls a definite path
};

Reachability find_reachable(const Snapshot& snapshot, Follow follow = Follow::any_pointer);

struct Dominators {
    std::vector<std::uint32_t> immediate;  // per block: its immediate dominator (a block),
                                           // kSuperRoot when only the roots dominate it, or
                                           // kUnreached
    std::vector<std::uint64_t> retained;   // per block: the requested bytes of its dominator
                                           // subtree, itself included; 0 when unreached
    // The dominator tree downwards: the blocks block b immediately dominates are
    // children[first_child[b] .. first_child[b + 1]); the super-root's (the blocks only the
    // roots dominate) are at b = blocks.size(). first_child has blocks.size() + 2 entries.
    std::vector<std::uint32_t> first_child;
    std::vector<std::uint32_t> children;

    std::span<const std::uint32_t> children_of(std::size_t block) const {
        return std::span<const std::uint32_t>(children).subspan(
            first_child[block], first_child[block + 1] - first_child[block]);
    }
};

// The dominator tree of the reachable blocks. Throws std::length_error for a graph beyond
// 32-bit vertex or edge counts.
Dominators find_dominators(const Snapshot& snapshot, const Reachability& reachability);

// A group of blocks (an allocation site, an owner row...) for retained_by_group.
inline constexpr std::uint32_t kNoGroup = std::numeric_limits<std::uint32_t>::max();

// For each group, the bytes of the union of its blocks' dominator subtrees: the sum of
// the retained bytes of its blocks that no other block of the group dominates. So a linked
// list of n blocks from one site counts its bytes once, not n times. `group_of` has one
// entry per block, kNoGroup for blocks in no group (unreached blocks are in none).
std::vector<std::uint64_t> retained_by_group(const Snapshot& snapshot,
                                             const Reachability& reachability,
                                             const Dominators& dominators,
                                             std::span<const std::uint32_t> group_of,
                                             std::size_t groups);

// The blocks from the roots to `block` along a shortest path: the block a root points at
// first, `block` last. Empty when `block` is unreached.
std::vector<std::uint32_t> retainer_path(const Reachability& reachability, std::uint32_t block);

// The first pointer of block `from` to block `to`, or nullptr when it holds none.
const BlockPointer* pointer_between(const Snapshot& snapshot, std::uint32_t from,
                                    std::uint32_t to);

// Live blocks with equal size and hash (so, taken to be equal contents), size above 0.
struct DuplicateGroup {
    std::uint64_t size = 0;
    std::uint64_t hash = 0;
    std::size_t first = 0;  // its blocks are Duplicates::blocks[first .. first + count)
    std::size_t count = 0;  // at least 2

    std::uint64_t wasted() const { return (count - 1) * size; }  // all copies but one
};

struct Duplicates {
    std::vector<DuplicateGroup> groups;  // most wasted bytes first (ties: larger size, then
                                         // lower first block)
    std::vector<std::uint32_t> blocks;   // the groups' blocks, each group's in increasing index

    std::span<const std::uint32_t> blocks_of(const DuplicateGroup& group) const {
        return std::span<const std::uint32_t>(blocks).subspan(group.first, group.count);
    }
};

// Every group of duplicates. Every block of the snapshot takes part, reachable or not: all
// are live.
Duplicates find_duplicates(const Snapshot& snapshot);

}  // namespace memattr
