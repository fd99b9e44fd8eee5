// The trace reader on version 2 (access tracking and copy lineage): what it reads from
// data/lineage.trace, how it reads version 1 traces (as access=no), and the TraceError for
// every way the new records and keys can be wrong.

#include <gtest/gtest.h>

#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace trace_reader_v2_tests {

using test::data_records;
using test::expect_trace_error;
using test::find_record;
using test::parse_text;
using test::replace_once;
using test::with_end_record;

std::string lineage_text() { return test::data_text("lineage.trace"); }

// The 1-based line of lineage.trace's first record starting with `prefix`.
std::uint64_t line_of(const std::string& prefix) {
    return find_record(data_records("lineage.trace"), prefix) + 1;
}

// The first copy record (C1: stack 10, site 1 to site 2, share 10) and its line.
const std::string kFirstCopy = "copy\tkind=copy\tstack=10\tfrom=1\tto=2\tshare=10\t";

std::uint64_t first_copy_line() { return line_of(kFirstCopy); }

// lineage.trace with `from` replaced by `to` in the first copy record.
std::string with_first_copy_edited(const std::string& from, const std::string& to) {
    std::vector<std::string> records = data_records("lineage.trace");
    const std::size_t copy = find_record(records, kFirstCopy);
    records[copy] = replace_once(records[copy], from, to);
    return with_end_record(records);
}

// ------------------------------------------------------------------ version 2

TEST(TraceReaderV2, ReadsTheVersionAndAccessFlag) {
    const Trace trace = test::lineage_trace();
    EXPECT_EQ(trace.header.version, 2u);
    EXPECT_TRUE(trace.header.run.access);
    EXPECT_EQ(trace.record_count, 95u);
    ASSERT_NE(trace.header.definition("use"), nullptr);
    ASSERT_NE(trace.header.definition("prompt-free"), nullptr);
}

TEST(TraceReaderV2, ReadsTheAccessKeysOfSites) {
    const Trace trace = test::lineage_trace();
    ASSERT_EQ(trace.sites.size(), 9u);
    const Site& records = trace.sites[0];
    EXPECT_EQ(records.bytes_read, 9437184u);
    EXPECT_EQ(records.bytes_written, 3145728u);
    EXPECT_EQ(records.never_read_blocks, 0u);
    const Site& table = trace.sites[8];
    ASSERT_EQ(table.id, 9u);
    EXPECT_EQ(table.bytes_read, 0u);
    EXPECT_EQ(table.bytes_written, 4096u);
    EXPECT_EQ(table.never_read_blocks, 3u);
    EXPECT_EQ(table.never_read_bytes, 12288u);
    EXPECT_EQ(table.never_accessed_blocks, 2u);
    EXPECT_EQ(table.never_accessed_bytes, 8192u);
}

TEST(TraceReaderV2, ReadsCopyRecordsWithResolvedReferences) {
    const Trace trace = test::lineage_trace();
    ASSERT_EQ(trace.copies.size(), 9u);
    const CopyGroup& first = trace.copies[0];
    EXPECT_EQ(first.kind, CopyKind::copy);
    EXPECT_EQ(trace.stacks[first.stack].id, 10u);
    EXPECT_EQ(trace.sites[first.from].id, 1u);
    EXPECT_EQ(trace.sites[first.to].id, 2u);
    EXPECT_EQ(first.share, 10u);
    EXPECT_FALSE(first.source_used);
    EXPECT_EQ(first.source_fate, SourceFate::later);
    EXPECT_EQ(first.pairs, 3u);
    EXPECT_EQ(first.bytes, 3145728u);
    EXPECT_EQ(first.source_bytes, 3145728u);
    EXPECT_EQ(first.destination_bytes, 3145728u);
    EXPECT_EQ(first.peak_source_bytes, 1048576u);
    EXPECT_EQ(first.overlap, 3145728000000u);

    EXPECT_EQ(trace.copies[1].source_fate, SourceFate::live);
    EXPECT_EQ(trace.copies[1].share, 9u);
    EXPECT_TRUE(trace.copies[3].source_used);
    EXPECT_EQ(trace.copies[5].source_fate, SourceFate::prompt);
    const CopyGroup& realloc = trace.copies[6];
    EXPECT_EQ(realloc.kind, CopyKind::realloc);
    EXPECT_EQ(trace.stacks[realloc.stack].id, 8u);  // the realloc site's own stack
    EXPECT_EQ(realloc.from, realloc.to);
}

