// The ownership sections of the reports, on data/ownership.trace: the text report's "Owners
// at peak (retained)", "Duplicate contents" and "Unreachable at peak" (and the one line each
// says when there is no snapshot, and why), the JSON report's `ownership` object, and the
// ownership graph (`memattr-graph dot`) by site and by block, read back with the strict DOT
// reader and rendered by Graphviz, hostile symbol names included.

#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dot_checker.h"
#include "report/json_reporter.h"
#include "report/ownership_reporter.h"
#include "report/text_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace ownership_report_tests {

using test::text_report;

using json = nlohmann::json;
using test::data_records;
using test::find_record;
using test::parse_dot;
using test::with_end_record;

json json_report(const Trace& trace, const AnalysisOptions& options = {}) {
    std::ostringstream out;
    JsonReporter().write(analyse(trace, options), out);
    return json::parse(out.str());
}

AnalysisOptions graph_options(std::size_t top = kDefaultGraphSites) {
    AnalysisOptions options;
    options.top = top;
    options.site_graph = true;
    return options;
}

std::string dot_report(const Trace& trace, const AnalysisOptions& options = graph_options()) {
    std::ostringstream out;
    OwnershipReporter().write(analyse(trace, options), out);
    return out.str();
}

// The text of the section titled `title`, up to the next section.
std::string section(const std::string& report, const std::string& title) {
    const std::string heading = "\n" + title + "\n" + std::string(title.size(), '=') + "\n";
    const std::size_t start = report.find(heading);
    EXPECT_NE(start, std::string::npos) << "no section " << title;
    if (start == std::string::npos) return "";
    const std::size_t body = start + heading.size();
    const std::size_t next = report.find("\n\n", body);
    const std::size_t end = report.find("=\n", next == std::string::npos ? body : next);
    std::size_t cut = next;
    while (cut != std::string::npos && end != std::string::npos && cut + 1 < end) {
        // a blank line inside the section (before "Owners:") is not its end
        const std::size_t following = report.find("\n\n", cut + 2);
        if (following == std::string::npos || following > end) break;
        cut = following;
    }
    return report.substr(body, (cut == std::string::npos ? report.size() : cut + 1) - body);
}

// ownership.trace without the snapshots whose header starts with one of `dropped` (their
// blocks and roots go with them); the remaining snapshots are renumbered from 1.
Trace without_snapshots(const std::vector<std::string>& dropped) {
    std::vector<std::string> lines;
    bool dropping = false;
    std::uint64_t next_id = 1;
    for (const std::string& line : data_records("ownership.trace")) {
        if (line.starts_with("snapshot\t")) {
            dropping = false;
            for (const std::string& prefix : dropped) dropping = dropping || line.starts_with(prefix);
            if (!dropping) {
                const std::size_t id = line.find("id=") + 3;
                lines.push_back(line.substr(0, id) + std::to_string(next_id++) +
                                line.substr(line.find('\t', id)));
            }
            continue;
        }
        if (line.starts_with("snapshot-cost\t")) dropping = false;
        if (dropping && (line.starts_with("block\t") || line.starts_with("root\t"))) continue;
        lines.push_back(line);
    }
    return test::parse_text(with_end_record(lines));
}

