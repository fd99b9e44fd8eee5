// The ownership graph algorithms (ownership.h) on hand-made heaps: reachability and shortest
// retainer paths, dominators and retained sizes (diamonds, cycles, shared children, self
// and parallel edges, several roots on one block, unreachable blocks), retained bytes per
// group without double counting (a linked list from one site), duplicate contents; and the
// dominators against boost::lengauer_tarjan_dominator_tree on random graphs.

#include <limits>
#include <map>
#include <random>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dominator_tree.hpp>
#include <gtest/gtest.h>

#include "heap_builder.h"
#include "analysis/ownership.h"

namespace memattr {
namespace ownership_tests {

using test::HeapBuilder;

struct Analysed {
    Snapshot snapshot;
    Reachability reachability;
    Dominators dominators;
};

Analysed analyse(const HeapBuilder& heap) {
    Analysed result{heap.build(), {}, {}};
    result.reachability = find_reachable(result.snapshot);
    result.dominators = find_dominators(result.snapshot, result.reachability);
    return result;
}

// Retained bytes by site (every reached block grouped by its site).
std::vector<std::uint64_t> retained_by_site(const Analysed& heap, std::size_t sites) {
    std::vector<std::uint32_t> group_of;
    for (std::uint32_t block = 0; block < heap.snapshot.blocks.size(); ++block)
        group_of.push_back(heap.reachability.reached(block) ? heap.snapshot.blocks[block].site
                                                            : kNoGroup);
    return retained_by_group(heap.snapshot, heap.reachability, heap.dominators, group_of, sites);
}

// ------------------------------------------------------------------ dominators

TEST(Dominators, DiamondIsDominatedByItsTop) {
    HeapBuilder heap;
    const auto top = heap.block(10), left = heap.block(20), right = heap.block(30),
               bottom = heap.block(40);
    heap.root(top).pointer(top, left).pointer(top, right).pointer(left, bottom).pointer(right, bottom);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[top], kSuperRoot);
    EXPECT_EQ(result.dominators.immediate[left], top);
    EXPECT_EQ(result.dominators.immediate[right], top);
    EXPECT_EQ(result.dominators.immediate[bottom], top);
    EXPECT_EQ(result.dominators.retained[top], 100u);
    EXPECT_EQ(result.dominators.retained[left], 20u);  // the bottom is not left's alone
    EXPECT_EQ(result.dominators.retained[bottom], 40u);
}

TEST(Dominators, CycleIsRetainedByTheBlockTheRootReaches) {
    HeapBuilder heap;
    const auto a = heap.block(1), b = heap.block(2), c = heap.block(4);
    heap.root(a).pointer(a, b).pointer(b, c).pointer(c, a);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[b], a);
    EXPECT_EQ(result.dominators.immediate[c], b);
    EXPECT_EQ(result.dominators.retained[a], 7u);
    EXPECT_EQ(result.dominators.retained[b], 6u);
}

TEST(Dominators, ChildSharedByTwoRootsIsRetainedByNeither) {
    HeapBuilder heap;
    const auto a = heap.block(10), b = heap.block(20), shared = heap.block(100);
    heap.root(a).root(b).pointer(a, shared).pointer(b, shared);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[shared], kSuperRoot);
    EXPECT_EQ(result.dominators.retained[a], 10u);
    EXPECT_EQ(result.dominators.retained[b], 20u);
    EXPECT_EQ(result.dominators.retained[shared], 100u);
    EXPECT_EQ(result.dominators.children_of(3).size(), 3u);  // the super-root's children
}

TEST(Dominators, SelfLoopsAndParallelEdgesChangeNothing) {
    HeapBuilder heap;
    const auto a = heap.block(8), b = heap.block(16);
    heap.root(a).pointer(a, a).pointer(a, b).pointer(a, b).pointer(b, b);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[a], kSuperRoot);
    EXPECT_EQ(result.dominators.immediate[b], a);
    EXPECT_EQ(result.dominators.retained[a], 24u);
}

TEST(Dominators, SeveralRootsOnOneBlockMakeOneEntry) {
    HeapBuilder heap;
    const auto a = heap.block(8), b = heap.block(16);
    heap.root(a, RootKind::register_word).root(a, RootKind::stack).root(a).pointer(a, b);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.reachability.order, (std::vector<std::uint32_t>{a, b}));
    EXPECT_EQ(result.dominators.immediate[a], kSuperRoot);
    EXPECT_EQ(result.dominators.retained[a], 24u);
}

TEST(Dominators, UnreachableBlocksAreLeftOut) {
    HeapBuilder heap;
    const auto kept = heap.block(8), leaked = heap.block(100), leaked_child = heap.block(50);
    heap.root(kept).pointer(leaked, leaked_child).pointer(leaked, kept);
    const Analysed result = analyse(heap);
    EXPECT_FALSE(result.reachability.reached(leaked));
    EXPECT_FALSE(result.reachability.reached(leaked_child));
    EXPECT_EQ(result.dominators.immediate[leaked], kUnreached);
    EXPECT_EQ(result.dominators.retained[leaked], 0u);
    EXPECT_EQ(result.dominators.retained[kept], 8u);  // a pointer *to* it changes nothing
}

