// Leaks at exit in the reports, on data/ownership.trace, whose exit snapshot holds a list of
// 4 nodes a global points at (96 bytes still reachable) and site 5's lost 512-byte block
// pointing at a 256-byte one, beside two lost empty blocks: by category and by site
// (analyse_leaks), the text report's "Leaks at exit" section (and the one line it says
// instead when there is no exit snapshot, and why) and the JSON report's `leaks` object.

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/json_reporter.h"
#include "report/text_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace leak_report_tests {

using test::text_report;

using json = nlohmann::json;

json json_report(const Trace& trace) {
    std::ostringstream out;
    JsonReporter().write(analyse(trace, {}), out);
    return json::parse(out.str());
}

// The "Leaks at exit" section, up to the next section's title.
std::string leaks_section(const std::string& report) {
    const std::string heading = "\nLeaks at exit\n=============\n";
    const std::size_t start = report.find(heading);
    EXPECT_NE(start, std::string::npos) << "no Leaks at exit section";
    if (start == std::string::npos) return "";
    const std::size_t body = start + heading.size();
    const std::size_t underline = report.find("\n=", body);
    const std::size_t end = report.rfind("\n\n", underline);
    return report.substr(body, end + 1 - body);
}

// ownership.trace without its exit snapshot (snapshot 3, the last).
Trace without_exit_snapshot() {
    std::vector<std::string> lines;
    bool in_exit_snapshot = false;
    for (const std::string& line : test::data_records("ownership.trace")) {
        if (line.starts_with("snapshot\tid=3\t")) in_exit_snapshot = true;
        if (line.starts_with("snapshot-cost\t")) in_exit_snapshot = false;
        if (!in_exit_snapshot) lines.push_back(line);
    }
    return test::parse_text(test::with_end_record(lines));
}

TEST(LeakAnalysis, CategoriesAndSitesOfTheExitSnapshot) {
    const ReportModel model = test::ownership_report();  // kept: `leaks` refers into it
    const LeakReport& leaks = model.leaks;
    ASSERT_FALSE(leaks.missing);
    EXPECT_EQ(leaks.snapshot.id, 3u);
    using Figures = std::pair<std::uint64_t, std::uint64_t>;  // bytes, blocks
    const auto figures = [&](LeakKind kind) {
        return Figures(leaks[kind].total.bytes, leaks[kind].total.blocks);
    };
    EXPECT_EQ(figures(LeakKind::definitely_lost), Figures(512, 3));
    EXPECT_EQ(figures(LeakKind::indirectly_lost), Figures(256, 1));
    EXPECT_EQ(figures(LeakKind::possibly_lost), Figures(0, 0));
    EXPECT_EQ(figures(LeakKind::still_reachable), Figures(96, 4));
    const std::vector<LeakRow>& definite = leaks[LeakKind::definitely_lost].sites;
    ASSERT_EQ(definite.size(), 1u);
    EXPECT_EQ(definite[0].indirect_bytes, 256u);
    EXPECT_EQ(definite[0].indirect_blocks, 1u);
    EXPECT_EQ(definite[0].total_bytes(), 768u);
    EXPECT_TRUE(leaks[LeakKind::possibly_lost].sites.empty());
}

TEST(LeakAnalysis, UsesTheExitSnapshotWhateverSnapshotOwnershipDescribes) {
    AnalysisOptions options;
    options.snapshot = "after-load";
    EXPECT_EQ(test::ownership_report(options).leaks.snapshot.id, 3u);
}

