// The lineage graph (`memattr-graph lineage`): DOT escaping, and the graph of lineage.trace
// read back with a strict DOT reader (dot_checker.h): its nodes, its edges and their
// classes, --top, the note when access tracking was off, hostile symbol names; and, when
// Graphviz is installed, that `dot -Tsvg` renders it without a warning.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "dot_checker.h"
#include "report/dot.h"
#include "report/lineage_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace lineage_report_tests {

using test::DotGraph;
using test::dot_lines;
using test::parse_dot;
using test::render_with_graphviz;

std::string render(const Trace& trace, const AnalysisOptions& options = {}) {
    std::ostringstream out;
    LineageReporter().write(analyse(trace, options), out);
    return out.str();
}

// The lineage command's own default for --top.
AnalysisOptions lineage_options(std::size_t top = kDefaultLineageEdges) {
    AnalysisOptions options;
    options.top = top;
    return options;
}

DotGraph graph_of(const Trace& trace, const AnalysisOptions& options = lineage_options()) {
    return parse_dot(render(trace, options));
}

const test::DotEdge* find_edge(const DotGraph& graph, const std::string& from,
                               const std::string& to, const std::string& label_start) {
    for (const test::DotEdge& edge : graph.edges)
        if (edge.from == from && edge.to == to &&
            edge.attributes.at("label").find(label_start) != std::string::npos)
            return &edge;
    return nullptr;
}

// The site frame of site 1 (load::read_records), for tests to rename.
Frame& site_one_frame(Trace& trace) {
    Frame& frame = trace.frames[trace.stacks[trace.sites[0].stack].frames[4]];
    EXPECT_EQ(frame.function, "load::read_records");
    return frame;
}

// ------------------------------------------------------------------ escaping

TEST(DotEscape, QuotesBackslashesAndEntities) {
    EXPECT_EQ(dot_escape("plain text <T> {x}"), "plain text <T> {x}");
    EXPECT_EQ(dot_escape("say \"hi\""), "say \\\"hi\\\"");
    EXPECT_EQ(dot_escape("a\\b"), "a\\\\b");
    EXPECT_EQ(dot_escape("\\N \\G \\L"), "\\\\N \\\\G \\\\L");  // not Graphviz's escapes
    EXPECT_EQ(dot_escape("a && b &lt;"), "a &amp;&amp; b &amp;lt;");
}

TEST(DotEscape, ControlBytesShowAsEscapes) {
    EXPECT_EQ(dot_escape("a\tb\nc\rd"), "a\\\\tb\\\\nc\\\\rd");
    EXPECT_EQ(dot_escape(std::string("nul\0esc\x1b del\x7f", 13)),
              "nul\\\\x00esc\\\\x1b del\\\\x7f");
}

