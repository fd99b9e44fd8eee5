// The memory map in the reports: the text section "Memory map at peak" (its whole text for
// data/memory_map.trace, wrap mode, pages=no, --native-rss, older traces), the custom and
// pool sites marked in the rankings, the JSON `memory_map` object and `kind` of sites, and
// the ownership graph's links from custom sites to their arena.

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dot_checker.h"
#include "report/json_reporter.h"
#include "report/ownership_reporter.h"
#include "report/text_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace memory_map_report_tests {

using test::text_report;

using nlohmann::json;
using test::data_records;
using test::find_record;
using test::replace_once;
using test::with_end_record;

// The memory map section, from its title to the next section's ("Threads").
std::string map_section(const std::string& report) {
    const std::size_t start = report.find("\nMemory map at ");
    const std::size_t end = report.find("\nThreads\n", start);
    if (start == std::string::npos || end == std::string::npos) return "";
    return report.substr(start + 1, end - start - 1);
}

json json_report(const Trace& trace, AnalysisOptions options = {}) {
    options.top = 0;  // every row
    std::ostringstream out;
    JsonReporter().write(analyse(trace, options), out);
    return json::parse(out.str());
}

std::string dot_report(const Trace& trace) {
    AnalysisOptions options;
    options.site_graph = true;
    options.top = kDefaultGraphSites;
    std::ostringstream out;
    OwnershipReporter().write(analyse(trace, options), out);
    return out.str();
}

// memory_map.trace with `from` replaced by `to` in its first record starting with `prefix`.
Trace edited(const std::string& prefix, const std::string& from, const std::string& to) {
    std::vector<std::string> lines = data_records("memory_map.trace");
    const std::size_t index = find_record(lines, prefix);
    lines[index] = replace_once(lines[index], from, to);
    return test::parse_text(with_end_record(lines));
}

// Columns of a line: UTF-8 continuation bytes take none.
std::size_t columns(const std::string& line) {
    std::size_t count = 0;
    for (const char c : line) count += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return count;
}

// ------------------------------------------------------------------ text