TEST(TraceReaderV2, ReadsTheAccessRecord) {
    const Trace trace = test::lineage_trace();
    ASSERT_TRUE(trace.access.has_value());
    EXPECT_EQ(trace.access->reads, 12114432u);
    EXPECT_EQ(trace.access->writes, 11381248u);
    EXPECT_EQ(trace.access->bulk_copies, 57u);
    EXPECT_EQ(trace.access->bulk_bytes, 7123456u);
    EXPECT_EQ(trace.access->inline_copy_bytes, 131072u);
    EXPECT_EQ(trace.access->pairs, 63u);
    EXPECT_EQ(trace.access->extra_source_bytes, 0u);
}

TEST(TraceReaderV2, TheAccessRecordIsOptional) {
    std::vector<std::string> records = data_records("lineage.trace");
    records.erase(records.begin() +
                  static_cast<std::ptrdiff_t>(find_record(records, "access\t")));
    const Trace trace = parse_text(with_end_record(records));
    EXPECT_FALSE(trace.access.has_value());
    EXPECT_EQ(trace.copies.size(), 9u);
}

TEST(TraceReaderV2, ReadsATraceRecordedWithoutAccessTracking) {
    const Trace trace = parse_text(test::no_access_trace_text());
    EXPECT_EQ(trace.header.version, 2u);
    EXPECT_FALSE(trace.header.run.access);
    EXPECT_TRUE(trace.copies.empty());
    EXPECT_FALSE(trace.access.has_value());
    EXPECT_EQ(trace.sites[8].never_read_blocks, 0u);
}

// ------------------------------------------------------------------ version 1

TEST(TraceReaderV1, ReadsAsAccessOff) {
    const Trace trace = test::small_trace();
    EXPECT_EQ(trace.header.version, 1u);
    EXPECT_FALSE(trace.header.run.access);
    EXPECT_TRUE(trace.copies.empty());
    EXPECT_FALSE(trace.access.has_value());
    for (const Site& site : trace.sites) {
        EXPECT_EQ(site.bytes_read, 0u);
        EXPECT_EQ(site.never_read_bytes, 0u);
    }
}

TEST(TraceReaderV1, VersionTwoTagsAndKeysAreUnknownThere) {
    // A version 1 reader skipped them; so does this one, reading version 1.
    std::vector<std::string> records = test::small_trace_records();
    records[find_record(records, "run\t")] += "\taccess=yes";
    records[find_record(records, "site\tid=1\t")] += "\trd=5\tnrbk=1\tnrb=9";
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(find_record(records, "thread\t")),
                   {"copy\tkind=teleport", "access\treads=x"});
    const Trace trace = parse_text(with_end_record(records));
    EXPECT_FALSE(trace.header.run.access);
    EXPECT_EQ(trace.sites[0].bytes_read, 0u);
    EXPECT_EQ(trace.sites[0].never_read_blocks, 0u);
    EXPECT_TRUE(trace.copies.empty());
    EXPECT_FALSE(trace.access.has_value());
}

// ------------------------------------------------------------------ errors

TEST(TraceReaderV2Errors, HeaderLine) {
    expect_trace_error(replace_once(lineage_text(), "version=2\n", "version=2\tx=y\n"), 1,
                       "malformed header line 'memattr-trace\\tversion=2\\tx=y' (expected "
                       "'memattr-trace\\tversion=2')");
}