TEST(LeakText, SummaryLikeMemchecksThenSitesPerCategory) {
    const std::string report = text_report(test::ownership_trace());
    EXPECT_EQ(leaks_section(report),
              "Snapshot        snapshot 3 'exit' (exit): 864 bytes in 8 blocks\n"
              "Classified as Memcheck's leak check does (valgrind --leak-check=full "
              "--leak-check-heuristics=all), in requested bytes:\n"
              "   definitely lost: 512 bytes in 3 blocks\n"
              "   indirectly lost: 256 bytes in 1 block\n"
              "     possibly lost: 0 bytes in 0 blocks\n"
              "   still reachable: 96 bytes in 4 blocks\n"
              "\n"
              "Definitely lost, by site:\n"
              "  1. 768 (512 direct, 256 indirect) bytes in 3 blocks, and 1 block indirectly "
              "lost through them\n"
              "     site 5: leak.cpp:5\n"
              "        at leak_buffer(unsigned long) (leak.cpp:5)\n"
              "        by main (app.cpp:40)\n"
              "        by (below main) (in /usr/lib/x86_64-linux-gnu/libc.so.6)\n"
              "\n"
              "Indirectly lost, by site:\n"
              "  1. 256 bytes in 1 block\n"
              "     site 5: leak.cpp:5\n"
              "        at leak_buffer(unsigned long) (leak.cpp:5)\n"
              "        by main (app.cpp:40)\n"
              "        by (below main) (in /usr/lib/x86_64-linux-gnu/libc.so.6)\n"
              "\n"
              "Still reachable, by site:\n"
              "  1. 96 bytes in 4 blocks\n"
              "     site 4: list.cpp:8\n"
              "        at List::push(int) (list.cpp:8)\n"
              "        by main (app.cpp:40)\n"
              "        by (below main) (in /usr/lib/x86_64-linux-gnu/libc.so.6)\n");
}

TEST(LeakText, ComesAfterLiveAtExit) {
    const std::string report = text_report(test::ownership_trace());
    const std::size_t live = report.find("\nLive at exit\n=");
    const std::size_t leaks = report.find("\nLeaks at exit\n=");
    const std::size_t copies = report.find("\nCopies and access\n=");
    ASSERT_NE(live, std::string::npos);
    EXPECT_GT(leaks, live);
    EXPECT_LT(leaks, copies);
}

// The exit snapshot of ownership.trace with the list's head held 8 bytes in, the head
// matching the given `heur` layouts there (none when empty).
Trace list_held_inside(const std::string& layouts) {
    std::string text = test::replace_once(
        test::data_text("ownership.trace"), "root\tkind=global\tto=1\ttoff=0\tname=g_list",
        "root\tkind=global\tto=1\ttoff=8\tname=g_list");
    if (!layouts.empty())
        text = test::replace_once(text, "hash=000000000000d001\tptrs=0:2\nblock\ti=2\taddr=0xa100",
                                  "hash=000000000000d001\tptrs=0:2\theur=" + layouts +
                                      "\nblock\ti=2\taddr=0xa100");
    return test::parse_text(text);
}

TEST(LeakText, BlocksHeldInsideWithoutAKnownLayoutArePossiblyLost) {
    // The list's head pointed at 8 bytes in: the whole list is possibly lost.
    const std::string section = leaks_section(text_report(list_held_inside("")));
    EXPECT_CONTAINS(section, "     possibly lost: 96 bytes in 4 blocks\n"
                             "   still reachable: 0 bytes in 0 blocks\n");
    EXPECT_CONTAINS(section, "Possibly lost, by site:\n  1. 96 bytes in 4 blocks\n");
    EXPECT_EQ(section.find("Still reachable, by site"), std::string::npos);
    EXPECT_EQ(section.find("via heuristic"), std::string::npos);
}

TEST(LeakText, BlocksHeldInsideAKnownLayoutAreReachableViaItsHeuristic) {
    // The head matches length64 and newarray 8 bytes in: Memcheck tries length64 first, and
    // the rest of the list is reached from the head by start pointers.
    const std::string section = leaks_section(text_report(list_held_inside("8:6")));
    EXPECT_CONTAINS(section, "     possibly lost: 0 bytes in 0 blocks\n"
                             "   still reachable: 96 bytes in 4 blocks\n"
                             "                    of which reachable via heuristic:\n"
                             "                      length64           : 24 bytes in 1 block\n");
}

TEST(LeakText, BlocksReallocatedInPlaceAreWhyFiguresMayDifferFromMemchecks) {
    EXPECT_EQ(leaks_section(text_report(test::ownership_trace())).find("Resized in place"),
              std::string::npos);
    const Trace trace = test::parse_text(test::replace_once(
        test::data_text("ownership.trace"), "roots=1\tscanned=9056",
        "roots=1\tscanned=9056\tin-place-blocks=2"));
    EXPECT_CONTAINS(leaks_section(text_report(trace)),
                    "Resized in place by realloc: 2 blocks. Memcheck's realloc always moves");
}

