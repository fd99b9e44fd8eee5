// The profile formats (report/profiles/): folded stacks, callgrind and massif files, checked
// here by reading them back the way their consumers do (flamegraph.pl's line rule,
// callgrind_annotate's inclusive sums, ms_print's tree rules). The real consumers run in
// tests/tool/cases/profiles.py.

#include <cctype>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "command_line.h"
#include "report/profiles/callgrind_reporter.h"
#include "report/profiles/folded_reporter.h"
#include "report/profiles/massif_reporter.h"
#include "report/profiles/profile_stacks.h"
#include "trace_fixtures.h"

namespace memattr {
namespace test_profiles_tests {

AnalysisOptions all_frames() {
    AnalysisOptions options;
    options.folding.max_frames = kAllFrames;
    return options;
}

ReportModel model_of(const Trace& trace, const AnalysisOptions& options = all_frames()) {
    return analyse(trace, options);
}

std::string render(const Reporter& reporter, const ReportModel& model) {
    std::ostringstream out;
    reporter.write(model, out);
    return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// ---------------------------------------------------------------- frame names

TEST(ProfileFrameNames, AFunctionOrAnUnknownFramesObject) {
    Frame frame;
    frame.function = "Cache::insert(std::string const&)";
    frame.object = "/usr/lib/libcache.so.1";
    EXPECT_EQ(profile_frame_name(frame), "Cache::insert(std::string const&)");
    frame.function = "???";
    EXPECT_EQ(profile_frame_name(frame), "[libcache.so.1]");
    frame.object.clear();
    EXPECT_EQ(profile_frame_name(frame), "???");
    frame.function = "two\nlines";
    EXPECT_EQ(profile_frame_name(frame), "two\\nlines");  // escaped: one line
}

// ---------------------------------------------------------------- folded

// A folded profile as flamegraph.pl reads it: the figures by stack. Fails the test on a line
// flamegraph.pl would drop (it drops them silently).
std::map<std::string, std::vector<std::uint64_t>> parse_folded(const std::string& text,
                                                               std::size_t columns = 1) {
    const std::regex line_rule(columns == 1 ? R"(^([^\n]+) (\d+)$)"
                                            : R"(^([^\n]+) (\d+) (\d+)$)");
    std::map<std::string, std::vector<std::uint64_t>> stacks;
    for (const std::string& line : lines_of(text)) {
        std::smatch match;
        EXPECT_TRUE(std::regex_match(line, match, line_rule)) << "bad line: " << line;
        if (match.empty()) continue;
        EXPECT_EQ(stacks.count(match[1]), 0u) << "stack twice: " << match[1];
        for (std::size_t column = 0; column < columns; ++column)
            stacks[match[1]].push_back(std::stoull(match[2 + column]));
    }
    return stacks;
}

std::uint64_t folded_sum(const std::string& text, std::size_t column = 0, std::size_t columns = 1) {
    std::uint64_t sum = 0;
    for (const auto& [stack, figures] : parse_folded(text, columns)) sum += figures[column];
    return sum;
}

std::string folded(const ReportModel& model, ProfileMetric metric) {
    return render(FoldedReporter{metric}, model);
}

TEST(FoldedProfile, PeakStacksRootFirstAddUpToThePeak) {
    const ReportModel model = model_of(test::small_trace());
    const std::string text = folded(model, ProfileMetric::peak);
    EXPECT_EQ(folded_sum(text), model.summary.peak.bytes);
    EXPECT_EQ(folded_sum(text), 2101312u);
    const auto stacks = parse_folded(text);
    const std::string fill =
        "(below main);main;run_pipeline(Config const&);fill_samples(std::vector<int, "
        "std::allocator<int> >&, unsigned long)";
    ASSERT_EQ(stacks.count(fill), 1u) << text;
    EXPECT_EQ(stacks.at(fill).front(), 1572864u);
    // The tab in "scratch\tcopy" is escaped, as the report shows it: one line all the same.
    EXPECT_EQ(stacks.count("(below main);main;scratch\\tcopy"), 1u) << text;
    EXPECT_EQ(stacks.count("start_thread;rsparse::worker_main;rsparse::parse_records"), 1u)
        << text;
}

TEST(FoldedProfile, SiteFiguresAddUpToTheirTotals) {
    const ReportModel model = model_of(test::small_trace());
    EXPECT_EQ(folded_sum(folded(model, ProfileMetric::total)), model.summary.totals.bytes);
    EXPECT_EQ(folded_sum(folded(model, ProfileMetric::exit)), model.summary.exit.bytes);
    EXPECT_EQ(folded_sum(folded(model, ProfileMetric::temporary)), model.summary.temporary_bytes);
    EXPECT_EQ(folded_sum(folded(model, ProfileMetric::temporary)), 38400u);
}

TEST(FoldedProfile, LeakedBytesBySiteAddUpToTheLeakCheck) {
    const ReportModel model = model_of(test::ownership_trace());
    const std::string text = folded(model, ProfileMetric::leaked);
    EXPECT_EQ(folded_sum(text), 768u);  // 512 definitely + 256 indirectly lost
    EXPECT_EQ(folded_sum(text), model.leaks[LeakKind::definitely_lost].total.bytes +
                                    model.leaks[LeakKind::indirectly_lost].total.bytes);
}

TEST(FoldedProfile, RetainedBytesCountEachReachableBlockOnce) {
    const ReportModel model = model_of(test::ownership_trace());
    const std::string text = folded(model, ProfileMetric::retained);
    // Site by site retained sizes overlap (the buckets' 9,376 include site 1's and site 3's
    // 9,344 and 9,216); the profile's figures add up to the reachable heap.
    EXPECT_EQ(folded_sum(text), model.ownership.reachable_bytes);
    EXPECT_EQ(folded_sum(text), 9888u);
    EXPECT_CONTAINS(text, "(below main);main;Cache::Cache() 9376\n");
}

TEST(FoldedProfile, CopiesByTheStackThatCopied) {
    const ReportModel model = model_of(test::lineage_trace());
    const std::string text = folded(model, ProfileMetric::copies);
    std::uint64_t copied = 0;
    for (const CopyGroup& copy : test::lineage_trace().copies) copied += copy.bytes;
    EXPECT_EQ(folded_sum(text), copied);
    // C3's stack starts in the program (an inline copy): its location is its first frame.
    EXPECT_NE(text.find("blob::make<\"a\\\\b\">"), std::string::npos) << text;
}

TEST(FoldedProfile, AFigureTheTraceCannotHaveIsAnError) {
    const ReportModel small = model_of(test::small_trace());  // version 1: no snapshots
    try {
        folded(small, ProfileMetric::leaked);
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_CONTAINS(std::string(error.what()), "No leak check");
    }
    EXPECT_THROW(folded(small, ProfileMetric::retained), std::runtime_error);
    EXPECT_THROW(folded(small, ProfileMetric::copies), std::runtime_error);
}

TEST(FoldedProfile, SemicolonsAndLineBreaksStayInsideTheirFrame) {
    const Trace trace = test::parse_text(
        test::replace_once(test::small_trace_text(), "fn=run_pipeline(Config const&)",
                           "fn=run;pipeline\\nnext\\rline"));
    const std::string text = folded(model_of(trace), ProfileMetric::peak);
    EXPECT_CONTAINS(text, "(below main);main;run:pipeline\\nnext\\rline;fill_samples(");
    EXPECT_EQ(folded_sum(text), 2101312u);
}

TEST(FoldedProfile, StacksThatPrintTheSameAreOneLine) {
    // Site 5: site 1's figures again, under a stack record of its own with the same frames.
    std::vector<std::string> records = test::small_trace_records();
    const std::size_t site = test::find_record(records, "site\tid=1\t");
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(site) + 1,
                   {"stack\tid=5\tframes=1,2,3,4,5,6,7,8,9,10",
                    test::replace_once(test::replace_once(records[site], "id=1", "id=5"),
                                       "stack=1", "stack=5")});
    const ReportModel model = model_of(test::parse_text(test::with_end_record(records)));
    ASSERT_EQ(model.sites.size(), 5u);
    const auto stacks = parse_folded(folded(model, ProfileMetric::total));
    EXPECT_EQ(stacks.size(), 4u);
    const std::string fill =
        "(below main);main;run_pipeline(Config const&);fill_samples(std::vector<int, "
        "std::allocator<int> >&, unsigned long)";
    ASSERT_EQ(stacks.count(fill), 1u);
    EXPECT_EQ(stacks.at(fill).front(), 2u * 3145728u);
}

TEST(FoldedProfile, FramesLimitTheStacks) {
    AnalysisOptions options = all_frames();
    options.folding.max_frames = 1;
    const std::string text = folded(model_of(test::small_trace(), options), ProfileMetric::peak);
    EXPECT_CONTAINS(text, "\nrsparse::parse_records 524288\n");
    EXPECT_EQ(folded_sum(text), 2101312u);
}

TEST(FoldedProfile, DiffWritesBothRunsFiguresByStack) {
    const ReportModel base = model_of(test::ownership_trace());
    const ReportModel model = model_of(test::small_trace());
    const std::string text = render(FoldedReporter{ProfileMetric::peak, &base}, model);
    EXPECT_EQ(folded_sum(text, 0, 2), base.summary.peak.bytes);
    EXPECT_EQ(folded_sum(text, 1, 2), model.summary.peak.bytes);
    for (const auto& [stack, figures] : parse_folded(text, 2))
        EXPECT_TRUE(figures[0] == 0 || figures[1] == 0) << stack;  // no stack in common

    const std::string same = render(FoldedReporter{ProfileMetric::peak, &model}, model);
    for (const auto& [stack, figures] : parse_folded(same, 2)) EXPECT_EQ(figures[0], figures[1]);
}

// ---------------------------------------------------------------- callgrind

// A callgrind file read as callgrind_annotate reads it: self costs by function, and inclusive
// costs (self, plus the cost line after each calls=); names decompressed.
struct ParsedCallgrind {
    std::vector<std::string> events;
    std::vector<std::uint64_t> summary;
    std::map<std::string, std::vector<std::uint64_t>> self;       // "file:function"
    std::map<std::string, std::vector<std::uint64_t>> inclusive;  // likewise
    std::map<std::string, int> definitions;  // "fn (3)": how often id 3 was defined
};

std::vector<std::uint64_t> numbers_after(const std::string& text, std::size_t skip) {
    std::istringstream in(text);
    std::vector<std::uint64_t> numbers;
    std::string word;
    for (std::size_t i = 0; i < skip; ++i) in >> word;
    for (std::uint64_t number = 0; in >> number;) numbers.push_back(number);
    return numbers;
}

void add_to(std::vector<std::uint64_t>& sum, const std::vector<std::uint64_t>& costs) {
    sum.resize(costs.size());
    for (std::size_t i = 0; i < costs.size(); ++i) sum[i] += costs[i];
}

ParsedCallgrind parse_callgrind(const std::string& text) {
    ParsedCallgrind profile;
    std::map<std::string, std::string> names;  // "fl(1)" -> name, "fn(2)" -> name
    auto name = [&](const std::string& kind, const std::string& value) {
        const std::size_t close = value.find(')');
        const std::string key = kind + value.substr(0, close + 1);
        if (close + 1 < value.size()) {
            names[key] = value.substr(close + 2);
            ++profile.definitions[key];
        }
        return names[key];
    };
    std::string file;
    std::string function;
    bool call_costs_next = false;
    for (const std::string& line : lines_of(text)) {
        if (line.rfind("events: ", 0) == 0) {
            std::istringstream in(line.substr(8));
            for (std::string event; in >> event;) profile.events.push_back(event);
        } else if (line.rfind("summary: ", 0) == 0) {
            profile.summary = numbers_after(line, 1);
        } else if (line.rfind("fl=", 0) == 0 || line.rfind("cfl=", 0) == 0) {
            const std::string named = name("fl", line.substr(line.find('=') + 1));
            if (line[0] == 'f') file = named;
        } else if (line.rfind("fn=", 0) == 0) {
            function = file + ":" + name("fn", line.substr(3));
        } else if (line.rfind("cfn=", 0) == 0) {
            name("fn", line.substr(4));
        } else if (line.rfind("calls=", 0) == 0) {
            call_costs_next = true;
        } else if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) &&
                   !function.empty()) {
            const std::vector<std::uint64_t> costs = numbers_after(line, 1);
            if (!call_costs_next) add_to(profile.self[function], costs);
            add_to(profile.inclusive[function], costs);
            call_costs_next = false;
        }
    }
    return profile;
}

