// The trace reader on version 3 (snapshots): what it reads from data/ownership.trace, how it
// reads older traces (as snapshots=no), and the TraceError for every way the snapshot
// records can be wrong: counts that do not match, pointers to blocks that do not exist,
// malformed `ptrs` and hashes, blocks out of order, a trace cut short inside a snapshot.
// Also `block` records longer than any other line may be (a block holding millions of
// pointers), wherever they lie and however the input arrives.

#include <algorithm>
#include <istream>
#include <iterator>
#include <streambuf>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace trace_reader_v3_tests {

using test::data_records;
using test::expect_trace_error;
using test::find_record;
using test::parse_text;
using test::replace_once;
using test::with_end_record;

std::vector<std::string> records() { return data_records("ownership.trace"); }

// The 1-based line of ownership.trace's first record starting with `prefix`.
std::uint64_t line_of(const std::string& prefix) { return find_record(records(), prefix) + 1; }

// The 1-based line of the first record starting with `prefix` in the peak snapshot.
std::uint64_t peak_line_of(const std::string& prefix) {
    const std::vector<std::string> lines = records();
    for (std::size_t i = find_record(lines, "snapshot\tid=2\t"); i < lines.size(); ++i)
        if (lines[i].starts_with(prefix)) return i + 1;
    ADD_FAILURE() << "no record starts with '" << prefix << "' in the peak snapshot";
    return 0;
}

// Replaces `from` by `to` in the first of `lines` starting with `prefix`.
void edit(std::vector<std::string>& lines, const std::string& prefix, const std::string& from,
          const std::string& to) {
    const std::size_t index = find_record(lines, prefix);
    lines[index] = replace_once(lines[index], from, to);
}

// ownership.trace with `from` replaced by `to` in its first record starting with `prefix`.
std::string edited(const std::string& prefix, const std::string& from, const std::string& to) {
    std::vector<std::string> lines = records();
    edit(lines, prefix, from, to);
    return with_end_record(lines);
}

const std::string kPeakSnapshot = "snapshot\tid=2\t";
const std::string kNodeC = "block\ti=4\t";  // node C: ptrs=8:7,16:17+8

// ------------------------------------------------------------------ a complete trace

TEST(TraceReaderV3, ReadsTheRunKeys) {
    const Trace trace = test::ownership_trace();
    EXPECT_EQ(trace.header.version, 3u);
    EXPECT_TRUE(trace.header.run.snapshots);
    EXPECT_EQ(trace.header.run.snapshot_growth, 10u);
    EXPECT_EQ(trace.header.run.snapshot_min, 4096u);
    EXPECT_FALSE(trace.header.run.access);
}

TEST(TraceReaderV3, ReadsSnapshotHeaders) {
    const Trace trace = test::ownership_trace();
    ASSERT_EQ(trace.snapshots.size(), 3u);
    const Snapshot& peak = trace.snapshots[1];
    EXPECT_EQ(peak.id, 2u);
    EXPECT_EQ(peak.name, "peak");
    EXPECT_TRUE(peak.kinds.peak);
    EXPECT_FALSE(peak.kinds.exit);
    EXPECT_EQ(peak.time, 6900000u);
    EXPECT_EQ(peak.allocated, 14000u);
    EXPECT_EQ(peak.bytes, 10656u);
    EXPECT_EQ(peak.scanned, 18848u);
    EXPECT_EQ(peak.blocks.size(), 19u);
    EXPECT_EQ(peak.pointers.size(), 14u);
    EXPECT_EQ(peak.roots.size(), 7u);
    EXPECT_TRUE(trace.snapshots[0].kinds.request);
    EXPECT_TRUE(trace.snapshots[2].kinds.exit);
    ASSERT_TRUE(trace.snapshot_cost);
    EXPECT_EQ(trace.snapshot_cost->taken, 5u);
    EXPECT_EQ(trace.snapshot_cost->scanned, 60000u);
}