// ownership.trace with its peak snapshot's duplicates spread over two sets of sites:
//   {List::push [site 4], Cache::Cache() [site 2]}: the 4 KiB pair (blocks 5 and 6, moved
//       to sites 4 and 2) and a 24-byte pair (list nodes 8 and 9, node 9 moved to site 2
//       and given node 8's contents): 2 groups, 4 blocks, 4,120 bytes wasted
//   {Cache::insert [site 1], Blob::copy [site 6]}: the three 128-byte blobs, two of them
//       moved to site 1: 1 group, 3 blocks, 256 bytes wasted
// The first set sorts after the second by site rows (site 6 has more peak bytes than site
// 4), so only ranking by wasted bytes puts it first.
Trace duplicates_in_two_site_sets() {
    std::string text = test::data_text("ownership.trace");
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"i=5\taddr=0x5000\tsite=3", "i=5\taddr=0x5000\tsite=4"},
             {"i=6\taddr=0x7000\tsite=3", "i=6\taddr=0x7000\tsite=2"},
             {"i=9\taddr=0xa100\tsite=4\tsize=24\thash=000000000000d002",
              "i=9\taddr=0xa100\tsite=2\tsize=24\thash=000000000000d001"},
             {"i=14\taddr=0xc000\tsite=6", "i=14\taddr=0xc000\tsite=1"},
             {"i=15\taddr=0xc100\tsite=6", "i=15\taddr=0xc100\tsite=1"}})
        text = test::replace_once(text, from, to);
    return test::parse_text(text);
}

// ------------------------------------------------------------------ the text report

TEST(OwnershipText, SectionsComeAfterTheTopSitesAtPeak) {
    const std::string report = text_report(test::ownership_trace());
    std::size_t previous = report.find("\nTop sites at peak\n");
    for (const char* title : {"Owners at peak (retained)", "Duplicate contents",
                              "Unreachable at peak", "Top sites by total allocated (churn)"}) {
        const std::size_t at = report.find(std::string("\n") + title + "\n=");
        ASSERT_NE(at, std::string::npos) << title;
        EXPECT_GT(at, previous) << title;
        previous = at;
    }
}

TEST(OwnershipText, SaysHowCloseTheSnapshotIsToThePeakAndWhatItCost) {
    const std::string owners = section(text_report(test::ownership_trace()), "Owners at peak (retained)");
    EXPECT_CONTAINS(owners, "Snapshot        snapshot 2 'peak' (peak): 10.41 KiB (10,656 bytes) "
                            "in 19 blocks at 6.9 Minstr\n");
    EXPECT_CONTAINS(owners, "99.6% of the true peak (10.45 KiB (10,700 bytes) at 7.0 Minstr), "
                            "100.0 kinstr before it\n");
    EXPECT_CONTAINS(owners, "Cost            5 snapshots taken read 58.59 KiB (60,000 bytes), "
                            "5.6 times the peak's live bytes\n");
    EXPECT_CONTAINS(owners, "Reachable       9.66 KiB (9,888 bytes) in 15 blocks from 7 root "
                            "words; 768 bytes in 4 blocks unreachable\n");
}

TEST(OwnershipText, RanksSitesByRetainedBytesWithRetainerPaths) {
    const std::string owners = section(text_report(test::ownership_trace()), "Owners at peak (retained)");
    EXPECT_CONTAINS(owners, "  1. 9.16 KiB (9,376 bytes) retained, 88.0% of the snapshot; itself "
                            "64 bytes in 1 block\n     site 2: Cache::Cache() (cache.cpp:12)\n");
    EXPECT_CONTAINS(owners,
                    "  3. 9.00 KiB (9,216 bytes) retained, 86.5% of the snapshot; itself 9.00 "
                    "KiB (9,216 bytes) in 3 blocks\n"
                    "     site 3: Segment::load(char const*) (segment.cpp:30)\n"
                    "     path: global g_cache (cache-demo)\n"
                    "           -> Cache::Cache() (cache.cpp:12) [site 2], 64 B\n"
                    "           -> at +0: Cache::insert(std::string const&) (cache.cpp:20) [site 1], 32 B\n"
                    "           -> at +8: Segment::load(char const*) (segment.cpp:30) [site 3], 4.00 KiB\n");
    // The linked list: 96 bytes, each node once, and its path collapses the run.
    EXPECT_CONTAINS(owners, "96 bytes retained, 0.9% of the snapshot; itself 96 bytes in 4 blocks\n"
                            "     site 4: List::push(int) (list.cpp:8)\n"
                            "     path: global g_list (cache-demo)\n"
                            "           -> List::push(int) (list.cpp:8) [site 4], 24 B\n");
}

