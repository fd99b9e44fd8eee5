// The JSON report: parsed back with nlohmann::json, it has the documented schema, every
// figure of small.trace, and valid strings whatever bytes symbol names contain.

#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/json_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace json_report_tests {

using nlohmann::json;

// Options for a report with every row (--top 0), which most tests read.
AnalysisOptions every_row() {
    AnalysisOptions options;
    options.top = 0;
    return options;
}

std::string render(const Trace& trace, const AnalysisOptions& options = every_row()) {
    std::ostringstream out;
    JsonReporter().write(analyse(trace, options), out);
    return out.str();
}

// `value` with every frame index (a `location`, `via`, `function`, `program_function`, or an
// entry of a `stack` or `locations`) replaced by its entry of the report's `frames` table.
json with_frames(const json& value, const json& frames) {
    if (value.is_array()) {
        json entries = json::array();
        for (const json& entry : value) entries.push_back(with_frames(entry, frames));
        return entries;
    }
    if (!value.is_object()) return value;
    json object = json::object();
    for (const auto& [key, member] : value.items()) {
        const bool frame = key == "location" || key == "via" || key == "function" ||
                           key == "program_function";
        if (frame && member.is_number()) object[key] = frames.at(member.get<std::size_t>());
        else if ((key == "stack" || key == "locations") && member.is_array()) {
            object[key] = json::array();
            for (const json& index : member) object[key].push_back(frames.at(index.get<std::size_t>()));
        } else object[key] = with_frames(member, frames);
    }
    return object;
}

// The report, its frames in place (as schema version 4 wrote them) for tests that read them.
json report(const Trace& trace, const AnalysisOptions& options = every_row()) {
    const json document = json::parse(render(trace, options));
    return with_frames(document, document.at("frames"));
}

TEST(JsonReport, SchemaAndTopLevelKeysInDocumentedOrder) {
    const std::string text = render(test::small_trace());
    const auto ordered = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"schema", "schema_version", "trace", "options",
                                              "definitions", "summary", "findings", "sites", "copies",
                                              "ownership", "leaks", "threads", "timeline",
                                              "timeline_events", "phases", "memory_map",
                                              "frames", "truncated"}));
    EXPECT_EQ(ordered["schema"], "memattr-report");
    EXPECT_EQ(ordered["schema_version"], 5);
    EXPECT_TRUE(text.starts_with("{\n  \"schema\": \"memattr-report\",\n"));  // indent 2
}

TEST(JsonReport, TraceAndDefinitions) {
    const json document = report(test::small_trace());
    const json& trace = document["trace"];
    EXPECT_EQ(trace["file"], test::data_path("small.trace"));
    EXPECT_EQ(trace["complete"], true);
    EXPECT_EQ(trace["records"], 52);
    EXPECT_EQ(trace["format_version"], 1);
    EXPECT_EQ(trace["access"], false);
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
    EXPECT_EQ(document["options"]["clone_threshold"], 90);
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
    // A version 1 trace: no access tracking.
    EXPECT_EQ(summary["never_read"], json({{"blocks", 0}, {"bytes", 0}}));
    EXPECT_EQ(summary["never_accessed"], json({{"blocks", 0}, {"bytes", 0}}));
    EXPECT_TRUE(summary["access"].is_null());
}

TEST(JsonReport, SitesWithFoldedStacks) {
    const json sites = report(test::small_trace())["sites"];
    ASSERT_EQ(sites.size(), 4u);
    std::vector<int> ids;
    for (const json& site : sites) ids.push_back(site["id"]);
    EXPECT_EQ(ids, (std::vector<int>{1, 3, 4, 2}));  // by peak bytes

    const json& site = sites[0];
    EXPECT_EQ(site["location"], site["stack"][0]);
    ASSERT_EQ(site["stack"].size(), 4u);
    EXPECT_EQ(site["stack"][0], json({{"fn", "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)"},
                                      {"file", "demo.cpp"},
                                      {"dir", "/home/dev/demo/src"},
                                      {"line", 21},
                                      {"obj", "/home/dev/demo/demo"},
                                      {"ip", "0x10a51c"},
                                      {"inlined", false},
                                      {"obj_offset", nullptr}}));
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
                    {"exit", {{"bytes", 0}, {"blocks", 0}}},
                    {"at_global_peak", nullptr},
                    {"own_peak",
                     {{"same_as_global_peak", false},
                      {"top_sites", nullptr},
                      {"other_sites", nullptr}}}}));
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
    EXPECT_EQ(document["frames"][document["sites"][3]["stack"][0].get<std::size_t>()]["fn"],
              std::string("say \"hi\" \\ back\tslash\x1b[1m\0end", 29));
    EXPECT_NE(output.find(R"(say \"hi\" \\ back\tslash\u001b[1m\u0000end)"), std::string::npos);
}

