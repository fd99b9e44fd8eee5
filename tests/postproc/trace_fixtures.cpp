#include "trace_fixtures.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "report/text_reporter.h"
#include "trace/trace_reader.h"

namespace memattr::test {

std::string data_path(const std::string& name) { return std::string(POSTPROC_TEST_DATA) + "/" + name; }

std::string data_text(const std::string& name) {
    std::ifstream in(data_path(name), std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << data_path(name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> data_records(const std::string& name) {
    std::vector<std::string> records;
    std::istringstream lines(data_text(name));
    for (std::string line; std::getline(lines, line);) records.push_back(line);
    EXPECT_TRUE(!records.empty() && records.back().starts_with("end\t"));
    if (!records.empty()) records.pop_back();
    return records;
}

std::string small_trace_text() { return data_text("small.trace"); }

std::vector<std::string> small_trace_records() { return data_records("small.trace"); }

std::string with_end_record(const std::vector<std::string>& records) {
    std::string text;
    for (const std::string& record : records) text += record + "\n";
    return text + "end\trecords=" + std::to_string(records.size()) + "\n";
}

Trace parse_text(const std::string& text, const std::string& source) {
    std::istringstream in(text);
    return parse_trace(in, source);
}

Trace small_trace() { return read_trace(data_path("small.trace")); }

Trace allocation_free_trace() {
    Trace trace = small_trace();
    trace.sites.clear();
    trace.threads.clear();
    trace.timeline.clear();
    trace.peak = {};
    trace.totals = {};
    trace.exit.bytes = trace.exit.blocks = 0;
    return trace;
}

ReportModel small_report(const AnalysisOptions& options) {
    return analyse(small_trace(), options);
}

Trace lineage_trace() { return read_trace(data_path("lineage.trace")); }

ReportModel lineage_report(const AnalysisOptions& options) {
    return analyse(lineage_trace(), options);
}

const MovableCloneRow& movable_row_at(const ReportModel& model, const std::string& function) {
    for (const MovableCloneRow& row : model.copies.movable_clones)
        if (row.location.function == function) return row;
    throw std::logic_error("no copies that could be moves at " + function);
}

Trace ownership_trace() { return read_trace(data_path("ownership.trace")); }

ReportModel ownership_report(const AnalysisOptions& options) {
    return analyse(ownership_trace(), options);
}

Trace memory_map_trace() { return read_trace(data_path("memory_map.trace")); }

ReportModel memory_map_report(const AnalysisOptions& options) {
    return analyse(memory_map_trace(), options);
}

Trace memory_map_wrap_trace() { return read_trace(data_path("memory_map_wrap.trace")); }

std::string memory_map_without_pages_text() {
    static const std::regex written("\t(written|written-outside)=[0-9]+");
    std::vector<std::string> records;
    for (const std::string& record : data_records("memory_map.trace"))
        records.push_back(std::regex_replace(record, written, "\t$1=0"));
    const std::size_t run = find_record(records, "run\t");
    records[run] = replace_once(records[run], "pages=yes", "pages=no");
    const std::size_t peak = find_record(records, "memory-map\tname=peak");
    // The tool's upper bound: accessible bytes of regions that are not file mappings and of
    // private writable file mappings (the .data of tokenizer and ld.so), plus the heap.
    records[peak] = replace_once(records[peak], "footprint=19677184", "footprint=57909248");
    const std::size_t exit = find_record(records, "memory-map\tname=exit");
    records[exit] = replace_once(records[exit], "footprint=2266624", "footprint=3311104");
    return with_end_record(records);
}

Trace derived_clone_trace() {
    const std::string dir = "dir=/home/dev/lineage";
    const std::string obj = "obj=/home/dev/lineage/lineage-demo";
    std::vector<std::string> records = data_records("lineage.trace");
    const std::vector<std::string> added = {
        "frame\tid=46\tip=0x1b7000\tinlined=0\tfn=<alloc::vec::Vec<T,A> as "
        "core::clone::Clone>::clone\tfile=library/alloc/src/vec/mod.rs\t"
        "dir=/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf\tline=3749\t" + obj,
        "frame\tid=47\tip=0x1b7100\tinlined=0\tfn=<load::Record as core::clone::Clone>::clone"
        "\tfile=src/load.rs\t" + dir + "\tline=7\t" + obj,
        "frame\tid=48\tip=0x1b7200\tinlined=0\tfn=group::first\tfile=src/main.rs\t" + dir +
            "\tline=101\t" + obj,
        "frame\tid=49\tip=0x1b7300\tinlined=0\tfn=group::second\tfile=src/main.rs\t" + dir +
            "\tline=117\t" + obj,
        "stack\tid=17\tframes=34,46,47,48,6,7,8",
        "stack\tid=18\tframes=34,46,47,49,6,7,8",
        "copy\tkind=copy\tstack=17\tfrom=1\tto=2\tshare=10\tsrc-used=0\tsrc-fate=later\tn=2\t"
        "bytes=2097152\tsrc-bytes=2097152\tdst-bytes=2097152\tpeak-src-bytes=1048576\t"
        "overlap=2097152000",
        "copy\tkind=copy\tstack=18\tfrom=1\tto=2\tshare=10\tsrc-used=0\tsrc-fate=later\tn=1\t"
        "bytes=1048576\tsrc-bytes=1048576\tdst-bytes=1048576\tpeak-src-bytes=0\t"
        "overlap=1048576000",
    };
    const std::size_t access = find_record(records, "access\t");
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(access), added.begin(),
                   added.end());
    return parse_text(with_end_record(records), "derived_clone.trace");
}

std::string no_access_trace_text() {
    static const std::regex access_keys("\t(rd|wr|nrbk|nrb|nabk|nab)=[0-9]+");
    std::vector<std::string> records;
    for (const std::string& record : data_records("lineage.trace")) {
        if (record.starts_with("copy\t") || record.starts_with("access\t")) continue;
        records.push_back(record.starts_with("site\t")
                              ? std::regex_replace(record, access_keys, "\t$1=0")
                              : record);
    }
    const std::size_t run = find_record(records, "run\t");
    records[run] = replace_once(records[run], "access=yes", "access=no");
    return with_end_record(records);
}

void expect_trace_error(const std::string& text, std::uint64_t line,
                        const std::string& message_part) {
    try {
        parse_text(text, "broken.trace");
        ADD_FAILURE() << "parsed without error; expected: " << message_part;
    } catch (const TraceError& error) {
        EXPECT_EQ(error.file(), "broken.trace");
        EXPECT_EQ(error.line(), line) << error.what();
        EXPECT_NE(error.message().find(message_part), std::string::npos)
            << "message: " << error.message() << "\nexpected to contain: " << message_part;
    }
}

std::size_t find_record(const std::vector<std::string>& records, const std::string& prefix) {
    for (std::size_t i = 0; i < records.size(); ++i)
        if (records[i].starts_with(prefix)) return i;
    ADD_FAILURE() << "no record starts with '" << prefix << "'";
    return 0;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "'" << from << "' not found";
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

std::string text_report(const Trace& trace, const AnalysisOptions& options) {
    std::ostringstream out;
    TextReporter().write(analyse(trace, options), out);
    return out.str();
}

}  // namespace memattr::test
