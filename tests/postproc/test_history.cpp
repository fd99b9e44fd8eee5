// What a nightly job compares (history/): a run's figures read from the JSON report, two
// runs compared by key, budgets parsed, read from a file and judged, and the verdicts'
// outputs. The end-to-end job, on real builds, is tests/tool/cases/history.py.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "history/budgets.h"
#include "history/check_report.h"
#include "history/diff.h"
#include "history/diff_report.h"
#include "history/markdown.h"
#include "history/run_figures.h"
#include "report/json_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace history_tests {

RunFigures figures_of(const Trace& trace, const char* source) {
    return run_figures_from_report(json_report(analyse(trace, {})), source);
}

std::uint64_t peak_of(const SiteFigures& site) {
    return site.bytes[static_cast<std::size_t>(SiteMetric::peak)];
}

// A run by hand: `sites` as (key, peak bytes), `leaks` as (key, bytes).
RunFigures run(std::uint64_t peak, std::vector<std::pair<std::string, std::uint64_t>> sites,
               std::vector<std::pair<std::string, std::uint64_t>> leaks = {}) {
    RunFigures figures;
    figures.source = "run";
    figures.totals[static_cast<std::size_t>(RunFigure::peak_bytes)] = peak;
    std::uint64_t leaked = 0;
    for (const auto& [key, bytes] : sites) {
        SiteFigures site{key, "fn_" + key + " (a.cpp:1)", {}};
        site.bytes[static_cast<std::size_t>(SiteMetric::peak)] = bytes;
        figures.sites.push_back(site);
    }
    for (const auto& [key, bytes] : leaks) {
        figures.findings.push_back({FindingKind::leak, key, "definitely lost from " + key, bytes});
        leaked += bytes;
    }
    figures.totals[static_cast<std::size_t>(RunFigure::leaked_bytes)] = leaked;
    return figures;
}

// ---------------------------------------------------------------- run figures

TEST(RunFigures, FromTheJsonReportOfATrace) {
    const RunFigures figures = figures_of(test::ownership_trace(), "ownership.trace");
    EXPECT_EQ(figures.source, "ownership.trace");
    EXPECT_EQ(figures.total(RunFigure::peak_bytes), 10700u);
    EXPECT_EQ(figures.total(RunFigure::leaked_bytes), 768u);  // 512 definitely + 256 indirectly
    EXPECT_EQ(figures.total(RunFigure::duplicate_bytes), 4352u);
    ASSERT_FALSE(figures.sites.empty());
    EXPECT_EQ(peak_of(figures.sites.front()), 9216u);
    EXPECT_EQ(figures.sites.front().label, "Segment::load(char const*) (segment.cpp:30)");
    std::uint64_t leak_bytes = 0;
    for (const Finding& finding : figures.findings)
        if (finding.kind == FindingKind::leak) leak_bytes += finding.bytes;
    EXPECT_EQ(leak_bytes, 768u);
}

TEST(RunFigures, MissingFiguresStayMissing) {
    // The small trace has no snapshots and no access tracking.
    const RunFigures figures = figures_of(test::small_trace(), "small.trace");
    EXPECT_TRUE(figures.total(RunFigure::peak_bytes).has_value());
    EXPECT_FALSE(figures.total(RunFigure::leaked_bytes).has_value());
    EXPECT_FALSE(figures.total(RunFigure::clone_bytes).has_value());
    EXPECT_FALSE(figures.total(RunFigure::duplicate_bytes).has_value());
    EXPECT_NE(std::string(figure_requirement(RunFigure::leaked_bytes)).find("--snapshots"),
              std::string::npos);
}

TEST(RunFigures, RefusesWhatIsNotAMemattrReport) {
    EXPECT_THROW(run_figures_from_report(Json::parse(R"({"schema": "other"})"), "x.json"),
                 std::invalid_argument);
    Json report = json_report(analyse(test::small_trace(), {}));
    report["sites"][0].erase("key");  // a report from before keys
    EXPECT_THROW(run_figures_from_report(report, "old.json"), std::invalid_argument);
}

TEST(RunFigures, RefusesAReportCutToItsTopRows) {
    // Sites past the cut would look gone, findings would name sites the table lacks.
    const Json cut = json_report(analyse(test::small_trace(), {}), 1);
    ASSERT_FALSE(cut.at("truncated").empty());
    EXPECT_THROW(run_figures_from_report(cut, "cut.json"), std::invalid_argument);
    EXPECT_NO_THROW(run_figures_from_report(json_report(analyse(test::small_trace(), {}), 0),
                                            "whole.json"));
}

TEST(RunFigures, LoadReadsATraceOrAJsonReportAlike) {
    const std::string json_path = ::testing::TempDir() + "/memattr-run-figures.json";
    {
        std::ofstream out(json_path);
        out << json_report(analyse(test::ownership_trace(), {})).dump(2);
    }
    const RunFigures from_json = load_run_figures(json_path, {});
    const RunFigures from_trace = figures_of(test::ownership_trace(), "t");
    EXPECT_EQ(from_json.totals, from_trace.totals);
    ASSERT_EQ(from_json.sites.size(), from_trace.sites.size());
    for (std::size_t i = 0; i < from_json.sites.size(); ++i)
        EXPECT_EQ(from_json.sites[i].key, from_trace.sites[i].key);
    std::remove(json_path.c_str());
    EXPECT_THROW(load_run_figures(json_path, {}), std::runtime_error);
}