TEST(LeakAnalysis, HeuristicsAreAppliedOnlyAsChosen) {
    const Trace trace = list_held_inside("8:6");
    const Snapshot& exit = *snapshot_with_kind(trace, &SnapshotKinds::exit);
    EXPECT_EQ(classify_leaks(exit, 0).kind[0], LeakKind::possibly_lost);
    EXPECT_EQ(classify_leaks(exit, kHeuristicStdString).kind[0], LeakKind::possibly_lost);
    const LeakClassification newarray = classify_leaks(exit, kHeuristicNewArray);
    EXPECT_EQ(newarray.kind[0], LeakKind::still_reachable);
    EXPECT_EQ(newarray.via_heuristic[0], kHeuristicNewArray);
    EXPECT_EQ(newarray.via_heuristic[1], 0);  // reached from the head by a start pointer
    EXPECT_EQ(parse_leak_heuristics("stdstring,multipleinheritance"),
              kHeuristicStdString | kHeuristicMultipleInheritance);
    EXPECT_EQ(parse_leak_heuristics("none"), 0);
    EXPECT_EQ(parse_leak_heuristics("all"), kAllLeakHeuristics);
    EXPECT_EQ(parse_leak_heuristics("stdstring,"), std::nullopt);
    EXPECT_EQ(parse_leak_heuristics("string"), std::nullopt);
}

TEST(LeakText, WithoutAnExitSnapshotSaysWhy) {
    EXPECT_EQ(leaks_section(text_report(test::small_trace())),
              "No leak check: the trace is version 1, written by a memattr that took no heap "
              "snapshots.\n");
    EXPECT_EQ(leaks_section(text_report(without_exit_snapshot())),
              "No leak check: the trace has no exit snapshot.\n");
    std::vector<std::string> lines;
    for (const std::string& line : test::data_records("ownership.trace"))
        if (!line.starts_with("snapshot") && !line.starts_with("block\t") && !line.starts_with("root\t"))
            lines.push_back(line);
    const std::size_t run = test::find_record(lines, "run\t");
    lines[run] = test::replace_once(lines[run], "snapshots=yes", "snapshots=no");
    EXPECT_EQ(leaks_section(text_report(test::parse_text(test::with_end_record(lines)))),
              "No leak check: the trace was recorded with --snapshots=no, so it has no exit "
              "snapshot.\n");
}

TEST(LeakJson, CategoriesWithEverySite) {
    const json leaks = json_report(test::ownership_trace())["leaks"];
    EXPECT_EQ(leaks["available"], true);
    EXPECT_EQ(leaks["missing_reason"], nullptr);
    EXPECT_EQ(leaks["snapshot"]["id"], 3);
    EXPECT_EQ(leaks["snapshot"]["kinds"], json::array({"exit"}));
    EXPECT_EQ(leaks["definitely_lost"],
              json::parse(R"({"bytes": 512, "blocks": 3, "sites": [
                  {"key": "81255c1912bdee43", "site": 5, "bytes": 512, "blocks": 3,
                   "indirect_bytes": 256, "indirect_blocks": 1}]})"));
    EXPECT_EQ(leaks["indirectly_lost"],
              json::parse(R"({"bytes": 256, "blocks": 1, "sites": [
                  {"key": "fa1499f1ff0705b1", "site": 5, "bytes": 256, "blocks": 1,
                   "indirect_bytes": 0, "indirect_blocks": 0}]})"));
    EXPECT_EQ(leaks["possibly_lost"], json::parse(R"({"bytes": 0, "blocks": 0, "sites": []})"));
    EXPECT_EQ(leaks["still_reachable"]["bytes"], 96);
    EXPECT_EQ(leaks["still_reachable"]["sites"][0]["site"], 4);
}

TEST(LeakJson, SaysWhyThereIsNoLeakCheck) {
    EXPECT_EQ(json_report(test::lineage_trace())["leaks"],
              json({{"available", false}, {"missing_reason", "old_trace"}}));
    EXPECT_EQ(json_report(without_exit_snapshot())["leaks"]["missing_reason"], "no_exit_snapshot");
}

}  // namespace leak_report_tests
}  // namespace memattr
