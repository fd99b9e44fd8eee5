// The HTML report's page (report/html_reporter.h) without a browser: the data it carries and
// how it is escaped. The browser tests (tests/tool/cases/html.py) render it.

#include <sstream>

#include <gtest/gtest.h>

#include "report/html_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace html_report_tests {

std::string page(const ReportModel& model, HtmlExtras extras = {}) {
    std::ostringstream out;
    HtmlReporter(std::move(extras)).write(model, out);
    return out.str();
}

// The data element's text, parsed back.
Json page_data(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"report-data\">";
    const std::size_t begin = html.find(open) + open.size();
    return Json::parse(html.substr(begin, html.find("</script>", begin) - begin));
}

TEST(HtmlReport, ScriptSafeJsonCannotEndItsElement) {
    const Json data = {{"fn", "</script><img src=x onerror=alert(1)><!-- & \u2028\u2029"}};
    const std::string safe = script_safe_json(data);
    EXPECT_EQ(safe.find('<'), std::string::npos);
    EXPECT_EQ(safe.find('>'), std::string::npos);
    EXPECT_EQ(safe.find('&'), std::string::npos);
    EXPECT_EQ(safe.find("\u2028"), std::string::npos);
    EXPECT_EQ(safe.find("\u2029"), std::string::npos);
    EXPECT_EQ(Json::parse(safe), data);  // and it means the same
}

TEST(HtmlReport, EveryMarkerIsReplacedAndTheDataParsesBack) {
    const ReportModel model = test::ownership_report();
    const std::string html = page(model);
    EXPECT_EQ(html.find("/*@"), std::string::npos);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    const Json data = page_data(html);
    EXPECT_EQ(data["summary"]["peak"]["bytes"], model.summary.peak.bytes);
    EXPECT_FALSE(data.contains("sites"));  // replaced by the compact table
    EXPECT_EQ(data["site_table"]["rows"].size(), model.sites.size());
    EXPECT_TRUE(data["baseline"].is_null());
    EXPECT_EQ(data["findings"].size(), 4u);
}

TEST(HtmlReport, TheSiteTableSharesFramesAndCarriesLeakedAndRetainedBytes) {
    const ReportModel model = test::ownership_report();
    const Json table = html_page_data(model, {})["site_table"];
    const Json& columns = table["columns"];
    const auto column = [&](const char* name) {
        return static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) -
                                        columns.begin());
    };
    std::size_t frames_in_stacks = 0;
    std::uint64_t leaked = 0, peak = 0;
    for (std::size_t row = 0; row < model.sites.size(); ++row) {
        const Json& site = table["rows"][row];
        EXPECT_EQ(site[column("id")], model.sites[row].figures.id);
        EXPECT_EQ(site[column("key")], model.sites[row].key);
        ASSERT_EQ(site[column("stack")].size(), model.sites[row].stack.size());
        const Json& first = table["frames"][site[column("stack")][0].get<std::size_t>()];
        EXPECT_EQ(first[0], model.sites[row].stack[0].function);
        frames_in_stacks += site[column("stack")].size();
        leaked += site[column("leaked_bytes")].get<std::uint64_t>();
        peak += site[column("peak_bytes")].get<std::uint64_t>();
    }
    EXPECT_LT(table["frames"].size(), frames_in_stacks);  // main and its callers once
    EXPECT_EQ(peak, model.summary.peak.bytes);
    EXPECT_EQ(leaked, model.leaks[LeakKind::definitely_lost].total.bytes +
                          model.leaks[LeakKind::indirectly_lost].total.bytes);
    EXPECT_GT(table["rows"][0][column("retained_bytes")].get<std::uint64_t>(), 0u);
}

TEST(HtmlReport, LongListsAreCutAndSaySo) {
    ReportModel model = test::small_report();
    model.timeline.resize(kHtmlMaxRows + 5, model.timeline.front());
    const Json data = html_page_data(model, {});
    EXPECT_EQ(data["timeline"].size(), kHtmlMaxRows);
    EXPECT_EQ(data["truncated"]["/timeline"], kHtmlMaxRows + 5);
}

TEST(HtmlReport, ExtrasReachThePage) {
    HtmlExtras extras;
    extras.baseline = Json{{"source", "base.json"}, {"sites", Json::object()}, {"diff", Json::object()}};
    extras.ownership_svg = "<svg></svg>";
    const Json data = page_data(page(test::small_report(), std::move(extras)));
    EXPECT_EQ(data["baseline"]["source"], "base.json");
    EXPECT_EQ(data["graphs"]["ownership_svg"], "<svg></svg>");
}

}  // namespace html_report_tests
}  // namespace memattr