TEST(OwnershipText, NamesOwnersRootsIncluded) {
    AnalysisOptions options;
    options.top = 0;
    const std::string owners =
        section(text_report(test::ownership_trace(), options), "Owners at peak (retained)");
    EXPECT_CONTAINS(owners, "  1. global g_cache (cache-demo)\n     keeps 1 block of Cache::Cache() "
                            "(cache.cpp:12) [site 2] alive: 9.16 KiB (9,376 bytes) retained\n");
    EXPECT_CONTAINS(owners, "  2. Cache::Cache() (cache.cpp:12) [site 2]\n     keeps 3 blocks of "
                            "Cache::insert(std::string const&) (cache.cpp:20) [site 1] alive: 9.09 "
                            "KiB (9,312 bytes) retained\n");
    // Blob 14 holds the start of block 17, node C's word only points into it: blob 14 owns
    // it (start pointers are preferred, as Memcheck prefers them), not both together.
    EXPECT_CONTAINS(owners, "stack of thread 1 in main (app.cpp:44)\n     keeps 2 blocks of "
                            "Blob::copy<\"q\\\\z\">(char const*) & (blob.cpp:14) [site 6] alive: "
                            "288 bytes retained\n");
    // Blob 16 has a register and a mapping: the mapping names it.
    EXPECT_CONTAINS(owners, "anonymous mapping\n     keeps 1 block of Blob::copy");
    EXPECT_EQ(owners.find("register rax"), std::string::npos);
    EXPECT_CONTAINS(owners, "Blob::copy<\"q\\\\z\">(char const*) & (blob.cpp:14) [site 6]\n"
                            "     keeps 1 block of Cache::insert(std::string const&) (cache.cpp:20) "
                            "[site 1] alive: 32 bytes retained\n");
    EXPECT_EQ(owners.find("several roots together"), std::string::npos);
    EXPECT_CONTAINS(owners, "global g_list (cache-demo)\n     keeps 1 block of List::push(int) "
                            "(list.cpp:8) [site 4] alive: 96 bytes retained\n");
    EXPECT_EQ(owners.find("List::push(int) (list.cpp:8) [site 4]\n     keeps"), std::string::npos);
}

TEST(OwnershipText, DuplicateContents) {
    EXPECT_EQ(section(text_report(test::ownership_trace()), "Duplicate contents"),
              "2 groups of live blocks with equal contents, 5 blocks in all: keeping one copy of "
              "each would save 4.25 KiB (4,352 bytes).\n"
              "By site: the groups summed by the set of sites their blocks come from.\n"
              "  1. 4.00 KiB (4,096 bytes) wasted in 1 group of equal blocks (2 blocks), from "
              "one site\n"
              "       2 blocks from Segment::load(char const*) (segment.cpp:30) [site 3]\n"
              "  2. 256 bytes wasted in 1 group of equal blocks (3 blocks), from one site\n"
              "       3 blocks from Blob::copy<\"q\\\\z\">(char const*) & (blob.cpp:14) [site 6]\n"
              "\n"
              "By site alone: each site's blocks in the groups, whatever the other copies' sites.\n"
              "  1. 8.00 KiB (8,192 bytes) in 2 blocks of 1 group from Segment::load(char const*) "
              "(segment.cpp:30) [site 3]\n"
              "  2. 384 bytes in 3 blocks of 1 group from Blob::copy<\"q\\\\z\">(char const*) & "
              "(blob.cpp:14) [site 6]\n"
              "\n"
              "By group: the largest groups, each with the sites its copies come from.\n"
              "  1. 2 copies of 4.00 KiB (4,096 bytes): 4.00 KiB (4,096 bytes) wasted\n"
              "     2 from Segment::load(char const*) (segment.cpp:30) [site 3]\n"
              "  2. 3 copies of 128 bytes: 256 bytes wasted\n"
              "     3 from Blob::copy<\"q\\\\z\">(char const*) & (blob.cpp:14) [site 6]\n");
}