TEST(DotEscape, Utf8PassesInvalidBytesShowAsEscapes) {
    EXPECT_EQ(dot_escape("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80"),
              "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
    EXPECT_EQ(dot_escape("bad\xff\xfe"), "bad\\\\xff\\\\xfe");
    EXPECT_EQ(dot_escape("overlong \xc0\x80"), "overlong \\\\xc0\\\\x80");
    EXPECT_EQ(dot_escape("overlong \xe0\x80\x80"), "overlong \\\\xe0\\\\x80\\\\x80");
    EXPECT_EQ(dot_escape("surrogate \xed\xa0\x80"), "surrogate \\\\xed\\\\xa0\\\\x80");
    EXPECT_EQ(dot_escape("too big \xf4\x90\x80\x80"), "too big \\\\xf4\\\\x90\\\\x80\\\\x80");
    EXPECT_EQ(dot_escape("cut \xe2\x86"), "cut \\\\xe2\\\\x86");
    EXPECT_EQ(dot_escape("lone \x80"), "lone \\\\x80");
}

TEST(DotEscape, StringsAreQuotedLines) {
    EXPECT_EQ(dot_string({}), "\"\"");
    EXPECT_EQ(dot_string({"one"}), "\"one\"");
    EXPECT_EQ(dot_string({"a\"b", "c\nd"}), "\"a\\\"b\\nc\\\\nd\"");
}

// ------------------------------------------------------------------ the graph

TEST(LineageGraph, NodesAreTheSitesOfTheEdges) {
    const DotGraph graph = graph_of(test::lineage_trace());
    EXPECT_EQ(graph.name, "memattr_lineage");
    std::vector<std::string> names;
    for (const auto& [name, attributes] : graph.nodes) names.push_back(name);
    // Site 9 takes part in no copy.
    EXPECT_EQ(names, (std::vector<std::string>{"site1", "site2", "site3", "site4", "site5",
                                               "site6", "site7", "site8"}));
    EXPECT_EQ(dot_lines(graph.nodes.at("site1").at("label")),
              (std::vector<std::string>{"load::read_records", "src/load.rs:18",
                                        "site 1, 3.00 MiB allocated"}));
    EXPECT_EQ(dot_lines(graph.nodes.at("site1").at("tooltip"))[1],
              "at load::read_records (src/load.rs:18)");
    EXPECT_EQ(graph.edges.size(), 8u);
}

TEST(LineageGraph, CloneThatCouldBeAMoveIsHighlighted) {
    const DotGraph graph = graph_of(test::lineage_trace());
    const test::DotEdge* edge = find_edge(graph, "site1", "site2", "in 4 clones");
    ASSERT_NE(edge, nullptr);
    EXPECT_EQ(dot_lines(edge->attributes.at("label")),
              (std::vector<std::string>{"3.94 MiB copied in 4 clones", "at src/main.rs:42",
                                        "could be a move: 1.00 MiB at the peak"}));
    EXPECT_EQ(edge->attributes.at("color"), "red");
    EXPECT_EQ(edge->attributes.at("style"), "bold");
    EXPECT_EQ(edge->attributes.at("penwidth"), "3");
    // The edges are drawn most bytes first.
    EXPECT_EQ(&graph.edges.front(), edge);
}

TEST(LineageGraph, RelocationsAreDashedGreyAndOtherCopiesPlain) {
    const DotGraph graph = graph_of(test::lineage_trace());
    const test::DotEdge* realloc = find_edge(graph, "site8", "site8", "in 6 relocations");
    ASSERT_NE(realloc, nullptr);
    EXPECT_EQ(realloc->attributes.at("style"), "dashed");
    EXPECT_EQ(realloc->attributes.at("color"), "gray50");
    const test::DotEdge* move_by_copy = find_edge(graph, "site1", "site2", "in 2 relocations");
    ASSERT_NE(move_by_copy, nullptr);
    EXPECT_EQ(move_by_copy->attributes.at("style"), "dashed");

    const test::DotEdge* legitimate = find_edge(graph, "site4", "site4", "in 40 clones");
    ASSERT_NE(legitimate, nullptr);
    EXPECT_EQ(dot_lines(legitimate->attributes.at("label")).back(), "original used afterwards");
    EXPECT_FALSE(legitimate->attributes.contains("color"));
    EXPECT_FALSE(legitimate->attributes.contains("style"));
    const test::DotEdge* partial = find_edge(graph, "site1", "site6", "in 1 partial copy");
    ASSERT_NE(partial, nullptr);
    EXPECT_FALSE(partial->attributes.contains("color"));
}

TEST(LineageGraph, NamesWithQuotesAndBackslashesAreEscaped) {
    const std::string text = render(test::lineage_trace(), lineage_options());
    // The function is blob::make<"a\b">; as the text report shows it, blob::make<"a\\b">.
    EXPECT_CONTAINS(text, R"(site7 [label="blob::make<\"a\\\\b\">(char const*)\nblob.cpp:14\n)");
    const DotGraph graph = parse_dot(text);
    EXPECT_EQ(dot_lines(graph.nodes.at("site7").at("label"))[0],
              "blob::make<\"a\\\\b\">(char const*)");
    const test::DotEdge* copy = find_edge(graph, "site5", "site7", "in 2 clones");
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(dot_lines(copy->attributes.at("label"))[1], "at blob.cpp:16");
}

TEST(LineageGraph, HostileNamesStayData) {
    Trace trace = test::lineage_trace();
    const std::string hostile = std::string("f\"}];\\N\\n&lt;\n\x1b\xff<b>") + '\0' + "end";
    Frame& frame = site_one_frame(trace);
    frame.function = hostile;
    frame.file = "we\"ird\\.rs";
    const std::string text = render(trace, lineage_options());
    DotGraph graph;
    ASSERT_NO_THROW(graph = parse_dot(text)) << text;
    EXPECT_EQ(dot_lines(graph.nodes.at("site1").at("label"))[0],
              "f\"}];\\\\N\\\\n&lt;\\n\\x1b\\xff<b>\\x00end");
    EXPECT_EQ(dot_lines(graph.nodes.at("site1").at("label"))[1], "we\"ird\\\\.rs:18");
}

TEST(LineageGraph, LongNamesAreShortenedInLabelsNotInTooltips) {
    Trace trace = test::lineage_trace();
    const std::string name = "ns::Widget<" + std::string(200, 'x') + ">::build()";
    site_one_frame(trace).function = name;
    const DotGraph graph = graph_of(trace);
    const std::string label = dot_lines(graph.nodes.at("site1").at("label"))[0];
    EXPECT_EQ(label, name.substr(0, 60) + "...");
    EXPECT_CONTAINS(graph.nodes.at("site1").at("tooltip"), name);
}

TEST(LineageGraph, SeveralCopyLocationsOnOneEdge) {
    Trace trace = test::lineage_trace();
    CopyGroup elsewhere = trace.copies[8];  // group::snapshot's copy, made from 1 to 2
    elsewhere.from = trace.copies[0].from;
    elsewhere.to = trace.copies[0].to;
    trace.copies.push_back(elsewhere);
    const DotGraph graph = graph_of(trace);
    EXPECT_EQ(dot_lines(graph.edges.front().attributes.at("label"))[1], "at 2 places");
}

TEST(LineageGraph, GraphLabelSaysWhatItShows) {
    const DotGraph graph = graph_of(test::lineage_trace());
    const std::vector<std::string> label = dot_lines(graph.graph.at("label"));
    ASSERT_EQ(label.size(), 3u);
    EXPECT_EQ(label[0], "Copy lineage of ./lineage-demo --groups 3");
    EXPECT_EQ(label[1], test::data_path("lineage.trace") + ", clone threshold 90%");
    EXPECT_EQ(label[2], "red: clones that could be moves; dashed grey: relocations; plain: other "
                        "copies");
}

TEST(LineageGraph, TopKeepsTheEdgesWithTheMostBytes) {
    const DotGraph graph = graph_of(test::lineage_trace(), lineage_options(2));
    ASSERT_EQ(graph.edges.size(), 2u);
    EXPECT_EQ(graph.nodes.size(), 2u);  // sites 1 and 2
    EXPECT_NE(find_edge(graph, "site1", "site2", "in 4 clones"), nullptr);
    EXPECT_NE(find_edge(graph, "site1", "site2", "in 2 relocations"), nullptr);
    // Left out: 520192 + 258048 + 131072 + 65536 + 53248 + 1280 bytes in 57 copies.
    EXPECT_EQ(dot_lines(graph.graph.at("label")).back(),
              "2 of 8 edges drawn; 6 more (1005.25 KiB copied in 57 copies) left out: --top 0 "
              "draws all");

    const DotGraph all = graph_of(test::lineage_trace(), lineage_options(0));
    EXPECT_EQ(all.edges.size(), 8u);
    EXPECT_EQ(all.graph.at("label").find("left out"), std::string::npos);
}

TEST(LineageGraph, CloneThresholdChangesTheClasses) {
    AnalysisOptions options = lineage_options();
    options.clone_threshold = 80;
    const DotGraph graph = graph_of(test::lineage_trace(), options);
    const test::DotEdge* header = find_edge(graph, "site1", "site6", "in 1 clone");
    ASSERT_NE(header, nullptr);
    EXPECT_EQ(header->attributes.at("color"), "red");
    EXPECT_CONTAINS(graph.graph.at("label"), "clone threshold 80%");
}

TEST(LineageGraph, EmptyGraphSaysWhy) {
    const DotGraph off = graph_of(test::parse_text(test::no_access_trace_text()));
    EXPECT_TRUE(off.nodes.empty());
    EXPECT_TRUE(off.edges.empty());
    EXPECT_EQ(dot_lines(off.graph.at("label")).back(),
              "No copy lineage: the trace was recorded with --track-access=no.");
    EXPECT_EQ(dot_lines(graph_of(test::small_trace()).graph.at("label")).back(),
              "No copy lineage: the trace is version 1, written by a memattr that did not track "
              "accesses.");
    Trace no_copies = test::lineage_trace();
    no_copies.copies.clear();
    EXPECT_EQ(dot_lines(graph_of(no_copies).graph.at("label")).back(),
              "No copies between heap blocks.");
}

// ------------------------------------------------------------------ Graphviz itself

TEST(LineageGraph, GraphvizRendersIt) {
    if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "no Graphviz";
    Trace hostile = test::lineage_trace();
    site_one_frame(hostile).function = std::string("f\"}];\\N&lt;\n\x1b\xff\xc3<b>") + '\0';
    for (const Trace& trace : {test::lineage_trace(), hostile, test::small_trace()}) {
        const std::string text = render(trace, lineage_options(0));
        const std::optional<std::string> warnings = render_with_graphviz(text);
        ASSERT_TRUE(warnings.has_value()) << "dot -Tsvg failed on:\n" << text;
        EXPECT_EQ(*warnings, "") << text;
    }
}

}  // namespace lineage_report_tests
}  // namespace memattr