constexpr const char* kDemo = "/home/dev/demo/src/demo.cpp:";

TEST(CallgrindProfile, SummaryIsTheSumOfSelfCostsAndPeakBytesThePeak) {
    const ReportModel model = model_of(test::small_trace());
    const ParsedCallgrind profile = parse_callgrind(render(CallgrindReporter{}, model));
    ASSERT_GE(profile.events.size(), 6u);
    EXPECT_EQ(std::vector<std::string>(profile.events.begin(), profile.events.begin() + 4),
              (std::vector<std::string>{"PeakBytes", "PeakBlocks", "TotalBytes", "TotalBlocks"}));
    std::vector<std::uint64_t> self_sum;
    for (const auto& [function, costs] : profile.self) add_to(self_sum, costs);
    EXPECT_EQ(self_sum, profile.summary);
    ASSERT_EQ(profile.summary.size(), profile.events.size());
    EXPECT_EQ(profile.summary[0], model.summary.peak.bytes);
    EXPECT_EQ(profile.summary[1], model.summary.peak.blocks);
    EXPECT_EQ(profile.summary[2], model.summary.totals.bytes);
    EXPECT_EQ(profile.summary[3], model.summary.totals.blocks);
}

TEST(CallgrindProfile, InclusiveCostsAreWhatCalleesAllocated) {
    const ParsedCallgrind profile =
        parse_callgrind(render(CallgrindReporter{}, model_of(test::small_trace())));
    const std::string main = std::string(kDemo) + "main";
    ASSERT_EQ(profile.inclusive.count(main), 1u);
    EXPECT_EQ(profile.inclusive.at(main)[0], 1572864u + 64u + 4096u);  // sites 1, 2 and 4
    EXPECT_EQ(profile.self.count(main), 0u);  // it allocates nothing itself
    const std::string fill =
        std::string(kDemo) + "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)";
    EXPECT_EQ(profile.self.at(fill)[0], 1572864u);
    EXPECT_EQ(profile.inclusive.at(std::string(kDemo) + "run_pipeline(Config const&)")[0],
              1572864u);
}

