// A mapping's whole history (`region-change` records, docs/trace-format.md): read strictly,
// folded to the program's lines, told in one line under its group in the text report and as
// a `history` array in JSON. data/every_record.trace has two: the cache's reservation (made
// PROT_NONE, 2 MiB then made accessible) and the arena's ten changes, of which the trace
// keeps the first four and the last four.

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis/analysis.h"
#include "report/json_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace region_history_tests {

using nlohmann::json;
using test::data_records;
using test::find_record;
using test::replace_once;
using test::with_end_record;

Trace every_record() { return test::parse_text(test::data_text("every_record.trace")); }

// every_record.trace with `from` replaced by `to` in its first record starting with `prefix`.
std::string edited(const std::string& prefix, const std::string& from, const std::string& to) {
    std::vector<std::string> lines = data_records("every_record.trace");
    const std::size_t index = find_record(lines, prefix);
    lines[index] = replace_once(lines[index], from, to);
    return with_end_record(lines);
}

// every_record.trace without its records numbered `drop` (0-based, in data_records).
std::string without(std::vector<std::size_t> drop) {
    std::vector<std::string> lines = data_records("every_record.trace");
    std::sort(drop.rbegin(), drop.rend());
    for (const std::size_t index : drop) lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(index));
    return with_end_record(lines);
}

const std::string kArena = "region\tid=4\tkind=anon\tstart=0x7f1236000000";
const std::string kCache = "region\tid=3\tkind=anon\tstart=0x7f1234000000";

// ------------------------------------------------------------------ reading

TEST(RegionHistory, ReadsTheKeptChangesWithTheirStacks) {
    const Trace trace = every_record();
    const Region& arena = trace.memory_maps[0].regions[3];
    EXPECT_EQ(arena.changes, 10u);
    ASSERT_EQ(arena.history.size(), 8u);
    EXPECT_EQ(arena.history[0].kind, RegionChangeKind::mapped);
    EXPECT_EQ(arena.history[0].size, 4194304u);
    EXPECT_EQ(arena.history[1].kind, RegionChangeKind::protection);
    EXPECT_EQ(arena.history[1].prot, "---");
    EXPECT_EQ(arena.history[4].kind, RegionChangeKind::moved);
    EXPECT_EQ(arena.history[7].kind, RegionChangeKind::grown);
    EXPECT_EQ(arena.history[7].size, 33554432u);
    ASSERT_TRUE(arena.history[0].stack);
    EXPECT_EQ(trace.stacks[*arena.history[0].stack].id, 6u);
    const Region& cache = trace.memory_maps[0].regions[2];
    EXPECT_EQ(cache.changes, 2u);
    ASSERT_EQ(cache.history.size(), 2u);
    EXPECT_EQ(cache.history[0].kind, RegionChangeKind::reserved);
    // A start-up segment nothing changed has none.
    EXPECT_EQ(trace.memory_maps[0].regions[0].changes, 0u);
    EXPECT_TRUE(trace.memory_maps[0].regions[0].history.empty());
}

TEST(RegionHistory, TracesWithoutTheKeyHaveNoHistory) {
    // A version 5 trace written before the key and the records existed.
    std::vector<std::string> lines;
    for (std::string line : data_records("every_record.trace")) {
        if (line.starts_with("region-change\t")) continue;
        if (line.starts_with("region\t")) line = line.substr(0, line.rfind("\tchanges="));
        lines.push_back(line);
    }
    const Trace trace = test::parse_text(with_end_record(lines));
    for (const Region& region : trace.memory_maps[0].regions) {
        EXPECT_EQ(region.changes, 0u);
        EXPECT_TRUE(region.history.empty());
    }
    const MemoryMapReport report = analyse(trace, {}).memory_map;
    for (const RegionHistory& history : report.histories) EXPECT_EQ(history.text, "");
    EXPECT_EQ(test::text_report(trace).find("made rw-"), std::string::npos);
}

// Records are numbered from 0 in data_records, lines from 1.
std::uint64_t line_of(std::size_t record) { return record + 1; }

