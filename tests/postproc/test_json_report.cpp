// The JSON report: parsed back with nlohmann::json, it has the documented schema, every
// figure of small.trace, and valid strings whatever bytes symbol names contain.

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "json_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace {

using nlohmann::json;

std::string render(const Trace& trace, const AnalysisOptions& options = {}) {
    std::ostringstream out;
    JsonReporter().write(analyse(trace, options), out);
    return out.str();
}

json report(const Trace& trace, const AnalysisOptions& options = {}) {
    return json::parse(render(trace, options));
}

TEST(JsonReport, SchemaAndTopLevelKeysInDocumentedOrder) {
    const std::string text = render(test::small_trace());
    const auto ordered = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"schema", "schema_version", "trace", "options",
                                              "definitions", "summary", "sites", "threads",
                                              "timeline"}));
    EXPECT_EQ(ordered["schema"], "memattr-report");
    EXPECT_EQ(ordered["schema_version"], 1);
    EXPECT_TRUE(text.starts_with("{\n  \"schema\": \"memattr-report\",\n"));  // indent 2
}

TEST(JsonReport, TraceAndDefinitions) {
    const json document = report(test::small_trace());
    const json& trace = document["trace"];
    EXPECT_EQ(trace["file"], test::data_path("small.trace"));
    EXPECT_EQ(trace["complete"], true);
    EXPECT_EQ(trace["records"], 52);
    EXPECT_EQ(trace["tool"], "memattr");
    EXPECT_EQ(trace["tool_version"], "0.1.0");
    EXPECT_EQ(trace["cmd"]["exe"], "./demo");
    EXPECT_EQ(trace["cmd"]["args"], "--size 3");
    EXPECT_EQ(trace["pid"], 4242);
    EXPECT_EQ(trace["ppid"], 4000);
    EXPECT_EQ(trace["fork_of"], 0);
    EXPECT_EQ(trace["malloc_mode"], "replace");
    EXPECT_EQ(trace["time_unit"], "instr");
    EXPECT_EQ(trace["alignment"], 16);
    EXPECT_EQ(trace["num_callers"], 24);
    EXPECT_EQ(trace["exit_reason"], "exit");
    EXPECT_EQ(trace["exit_code"], 0);
    EXPECT_EQ(document["definitions"]["temporary"],
              "freed before any other heap block was allocated (heaptrack's definition)");
    EXPECT_EQ(document["options"]["frames"], 6);
    EXPECT_EQ(document["options"]["ignore_fn"], json::array());
}

TEST(JsonReport, Summary) {
    const json summary = report(test::small_trace())["summary"];
    EXPECT_EQ(summary["peak"], json({{"bytes", 2101312}, {"blocks", 5}, {"t", 8400000},
                                     {"alloc", 2500000}}));
    EXPECT_EQ(summary["total"],
              json({{"bytes", 4108288}, {"blocks", 662}, {"frees", 660}, {"bad_frees", 0}}));
    EXPECT_EQ(summary["exit"], json({{"bytes", 4096}, {"blocks", 2}, {"t", 12500000},
                                     {"alloc", 4108288}}));
    EXPECT_EQ(summary["temporary"]["blocks"], 600);
    EXPECT_EQ(summary["temporary"]["bytes"], 38400);
    EXPECT_NEAR(summary["temporary"]["percent_of_blocks"].get<double>(), 100.0 * 600 / 662, 1e-9);
    EXPECT_EQ(summary["instructions"], 12500000);
}