TEST(MemoryMapText, WholeSectionForTheSampleTrace) {
    EXPECT_EQ(map_section(text_report(test::memory_map_trace())),
              "Memory map at peak\n"
              "==================\n"
              "Moment          the footprint's peak, at 9.0 Minstr; the live heap peaked at 9.0 Minstr\n"
              "Footprint       18.77 MiB (19,677,184 bytes), memattr's estimate of resident anonymous memory\n"
              "Heap            requested 5.00 MiB (5,242,880 bytes) in 1,200 malloc blocks,\n"
              "                usable 5.09 MiB (5,337,088 bytes) as glibc would round them\n"
              "                (the blocks live in Valgrind's allocator, outside every region)\n"
              "Custom blocks   12.00 MiB (12,582,912 bytes) in 3,072 blocks, none inside malloc blocks\n"
              "\n"
              "Regions by mapping site          regions     mapped accessible    written       used never written\n"
              "arena at arena.c:42                    1     32 MiB     32 MiB   12.5 MiB     12 MiB      19.5 MiB\n"
              "    mremap growth 4→8→16→32 MiB\n"
              "    site 3 (custom, tokens.c:31): 8 MiB in 2,048 blocks\n"
              "    site 4 (pool, index.c:12): 4 MiB in 1,024 blocks\n"
              "anonymous mapping at cache.c:88        1     16 MiB      2 MiB      1 MiB          -        15 MiB\n"
              "thread stacks                          3  16.13 MiB  16.12 MiB    160 KiB          -     15.97 MiB\n"
              "start-up: /home/dev/tok/tokenizer\n"
              "                                       2     72 KiB     72 KiB      8 KiB          -        64 KiB\n"
              "start-up: /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
              "                                       1      8 KiB      8 KiB      4 KiB          -         4 KiB\n"
              "file mapping at loader.c:20            1      8 MiB      8 MiB        0 B          -         8 MiB\n"
              "    file /data/words.db\n"
              "\n"
              "Estimated resident (anonymous) memory at the peak, part by part:\n"
              "       5.09 MiB  heap (malloc blocks, usable bytes)\n"
              "  +  160.00 KiB  thread stacks\n"
              "  +   12.50 MiB  arena at arena.c:42\n"
              "  +    1.00 MiB  anonymous mapping at cache.c:88\n"
              "  +   12.00 KiB  start-up segments (data written)\n"
              "  +    8.00 KiB  written outside any region\n"
              "  =   18.77 MiB  estimated resident (anonymous) memory at the peak (19,677,184 bytes)\n"
              "This is the footprint the tool measured.\n"
              "\n"
              "Gap             13.77 MiB (14,434,304 bytes): the estimate less the heap requested (5 MiB)\n"
              "Why, largest first:\n"
              "  1. used by live blocks: 12 MiB in 3,072 custom and pool blocks in arena at arena.c:42 (sites 3, 4)\n"
              "  2. anonymous mapping at cache.c:88: 1 MiB written\n"
              "  3. arena at arena.c:42: 512 KiB written but holding no live block\n"
              "  4. thread stacks: 160 KiB written in 3 stacks\n"
              "  5. allocator slop: 92 KiB usable beyond the 5 MiB requested in 1,200 malloc blocks (glibc's chunk\n"
              "     rounding)\n"
              "  6. start-up segments (data written): 12 KiB\n"
              "  7. written outside any region: 8 KiB (such as the main stack grown past its start-up extent)\n"
              "Explained       13.77 MiB (14,434,304 bytes); unexplained 0 bytes\n"
              "\n"
              "Mapped but never written: not resident, but counted in the virtual size (VSZ).\n"
              "  1. arena at arena.c:42 (mremap growth 4→8→16→32 MiB) mapped 32 MiB, wrote 12.5 MiB, 19.5 MiB never\n"
              "     touched\n"
              "  2. thread stacks (3 regions) mapped 16.13 MiB (16.12 MiB accessible), wrote 160 KiB, 15.97 MiB\n"
              "     never touched\n"
              "  3. anonymous mapping at cache.c:88 mapped 16 MiB (2 MiB accessible), wrote 1 MiB, 15 MiB never\n"
              "     touched\n"
              "  4. file mapping at loader.c:20 mapped 8 MiB, wrote 0 B, 8 MiB never touched\n"
              "  5. start-up: /home/dev/tok/tokenizer (2 regions) mapped 72 KiB, wrote 8 KiB, 64 KiB never touched\n"
              "  6. start-up: /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 mapped 8 KiB, wrote 4 KiB, 4 KiB never\n"
              "     touched\n"
              "\n"
              "Custom and pool sites (VALGRIND_MALLOCLIKE_BLOCK and mempools) and their arenas:\n"
              "  site 3 (custom, tokens.c:31): 8 MiB in 2,048 blocks in arena at arena.c:42\n"
              "  site 4 (pool, index.c:12): 4 MiB in 1,024 blocks in arena at arena.c:42\n"
              "\n"
              "Map events      14 mmap, 3 munmap, 3 mremap (1 moved), 2 madvise frees, 1 mprotect, 6,146 custom\n"
              "                allocator requests\n");
}

TEST(MemoryMapText, SectionComesAfterTheHeapSectionsAndBeforeThreads) {
    const std::string report = text_report(test::memory_map_trace());
    const std::size_t map = report.find("\nMemory map at peak\n");
    ASSERT_NE(map, std::string::npos);
    EXPECT_GT(map, report.find("\nLeaks at exit\n"));
    EXPECT_GT(map, report.find("\nCopies and access\n"));
    EXPECT_LT(map, report.find("\nThreads\n"));
}

TEST(MemoryMapText, LinesFitInOneHundredColumns) {
    for (const Trace& trace : {test::memory_map_trace(), test::memory_map_wrap_trace()}) {
        std::istringstream lines(map_section(text_report(trace)));
        for (std::string line; std::getline(lines, line);) EXPECT_LE(columns(line), 100u) << line;
    }
}

TEST(MemoryMapText, RankingsMarkCustomAndPoolSitesWithTheirArena) {
    const std::string report = text_report(test::memory_map_trace());
    EXPECT_CONTAINS(report, "     site 3: tokens.c:31 (custom blocks in arena at arena.c:42)\n");
    EXPECT_CONTAINS(report, "     site 4: index.c:12 (pool chunks in arena at arena.c:42)\n");
    EXPECT_CONTAINS(report, "     site 1: corpus.c:15\n");
}

TEST(MemoryMapText, WrapModeSaysTheHeapIsInsideTheRegions) {
    const std::string section = map_section(text_report(test::memory_map_wrap_trace()));
    EXPECT_CONTAINS(section, "Heap            inside the regions below (glibc's malloc): requested "
                             "7.88 MiB (8,261,632 bytes) in\n"
                             "                1,501 blocks, usable 7.90 MiB (8,282,112 bytes)\n");
    EXPECT_CONTAINS(section, "malloc's brk heap                      1      6 MiB      6 MiB    "
                             "5.5 MiB      5 MiB       512 KiB\n"
                             "    brk growth, 37 steps, to 6 MiB\n"
                             "    first grown from server.c:20\n"
                             "    5 MiB in 1,200 malloc blocks\n");
    EXPECT_EQ(section.find("heap (malloc blocks, usable bytes)"), std::string::npos);
    EXPECT_CONTAINS(section, "\n      84.00 KiB  thread stacks\n  +    5.50 MiB  malloc's brk heap\n");
    EXPECT_CONTAINS(section, "  1. malloc's brk heap: 512 KiB written but holding no live block "
                             "(free chunks and chunk overhead)\n");
}

