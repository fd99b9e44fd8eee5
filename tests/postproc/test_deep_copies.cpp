// Deep copies: containers copied element by element found in a snapshot (which shapes match
// and which do not), and the whole deep copy counted as one copy that could be a move.

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/deep_copies.h"
#include "trace_fixtures.h"

namespace memattr {
namespace deep_copies_tests {

// A snapshot under construction: blocks and their pointers, added in order.
struct SnapshotBuilder {
    Snapshot snapshot;

    // Adds a block of `site` (a Trace::sites index) and `size` bytes holding `pointers`
    // (offset, target block, offset in the target); returns its index.
    std::uint32_t block(std::uint32_t site, std::uint64_t size,
                        std::vector<BlockPointer> pointers = {}) {
        snapshot.blocks.push_back({0x1000u * (snapshot.blocks.size() + 1), size, 0, site});
        for (const BlockPointer& pointer : pointers) snapshot.pointers.push_back(pointer);
        snapshot.first_pointer.push_back(snapshot.pointers.size());
        return static_cast<std::uint32_t>(snapshot.blocks.size() - 1);
    }
};

// Sites: 10 the records' buffer, 11 its copy; 20 the names, 21 their copies; 30 the values,
// 31 their copies.
const std::set<CopySitePair> kElementCopies{{20, 21}, {30, 31}};

// Two records of 32 bytes (a name pointer, a small-string pointer into the record itself,
// a values pointer, a pointer to a block both share): block 0 the original buffer, 1 its copy.
SnapshotBuilder two_record_buffers(std::uint64_t copied_name_size = 41) {
    SnapshotBuilder built;
    const std::uint32_t shared = 10;
    built.block(10, 64, {{0, 2, 0}, {8, 0, 16}, {16, 4, 0}, {24, shared, 0},
                         {32, 3, 0}, {40, 0, 48}, {48, 5, 0}, {56, shared, 0}});
    built.block(11, 64, {{0, 6, 0}, {8, 1, 16}, {16, 8, 0}, {24, shared, 0},
                         {32, 7, 0}, {40, 1, 48}, {48, 9, 0}, {56, shared, 0}});
    built.block(20, 41);                // 2, 3: the names
    built.block(20, 41);
    built.block(30, 32);                // 4, 5: the values
    built.block(30, 32);
    built.block(21, copied_name_size);  // 6, 7: the names' copies
    built.block(21, copied_name_size);
    built.block(31, 32);                // 8, 9: the values' copies
    built.block(31, 32);
    built.block(40, 16);                // 10: a block both buffers point at
    return built;
}

TEST(DeepCopies, TheBufferFilledElementByElementIsACopyOfTheOriginal) {
    const std::vector<ContainerCopy> found =
        find_container_copies(two_record_buffers().snapshot, kElementCopies);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].source, 0u);
    EXPECT_EQ(found[0].destination, 1u);
    EXPECT_EQ(found[0].elements, (std::vector<CopySitePair>{{20, 21}, {30, 31}}));
}

TEST(DeepCopies, AClonedPointeeNoLargerThanItsOriginal) {
    // A copy gets the capacity it needs: smaller than an original with room to spare is a
    // copy; larger is not.
    EXPECT_EQ(find_container_copies(two_record_buffers(33).snapshot, kElementCopies).size(), 1u);
    EXPECT_TRUE(find_container_copies(two_record_buffers(42).snapshot, kElementCopies).empty());
}

TEST(DeepCopies, OnlyTheElementCopiesOfClonesCount) {
    EXPECT_TRUE(find_container_copies(two_record_buffers().snapshot, {{30, 31}}).empty());
    EXPECT_TRUE(find_container_copies(two_record_buffers().snapshot, {}).empty());
}

TEST(DeepCopies, ADifferentShapeIsNoCopy) {
    SnapshotBuilder built = two_record_buffers();
    built.snapshot.blocks[1].size = 72;  // one record more room
    EXPECT_TRUE(find_container_copies(built.snapshot, kElementCopies).empty());
    built = two_record_buffers();
    built.snapshot.pointers[8].target = 4;  // the copy's first name is an original's values
    EXPECT_TRUE(find_container_copies(built.snapshot, kElementCopies).empty());
}

TEST(DeepCopies, OnlySharedPointeesIsNoDeepCopy) {
    SnapshotBuilder built;
    built.block(10, 16, {{0, 2, 0}});
    built.block(11, 16, {{0, 2, 0}});
    built.block(20, 41);
    EXPECT_TRUE(find_container_copies(built.snapshot, kElementCopies).empty());
}

// lineage.trace's index of the site with id `id`.
std::uint32_t site_index(const Trace& trace, std::uint64_t id) {
    for (std::size_t i = 0; i < trace.sites.size(); ++i)
        if (trace.sites[i].id == id) return static_cast<std::uint32_t>(i);
    throw std::logic_error("no site " + std::to_string(id));
}

// lineage.trace with a peak snapshot in which site 8's block is site 3's copied element by
// element: its two pointers lead to copies (site 1 to 2, site 5 to 7) of site 3's pointees.
Trace trace_with_deep_copy() {
    Trace trace = test::lineage_trace();
    const auto site = [&](std::uint64_t id) { return site_index(trace, id); };
    SnapshotBuilder built;
    built.block(site(3), 4096, {{0, 2, 0}, {16, 3, 0}});
    built.block(site(8), 4096, {{0, 4, 0}, {16, 5, 0}});
    built.block(site(1), 1048576);
    built.block(site(5), 65536);
    built.block(site(2), 1048576);
    built.block(site(7), 65536);
    built.snapshot.kinds.peak = true;
    trace.snapshots.push_back(built.snapshot);
    return trace;
}

TEST(DeepCopies, TheContainerJoinsTheFindingOfItsElements) {
    const ReportModel before = analyse(test::lineage_trace(), {});
    const ReportModel after = analyse(trace_with_deep_copy(), {});
    const MovableCloneRow& was = test::movable_row_at(before, "group::write_groups");
    const MovableCloneRow& is = test::movable_row_at(after, "group::write_groups");
    // Named after the container's original (site 3), with the container's copy (site 8)
    // among its destinations, and the buffer's figures added to its elements'.
    EXPECT_EQ(after.sites[is.source_site].figures.id, 3u);
    std::vector<std::uint64_t> destinations;
    for (const std::size_t row : is.destination_sites)
        destinations.push_back(after.sites[row].figures.id);
    EXPECT_EQ(destinations, (std::vector<std::uint64_t>{2, 8}));
    EXPECT_EQ(is.figures.pairs, was.figures.pairs + 1);
    EXPECT_EQ(is.figures.bytes, was.figures.bytes + 4096);
    EXPECT_EQ(is.figures.peak_source_bytes, was.figures.peak_source_bytes + 4096);
    EXPECT_EQ(is.figures.overlap, was.figures.overlap);
    EXPECT_EQ(after.copies.totals.movable_clones.peak_source_bytes,
              before.copies.totals.movable_clones.peak_source_bytes + 4096);
}

TEST(DeepCopies, NoPeakSnapshotNoContainer) {
    Trace trace = trace_with_deep_copy();
    trace.snapshots.back().kinds = {.exit = true};
    const ReportModel model = analyse(trace, {});
    EXPECT_EQ(model.copies.totals.movable_clones.peak_source_bytes,
              analyse(test::lineage_trace(), {}).copies.totals.movable_clones.peak_source_bytes);
}

}  // namespace deep_copies_tests
}  // namespace memattr