TEST(TraceReaderV3, ReadsBlocksAndPointersInFlatArrays) {
    const Trace trace = test::ownership_trace();  // kept: `peak` refers into it
    const Snapshot& peak = trace.snapshots[1];
    const SnapshotBlock& node_c = peak.blocks[3];
    EXPECT_EQ(node_c.address, 0x4000u);
    EXPECT_EQ(node_c.size, 32u);
    EXPECT_EQ(node_c.hash, 0xa003u);
    EXPECT_EQ(trace.sites[node_c.site].id, 1u);
    const auto pointers = peak.pointers_of(3);
    ASSERT_EQ(pointers.size(), 2u);
    EXPECT_EQ(pointers[0].offset, 8u);
    EXPECT_EQ(pointers[0].target, 6u);  // TO=7
    EXPECT_EQ(pointers[0].target_offset, 0u);
    EXPECT_EQ(pointers[1].offset, 16u);
    EXPECT_EQ(pointers[1].target, 16u);  // TO=17+8: interior
    EXPECT_EQ(pointers[1].target_offset, 8u);
    EXPECT_TRUE(peak.pointers_of(4).empty());
    EXPECT_EQ(peak.first_pointer.size(), 20u);
}

TEST(TraceReaderV3, ReadsEveryKindOfRoot) {
    const Trace trace = test::ownership_trace();
    const std::vector<SnapshotRoot>& roots = trace.snapshots[1].roots;
    ASSERT_EQ(roots.size(), 7u);
    EXPECT_EQ(roots[0].kind, RootKind::global);
    EXPECT_EQ(roots[0].symbol, "g_cache");
    EXPECT_EQ(roots[1].symbol_offset, 8u);
    EXPECT_EQ(roots[0].object, "/home/dev/cache/cache-demo");
    EXPECT_EQ(roots[0].address, 0x404040u);
    EXPECT_EQ(roots[3].kind, RootKind::stack);
    EXPECT_EQ(roots[3].thread, 1u);
    ASSERT_TRUE(roots[3].stack);
    EXPECT_EQ(trace.stacks[*roots[3].stack].id, 7u);
    EXPECT_EQ(roots[3].block, 13u);
    EXPECT_EQ(roots[5].kind, RootKind::register_word);
    EXPECT_EQ(roots[5].register_name, "rax");
    EXPECT_EQ(roots[5].thread, 2u);
    EXPECT_EQ(roots[6].kind, RootKind::mapping);
    EXPECT_EQ(roots[6].object, "");
}

TEST(TraceReaderV3, OlderTracesHaveNoSnapshots) {
    EXPECT_FALSE(test::small_trace().header.run.snapshots);
    EXPECT_TRUE(test::lineage_trace().snapshots.empty());
    EXPECT_FALSE(test::lineage_trace().snapshot_cost);
}

TEST(TraceReaderV3, OlderTracesSkipSnapshotRecords) {
    // A version 2 reader does not know the tags: skipped, as the format asks.
    std::vector<std::string> lines = data_records("lineage.trace");
    lines.push_back("block\ti=1\taddr=0x1\tsite=99\tsize=8\thash=zz");
    lines.push_back("snapshot\tid=7");
    EXPECT_TRUE(parse_text(with_end_record(lines)).snapshots.empty());
}

TEST(TraceReaderV3, SnapshotsOffMeansNoSnapshotRecords) {
    std::vector<std::string> lines;
    for (const std::string& line : records())
        if (!line.starts_with("snapshot") && !line.starts_with("block\t") &&
            !line.starts_with("root\t"))
            lines.push_back(line);
    lines[find_record(lines, "run\t")] =
        replace_once(lines[find_record(lines, "run\t")], "snapshots=yes", "snapshots=no");
    const Trace trace = parse_text(with_end_record(lines));
    EXPECT_FALSE(trace.header.run.snapshots);
    EXPECT_TRUE(trace.snapshots.empty());

    lines.push_back(records()[line_of(kPeakSnapshot) - 1]);
    expect_trace_error(with_end_record(lines), lines.size(), "snapshots=no");
}

