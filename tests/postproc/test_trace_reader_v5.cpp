// Version 5: a snapshot's blocks in compact `blocks` records (format/memattr_trace_compact.h,
// docs/trace-format.md). The same trace written as version 5 gives the same reports as the
// version 3 and 4 fixtures it was converted from; the compact data is read strictly; a block
// of millions of pointers makes one long `blocks` record that is read back.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "analysis/analysis.h"
#include "report/json_reporter.h"
#include "schema_writer.h"
#include "trace/trace_reader.h"
#include "trace_fixtures.h"

#include "memattr_trace_compact.h"

namespace memattr {
namespace trace_reader_v5_tests {

using test::parse_text;

// The fixture `name` (an older version) written again as the current version. A trace
// older than version 4 gets an empty `map-events` record, which versions 4 and 5 require:
// a run that made no mapping call.
std::string as_version_5(const std::string& name) {
    Trace trace = parse_text(test::data_text(name));
    if (!trace.map_events) trace.map_events = MapEvents{};
    return test::write_trace(trace).text;
}

// The JSON report without what tells the versions apart: the trace's version and its number
// of records (a `blocks` record holds many blocks), and the memory map that versions before
// 4 did not record.
nlohmann::json json_of(const Trace& trace) {
    AnalysisOptions options;
    options.site_graph = true;
    nlohmann::json report = json_report(analyse(trace, options));
    report["trace"].erase("format_version");
    report["trace"].erase("records");
    if (trace.header.version < 4) report.erase("memory_map");
    return report;
}


// The text report without its line that counts the trace's records.
std::string text_of(const Trace& trace) {
    std::string report = test::text_report(trace);
    const std::size_t line = report.find("\nTrace ");
    return report.erase(line, report.find('\n', line + 1) - line);
}

// The v5 trace with the records from the snapshot's `blocks` on replaced by `blocks`.
std::vector<std::string> records_with(const std::string& text, const std::string& blocks_line) {
    std::vector<std::string> records;
    std::size_t begin = 0;
    for (std::size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
        std::string line = text.substr(begin, end - begin);
        if (line.starts_with("end\t")) break;
        if (line.starts_with("blocks\t")) line = blocks_line;
        records.push_back(line);
    }
    return records;
}

std::string error_of(const std::string& text) {
    try {
        parse_text(text);
    } catch (const TraceError& error) {
        return error.what();
    }
    ADD_FAILURE() << "parsed: " << text.substr(text.find("\nblocks\t"), 200);
    return {};
}

TEST(TraceReaderV5, OlderFixturesWrittenAsVersion5GiveTheSameReports) {
    // The fixtures with snapshots (versions 3 and 4): versions 1 and 2 had none, and their
    // reports say so, naming the version.
    for (const char* name :
         {"ownership.trace", "memory_map.trace", "phases.trace", "memory_map_wrap.trace"}) {
        SCOPED_TRACE(name);
        const Trace original = parse_text(test::data_text(name));
        const std::string v5 = as_version_5(name);
        ASSERT_TRUE(v5.starts_with("memattr-trace\tversion=5\n"));
        const Trace converted = parse_text(v5);
        if (original.header.version == 4) {
            EXPECT_EQ(text_of(converted), text_of(original));
        }
        nlohmann::json expected = json_of(original);
        nlohmann::json actual = json_of(converted);
        if (original.header.version < 4) actual.erase("memory_map");
        EXPECT_TRUE(actual == expected) << nlohmann::json::diff(expected, actual).dump(1);
        ASSERT_EQ(converted.snapshots.size(), original.snapshots.size());
        for (std::size_t s = 0; s < original.snapshots.size(); ++s) {
            const Snapshot& a = original.snapshots[s];
            const Snapshot& b = converted.snapshots[s];
            ASSERT_EQ(a.blocks.size(), b.blocks.size());
            for (std::size_t i = 0; i < a.blocks.size(); ++i) {
                EXPECT_EQ(a.blocks[i].address, b.blocks[i].address);
                EXPECT_EQ(a.blocks[i].size, b.blocks[i].size);
                EXPECT_EQ(a.blocks[i].hash, b.blocks[i].hash);
                EXPECT_EQ(a.blocks[i].site, b.blocks[i].site);
            }
            ASSERT_EQ(a.pointers.size(), b.pointers.size());
            for (std::size_t p = 0; p < a.pointers.size(); ++p) {
                EXPECT_EQ(a.pointers[p].offset, b.pointers[p].offset);
                EXPECT_EQ(a.pointers[p].target, b.pointers[p].target);
                EXPECT_EQ(a.pointers[p].target_offset, b.pointers[p].target_offset);
            }
            EXPECT_EQ(a.first_pointer, b.first_pointer);
        }
    }
}

TEST(TraceReaderV5, TheVersion5FixtureIsTheOwnershipFixtureWrittenAgain) {
    // data/ownership_v5.trace is kept (the fuzzers start from it): made by this test with
    // MEMATTR_UPDATE_GOLDEN=1, as the golden files are.
    const std::string v5 = as_version_5("ownership.trace");
    if (std::getenv("MEMATTR_UPDATE_GOLDEN") != nullptr)
        std::ofstream(test::data_path("ownership_v5.trace"), std::ios::binary) << v5;
    EXPECT_EQ(test::data_text("ownership_v5.trace"), v5);
    nlohmann::json actual = json_of(parse_text(v5));
    actual.erase("memory_map");
    const nlohmann::json expected = json_of(parse_text(test::data_text("ownership.trace")));
    EXPECT_TRUE(actual == expected) << nlohmann::json::diff(expected, actual).dump(1);
}

TEST(TraceReaderV5, TheOwnershipFixtureTakesAThirdOfItsBlockRecordBytes) {
    const auto bytes_of_blocks = [](const std::string& text, std::string_view tag) {
        std::size_t bytes = 0, begin = 0;
        for (std::size_t end; (end = text.find('\n', begin)) != std::string::npos;
             begin = end + 1)
            if (text.compare(begin, tag.size(), tag) == 0) bytes += end + 1 - begin;
        return bytes;
    };
    const std::size_t v3 = bytes_of_blocks(test::data_text("ownership.trace"), "block\t");
    const std::size_t v5 = bytes_of_blocks(as_version_5("ownership.trace"), "blocks\t");
    // Small blocks with hand-picked small hashes: a real heap gains more (docs/trace-format.md).
    EXPECT_LT(3 * v5, v3) << v5 << " against " << v3;
}

// The compact digits of `value`.
std::string varint(unsigned long long value) {
    char digits[MA_COMPACT_MAX_VARINT_CHARS];
    return std::string(digits, ma_compact_put_varint(digits, value));
}

TEST(TraceReaderV5, VarintsAreBase64urlDigitsOfFiveBitsLeastSignificantFirst) {
    EXPECT_EQ(varint(0), "A");
    EXPECT_EQ(varint(31), "f");
    EXPECT_EQ(varint(32), "gB");
    EXPECT_EQ(varint(1023), "_f");
    EXPECT_EQ(varint(~0ull), "____________P");
    char hash[MA_COMPACT_HASH_CHARS];
    ma_compact_put_hash(hash, 0xffffffffffffffffull);
    EXPECT_EQ(std::string(hash, sizeof hash), "P__________");
}

// The digits of an address distance.
std::string address(unsigned long long gap) { return varint(ma_compact_address_code(gap)); }

// every_record.trace's snapshot: 4 blocks (sites 1 to 4), 2 edges, the second block's
// pointers to block 3 and 16 bytes into block 4.
const std::string kEveryRecord = test::data_text("every_record.trace");

// The fixture's layouts of Memcheck's leak heuristics: block 4 matches the
// multipleinheritance layout (8) for a pointer 16 bytes in.
const std::string kEveryRecordLayouts = "4:16:8";

// A `blocks` record for every_record.trace's snapshot whose data is `data`, with the
// fixture's layouts (`heur`) when it holds all four blocks, or `layouts` when given.
std::string blocks_line(const std::string& data, int first = 1, int n = 4,
                        std::optional<std::string> layouts = std::nullopt) {
    if (!layouts && first == 1 && n == 4) layouts = kEveryRecordLayouts;
    return fmt::format("blocks\tfirst={}\tn={}\tdata={}{}", first, n, data,
                       layouts && !layouts->empty() ? "\theur=" + *layouts : "");
}

// Its real data, piece by piece, so that a test can spoil one piece.
struct Pieces {
    std::string addresses[4] = {address(0x5555555a0000), address(0x2000),
                                address(0x7f1236000000 - 0x5555555a2000), address(0x1000)};
    // Each site new to the record: given by its id, after the 8 places of recent sites.
    std::string sites[4] = {varint(8), varint(9), varint(10), varint(11)};
    std::string pointers = varint(2) + varint(0) + varint(4) + varint(0) + varint(9) + varint(16);