TEST(JsonReport, SitesWithFoldedStacks) {
    const json sites = report(test::small_trace())["sites"];
    ASSERT_EQ(sites.size(), 4u);
    std::vector<int> ids;
    for (const json& site : sites) ids.push_back(site["id"]);
    EXPECT_EQ(ids, (std::vector<int>{1, 3, 4, 2}));  // by peak bytes

    const json& site = sites[0];
    EXPECT_EQ(site["location"],
              json({{"fn", "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)"},
                    {"file", "demo.cpp"},
                    {"line", 21},
                    {"obj", "/home/dev/demo/demo"}}));
    ASSERT_EQ(site["stack"].size(), 4u);
    EXPECT_EQ(site["stack"][0], json({{"fn", site["location"]["fn"]},
                                      {"file", "demo.cpp"},
                                      {"dir", "/home/dev/demo/src"},
                                      {"line", 21},
                                      {"obj", "/home/dev/demo/demo"},
                                      {"ip", "0x10a51c"},
                                      {"inlined", false}}));
    EXPECT_EQ(site["stack"][1]["fn"], "run_pipeline(Config const&)");
    EXPECT_EQ(site["stack"][3]["fn"], "(below main)");
    EXPECT_EQ(site["stack"][3]["file"], "");
    EXPECT_EQ(site["stack"][3]["line"], 0);
    EXPECT_EQ(site["omitted_frames"], 0);
    EXPECT_EQ(site["total"]["bytes"], 3145728);
    EXPECT_EQ(site["total"]["blocks"], 12);
    EXPECT_EQ(site["total"]["average_size"], 262144.0);
    EXPECT_EQ(site["peak"]["bytes"], 1572864);
    EXPECT_EQ(site["peak"]["blocks"], 1);
    EXPECT_NEAR(site["peak"]["percent"].get<double>(), 100.0 * 1572864 / 2101312, 1e-9);
    EXPECT_EQ(site["max"], json({{"bytes", 1572864}, {"blocks", 1}}));
    EXPECT_EQ(site["exit"]["bytes"], 0);
    EXPECT_EQ(site["freed_blocks"], 12);
    EXPECT_EQ(site["lifetime"], json({{"min", 1200}, {"mean", 500000.0}, {"max", 2500000}}));
    EXPECT_EQ(sites[3]["temporary"]["blocks"], 600);
    EXPECT_EQ(sites[3]["temporary"]["bytes"], 38400);
    EXPECT_EQ(sites[1]["realloc_blocks"], 7);
    EXPECT_EQ(sites[3]["stack"][0]["fn"], "scratch\tcopy");
}

TEST(JsonReport, FramesOptionTruncatesStacks) {
    AnalysisOptions options;
    options.folding.max_frames = 2;
    options.folding.extra_wrapper_patterns = {"^my_pool"};
    const json document = report(test::small_trace(), options);
    EXPECT_EQ(document["sites"][0]["stack"].size(), 2u);
    EXPECT_EQ(document["sites"][0]["omitted_frames"], 2);
    EXPECT_EQ(document["options"]["frames"], 2);
    EXPECT_EQ(document["options"]["ignore_fn"], json::array({"^my_pool"}));
}

TEST(JsonReport, ThreadsAndTimeline) {
    const json document = report(test::small_trace());
    ASSERT_EQ(document["threads"].size(), 2u);
    EXPECT_EQ(document["threads"][1],
              json({{"id", 2},
                    {"parent", 1},
                    {"total", {{"bytes", 917504}, {"blocks", 8}}},
                    {"peak", {{"bytes", 524288}, {"blocks", 1}, {"t", 8100000}}},
                    {"exit", {{"bytes", 0}, {"blocks", 0}}}}));
    const json& timeline = document["timeline"];
    ASSERT_EQ(timeline.size(), 6u);
    EXPECT_EQ(timeline[3], json({{"t", 8400000}, {"alloc", 2500000}, {"bytes", 2101312},
                                 {"blocks", 5}, {"peak", true}}));
    int peaks = 0;
    for (const json& point : timeline) peaks += point["peak"].get<bool>();
    EXPECT_EQ(peaks, 1);
}

TEST(JsonReport, SymbolNamesAreDataWhateverTheirBytes) {
    // In the trace: quotes, a backslash, a TAB, ESC and a NUL byte, all legal in values.
    const std::string text = test::replace_once(
        test::small_trace_text(), "fn=scratch\\tcopy",
        "fn=say \"hi\" \\\\ back\\tslash\\x1b[1m\\x00end");
    const Trace trace = test::parse_text(text);
    const std::string output = render(trace);
    const json document = json::parse(output);  // throws if invalid
    EXPECT_EQ(document["sites"][3]["stack"][0]["fn"],
              std::string("say \"hi\" \\ back\tslash\x1b[1m\0end", 29));
    EXPECT_NE(output.find(R"(say \"hi\" \\ back\tslash\u001b[1m\u0000end)"), std::string::npos);
}

TEST(JsonReport, InvalidUtf8IsReplacedNotFatal) {
    Trace trace = test::small_trace();
    trace.frames[11].function = "bad\xff\xfe utf8";
    const json document = json::parse(render(trace));
    EXPECT_EQ(document["sites"][3]["stack"][0]["fn"], "bad\xef\xbf\xbd\xef\xbf\xbd utf8");
}

}  // namespace
}  // namespace memattr