TEST(Dominators, EmptySnapshotHasNothing) {
    const Analysed result = analyse(HeapBuilder());
    EXPECT_TRUE(result.reachability.order.empty());
    EXPECT_TRUE(result.dominators.immediate.empty());
}

// ------------------------------------------------------------------ groups

TEST(RetainedByGroup, LinkedListFromOneSiteCountsEachByteOnce) {
    HeapBuilder heap;
    std::vector<std::uint32_t> nodes;
    for (int i = 0; i < 100; ++i) nodes.push_back(heap.block(24, 1));
    heap.root(nodes.front());
    for (int i = 0; i + 1 < 100; ++i) heap.pointer(nodes[i], nodes[i + 1]);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.retained[nodes.front()], 2400u);
    EXPECT_EQ(result.dominators.retained[nodes[50]], 1200u);
    EXPECT_EQ(retained_by_site(result, 2), (std::vector<std::uint64_t>{0, 2400}));
}

TEST(RetainedByGroup, SiteNestedUnderAnotherSiteIsCountedOnce) {
    // vector buffer (site 1) -> node (site 2) -> vector buffer (site 1) -> node (site 2)
    HeapBuilder heap;
    const auto v1 = heap.block(100, 1), n1 = heap.block(10, 2), v2 = heap.block(100, 1),
               n2 = heap.block(10, 2), other = heap.block(5, 2);
    heap.root(v1).root(other).pointer(v1, n1).pointer(n1, v2).pointer(v2, n2);
    const Analysed result = analyse(heap);
    EXPECT_EQ(retained_by_site(result, 3), (std::vector<std::uint64_t>{0, 220, 125}));
}

TEST(RetainedByGroup, BlocksWithoutGroupAreSkipped) {
    HeapBuilder heap;
    const auto a = heap.block(10), b = heap.block(20);
    heap.root(a).pointer(a, b);
    const Analysed result = analyse(heap);
    const std::vector<std::uint32_t> group_of = {kNoGroup, 0};
    EXPECT_EQ(retained_by_group(result.snapshot, result.reachability, result.dominators, group_of, 1),
              (std::vector<std::uint64_t>{20}));
}

// ------------------------------------------------------------------ paths

TEST(RetainerPath, FollowsAShortestPathFromTheRoots) {
    HeapBuilder heap;
    const auto a = heap.block(8), b = heap.block(8), c = heap.block(8), target = heap.block(8);
    heap.root(a).pointer(a, b).pointer(b, c).pointer(c, target).pointer(a, target);
    const Analysed result = analyse(heap);
    EXPECT_EQ(retainer_path(result.reachability, target), (std::vector<std::uint32_t>{a, target}));
    EXPECT_EQ(retainer_path(result.reachability, c), (std::vector<std::uint32_t>{a, b, c}));
    const BlockPointer* pointer = pointer_between(result.snapshot, a, target);
    ASSERT_NE(pointer, nullptr);
    EXPECT_EQ(pointer->offset, 8u);
    EXPECT_EQ(pointer_between(result.snapshot, target, a), nullptr);
}

TEST(RetainerPath, UnreachableBlockHasNone) {
    HeapBuilder heap;
    heap.block(8);
    const Analysed result = analyse(heap);
    EXPECT_TRUE(retainer_path(result.reachability, 0).empty());
}

// ------------------------------------------------------------------ duplicates

