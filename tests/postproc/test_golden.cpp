// Golden files of the reports: for each sample trace in tests/postproc/data, each section of
// the text report and the whole JSON report are kept in tests/golden/ as
// <trace>.<section>.expected and <trace>.json.expected (the trace's name without ".trace").
// A change of output fails here with a diff of the lines that changed; if the change is
// meant, regenerate the files and review them as a diff in the commit:
//
//   MEMATTR_UPDATE_GOLDEN=1 build/tests/postproc/postproc-tests --gtest_filter='Golden*'
//
// (tests/golden/README.md says the same.)

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "report/json_reporter.h"
#include "report/section.h"
#include "trace_fixtures.h"

namespace memattr {
namespace golden_tests {

namespace fs = std::filesystem;

// Lines of context a diff shows around the lines that changed.
constexpr std::size_t kContextLines = 3;

// The sample traces' names without ".trace", sorted: the test instances.
std::vector<std::string> sample_traces() {
    std::vector<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(POSTPROC_TEST_DATA))
        if (entry.path().extension() == ".trace") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

bool updating() {
    const char* update = std::getenv("MEMATTR_UPDATE_GOLDEN");
    return update != nullptr && std::string(update) == "1";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The lines that differ between `expected` and `actual`, as a unified diff of one hunk: the
// common lines at the start and the end are left out but for kContextLines of them.
std::string line_diff(const std::string& expected, const std::string& actual) {
    const std::vector<std::string> old_lines = lines_of(expected);
    const std::vector<std::string> new_lines = lines_of(actual);
    std::size_t head = 0;
    while (head < old_lines.size() && head < new_lines.size() && old_lines[head] == new_lines[head])
        ++head;
    std::size_t tail = 0;
    while (tail < old_lines.size() - head && tail < new_lines.size() - head &&
           old_lines[old_lines.size() - 1 - tail] == new_lines[new_lines.size() - 1 - tail])
        ++tail;
    const std::size_t from = head - std::min(head, kContextLines);
    std::ostringstream diff;
    diff << "@@ expected line " << from + 1 << ", actual line " << from + 1 << " @@\n";
    for (std::size_t i = from; i < head; ++i) diff << ' ' << old_lines[i] << '\n';
    for (std::size_t i = head; i < old_lines.size() - tail; ++i) diff << '-' << old_lines[i] << '\n';
    for (std::size_t i = head; i < new_lines.size() - tail; ++i) diff << '+' << new_lines[i] << '\n';
    const std::size_t context = std::min(tail, kContextLines);
    for (std::size_t i = old_lines.size() - tail; i < old_lines.size() - tail + context; ++i)
        diff << ' ' << old_lines[i] << '\n';
    if (old_lines == new_lines) diff << "(the lines are equal; the files differ in a final newline)\n";
    return diff.str();
}

// Compares `actual` with golden file `name`, or writes it there when updating.
void check_golden(const std::string& name, const std::string& actual) {
    const fs::path path = fs::path(POSTPROC_GOLDEN_DIR) / name;
    if (updating()) {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "no golden file " << path
                    << "; create it with MEMATTR_UPDATE_GOLDEN=1 (tests/golden/README.md)";
    const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(expected == actual)
        << "the output differs from " << path << " (- expected, + actual):\n"
        << line_diff(expected, actual)
        << "If the change is meant, regenerate the golden files (tests/golden/README.md).";
}

// The report model of sample trace `name`, named as a user would give it on the command line
// so that the report does not show where the source tree is.
ReportModel sample_report(const std::string& name) {
    return analyse(test::parse_text(test::data_text(name + ".trace"), name + ".trace"), {});
}

class Golden : public testing::TestWithParam<std::string> {};

TEST_P(Golden, TextReportBySection) {
    const ReportModel model = sample_report(GetParam());
    for (const ReportSection& section : report_sections()) {
        if (section.write_text == nullptr) continue;
        std::ostringstream out;
        section.write_text(model, out);
        SCOPED_TRACE(std::string(section.name));
        check_golden(GetParam() + "." + std::string(section.name) + ".expected", out.str());
    }
}

TEST_P(Golden, JsonReport) {
    std::ostringstream out;
    JsonReporter().write(sample_report(GetParam()), out);
    check_golden(GetParam() + ".json.expected", out.str());
}

INSTANTIATE_TEST_SUITE_P(Golden, Golden, testing::ValuesIn(sample_traces()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace golden_tests
}  // namespace memattr
