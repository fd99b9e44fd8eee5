#include "trace_fixtures.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "trace_reader.h"

namespace memattr::test {

std::string data_path(const std::string& name) { return std::string(POSTPROC_TEST_DATA) + "/" + name; }

std::string small_trace_text() {
    std::ifstream in(data_path("small.trace"), std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << data_path("small.trace");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> small_trace_records() {
    std::vector<std::string> records;
    std::istringstream lines(small_trace_text());
    for (std::string line; std::getline(lines, line);) records.push_back(line);
    EXPECT_TRUE(!records.empty() && records.back().starts_with("end\t"));
    records.pop_back();
    return records;
}

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

}  // namespace memattr::test
