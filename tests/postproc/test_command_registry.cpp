// The command registry (cli/command.h): every command main.cpp can run is registered once,
// complete, and declares its options on a command line of its own.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "cli/command.h"
#include "command_line.h"
#include "report/lineage_reporter.h"
#include "report/ownership_reporter.h"

namespace memattr {
namespace command_registry_tests {

TEST(CommandRegistry, EveryCommandHasANameHelpOptionsAndARunner) {
    std::set<std::string_view> names;
    for (const Command* command : registered_commands()) {
        SCOPED_TRACE(std::string(command->name));
        EXPECT_FALSE(command->name.empty());
        EXPECT_FALSE(command->summary.empty());
        EXPECT_NE(command->declare, nullptr);
        EXPECT_NE(command->run, nullptr);
        EXPECT_TRUE(names.insert(command->name).second) << "registered twice";
        EXPECT_EQ(find_command(command->name), command);
    }
}

TEST(CommandRegistry, ListsTheCommandsInHelpOrder) {
    EXPECT_EQ(describe_command_names(),
              "'report', 'json', 'html', 'lineage', 'dot', 'folded', 'callgrind', 'massif', "
              "'pprof', 'diff', 'check', 'record', 'trend' and 'native-rss'");
}

TEST(CommandRegistry, RejectsAnUnknownCommand) {
    EXPECT_EQ(find_command("repotr"), nullptr);
    EXPECT_EQ(find_command(""), nullptr);
}

using test::parse_command;

TEST(CommandRegistry, EachCommandSetsItsOwnDefaults) {
    EXPECT_EQ(parse_command("report", {"t"}).analysis.top, AnalysisOptions{}.top);
    EXPECT_EQ(parse_command("lineage", {"t"}).analysis.top, kDefaultLineageEdges);
    const CommandOptions dot = parse_command("dot", {"t"});
    EXPECT_EQ(dot.analysis.top, kDefaultGraphSites);
    EXPECT_TRUE(dot.analysis.site_graph);
    EXPECT_EQ(dot.trace_path, "t");
}

TEST(CommandRegistry, OptionsReachTheAnalysis) {
    const CommandOptions options =
        parse_command("report", {"trace", "--top", "3", "--frames", "7", "--format", "json",
                                 "--native-rss=2K", "-o", "out.txt"});
    EXPECT_EQ(options.trace_path, "trace");
    EXPECT_EQ(options.output_path, "out.txt");
    EXPECT_EQ(options.format, "json");
    EXPECT_EQ(options.analysis.top, 3u);
    EXPECT_EQ(options.analysis.folding.max_frames, 7u);
    EXPECT_EQ(options.analysis.native_rss, 2048u);
}

TEST(CommandRegistry, AnOptionACommandDoesNotTakeIsAUsageError) {
    EXPECT_THROW(parse_command("lineage", {"t", "--snapshot", "peak"}), CLI::ParseError);
    EXPECT_THROW(parse_command("report", {"t", "--blocks", "x"}), CLI::ParseError);
}

TEST(CommandRegistry, TheGraphsNeedOnlyTheirOwnAnalyses) {
    const AnalysisNeeds lineage = find_command("lineage")->needs;
    EXPECT_TRUE(lineage.copies);
    EXPECT_FALSE(lineage.ownership || lineage.leaks || lineage.phases || lineage.memory_map);
    const AnalysisNeeds dot = find_command("dot")->needs;
    EXPECT_TRUE(dot.ownership && dot.memory_map);
    EXPECT_FALSE(dot.copies || dot.leaks || dot.phases);
    const AnalysisNeeds report = find_command("report")->needs;
    EXPECT_TRUE(report.copies && report.ownership && report.leaks && report.phases &&
                report.memory_map);
}

}  // namespace command_registry_tests
}  // namespace memattr