TEST(TraceReaderV2Errors, AccessFlag) {
    expect_trace_error(replace_once(lineage_text(), "access=yes", "access=maybe"), line_of("run\t"),
                       "field 'access' must be one of no, yes, not 'maybe'");
    expect_trace_error(replace_once(lineage_text(), "\taccess=yes", ""), line_of("run\t"),
                       "the 'run' record lacks the 'access' field");
}

TEST(TraceReaderV2Errors, MissingSiteKeys) {
    for (const std::string key : {"rd", "wr", "nrbk", "nrb", "nabk", "nab"}) {
        SCOPED_TRACE(key);
        std::vector<std::string> records = data_records("lineage.trace");
        const std::size_t site = find_record(records, "site\tid=9\t");
        const std::size_t at = records[site].find("\t" + key + "=");
        ASSERT_NE(at, std::string::npos);
        records[site].erase(at, records[site].find('\t', at + 1) - at);
        expect_trace_error(with_end_record(records), site + 1,
                           "the 'site' record lacks the '" + key + "' field");
    }
}

TEST(TraceReaderV2Errors, MoreNeverAccessedThanNeverRead) {
    expect_trace_error(replace_once(lineage_text(), "nrbk=3\tnrb=12288\tnabk=2",
                                    "nrbk=1\tnrb=12288\tnabk=2"),
                       line_of("site\tid=9\t"),
                       "site 9: more never accessed than never read (nabk=2 nrbk=1, nab=8192 "
                       "nrb=12288)");
    expect_trace_error(replace_once(lineage_text(), "nrb=12288\tnabk=2\tnab=8192",
                                    "nrb=12288\tnabk=2\tnab=12289"),
                       line_of("site\tid=9\t"), "more never accessed than never read");
}

TEST(TraceReaderV2Errors, BadCopyEnumerations) {
    const std::uint64_t line = first_copy_line();
    expect_trace_error(with_first_copy_edited("kind=copy", "kind=move"), line,
                       "field 'kind' must be one of copy, realloc, not 'move'");
    expect_trace_error(with_first_copy_edited("src-fate=later", "src-fate=soon"), line,
                       "field 'src-fate' must be one of prompt, later, live, not 'soon'");
    expect_trace_error(with_first_copy_edited("src-fate=later", "src-fate=Later"), line,
                       "field 'src-fate' must be one of prompt, later, live, not 'Later'");
    expect_trace_error(with_first_copy_edited("src-used=0", "src-used=2"), line,
                       "field 'src-used' must be 0 or 1, not '2'");
}

TEST(TraceReaderV2Errors, ShareIsInTenths) {
    const std::uint64_t line = first_copy_line();
    expect_trace_error(with_first_copy_edited("share=10", "share=11"), line,
                       "field 'share' is in tenths, from 0 to 10, not 11");
    expect_trace_error(with_first_copy_edited("share=10", "share=100"), line,
                       "not 100");
    expect_trace_error(with_first_copy_edited("share=10", "share=-1"), line,
                       "field 'share' is not an unsigned decimal integer: '-1'");
    EXPECT_EQ(parse_text(with_first_copy_edited("share=10", "share=0")).copies[0].share, 0u);
}

TEST(TraceReaderV2Errors, BadCopyCounts) {
    const std::uint64_t line = first_copy_line();
    expect_trace_error(with_first_copy_edited("\tn=3\t", "\tn=3x\t"), line,
                       "field 'n' is not an unsigned decimal integer: '3x'");
    expect_trace_error(
        with_first_copy_edited("overlap=3145728000000", "overlap=18446744073709551616"), line,
        "field 'overlap' does not fit in 64 bits");
    const Trace largest =
        parse_text(with_first_copy_edited("overlap=3145728000000", "overlap=18446744073709551615"));
    EXPECT_EQ(largest.copies[0].overlap, UINT64_MAX);
}

