// The trace reader on version 4 (the memory map): what it reads from data/memory_map.trace
// and data/memory_map_wrap.trace, how it reads older traces (no memory map, pages=no, every
// site malloc), and the TraceError for the ways the memory map records can be wrong: missing
// keys, records out of place, bad kinds, counts and extents that do not hold.

#include <gtest/gtest.h>

#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace trace_reader_v4_tests {

using test::data_records;
using test::expect_trace_error;
using test::find_record;
using test::replace_once;
using test::with_end_record;

std::vector<std::string> records() { return data_records("memory_map.trace"); }

// The 1-based line of memory_map.trace's first record starting with `prefix`.
std::uint64_t line_of(const std::string& prefix) { return find_record(records(), prefix) + 1; }

// memory_map.trace with `from` replaced by `to` in its first record starting with `prefix`.
std::string edited(const std::string& prefix, const std::string& from, const std::string& to) {
    std::vector<std::string> lines = records();
    const std::size_t index = find_record(lines, prefix);
    lines[index] = replace_once(lines[index], from, to);
    return with_end_record(lines);
}

// memory_map.trace with `record` inserted before its first record starting with `prefix`.
std::string inserted(const std::string& prefix, const std::string& record) {
    std::vector<std::string> lines = records();
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(find_record(lines, prefix)), record);
    return with_end_record(lines);
}

const std::string kArena = "region\tid=4\tkind=anon\tstart=0x7f1236000000\t";
const std::string kPeakMap = "memory-map\tname=peak\t";

// ------------------------------------------------------------------ a complete trace

TEST(TraceReaderV4, ReadsTheRunKeys) {
    const Trace trace = test::memory_map_trace();
    EXPECT_EQ(trace.header.version, 4u);
    EXPECT_EQ(trace.header.run.malloc_mode, "replace");
    EXPECT_FALSE(trace.header.run.wraps_malloc());
    EXPECT_TRUE(trace.header.run.pages);
    EXPECT_TRUE(test::memory_map_wrap_trace().header.run.wraps_malloc());
}

TEST(TraceReaderV4, ReadsSiteKindsMallocWhenAbsent) {
    const Trace trace = test::memory_map_trace();
    ASSERT_EQ(trace.sites.size(), 4u);
    EXPECT_EQ(trace.sites[0].kind, SiteKind::malloc);  // no kind key
    EXPECT_EQ(trace.sites[2].kind, SiteKind::custom);
    EXPECT_EQ(trace.sites[3].kind, SiteKind::pool);
}

TEST(TraceReaderV4, ReadsMapEvents) {
    const Trace trace = test::memory_map_trace();
    ASSERT_TRUE(trace.map_events);
    EXPECT_EQ(trace.map_events->mmap, 14u);
    EXPECT_EQ(trace.map_events->mremap, 3u);
    EXPECT_EQ(trace.map_events->mremap_moved, 1u);
    EXPECT_EQ(trace.map_events->madvise_free, 2u);
    EXPECT_EQ(trace.map_events->custom_requests, 6146u);
}

TEST(TraceReaderV4, ReadsMemoryMapHeaders) {
    const Trace trace = test::memory_map_trace();
    ASSERT_EQ(trace.memory_maps.size(), 2u);
    const MemoryMap& peak = trace.memory_maps[0];
    EXPECT_EQ(peak.name, "peak");
    EXPECT_EQ(peak.time, 9000000u);
    EXPECT_EQ(peak.footprint, 19677184u);
    EXPECT_EQ(peak.heap_bytes, 5242880u);
    EXPECT_EQ(peak.heap_blocks, 1200u);
    EXPECT_EQ(peak.heap_usable, 5337088u);
    EXPECT_EQ(peak.custom_bytes, 12582912u);
    EXPECT_EQ(peak.custom_blocks, 3072u);
    EXPECT_EQ(peak.custom_in_heap, 0u);
    EXPECT_EQ(peak.written_outside, 8192u);
    EXPECT_EQ(peak.regions.size(), 9u);
    EXPECT_EQ(trace.memory_maps[1].name, "exit");
    EXPECT_EQ(trace.memory_maps[1].regions.size(), 5u);
}