TEST(OwnershipText, DuplicatesBySitesSumTheGroupsOfEachSetAndRankByWastedBytes) {
    AnalysisOptions options;
    options.top = 1;
    const std::string duplicates =
        section(text_report(duplicates_in_two_site_sets(), options), "Duplicate contents");
    EXPECT_CONTAINS(duplicates, "3 groups of live blocks with equal contents, 7 blocks in all: "
                                "keeping one copy of each would save 4.27 KiB (4,376 bytes).\n"
                                "By site: the groups summed by the set of sites their blocks "
                                "come from.\n"
                                "The top 1 of 2 sets of sites (--top shows more).\n"
                                "  1. 4.02 KiB (4,120 bytes) wasted in 2 groups of equal blocks "
                                "(4 blocks), between\n"
                                "       2 blocks from List::push(int) (list.cpp:8) [site 4]\n"
                                "       2 blocks from Cache::Cache() (cache.cpp:12) [site 2]\n"
                                "\nBy site alone:");
    // summed over both of List::push's groups, though --top lists only one group
    EXPECT_CONTAINS(duplicates, "The top 1 of 4 sites (--top shows more).\n"
                                "  1. 4.02 KiB (4,120 bytes) in 2 blocks of 2 groups from "
                                "List::push(int) (list.cpp:8) [site 4]\n"
                                "\nBy group:");
    EXPECT_EQ(duplicates.find("from Cache::insert"), std::string::npos);
}

TEST(OwnershipText, UnreachableAtPeak) {
    EXPECT_EQ(section(text_report(test::ownership_trace()), "Unreachable at peak"),
              "768 bytes in 4 blocks that no root reaches: leaked already, unless the program "
              "hides its pointers (tagged or encoded).\n"
              "  1. 768 bytes in 4 blocks\n     site 5: leak_buffer(unsigned long) (leak.cpp:5)\n");
}

TEST(OwnershipText, WithoutASnapshotEachSectionSaysWhy) {
    const std::string old = text_report(test::small_trace());
    for (const char* title : {"Owners at peak (retained)", "Duplicate contents", "Unreachable at peak"})
        EXPECT_EQ(section(old, title),
                  "No heap snapshot: the trace is version 1, written by a memattr that took none.\n");

    const Trace below_min = without_snapshots({"snapshot\tid=2\t", "snapshot\tid=3\t"});
    EXPECT_EQ(section(text_report(below_min), "Owners at peak (retained)"),
              "No heap snapshot: the live heap never reached --snapshot-min (4.00 KiB (4,096 "
              "bytes)), so no peak snapshot was taken, and the trace has no exit snapshot.\n");

    std::vector<std::string> lines;
    for (const std::string& line : data_records("ownership.trace"))
        if (!line.starts_with("snapshot") && !line.starts_with("block\t") && !line.starts_with("root\t"))
            lines.push_back(line);
    const std::size_t run = find_record(lines, "run\t");
    lines[run] = test::replace_once(lines[run], "snapshots=yes", "snapshots=no");
    EXPECT_EQ(section(text_report(test::parse_text(with_end_record(lines))), "Unreachable at peak"),
              "No heap snapshot: the trace was recorded with --snapshots=no.\n");
}

TEST(OwnershipText, WithoutAPeakSnapshotTheExitOneIsUsed) {
    const std::string owners = section(text_report(without_snapshots({"snapshot\tid=2\t"})),
                                       "Owners at exit (retained)");
    EXPECT_CONTAINS(owners, "snapshot 2 'exit' (exit): 864 bytes in 8 blocks");
    EXPECT_CONTAINS(owners, "no peak snapshot: the live heap stayed below --snapshot-min (4.00 "
                            "KiB (4,096 bytes)); this is the exit snapshot\n");
}