TEST(CallgrindProfile, ARecursiveFunctionCountsASiteOnce) {
    // run_pipeline calls itself before it calls fill_samples.
    const Trace trace = test::parse_text(test::replace_once(
        test::small_trace_text(), "frames=1,2,3,4,5,6,7,8,9,10", "frames=1,2,3,4,5,6,7,8,8,9,10"));
    const ParsedCallgrind profile =
        parse_callgrind(render(CallgrindReporter{}, model_of(trace)));
    EXPECT_EQ(profile.inclusive.at(std::string(kDemo) + "run_pipeline(Config const&)")[0],
              1572864u);
    EXPECT_EQ(profile.inclusive.at(std::string(kDemo) + "main")[0], 1572864u + 64u + 4096u);
}

TEST(CallgrindProfile, EachNameIsDefinedOnce) {
    const ParsedCallgrind profile =
        parse_callgrind(render(CallgrindReporter{}, model_of(test::small_trace())));
    ASSERT_FALSE(profile.definitions.empty());
    for (const auto& [id, count] : profile.definitions) EXPECT_EQ(count, 1) << id;
    // A frame without a source file is in file "???".
    EXPECT_EQ(profile.inclusive.count("???:(below main)"), 1u);
}

// ---------------------------------------------------------------- massif

// One snapshot of a Massif file.
struct MassifSnapshot {
    std::uint64_t time = 0;
    std::uint64_t bytes = 0;
    std::string tree;                 // "empty", "peak" or "detailed"
    std::vector<std::string> lines;   // the tree's lines
};