TEST(TraceReaderV4, ReadsRegionsWithTheirStacksGrowthAndUses) {
    const Trace trace = test::memory_map_trace();
    const Region& arena = trace.memory_maps[0].regions[3];
    EXPECT_EQ(arena.id, 4u);
    EXPECT_EQ(arena.kind, RegionKind::anon);
    EXPECT_EQ(arena.start, 0x7f1236000000u);
    EXPECT_EQ(arena.size, 33554432u);
    EXPECT_EQ(arena.accessible, 33554432u);
    EXPECT_EQ(arena.written, 13107200u);
    EXPECT_EQ(arena.used, 12582912u);
    EXPECT_EQ(arena.used_blocks, 3072u);
    EXPECT_EQ(arena.prot, "rw-");
    EXPECT_FALSE(arena.shared);
    EXPECT_FALSE(arena.startup);
    ASSERT_TRUE(arena.stack);
    EXPECT_EQ(trace.stacks[*arena.stack].id, 6u);  // written just before the region
    // The size when made, then after each of the 3 growths.
    EXPECT_EQ(arena.growth, (std::vector<std::uint64_t>{4194304, 8388608, 16777216, 33554432}));
    EXPECT_EQ(arena.growths, 3u);
    ASSERT_EQ(arena.uses.size(), 2u);
    EXPECT_EQ(trace.sites[arena.uses[0].site].id, 3u);
    EXPECT_EQ(arena.uses[0].bytes, 8388608u);
    EXPECT_EQ(arena.uses[0].blocks, 2048u);
    EXPECT_EQ(trace.sites[arena.uses[1].site].id, 4u);
}

TEST(TraceReaderV4, StackZeroMeansNoneAndStacksNameTheirThread) {
    const Trace trace = test::memory_map_trace();
    const Region& text = trace.memory_maps[0].regions[0];
    EXPECT_FALSE(text.stack);
    EXPECT_TRUE(text.startup);
    EXPECT_EQ(text.kind, RegionKind::file);
    EXPECT_EQ(text.file, "/home/dev/tok/tokenizer");
    EXPECT_EQ(text.prot, "r-x");
    EXPECT_TRUE(text.growth.empty());
    const Region& main_stack = trace.memory_maps[0].regions[8];
    EXPECT_EQ(main_stack.kind, RegionKind::stack);
    EXPECT_EQ(main_stack.thread, 1u);
    EXPECT_FALSE(main_stack.stack);
}

TEST(TraceReaderV4, ReadsAGrowthListCutToTheLastSixteen) {
    const Trace trace = test::memory_map_wrap_trace();  // kept: `brk` refers into it
    const Region& brk = trace.memory_maps[0].regions[2];
    EXPECT_EQ(brk.kind, RegionKind::brk);
    EXPECT_EQ(brk.growths, 37u);
    ASSERT_EQ(brk.growth.size(), 16u);
    EXPECT_EQ(brk.growth.back(), 6291456u);
}

TEST(TraceReaderV4, OlderTracesHaveNoMemoryMap) {
    for (const Trace& trace : {test::ownership_trace(), test::lineage_trace(), test::small_trace()}) {
        EXPECT_LT(trace.header.version, 4u);
        EXPECT_FALSE(trace.header.run.pages);
        EXPECT_FALSE(trace.map_events);
        EXPECT_TRUE(trace.memory_maps.empty());
        for (const Site& site : trace.sites) EXPECT_EQ(site.kind, SiteKind::malloc);
    }
}

// A version 3 reader skips what it does not know, so this one does too in a version 3 trace.
TEST(TraceReaderV4, VersionThreeSkipsMemoryMapRecordsAndKeys) {
    std::vector<std::string> lines = data_records("ownership.trace");
    lines.push_back("map-events\tmmap=1");
    lines.push_back("region\tid=1");
    const std::size_t site = find_record(lines, "site\tid=1\t");
    lines[site] += "\tkind=bogus";
    const Trace trace = test::parse_text(with_end_record(lines));
    EXPECT_FALSE(trace.map_events);
    EXPECT_TRUE(trace.memory_maps.empty());
    EXPECT_EQ(trace.sites[0].kind, SiteKind::malloc);
}