// ---------------------------------------------------------------- diff

TEST(Diff, RanksChangesBySizeAndSaysWhatChanged) {
    const RunDiff diff = diff_runs(run(1000, {{"a", 500}, {"b", 300}, {"gone", 200}}),
                                   run(2000, {{"a", 400}, {"b", 300}, {"new", 1300}}),
                                   SiteMetric::peak, 0);
    ASSERT_EQ(diff.sites.size(), 3u);
    EXPECT_EQ(diff.sites[0].key, "new");
    EXPECT_EQ(diff.sites[0].change, ChangeKind::appeared);
    EXPECT_EQ(diff.sites[0].delta(), 1300);
    EXPECT_EQ(diff.sites[1].key, "gone");
    EXPECT_EQ(diff.sites[1].change, ChangeKind::disappeared);
    EXPECT_EQ(diff.sites[2].key, "a");
    EXPECT_EQ(diff.sites[2].change, ChangeKind::shrank);
    EXPECT_EQ(diff.sites[2].delta(), -100);
    EXPECT_EQ(diff.totals[static_cast<std::size_t>(RunFigure::peak_bytes)].now, 2000u);
}

TEST(Diff, TheNoiseFloorCountsWhatItLeavesOut) {
    const RunDiff diff = diff_runs(run(1000, {{"a", 500}, {"b", 300}}),
                                   run(1000, {{"a", 510}, {"b", 900}}), SiteMetric::peak, 64);
    ASSERT_EQ(diff.sites.size(), 1u);
    EXPECT_EQ(diff.sites[0].key, "b");
    EXPECT_EQ(diff.sites_below_floor, 1u);
}

TEST(Diff, FindingsAreMatchedWithinTheirKind) {
    const RunDiff diff = diff_runs(run(1, {}, {{"k", 10}}), run(1, {}, {{"k", 10}, {"l", 777}}),
                                   SiteMetric::peak, 0);
    ASSERT_EQ(diff.findings.size(), 1u);
    EXPECT_EQ(diff.findings[0].key, "l");
    EXPECT_EQ(diff.findings[0].kind, "leak");
}

TEST(DiffReport, TextJsonAndMarkdown) {
    const RunDiff diff = diff_runs(run(1000, {{"a", 500}}), run(2000, {{"a", 1500}}),
                                   SiteMetric::peak, 0);
    std::ostringstream text, json, markdown;
    write_diff(diff, "text", 10, text);
    write_diff(diff, "json", 10, json);
    write_diff(diff, "markdown", 10, markdown);
    EXPECT_EQ(text.str().substr(0, text.str().find("\nTotals")),
              "memattr-graph diff: run against run\n"
              "Peak live heap: 1000 B -> 1.95 KiB, +1000 bytes, +100.0%\n"
              "1 site and 0 findings changed (sites by peak bytes)\n");
    EXPECT_NE(text.str().find("1. +1000 bytes, grew: fn_a (a.cpp:1)"), std::string::npos)
        << text.str();
    const Json parsed = Json::parse(json.str());
    EXPECT_EQ(parsed["schema"], "memattr-diff");
    EXPECT_EQ(parsed["sites"][0]["delta"], 1000);
    EXPECT_EQ(parsed["totals"]["peak_bytes"]["base"], 1000);
    EXPECT_EQ(parsed["totals"]["leaked_bytes"]["new"], 0);
    EXPECT_EQ(parsed["totals"]["clone_bytes"]["new"], nullptr);
    EXPECT_NE(markdown.str().find("| peak_bytes | 1000 B | 1.95 KiB |"), std::string::npos)
        << markdown.str();
}

TEST(Markdown, CodeCellsCannotBreakTheTable) {
    EXPECT_EQ(markdown_code_cell("a|b\nc`d"), "`a\\|b c'd`");
}

// ---------------------------------------------------------------- budgets

TEST(Budgets, ParsedAsPeopleWriteThem) {
    Budgets budgets;
    set_budget(budgets, "max-peak", "64M");
    set_budget(budgets, "max-peak-growth", "5%");
    set_budget(budgets, "no-new-leaks", "yes");
    EXPECT_EQ(budgets.max_peak, 64u << 20);
    EXPECT_EQ(budgets.max_peak_growth_percent, 5.0);
    EXPECT_TRUE(budgets.no_new_leaks);
    EXPECT_TRUE(budgets.needs_baseline());
    EXPECT_THROW(set_budget(budgets, "max-peek", "1"), std::invalid_argument);
    EXPECT_THROW(set_budget(budgets, "max-peak-growth", "lots"), std::invalid_argument);
    EXPECT_THROW(set_budget(budgets, "no-new-leaks", "maybe"), std::invalid_argument);
}