TEST(TraceReaderV3, BlockRecordsInAnotherLayoutTakeTheGeneralPath) {
    // Keys in another order and an unknown key: the same block.
    const std::string text =
        edited(kNodeC, "i=4\taddr=0x4000\tsite=1", "site=1\tfuture=x\taddr=0x4000\ti=4");
    const Trace trace = parse_text(text);
    const Snapshot& peak = trace.snapshots[1];
    EXPECT_EQ(peak.blocks[3].address, 0x4000u);
    EXPECT_EQ(peak.pointers_of(3).size(), 2u);
}

// ------------------------------------------------------------------ long block records

// Issue 13: a block of a million pointers made a `block` record of 22.6 MB, longer than
// kMaxLineBytes, and the reader refused the trace the tool had written. The blocks grown
// here hold twice as many, every word pointing at the block's own start.
constexpr std::size_t kManyPointers = 2'000'000;
constexpr std::uint64_t kManyPointersBytes = 8 * kManyPointers;

// The `ptrs` field of block `to` holding kManyPointers pointers to itself.
std::string many_pointers(std::uint64_t to) {
    std::string field = "ptrs=";
    for (std::uint64_t offset = 0; offset < kManyPointersBytes; offset += 8)
        fmt::format_to(std::back_inserter(field), "{}:{},", offset, to);
    field.pop_back();
    return field;
}

// The last block of one of ownership.trace's snapshots, and that snapshot's figures.
struct LastBlock {
    int snapshot;
    std::uint64_t bytes, blocks, edges;  // the snapshot's
    std::string address;
    std::uint64_t size;
    std::string hash;
};
const LastBlock kAfterLoadLast{1, 96, 2, 1, "0x2000", 32, "0000000000002222"};
const LastBlock kExitLast{3, 864, 8, 5, "0xe010", 0, "0000000000000000"};

// Grows `last` to kManyPointersBytes, every word a pointer, and its snapshot's figures to match.
void grow(std::vector<std::string>& lines, const LastBlock& last) {
    edit(lines, fmt::format("snapshot\tid={}\t", last.snapshot),
         fmt::format("bytes={}\tblocks={}\tedges={}", last.bytes, last.blocks, last.edges),
         fmt::format("bytes={}\tblocks={}\tedges={}", last.bytes - last.size + kManyPointersBytes,
                     last.blocks, last.edges + kManyPointers));
    edit(lines, fmt::format("block\ti={}\taddr={}\t", last.blocks, last.address),
         fmt::format("size={}\thash={}", last.size, last.hash),
         fmt::format("size={}\thash={}\t{}", kManyPointersBytes, last.hash,
                     many_pointers(last.blocks)));
}

// Expects the last block of `snapshot` to hold the pointers grow() gave it, all of them.
void expect_many_pointers(const Snapshot& snapshot) {
    const std::size_t last = snapshot.blocks.size() - 1;
    const auto pointers = snapshot.pointers_of(last);
    ASSERT_EQ(pointers.size(), kManyPointers);
    EXPECT_EQ(pointers.back().offset, kManyPointersBytes - 8);
    EXPECT_TRUE(std::all_of(pointers.begin(), pointers.end(), [&](const BlockPointer& pointer) {
        return pointer.target == last && pointer.target_offset == 0;
    }));
}

// Hands its text out at most `piece` bytes per read, as a pipe may: a long line then
// reaches the reader in parts instead of whole.
class PiecewiseBuffer : public std::streambuf {
public:
    PiecewiseBuffer(const std::string& text, std::size_t piece) : text_(text), piece_(piece) {}

protected:
    std::streamsize xsgetn(char* out, std::streamsize count) override {
        const std::size_t bytes =
            std::min({static_cast<std::size_t>(count), piece_, text_.size() - read_});
        text_.copy(out, bytes, read_);
        read_ += bytes;
        return static_cast<std::streamsize>(bytes);
    }

private:
    const std::string& text_;
    std::size_t piece_;
    std::size_t read_ = 0;
};

