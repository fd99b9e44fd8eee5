// Memcheck's leak categories (leaks.h) on hand-made heaps: direct leaks, indirect leaks
// through a lost parent, lost cycles and which block of them leads, cliques merging in
// address order, interior pointers (from roots and from blocks) making blocks possibly lost
// and that state propagating along start pointers, and lost blocks leaving live ones alone.

#include <gtest/gtest.h>

#include "heap_builder.h"
#include "analysis/leaks.h"
#include "analysis/ownership.h"

namespace memattr {
namespace leaks_tests {

using test::HeapBuilder;

constexpr LeakKind kDefinite = LeakKind::definitely_lost;
constexpr LeakKind kIndirect = LeakKind::indirectly_lost;
constexpr LeakKind kPossible = LeakKind::possibly_lost;
constexpr LeakKind kReachable = LeakKind::still_reachable;

LeakClassification classify(const HeapBuilder& heap) { return classify_leaks(heap.build()); }

TEST(LeakClassification, EmptyHeap) {
    const LeakClassification leaks = classify(HeapBuilder());
    EXPECT_TRUE(leaks.kind.empty());
    EXPECT_TRUE(leaks.leader.empty());
}

TEST(LeakClassification, BlockNothingPointsToIsDefinitelyLost) {
    HeapBuilder heap;
    const auto kept = heap.block(16), leaked = heap.block(100);
    heap.root(kept);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kReachable, kDefinite}));
    EXPECT_EQ(leaks.leader[leaked], leaked);
    EXPECT_EQ(leaks.leader[kept], kUnreached);
}

TEST(LeakClassification, StartPointerChainsFromRootsAreStillReachable) {
    HeapBuilder heap;
    const auto a = heap.block(8), b = heap.block(8), c = heap.block(8);
    heap.root(a, RootKind::register_word).pointer(a, b).pointer(b, c).pointer(c, a);
    EXPECT_EQ(classify(heap).kind, (std::vector{kReachable, kReachable, kReachable}));
}

TEST(LeakClassification, ChildrenOnlyALostParentPointsToAreIndirectlyLost) {
    HeapBuilder heap;
    const auto parent = heap.block(48), left = heap.block(200), right = heap.block(300),
               grandchild = heap.block(10);
    heap.pointer(parent, left).pointer(parent, right).pointer(left, grandchild);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kDefinite, kIndirect, kIndirect, kIndirect}));
    EXPECT_EQ(leaks.leader, (std::vector{parent, parent, parent, parent}));
}

TEST(LeakClassification, LostCycleIsLedByItsLowestBlock) {
    HeapBuilder heap;
    const auto a = heap.block(8), b = heap.block(8), c = heap.block(8);
    heap.pointer(b, c).pointer(c, a).pointer(a, b);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kDefinite, kIndirect, kIndirect}));
    EXPECT_EQ(leaks.leader, (std::vector{a, a, a}));
}

TEST(LeakClassification, LostBlockPointingAtItselfIsDefinitelyLost) {
    HeapBuilder heap;
    const auto a = heap.block(8);
    heap.pointer(a, a);
    EXPECT_EQ(classify(heap).kind, (std::vector{kDefinite}));
}

// The child comes first in address order and leads a clique of its own, until the parent's
// clique takes it in (Memcheck: "if the new block was itself a clique leader, it isn't any
// more").
TEST(LeakClassification, EarlierCliqueLeaderJoinsTheCliqueOfALostBlockPointingAtIt) {
    HeapBuilder heap;
    const auto child = heap.block(30), grandchild = heap.block(20), parent = heap.block(10);
    heap.pointer(child, grandchild).pointer(parent, child);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kIndirect, kIndirect, kDefinite}));
    EXPECT_EQ(leaks.leader, (std::vector{parent, parent, parent}));
}

// A lost block pointing into a lost cycle whose lowest block comes before it: the cycle was
// gathered first, and the later block's traversal stops at the cycle's indirectly lost
// block, so the cycle keeps its own leader. Memcheck's figures depend on this order.
TEST(LeakClassification, LostCycleEnteredThroughAGatheredBlockKeepsItsLeader) {
    HeapBuilder heap;
    const auto low = heap.block(8), outside = heap.block(16), in_cycle = heap.block(32);
    heap.pointer(low, in_cycle).pointer(in_cycle, low).pointer(outside, in_cycle);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kDefinite, kDefinite, kIndirect}));
    EXPECT_EQ(leaks.leader, (std::vector{low, outside, low}));
}