TEST(RegionHistory, TheRecordCountMustMatchChanges) {
    const std::vector<std::string> lines = data_records("every_record.trace");
    const std::size_t cache = find_record(lines, kCache);
    const std::size_t arena = find_record(lines, kArena);
    // One record fewer than changes=2 says: the next region finds it out.
    test::expect_trace_error(without({cache + 2}), line_of(cache + 2),
                             "region 3 has changes=2 but 1 'region-change' records follow it");
    // The last region of a map is checked at the map's end.
    test::expect_trace_error(edited("region\tid=9\t", "changes=0", "changes=1"),
                             line_of(find_record(lines, "memory-map\tname=exit")),
                             "region 9 has changes=1 but 0 'region-change' records follow it");
    // More than changes allows.
    test::expect_trace_error(edited(kCache, "changes=2", "changes=1"), line_of(cache + 2),
                             "more 'region-change' records than region 3's changes=1 allow");
    // With more than 8 changes, 8 records: its 2 region-use records, then its changes.
    test::expect_trace_error(edited(kArena, "changes=10", "changes=7"), line_of(arena + 10),
                             "more 'region-change' records than region 4's changes=7 allow");
}

TEST(RegionHistory, RecordsAreCheckedLikeTheRegions) {
    const std::string change = "region-change\tkind=reserved\tsize=16777216\tprot=---\tstack=5";
    const std::uint64_t line = line_of(find_record(data_records("every_record.trace"), change));
    test::expect_trace_error(edited(change, "kind=reserved", "kind=punched"), line, "punched");
    test::expect_trace_error(edited(change, "prot=---", "prot=rwz"), line, "field 'prot'");
    test::expect_trace_error(edited(change, "stack=5", "stack=99"), line, "99");
}

TEST(RegionHistory, MustFollowARegion) {
    std::vector<std::string> lines = data_records("every_record.trace");
    const std::size_t map = find_record(lines, "memory-map\tname=exit");
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(map) + 1,
                 "region-change\tkind=mapped\tsize=4096\tprot=rw-\tstack=0");
    test::expect_trace_error(with_end_record(lines), line_of(map + 1),
                             "'region-change' record before the memory map's first 'region'");
}

// ------------------------------------------------------------------ telling it

TEST(RegionHistory, FoldsEachCallToTheProgramsLineAndCountsTheDroppedOnes) {
    const MemoryMapReport report = analyse(every_record(), {}).memory_map;
    const RegionHistory& arena = report.histories[3];
    EXPECT_EQ(arena.dropped, 2u);
    std::vector<std::uint64_t> indexes;
    for (const RegionChangeRow& change : arena.changes) indexes.push_back(change.index);
    EXPECT_EQ(indexes, (std::vector<std::uint64_t>{0, 1, 2, 3, 6, 7, 8, 9}));
    ASSERT_TRUE(arena.changes[0].location);
    EXPECT_EQ(arena.changes[0].location->function, "arena_grow");  // not libc's mmap
    EXPECT_EQ(arena.changes[0].stack.size(), 4u);
    // The location is named where it differs from the one before, and after the gap.
    EXPECT_EQ(arena.text,
              "mapped 4.00 MiB at arena.c:42, 4.00 KiB made PROT_NONE, 4.00 KiB made rw-, grown "
              "by mremap to 8.00 MiB, 2 more changes, moved by mremap (now 16.00 MiB) at "
              "arena.c:42, 4.00 KiB made PROT_NONE, 4.00 KiB made rw-, grown by mremap to 32.00 "
              "MiB");
    EXPECT_EQ(report.histories[2].text, "reserved 16.00 MiB at cache.c:88, 2.00 MiB made rw-");
    EXPECT_TRUE(changed_after_made(report.histories[2]));
    EXPECT_FALSE(changed_after_made(report.histories[0]));
}