    std::string data() const {
        std::string text;
        const char* hashes[4] = {"AAAAAAACgAB", "AAAAAAACgAC", "AAAAAAACgAD", "AAAAAAACgAE"};
        const unsigned long long sizes[4] = {4096, 512, 4096, 4096};
        for (int i = 0; i < 4; ++i)
            text += addresses[i] + sites[i] + varint(sizes[i]) + hashes[i] +
                    (i == 1 ? pointers : varint(0));
        return text;
    }
};

TEST(TraceReaderV5, TheFixtureIsWhatTheEncodingSays) {
    // The pieces make exactly the fixture's record: the test of each error below spoils
    // one thing of a valid record.
    const Pieces pieces;
    const Trace trace =
        parse_text(test::with_end_record(records_with(kEveryRecord, blocks_line(pieces.data()))));
    const Snapshot& snapshot = trace.snapshots.at(0);
    ASSERT_EQ(snapshot.blocks.size(), 4u);
    EXPECT_EQ(snapshot.blocks[2].address, 0x7f1236000000u);
    ASSERT_EQ(snapshot.pointers.size(), 2u);
    EXPECT_EQ(snapshot.pointers[1].offset, 8u);
    EXPECT_EQ(snapshot.pointers[1].target, 3u);
    EXPECT_EQ(snapshot.pointers[1].target_offset, 16u);
    EXPECT_EQ(snapshot.layouts, (std::vector<LayoutMatch>{{3, 16, kHeuristicMultipleInheritance}}));
    EXPECT_EQ(test::write_trace(trace).text, kEveryRecord);
}

void expect_error(const std::string& line, const std::string& message) {
    SCOPED_TRACE(message);
    EXPECT_CONTAINS(error_of(test::with_end_record(records_with(kEveryRecord, line))), message);
}

TEST(TraceReaderV5Errors, LayoutsNameTheRecordsBlocksInOrder) {
    const std::string data = Pieces{}.data();
    expect_error(blocks_line(data, 1, 4, "5:16:8"),
                 "field 'heur': block 5 is not one of the record's blocks 1 to 4");
    expect_error(blocks_line(data, 1, 4, "4:16:8,3:8:1"),
                 "field 'heur': block 3 after block 4: blocks come in increasing order");
    expect_error(blocks_line(data, 1, 4, "4:16:8,4:16:1"),
                 "field 'heur': offset 16 after offset 16");
    expect_error(blocks_line(data, 1, 4, "4:4096:8"), "offset 4096 is not inside the block");
    expect_error(blocks_line(data, 1, 4, "4:16:16"), "mask 16 at offset 16 is not a set");
    expect_error(blocks_line(data, 1, 4, "4:16"), "not a list of N:OFF:MASK entries");
    const Trace two = parse_text(
        test::with_end_record(records_with(kEveryRecord, blocks_line(data, 1, 4, "2:8:1,4:16:8"))));
    EXPECT_EQ(two.snapshots.at(0).layouts,
              (std::vector<LayoutMatch>{{1, 8, kHeuristicStdString},
                                        {3, 16, kHeuristicMultipleInheritance}}));
}

TEST(TraceReaderV5Errors, CompactDataIsReadStrictly) {
    const Pieces valid;
    expect_error(blocks_line(valid.data() + "A"), "field 'data': 1 characters left after its n=4");
    expect_error(blocks_line(valid.data().substr(0, 30)), "field 'data' ends inside a block's");
    expect_error(blocks_line("*" + valid.data()), "'*' at character 1 is not a digit");
    expect_error(blocks_line(valid.data(), 2), "blocks first=2 out of order");
    expect_error(blocks_line(valid.data(), 1, 5), "blocks first=1 n=5 goes past the snapshot's");
    expect_error(blocks_line(valid.data(), 1, 0), "'blocks' record with n=0");

    Pieces spoilt = valid;
    spoilt.sites[0] = varint(0);
    expect_error(blocks_line(spoilt.data()),
                 "block 1 has the record's recent site 0, but the record has had 0 sites");
    spoilt = valid;
    spoilt.sites[2] = varint(2);
    expect_error(blocks_line(spoilt.data()), "block 3 has the record's recent site 2, but");
    spoilt = valid;
    spoilt.sites[1] = varint(8);  // site 1 by its id, though it is the previous block's
    expect_error(blocks_line(spoilt.data()), "block 2 gives site 1 anew, but it is one of");
    spoilt = valid;
    spoilt.sites[1] = varint(7 + 9);
    expect_error(blocks_line(spoilt.data()), "unknown site 9");
    spoilt = valid;
    spoilt.sites[1] = varint(0);  // the same site as block 1: valid, and block 2 is site 1's
    EXPECT_EQ(parse_text(test::with_end_record(records_with(kEveryRecord, blocks_line(spoilt.data()))))
                  .snapshots[0].blocks[1].site,
              0u);
    spoilt = valid;
    spoilt.addresses[1] = varint(0x2000 * 2 + 1);  // a multiple of 16 written in bytes
    expect_error(blocks_line(spoilt.data()), "an address distance of 8192 bytes is written in bytes");
    spoilt = valid;
    spoilt.addresses[1] = address(0xf00);  // overlapping the end of the first block
    expect_error(blocks_line(spoilt.data()), "block i=2 at 0x5555555a0f00 is not after block i=1");
    spoilt = valid;
    spoilt.addresses[0] = "gA";  // 0 in two digits
    expect_error(blocks_line(spoilt.data()), "the address is not in its shortest form");
    spoilt = valid;
    spoilt.addresses[3] = "_____________";
    expect_error(blocks_line(spoilt.data()), "the address does not fit in 64 bits");
    spoilt = valid;
    spoilt.pointers = varint(2) + varint(0) + varint(7) + varint(0) + varint(9) + varint(16);
    expect_error(blocks_line(spoilt.data()), "block 2 points 2 blocks back, before block 1");
    spoilt.pointers = varint(2) + varint(0) + varint(4) + varint(0) + varint(9) + varint(0);
    expect_error(blocks_line(spoilt.data()), "interior offset 0 is not from 1 to 4294967295");
    spoilt.pointers = varint(2) + varint(0) + varint(4) + varint(63) + varint(9) + varint(16);
    expect_error(blocks_line(spoilt.data()), "a word at offset 512 is not inside the block of 512");
    spoilt.pointers = varint(3) + varint(0) + varint(4) + varint(0) + varint(9) + varint(16);
    expect_error(blocks_line(spoilt.data()), "the blocks hold more pointers than the snapshot's edges=2");

    std::string wide_hash = valid.data();
    wide_hash.replace(wide_hash.find("AAAAAAACgAB"), 1, "Q");
    expect_error(blocks_line(wide_hash), "a hash is more than 64 bits");
}

TEST(TraceReaderV5Errors, BlockRecordsBelongToOlderVersions) {
    const std::string line = "block\ti=1\taddr=0x5555555a0000\tsite=1\tsize=4096\thash=00000000000a0001";
    expect_error(line, "'block' record in a version 5 trace");
}

TEST(TraceReaderV5, ReadsABlocksRecordLongerThanOtherLinesMayBe) {
    // Issue 13: a block's pointers are never split, so a block of millions of pointers is
    // one record, here longer than any other line may be (kMaxLineBytes). It is block 4,
    // every word pointing at its own last word.
    constexpr std::uint64_t kPointers = 2'500'000;
    constexpr std::uint64_t kLastWord = 8 * (kPointers - 1);
    const Pieces valid;
    std::string data = valid.data();
    const std::string last_block = valid.addresses[3] + valid.sites[3] + varint(4096) +
                                   "AAAAAAACgAE" + varint(0);
    ASSERT_TRUE(data.ends_with(last_block));
    data.resize(data.size() - last_block.size());
    data += valid.addresses[3] + valid.sites[3] + varint(8 * kPointers) + "AAAAAAACgAE" +
            varint(kPointers) + varint(0) + varint(ma_compact_target(4, 4, 1)) + varint(kLastWord);
    const std::string next = varint(0) + varint(ma_compact_target(4, 4, 1)) + varint(kLastWord);
    for (std::uint64_t i = 2; i < kPointers; ++i) data += next;
    // The last word points at its own start.
    data += varint(0) + varint(ma_compact_target(4, 4, 0));
    std::vector<std::string> records = records_with(kEveryRecord, blocks_line(data));
    for (std::string& record : records)
        if (record.starts_with("snapshot\t")) {
            const std::string before = "bytes=12800\tblocks=4\tedges=2";
            record.replace(record.find(before), before.size(),
                           fmt::format("bytes={}\tblocks=4\tedges={}", 12800 - 4096 + 8 * kPointers,
                                       2 + kPointers));
        }
    const std::string text = test::with_end_record(records);
    ASSERT_GT(data.size(), kMaxLineBytes);
    const Trace trace = parse_text(text);
    const Snapshot& snapshot = trace.snapshots.at(0);
    const auto pointers = snapshot.pointers_of(3);
    ASSERT_EQ(pointers.size(), kPointers);
    EXPECT_EQ(pointers[1].offset, 8u);
    EXPECT_EQ(pointers[1].target, 3u);
    EXPECT_EQ(pointers[1].target_offset, kLastWord);
    EXPECT_EQ(pointers.back().offset, kLastWord);
    EXPECT_EQ(pointers.back().target_offset, 0u);
}

// every_record.trace with its `heap-unwritten` record and the peak map's `unwritten-sites`
// replaced (an empty `unwritten_line` drops the record).
std::string with_unwritten(const std::string& unwritten_line, const std::string& sites_key) {
    std::vector<std::string> records = test::data_records("every_record.trace");
    std::vector<std::string> edited;
    for (std::string& record : records) {
        if (record.starts_with("heap-unwritten\t")) {
            if (!unwritten_line.empty()) edited.push_back(unwritten_line);
            continue;
        }
        if (record.starts_with("memory-map\tname=peak"))
            record.replace(record.find("\tunwritten-sites=1"), 18, sites_key);
        edited.push_back(record);
    }
    return test::with_end_record(edited);
}

TEST(TraceReaderV5, HeapUnwrittenNamesTheSitesOfTheUnwrittenBytes) {
    const Trace trace = parse_text(test::data_text("every_record.trace"));
    const MemoryMap& peak = trace.memory_maps.at(0);
    ASSERT_TRUE(peak.unwritten_by_site.has_value());
    ASSERT_EQ(peak.unwritten_by_site->size(), 1u);
    EXPECT_EQ(trace.sites[peak.unwritten_by_site->at(0).site].id, 1u);
    EXPECT_EQ(peak.unwritten_by_site->at(0).bytes, peak.heap_unwritten);
    EXPECT_EQ(peak.unwritten_by_site->at(0).blocks, 1u);
    // The exit map has none, and says so; a map without the key does not know.
    ASSERT_TRUE(trace.memory_maps.at(1).unwritten_by_site.has_value());
    EXPECT_TRUE(trace.memory_maps.at(1).unwritten_by_site->empty());
    const Trace older = parse_text(with_unwritten("", ""));
    EXPECT_FALSE(older.memory_maps.at(0).unwritten_by_site.has_value());
}

TEST(TraceReaderV5Errors, HeapUnwrittenRecordsAddUpToTheMapsFigure) {
    const std::string sites = "\tunwritten-sites=1";
    EXPECT_CONTAINS(error_of(with_unwritten("heap-unwritten\tsite=1\tbytes=4096\tblocks=1", sites)),
                    "its 'heap-unwritten' records add up to 4096 bytes, not its heap-unwritten=65536");
    EXPECT_CONTAINS(error_of(with_unwritten("", sites)),
                    "says unwritten-sites=1 but 0 'heap-unwritten' records follow");
    EXPECT_CONTAINS(error_of(with_unwritten("heap-unwritten\tsite=1\tbytes=65536\tblocks=1", "")),
                    "'heap-unwritten' record in a memory map without 'unwritten-sites'");
    EXPECT_CONTAINS(error_of(with_unwritten("heap-unwritten\tsite=3\tbytes=65536\tblocks=1", sites)),
                    "heap-unwritten for site 3, not a malloc site");
    EXPECT_CONTAINS(error_of(with_unwritten("heap-unwritten\tsite=1\tbytes=0\tblocks=0", sites)),
                    "a site is listed only with unwritten bytes");
    EXPECT_CONTAINS(error_of(with_unwritten("heap-unwritten\tsite=9\tbytes=65536\tblocks=1", sites)),
                    "unknown site 9");
}

TEST(TraceReaderV5, HeapHeadersAreReadAndBounded) {
    const Trace trace = parse_text(test::data_text("every_record.trace"));
    EXPECT_EQ(trace.memory_maps.at(0).heap_headers, 8u * trace.memory_maps.at(0).heap_blocks);
    std::vector<std::string> records = test::data_records("every_record.trace");
    for (std::string& record : records)
        if (record.starts_with("memory-map\tname=peak"))
            record.replace(record.find("heap-headers=9600"), 17, "heap-headers=19201");
    EXPECT_CONTAINS(error_of(test::with_end_record(records)),
                    "heap-headers=19201 is more than 16 bytes for each of its heap-blocks=1200");
}

}  // namespace trace_reader_v5_tests
}  // namespace memattr
