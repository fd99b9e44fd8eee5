// Copy analysis: the classification of copy groups (relocation, clone that could be a move,
// legitimate clone, partial copy) at every threshold edge, the folding of copy stacks to the
// program's own code, the rows of each section and their ranking, the lineage edges, and
// the never-read ranking.

#include <stdexcept>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/copies.h"
#include "trace_fixtures.h"

namespace memattr {

void PrintTo(CopyClass kind, std::ostream* out) {
    switch (kind) {
    case CopyClass::relocation: *out << "relocation"; break;
    case CopyClass::movable_clone: *out << "movable_clone"; break;
    case CopyClass::clone: *out << "clone"; break;
    case CopyClass::partial: *out << "partial"; break;
    }
}

namespace copy_analysis_tests {

CopyGroup copy_of(unsigned share, bool used, SourceFate fate, CopyKind kind = CopyKind::copy) {
    CopyGroup copy;
    copy.kind = kind;
    copy.share = share;
    copy.source_used = used;
    copy.source_fate = fate;
    copy.pairs = 1;
    return copy;
}

AnalysisOptions with_threshold(unsigned percent) {
    AnalysisOptions options;
    options.clone_threshold = percent;
    return options;
}

std::uint64_t id_of(const ReportModel& model, std::size_t row) {
    return model.sites[row].figures.id;
}

std::vector<std::uint64_t> ids_of(const ReportModel& model, const std::vector<std::size_t>& rows) {
    std::vector<std::uint64_t> ids;
    for (const std::size_t row : rows) ids.push_back(id_of(model, row));
    return ids;
}

// "function:line" of each movable-clone row, in order.
std::vector<std::string> movable_places(const ReportModel& model) {
    std::vector<std::string> places;
    for (const MovableCloneRow& row : model.copies.movable_clones)
        places.push_back(row.location.function + ":" + std::to_string(row.location.line));
    return places;
}

// The function of each frame of `frames`, in order.
std::vector<std::string> functions_of(const std::vector<Frame>& frames) {
    std::vector<std::string> functions;
    for (const Frame& frame : frames) functions.push_back(frame.function);
    return functions;
}

using test::movable_row_at;

// ------------------------------------------------------------------ classification

TEST(CopyClassification, ThresholdEdges) {
    using enum SourceFate;
    EXPECT_EQ(classify_copy(copy_of(9, false, later), 90), CopyClass::movable_clone);
    EXPECT_EQ(classify_copy(copy_of(8, false, later), 90), CopyClass::partial);
    EXPECT_EQ(classify_copy(copy_of(10, false, later), 90), CopyClass::movable_clone);
    EXPECT_EQ(classify_copy(copy_of(10, false, live), 100), CopyClass::movable_clone);
    EXPECT_EQ(classify_copy(copy_of(9, false, live), 100), CopyClass::partial);
    EXPECT_EQ(classify_copy(copy_of(8, false, later), 80), CopyClass::movable_clone);
    EXPECT_EQ(classify_copy(copy_of(1, false, later), 10), CopyClass::movable_clone);
    EXPECT_EQ(classify_copy(copy_of(0, false, later), 10), CopyClass::partial);
}

TEST(CopyClassification, PromptFreeIsARelocationWhateverTheShare) {
    using enum SourceFate;
    EXPECT_EQ(classify_copy(copy_of(10, false, prompt), 90), CopyClass::relocation);
    EXPECT_EQ(classify_copy(copy_of(5, false, prompt), 90), CopyClass::relocation);
    EXPECT_EQ(classify_copy(copy_of(10, true, prompt), 90), CopyClass::relocation);
}

TEST(CopyClassification, ReallocIsARelocation) {
    using enum SourceFate;
    for (const SourceFate fate : {prompt, later, live})
        EXPECT_EQ(classify_copy(copy_of(10, false, fate, CopyKind::realloc), 90),
                  CopyClass::relocation);
}

TEST(CopyClassification, UsedSourceMakesALegitimateClone) {
    using enum SourceFate;
    EXPECT_EQ(classify_copy(copy_of(10, true, later), 90), CopyClass::clone);
    EXPECT_EQ(classify_copy(copy_of(10, true, live), 90), CopyClass::clone);
    EXPECT_EQ(classify_copy(copy_of(8, true, later), 90), CopyClass::partial);
}

TEST(CopyClassification, ValidThresholds) {
    for (unsigned percent = 10; percent <= 100; percent += 10)
        EXPECT_TRUE(is_valid_clone_threshold(percent)) << percent;
    for (const unsigned percent : {0u, 5u, 15u, 95u, 99u, 101u, 110u, 1000u})
        EXPECT_FALSE(is_valid_clone_threshold(percent)) << percent;
    EXPECT_THROW(test::lineage_report(with_threshold(95)), std::invalid_argument);
    EXPECT_THROW(test::lineage_report(with_threshold(0)), std::invalid_argument);
}

// ------------------------------------------------------------------ copies that could be moves

TEST(CopyAnalysis, CopiesThatCouldBeMovesAreRankedByPeakThenBytesTimesTime) {
    const ReportModel model = test::lineage_report();
    // write_groups holds most at the peak; blob::make and snapshot hold the same, and
    // blob::make longer (more bytes x time).
    EXPECT_EQ(movable_places(model),
              (std::vector<std::string>{"group::write_groups:42",
                                        "blob::make<\"a\\b\">(char const*):16",
                                        "group::snapshot:70"}));
}

TEST(CopyAnalysis, RowsSumTheirGroups) {
    const ReportModel model = test::lineage_report();
    ASSERT_EQ(model.copies.movable_clones.size(), 3u);
    const MovableCloneRow& clones = model.copies.movable_clones[0];
    EXPECT_EQ(id_of(model, clones.source_site), 1u);
    EXPECT_EQ(ids_of(model, clones.destination_sites), (std::vector<std::uint64_t>{2}));
    // C1 (share 10) and C2 (share 9): one copy location, one source site.
    EXPECT_EQ(clones.figures.pairs, 4u);
    EXPECT_EQ(clones.figures.bytes, 3145728u + 983040u);
    EXPECT_EQ(clones.figures.source_bytes, 4194304u);
    EXPECT_EQ(clones.figures.destination_bytes, 4194304u);
    EXPECT_EQ(clones.figures.peak_source_bytes, 1048576u);
    EXPECT_EQ(clones.figures.overlap, 4194304000000u);

    const MovableCloneRow& blobs = model.copies.movable_clones[1];
    EXPECT_EQ(id_of(model, blobs.source_site), 5u);
    EXPECT_EQ(ids_of(model, blobs.destination_sites), (std::vector<std::uint64_t>{7}));
    EXPECT_EQ(blobs.figures.overlap, 5000000000u);
}

TEST(CopyAnalysis, CopyStacksFoldToTheProgramsCode) {
    const ReportModel model = test::lineage_report();
    // memcpy (preload) <- to_vec (inlined, bare slice.rs) <- <Vec<T> as Clone>::clone
    // (library/alloc/src/vec/mod.rs) <- group::write_groups (src/main.rs:42) <- main.
    const Frame& clone = model.copies.movable_clones[0].location;
    EXPECT_EQ(clone.function, "group::write_groups");
    EXPECT_EQ(clone.file, "src/main.rs");
    EXPECT_EQ(clone.line, 42u);
    // An inline copy: its first frame is already the program's code.
    const Frame& inline_copy = model.copies.movable_clones[1].location;
    EXPECT_EQ(inline_copy.function, "blob::make<\"a\\b\">(char const*)");
    EXPECT_EQ(inline_copy.line, 16u);
    // memmove (preload) <- inlined libstdc++ relocation <- _M_realloc_insert <- push_back.
    const RelocationRow& growth = model.copies.relocations[1];
    EXPECT_EQ(growth.location.function, "names::fill(std::vector<Name, std::allocator<Name> >&)");
    // The row keeps the whole stack: the frames folded away, then the location and its
    // callers.
    EXPECT_EQ(growth.stack.location_position, 5u);
    ASSERT_EQ(growth.stack.frames.size(), 10u);
    EXPECT_EQ(growth.stack.frames[0].function, "memmove");
    EXPECT_EQ(growth.stack.frames[4].function, "push_back");
    EXPECT_EQ(growth.stack.frames[5].function, growth.location.function);
    EXPECT_EQ(growth.stack.frames[9].function, "(below main)");
}

TEST(CopyAnalysis, ADerivedCloneIsTheLineThatAskedForIt) {
    const ReportModel model = analyse(test::derived_clone_trace(), {});
    // Both clones run <load::Record as Clone>::clone (src/load.rs:7, the derive's line): each
    // is named by the line that called it.
    EXPECT_EQ(movable_places(model),
              (std::vector<std::string>{"group::write_groups:42", "group::first:101",
                                        "blob::make<\"a\\b\">(char const*):16",
                                        "group::snapshot:70", "group::second:117"}));
    const MovableCloneRow& second = movable_row_at(model, "group::second");
    EXPECT_EQ(second.figures.pairs, 1u);
    EXPECT_EQ(movable_row_at(model, "group::first").figures.pairs, 2u);
    // The stack stays whole: the copy function and the clones under the location too.
    EXPECT_EQ(functions_of(second.stack.frames),
              (std::vector<std::string>{"memcpy", "<alloc::vec::Vec<T,A> as core::clone::Clone>::clone",
                                        "<load::Record as core::clone::Clone>::clone",
                                        "group::second", "lineage_demo::main",
                                        "std::rt::lang_start_internal", "(below main)"}));
    EXPECT_EQ(second.stack.location_position, 3u);
    EXPECT_EQ(second.stack.omitted_frames, 0u);
    EXPECT_EQ(second.stack.frames[2].line, 7u);
    EXPECT_EQ(second.stack.frames[3].line, 117u);
    // The folded copy stacks of `folded --metric copies` start at the callers too.
    for (const CopyStackRow& row : model.copies.by_stack)
        EXPECT_EQ(row.stack.front().function.find("core::clone::Clone"), std::string::npos)
            << row.stack.front().function;
}

TEST(CopyAnalysis, ARowShowsTheStackOfItsLargestCopyGroup) {
    Trace trace = test::derived_clone_trace();
    // Another clone at group::first's line, memcpy called from there directly, copying more.
    const CopyGroup derived = trace.copies[trace.copies.size() - 2];
    Stack direct = trace.stacks[derived.stack];
    ASSERT_EQ(trace.frames[direct.frames[3]].function, "group::first");
    direct.frames.erase(direct.frames.begin() + 1, direct.frames.begin() + 3);
    direct.id = 1000;
    trace.stacks.push_back(direct);
    CopyGroup bigger = derived;
    bigger.stack = trace.stacks.size() - 1;
    bigger.bytes = derived.bytes + 1;
    trace.copies.push_back(bigger);
    CopyGroup smaller = bigger;
    smaller.bytes = derived.bytes - 1;
    smaller.stack = derived.stack;
    trace.copies.push_back(smaller);
    const ReportModel model = analyse(trace, {});
    const MovableCloneRow& row = movable_row_at(model, "group::first");
    EXPECT_EQ(row.figures.pairs, 6u);
    EXPECT_EQ(row.stack.location_position, 1u);
    EXPECT_EQ(row.stack.bytes, derived.bytes + 1);
    EXPECT_EQ(functions_of(row.stack.frames)[1], "group::first");
}

TEST(CopyAnalysis, ThresholdOneHundredTakesTheNinetyPercentCopyOut) {
    const ReportModel model = test::lineage_report(with_threshold(100));
    ASSERT_EQ(model.copies.movable_clones.size(), 3u);
    EXPECT_EQ(model.copies.movable_clones[0].figures.pairs, 3u);  // C1 only
    EXPECT_EQ(model.copies.totals.partial.pairs, 2u);             // C2 and C5
    EXPECT_EQ(model.copies.totals.partial.bytes, 983040u + 53248u);
}

TEST(CopyAnalysis, ThresholdEightyMakesTheHeaderCopyAClone) {
    const ReportModel model = test::lineage_report(with_threshold(80));
    EXPECT_EQ(movable_places(model),
              (std::vector<std::string>{"group::write_groups:42", "group::build_header:60",
                                        "blob::make<\"a\\b\">(char const*):16",
                                        "group::snapshot:70"}));
    EXPECT_EQ(model.copies.totals.partial.pairs, 0u);
}

TEST(CopyAnalysis, TiesOnPeakAndBytesTimesTimeGoToMoreBytesCopied) {
    Trace trace = test::lineage_trace();
    // C9 (snapshot) gets C3's bytes x time; C3 (blob::make) copied more bytes.
    trace.copies[8].overlap = trace.copies[2].overlap;
    EXPECT_EQ(movable_places(analyse(trace, {}))[1], "blob::make<\"a\\b\">(char const*):16");
    trace.copies[8].bytes = trace.copies[2].bytes + 1;
    EXPECT_EQ(movable_places(analyse(trace, {}))[1], "group::snapshot:70");
}

TEST(CopyAnalysis, OneSourceLineIsOneLocationWhateverTheAddress) {
    // Another copy instruction on write_groups' line 42 (another ip, so another frame).
    Trace trace = test::lineage_trace();
    Frame twin = trace.frames[trace.stacks[trace.copies[0].stack].frames[3]];
    ASSERT_EQ(twin.function, "group::write_groups");
    twin.id = 1000;
    twin.ip += 8;
    trace.frames.push_back(twin);
    Stack stack = trace.stacks[trace.copies[0].stack];
    stack.id = 1000;
    stack.frames[3] = trace.frames.size() - 1;
    trace.stacks.push_back(stack);
    CopyGroup copy = trace.copies[0];
    copy.stack = trace.stacks.size() - 1;
    copy.pairs = 10;
    trace.copies.push_back(copy);
    const ReportModel model = analyse(trace, {});
    ASSERT_EQ(model.copies.movable_clones.size(), 3u);
    EXPECT_EQ(model.copies.movable_clones[0].figures.pairs, 14u);
}

TEST(CopyAnalysis, DestinationSitesAreListedOnceById) {
    Trace trace = test::lineage_trace();
    CopyGroup into_six = trace.copies[0];  // also from site 1 at write_groups, into site 6
    into_six.to = 5;
    trace.copies.push_back(into_six);
    trace.copies.push_back(trace.copies[1]);
    const ReportModel model = analyse(trace, {});
    EXPECT_EQ(ids_of(model, model.copies.movable_clones[0].destination_sites),
              (std::vector<std::uint64_t>{2, 6}));
}

// ------------------------------------------------------------------ the other classes

TEST(CopyAnalysis, RelocationsAreRankedByBytesCopied) {
    const ReportModel model = test::lineage_report();
    const std::vector<RelocationRow>& rows = model.copies.relocations;
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].location.function, "group::take");  // move-by-copy, promptly freed
    EXPECT_EQ(rows[0].kind, CopyKind::copy);
    EXPECT_EQ(rows[0].figures.bytes, 2097152u);
    EXPECT_EQ(rows[1].figures.pairs, 7u);
    EXPECT_EQ(rows[2].location.function, "group::collect");
    EXPECT_EQ(rows[2].kind, CopyKind::realloc);
    EXPECT_EQ(rows[2].figures.pairs, 6u);
}