TEST(RegionHistory, EveryKindHasItsWords) {
    const std::string change = "region-change\tkind=reserved\tsize=16777216\tprot=---\tstack=5";
    const auto text_with = [&](const std::string& kind, const std::string& region_from = "",
                               const std::string& region_to = "") {
        std::string trace = edited(change, "kind=reserved", "kind=" + kind);
        if (!region_from.empty()) trace = replace_once(trace, region_from, region_to);
        return analyse(test::parse_text(trace), {}).memory_map.histories[2].text;
    };
    const std::string rest = ", 2.00 MiB made rw-";
    EXPECT_EQ(text_with("mapped"), "mapped 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("attached"), "attached 16.00 MiB (shmat) at cache.c:88" + rest);
    EXPECT_EQ(text_with("brk"), "made by brk with 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("trimmed-head"), "head trimmed to 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("trimmed-tail"), "tail trimmed to 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("trimmed-middle"),
              "middle unmapped, 16.00 MiB left in this part at cache.c:88" + rest);
    EXPECT_EQ(text_with("grown"), "grown by mremap to 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("shrunk"), "shrunk by mremap to 16.00 MiB at cache.c:88" + rest);
    EXPECT_EQ(text_with("moved"), "moved by mremap (now 16.00 MiB) at cache.c:88" + rest);
    EXPECT_EQ(text_with("protected"), "16.00 MiB made PROT_NONE at cache.c:88" + rest);
    // The brk heap grows and shrinks by brk.
    EXPECT_EQ(text_with("shrunk", kCache, "region\tid=3\tkind=brk\tstart=0x7f1234000000"),
              "shrunk by brk to 16.00 MiB at cache.c:88" + rest);
}

TEST(RegionHistory, TheTextReportTellsItUnderTheGroupsRow) {
    const std::string report = test::text_report(every_record());
    EXPECT_NE(report.find("anonymous mapping at cache.c:88        1     16 MiB      2 MiB      "
                          "1 MiB          -        15 MiB\n"
                          "    reserved 16.00 MiB at cache.c:88, 2.00 MiB made rw-\n"),
              std::string::npos)
        << report;
    EXPECT_NE(report.find("    mremap growth 4→8→16→32 MiB\n"
                          "    mapped 4.00 MiB at arena.c:42, 4.00 KiB made PROT_NONE, 4.00 KiB "
                          "made rw-, grown by mremap to\n"
                          "    8.00 MiB, 2 more changes, moved by mremap (now 16.00 MiB) at "
                          "arena.c:42, 4.00 KiB made\n"),
              std::string::npos)
        << report;
}

TEST(RegionHistory, NotForTheLoadersStartUpAndStackRegions) {
    // A start-up segment changed by ld.so (RELRO): in JSON, not in the table.
    std::string trace = edited("region\tid=2\t", "changes=0", "changes=1");
    std::vector<std::string> lines;
    std::istringstream in(trace);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("end\t")) continue;
        lines.push_back(line);
        if (line.starts_with("region\tid=2\t") && line.find("changes=1") != std::string::npos)
            lines.push_back("region-change\tkind=protected\tsize=4096\tprot=r--\tstack=0");
    }
    const Trace parsed = test::parse_text(with_end_record(lines));
    EXPECT_EQ(analyse(parsed, {}).memory_map.histories[1].text, "4.00 KiB made r--");
    EXPECT_EQ(test::text_report(parsed).find("4.00 KiB made r--"), std::string::npos);
}

TEST(RegionHistory, JsonHasTheHistoryWithFramesFromTheTable) {
    // Rows cut to 1: a history is not cut.
    const json report = json_report(analyse(every_record(), {}), 1);
    const json& region = report["memory_map"]["groups"][0]["regions"][0];
    EXPECT_EQ(region["id"], 4);
    EXPECT_EQ(region["changes"], 10);
    ASSERT_EQ(region["history"].size(), 8u);
    const json& moved = region["history"][4];
    EXPECT_EQ(moved["index"], 6);
    EXPECT_EQ(moved["kind"], "moved");
    EXPECT_EQ(moved["size"], 16777216);
    EXPECT_EQ(moved["prot"], "rw-");
    const json& frame = report["frames"].at(moved["location"].get<std::size_t>());
    EXPECT_EQ(frame["fn"], "arena_grow");
    EXPECT_EQ(frame["line"], 42);
    EXPECT_EQ(moved["stack"].size(), 4u);
    EXPECT_EQ(report["frames"].at(moved["stack"][0].get<std::size_t>()), frame);
    EXPECT_EQ(region["history"][1]["kind"], "protected");
    EXPECT_EQ(region["history_text"],
              analyse(every_record(), {}).memory_map.histories[3].text);
    EXPECT_FALSE(report["truncated"].contains("/memory_map/groups/0/regions/0/history"));
}

}  // namespace region_history_tests
}  // namespace memattr