struct MassifFile {
    std::string time_unit;
    std::vector<MassifSnapshot> snapshots;
};

std::uint64_t value_after(const std::string& line, const std::string& key) {
    EXPECT_EQ(line.rfind(key + "=", 0), 0u) << "expected " << key << ", got " << line;
    return std::stoull(line.substr(key.size() + 1));
}

// Reads a Massif file with ms_print's fixed field order; fails the test where ms_print would.
MassifFile parse_massif(const std::string& text) {
    const std::vector<std::string> lines = lines_of(text);
    MassifFile file;
    std::size_t at = 0;
    EXPECT_EQ(lines.at(at++).rfind("desc: ", 0), 0u);
    EXPECT_EQ(lines.at(at++).rfind("cmd: ", 0), 0u);
    file.time_unit = lines.at(at++).substr(std::string("time_unit: ").size());
    while (at < lines.size()) {
        EXPECT_EQ(lines[at++], "#-----------");
        EXPECT_EQ(value_after(lines[at++], "snapshot"), file.snapshots.size());
        EXPECT_EQ(lines[at++], "#-----------");
        MassifSnapshot snapshot;
        snapshot.time = value_after(lines[at++], "time");
        snapshot.bytes = value_after(lines[at++], "mem_heap_B");
        EXPECT_EQ(lines[at++], "mem_heap_extra_B=0");
        EXPECT_EQ(lines[at++], "mem_stacks_B=0");
        snapshot.tree = lines[at++].substr(std::string("heap_tree=").size());
        while (at < lines.size() && lines[at] != "#-----------") snapshot.lines.push_back(lines[at++]);
        file.snapshots.push_back(snapshot);
    }
    return file;
}