TEST(CopyAnalysis, TotalsPerClass) {
    const CopyTotals totals = test::lineage_report().copies.totals;
    EXPECT_EQ(totals.movable_clones.pairs, 7u);
    EXPECT_EQ(totals.movable_clones.peak_source_bytes, 1048576u + 65536u + 65536u);
    EXPECT_EQ(totals.relocations.pairs, 15u);
    EXPECT_EQ(totals.relocations.bytes, 2097152u + 520192u + 258048u);
    EXPECT_EQ(totals.clones.pairs, 40u);  // std::string copies whose originals were used
    EXPECT_EQ(totals.clones.bytes, 1280u);
    EXPECT_EQ(totals.partial.pairs, 1u);
    EXPECT_EQ(totals.partial.bytes, 53248u);
}

TEST(CopyAnalysis, UsedSourcesAreNotFlagged) {
    const ReportModel model = test::lineage_report();
    for (const MovableCloneRow& row : model.copies.movable_clones)
        EXPECT_NE(id_of(model, row.source_site), 4u);  // the std::string site
}

TEST(CopyAnalysis, SumsSaturate) {
    Trace trace = test::lineage_trace();
    trace.copies[0].overlap = UINT64_MAX - 1;
    const ReportModel model = analyse(trace, {});
    EXPECT_EQ(model.copies.movable_clones[0].figures.overlap, UINT64_MAX);
    EXPECT_EQ(model.copies.totals.movable_clones.overlap, UINT64_MAX);
}