TEST(JsonReport, InvalidUtf8IsReplacedNotFatal) {
    Trace trace = test::small_trace();
    trace.frames[11].function = "bad\xff\xfe utf8";
    const json document = json::parse(render(trace));
    EXPECT_EQ(document["frames"][document["sites"][3]["stack"][0].get<std::size_t>()]["fn"], "bad\xef\xbf\xbd\xef\xbf\xbd utf8");
}

// ------------------------------------------------------------------ access and copies

TEST(JsonReport, KeysInDocumentedOrder) {
    const auto document = nlohmann::ordered_json::parse(render(test::lineage_trace()));
    auto keys_of = [](const nlohmann::ordered_json& object) {
        std::vector<std::string> keys;
        for (const auto& item : object.items()) keys.push_back(item.key());
        return keys;
    };
    EXPECT_EQ(keys_of(document["copies"]),
              (std::vector<std::string>{"totals", "movable_clones", "relocations", "lineage"}));
    EXPECT_EQ(keys_of(document["copies"]["movable_clones"][0]),
              (std::vector<std::string>{"key", "location", "stack", "location_in_stack",
                                        "omitted_frames", "source_site", "destination_sites",
                                        "pairs", "bytes", "source_bytes", "destination_bytes",
                                        "peak_source_bytes", "overlap"}));
    EXPECT_EQ(keys_of(document["copies"]["relocations"][0]),
              (std::vector<std::string>{"location", "stack", "location_in_stack",
                                        "omitted_frames", "kind", "pairs", "bytes",
                                        "source_bytes", "destination_bytes",
                                        "peak_source_bytes", "overlap"}));
    EXPECT_EQ(keys_of(document["sites"][0]["access"]),
              (std::vector<std::string>{"read_bytes", "written_bytes", "never_read",
                                        "written_never_read", "never_accessed"}));
}

TEST(JsonReport, AccessInTraceSummaryAndOptions) {
    AnalysisOptions options;
    options.clone_threshold = 80;
    const json document = report(test::lineage_trace(), options);
    EXPECT_EQ(document["trace"]["format_version"], 2);
    EXPECT_EQ(document["trace"]["access"], true);
    EXPECT_EQ(document["options"]["clone_threshold"], 80);
    EXPECT_EQ(document["definitions"]["use"],
              "a read of a block's bytes other than one that copies them into another heap block");
    const json& summary = document["summary"];
    EXPECT_EQ(summary["never_read"], json({{"blocks", 6}, {"bytes", 1191936}}));
    EXPECT_EQ(summary["never_accessed"], json({{"blocks", 2}, {"bytes", 8192}}));
    EXPECT_EQ(summary["access"], json({{"reads", 12114432},
                                       {"writes", 11381248},
                                       {"bulk_copies", 57},
                                       {"bulk_bytes", 7123456},
                                       {"inline_copy_bytes", 131072},
                                       {"pairs", 63},
                                       {"extra_source_bytes", 0}}));
}

TEST(JsonReport, SiteAccessFigures) {
    const json document = report(test::lineage_trace());
    json table;
    for (const json& site : document["sites"])
        if (site["id"] == 9) table = site;
    ASSERT_FALSE(table.is_null());
    EXPECT_EQ(table["access"],
              json({{"read_bytes", 0},
                    {"written_bytes", 4096},
                    {"never_read", {{"blocks", 3}, {"bytes", 12288}, {"percent_of_bytes", 100.0}}},
                    {"written_never_read", {{"blocks", 1}, {"bytes", 4096}}},
                    {"never_accessed", {{"blocks", 2}, {"bytes", 8192}}}}));
}

