// The trace reader: what it reads from a complete trace, and the TraceError (with the right
// line) for every way a trace can be damaged, foreign or cut short. The broken traces are
// derived from data/small.trace (52 records and the 'end' line), whose frame, stack and site
// records are interleaved as the tool writes them; line numbers are looked up, not assumed.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace trace_reader_tests {

using test::expect_trace_error;
using test::find_record;
using test::parse_text;
using test::replace_once;
using test::small_trace_records;
using test::small_trace_text;
using test::with_end_record;

constexpr std::uint64_t kEndLine = 53;

// The 1-based line of small.trace's first record starting with `prefix`.
std::uint64_t line_of(const std::string& prefix) {
    return find_record(small_trace_records(), prefix) + 1;
}

// small.trace with record `index` (0-based: line index + 1) replaced, and a correct end.
std::string with_record(std::size_t index, const std::string& record) {
    std::vector<std::string> records = small_trace_records();
    records.at(index) = record;
    return with_end_record(records);
}

// ------------------------------------------------------------------ a complete trace

TEST(TraceReader, ReadsTheHeader) {
    const Trace trace = test::small_trace();
    EXPECT_EQ(trace.source, test::data_path("small.trace"));
    EXPECT_EQ(trace.record_count, 52u);
    EXPECT_EQ(trace.header.tool.name, "memattr");
    EXPECT_EQ(trace.header.tool.version, "0.1.0");
    EXPECT_EQ(trace.header.command.exe, "./demo");
    EXPECT_EQ(trace.header.command.args, "--size 3");
    EXPECT_EQ(trace.header.process.pid, 4242u);
    EXPECT_EQ(trace.header.process.ppid, 4000u);
    EXPECT_EQ(trace.header.process.fork_of, 0u);
    EXPECT_EQ(trace.header.run.malloc_mode, "replace");
    EXPECT_EQ(trace.header.run.time_unit, "instr");
    EXPECT_EQ(trace.header.run.alignment, 16u);
    EXPECT_EQ(trace.header.run.num_callers, 24u);
    ASSERT_NE(trace.header.definition("temporary"), nullptr);
    EXPECT_EQ(*trace.header.definition("temporary"),
              "freed before any other heap block was allocated (heaptrack's definition)");
    EXPECT_EQ(trace.header.definition("no-such-definition"), nullptr);
}

TEST(TraceReader, ReadsFramesWithTheirEscapes) {
    const Trace trace = test::small_trace();
    ASSERT_EQ(trace.frames.size(), 27u);

    const Frame& vector_insert = trace.frames[4];
    EXPECT_EQ(vector_insert.id, 5u);
    EXPECT_EQ(vector_insert.ip, 0x10a2f4u);
    EXPECT_FALSE(vector_insert.inlined);
    EXPECT_EQ(vector_insert.function,
              "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>"
              "(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, "
              "int const&)");
    EXPECT_EQ(vector_insert.file, "vector.tcc");
    EXPECT_EQ(vector_insert.dir, "/usr/include/c++/12/bits");
    EXPECT_EQ(vector_insert.line, 453u);
    EXPECT_EQ(vector_insert.object, "/home/dev/demo/demo");

    const Frame& inlined = trace.frames[1];  // no dir= key: inlined frames may omit it
    EXPECT_TRUE(inlined.inlined);
    EXPECT_EQ(inlined.function, "allocate");
    EXPECT_EQ(inlined.file, "new_allocator.h");
    EXPECT_EQ(inlined.dir, "");
    EXPECT_EQ(inlined.ip, vector_insert.ip);

    EXPECT_EQ(trace.frames[11].function, "scratch\tcopy");  // written as scratch\tcopy
    EXPECT_EQ(trace.frames[25].function, "operator\"\" _kb(unsigned long long)");

    const Frame& no_debug_info = trace.frames[10];
    EXPECT_EQ(no_debug_info.function, "malloc");
    EXPECT_EQ(no_debug_info.file, "");
    EXPECT_EQ(no_debug_info.line, 0u);
    EXPECT_EQ(no_debug_info.object, "/usr/libexec/valgrind/vgpreload_memattr-amd64-linux.so");
}