// ------------------------------------------------------------------ lineage edges

TEST(CopyAnalysis, LineageEdgesByBytesCopied) {
    const ReportModel model = test::lineage_report();
    struct Expected {
        std::uint64_t from, to;
        CopyClass kind;
        std::uint64_t bytes;
    };
    const std::vector<Expected> expected = {
        {1, 2, CopyClass::movable_clone, 4128768}, {1, 2, CopyClass::relocation, 2097152},
        {3, 3, CopyClass::relocation, 520192},     {8, 8, CopyClass::relocation, 258048},
        {5, 7, CopyClass::movable_clone, 131072},  {5, 6, CopyClass::movable_clone, 65536},
        {1, 6, CopyClass::partial, 53248},         {4, 4, CopyClass::clone, 1280},
    };
    const std::vector<LineageEdge>& edges = model.copies.lineage;
    ASSERT_EQ(edges.size(), expected.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(id_of(model, edges[i].from), expected[i].from);
        EXPECT_EQ(id_of(model, edges[i].to), expected[i].to);
        EXPECT_EQ(edges[i].kind, expected[i].kind);
        EXPECT_EQ(edges[i].figures.bytes, expected[i].bytes);
        EXPECT_EQ(edges[i].locations.size(), 1u);
    }
}

TEST(CopyAnalysis, LineageEdgeKeepsEachCopyLocationOnce) {
    Trace trace = test::lineage_trace();
    CopyGroup elsewhere = trace.copies[8];  // snapshot's stack, but from 1 to 2
    elsewhere.from = trace.copies[0].from;
    elsewhere.to = trace.copies[0].to;
    trace.copies.push_back(elsewhere);
    trace.copies.push_back(elsewhere);
    const ReportModel model = analyse(trace, {});
    const LineageEdge& edge = model.copies.lineage[0];
    ASSERT_EQ(edge.locations.size(), 2u);
    EXPECT_EQ(edge.locations[0].function, "group::write_groups");
    EXPECT_EQ(edge.locations[1].function, "group::snapshot");
}