TEST(MemoryMapText, WithoutPagesWrittenFiguresAreNotClaimed) {
    const std::string section =
        map_section(text_report(test::parse_text(test::memory_map_without_pages_text())));
    EXPECT_CONTAINS(section, "Note            written pages were not measured (the trace was "
                             "recorded with --track-pages=no; run\n"
                             "                with --track-pages=yes)");
    EXPECT_CONTAINS(section, "arena at arena.c:42                    1     32 MiB     32 MiB"
                             "          -     12 MiB             -\n");
    EXPECT_CONTAINS(section, "Upper bound of resident (anonymous) memory at the peak: the bytes "
                             "accessible, part by part:\n"
                             "       5.09 MiB  heap (malloc blocks, usable bytes)\n"
                             "  +   16.12 MiB  thread stacks\n"
                             "  +   32.00 MiB  arena at arena.c:42\n"
                             "  +    2.00 MiB  anonymous mapping at cache.c:88\n"
                             "  +   16.00 KiB  start-up segments\n"
                             "  =   55.23 MiB  memory that may be resident at the peak, an upper "
                             "bound (57,909,248 bytes)\n"
                             "This is the footprint the tool measured.\n");
    EXPECT_EQ(section.find("Estimated resident"), std::string::npos);
    EXPECT_EQ(section.find("Gap"), std::string::npos);
    EXPECT_EQ(section.find("never touched"), std::string::npos);
}

TEST(MemoryMapText, NativeRssBesideTheEstimate) {
    AnalysisOptions options;
    options.native_rss = 20 * 1048576;
    const std::string section = map_section(text_report(test::memory_map_trace(), options));
    EXPECT_CONTAINS(section, "\nNative run      peak RSS 20.00 MiB (20,971,520 bytes), 1.23 MiB "
                             "more than the estimate\n"
                             "                Valgrind cannot see all of it: its allocator replaces "
                             "glibc's, so the heap is\n"
                             "                counted by glibc's chunk rule but glibc's free "
                             "chunks, arenas and fragmentation are\n");
    EXPECT_CONTAINS(section, "file-backed pages other than the\n                code that ran "
                             "(read-only data and the loader's tables of each library, files "
                             "mapped\n                for reading: the kernel's page table "
                             "could not be read) are not in the estimate.\n");
    options.native_rss = 18 * 1048576;
    EXPECT_CONTAINS(map_section(text_report(test::memory_map_trace(), options)),
                    "peak RSS 18.00 MiB (18,874,368 bytes), 784.00 KiB less than the estimate");
}

TEST(MemoryMapText, DiscrepancyWithTheFootprintIsReported) {
    const std::string section = map_section(text_report(
        edited("memory-map\tname=peak", "footprint=19677184", "footprint=19681280")));
    EXPECT_CONTAINS(section, "The tool measured a footprint of 19,681,280 bytes, 4.00 KiB more than "
                             "the sum of the parts: the\ntrace is inconsistent.\n");
}

TEST(MemoryMapText, ExitMapOnRequest) {
    AnalysisOptions options;
    options.memory_map = "exit";
    const std::string section = map_section(text_report(test::memory_map_trace(), options));
    EXPECT_TRUE(section.starts_with("Memory map at exit\n==================\n"
                                    "Moment          exit, at 12.0 Minstr;"));
    EXPECT_CONTAINS(section, "estimated resident (anonymous) memory at exit (2,266,624 bytes)\n");
}

TEST(MemoryMapText, OlderTracesSayWhyThereIsNone) {
    EXPECT_EQ(map_section(text_report(test::ownership_trace())),
              "Memory map at peak\n==================\n"
              "No memory map: the trace is version 3, written by a memattr that recorded none.\n");
}

// ------------------------------------------------------------------ JSON

