// The reporter registry: the formats the command line offers and their reporters.

#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "report/json_reporter.h"
#include "report/reporter.h"
#include "report/section.h"
#include "report/text_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace reporter_registry_tests {

TEST(ReporterRegistry, ListsTheFormats) {
    EXPECT_EQ(reporter_formats(), (std::vector<std::string>{"text", "json"}));
}

TEST(ReporterRegistry, MakesTheReporterOfEachFormat) {
    EXPECT_NE(dynamic_cast<TextReporter*>(make_reporter("text").get()), nullptr);
    EXPECT_NE(dynamic_cast<JsonReporter*>(make_reporter("json").get()), nullptr);
}

TEST(ReporterRegistry, RefusesUnknownFormats) {
    EXPECT_THROW(make_reporter("xml"), std::invalid_argument);
    EXPECT_THROW(make_reporter(""), std::invalid_argument);
}

// The section names name golden files (tests/golden/<trace>.<name>.expected).
TEST(SectionRegistry, NamesEachSectionOnceAsAFileNamePart) {
    std::set<std::string> names;
    for (const ReportSection& section : report_sections()) {
        const std::string name(section.name);
        EXPECT_TRUE(names.insert(name).second) << name;
        EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos)
            << name;
        EXPECT_TRUE(section.write_text != nullptr || section.write_json != nullptr) << name;
    }
}

// The text report is its sections' text, in the order of the list.
TEST(SectionRegistry, TextReportIsItsSectionsInOrder) {
    const ReportModel model = test::small_report();
    std::ostringstream sections;
    for (const ReportSection& section : report_sections())
        if (section.write_text) section.write_text(model, sections);
    std::ostringstream report;
    TextReporter().write(model, report);
    EXPECT_EQ(report.str(), sections.str());
}

}  // namespace reporter_registry_tests
}  // namespace memattr
