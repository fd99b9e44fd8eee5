// The reporter registry: the formats the command line offers and their reporters.

#include <stdexcept>

#include <gtest/gtest.h>

#include "report/json_reporter.h"
#include "report/reporter.h"
#include "report/text_reporter.h"

namespace memattr {
namespace {

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

}  // namespace
}  // namespace memattr
