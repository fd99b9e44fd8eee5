// The trend's three formats (history/trend.h) on hand-made runs, and the record and trend
// commands end to end on a sample trace.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "command_line.h"
#include "history/trend.h"

namespace memattr {
namespace trend_tests {

namespace fs = std::filesystem;

RecordedRun run(std::int64_t id, std::string day, std::string rev,
                std::optional<std::uint64_t> peak, std::optional<std::uint64_t> leaked) {
    RecordedRun recorded;
    recorded.id = id;
    recorded.recorded_at = "2026-12-" + day + "T03:00:00Z";
    recorded.labels = {{"workload", "parser"}, {"rev", std::move(rev)}};
    recorded.totals[static_cast<std::size_t>(RunFigure::peak_bytes)] = peak;
    recorded.totals[static_cast<std::size_t>(RunFigure::total_bytes)] = 12 << 20;
    recorded.totals[static_cast<std::size_t>(RunFigure::exit_bytes)] = 0;
    recorded.totals[static_cast<std::size_t>(RunFigure::leaked_bytes)] = leaked;
    return recorded;
}

SiteFigures site(std::string key, std::string label, std::uint64_t peak) {
    SiteFigures figures;
    figures.key = std::move(key);
    figures.label = std::move(label);
    figures.bytes[static_cast<std::size_t>(SiteMetric::peak)] = peak;
    return figures;
}

// Three nights of a parser: the peak grows, then a leak figure appears; sites move.
Trend sample_trend(std::size_t top = 10) {
    std::vector<RecordedRun> runs = {run(4, "01", "a1", 1572864, std::nullopt),
                                     run(5, "02", "b2", 1593344, std::nullopt),
                                     run(7, "03", "c3", 1593344, 512)};
    RunFigures first;
    first.sites = {site("k:grow", "Parser::grow (parser.cpp:42)", 1 << 20),
                   site("k:lex", "Lexer::buf (lexer.cpp:9)", 64 << 10),
                   site("k:same", "Table::init (table.cpp:3)", 100),
                   site("k:gone", "Old::cache (old.cpp:1)", 2048)};
    RunFigures last;
    last.sites = {site("k:grow", "Parser::grow (parser.cpp:44)", (1 << 20) + (20 << 10)),
                  site("k:same", "Table::init (table.cpp:3)", 100),
                  site("k:new", "std::vector<Token>::push | x (lexer.cpp:20)", 512 << 10)};
    return make_trend("nightly.db", {{"workload", "parser"}}, 9, std::move(runs), first, last,
                      top);
}

TEST(Trend, LabelsThatDifferBecomeColumnsTheOthersTheHeading) {
    const Trend trend = sample_trend();
    EXPECT_EQ(trend.varying_labels, std::vector<std::string>{"rev"});
    EXPECT_EQ(trend.common_labels, (Labels{{"workload", "parser"}}));
}

TEST(Trend, SitesAreRankedByTheirMoveAppearedAndGoneIncluded) {
    const Trend trend = sample_trend();
    std::vector<std::string> keys;
    for (const SiteMove& move : trend.moved) keys.push_back(move.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"k:new", "k:lex", "k:grow", "k:gone"}));
    EXPECT_EQ(trend.moved[0].before, std::nullopt);
    EXPECT_EQ(trend.moved[0].change(), 512 << 10);
    EXPECT_EQ(trend.moved[1].after, std::nullopt);
    EXPECT_EQ(trend.moved[1].change(), -(64 << 10));
    EXPECT_EQ(trend.moved[2].label, "Parser::grow (parser.cpp:44)");  // the last run's
}

TEST(Trend, TextShowsEachRunWithItsChangesAndTheSitesThatMovedMost) {
    const std::string text = write_trend(sample_trend(3), "text");
    EXPECT_EQ(text,
              "The last 3 of 9 runs in nightly.db with workload=parser, oldest first\n"
              "Labels of every run: workload=parser\n"
              "\n"
              "run  recorded (UTC)    rev  peak                total       exit     leaked  "
              "clone  duplicate\n"
              "  4  2026-12-01 03:00  a1   1.5 MiB             12 MiB      0 B      –       "
              "–      –\n"
              "  5  2026-12-02 03:00  b2   1.52 MiB (+20 KiB)  12 MiB (=)  0 B (=)  –       "
              "–      –\n"
              "  7  2026-12-03 03:00  c3   1.52 MiB (=)        12 MiB (=)  0 B (=)  512 B   "
              "–      –\n"
              "\n"
              "Sites that moved most (peak bytes, run 4 to run 7):\n"
              "  +512 KiB  – -> 512 KiB       std::vector<Token>::push | x (lexer.cpp:20) (new)\n"
              "   -64 KiB  64 KiB -> –        Lexer::buf (lexer.cpp:9) (gone)\n"
              "   +20 KiB  1 MiB -> 1.02 MiB  Parser::grow (parser.cpp:44)\n"
              "  (1 more site moved; --top 0 lists them all)\n");
}

