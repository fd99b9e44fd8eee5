// The memory map analysis (memory_map.h) on data/memory_map.trace (replace mode) and
// data/memory_map_wrap.trace (wrap mode): regions grouped by mapping site, the reconciling
// total that must equal the tool's footprint, the gap explained and ranked, what was mapped
// but never written, and the links from custom and pool sites to their arenas.

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/memory_map.h"
#include "trace_fixtures.h"

namespace memattr {
namespace memory_map_tests {

using test::data_records;
using test::find_record;
using test::replace_once;
using test::with_end_record;

MemoryMapReport memory_map(const Trace& trace, const AnalysisOptions& options = {}) {
    return analyse(trace, options).memory_map;
}

MemoryMapReport peak_map() { return test::memory_map_report().memory_map; }

MemoryMapReport wrap_map() { return memory_map(test::memory_map_wrap_trace()); }

// memory_map.trace with `from` replaced by `to` in its first record starting with `prefix`.
Trace edited(const std::string& file, const std::string& prefix, const std::string& from,
             const std::string& to) {
    std::vector<std::string> lines = data_records(file);
    const std::size_t index = find_record(lines, prefix);
    lines[index] = replace_once(lines[index], from, to);
    return test::parse_text(with_end_record(lines));
}

const MappingGroup& group_named(const MemoryMapReport& report, const std::string& name) {
    for (const MappingGroup& group : report.groups)
        if (group.name == name) return group;
    ADD_FAILURE() << "no group named " << name;
    return report.groups.front();
}

std::vector<std::string> group_names(const MemoryMapReport& report) {
    std::vector<std::string> names;
    for (const MappingGroup& group : report.groups) names.push_back(group.name);
    return names;
}

// ------------------------------------------------------------------ choosing the map

TEST(MemoryMap, DescribesThePeakMapByDefault) {
    const MemoryMapReport report = peak_map();
    ASSERT_FALSE(report.missing);
    EXPECT_EQ(report.choice, MapChoice::peak);
    EXPECT_EQ(report.map.name, "peak");
    EXPECT_EQ(report.available, (std::vector<std::string>{"peak", "exit"}));
    EXPECT_FALSE(report.wrap);
    EXPECT_TRUE(report.pages);
    ASSERT_TRUE(report.events);
    EXPECT_EQ(report.events->mmap, 14u);
}

TEST(MemoryMap, FallsBackToTheExitMapWithoutAPeakOne) {
    // Drop the peak map's own records; the exit map refers to a stack defined among them,
    // which stays.
    std::vector<std::string> lines;
    bool in_peak = false;
    for (const std::string& line : data_records("memory_map.trace")) {
        if (line.starts_with("memory-map\t")) in_peak = line.starts_with("memory-map\tname=peak");
        const bool own = line.starts_with("memory-map") || line.starts_with("region");
        if (!(in_peak && own)) lines.push_back(line);
    }
    const MemoryMapReport report = memory_map(test::parse_text(with_end_record(lines)));
    EXPECT_EQ(report.choice, MapChoice::exit);
    EXPECT_EQ(report.map.name, "exit");
}

TEST(MemoryMap, MemoryMapOptionChoosesOne) {
    AnalysisOptions options;
    options.memory_map = "exit";
    const MemoryMapReport report = test::memory_map_report(options).memory_map;
    EXPECT_EQ(report.choice, MapChoice::requested);
    EXPECT_EQ(report.map.name, "exit");
    EXPECT_EQ(report.estimate, 2266624u);
    EXPECT_EQ(report.discrepancy, 0);
}

TEST(MemoryMap, MemoryMapOptionNamingNothingIsAnError) {
    AnalysisOptions options;
    options.memory_map = "exit";
    try {
        memory_map(test::memory_map_wrap_trace(), options);
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(),
                     "--memory-map exit: the trace has no memory map of that name; it has: peak");
    }
    EXPECT_THROW(memory_map(test::ownership_trace(), options), std::invalid_argument);
}

TEST(MemoryMap, OlderTracesHaveNone) {
    const MemoryMapReport report = memory_map(test::ownership_trace());
    ASSERT_TRUE(report.missing);
    EXPECT_EQ(*report.missing, NoMemoryMapReason::old_trace);
    EXPECT_TRUE(report.groups.empty());
    std::vector<std::string> lines = data_records("memory_map.trace");
    lines.resize(find_record(lines, "map-events\t") + 1);  // map events, but no memory map
    EXPECT_EQ(*memory_map(test::parse_text(with_end_record(lines))).missing,
              NoMemoryMapReason::none_recorded);
}

// ------------------------------------------------------------------ groups

TEST(MemoryMap, GroupsRegionsByMappingSiteLargestWrittenFirst) {
    EXPECT_EQ(group_names(peak_map()),
              (std::vector<std::string>{"arena at arena.c:42", "anonymous mapping at cache.c:88",
                                        "thread stacks", "start-up: /home/dev/tok/tokenizer",
                                        "start-up: /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                                        "file mapping at loader.c:20"}));
}

// The mmap call is in libc; the site is the arena code that called it, as for an allocation.
TEST(MemoryMap, MappingSiteIsTheCreatingStackFoldedLikeAnAllocationStack) {
    const MemoryMapReport report = peak_map();
    const MappingGroup& arena = report.groups[0];
    EXPECT_EQ(arena.kind, MappingGroupKind::mapping_site);
    ASSERT_TRUE(arena.location);
    EXPECT_EQ(arena.location->function, "arena_grow");
    ASSERT_EQ(arena.stack.size(), 4u);  // mmap folded away
    EXPECT_EQ(arena.stack[1].function, "arena_alloc");
    EXPECT_FALSE(arena.made_by_allocator);
}

// In a static program mmap is the executable's own code, which the rules take for the
// program's: the wrapper (and __mmap64 inlined into it) folds away all the same.
TEST(MemoryMap, SystemCallWrapperFoldsAwayInAStaticProgram) {
    std::vector<std::string> lines = data_records("memory_map.trace");
    const std::string app = "obj=/home/dev/tok/tokenizer";
    const std::size_t stack = find_record(lines, "stack\tid=6\t");
    lines[stack] = replace_once(lines[stack], "frames=9,", "frames=13,14,");
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(stack),
                 {"frame\tid=13\tip=0x2000\tinlined=1\tfn=__mmap64\tfile=mmap64.c\tdir=/build\t"
                  "line=58\t" + app,
                  "frame\tid=14\tip=0x2000\tinlined=0\tfn=mmap\tfile=mmap64.c\tdir=/build\t"
                  "line=46\t" + app});
    const MemoryMapReport report = memory_map(test::parse_text(with_end_record(lines)));
    EXPECT_EQ(report.groups[0].name, "arena at arena.c:42");
}

TEST(MemoryMap, GroupFigures) {
    const MemoryMapReport report = peak_map();
    const MappingGroup& arena = report.groups[0];
    EXPECT_EQ(arena.regions, (std::vector<std::size_t>{3}));
    EXPECT_EQ(arena.mapped, 33554432u);
    EXPECT_EQ(arena.accessible, 33554432u);
    EXPECT_EQ(arena.written, 13107200u);
    EXPECT_EQ(arena.used, 12582912u);
    EXPECT_EQ(arena.used_blocks, 3072u);
    EXPECT_EQ(arena.custom_bytes, 12582912u);
    EXPECT_EQ(arena.never_written, 33554432u - 13107200u);  // 19.5 MiB
    EXPECT_EQ(arena.in_use, 12582912u);
    EXPECT_EQ(arena.written_unused, 524288u);
    EXPECT_EQ(arena.growth, "mremap growth 4→8→16→32 MiB");

    const MappingGroup& stacks = group_named(report, "thread stacks");
    EXPECT_EQ(stacks.kind, MappingGroupKind::thread_stacks);
    EXPECT_EQ(stacks.regions.size(), 3u);  // threads 3, 2 and the main thread's
    EXPECT_EQ(stacks.written, 12288u + 16384u + 135168u);
    EXPECT_FALSE(stacks.location);

    const MappingGroup& executable = group_named(report, "start-up: /home/dev/tok/tokenizer");
    EXPECT_EQ(executable.kind, MappingGroupKind::startup);
    EXPECT_EQ(executable.regions, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(executable.written, 8192u);

    const MappingGroup& cache = group_named(report, "anonymous mapping at cache.c:88");
    EXPECT_EQ(cache.accessible, 2097152u);  // a reservation, mostly PROT_NONE
    EXPECT_EQ(cache.written_unused, cache.written);
}

TEST(MemoryMap, DescribesGrowth) {
    Region region;
    region.kind = RegionKind::anon;
    region.growth = {4194304, 8388608, 16777216, 33554432};  // made at 4 MiB, grown 3 times
    region.growths = 3;
    EXPECT_EQ(describe_region_growth(region), "mremap growth 4→8→16→32 MiB");
    region.growth = {524288, 1048576, 1572864};  // sizes that do not share a unit
    region.growths = 2;
    EXPECT_EQ(describe_region_growth(region), "mremap growth 512 KiB→1 MiB→1.5 MiB");
    region.growths = 20;  // more than the list holds
    EXPECT_EQ(describe_region_growth(region), "mremap growth, 20 steps, to 1.5 MiB");
    region.kind = RegionKind::brk;
    EXPECT_EQ(describe_region_growth(region), "brk growth, 20 steps, to 1.5 MiB");
    region.growths = 0;
    region.growth.clear();
    EXPECT_EQ(describe_region_growth(region), "");
}

// ------------------------------------------------------------------ the total

TEST(MemoryMap, ReconcilingTotalEqualsTheFootprint) {
    const MemoryMapReport report = peak_map();
    std::vector<std::pair<std::string, std::uint64_t>> parts;
    for (const TotalPart& part : report.parts) parts.emplace_back(part.name, part.bytes);
    EXPECT_EQ(parts, (std::vector<std::pair<std::string, std::uint64_t>>{
                         {"heap (malloc blocks, usable bytes)", 5337088},
                         {"thread stacks", 163840},
                         {"arena at arena.c:42", 13107200},
                         {"anonymous mapping at cache.c:88", 1048576},
                         {"start-up segments (data written)", 12288},
                         {"written outside any region", 8192}}));
    EXPECT_EQ(report.estimate, 19677184u);
    EXPECT_EQ(report.estimate, report.map.footprint);
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_EQ(report.gap, 19677184 - 5242880);
}

TEST(MemoryMap, FootprintThatDoesNotAddUpIsADiscrepancy) {
    const MemoryMapReport report = memory_map(
        edited("memory_map.trace", "memory-map\tname=peak", "footprint=19677184", "footprint=19681280"));
    EXPECT_EQ(report.estimate, 19677184u);
    EXPECT_EQ(report.discrepancy, 4096);
}

// Without page tracking the tool's footprint is an upper bound, which the parts add up to,
// with nothing to explain: the accessible bytes of regions that are not file mappings (the
// reservation at cache.c:88 by its 2 MiB made accessible, not its 16 MiB; stacks without
// their guard pages) and of private writable file mappings (the .data of tokenizer and
// ld.so, 8 KiB each), not the read-only mapping of words.db.
TEST(MemoryMap, WithoutPagesTheTotalIsTheAccessibleUpperBound) {
    const MemoryMapReport report = memory_map(test::parse_text(test::memory_map_without_pages_text()));
    EXPECT_FALSE(report.pages);
    std::vector<std::pair<std::string, std::uint64_t>> parts;
    for (const TotalPart& part : report.parts) parts.emplace_back(part.name, part.bytes);
    EXPECT_EQ(parts, (std::vector<std::pair<std::string, std::uint64_t>>{
                         {"heap (malloc blocks, usable bytes)", 5337088},
                         {"thread stacks", 2 * 8384512 + 135168},
                         {"arena at arena.c:42", 33554432},
                         {"anonymous mapping at cache.c:88", 2097152},
                         {"start-up segments", 2 * 8192}}));
    EXPECT_EQ(report.estimate, 57909248u);
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_TRUE(report.explanations.empty());
    EXPECT_TRUE(report.never_written.empty());
    EXPECT_EQ(report.unexplained, 0);
}

// ------------------------------------------------------------------ the gap

TEST(MemoryMap, RanksGapExplanationsLargestFirst) {
    const MemoryMapReport report = peak_map();
    std::vector<std::string> texts;
    for (const GapExplanation& explanation : report.explanations) texts.push_back(explanation.text);
    EXPECT_EQ(texts, (std::vector<std::string>{
                         "used by live blocks: 12 MiB in 3,072 custom and pool blocks in arena at "
                         "arena.c:42 (sites 3, 4)",
                         "anonymous mapping at cache.c:88: 1 MiB written",
                         "arena at arena.c:42: 512 KiB written but holding no live block",
                         "thread stacks: 160 KiB written in 3 stacks",
                         "allocator slop: 92 KiB usable beyond the 5 MiB requested in 1,200 malloc "
                         "blocks (glibc's chunk rounding)",
                         "start-up segments (data written): 12 KiB",
                         "written outside any region: 8 KiB (such as the main stack grown past its "
                         "start-up extent)"}));
    EXPECT_EQ(report.explanations[0].kind, ExplanationKind::used_by_blocks);
    EXPECT_EQ(report.explanations[0].bytes, 12582912u);
    EXPECT_EQ(report.explanations[0].group, std::optional<std::size_t>(0));
    EXPECT_EQ(report.explanations[4].kind, ExplanationKind::allocator_slop);
    EXPECT_EQ(report.explanations[4].bytes, 5337088u - 5242880u);
    EXPECT_TRUE(std::is_sorted(report.explanations.begin(), report.explanations.end(),
                               [](const GapExplanation& a, const GapExplanation& b) {
                                   return a.bytes > b.bytes;
                               }));
}

TEST(MemoryMap, ExplanationsAddUpToTheGap) {
    const MemoryMapReport report = peak_map();
    const std::uint64_t sum = std::accumulate(
        report.explanations.begin(), report.explanations.end(), std::uint64_t{0},
        [](std::uint64_t total, const GapExplanation& row) { return total + row.bytes; });
    EXPECT_EQ(sum, report.explained);
    EXPECT_EQ(static_cast<std::int64_t>(report.explained), report.gap);
    EXPECT_EQ(report.unexplained, 0);
}

TEST(MemoryMap, NeverWrittenRanking) {
    const MemoryMapReport report = peak_map();
    ASSERT_EQ(report.never_written.size(), 6u);
    EXPECT_EQ(report.never_written[0].text,
              "arena at arena.c:42 (mremap growth 4→8→16→32 MiB) mapped 32 MiB, wrote 12.5 MiB, "
              "19.5 MiB never touched");
    EXPECT_EQ(report.never_written[0].bytes, 20447232u);
    EXPECT_EQ(report.never_written[1].text,
              "thread stacks (3 regions) mapped 16.13 MiB (16.12 MiB accessible), wrote 160 KiB, "
              "15.97 MiB never touched");
    EXPECT_EQ(report.never_written[2].text,
              "anonymous mapping at cache.c:88 mapped 16 MiB (2 MiB accessible), wrote 1 MiB, "
              "15 MiB never touched");
    EXPECT_EQ(report.never_written[3].text,
              "file mapping at loader.c:20 mapped 8 MiB, wrote 0 B, 8 MiB never touched");
    EXPECT_EQ(report.groups[report.never_written[3].group].name, "file mapping at loader.c:20");
}

TEST(MemoryMap, LinksCustomAndPoolSitesToTheirArena) {
    const ReportModel model = test::memory_map_report();
    const std::vector<ArenaLink>& links = model.memory_map.arena_links;
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(model.sites[links[0].site].figures.id, 3u);
    EXPECT_EQ(links[0].group, 0u);
    EXPECT_EQ(links[0].bytes, 8388608u);
    EXPECT_EQ(links[0].blocks, 2048u);
    EXPECT_EQ(model.sites[links[1].site].figures.id, 4u);
    const ArenaLink* arena = arena_of_site(model.memory_map, links[1].site);
    ASSERT_NE(arena, nullptr);
    EXPECT_EQ(arena->bytes, 4194304u);
    for (std::size_t row = 0; row < model.sites.size(); ++row) {
        if (model.sites[row].figures.kind == SiteKind::malloc) {
            EXPECT_EQ(arena_of_site(model.memory_map, row), nullptr);
        }
    }
    // Region uses name report rows, as every section does.
    EXPECT_EQ(model.sites[model.memory_map.map.regions[3].uses[0].site].figures.id, 3u);
}

TEST(MemoryMap, CustomSitesFoldPastTheCustomAllocator) {
    const ReportModel model = test::memory_map_report();
    for (const SiteRow& site : model.sites) {
        if (site.figures.id == 3) {
            EXPECT_EQ(site.location->function, "parse_tokens");
        }
        if (site.figures.id == 4) {
            EXPECT_EQ(site.location->function, "load_index");
        }
    }
}

// memory_map.trace whose peak map says the tokenizer ran code on 2 pages, in one 64 KiB
// window (its whole r-x region), and memattr's preload object on 1 page, in 8 KiB (the
// mapping of words.db renamed): Valgrind's code, which a native run does not have.
Trace with_code_executed() {
    std::vector<std::string> lines = data_records("memory_map.trace");
    const std::size_t code = find_record(lines, "region\tid=1\tkind=file");
    lines[code] += "\texecuted=8192\texecuted-around=65536";
    const std::size_t preload = find_record(lines, "region\tid=7\tkind=file");
    lines[preload] = replace_once(lines[preload], "file=/data/words.db",
                                  "file=/usr/libexec/valgrind/vgpreload_memattr-amd64-linux.so");
    lines[preload] += "\texecuted=4096\texecuted-around=8192";
    return test::parse_text(with_end_record(lines));
}

TEST(MemoryMap, CodeThatRanIsAPartOfTheEstimateNotOfTheFootprint) {
    const MemoryMapReport report = memory_map(with_code_executed());
    ASSERT_FALSE(report.parts.empty());
    const TotalPart& last = report.parts.back();
    EXPECT_EQ(last.kind, TotalPartKind::code);
    EXPECT_EQ(last.name, "code executed in /home/dev/tok/tokenizer");
    EXPECT_EQ(last.bytes, 65536u);
    EXPECT_EQ(std::count_if(report.parts.begin(), report.parts.end(),
                            [](const TotalPart& part) { return part.kind == TotalPartKind::code; }),
              1);  // not the preload object's
    EXPECT_EQ(report.code, 65536u);
    EXPECT_EQ(report.estimate, 19677184u + 65536u);
    EXPECT_EQ(report.estimate - report.code, report.map.footprint);
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_EQ(report.gap, 19677184 + 65536 - 5242880);
    EXPECT_EQ(static_cast<std::int64_t>(report.explained), report.gap);
    EXPECT_EQ(report.unexplained, 0);
    const auto code = std::find_if(report.explanations.begin(), report.explanations.end(),
                                   [](const GapExplanation& row) {
                                       return row.kind == ExplanationKind::code;
                                   });
    ASSERT_NE(code, report.explanations.end());
    EXPECT_EQ(code->bytes, 65536u);
    EXPECT_EQ(code->text,
              "code executed in /home/dev/tok/tokenizer: 64 KiB of file pages around the code "
              "that ran");
}

TEST(MemoryMap, CodeIsNoPartOfTheUpperBoundWithoutPages) {
    // The first tokenizer region is the peak map's r-x one.
    const MemoryMapReport report = memory_map(test::parse_text(replace_once(
        test::memory_map_without_pages_text(), "file=/home/dev/tok/tokenizer\tgrowth=\tgrowths=0\n",
        "file=/home/dev/tok/tokenizer\tgrowth=\tgrowths=0\texecuted=8192\texecuted-around=65536\n")));
    EXPECT_EQ(report.code, 0u);
    EXPECT_EQ(report.estimate, 57909248u);
}

TEST(MemoryMap, ExecutedBeyondItsWindowsIsRefused) {
    std::vector<std::string> lines = data_records("memory_map.trace");
    const std::size_t code = find_record(lines, "region\tid=1\tkind=file");
    lines[code] += "\texecuted=8192\texecuted-around=4096";
    EXPECT_ANY_THROW(test::parse_text(with_end_record(lines)));
    lines[code] = replace_once(lines[code], "executed-around=4096", "executed-around=69632");
    EXPECT_ANY_THROW(test::parse_text(with_end_record(lines)));  // more than the region
}

// memory_map.trace whose peak map says (read-seen=1, or `seen` otherwise) that 1 MiB of
// words.db, mapped read-only, and 12 KiB of the tokenizer's r-x region around its code were
// read.
Trace with_pages_read(const char* seen = "1") {
    std::vector<std::string> lines = data_records("memory_map.trace");
    const std::size_t map = find_record(lines, "memory-map\tname=peak");
    lines[map] =
        replace_once(lines[map], "\tregions=", std::string("\tread-seen=") + seen + "\tregions=");
    lines[find_record(lines, "region\tid=1\tkind=file")] +=
        "\texecuted=8192\texecuted-around=49152\tread=12288";
    lines[find_record(lines, "region\tid=7\tkind=file")] +=
        "\texecuted=0\texecuted-around=0\tread=1048576";
    return test::parse_text(with_end_record(lines));
}

TEST(MemoryMap, FilePagesReadArePartsOfTheEstimateNotOfTheFootprint) {
    const MemoryMapReport report = memory_map(with_pages_read());
    std::vector<std::pair<std::string, std::uint64_t>> read;
    for (const TotalPart& part : report.parts)
        if (part.kind == TotalPartKind::read) read.emplace_back(part.name, part.bytes);
    EXPECT_EQ(read, (std::vector<std::pair<std::string, std::uint64_t>>{
                        {"file pages read in /data/words.db", 1048576},
                        {"file pages read in /home/dev/tok/tokenizer", 12288}}));
    EXPECT_EQ(report.read, 1048576u + 12288u);
    EXPECT_EQ(report.code, 49152u);
    EXPECT_EQ(report.estimate, 19677184u + 49152u + 1048576u + 12288u);
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_EQ(report.unexplained, 0);
    const auto read_row = std::find_if(report.explanations.begin(), report.explanations.end(),
                                       [](const GapExplanation& row) {
                                           return row.kind == ExplanationKind::read;
                                       });
    ASSERT_NE(read_row, report.explanations.end());
    EXPECT_EQ(read_row->text,
              "file pages read in /data/words.db: 1 MiB of read-only file pages read (the "
              "loader's tables, read-only data, files mapped for reading)");
}

TEST(MemoryMap, FilePagesReadAreLeftOutWhenThePageTableWasNotSeen) {
    const MemoryMapReport report = memory_map(with_pages_read("0"));
    EXPECT_EQ(report.read, 0u);
    EXPECT_EQ(report.estimate, 19677184u + 49152u);
    EXPECT_EQ(report.discrepancy, 0);
}

TEST(MemoryMap, FilePagesReadBeyondTheRegionAreRefused) {
    std::vector<std::string> lines = data_records("memory_map.trace");
    lines[find_record(lines, "region\tid=1\tkind=file")] +=
        "\texecuted=8192\texecuted-around=49152\tread=20480";   // 48 + 20 KiB > 64 KiB
    EXPECT_ANY_THROW(test::parse_text(with_end_record(lines)));
}

TEST(MemoryMap, NativeRssIsComparedWithTheEstimate) {
    AnalysisOptions options;
    options.native_rss = 20 * 1048576;
    const MemoryMapReport report = test::memory_map_report(options).memory_map;
    EXPECT_EQ(report.native_rss, std::optional<std::uint64_t>(20971520));
    EXPECT_EQ(report.native_difference, 20971520 - 19677184);
}

// ------------------------------------------------------------------ wrap mode

TEST(MemoryMapWrap, TheHeapIsInsideTheRegionsNotAPartOfItsOwn) {
    const MemoryMapReport report = wrap_map();
    EXPECT_TRUE(report.wrap);
    for (const TotalPart& part : report.parts) EXPECT_NE(part.kind, TotalPartKind::heap);
    EXPECT_EQ(report.estimate, 8962048u);
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_EQ(report.gap, 8962048 - 8261632);
}

TEST(MemoryMapWrap, RegionsMallocMadeAreNamedSo) {
    const MemoryMapReport report = wrap_map();
    EXPECT_EQ(group_names(report),
              (std::vector<std::string>{"malloc's brk heap", "malloc mapping at blob.c:9",
                                        "malloc mapping at worker.c:30", "thread stacks",
                                        "start-up: /home/dev/srv/server"}));
    const MappingGroup& brk = report.groups[0];
    EXPECT_EQ(brk.kind, MappingGroupKind::brk_heap);
    EXPECT_TRUE(brk.made_by_allocator);
    ASSERT_TRUE(brk.location);
    EXPECT_EQ(brk.location->function, "handle_request");
    EXPECT_EQ(brk.growth, "brk growth, 37 steps, to 6 MiB");
}

TEST(MemoryMapWrap, GapIsMallocsOverheadAndStacks) {
    const MemoryMapReport report = wrap_map();
    std::vector<std::pair<ExplanationKind, std::uint64_t>> rows;
    for (const GapExplanation& row : report.explanations) rows.emplace_back(row.kind, row.bytes);
    EXPECT_EQ(rows, (std::vector<std::pair<ExplanationKind, std::uint64_t>>{
                        {ExplanationKind::written_unused, 524288},
                        {ExplanationKind::written, 86016},
                        {ExplanationKind::written_unused, 81920},
                        {ExplanationKind::written_unused, 4096},
                        {ExplanationKind::written, 4096}}));
    EXPECT_EQ(report.explanations[0].text,
              "malloc's brk heap: 512 KiB written but holding no live block (free chunks and "
              "chunk overhead)");
    EXPECT_EQ(report.unexplained, 0);
}

// memory_map_wrap.trace in a run where Valgrind refused `refused` brk growths, with region 5
// (a 2 MiB mapping made through malloc) holding `blocks` blocks.
MemoryMapReport brk_refused_map(int refused, int blocks) {
    std::vector<std::string> lines = data_records("memory_map_wrap.trace");
    std::string& events = lines[find_record(lines, "map-events\t")];
    events = replace_once(events, "brk-shrink=2\t",
                          "brk-shrink=2\tbrk-refused=" + std::to_string(refused) + "\t");
    std::string& region = lines[find_record(lines, "region\tid=5\t")];
    region = replace_once(region, "used-blocks=1\t", "used-blocks=" + std::to_string(blocks) + "\t");
    return memory_map(test::parse_text(with_end_record(lines)));
}

// After Valgrind refused brk, a mapping glibc's malloc made to go on with its main arena (it
// holds many blocks) joins the brk heap's group, named for what happened.
TEST(MemoryMapWrap, MappingsPastARefusedBrkAreTheHeap) {
    const MemoryMapReport report = brk_refused_map(3, 40);
    const MappingGroup& heap =
        group_named(report, "malloc's heap: brk, then mappings past Valgrind's brk limit");
    EXPECT_EQ(heap.kind, MappingGroupKind::brk_heap);
    EXPECT_EQ(heap.regions, (std::vector<std::size_t>{2, 4}));
    EXPECT_EQ(heap.continued_in_mappings, 1u);
    EXPECT_EQ(heap.used_blocks, 1200u + 40u);
    EXPECT_EQ(report.discrepancy, 0);
}

// Not the mapping of one large block (the block and a page more), nor a thread arena's 64 MiB
// heap; and without a refusal nothing moves.
TEST(MemoryMapWrap, LargeBlocksAndThreadArenasStayApartAfterARefusedBrk) {
    for (const auto& [refused, blocks] : {std::pair{3, 1}, std::pair{0, 40}}) {
        const MemoryMapReport report = brk_refused_map(refused, blocks);
        const MappingGroup& heap = group_named(report, "malloc's brk heap");
        EXPECT_EQ(heap.regions, (std::vector<std::size_t>{2})) << refused << " " << blocks;
        EXPECT_EQ(heap.continued_in_mappings, 0u);
    }
}

// Malloc blocks on pages never written are heap requested but not resident: what the gap
// cannot explain, said as such.
TEST(MemoryMapWrap, UnwrittenMallocBlocksAreUnexplained) {
    std::vector<std::string> lines = data_records("memory_map_wrap.trace");
    const std::size_t brk = find_record(lines, "region\tid=3\tkind=brk");
    lines[brk] = replace_once(lines[brk], "written=5767168", "written=4194304");
    const std::size_t map = find_record(lines, "memory-map\t");
    lines[map] = replace_once(lines[map], "footprint=8962048", "footprint=7389184");
    const MemoryMapReport report = memory_map(test::parse_text(with_end_record(lines)));
    EXPECT_EQ(report.discrepancy, 0);
    EXPECT_EQ(report.unexplained, -static_cast<std::int64_t>(5242880 - 4194304));
}

// ------------------------------------------------------------------ the loader's mappings

TEST(MemoryMap, WhatTheLoaderMappedIsNamedByTheFileItMapped) {
    // /data/words.db mapped by ld.so itself (its stack ends in the loader: no program code
    // asked for it), as libraries are at start-up or by dlopen.
    std::vector<std::string> lines = data_records("memory_map.trace");
    std::string& frame = lines[find_record(lines, "frame\tid=12\t")];
    frame = replace_once(frame, "fn=load_words\tfile=loader.c\tdir=/home/dev/tok\tline=20\t"
                                "obj=/home/dev/tok/tokenizer",
                         "fn=_dl_map_segments\tfile=dl-map-segments.h\tdir=elf\tline=139\t"
                         "obj=/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    std::string& stack = lines[find_record(lines, "stack\tid=7\t")];
    stack = replace_once(stack, "frames=9,12,2", "frames=9,12");
    const MemoryMapReport report = memory_map(test::parse_text(with_end_record(lines)));
    const MappingGroup& group = group_named(report, "ld.so: mapping of words.db");
    EXPECT_EQ(group.kind, MappingGroupKind::loader);
    EXPECT_EQ(group.mapped, 8388608u);
    // The program's own mapping of it, as the trace has it, is named by the program's line.
    EXPECT_EQ(group_named(peak_map(), "file mapping at loader.c:20").kind,
              MappingGroupKind::mapping_site);
}

}  // namespace memory_map_tests
}  // namespace memattr