TEST(TraceReaderV2Errors, MissingCopyKeys) {
    for (const std::string key : {"kind", "stack", "from", "to", "share", "src-used", "src-fate",
                                  "n", "bytes", "src-bytes", "dst-bytes", "peak-src-bytes",
                                  "overlap"}) {
        SCOPED_TRACE(key);
        std::vector<std::string> records = data_records("lineage.trace");
        const std::size_t copy = find_record(records, kFirstCopy);
        const std::size_t at = records[copy].find("\t" + key + "=");
        ASSERT_NE(at, std::string::npos);
        records[copy].erase(at, records[copy].find('\t', at + 1) - at);
        expect_trace_error(with_end_record(records), copy + 1,
                           "the 'copy' record lacks the '" + key + "' field");
    }
}

TEST(TraceReaderV2Errors, BadCopyReferences) {
    const std::uint64_t line = first_copy_line();
    expect_trace_error(with_first_copy_edited("stack=10", "stack=99"), line,
                       "copy refers to unknown stack 99");
    expect_trace_error(with_first_copy_edited("from=1", "from=42"), line,
                       "copy refers to unknown site 42");
    expect_trace_error(with_first_copy_edited("to=2", "to=0"), line,
                       "copy refers to unknown site 0");
    // A frame or thread id is not a site id.
    expect_trace_error(with_first_copy_edited("to=2", "to=34"), line,
                       "copy refers to unknown site 34");
}

TEST(TraceReaderV2Errors, CopyBeforeItsStack) {
    // A copy may only refer to earlier stacks: move C1 above its stack (stack 10).
    std::vector<std::string> records = data_records("lineage.trace");
    const std::size_t copy = find_record(records, kFirstCopy);
    const std::string moved = records[copy];
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(copy));
    const std::size_t stack = find_record(records, "stack\tid=10\t");
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(stack), moved);
    expect_trace_error(with_end_record(records), stack + 1, "copy refers to unknown stack 10");
}

TEST(TraceReaderV2Errors, CopyOrAccessWithoutAccessTracking) {
    const std::string text = replace_once(lineage_text(), "access=yes", "access=no");
    expect_trace_error(text, first_copy_line(),
                       "'copy' record in a trace without access tracking (the 'run' record says "
                       "access=no)");

    std::vector<std::string> records = test::data_records("lineage.trace");
    std::vector<std::string> without_copies;
    for (const std::string& record : records)
        if (!record.starts_with("copy\t")) without_copies.push_back(record);
    const std::size_t run = find_record(without_copies, "run\t");
    without_copies[run] = replace_once(without_copies[run], "access=yes", "access=no");
    expect_trace_error(with_end_record(without_copies),
                       find_record(without_copies, "access\t") + 1,
                       "'access' record in a trace without access tracking");
}

TEST(TraceReaderV2Errors, CopyBeforeTheRunRecord) {
    std::vector<std::string> records = data_records("lineage.trace");
    const std::string copy = records[find_record(records, "copy\tkind=realloc\t")];
    records.insert(records.begin() + 2, copy);
    expect_trace_error(with_end_record(records), 3, "'copy' record before the 'run' record");
}

TEST(TraceReaderV2Errors, SecondAccessRecord) {
    std::vector<std::string> records = data_records("lineage.trace");
    records.push_back(records[find_record(records, "access\t")]);
    expect_trace_error(with_end_record(records), records.size(),
                       "second 'access' record (the first is at line " +
                           std::to_string(line_of("access\t")) + ")");
}

TEST(TraceReaderV2Errors, BadAccessRecord) {
    expect_trace_error(replace_once(lineage_text(), "\tpairs=63", ""), line_of("access\t"),
                       "the 'access' record lacks the 'pairs' field");
    expect_trace_error(replace_once(lineage_text(), "reads=12114432", "reads=lots"),
                       line_of("access\t"), "field 'reads' is not an unsigned decimal integer");
}

}  // namespace trace_reader_v2_tests
}  // namespace memattr