TEST(Trend, JsonHasEveryFigureNullWhenMissingAndEverySiteThatMoved) {
    const nlohmann::json document = nlohmann::json::parse(write_trend(sample_trend(1), "json"));
    EXPECT_EQ(document["schema"], "memattr-trend");
    EXPECT_EQ(document["filters"], (nlohmann::json{{"workload", "parser"}}));
    EXPECT_EQ(document["matching_runs"], 9);
    ASSERT_EQ(document["runs"].size(), 3u);
    const nlohmann::json& second = document["runs"][1];
    EXPECT_EQ(second["id"], 5);
    EXPECT_EQ(second["recorded_at"], "2026-12-02T03:00:00Z");
    EXPECT_EQ(second["labels"]["rev"], "b2");
    EXPECT_EQ(second["totals"].size(), kRunFigures);
    EXPECT_EQ(second["totals"]["peak_bytes"], 1593344);
    EXPECT_TRUE(second["totals"]["leaked_bytes"].is_null());
    EXPECT_EQ(second["changes"]["peak_bytes"], 20480);
    EXPECT_TRUE(document["runs"][0]["changes"]["peak_bytes"].is_null());
    EXPECT_TRUE(document["runs"][2]["changes"]["leaked_bytes"].is_null());
    const nlohmann::json& moved = document["sites_moved"];
    EXPECT_EQ(moved["from_run"], 4);
    EXPECT_EQ(moved["to_run"], 7);
    ASSERT_EQ(moved["sites"].size(), 4u);  // --top leaves JSON whole
    EXPECT_TRUE(moved["sites"][0]["before"].is_null());
    EXPECT_EQ(moved["sites"][1]["change"], -65536);
}

// The cells of a Markdown table row "| a | b |", with "\|" kept inside a cell.
std::vector<std::string> markdown_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
            cell += "\\|";
            ++i;
        } else if (line[i] == '|') {
            cells.push_back(cell);
            cell.clear();
        } else {
            cell += line[i];
        }
    }
    return cells;
}

TEST(Trend, MarkdownIsAGithubTableWithTheSameCellsInEveryRow) {
    const std::string markdown = write_trend(sample_trend(), "markdown");
    std::istringstream lines(markdown);
    std::vector<std::vector<std::string>> tables(1);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with('|')) tables.back().push_back(line);
        else if (!tables.back().empty()) tables.emplace_back();
    }
    if (tables.back().empty()) tables.pop_back();
    ASSERT_EQ(tables.size(), 2u) << markdown;
    for (const std::vector<std::string>& table : tables) {
        ASSERT_GE(table.size(), 3u);
        const std::size_t columns = markdown_cells(table[0]).size();
        for (const std::string& row : table) EXPECT_EQ(markdown_cells(row).size(), columns) << row;
        for (const std::string& cell : markdown_cells(table[1]))
            EXPECT_TRUE(cell == " --- " || cell == " ---: ") << table[1];
    }
    EXPECT_EQ(tables[0][0], "| run | recorded (UTC) | rev | peak | total | exit | leaked | clone "
                            "| duplicate |");
    EXPECT_EQ(tables[0][3], "| 5 | 2026-12-02 03:00 | b2 | 1.52 MiB (+20 KiB) | 12 MiB (=) | "
                            "0 B (=) | – | – | – |");
    EXPECT_EQ(tables[1][2], "| +512 KiB | – | 512 KiB | `std::vector<Token>::push \\| x "
                            "(lexer.cpp:20)` (new) |");
    EXPECT_EQ(markdown.rfind("### memattr: The last 3 of 9 runs", 0), 0u);
}

TEST(Trend, OneRunHasNothingToCompare) {
    RunFigures figures;
    const Trend trend = make_trend("h.db", {}, 1, {run(1, "01", "a", 10, 0)}, figures, figures, 10);
    EXPECT_TRUE(trend.varying_labels.empty());
    const std::string text = write_trend(trend, "text");
    EXPECT_NE(text.find("1 run in h.db, oldest first"), std::string::npos) << text;
    EXPECT_NE(text.find("Sites that moved most: one run only, nothing to compare."),
              std::string::npos);
    EXPECT_TRUE(nlohmann::json::parse(write_trend(trend, "json"))["sites_moved"].is_null());
    EXPECT_THROW(write_trend(trend, "html"), std::invalid_argument);
    EXPECT_THROW(make_trend("h.db", {}, 0, {}, figures, figures, 10), std::invalid_argument);
}