TEST(MemoryMapJson, TopLevelFieldsInDocumentedOrder) {
    const auto document = nlohmann::ordered_json::parse(
        [] {
            std::ostringstream out;
            JsonReporter().write(test::memory_map_report(), out);
            return out.str();
        }());
    std::vector<std::string> keys;
    for (const auto& item : document["memory_map"].items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{
                        "name", "choice", "available", "t", "pages", "footprint", "heap", "custom",
                        "written_outside", "groups", "total", "estimate", "gap", "explained",
                        "unexplained", "explanations", "never_written", "arena_links",
                        "native_rss", "map_events"}));
}

TEST(MemoryMapJson, MomentHeapAndTotal) {
    const json map = json_report(test::memory_map_trace())["memory_map"];
    EXPECT_EQ(map["name"], "peak");
    EXPECT_EQ(map["choice"], "peak");
    EXPECT_EQ(map["available"], json({"peak", "exit"}));
    EXPECT_EQ(map["t"], 9000000);
    EXPECT_EQ(map["pages"], true);
    EXPECT_EQ(map["footprint"], 19677184);
    EXPECT_EQ(map["heap"], json({{"bytes", 5242880}, {"blocks", 1200}, {"usable", 5337088},
                                 {"headers", 0}, {"inside_regions", false}}));
    EXPECT_EQ(map["custom"], json({{"bytes", 12582912}, {"blocks", 3072}, {"in_heap", 0}}));
    EXPECT_EQ(map["written_outside"], 8192);
    EXPECT_EQ(map["total"]["estimate"], 19677184);
    EXPECT_EQ(map["total"]["footprint"], 19677184);
    EXPECT_EQ(map["total"]["discrepancy"], 0);
    EXPECT_EQ(map["total"]["parts"][0],
              json({{"kind", "heap"}, {"name", "heap (malloc blocks, usable bytes)"},
                    {"group", nullptr}, {"bytes", 5337088}}));
    EXPECT_EQ(map["total"]["parts"][2]["group"], 0);
    EXPECT_EQ(map["estimate"], 19677184);
    EXPECT_EQ(map["gap"], 14434304);
    EXPECT_EQ(map["explained"], 14434304);
    EXPECT_EQ(map["unexplained"], 0);
    EXPECT_EQ(map["native_rss"], nullptr);
    EXPECT_EQ(map["map_events"]["mremap_moved"], 1);
}

// The frame table of the memory map trace's report.
json frames_of_map_report() { return json_report(test::memory_map_trace())["frames"]; }

TEST(MemoryMapJson, GroupsWithTheirRegions) {
    const json group = json_report(test::memory_map_trace())["memory_map"]["groups"][0];
    EXPECT_EQ(group["name"], "arena at arena.c:42");
    EXPECT_EQ(group["kind"], "mapping_site");
    EXPECT_EQ(group["region_kind"], "anon");
    const json location = frames_of_map_report().at(group["location"].get<std::size_t>());
    EXPECT_EQ(location["fn"], "arena_grow");
    EXPECT_EQ(location["line"], 42);
    EXPECT_EQ(group["stack"].size(), 4u);
    EXPECT_EQ(group["made_by_allocator"], false);
    EXPECT_EQ(group["mapped"], 33554432);
    EXPECT_EQ(group["written"], 13107200);
    EXPECT_EQ(group["used"], 12582912);
    EXPECT_EQ(group["never_written"], 20447232);
    EXPECT_EQ(group["written_unused"], 524288);
    EXPECT_EQ(group["growth"], "mremap growth 4→8→16→32 MiB");
    ASSERT_EQ(group["regions"].size(), 1u);
    const json& region = group["regions"][0];
    EXPECT_EQ(region["id"], 4);
    EXPECT_EQ(region["kind"], "anon");
    EXPECT_EQ(region["start"], "0x7f1236000000");  // a string: doubles lose 64-bit addresses
    EXPECT_EQ(region["size"], 33554432);
    EXPECT_EQ(region["accessible"], 33554432);
    EXPECT_EQ(region["written"], 13107200);
    EXPECT_EQ(region["used"], 12582912);
    EXPECT_EQ(region["used_blocks"], 3072);
    EXPECT_EQ(region["prot"], "rw-");
    EXPECT_EQ(region["file"], "");
    EXPECT_EQ(region["thread"], 0);
    EXPECT_EQ(region["growth"], json({4194304, 8388608, 16777216, 33554432}));
    EXPECT_EQ(region["growths"], 3);
    EXPECT_EQ(region["uses"], json({{{"site", 3}, {"bytes", 8388608}, {"blocks", 2048}},
                                    {{"site", 4}, {"bytes", 4194304}, {"blocks", 1024}}}));
}