TEST(TraceReader, ResolvesInterleavedStacksAndSites) {
    const Trace trace = test::small_trace();
    ASSERT_EQ(trace.stacks.size(), 4u);
    // Stack 2 reuses frames defined for stack 1 (main, below main): ids 11, 12, 9, 10.
    EXPECT_EQ(trace.stacks[1].frames, (std::vector<std::uint32_t>{10, 11, 8, 9}));
    EXPECT_EQ(trace.stacks[2].frames.size(), 13u);

    ASSERT_EQ(trace.sites.size(), 4u);
    const Site& vector_site = trace.sites[0];
    EXPECT_EQ(vector_site.id, 1u);
    EXPECT_EQ(vector_site.stack, 0u);
    EXPECT_EQ(vector_site.total_bytes, 3145728u);
    EXPECT_EQ(vector_site.total_blocks, 12u);
    EXPECT_EQ(vector_site.peak_bytes, 1572864u);
    EXPECT_EQ(vector_site.peak_blocks, 1u);
    EXPECT_EQ(vector_site.lifetime_sum, 6000000u);

    const Site& temporaries = trace.sites[1];
    EXPECT_EQ(temporaries.temporary_blocks, 600u);
    EXPECT_EQ(temporaries.temporary_bytes, 38400u);
    EXPECT_EQ(temporaries.max_bytes, 128u);
    EXPECT_EQ(temporaries.max_blocks, 2u);
    EXPECT_EQ(temporaries.lifetime_min, 35u);
    EXPECT_EQ(temporaries.lifetime_max, 900u);

    EXPECT_EQ(trace.sites[2].realloc_blocks, 7u);
    EXPECT_EQ(trace.sites[2].freed_blocks, 8u);
    EXPECT_EQ(trace.sites[3].exit_bytes, 4096u);
    EXPECT_EQ(trace.sites[3].exit_blocks, 2u);
}

TEST(TraceReader, ReadsThreadsPeakTotalsExitAndTimeline) {
    const Trace trace = test::small_trace();
    ASSERT_EQ(trace.threads.size(), 2u);
    const Thread& worker = trace.threads[1];
    EXPECT_EQ(worker.id, 2u);
    EXPECT_EQ(worker.parent, 1u);
    EXPECT_EQ(worker.total_bytes, 917504u);
    EXPECT_EQ(worker.total_blocks, 8u);
    EXPECT_EQ(worker.peak_bytes, 524288u);
    EXPECT_EQ(worker.peak_blocks, 1u);
    EXPECT_EQ(worker.peak_time, 8100000u);
    EXPECT_EQ(trace.threads[0].exit_bytes, 4096u);
    EXPECT_EQ(trace.threads[0].exit_blocks, 2u);

    EXPECT_EQ(trace.peak.time, 8400000u);
    EXPECT_EQ(trace.peak.allocated, 2500000u);
    EXPECT_EQ(trace.peak.bytes, 2101312u);
    EXPECT_EQ(trace.peak.blocks, 5u);
    EXPECT_EQ(trace.totals.bytes, 4108288u);
    EXPECT_EQ(trace.totals.blocks, 662u);
    EXPECT_EQ(trace.totals.frees, 660u);
    EXPECT_EQ(trace.totals.bad_frees, 0u);
    EXPECT_EQ(trace.exit.time, 12500000u);
    EXPECT_EQ(trace.exit.allocated, 4108288u);
    EXPECT_EQ(trace.exit.bytes, 4096u);
    EXPECT_EQ(trace.exit.blocks, 2u);
    EXPECT_EQ(trace.exit.reason, "exit");
    EXPECT_EQ(trace.exit.code, 0u);

    ASSERT_EQ(trace.timeline.size(), 6u);
    EXPECT_EQ(trace.timeline[3].time, 8400000u);
    EXPECT_EQ(trace.timeline[3].bytes, 2101312u);
    EXPECT_EQ(trace.timeline[5].allocated, 4108288u);
    EXPECT_EQ(trace.timeline[5].blocks, 2u);
}