// ---------------------------------------------------------------- the commands

// A scratch folder per test, removed after it.
class TrendCommands : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "memattr-trend-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string file(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

using test::parse_command;

// Runs command `name` with `words`; returns what it printed on standard output.
std::string run_command(std::string_view name, std::vector<std::string> words) {
    const CommandOptions options = parse_command(name, std::move(words));
    ::testing::internal::CaptureStdout();
    try {
        find_command(name)->run(options, find_command(name)->needs);
    } catch (...) {
        ::testing::internal::GetCapturedStdout();
        throw;
    }
    return ::testing::internal::GetCapturedStdout();
}

const std::string kSmallTrace = POSTPROC_TEST_DATA "/small.trace";

TEST_F(TrendCommands, RecordThenTrend) {
    const std::string db = file("history.db");
    const std::string line = run_command(
        "record", {kSmallTrace, "--db", db, "--label", "workload=demo", "--label", "rev=1"});
    EXPECT_EQ(line.rfind("recorded run 1 (workload=demo, rev=1) in " + db + ": peak 2 MiB, total ", 0), 0u)
        << line;
    run_command("record", {kSmallTrace, "--db", db, "--label", "workload=demo", "--label", "rev=2"});
    run_command("record", {kSmallTrace, "--db", db, "--label", "workload=other"});

    const std::string out = file("trend.json");
    EXPECT_EQ(run_command("trend", {"--db", db, "--workload", "demo", "--format", "json", "-o", out}),
              "");
    std::ifstream in(out);
    const nlohmann::json trend = nlohmann::json::parse(in);
    ASSERT_EQ(trend["runs"].size(), 2u);
    EXPECT_EQ(trend["runs"][1]["labels"]["rev"], "2");
    EXPECT_EQ(trend["runs"][1]["changes"]["peak_bytes"], 0);
    EXPECT_TRUE(trend["sites_moved"]["sites"].empty());

    const std::string text = run_command("trend", {"--db", db, "--last", "1"});
    EXPECT_NE(text.find("The last 1 of 3 runs in " + db), std::string::npos) << text;
}

TEST_F(TrendCommands, AnEmptySelectionIsAnErrorThatSaysSo) {
    const std::string db = file("history.db");
    run_command("record", {kSmallTrace, "--db", db, "--label", "workload=demo"});
    try {
        run_command("trend", {"--db", db, "--workload", "nightly"});
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  db + ": no recorded run has the labels workload=nightly (the database holds "
                       "1 run)");
    }
}

TEST_F(TrendCommands, RecordingABadTraceCreatesNoDatabase) {
    const std::string trace = file("bad.trace");
    std::ofstream(trace) << "not a trace\n";
    const std::string db = file("history.db");
    EXPECT_ANY_THROW(run_command("record", {trace, "--db", db}));
    EXPECT_FALSE(fs::exists(db));
}

TEST_F(TrendCommands, LabelsMustBeNameEqualsValueEachNameOnce) {
    EXPECT_EQ(parse_command("record", {"t", "--db", "h.db", "--label", "rev=", "--label", "a=b=c"}).labels,
              (Labels{{"rev", ""}, {"a", "b=c"}}));
    EXPECT_THROW(parse_command("record", {"t", "--db", "h.db", "--label", "rev"}), CLI::ParseError);
    EXPECT_THROW(parse_command("record", {"t", "--db", "h.db", "--label", "=x"}), CLI::ParseError);
    EXPECT_THROW(parse_command("record", {"t", "--db", "h.db", "--label", "a=1", "--label", "a=2"}),
                 CLI::ParseError);
    EXPECT_THROW(parse_command("record", {"t"}), CLI::ParseError);  // --db is required
    EXPECT_THROW(parse_command("trend", {"--db", "h.db", "--workload", "w", "--label", "workload=v"}),
                 CLI::ParseError);
    EXPECT_EQ(parse_command("trend", {"--db", "h.db", "--workload", "w"}).labels,
              (Labels{{"workload", "w"}}));
    EXPECT_THROW(parse_command("trend", {"--db", "h.db", "--last", "0"}), CLI::ParseError);
    EXPECT_THROW(parse_command("trend", {"--db", "h.db", "--format", "html"}), CLI::ParseError);
}

}  // namespace trend_tests
}  // namespace memattr