TEST(OwnershipText, SnapshotOptionChoosesAnotherSnapshot) {
    AnalysisOptions options;
    options.snapshot = "after-load";
    const std::string by_name = text_report(test::ownership_trace(), options);
    EXPECT_CONTAINS(section(by_name, "Owners at snapshot 'after-load' (retained)"),
                    "snapshot 1 'after-load' (requested): 96 bytes in 2 blocks");
    options.snapshot = "3";
    EXPECT_CONTAINS(text_report(test::ownership_trace(), options), "\nOwners at exit (retained)\n");
    options.snapshot = "nosuch";
    try {
        analyse(test::ownership_trace(), options);
        ADD_FAILURE() << "no error for an unknown snapshot";
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "--snapshot 'nosuch': no snapshot has that name; the trace has "
                                   "1 'after-load', 2 'peak', 3 'exit'");
    }
    options.snapshot = "9";
    EXPECT_THROW(analyse(test::ownership_trace(), options), std::invalid_argument);
}

// ------------------------------------------------------------------ JSON

TEST(OwnershipJson, CarriesTheSnapshotAndItsCost) {
    const json document = json_report(test::ownership_trace());
    EXPECT_EQ(document["schema_version"], 5);
    EXPECT_EQ(document["trace"]["snapshots"], true);
    EXPECT_EQ(document["trace"]["snapshot_growth"], 10);
    EXPECT_EQ(document["trace"]["snapshot_min"], 4096);
    const json& ownership = document["ownership"];
    EXPECT_EQ(ownership["available"], true);
    EXPECT_EQ(ownership["missing_reason"], nullptr);
    EXPECT_EQ(ownership["snapshots"].size(), 3u);
    EXPECT_EQ(ownership["snapshots"][0]["kinds"], json::array({"request"}));
    EXPECT_EQ(ownership["snapshot"]["id"], 2);
    EXPECT_EQ(ownership["snapshot"]["choice"], "peak");
    EXPECT_DOUBLE_EQ(ownership["snapshot"]["percent_of_peak"].get<double>(), 100.0 * 10656 / 10700);
    EXPECT_EQ(ownership["cost"]["taken"], 5);
    EXPECT_EQ(ownership["cost"]["scanned"], 60000);
    EXPECT_EQ(ownership["reachable"], json({{"blocks", 15}, {"bytes", 9888}}));
    EXPECT_EQ(ownership["unreachable_total"], json({{"blocks", 4}, {"bytes", 768}}));
}

TEST(OwnershipJson, SitesOwnersAndPaths) {
    const json ownership = json_report(test::ownership_trace())["ownership"];
    const json& first = ownership["sites"][0];
    EXPECT_EQ(first["site"], 2);
    EXPECT_EQ(first["retained_bytes"], 9376);
    EXPECT_EQ(first["self"], json({{"blocks", 1}, {"bytes", 64}}));
    const json& path = ownership["sites"][2]["path"];
    EXPECT_EQ(path["root"], 0);
    EXPECT_EQ(path["blocks"], 3);
    EXPECT_EQ(path["steps"][2], json({{"site", 3}, {"blocks", 1}, {"address", "0x5000"},
                                      {"size", 4096}, {"offset", 8}, {"target_offset", 0}}));
    EXPECT_EQ(ownership["roots"][0]["name"], "global g_cache (cache-demo)");
    EXPECT_EQ(ownership["roots"][0]["kind"], "global");
    EXPECT_EQ(ownership["owners"][0]["owner"], json({{"kind", "root"}, {"root", 0}}));
    EXPECT_EQ(ownership["owners"][1]["owner"], json({{"kind", "site"}, {"site", 2}}));
    // Block 17: its start held by blob 14, an interior word of node C: blob 14's site owns it.
    bool owned_by_blob = false;
    for (const json& row : ownership["owners"])
        owned_by_blob = owned_by_blob || (row["owner"] == json({{"kind", "site"}, {"site", 6}}) &&
                                          row["site"] == 1);
    EXPECT_TRUE(owned_by_blob);
    EXPECT_EQ(ownership["unreachable"], json::array({{{"site", 5}, {"bytes", 768}, {"blocks", 4}}}));
    EXPECT_EQ(ownership["duplicates"]["wasted"], 4352);
    EXPECT_EQ(ownership["duplicates"]["rows"][0]["hash"], "000000000000bbbb");
    EXPECT_EQ(ownership["duplicates"]["rows"][1]["sites"], json::array({{{"site", 6}, {"copies", 3}}}));
}