TEST(TraceReader, IgnoresUnknownRecordsAndKeys) {
    std::vector<std::string> records = small_trace_records();
    records.insert(records.begin() + 6, "future-record\tanything=goes\tx=\\q");
    records[find_record(records, "peak\t")] += "\tnew-key=42";
    const Trace trace = parse_text(with_end_record(records));
    EXPECT_EQ(trace.peak.bytes, 2101312u);
    EXPECT_EQ(trace.record_count, 53u);
}

TEST(TraceReader, AcceptsTheLargestInteger) {
    const Trace trace =
        parse_text(replace_once(small_trace_text(), "code=0", "code=18446744073709551615"));
    EXPECT_EQ(trace.exit.code, UINT64_MAX);
}

// ------------------------------------------------------------------ files and foreign data

TEST(TraceReaderErrors, MissingFile) {
    try {
        read_trace("/nonexistent/memattr.out.1");
        FAIL() << "no exception";
    } catch (const TraceError& error) {
        EXPECT_EQ(error.line(), 0u);
        EXPECT_STREQ(error.what(),
                     "/nonexistent/memattr.out.1: cannot open: No such file or directory");
    }
}

TEST(TraceReaderErrors, Directory) {
    try {
        read_trace(POSTPROC_TEST_DATA);
        FAIL() << "no exception";
    } catch (const TraceError& error) {
        EXPECT_EQ(error.message(), "is a directory, not a trace file");
    }
}

// Also the regression test of the fuzzer's first finding: an empty input made the line
// reader pass memchr a null pointer (undefined behaviour; the sanitized unit tests see it).
TEST(TraceReaderErrors, EmptyFile) {
    try {
        parse_text("", "memattr.out.12");
        FAIL() << "no exception";
    } catch (const TraceError& error) {
        EXPECT_EQ(error.line(), 0u);
        EXPECT_STREQ(error.what(),
                     "memattr.out.12: trace is empty: the profiled program was probably killed "
                     "before Valgrind could write anything");
    }
}

TEST(TraceReaderErrors, ForeignFiles) {
    const std::string dhat_json =
        "{\"dhatFileVersion\":2\n,\"mode\":\"heap\",\"verb\":\"Allocated\"\n}\n";
    expect_trace_error(dhat_json, 1, "not a memattr trace");
    std::string random_bytes;
    for (int i = 0; i < 4096; ++i) random_bytes += static_cast<char>((i * 7919) % 251);
    expect_trace_error(random_bytes, 1, "not a memattr trace");
    expect_trace_error(std::string(100000, 'x'), 1, "not a memattr trace");
    expect_trace_error("memattr-traceX\tversion=1\n", 1, "not a memattr trace");
}

TEST(TraceReaderErrors, UnsupportedVersion) {
    const std::string text = replace_once(small_trace_text(), "version=1\n", "version=6\n");
    expect_trace_error(text, 1,
                       "unsupported trace version '6': this memattr-graph reads versions 1 to 5");
    expect_trace_error(replace_once(small_trace_text(), "version=1\n", "version=0\n"), 1,
                       "unsupported trace version '0'");
    expect_trace_error(replace_once(small_trace_text(), "version=1\n", "version=01\n"), 1,
                       "unsupported trace version '01'");
    expect_trace_error("memattr-trace\n", 1, "lacks the 'version' field");
    expect_trace_error("memattr-trace\tversion=1\tx=y\nend\trecords=1\n", 1,
                       "malformed header line");
}

// ------------------------------------------------------------------ cut short