TEST(MemoryMapJson, RankingsAndArenaLinks) {
    const json map = json_report(test::memory_map_trace())["memory_map"];
    ASSERT_EQ(map["explanations"].size(), 7u);
    EXPECT_EQ(map["explanations"][0],
              json({{"kind", "used_by_blocks"}, {"group", 0}, {"bytes", 12582912},
                    {"text", "used by live blocks: 12 MiB in 3,072 custom and pool blocks in "
                             "arena at arena.c:42 (sites 3, 4)"}}));
    EXPECT_EQ(map["explanations"][4]["kind"], "allocator_slop");
    EXPECT_EQ(map["explanations"][4]["group"], nullptr);
    EXPECT_EQ(map["never_written"][0]["text"],
              "arena at arena.c:42 (mremap growth 4→8→16→32 MiB) mapped 32 MiB, wrote 12.5 MiB, "
              "19.5 MiB never touched");
    EXPECT_EQ(map["arena_links"],
              json({{{"group", 0}, {"site", 3}, {"bytes", 8388608}, {"blocks", 2048}},
                    {{"group", 0}, {"site", 4}, {"bytes", 4194304}, {"blocks", 1024}}}));
}

TEST(MemoryMapJson, SitesHaveAKindAndOptionsTheirValues) {
    AnalysisOptions options;
    options.native_rss = 20971520;
    const json report = json_report(test::memory_map_trace(), options);
    std::map<int, std::string> kinds;
    for (const json& site : report["sites"]) kinds[site["id"].get<int>()] = site["kind"];
    EXPECT_EQ(kinds, (std::map<int, std::string>{{1, "malloc"}, {2, "malloc"}, {3, "custom"},
                                                 {4, "pool"}}));
    EXPECT_EQ(report["trace"]["pages"], true);
    EXPECT_EQ(report["trace"]["format_version"], 4);
    EXPECT_EQ(report["options"]["native_rss"], 20971520);
    EXPECT_EQ(report["options"]["memory_map"], nullptr);
    EXPECT_EQ(report["memory_map"]["native_rss"],
              json({{"bytes", 20971520}, {"difference", 20971520 - 19677184}}));
}

TEST(MemoryMapJson, WrapModeHeapIsInsideTheRegions) {
    const json map = json_report(test::memory_map_wrap_trace())["memory_map"];
    EXPECT_EQ(map["heap"]["inside_regions"], true);
    EXPECT_EQ(map["groups"][0]["kind"], "brk_heap");
    EXPECT_EQ(map["groups"][0]["made_by_allocator"], true);
    for (const json& part : map["total"]["parts"]) EXPECT_NE(part["kind"], "heap");
}

TEST(MemoryMapJson, NullWithoutAMemoryMap) {
    const json report = json_report(test::ownership_trace());
    EXPECT_EQ(report["memory_map"], nullptr);
    EXPECT_EQ(report["trace"]["pages"], false);
    EXPECT_EQ(report["sites"][0]["kind"], "malloc");
}

// ------------------------------------------------------------------ the ownership graph

TEST(MemoryMapGraph, CustomSitesLinkToTheirArena) {
    const std::string dot = dot_report(test::memory_map_trace());
    const test::DotGraph graph = test::parse_dot(dot);
    ASSERT_TRUE(graph.nodes.contains("arena0"));
    const test::DotAttributes& arena = graph.nodes.at("arena0");
    EXPECT_EQ(arena.at("shape"), "cylinder");
    EXPECT_EQ(test::dot_lines(arena.at("label")),
              (std::vector<std::string>{"arena at arena.c:42", "mapped 32.00 MiB, written 12.50 MiB",
                                        "used 12.00 MiB in 3,072 blocks"}));
    EXPECT_EQ(test::dot_lines(arena.at("tooltip"))[1], "at arena_grow (arena.c:42)");
    std::vector<std::string> inside;
    for (const test::DotEdge& edge : graph.edges)
        if (edge.to == "arena0") {
            inside.push_back(edge.from);
            EXPECT_EQ(edge.attributes.at("style"), "dashed");
            EXPECT_EQ(test::dot_lines(edge.attributes.at("label"))[0], "inside");
        }
    EXPECT_EQ(inside, (std::vector<std::string>{"site3", "site4"}));
    EXPECT_CONTAINS(graph.graph.at("label"), "dashed 'inside': custom or pool site -> the arena");
}

TEST(MemoryMapGraph, NoArenaWithoutCustomSites) {
    const test::DotGraph graph = test::parse_dot(dot_report(test::ownership_trace()));
    for (const auto& [name, attributes] : graph.nodes) EXPECT_FALSE(name.starts_with("arena"));
}

}  // namespace memory_map_report_tests
}  // namespace memattr