// Checks the tree from lines[at] (at `depth`) the way ms_print needs it: nK is the exact
// count of the children, which add up to no more than their parent. Returns its bytes and
// moves `at` past it.
std::uint64_t check_tree(const std::vector<std::string>& lines, std::size_t& at,
                         std::size_t depth) {
    static const std::regex node(R"(^( *)n(\d+): (\d+) (.+)$)");
    std::smatch match;
    EXPECT_TRUE(std::regex_match(lines.at(at), match, node)) << lines.at(at);
    EXPECT_EQ(match[1].length(), static_cast<std::ptrdiff_t>(depth)) << lines.at(at);
    const std::size_t children = std::stoul(match[2]);
    const std::uint64_t bytes = std::stoull(match[3]);
    ++at;
    std::uint64_t sum = 0;
    for (std::size_t child = 0; child < children; ++child) sum += check_tree(lines, at, depth + 1);
    EXPECT_LE(sum, bytes) << "children above their parent at depth " << depth;
    return bytes;
}

TEST(MassifProfile, OnePeakSnapshotWhoseTreeIsThePeak) {
    const ReportModel model = model_of(test::small_trace());
    const std::string text = render(MassifReporter{}, model);
    const MassifFile file = parse_massif(text);
    EXPECT_EQ(file.time_unit, "i");
    ASSERT_EQ(file.snapshots.size(), model.timeline.size());
    std::size_t peaks = 0;
    for (const MassifSnapshot& snapshot : file.snapshots) {
        if (snapshot.tree == "empty") {
            EXPECT_TRUE(snapshot.lines.empty());
            continue;
        }
        ++peaks;
        EXPECT_EQ(snapshot.tree, "peak");
        EXPECT_EQ(snapshot.time, model.summary.peak.time);
        EXPECT_EQ(snapshot.bytes, 2101312u);
        std::size_t at = 0;
        EXPECT_EQ(check_tree(snapshot.lines, at, 0), snapshot.bytes);
        EXPECT_EQ(at, snapshot.lines.size());
    }
    EXPECT_EQ(peaks, 1u);
    EXPECT_CONTAINS(text, "n3: 2101312 (heap allocation functions) malloc/new/new[], "
                          "--alloc-fns, etc.\n");
    EXPECT_CONTAINS(text, "\n n1: 1572864 0x10A51C: fill_samples(std::vector<int, "
                          "std::allocator<int> >&, unsigned long) (demo.cpp:21)\n"
                          "  n1: 1572864 0x10A7A0: run_pipeline(Config const&) (demo.cpp:40)\n");
    // Sites 2 and 4 (64 and 4,096 bytes) are below 1% of the peak.
    EXPECT_CONTAINS(text, "\n n0: 4160 in 2 places, all below massif's threshold (1.00%)\n");
}