TEST(Duplicates, GroupsEqualSizeAndHashMostWastedFirst) {
    HeapBuilder heap;
    heap.block(100, 0, 7);
    heap.block(100, 1, 7);
    heap.block(100, 1, 7);  // 3 x 100: 200 wasted
    heap.block(50, 0, 9);
    heap.block(50, 0, 9);   // 2 x 50: 50 wasted
    heap.block(60, 0, 7);   // same hash, another size: alone
    heap.block(0, 0, 1);
    heap.block(0, 0, 1);    // empty blocks: ignored
    heap.block(10, 0, 3);   // unique
    const Duplicates duplicates = find_duplicates(heap.build());
    ASSERT_EQ(duplicates.groups.size(), 2u);
    EXPECT_EQ(duplicates.groups[0].size, 100u);
    EXPECT_EQ(duplicates.groups[0].count, 3u);
    EXPECT_EQ(duplicates.groups[0].wasted(), 200u);
    const auto blocks = duplicates.blocks_of(duplicates.groups[0]);
    EXPECT_EQ(std::vector<std::uint32_t>(blocks.begin(), blocks.end()),
              (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(duplicates.groups[1].size, 50u);
    EXPECT_EQ(duplicates.groups[1].wasted(), 50u);
}

TEST(Duplicates, NoneWithoutEqualContents) {
    HeapBuilder heap;
    heap.block(8);
    heap.block(8);
    EXPECT_TRUE(find_duplicates(heap.build()).groups.empty());
}

TEST(Dominators, StartPointersOwnBeforeWordsThatFallInside) {
    // xz's match finder: a big block whose start the encoder's block holds, and a word on an
    // allocator's page (an anonymous mapping) that happens to fall inside it. The encoder owns
    // it; the mapping's word does not count.
    HeapBuilder heap;
    const auto encoder = heap.block(100), table = heap.block(32 << 20);
    heap.root(encoder).pointer(encoder, table).root(table, RootKind::mapping, 4096);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[table], encoder);
    EXPECT_EQ(result.dominators.retained[encoder], 100u + (32u << 20));
}

TEST(Dominators, InteriorPointersStillOwnWhatNoStartPointerReaches) {
    // A block reached only through a pointer into its middle keeps that owner.
    HeapBuilder heap;
    const auto list = heap.block(64), node = heap.block(32);
    heap.root(list).pointer(list, node, 8);
    const Analysed result = analyse(heap);
    EXPECT_EQ(result.dominators.immediate[node], list);
    EXPECT_EQ(result.dominators.retained[list], 96u);
}

// ------------------------------------------------------------------ against Boost

using ReferenceGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// Immediate dominators by boost::lengauer_tarjan_dominator_tree, in the Dominators encoding.
std::vector<std::uint32_t> boost_dominators(const Snapshot& snapshot) {
    const std::size_t blocks = snapshot.blocks.size();
    ReferenceGraph graph(blocks + 1);  // vertex `blocks` is the super-root
    // The rule of ownership_edges: into a block that start pointers alone reach, only start
    // pointers count.
    const Reachability by_start = find_reachable(snapshot, Follow::start_pointers);
    const auto counts = [&](std::uint64_t offset, std::uint32_t target) {
        return offset == 0 || !by_start.reached(target);
    };
    for (const SnapshotRoot& root : snapshot.roots)
        if (counts(root.block_offset, root.block)) boost::add_edge(blocks, root.block, graph);
    for (std::size_t block = 0; block < blocks; ++block)
        for (const BlockPointer& pointer : snapshot.pointers_of(block))
            if (counts(pointer.target_offset, pointer.target))
                boost::add_edge(block, pointer.target, graph);
    // The long form, with depth-first numbers starting at "unreached": the short form of
    // Boost 1.74 starts them at 0, the entry's number, and then takes an unreachable
    // predecessor for a semidominator.
    using Vertex = boost::graph_traits<ReferenceGraph>::vertex_descriptor;
    const auto none = boost::graph_traits<ReferenceGraph>::null_vertex();
    const auto index = boost::get(boost::vertex_index, graph);
    std::vector<std::size_t> number(blocks + 1, std::numeric_limits<std::size_t>::max());
    std::vector<Vertex> parent(blocks + 1, none);
    std::vector<Vertex> by_number(blocks + 1, none);
    std::vector<Vertex> immediate(blocks + 1, none);
    boost::lengauer_tarjan_dominator_tree(
        graph, blocks, index, boost::make_iterator_property_map(number.begin(), index),
        boost::make_iterator_property_map(parent.begin(), index), by_number,
        boost::make_iterator_property_map(immediate.begin(), index));
    std::vector<std::uint32_t> encoded;
    for (std::size_t block = 0; block < blocks; ++block)
        encoded.push_back(immediate[block] == none     ? kUnreached
                          : immediate[block] == blocks ? kSuperRoot
                                                       : static_cast<std::uint32_t>(immediate[block]));
    return encoded;
}

TEST(Dominators, AgreeWithBoostOnRandomHeaps) {
    std::mt19937 random(42);
    for (int round = 0; round < 200; ++round) {
        const auto blocks = 1 + random() % 60;
        HeapBuilder heap;
        for (std::uint32_t b = 0; b < blocks; ++b) heap.block(1 + random() % 100, random() % 4);
        const auto edges = random() % (4 * blocks);
        for (std::uint32_t e = 0; e < edges; ++e) {
            // Mostly forward, as allocation order goes, with back and far edges too.
            const auto from = static_cast<std::uint32_t>(random() % blocks);
            const auto to = static_cast<std::uint32_t>(random() % 3 == 0 ? random() % blocks
                                                       : std::min<std::uint32_t>(blocks - 1, from + 1 + random() % 5));
            heap.pointer(from, to, random() % 4 == 0 ? 8 : 0);  // a quarter interior
        }
        for (std::uint32_t r = random() % 4; r > 0; --r)
            heap.root(static_cast<std::uint32_t>(random() % blocks), RootKind::global,
                      random() % 3 == 0 ? 16 : 0);
        const Analysed result = analyse(heap);
        ASSERT_EQ(result.dominators.immediate, boost_dominators(result.snapshot)) << "round " << round;
        // Retained sizes: each block's subtree by brute force over the immediate dominators.
        for (std::uint32_t block = 0; block < blocks; ++block) {
            std::uint64_t expected = 0;
            for (std::uint32_t other = 0; other < blocks; ++other) {
                std::uint32_t at = other;
                while (at != kUnreached && at != kSuperRoot && at != block)
                    at = result.dominators.immediate[at];
                if (at == block && result.reachability.reached(other))
                    expected += result.snapshot.blocks[other].size;
            }
            ASSERT_EQ(result.dominators.retained[block], expected) << "round " << round;
        }
    }
}

}  // namespace ownership_tests
}  // namespace memattr