TEST(TraceReaderV3, ReadsABlockRecordOfTwoMillionPointers) {
    std::vector<std::string> lines = records();
    grow(lines, kAfterLoadLast);
    const Trace trace = parse_text(with_end_record(lines));
    expect_many_pointers(trace.snapshots[0]);
    EXPECT_EQ(trace.snapshots[0].pointers.size(), 1 + kManyPointers);
    EXPECT_EQ(trace.snapshots[0].bytes, 64 + kManyPointersBytes);
}

TEST(TraceReaderV3, ReadsLongBlockRecordsWhereverTheyLieAndHoweverTheyArrive) {
    // Read as fast as the reader asks, each long record's end arrives in the read that takes
    // it past the short limit (the exit snapshot's into a buffer grown for the first one); in
    // 1 MiB pieces, each passes the short limit before its end arrives.
    std::vector<std::string> lines = records();
    grow(lines, kAfterLoadLast);
    grow(lines, kExitLast);
    const std::string text = with_end_record(lines);
    for (const std::size_t piece : {text.size(), std::size_t{1} << 20}) {
        SCOPED_TRACE(piece);
        PiecewiseBuffer buffer(text, piece);
        std::istream in(&buffer);
        const Trace trace = parse_trace(in, "long.trace");
        expect_many_pointers(trace.snapshots[0]);
        expect_many_pointers(trace.snapshots[2]);
    }
}

// ------------------------------------------------------------------ broken snapshots

TEST(TraceReaderV3Errors, PointerToABlockThatDoesNotExist) {
    expect_trace_error(edited(kNodeC, "16:17+8", "16:20+8"), line_of(kNodeC),
                       "pointer at offset 16 to block 20, but the snapshot's blocks are "
                       "numbered 1 to 19");
    expect_trace_error(edited(kNodeC, "8:7", "8:0"), line_of(kNodeC), "to block 0");
}

TEST(TraceReaderV3Errors, MalformedPointerLists) {
    for (const std::string bad : {"8:7,", "8:7,,16:17", "8:7+", ":7", "8", "8:x", "8:7+8+8",
                                  "8:-7", "8:7:9", ""}) {
        SCOPED_TRACE(bad);
        expect_trace_error(edited(kNodeC, "ptrs=8:7,16:17+8", "ptrs=" + bad), line_of(kNodeC),
                           "field 'ptrs'");
    }
}

TEST(TraceReaderV3Errors, PointersOutOfOrderOrOutsideTheBlock) {
    expect_trace_error(edited(kNodeC, "8:7,16:17+8", "16:7,8:17+8"), line_of(kNodeC),
                       "offset 8 after offset 16");
    expect_trace_error(edited(kNodeC, "8:7,16:17+8", "8:7,32:17"), line_of(kNodeC),
                       "offset 32 is not inside the block of 32 bytes");
    expect_trace_error(edited(kNodeC, "17+8", "17+4294967296"), line_of(kNodeC),
                       "interior offset 4294967296");
}