TEST(JsonReport, CopiesThatCouldBeMovesRelocationsAndTotals) {
    const json copies = report(test::lineage_trace())["copies"];
    ASSERT_EQ(copies["movable_clones"].size(), 3u);
    json first = copies["movable_clones"][0];
    // memcpy, to_vec, Vec's clone, then write_groups and its 3 callers.
    ASSERT_EQ(first["stack"].size(), 7u);
    EXPECT_EQ(first["stack"][0]["fn"], "memcpy");
    EXPECT_EQ(first["stack"][3], first["location"]);
    first.erase("stack");
    EXPECT_EQ(first,
              json({{"key", "4bb0fc203d27d0a5"},
                    {"location",
                     {{"fn", "group::write_groups"},
                      {"file", "src/main.rs"},
                      {"dir", "/home/dev/lineage"},
                      {"line", 42},
                      {"obj", "/home/dev/lineage/lineage-demo"},
                      {"ip", "0x1b5400"},
                      {"inlined", false},
                      {"obj_offset", nullptr}}},
                    {"location_in_stack", 3},
                    {"omitted_frames", 0},
                    {"source_site", 1},
                    {"destination_sites", {2}},
                    {"pairs", 4},
                    {"bytes", 4128768},
                    {"source_bytes", 4194304},
                    {"destination_bytes", 4194304},
                    {"peak_source_bytes", 1048576},
                    {"overlap", 4194304000000}}));
    EXPECT_EQ(copies["movable_clones"][1]["location"]["fn"], "blob::make<\"a\\b\">(char const*)");
    ASSERT_EQ(copies["relocations"].size(), 3u);
    EXPECT_EQ(copies["relocations"][2]["kind"], "realloc");
    EXPECT_EQ(copies["relocations"][2]["location"]["fn"], "group::collect");
    EXPECT_EQ(copies["relocations"][2]["pairs"], 6);
    EXPECT_EQ(copies["relocations"][0]["kind"], "copy");
    EXPECT_EQ(copies["totals"]["movable_clones"]["pairs"], 7);
    EXPECT_EQ(copies["totals"]["relocations"]["bytes"], 2875392);
    EXPECT_EQ(copies["totals"]["clones"], json({{"pairs", 40},
                                                {"bytes", 1280},
                                                {"source_bytes", 1280},
                                                {"destination_bytes", 1280},
                                                {"peak_source_bytes", 640},
                                                {"overlap", 900000}}));
    EXPECT_EQ(copies["totals"]["partial"]["pairs"], 1);
}

TEST(JsonReport, CopyRowsCarryTheirWholeStack) {
    const json document = json::parse(render(test::derived_clone_trace()));
    std::size_t rows = 0;
    for (const char* list : {"movable_clones", "relocations"})
        for (const json& row : document["copies"][list]) {
            // Indexes into `frames`, the location among them.
            const json& stack = row.at("stack");
            const std::size_t at = row.at("location_in_stack").get<std::size_t>();
            ASSERT_LT(at, stack.size()) << row;
            EXPECT_EQ(stack[at], row["location"]) << row;
            for (const json& frame : stack)
                EXPECT_LT(frame.get<std::size_t>(), document["frames"].size());
            ++rows;
        }
    EXPECT_EQ(rows, 8u);
    const json expanded = report(test::derived_clone_trace());
    json second;
    for (const json& row : expanded["copies"]["movable_clones"])
        if (row["location"]["fn"] == "group::second") second = row;
    ASSERT_FALSE(second.is_null());
    EXPECT_EQ(second["location"]["line"], 117);
    std::vector<std::string> functions;
    for (const json& frame : second["stack"]) functions.push_back(frame["fn"]);
    EXPECT_EQ(functions,
              (std::vector<std::string>{"memcpy", "<alloc::vec::Vec<T,A> as core::clone::Clone>::clone",
                                        "<load::Record as core::clone::Clone>::clone",
                                        "group::second", "lineage_demo::main",
                                        "std::rt::lang_start_internal", "(below main)"}));
    EXPECT_EQ(second["location_in_stack"], 3);
    EXPECT_EQ(second["omitted_frames"], 0);
}