TEST(TraceReaderErrors, TruncatedAtEveryLine) {
    const std::string text = small_trace_text();
    std::uint64_t line = 0;
    for (std::size_t newline = text.find('\n'); newline + 1 < text.size();
         newline = text.find('\n', newline + 1)) {
        ++line;
        SCOPED_TRACE("cut after line " + std::to_string(line));
        expect_trace_error(text.substr(0, newline + 1), line,
                           "trace is truncated: it ends here without the 'end' record; the "
                           "profiled program was probably killed before Valgrind could finish "
                           "writing");
        // Cut inside the next line: that partial line is where it ends.
        expect_trace_error(text.substr(0, newline + 4), line + 1, "trace is truncated");
    }
    EXPECT_EQ(line, kEndLine - 1);
}

TEST(TraceReaderErrors, MissingEndRecord) {
    std::string text;
    for (const std::string& record : small_trace_records()) text += record + "\n";
    expect_trace_error(text, kEndLine - 1,
                       "trace is truncated: it ends here without the 'end' record");
}

TEST(TraceReaderErrors, EndRecordWithoutNewline) {
    std::string text = small_trace_text();
    text.pop_back();
    expect_trace_error(text, kEndLine, "trace is truncated");
}

TEST(TraceReaderErrors, WrongRecordCount) {
    expect_trace_error(replace_once(small_trace_text(), "records=52", "records=51"), kEndLine,
                       "the 'end' record counts 51 records but 52 precede it");
    std::vector<std::string> records = small_trace_records();
    records.erase(records.begin() +
                  static_cast<std::ptrdiff_t>(find_record(records, "timeline\t")));
    std::string lost_line;
    for (const std::string& record : records) lost_line += record + "\n";
    expect_trace_error(lost_line + "end\trecords=52\n", kEndLine - 1,
                       "counts 52 records but 51 precede it");
}

TEST(TraceReaderErrors, DataAfterEnd) {
    expect_trace_error(small_trace_text() + "timeline\tt=1\talloc=1\tbytes=1\tblocks=1\n",
                       kEndLine + 1, "unexpected data after the 'end' record");
    expect_trace_error(small_trace_text() + "\n", kEndLine + 1, "unexpected data after");
}

// ------------------------------------------------------------------ malformed lines

TEST(TraceReaderErrors, MalformedLines) {
    expect_trace_error(with_record(2, ""), 3, "empty line");
    expect_trace_error(with_record(2, "cmd\texe=./demo\targs=a\x01z"), 3,
                       "unescaped control byte 0x01");
    expect_trace_error(with_record(2, "cmd\texe=./demo\targs=--size 3\r"), 3,
                       "unescaped control byte 0x0d");
    expect_trace_error(with_record(2, "Cmd\texe=./demo\targs="), 3, "malformed record tag 'Cmd'");
    expect_trace_error(with_record(2, "cmd\texe=./demo\targs"), 3,
                       "malformed field 'args' in the 'cmd' record (expected key=value)");
    expect_trace_error(with_record(2, "cmd\texe=./demo\t=x\targs="), 3, "malformed field '=x'");
    expect_trace_error(with_record(2, "cmd\texe=./demo\targs=\targs=x"), 3,
                       "field 'args' appears twice in the 'cmd' record");
}

TEST(TraceReaderErrors, LineTooLong) {
    std::vector<std::string> records = small_trace_records();
    records[2] = "cmd\texe=./demo\targs=" + std::string(kMaxLineBytes, 'a');
    expect_trace_error(with_end_record(records), 3, "line is longer than");
}

TEST(TraceReaderErrors, MalformedEscape) {
    expect_trace_error(replace_once(small_trace_text(), "fn=scratch\\tcopy", "fn=scratch\\qcopy"),
                       line_of("frame\tid=12\t"), "field 'fn': unknown escape '\\q'");
    expect_trace_error(replace_once(small_trace_text(), "fn=scratch\\tcopy", "fn=scratch\\x41"),
                       line_of("frame\tid=12\t"), "escape '\\x41' is not allowed");
}

// ------------------------------------------------------------------ malformed values