TEST(OwnershipJson, DuplicatesBySites) {
    const json duplicates = json_report(duplicates_in_two_site_sets())["ownership"]["duplicates"];
    EXPECT_EQ(duplicates["groups"], 3);
    EXPECT_EQ(duplicates["blocks"], 7);
    EXPECT_EQ(duplicates["wasted"], 4376);
    EXPECT_EQ(duplicates["by_sites"],
              json::parse(R"([
                  {"key": "a59c162482603d79",
                   "sites": [{"site": 4, "blocks": 2}, {"site": 2, "blocks": 2}],
                   "groups": 2, "blocks": 4, "wasted": 4120},
                  {"key": "6ec05bb206eb5cc1",
                   "sites": [{"site": 1, "blocks": 2}, {"site": 6, "blocks": 1}],
                   "groups": 1, "blocks": 3, "wasted": 256}
              ])"));
    EXPECT_EQ(duplicates["rows"].size(), 3u);
    // Each site alone, over every group: List::push's 4,096- and 24-byte copies, Cache's
    // 4,096 and 24, Cache::insert's two 128-byte copies, Blob's one.
    EXPECT_EQ(duplicates["by_site"],
              json::parse(R"([
                  {"site": 4, "groups": 2, "blocks": 2, "bytes": 4120},
                  {"site": 2, "groups": 2, "blocks": 2, "bytes": 4120},
                  {"site": 1, "groups": 1, "blocks": 2, "bytes": 256},
                  {"site": 6, "groups": 1, "blocks": 1, "bytes": 128}
              ])"));
}

TEST(OwnershipJson, DuplicatesBySiteAreSummedOverGroupsTheTopLeftOut) {
    AnalysisOptions options;
    options.top = 1;
    const json document = json_report(duplicates_in_two_site_sets(), options);
    const json& duplicates = document["ownership"]["duplicates"];
    EXPECT_EQ(duplicates["rows"].size(), 1u);
    EXPECT_EQ(document["truncated"]["/ownership/duplicates/rows"], 3);
    EXPECT_EQ(duplicates["by_site"],
              json::parse(R"([{"site": 4, "groups": 2, "blocks": 2, "bytes": 4120}])"));
    EXPECT_EQ(document["truncated"]["/ownership/duplicates/by_site"], 4);
}

TEST(OwnershipJson, LargestBlocksByRetainedSizeWithTheirPaths) {
    const json ownership = json_report(test::ownership_trace())["ownership"];
    const json& blocks = ownership["largest_blocks"];
    ASSERT_EQ(blocks.size(), kMaxRetainerPaths);
    // Cache's table (64 bytes) keeps every node and segment: 9,376 bytes retained
    EXPECT_EQ(blocks[0], json::parse(R"({
        "site": 2, "address": "0x1000", "size": 64, "retained_bytes": 9376,
        "retained_percent": )" + json(100.0 * 9376 / 10656).dump() + R"(,
        "path": {"root": 0, "root_address": "0x404040", "root_symbol_offset": 0, "blocks": 1,
                 "steps": [{"site": 2, "blocks": 1, "address": "0x1000", "size": 64,
                            "offset": 0, "target_offset": 0}]}})"));
    // then two nodes of 32 bytes, each with its 4,096-byte segment, lower address first
    EXPECT_EQ(blocks[1]["address"], "0x2000");
    EXPECT_EQ(blocks[1]["retained_bytes"], 4128);
    EXPECT_EQ(blocks[1]["path"]["blocks"], 2);
    EXPECT_EQ(blocks[2]["address"], "0x3000");
    EXPECT_EQ(blocks[2]["path"]["steps"][1]["offset"], 8);
    for (std::size_t i = 1; i < blocks.size(); ++i)
        EXPECT_GE(blocks[i - 1]["retained_bytes"], blocks[i]["retained_bytes"]);
}