TEST(Budgets, FileWithCommentsAndTheCommandLineWinning) {
    const std::string path = ::testing::TempDir() + "/memattr-budgets.conf";
    {
        std::ofstream out(path);
        out << "# the app's memory budgets\n\nmax-peak = 64M\nmax-leaked 0   # no leak\n"
               "max-clone-bytes=1K\n";
    }
    Budgets budgets;
    budgets.max_peak = 100;  // from the command line
    read_budget_file(path, budgets);
    EXPECT_EQ(budgets.max_peak, 100u);
    EXPECT_EQ(budgets.max_leaked, 0u);
    EXPECT_EQ(budgets.max_clone_bytes, 1024u);
    {
        std::ofstream out(path);
        out << "max-peak = 64M\nmax-heap = 1\n";
    }
    try {
        Budgets other;
        read_budget_file(path, other);
        ADD_FAILURE() << "an unknown budget was accepted";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(":2: budget 'max-heap'"), std::string::npos)
            << error.what();
    }
    std::remove(path.c_str());
}

TEST(Budgets, VerdictsNameTheSitesThatBrokeThem) {
    Budgets budgets;
    budgets.max_peak = 1500;
    budgets.no_new_leaks = true;
    budgets.max_leaked = 1000;
    const RunFigures base = run(1000, {{"a", 1000}});
    const RunFigures now = run(2000, {{"a", 1000}, {"cache", 1000}}, {{"settings", 777}});
    const std::vector<BudgetVerdict> verdicts = check_budgets(budgets, now, &base);
    ASSERT_EQ(verdicts.size(), 3u);
    EXPECT_FALSE(verdicts[0].held);  // max-peak
    ASSERT_FALSE(verdicts[0].culprits.empty());
    EXPECT_NE(verdicts[0].culprits[0].find("fn_cache"), std::string::npos);
    EXPECT_TRUE(verdicts[1].held);  // max-leaked: 777 <= 1000
    EXPECT_FALSE(verdicts[2].held);  // no-new-leaks
    EXPECT_NE(verdicts[2].culprits.at(0).find("settings"), std::string::npos);
}

TEST(Budgets, AMissingFigureIsAnErrorNamingTheOption) {
    Budgets budgets;
    budgets.max_clone_bytes = 0;
    try {
        check_budgets(budgets, run(1, {}), nullptr);
        ADD_FAILURE() << "a budget without its figure held";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("--track-access"), std::string::npos)
            << error.what();
    }
    budgets = {};
    budgets.no_new_leaks = true;
    EXPECT_THROW(check_budgets(budgets, run(1, {}), nullptr), std::runtime_error);
}

TEST(Budgets, WithoutABaselineYetTheComparingBudgetsAreSkipped) {
    Budgets budgets;
    budgets.no_new_leaks = true;
    budgets.max_peak_growth_percent = 5;
    budgets.max_peak = 10;
    const std::vector<BudgetVerdict> verdicts =
        check_budgets(budgets, run(100, {{"a", 100}}), nullptr, "'h.db' has no run yet");
    ASSERT_EQ(verdicts.size(), 3u);
    EXPECT_FALSE(verdicts[0].held);  // max-peak is judged all the same
    EXPECT_TRUE(verdicts[1].skipped);
    EXPECT_TRUE(verdicts[2].skipped);
    EXPECT_NE(verdicts[2].figure.find("'h.db' has no run yet"), std::string::npos);
    std::ostringstream junit, text;
    write_check_junit({"new.trace", "", "'h.db' has no run yet"}, verdicts, junit);
    write_check_text({"new.trace", "", "'h.db' has no run yet"}, verdicts, text);
    EXPECT_NE(junit.str().find("failures=\"1\" errors=\"0\" skipped=\"2\""), std::string::npos)
        << junit.str();
    EXPECT_NE(text.str().find("3 budgets: 0 held, 1 broken, 2 skipped"), std::string::npos)
        << text.str();
}

TEST(CheckReport, JunitHasOneCasePerBudgetAndEscapes) {
    const std::vector<BudgetVerdict> verdicts = {
        {"max-peak", "1 KiB", "2 KiB", false, {"Blob::copy<\"q\">(char const*) & (b.cpp:1)"}, false},
        {"max-leaked", "0 bytes", "0 bytes", true, {}, false},
    };
    std::ostringstream junit, text;
    write_check_junit({"new.trace", "base.trace", ""}, verdicts, junit);
    write_check_text({"new.trace", "base.trace", ""}, verdicts, text);
    EXPECT_NE(junit.str().find("tests=\"2\" failures=\"1\""), std::string::npos) << junit.str();
    EXPECT_NE(junit.str().find("Blob::copy&lt;&quot;q&quot;&gt;(char const*) &amp;"),
              std::string::npos);
    EXPECT_EQ(junit.str().find("<\"q\">"), std::string::npos);
    EXPECT_NE(text.str().find("  BROKEN  max-peak: 2 KiB (limit 1 KiB); broken by Blob"), std::string::npos);
    EXPECT_NE(text.str().find("2 budgets: 1 held, 1 broken"), std::string::npos) << text.str();
}

}  // namespace history_tests
}  // namespace memattr