TEST(LeakClassification, LostBlockPointingAtTheCycleLeaderItselfTakesTheCycleIn) {
    HeapBuilder heap;
    const auto low = heap.block(8), outside = heap.block(16), in_cycle = heap.block(32);
    heap.pointer(low, in_cycle).pointer(in_cycle, low).pointer(outside, low);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kIndirect, kDefinite, kIndirect}));
    EXPECT_EQ(leaks.leader, (std::vector{outside, outside, outside}));
}

TEST(LeakClassification, CliquesDoNotOverlap) {
    HeapBuilder heap;
    const auto first = heap.block(8), second = heap.block(8), shared = heap.block(64);
    heap.pointer(first, shared).pointer(second, shared);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kDefinite, kDefinite, kIndirect}));
    EXPECT_EQ(leaks.leader[shared], first);
}

TEST(LeakClassification, InteriorPointersJoinCliquesLikeStartPointers) {
    HeapBuilder heap;
    const auto parent = heap.block(16), child = heap.block(64);
    heap.pointer(parent, child, 24);
    EXPECT_EQ(classify(heap).kind, (std::vector{kDefinite, kIndirect}));
}

TEST(LeakClassification, BlockOnlyAnInteriorPointerFromARootReachesIsPossiblyLost) {
    HeapBuilder heap;
    const auto block = heap.block(400);
    heap.root(block, RootKind::global, 16);
    const LeakClassification leaks = classify(heap);
    EXPECT_EQ(leaks.kind, (std::vector{kPossible}));
    EXPECT_EQ(leaks.leader[block], kUnreached);
}

TEST(LeakClassification, StartPointersFromAPossiblyLostBlockLeadToPossiblyLostBlocks) {
    HeapBuilder heap;
    const auto block = heap.block(400), child = heap.block(50), grandchild = heap.block(5);
    heap.root(block, RootKind::stack, 16).pointer(block, child).pointer(child, grandchild);
    EXPECT_EQ(classify(heap).kind, (std::vector{kPossible, kPossible, kPossible}));
}

TEST(LeakClassification, InteriorPointerInAReachableChainMakesTheRestPossiblyLost) {
    HeapBuilder heap;
    const auto head = heap.block(32), middle = heap.block(32), tail = heap.block(32);
    heap.root(head).pointer(head, middle, 8).pointer(middle, tail);
    EXPECT_EQ(classify(heap).kind, (std::vector{kReachable, kPossible, kPossible}));
}

TEST(LeakClassification, ReachableThroughAnInteriorPointerChainIsPossiblyLost) {
    HeapBuilder heap;
    const auto a = heap.block(32), b = heap.block(32), c = heap.block(32);
    heap.root(a, RootKind::register_word, 8).pointer(a, b, 8).pointer(b, c, 16);
    EXPECT_EQ(classify(heap).kind, (std::vector{kPossible, kPossible, kPossible}));
}

TEST(LeakClassification, OneStartPointerChainIsEnoughToBeStillReachable) {
    HeapBuilder heap;
    const auto a = heap.block(32), b = heap.block(32), c = heap.block(32);
    heap.root(c, RootKind::global, 8).root(a).pointer(a, b).pointer(b, c);
    EXPECT_EQ(classify(heap).kind, (std::vector{kReachable, kReachable, kReachable}));
}

TEST(LeakClassification, LostBlocksLeaveTheLiveBlocksTheyPointToAlone) {
    HeapBuilder heap;
    const auto reachable = heap.block(8), possible = heap.block(8), lost = heap.block(8);
    heap.root(reachable).root(possible, RootKind::global, 4);
    heap.pointer(lost, reachable).pointer(lost, possible);
    EXPECT_EQ(classify(heap).kind, (std::vector{kReachable, kPossible, kDefinite}));
}

TEST(LeakClassification, StartPointerSearchSkipsInteriorRootsAndPointers) {
    HeapBuilder heap;
    const auto a = heap.block(16), b = heap.block(16), c = heap.block(16);
    heap.root(a, RootKind::global, 8).root(b).pointer(b, c, 8);
    const Reachability start = find_reachable(heap.build(), Follow::start_pointers);
    EXPECT_FALSE(start.reached(a));
    EXPECT_TRUE(start.reached(b));
    EXPECT_FALSE(start.reached(c));
    EXPECT_EQ(find_reachable(heap.build()).order.size(), 3u);
}

}  // namespace leaks_tests
}  // namespace memattr