TEST(TraceReaderV3Errors, CountsThatDoNotMatch) {
    const std::uint64_t line = line_of(kPeakSnapshot);
    expect_trace_error(edited(kPeakSnapshot, "blocks=19", "blocks=20"), line,
                       "snapshot 2 says blocks=20 but 19 block records follow");
    expect_trace_error(edited(kPeakSnapshot, "edges=14", "edges=15"), line,
                       "snapshot 2 says edges=15 but 14 pointers follow");
    expect_trace_error(edited(kPeakSnapshot, "roots=7", "roots=8"), line,
                       "snapshot 2 says roots=8 but 7 root records follow");
    expect_trace_error(edited(kPeakSnapshot, "bytes=10656", "bytes=10657"), line,
                       "snapshot 2 says bytes=10657 but 10656 bytes of blocks follow");
    // Too many are refused where they appear.
    expect_trace_error(edited(kPeakSnapshot, "edges=14", "edges=3"),
                       peak_line_of("block\ti=2\t"), "more pointers than the snapshot's edges=3");
    expect_trace_error(edited(kPeakSnapshot, "blocks=19", "blocks=2"),
                       peak_line_of("block\ti=1\t"),
                       "to block 3, but the snapshot's blocks are numbered 1 to 2");
    expect_trace_error(edited(kPeakSnapshot, "blocks=19", "blocks=18"), line_of("block\ti=19\t"),
                       "block i=19 is more than the snapshot's blocks=18");
}

TEST(TraceReaderV3Errors, OnlyBlockRecordsMayBeLong) {
    // The root right after a long block record, too long for any line but a block's.
    std::vector<std::string> lines = records();
    grow(lines, kAfterLoadLast);
    const std::size_t root = find_record(lines, "root\t");
    lines[root] =
        replace_once(lines[root], "name=g_cache", "name=" + std::string(kMaxLineBytes, 'a'));
    expect_trace_error(with_end_record(lines), root + 1,
                       fmt::format("line is longer than {} bytes ({} for a 'block' or 'blocks' record)",
                                   kMaxLineBytes, kMaxBlockLineBytes));
}

TEST(TraceReaderV3Errors, LostBlockRecord) {
    std::vector<std::string> lines = records();
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(find_record(lines, "block\ti=5\t")));
    expect_trace_error(with_end_record(lines), line_of("block\ti=5\t"),
                       "block i=6 out of order: the blocks of a snapshot are numbered from 1, so "
                       "this one should be 5");
}

TEST(TraceReaderV3Errors, TruncatedInsideASnapshot) {
    std::vector<std::string> lines = records();
    lines.resize(line_of(kNodeC));
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    expect_trace_error(text, lines.size(), "trace is truncated");
    expect_trace_error(text.substr(0, text.size() - 5), lines.size(), "trace is truncated");
}

TEST(TraceReaderV3Errors, BadHashes) {
    for (const std::string bad : {"a003", "000000000000A003", "000000000000a00g", "0000000000000a003",
                                  "0x0000000000a003"}) {
        SCOPED_TRACE(bad);
        expect_trace_error(edited(kNodeC, "hash=000000000000a003", "hash=" + bad),
                           line_of(kNodeC), "field 'hash' is not 16 lowercase hex digits");
    }
}

TEST(TraceReaderV3Errors, BadBlockFields) {
    expect_trace_error(edited(kNodeC, "size=32", "size=3x"), line_of(kNodeC),
                       "field 'size' is not an unsigned decimal integer");
    expect_trace_error(edited(kNodeC, "addr=0x4000", "addr=4000"), line_of(kNodeC),
                       "field 'addr' is not an address");
    expect_trace_error(edited(kNodeC, "site=1", "site=77"), line_of(kNodeC),
                       "block refers to unknown site 77");
    expect_trace_error(edited(kNodeC, "addr=0x4000", "addr=0x3010"), line_of(kNodeC),
                       "block i=4 at 0x3010 is not after block i=3 (0x3000, 32 bytes)");
    expect_trace_error(edited(kNodeC, "\thash=000000000000a003", ""), line_of(kNodeC),
                       "lacks the 'hash' field");
}