TEST(MassifProfile, ALongTimelineIsSampledKeepingThePeak) {
    ReportModel model = model_of(test::small_trace());
    model.timeline.clear();
    for (std::uint64_t i = 0; i < 1000; ++i)
        model.timeline.push_back({i * 10, i * 100, i == 617 ? model.summary.peak.bytes : i, 1});
    model.timeline_peak = 617;
    const MassifFile file = parse_massif(render(MassifReporter{}, model));
    EXPECT_LE(file.snapshots.size(), kMaxMassifSnapshots);
    EXPECT_GE(file.snapshots.size(), kMaxMassifSnapshots - 1);
    EXPECT_EQ(file.snapshots.front().time, 0u);
    EXPECT_EQ(file.snapshots.back().time, 9990u);
    std::size_t peaks = 0;
    for (const MassifSnapshot& snapshot : file.snapshots) {
        if (snapshot.tree != "peak") continue;
        ++peaks;
        EXPECT_EQ(snapshot.time, 6170u);
    }
    EXPECT_EQ(peaks, 1u);
}

TEST(MassifProfile, APeakMissingFromTheTimelineIsAddedInItsPlace) {
    ReportModel model = model_of(test::small_trace());
    model.timeline.erase(model.timeline.begin() + static_cast<std::ptrdiff_t>(*model.timeline_peak));
    model.timeline_peak.reset();
    const MassifFile file = parse_massif(render(MassifReporter{}, model));
    ASSERT_EQ(file.snapshots.size(), model.timeline.size() + 1);
    for (std::size_t i = 1; i < file.snapshots.size(); ++i)
        EXPECT_LE(file.snapshots[i - 1].time, file.snapshots[i].time);
    EXPECT_EQ(file.snapshots[3].tree, "peak");
    EXPECT_EQ(file.snapshots[3].bytes, 2101312u);
}

TEST(MassifProfile, TimeIsBytesAllocatedWhenTheTraceIsNotInInstructions) {
    ReportModel model = model_of(test::small_trace());
    model.header.run.time_unit = "ms";
    const MassifFile file = parse_massif(render(MassifReporter{}, model));
    EXPECT_EQ(file.time_unit, "B");
    EXPECT_EQ(file.snapshots.back().time, model.timeline.back().allocated);
}

// ---------------------------------------------------------------- the commands

TEST(ProfileCommands, TakeEveryFrameByDefault) {
    for (const char* name : {"folded", "callgrind", "massif"}) {
        SCOPED_TRACE(name);
        const CommandOptions options = test::parse_command(name, {"t"});
        EXPECT_EQ(options.analysis.folding.max_frames, kAllFrames);
        EXPECT_EQ(options.trace_path, "t");
        EXPECT_EQ(test::parse_command(name, {"t", "--frames", "3"}).analysis.folding.max_frames,
                  3u);
    }
}

TEST(ProfileCommands, FoldedTakesAMetricAndABase) {
    const CommandOptions options =
        test::parse_command("folded", {"t", "--metric", "leaked", "--diff", "base", "-o", "f"});
    EXPECT_EQ(options.metric, "leaked");
    EXPECT_EQ(options.baseline_path, "base");
    EXPECT_EQ(options.output_path, "f");
    EXPECT_THROW(test::parse_command("folded", {"t", "--metric", "max"}), CLI::ParseError);
    for (const std::string& name : profile_metric_names())
        EXPECT_EQ(profile_metric_names()[static_cast<std::size_t>(profile_metric_named(name))],
                  name);
    EXPECT_TRUE(profile_metric_needs(ProfileMetric::leaked).leaks);
    EXPECT_TRUE(profile_metric_needs(ProfileMetric::retained).ownership);
    EXPECT_TRUE(profile_metric_needs(ProfileMetric::copies).copies);
}

}  // namespace test_profiles_tests
}  // namespace memattr