TEST(JsonReport, LineageEdges) {
    const json lineage = report(test::lineage_trace())["copies"]["lineage"];
    ASSERT_EQ(lineage.size(), 8u);
    EXPECT_EQ(lineage[0]["from"], 1);
    EXPECT_EQ(lineage[0]["to"], 2);
    EXPECT_EQ(lineage[0]["class"], "movable_clone");
    EXPECT_EQ(lineage[0]["locations"].size(), 1u);
    EXPECT_EQ(lineage[0]["locations"][0]["line"], 42);
    EXPECT_EQ(lineage[1]["class"], "relocation");
    EXPECT_EQ(lineage[6]["class"], "partial");
    EXPECT_EQ(lineage[7]["class"], "clone");
    EXPECT_EQ(lineage[7]["pairs"], 40);
}

TEST(JsonReport, TopCutsEveryListAndSaysHowLongItWas) {
    AnalysisOptions options;
    options.top = 1;
    const json document = json::parse(render(test::lineage_trace(), options));
    const json& copies = document["copies"];
    EXPECT_EQ(copies["movable_clones"].size(), 1u);
    EXPECT_EQ(copies["relocations"].size(), 1u);
    EXPECT_EQ(copies["lineage"].size(), 1u);
    EXPECT_EQ(document["sites"].size(), 1u);
    const json& truncated = document["truncated"];
    EXPECT_EQ(truncated["/copies/movable_clones"], 3);
    EXPECT_EQ(truncated["/copies/relocations"], 3);
    EXPECT_EQ(truncated["/copies/lineage"], 8);
    EXPECT_EQ(truncated["/sites"], report(test::lineage_trace())["sites"].size());
    // Stacks are --frames long, not cut: the site kept has every frame of its stack.
    EXPECT_EQ(document["sites"][0]["stack"].size(), report(test::lineage_trace())["sites"][0]["stack"].size());
}

TEST(JsonReport, TopZeroKeepsEveryRow) {
    const json document = json::parse(render(test::lineage_trace(), every_row()));
    EXPECT_EQ(document["copies"]["movable_clones"].size(), 3u);
    EXPECT_EQ(document["copies"]["relocations"].size(), 3u);
    EXPECT_EQ(document["copies"]["lineage"].size(), 8u);
    EXPECT_EQ(document["truncated"], json::object());
}

TEST(JsonReport, EachFrameOnceInTheFrameTable) {
    const json document = json::parse(render(test::small_trace()));
    const json& frames = document["frames"];
    std::set<std::string> distinct;
    for (const json& frame : frames) distinct.insert(frame.dump());
    EXPECT_EQ(distinct.size(), frames.size());
    // A site's location is the first frame of its stack, one entry of the table.
    for (const json& site : document["sites"]) {
        ASSERT_TRUE(site["location"].is_number_unsigned());
        EXPECT_EQ(site["location"], site["stack"][0]);
        for (const json& index : site["stack"]) EXPECT_LT(index.get<std::size_t>(), frames.size());
    }
    EXPECT_EQ(frames[document["sites"][0]["location"].get<std::size_t>()]["fn"],
              "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)");
}

TEST(JsonReport, NoCopiesWithoutAccessTracking) {
    const json document = report(test::parse_text(test::no_access_trace_text()));
    EXPECT_EQ(document["trace"]["format_version"], 2);
    EXPECT_EQ(document["trace"]["access"], false);
    EXPECT_EQ(document["copies"]["movable_clones"], json::array());
    EXPECT_EQ(document["copies"]["relocations"], json::array());
    EXPECT_EQ(document["copies"]["lineage"], json::array());
    EXPECT_EQ(document["copies"]["totals"]["movable_clones"]["pairs"], 0);
    EXPECT_TRUE(document["summary"]["access"].is_null());
}

}  // namespace json_report_tests
}  // namespace memattr