TEST(OwnershipJson, UsableBytesBesideRequestedBytesPerSite) {
    const json sites = json_report(test::ownership_trace())["sites"];
    for (const json& site : sites) {
        // the fixture's peak snapshot is not at the peak: no usable figure there
        EXPECT_EQ(site["peak"]["usable_bytes"], nullptr);
        if (site["id"] == 5) {
            EXPECT_EQ(site["exit"]["usable_bytes"], 832);
        }
        if (site["id"] == 4) {
            EXPECT_EQ(site["exit"]["usable_bytes"], 96);
        }
    }
}

TEST(OwnershipText, UsableBytesFollowTheShareOfThePeakAndOfTheExit) {
    const std::string report = text_report(test::ownership_trace());
    EXPECT_CONTAINS(section(report, "Live at exit"),
                    "  1. 768 bytes in 4 blocks, 88.9% of what is live at exit, 832 bytes usable\n");
    // no usable figure where the snapshot is not at the peak
    EXPECT_CONTAINS(section(report, "Top sites at peak"),
                    "  1. 9.00 KiB (9,216 bytes) in 3 blocks, 86.1% of the peak\n");
}

TEST(OwnershipJson, SaysWhyThereIsNoSnapshot) {
    const json ownership = json_report(test::lineage_trace())["ownership"];
    EXPECT_EQ(ownership, json({{"available", false}, {"missing_reason", "old_trace"},
                               {"snapshots", json::array()}, {"cost", nullptr}}));
}

// ------------------------------------------------------------------ the ownership graph

TEST(OwnershipGraph, SitesRootsAndOwnershipEdges) {
    const test::DotGraph graph = parse_dot(dot_report(test::ownership_trace(), graph_options(4)));
    EXPECT_EQ(graph.name, "memattr_ownership");
    for (const char* node : {"site1", "site2", "site3", "site6", "other_sites", "root0", "root1",
                             "root2", "root4"})
        EXPECT_TRUE(graph.nodes.contains(node)) << node;
    EXPECT_FALSE(graph.nodes.contains("site4"));  // folded into the other sites
    EXPECT_FALSE(graph.nodes.contains("root3"));  // the register owns nothing
    EXPECT_EQ(graph.nodes.at("root0").at("shape"), "house");
    EXPECT_EQ(test::dot_lines(graph.nodes.at("site2").at("label")),
              (std::vector<std::string>{"Cache::Cache()", "cache.cpp:12",
                                        "site 2: itself 64 B in 1 block", "retains 9.16 KiB"}));
    ASSERT_FALSE(graph.edges.empty());
    EXPECT_EQ(graph.edges[0].from, "root0");
    EXPECT_EQ(graph.edges[0].to, "site2");
    EXPECT_EQ(test::dot_lines(graph.edges[0].attributes.at("label")),
              (std::vector<std::string>{"9.16 KiB", "1 block"}));
    EXPECT_CONTAINS(graph.graph.at("label"), "4 of 6 sites drawn");
    for (const test::DotEdge& edge : graph.edges)
        EXPECT_FALSE(edge.from == "other_sites" && edge.to == "other_sites");
}