// ------------------------------------------------------------------ never read

TEST(NeverRead, RankedByBytesNeverRead) {
    const ReportModel model = test::lineage_report();
    EXPECT_EQ(ids_of(model, model.rankings.never_read.rows), (std::vector<std::uint64_t>{2, 7, 9}));
    const SiteRow& table = model.sites[model.rankings.never_read.rows[2]];
    EXPECT_EQ(table.written_unread_blocks, 1u);
    EXPECT_EQ(table.written_unread_bytes, 4096u);
    EXPECT_DOUBLE_EQ(table.never_read_percent, 100.0);
    EXPECT_EQ(model.summary.never_read_blocks, 6u);
    EXPECT_EQ(model.summary.never_read_bytes, 1048576u + 131072u + 12288u);
    EXPECT_EQ(model.summary.never_accessed_blocks, 2u);
    EXPECT_EQ(model.summary.never_accessed_bytes, 8192u);
    ASSERT_TRUE(model.summary.access.has_value());
    EXPECT_EQ(model.summary.access->pairs, 63u);
}

TEST(NeverRead, TopLimitsTheRanking) {
    AnalysisOptions options;
    options.top = 1;
    const ReportModel model = test::lineage_report(options);
    EXPECT_EQ(model.rankings.never_read.rows.size(), 1u);
    EXPECT_EQ(model.rankings.never_read.candidates, 3u);
    // The copy sections keep every row (the text report applies --top; JSON has them all).
    EXPECT_EQ(model.copies.movable_clones.size(), 3u);
}

// ------------------------------------------------------------------ without tracking

TEST(CopyAnalysis, NothingWithoutAccessTracking) {
    for (const Trace& trace :
         {test::small_trace(), test::parse_text(test::no_access_trace_text())}) {
        const ReportModel model = analyse(trace, {});
        EXPECT_FALSE(model.header.run.access);
        EXPECT_TRUE(model.copies.movable_clones.empty());
        EXPECT_TRUE(model.copies.relocations.empty());
        EXPECT_TRUE(model.copies.lineage.empty());
        EXPECT_EQ(model.copies.totals.clones.pairs, 0u);
        EXPECT_TRUE(model.rankings.never_read.rows.empty());
        EXPECT_FALSE(model.summary.access.has_value());
    }
}

}  // namespace copy_analysis_tests
}  // namespace memattr