TEST(TraceReaderV4, UnknownKeysAreIgnored) {
    const Trace trace = test::parse_text(edited(kArena, "\tgrowths=3", "\tgrowths=3\thuge-pages=2"));
    EXPECT_EQ(trace.memory_maps[0].regions[3].growths, 3u);
}

// ------------------------------------------------------------------ errors

TEST(TraceReaderV4, RegionWithoutSizeIsRefused) {
    expect_trace_error(edited(kArena, "\tsize=33554432", ""), line_of(kArena),
                       "the 'region' record lacks the 'size' field");
}

TEST(TraceReaderV4, RegionBeforeAnyMemoryMapIsRefused) {
    const std::string region = "region\tid=1\tkind=anon\tstart=0x1000\tsize=4096\taccessible=4096\t"
                               "written=0\tused=0\tused-blocks=0\tprot=rw-\tshared=0\tstartup=0\t"
                               "stack=0\tthread=0\tfile=\tgrowth=\tgrowths=0";
    expect_trace_error(inserted(kPeakMap, region), line_of(kPeakMap),
                       "'region' record outside a memory map");
}

TEST(TraceReaderV4, RegionUseBeforeTheFirstRegionIsRefused) {
    const std::uint64_t line = line_of(kPeakMap) + 1;
    std::vector<std::string> lines = records();
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(line - 1),
                 "region-use\tsite=3\tbytes=1\tblocks=1");
    expect_trace_error(with_end_record(lines), line, "before the memory map's first 'region'");
}

TEST(TraceReaderV4, BadRegionKindIsRefused) {
    expect_trace_error(edited(kArena, "kind=anon", "kind=heap"), line_of(kArena),
                       "field 'kind' must be one of anon, shm, file, brk, stack, not 'heap'");
}

TEST(TraceReaderV4, BadSiteKindIsRefused) {
    const std::string site = "site\tid=3\t";
    expect_trace_error(edited(site, "kind=custom", "kind=arena"), line_of(site),
                       "field 'kind' must be one of malloc, custom, pool, not 'arena'");
}

TEST(TraceReaderV4, BadMallocModeIsRefused) {
    expect_trace_error(edited("run\t", "malloc-mode=replace", "malloc-mode=jemalloc"),
                       line_of("run\t"), "field 'malloc-mode' must be one of replace, wrap");
}

TEST(TraceReaderV4, RunWithoutPagesIsRefused) {
    expect_trace_error(edited("run\t", "\tpages=yes", ""), line_of("run\t"),
                       "the 'run' record lacks the 'pages' field");
}

TEST(TraceReaderV4, MemoryMapBeforeMapEventsIsRefused) {
    std::vector<std::string> lines = records();
    const std::size_t events = find_record(lines, "map-events\t");
    std::swap(lines[events], lines[events + 1]);  // the peak memory-map record comes first
    expect_trace_error(with_end_record(lines), events + 1,
                       "'memory-map' record before the 'map-events' record");
}

TEST(TraceReaderV4, VersionFourWithoutMapEventsIsRefused) {
    std::vector<std::string> lines = records();
    lines.resize(find_record(lines, "map-events\t"));  // no memory maps at all
    expect_trace_error(with_end_record(lines), lines.size() + 1,
                       "the trace has no 'map-events' record");
}

TEST(TraceReaderV4, EarlierRecordsAfterTheMemoryMapsAreRefused) {
    const std::string mark = "mark\tt=1\talloc=0\tbytes=0\tblocks=0\tlabel=late";
    std::vector<std::string> lines = records();
    lines.push_back(mark);
    expect_trace_error(with_end_record(lines), lines.size(),
                       "'mark' record after the 'map-events' record");
}

TEST(TraceReaderV4, RegionCountThatDoesNotMatchIsRefusedAtTheMemoryMap) {
    expect_trace_error(edited(kPeakMap, "regions=9", "regions=10"), line_of(kPeakMap),
                       "memory map 'peak' says regions=10 but 9 region records follow");
    expect_trace_error(edited(kPeakMap, "regions=9", "regions=8"), line_of("region\tid=9\t"),
                       "more 'region' records than the memory map's regions=8");
}

