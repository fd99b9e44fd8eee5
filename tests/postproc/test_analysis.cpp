// Analysis: the order of sites, the rankings behind each report section, derived figures
// (shares, means, averages), the summary, and edge cases (ties, empty programs).

#include <cmath>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "trace_fixtures.h"

namespace memattr {
namespace analysis_tests {

std::vector<std::uint64_t> site_ids(const ReportModel& model, const Ranking& ranking) {
    std::vector<std::uint64_t> ids;
    for (const std::size_t row : ranking.rows) ids.push_back(model.sites[row].figures.id);
    return ids;
}

std::vector<std::uint64_t> site_ids(const ReportModel& model) {
    std::vector<std::uint64_t> ids;
    for (const SiteRow& row : model.sites) ids.push_back(row.figures.id);
    return ids;
}

TEST(Analysis, OrdersSitesByPeakBytes) {
    const ReportModel model = test::small_report();
    EXPECT_EQ(site_ids(model), (std::vector<std::uint64_t>{1, 3, 4, 2}));
}

TEST(Analysis, RanksEachSection) {
    const ReportModel model = test::small_report();
    EXPECT_EQ(site_ids(model, model.rankings.at_peak), (std::vector<std::uint64_t>{1, 3, 4, 2}));
    EXPECT_EQ(site_ids(model, model.rankings.by_total), (std::vector<std::uint64_t>{1, 3, 2, 4}));
    EXPECT_EQ(site_ids(model, model.rankings.by_temporary), (std::vector<std::uint64_t>{2}));
    EXPECT_EQ(site_ids(model, model.rankings.at_exit), (std::vector<std::uint64_t>{4}));
    EXPECT_EQ(model.rankings.by_temporary.candidates, 1u);
}

TEST(Analysis, TopLimitsRowsButCountsCandidates) {
    AnalysisOptions options;
    options.top = 2;
    const ReportModel model = test::small_report(options);
    EXPECT_EQ(site_ids(model, model.rankings.at_peak), (std::vector<std::uint64_t>{1, 3}));
    EXPECT_EQ(model.rankings.at_peak.candidates, 4u);
    EXPECT_EQ(model.sites.size(), 4u);  // --top never drops sites from the model

    options.top = 0;
    EXPECT_EQ(test::small_report(options).rankings.at_peak.rows.size(), 4u);
}

TEST(Analysis, DerivesSiteFigures) {
    const ReportModel model = test::small_report();
    const SiteRow& vector_site = model.sites[0];
    EXPECT_NEAR(vector_site.peak_percent, 100.0 * 1572864 / 2101312, 1e-9);
    EXPECT_NEAR(vector_site.total_percent, 100.0 * 3145728 / 4108288, 1e-9);
    EXPECT_DOUBLE_EQ(vector_site.mean_lifetime, 500000.0);
    EXPECT_DOUBLE_EQ(vector_site.average_size, 262144.0);

    const SiteRow& temporaries = model.sites[3];
    ASSERT_EQ(temporaries.figures.id, 2u);
    EXPECT_DOUBLE_EQ(temporaries.temporary_percent, 100.0 * 600 / 640);
    EXPECT_DOUBLE_EQ(temporaries.mean_lifetime, 100.0);

    const SiteRow& leak = model.sites[2];
    ASSERT_EQ(leak.figures.id, 4u);
    EXPECT_DOUBLE_EQ(leak.exit_percent, 100.0);
}

TEST(Analysis, FoldsEachSiteStack) {
    const ReportModel model = test::small_report();
    const SiteRow& vector_site = model.sites[0];
    EXPECT_EQ(vector_site.location->id, 7u);  // fill_samples, past operator new and std::vector
    ASSERT_EQ(vector_site.stack.size(), 4u);
    EXPECT_EQ(vector_site.stack[0].id, 7u);
    EXPECT_EQ(vector_site.stack[2].function, "main");
    EXPECT_EQ(vector_site.stack[3].function, "(below main)");
    EXPECT_EQ(model.sites[1].location->function, "rsparse::parse_records");

    AnalysisOptions options;
    options.folding.max_frames = 3;
    const ReportModel short_stacks = test::small_report(options);
    EXPECT_EQ(short_stacks.sites[0].stack.size(), 3u);
    EXPECT_EQ(short_stacks.sites[0].omitted_frames, 1u);
}

TEST(Analysis, Summarises) {
    const ReportModel model = test::small_report();
    EXPECT_EQ(model.summary.peak.bytes, 2101312u);
    EXPECT_EQ(model.summary.totals.blocks, 662u);
    EXPECT_EQ(model.summary.exit.time, 12500000u);
    EXPECT_EQ(model.summary.temporary_blocks, 600u);
    EXPECT_EQ(model.summary.temporary_bytes, 38400u);
    EXPECT_DOUBLE_EQ(model.summary.temporary_percent, 100.0 * 600 / 662);
    EXPECT_EQ(model.timeline.size(), 6u);
    ASSERT_TRUE(model.timeline_peak.has_value());
    EXPECT_EQ(*model.timeline_peak, 3u);
    EXPECT_EQ(model.record_count, 52u);
}

TEST(Analysis, TiesGoToMoreTotalBytesThenLowerId) {
    Trace trace = test::small_trace();
    for (Site& site : trace.sites) site.peak_bytes = 100;
    trace.sites[3].total_bytes = trace.sites[0].total_bytes;  // site 4 ties site 1 fully
    const ReportModel model = analyse(trace, {});
    EXPECT_EQ(site_ids(model, model.rankings.at_peak), (std::vector<std::uint64_t>{1, 4, 3, 2}));
}

TEST(Analysis, SitesThatPrintAlikeStaySeparate) {
    // Two stacks that differ only beyond --frames fold to the same printed frames.
    Trace trace = test::small_trace();
    Stack twin = trace.stacks[1];
    twin.id = 99;
    twin.frames.back() = 7;  // a different outermost frame
    trace.stacks.push_back(twin);
    Site site = trace.sites[1];
    site.id = 98;
    site.stack = trace.stacks.size() - 1;
    trace.sites.push_back(site);
    AnalysisOptions options;
    options.folding.max_frames = 1;
    const ReportModel model = analyse(trace, options);
    EXPECT_EQ(model.sites.size(), 5u);
    EXPECT_EQ(model.rankings.by_temporary.rows.size(), 2u);
}

TEST(Analysis, EmptyProgramHasNoSharesAndNoNaN) {
    const Trace trace = test::allocation_free_trace();
    const ReportModel model = analyse(trace, {});
    EXPECT_TRUE(model.rankings.at_peak.rows.empty());
    EXPECT_FALSE(model.timeline_peak.has_value());
    EXPECT_EQ(model.summary.temporary_percent, 0.0);

    Trace zero_blocks = test::small_trace();
    zero_blocks.sites[0].total_blocks = 0;
    zero_blocks.peak.bytes = 0;
    const ReportModel degenerate = analyse(zero_blocks, {});
    for (const SiteRow& row : degenerate.sites) {
        EXPECT_FALSE(std::isnan(row.mean_lifetime));
        EXPECT_FALSE(std::isnan(row.average_size));
        EXPECT_FALSE(std::isnan(row.peak_percent));
    }
}

TEST(Analysis, ThreadsAreOrderedById) {
    Trace trace = test::small_trace();
    std::swap(trace.threads[0], trace.threads[1]);
    const ReportModel model = analyse(trace, {});
    EXPECT_EQ(model.threads[0].id, 1u);
    EXPECT_EQ(model.threads[1].id, 2u);
}

// The ownership fixture with its peak record moved onto the peak snapshot (10,656 bytes in
// 19 blocks), as the tool writes it when nothing was allocated between the peak and the
// snapshot.
Trace ownership_trace_at_its_snapshot() {
    return test::parse_text(test::replace_once(test::data_text("ownership.trace"),
                                               "peak\tt=7000000\talloc=15000\tbytes=10700\tblocks=20",
                                               "peak\tt=7000000\talloc=15000\tbytes=10656\tblocks=19"));
}

const SiteRow& row_of(const ReportModel& model, std::uint64_t id) {
    for (const SiteRow& row : model.sites)
        if (row.figures.id == id) return row;
    throw std::out_of_range("no such site");
}

TEST(Analysis, UsableBytesAtThePeakComeFromThePeakSnapshotsBlocks) {
    const ReportModel model = analyse(ownership_trace_at_its_snapshot(), {});
    // site 3: 4,096 + 4,096 + 1,024 requested; chunks of 4,112, 4,112 and 1,040 bytes
    EXPECT_EQ(row_of(model, 3).peak_usable_bytes, 4104u + 4104u + 1032u);
    // site 5: 512 + 256 + two blocks of 0 bytes, which still take a 32-byte chunk each
    EXPECT_EQ(row_of(model, 5).peak_usable_bytes, 520u + 264u + 24u + 24u);
    EXPECT_EQ(row_of(model, 4).peak_usable_bytes, 4u * 24u);
    EXPECT_EQ(row_of(model, 6).peak_usable_bytes, 3u * 136u);
    // site 1 counts 172 bytes at the peak, its blocks in the snapshot 128: no figure rather
    // than a wrong one
    EXPECT_EQ(row_of(model, 1).peak_usable_bytes, std::nullopt);
    // the exit snapshot is the exit's: sites 4 and 5 live, the others with nothing
    EXPECT_EQ(row_of(model, 5).exit_usable_bytes, 832u);
    EXPECT_EQ(row_of(model, 3).exit_usable_bytes, 0u);
}

TEST(Analysis, NoUsableBytesAwayFromThePeakOrForACustomAllocator) {
    // as recorded, the peak snapshot is 44 bytes short of the peak
    const ReportModel away = analyse(test::ownership_trace(), {});
    for (const SiteRow& row : away.sites) EXPECT_EQ(row.peak_usable_bytes, std::nullopt);
    EXPECT_EQ(row_of(away, 5).exit_usable_bytes, 832u);

    Trace custom = ownership_trace_at_its_snapshot();
    for (Site& site : custom.sites)
        if (site.id == 3) site.kind = SiteKind::custom;
    const ReportModel model = analyse(custom, {});
    EXPECT_EQ(row_of(model, 3).peak_usable_bytes, std::nullopt);
    EXPECT_EQ(row_of(model, 6).peak_usable_bytes, 408u);
}

TEST(Analysis, ComputesOnlyTheNeededParts) {
    const Trace trace = test::ownership_trace();
    const ReportModel full = analyse(trace, {});
    ASSERT_FALSE(full.ownership.snapshots.empty());
    ASSERT_FALSE(full.ownership.missing);

    const ReportModel copies_only = analyse(trace, {}, AnalysisNeeds{.copies = true});
    EXPECT_TRUE(copies_only.ownership.snapshots.empty());
    EXPECT_TRUE(copies_only.ownership.owners.empty());
    EXPECT_EQ(copies_only.sites.size(), full.sites.size());  // the rows are always there
    EXPECT_EQ(copies_only.rankings.at_peak.rows, full.rankings.at_peak.rows);
}

TEST(Analysis, NeededPartsAreTheSameAsInTheFullModel) {
    const Trace trace = test::lineage_trace();
    const ReportModel full = analyse(trace, {});
    const ReportModel copies_only = analyse(trace, {}, AnalysisNeeds{.copies = true});
    ASSERT_FALSE(full.copies.lineage.empty());
    EXPECT_EQ(copies_only.copies.lineage.size(), full.copies.lineage.size());
    EXPECT_EQ(copies_only.copies.totals.movable_clones.bytes,
              full.copies.totals.movable_clones.bytes);
}

}  // namespace analysis_tests
}  // namespace memattr