TEST(TraceReaderErrors, BadIntegers) {
    const std::string site = "site\tid=1\tstack=1\ttb=";
    const std::uint64_t line = line_of(site);
    const std::string text = small_trace_text();
    expect_trace_error(replace_once(text, site + "3145728", site + "31x5728"), line,
                       "field 'tb' is not an unsigned decimal integer: '31x5728'");
    expect_trace_error(replace_once(text, site + "3145728", site + "-1"), line,
                       "field 'tb' is not an unsigned decimal integer: '-1'");
    expect_trace_error(replace_once(text, site + "3145728", site + "+1"), line,
                       "not an unsigned decimal integer");
    expect_trace_error(replace_once(text, site + "3145728", site + " 1"), line,
                       "not an unsigned decimal integer");
    expect_trace_error(replace_once(text, site + "3145728", site), line,
                       "field 'tb' is not an unsigned decimal integer: ''");
    expect_trace_error(replace_once(text, site + "3145728", site + "18446744073709551616"), line,
                       "field 'tb' does not fit in 64 bits: '18446744073709551616'");
}

TEST(TraceReaderErrors, BadAddressesAndFlags) {
    const std::string frame = "frame\tid=1\tip=0x4849a10\tinlined=0";
    const std::uint64_t line = line_of("frame\tid=1\t");
    const std::string text = small_trace_text();
    expect_trace_error(replace_once(text, "ip=0x4849a10", "ip=0x4849A10"), line,
                       "field 'ip' is not an address ('0x' and lowercase hex): '0x4849A10'");
    expect_trace_error(replace_once(text, "ip=0x4849a10", "ip=4849a10"), line, "is not an address");
    expect_trace_error(replace_once(text, "ip=0x4849a10", "ip=0x"), line, "is not an address");
    expect_trace_error(replace_once(text, "ip=0x4849a10", "ip=0x10000000000000000"), line,
                       "is not an address");
    expect_trace_error(replace_once(text, frame, "frame\tid=1\tip=0x4849a10\tinlined=2"), line,
                       "field 'inlined' must be 0 or 1, not '2'");
}

TEST(TraceReaderErrors, MissingRequiredKey) {
    std::vector<std::string> records = small_trace_records();
    const std::size_t frame = find_record(records, "frame\tid=9\t");
    records[frame] = replace_once(records[frame], "\tobj=/home/dev/demo/demo", "");
    expect_trace_error(with_end_record(records), frame + 1,
                       "the 'frame' record lacks the 'obj' field");
    expect_trace_error(replace_once(small_trace_text(), "\treason=exit", ""), line_of("exit\t"),
                       "the 'exit' record lacks the 'reason' field");
    expect_trace_error(replace_once(small_trace_text(), "\tbad-frees=0", ""), line_of("totals\t"),
                       "the 'totals' record lacks the 'bad-frees' field");
}

// ------------------------------------------------------------------ ids and references

TEST(TraceReaderErrors, UnknownReferences) {
    const std::string text = small_trace_text();
    expect_trace_error(replace_once(text, "site\tid=4\tstack=4", "site\tid=4\tstack=9"),
                       line_of("site\tid=4\t"), "site refers to unknown stack 9");
    expect_trace_error(replace_once(text, "frames=11,12,9,10", "frames=11,12,99,10"),
                       line_of("stack\tid=2\t"), "stack refers to unknown frame 99");
    expect_trace_error(replace_once(text, "frames=11,12,9,10", "frames=11,,9,10"),
                       line_of("stack\tid=2\t"),
                       "field 'frames' is not an unsigned decimal integer");
    expect_trace_error(replace_once(text, "frames=11,12,9,10", "frames="),
                       line_of("stack\tid=2\t"), "stack has no frames");
    expect_trace_error(replace_once(text, "thread\tid=2\tparent=1", "thread\tid=2\tparent=7"),
                       line_of("thread\tid=2\t"), "thread 2 refers to unknown parent thread 7");
}