TEST(OwnershipGraph, TopZeroDrawsEverySite) {
    const test::DotGraph graph = parse_dot(dot_report(test::ownership_trace(), graph_options(0)));
    EXPECT_TRUE(graph.nodes.contains("site4"));
    EXPECT_TRUE(graph.nodes.contains("site5"));  // unreachable only: a node, no edge
    EXPECT_FALSE(graph.nodes.contains("other_sites"));
}

TEST(OwnershipGraph, BlocksOfOneSite) {
    AnalysisOptions options = graph_options();
    options.blocks_site = "Cache::insert";
    options.max_nodes = 4;
    const test::DotGraph graph = parse_dot(dot_report(test::ownership_trace(), options));
    for (const char* node : {"b0", "b1", "b2", "b3", "owner_site2", "owner_site6", "left_out"})
        EXPECT_TRUE(graph.nodes.contains(node)) << node;
    EXPECT_EQ(test::dot_lines(graph.nodes.at("b0").at("label")),
              (std::vector<std::string>{"0x2000: 32 B", "retains 4.03 KiB",
                                        "+1 child not drawn (4.00 KiB)"}));
    EXPECT_EQ(test::dot_lines(graph.nodes.at("left_out").at("label"))[0],
              "3 more blocks of these subtrees not drawn");

    options.blocks_site = "1";
    options.max_nodes = 100;
    const test::DotGraph all = parse_dot(dot_report(test::ownership_trace(), options));
    EXPECT_TRUE(all.nodes.contains("b6"));  // 4 nodes and their 3 buffers
    EXPECT_FALSE(all.nodes.contains("left_out"));
}

TEST(OwnershipGraph, BlocksOfAnUnknownOrAmbiguousSiteIsAnError) {
    AnalysisOptions options = graph_options();
    options.blocks_site = "Cache::";
    EXPECT_THROW(analyse(test::ownership_trace(), options), std::invalid_argument);
    options.blocks_site = "nothing like it";
    EXPECT_THROW(analyse(test::ownership_trace(), options), std::invalid_argument);
    options.blocks_site = "1";
    EXPECT_THROW(analyse(test::small_trace(), options), std::invalid_argument);
}

TEST(OwnershipGraph, WithoutASnapshotTheLabelSaysSo) {
    const test::DotGraph graph = parse_dot(dot_report(test::small_trace()));
    EXPECT_TRUE(graph.nodes.empty());
    EXPECT_CONTAINS(graph.graph.at("label"), "No heap snapshot");
}

TEST(OwnershipGraph, HostileNamesStayWellFormedAndRender) {
    Trace hostile = test::ownership_trace();
    for (Frame& frame : hostile.frames)
        if (frame.function.starts_with("Cache::insert"))
            frame.function = std::string("f\"}];\\N&lt;\n\x1b\xff\xc3<b>") + '\0';
    for (SnapshotRoot& root : hostile.snapshots[1].roots) root.symbol = "g\"\\N&amp;\n";
    for (const bool blocks : {false, true}) {
        AnalysisOptions options = graph_options();
        if (blocks) options.blocks_site = "1";
        const std::string text = dot_report(hostile, options);
        const test::DotGraph graph = parse_dot(text);
        if (!blocks) {
            EXPECT_EQ(test::dot_lines(graph.nodes.at("site1").at("label"))[0],
                      "f\"}];\\\\N&lt;\\n\\x1b\\xff\\xc3<b>\\x00");
            EXPECT_EQ(graph.nodes.at("root0").at("label"), "global g\"\\\\N&amp;\\n (cache-demo)");
        }
        if (std::system("command -v dot >/dev/null 2>&1") != 0) continue;
        const std::optional<std::string> warnings = test::render_with_graphviz(text);
        ASSERT_TRUE(warnings.has_value()) << "dot -Tsvg failed on:\n" << text;
        EXPECT_EQ(*warnings, "") << text;
    }
}

}  // namespace ownership_report_tests
}  // namespace memattr