TEST(TraceReaderV4, RegionsOutOfOrderOrOverlappingAreRefused) {
    expect_trace_error(edited(kArena, "id=4", "id=5"), line_of(kArena),
                       "region id 5 out of order");
    expect_trace_error(edited(kArena, "start=0x7f1236000000", "start=0x7f1234800000"),
                       line_of(kArena), "is not after region 3");
}

TEST(TraceReaderV4, WrittenOrAccessibleBeyondTheSizeIsRefused) {
    expect_trace_error(edited(kArena, "written=13107200", "written=40000000"), line_of(kArena),
                       "cannot exceed its size=33554432");
}

TEST(TraceReaderV4, GrowthListThatDoesNotMatchGrowthsIsRefused) {
    expect_trace_error(edited(kArena, "growths=3", "growths=4"), line_of(kArena),
                       "field 'growth' lists 4 sizes but growths=4");
    expect_trace_error(edited(kArena, "growths=3", "growths=0"), line_of(kArena),
                       "field 'growth' lists 4 sizes but growths=0");
    expect_trace_error(edited(kArena, "growth=4194304,", "growth=4194304,,"), line_of(kArena),
                       "field 'growth' is not an unsigned decimal integer");
}

TEST(TraceReaderV4, BadProtectionIsRefused) {
    expect_trace_error(edited(kArena, "prot=rw-", "prot=wr-"), line_of(kArena),
                       "field 'prot' is three characters from r, w, x and -");
}

TEST(TraceReaderV4, ThreadsOfRegionsAreChecked) {
    const std::string stack = "region\tid=5\t";
    expect_trace_error(edited(stack, "thread=3", "thread=7"), line_of(stack),
                       "stack region refers to unknown thread 7");
    expect_trace_error(edited(kArena, "thread=0", "thread=1"), line_of(kArena),
                       "region of kind 'anon' has thread=1");
}

TEST(TraceReaderV4, RegionUseMustNameAKnownCustomSiteOnce) {
    const std::string use = "region-use\tsite=3\t";
    expect_trace_error(edited(use, "site=3", "site=9"), line_of(use),
                       "region-use refers to unknown site 9");
    expect_trace_error(edited(use, "site=3", "site=1"), line_of(use),
                       "region-use for site 1, a malloc site");
    const std::string second = "region-use\tsite=4\t";
    expect_trace_error(edited(second, "site=4", "site=3"), line_of(second),
                       "second 'region-use' record for site 3 in region 4");
}

TEST(TraceReaderV4, RegionUsesCannotExceedWhatTheRegionHolds) {
    const std::string use = "region-use\tsite=4\t";
    expect_trace_error(edited(use, "bytes=4194304", "bytes=4194305"), line_of(use),
                       "its 'region-use' records add up to 12582913 bytes");
}

TEST(TraceReaderV4, SecondMemoryMapOfOneNameIsRefused) {
    const std::string exit_map = "memory-map\tname=exit\t";
    expect_trace_error(edited(exit_map, "name=exit", "name=peak"), line_of(exit_map),
                       "second 'peak' memory map");
}

TEST(TraceReaderV4, FramesWithoutSymbolsGetTheirOffsetInTheirObject) {
    // read_corpus loses its symbol: it lies in the tokenizer, loaded at 0x555555554000.
    const std::string text = edited("frame\tid=3\t", "fn=read_corpus\tfile=corpus.c\tdir=/home/dev/tok\tline=15",
                                    "fn=???\tfile=\tdir=\tline=0");
    const Trace trace = test::parse_text(replace_once(text, "ip=0x1200", "ip=0x555555556a40"));
    const Frame& frame = trace.frames[2];
    EXPECT_EQ(frame.function, "???");
    EXPECT_EQ(frame.object_offset, 0x2a40u);
    EXPECT_EQ(describe_frame(frame), "tokenizer+0x2a40 (in /home/dev/tok/tokenizer)");
    EXPECT_EQ(describe_location(frame), "tokenizer+0x2a40");
    EXPECT_EQ(trace.frames[1].object_offset, 0u);  // main has its symbol
}

}  // namespace trace_reader_v4_tests
}  // namespace memattr