TEST(TraceReaderErrors, ReferenceToALaterRecord) {
    // A stack may only refer to earlier frames: move stack 2 above frame 12.
    std::vector<std::string> records = small_trace_records();
    const std::size_t stack = find_record(records, "stack\tid=2\t");
    const std::string moved = records[stack];
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(stack));
    const std::size_t frame = find_record(records, "frame\tid=12\t");
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(frame), moved);
    expect_trace_error(with_end_record(records), frame + 1, "stack refers to unknown frame 12");
}

TEST(TraceReaderErrors, DuplicateIds) {
    const std::string text = small_trace_text();
    expect_trace_error(replace_once(text, "frame\tid=4\t", "frame\tid=3\t"),
                       line_of("frame\tid=4\t"),
                       "duplicate frame id 3 (first defined at line " +
                           std::to_string(line_of("frame\tid=3\t")) + ")");
    expect_trace_error(replace_once(text, "stack\tid=3\t", "stack\tid=1\t"),
                       line_of("stack\tid=3\t"),
                       "duplicate stack id 1 (first defined at line " +
                           std::to_string(line_of("stack\tid=1\t")) + ")");
    expect_trace_error(replace_once(text, "site\tid=2\t", "site\tid=1\t"), line_of("site\tid=2\t"),
                       "duplicate site id 1 (first defined at line " +
                           std::to_string(line_of("site\tid=1\t")) + ")");
    expect_trace_error(replace_once(text, "thread\tid=2\t", "thread\tid=1\t"),
                       line_of("thread\tid=2\t"), "duplicate thread id 1");
    expect_trace_error(replace_once(text, "thread\tid=1\tparent=0", "thread\tid=0\tparent=0"),
                       line_of("thread\tid=1\t"), "thread id 0 is not allowed");
}

TEST(TraceReaderErrors, RepeatedOrMissingRecords) {
    std::vector<std::string> records = small_trace_records();
    records.push_back(records[find_record(records, "peak\t")]);
    expect_trace_error(with_end_record(records), kEndLine,
                       "second 'peak' record (the first is at line " +
                           std::to_string(line_of("peak\t")) + ")");

    records = small_trace_records();
    records.push_back(records[find_record(records, "definition\t")]);
    expect_trace_error(with_end_record(records), kEndLine,
                       "second definition of 'temporary' (the first is at line 6)");

    for (const std::string tag : {"tool", "cmd", "process", "run", "peak", "totals", "exit"}) {
        records = small_trace_records();
        records.erase(records.begin() +
                      static_cast<std::ptrdiff_t>(find_record(records, tag + "\t")));
        expect_trace_error(with_end_record(records), kEndLine - 1,
                           "the trace has no '" + tag + "' record");
    }
}

TEST(TraceReaderErrors, TimelineGoingBackInTime) {
    expect_trace_error(
        replace_once(small_trace_text(), "timeline\tt=4000000", "timeline\tt=1000000"),
        line_of("timeline\tt=4000000"), "timeline sample at t=1000000 comes after one at t=1500000");
}

TEST(TraceReaderErrors, MessageFormat) {
    try {
        parse_text(replace_once(small_trace_text(), "site\tid=4\tstack=4", "site\tid=4\tstack=9"),
                   "memattr.out.12");
        FAIL() << "no exception";
    } catch (const TraceError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "memattr.out.12: line " + std::to_string(line_of("site\tid=4\t")) +
                      ": site refers to unknown stack 9");
    }
}

TEST(TraceReaderErrors, QuotesOffendingTextEscapedAndShortened) {
    const std::string garbage = "\\x01" + std::string(100, 'z');
    try {
        parse_text(replace_once(small_trace_text(), "pid=4242", "pid=" + garbage));
        FAIL() << "no exception";
    } catch (const TraceError& error) {
        const std::string message = error.message();
        EXPECT_NE(message.find("'\\\\x01zzz"), std::string::npos) << message;
        EXPECT_NE(message.find("...'"), std::string::npos) << message;
        EXPECT_LT(message.size(), 120u) << message;
    }
}

}  // namespace trace_reader_tests
}  // namespace memattr