// A metapool's chunk and the custom blocks inside it are both kept (Memcheck's rule): a
// block wholly inside an earlier one is read; one reaching past it is not.
TEST(TraceReaderV3, ReadsBlocksNestedInAMetapoolChunk) {
    std::vector<std::string> lines = records();
    edit(lines, kPeakSnapshot, "bytes=10656", "bytes=10688");
    edit(lines, "block\ti=3\t", "addr=0x3000\tsite=1\tsize=32", "addr=0x3000\tsite=1\tsize=64");
    edit(lines, kNodeC, "addr=0x4000", "addr=0x3010");
    const Trace trace = parse_text(with_end_record(lines));
    const Snapshot& peak = trace.snapshots[1];
    EXPECT_EQ(peak.blocks[2].size, 64u);
    EXPECT_EQ(peak.blocks[3].address, 0x3010u);

    edit(lines, kNodeC, "addr=0x3010", "addr=0x3030");
    expect_trace_error(with_end_record(lines), line_of(kNodeC),
                       "block i=4 at 0x3030 is not after block i=3 (0x3000, 64 bytes)");
}

TEST(TraceReaderV3Errors, BadRoots) {
    const std::string rax = "root\tkind=register\t";
    expect_trace_error(edited(rax, "to=16", "to=20"), line_of(rax),
                       "root points to block 20, but the snapshot's blocks are numbered 1 to 19");
    expect_trace_error(edited(rax, "toff=0", "toff=128"), line_of(rax),
                       "root points 128 bytes into block 16 of 128 bytes");
    expect_trace_error(edited(rax, "thread=2", "thread=9"), line_of(rax), "unknown thread 9");
    expect_trace_error(edited(rax, "kind=register", "kind=heap"), line_of(rax),
                       "field 'kind' must be one of register, stack, global, mapping");
    const std::string stack_root = "root\tkind=stack\t";
    expect_trace_error(edited(stack_root, "stack=7", "stack=70"), line_of(stack_root),
                       "root refers to unknown stack 70");
}

TEST(TraceReaderV3Errors, RecordsOutOfPlace) {
    std::vector<std::string> lines = records();
    const std::size_t root = find_record(lines, "root\tkind=register\t");
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(root),
                 lines[find_record(lines, "block\ti=19\t")]);
    expect_trace_error(with_end_record(lines), root + 1, "'block' record after the snapshot's 'root' records");

    lines = records();
    const std::size_t first_snapshot = find_record(lines, "snapshot\t");
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(first_snapshot),
                 lines[first_snapshot + 1]);
    expect_trace_error(with_end_record(lines), first_snapshot + 1, "'block' record outside a snapshot");
}

TEST(TraceReaderV3Errors, SnapshotHeaders) {
    expect_trace_error(edited(kPeakSnapshot, "id=2", "id=5"), line_of(kPeakSnapshot),
                       "snapshot id 5 out of order");
    expect_trace_error(edited(kPeakSnapshot, "kinds=peak", "kinds=peak,max"),
                       line_of(kPeakSnapshot), "field 'kinds' is a comma-separated list");
    expect_trace_error(edited(kPeakSnapshot, "kinds=peak", "kinds=exit"),
                       line_of("snapshot\tid=3\t"), "snapshot 3 is a second exit snapshot");
    expect_trace_error(edited(kPeakSnapshot, "blocks=19", "blocks=99999999999"),
                       line_of(kPeakSnapshot), "memattr-graph reads at most");
}

TEST(TraceReaderV3Errors, SnapshotCost) {
    std::vector<std::string> lines = records();
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(find_record(lines, "snapshot-cost\t")));
    expect_trace_error(with_end_record(lines), lines.size() + 1, "no 'snapshot-cost' record");
    expect_trace_error(edited("snapshot-cost\t", "taken=5", "taken=2"), line_of("snapshot-cost\t"),
                       "counts 2 snapshots taken, but the trace has 3");
}

TEST(TraceReaderV3Errors, RunKeysAreRequired) {
    expect_trace_error(edited("run\t", "\tsnapshot-min=4096", ""), line_of("run\t"),
                       "lacks the 'snapshot-min' field");
    expect_trace_error(edited("run\t", "snapshots=yes", "snapshots=maybe"), line_of("run\t"),
                       "field 'snapshots' must be one of no, yes");
}

}  // namespace trace_reader_v3_tests
}  // namespace memattr
