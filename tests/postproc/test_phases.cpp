// Phases (trace format version 3): reading `phase`, `phase-site`, `mark` and `phases`
// records strictly, the growth classification on series written by hand, the sums by name
// on data/phases.trace, and the Phases section of the text and JSON reports.
//
// phases.trace is a hand-written complete version 3 trace (access=no, snapshots=no):
// "./server --requests 5" (pid 7171), four sites:
//   site 1  Request::parse() (request.cpp:12)   a 4 KiB work buffer per request, freed
//   site 2  Session::log (session.cpp:30)       64 B leaked per request
//   site 3  Cache::insert(int) (cache.cpp:20)   128 B per request for requests 1 and 2
//   site 4  Config::load() (config.cpp:8)       1 KiB kept by the 'load' phase
// and 11 phase instances: 1 'load', then 5 'request' (ids 2, 4, ... 10), each with a nested
// 'parse' (ids 3, 5, ... 11); request 5 (id 10) was still open at exit. Marks 'start' and
// 'config "loaded"'.

#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/json_reporter.h"
#include "analysis/phases.h"
#include "report/text_reporter.h"
#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace phases_tests {

using json = nlohmann::json;

Trace phases_trace() { return read_trace(test::data_path("phases.trace")); }

// A series of `growths`, iterations numbered from 1.
std::vector<GrowthPoint> series(const std::vector<std::int64_t>& growths) {
    std::vector<GrowthPoint> points;
    for (std::size_t i = 0; i < growths.size(); ++i)
        points.push_back({i + 1, growths[i]});
    return points;
}

// `count` copies of `growth` appended to `growths`.
std::vector<std::int64_t> repeated(std::vector<std::int64_t> growths, std::size_t count,
                                   std::int64_t growth) {
    growths.insert(growths.end(), count, growth);
    return growths;
}

// ---------------------------------------------------------------- classification

TEST(GrowthClassification, ConstantGrowthIsAnExactLeak) {
    const GrowthFit fit = classify_growth(series(repeated({}, 50, 96)));
    EXPECT_EQ(fit.kind, GrowthClass::leak);
    EXPECT_EQ(fit.slope, 96.0);
    EXPECT_TRUE(fit.exact);
    EXPECT_EQ(fit.first_iteration, 1u);
    EXPECT_EQ(fit.last_iteration, 50u);
    EXPECT_EQ(fit.net_growth, 4800);
}

TEST(GrowthClassification, CacheFillingUpIsBoundedAtItsBound) {
    const GrowthFit fit = classify_growth(series(repeated(repeated({}, 20, 256), 30, 0)));
    EXPECT_EQ(fit.kind, GrowthClass::bounded);
    EXPECT_EQ(fit.bound, 5120);
    EXPECT_EQ(fit.stopped_at, 20u);
    EXPECT_EQ(fit.first_iteration, 1u);
    EXPECT_EQ(fit.last_iteration, 20u);
}

TEST(GrowthClassification, BoundedCacheMayEvictAndRefillBelowItsBound) {
    // An LRU cache: full after 4 iterations, then one entry out and one in, or one out.
    const GrowthFit fit =
        classify_growth(series({100, 100, 100, 100, -100, 100, 0, -100, 100, 0, 0, 0}));
    EXPECT_EQ(fit.kind, GrowthClass::bounded);
    EXPECT_EQ(fit.bound, 400);
    EXPECT_EQ(fit.stopped_at, 4u);
}

TEST(GrowthClassification, NoGrowthIsSteady) {
    const GrowthFit fit = classify_growth(series(repeated({}, 50, 0)));
    EXPECT_EQ(fit.kind, GrowthClass::steady);
    EXPECT_EQ(fit.net_growth, 0);
    EXPECT_EQ(fit.first_iteration, 1u);
    EXPECT_EQ(fit.last_iteration, 50u);
}

TEST(GrowthClassification, GrowthInTheFirstIterationOnlyIsAWarmUp) {
    // A buffer set up by the first iteration and reused by the others.
    const GrowthFit fit = classify_growth(series(repeated({4096}, 9, 0)));
    EXPECT_EQ(fit.kind, GrowthClass::steady);
    EXPECT_EQ(fit.net_growth, 4096);
}

TEST(GrowthClassification, BufferKeptUntilTheNextIterationIsSteady) {
    EXPECT_EQ(classify_growth(series({512, -512, 512, -512, 512})).kind, GrowthClass::steady);
}

TEST(GrowthClassification, ShrinkingIsSteady) {
    EXPECT_EQ(classify_growth(series(repeated({}, 5, -10))).kind, GrowthClass::steady);
}

TEST(GrowthClassification, WarmUpIterationIsLeftOutOfTheFit) {
    const GrowthFit fit = classify_growth(series(repeated({1000 + 96}, 9, 96)));
    EXPECT_EQ(fit.kind, GrowthClass::leak);
    EXPECT_TRUE(fit.exact);
    EXPECT_EQ(fit.slope, 96.0);
    EXPECT_EQ(fit.first_iteration, 2u);
    EXPECT_EQ(fit.last_iteration, 10u);
}

TEST(GrowthClassification, UnevenLeakHasAFittedSlope) {
    const GrowthFit fit =
        classify_growth(series({96, 90, 100, 96, 102, 94, 96, 98, 92, 96, 100, 92}));
    EXPECT_EQ(fit.kind, GrowthClass::leak);
    EXPECT_FALSE(fit.exact);
    EXPECT_NEAR(fit.slope, 96.0, 1.5);
    EXPECT_EQ(fit.first_iteration, 1u);
}

TEST(GrowthClassification, LeakEveryOtherIterationIsAHalfRateLeak) {
    std::vector<std::int64_t> growths;
    for (int i = 0; i < 20; ++i) growths.push_back(i % 2 == 0 ? 96 : 0);
    const GrowthFit fit = classify_growth(series(growths));
    EXPECT_EQ(fit.kind, GrowthClass::leak);
    EXPECT_NEAR(fit.slope, 48.0, 1.0);
}

TEST(GrowthClassification, LeakThatPausedBrieflyIsStillALeak) {
    // 5 flat iterations of 50 are fewer than the quarter a bound needs: fitted where it grew.
    const GrowthFit fit = classify_growth(series(repeated(repeated({}, 45, 96), 5, 0)));
    EXPECT_EQ(fit.kind, GrowthClass::leak);
    EXPECT_TRUE(fit.exact);
    EXPECT_EQ(fit.slope, 96.0);
    EXPECT_EQ(fit.first_iteration, 1u);
    EXPECT_EQ(fit.last_iteration, 45u);
    EXPECT_EQ(fit.net_growth, 45 * 96);
}

TEST(GrowthClassification, BoundNeedsAQuarterOfTheIterationsFlat) {
    EXPECT_EQ(classify_growth(series(repeated(repeated({}, 7, 10), 3, 0))).kind,
              GrowthClass::bounded);  // 3 of 10 flat
    EXPECT_EQ(classify_growth(series(repeated(repeated({}, 8, 10), 2, 0))).kind,
              GrowthClass::leak);  // 2 of 10
    EXPECT_EQ(classify_growth(series({10, 10, 0, 0})).kind, GrowthClass::bounded);  // 2 of 4
}

TEST(GrowthClassification, DoublingIsIrregular) {
    // A vector doubling its capacity: growth in iterations 1, 2, 4, 8, 16 and 32 of 40.
    std::vector<std::int64_t> growths(40, 0);
    std::int64_t capacity = 8;
    for (const std::size_t iteration : {1, 2, 4, 8, 16, 32}) {
        growths[iteration - 1] = capacity;
        capacity *= 2;
    }
    const GrowthFit fit = classify_growth(series(growths));
    EXPECT_EQ(fit.kind, GrowthClass::irregular);
    EXPECT_EQ(fit.net_growth, 504);
}

TEST(GrowthClassification, NeedsThreeIterations) {
    EXPECT_THROW(classify_growth(series({96, 96})), std::invalid_argument);
    EXPECT_NO_THROW(classify_growth(series({96, 96, 96})));
}

TEST(GrowthClassification, UsesTheIterationNumbersGiven) {
    // Iterations 4 and 6 were nested in others or dropped: the ranges name the real ones.
    const GrowthFit fit = classify_growth({{3, 64}, {5, 64}, {7, 64}, {8, 64}});
    EXPECT_EQ(fit.first_iteration, 3u);
    EXPECT_EQ(fit.last_iteration, 8u);
}

// ---------------------------------------------------------------- the reader

TEST(PhasesTraceReader, ReadsInstancesSiteRowsMarksAndCounts) {
    const Trace trace = phases_trace();
    ASSERT_EQ(trace.phases.size(), 11u);
    const PhaseInstance& load = trace.phases[0];
    EXPECT_EQ(load.name, "load");
    EXPECT_EQ(load.iteration, 1u);
    EXPECT_EQ(load.by, PhaseDelimiter::request);
    EXPECT_EQ(load.ended, PhaseEnding::request);
    EXPECT_EQ(load.begin.time, 2000u);
    EXPECT_EQ(load.end.bytes, 1024u);
    EXPECT_EQ(load.exit_bytes, 1024u);
    ASSERT_EQ(load.sites.size(), 1u);
    EXPECT_EQ(trace.sites[load.sites[0].site].id, 4u);
    EXPECT_EQ(load.sites[0].live_end, 1024u);

    const PhaseInstance& parse = trace.phases[2];
    EXPECT_EQ(parse.name, "parse");
    EXPECT_EQ(parse.parent, 2u);
    EXPECT_EQ(trace.phases[9].ended, PhaseEnding::open);
    EXPECT_EQ(trace.phases[9].iteration, 5u);
    EXPECT_EQ(trace.phases[1].sites.size(), 3u);

    ASSERT_EQ(trace.marks.size(), 2u);
    EXPECT_EQ(trace.marks[1].label, "config \"loaded\"");
    EXPECT_EQ(trace.marks[1].at.bytes, 1024u);
    ASSERT_TRUE(trace.phase_counts);
    EXPECT_EQ(trace.phase_counts->kept, 11u);
    EXPECT_EQ(trace.phase_counts->dropped, 0u);
}

TEST(PhasesTraceReader, OlderTracesSkipPhaseRecords) {
    std::vector<std::string> records = test::data_records("lineage.trace");
    records.push_back("phase\tid=1\tname=x");
    records.push_back("mark\tlabel=y");
    records.push_back("phases\tkept=7");
    const Trace trace = test::parse_text(test::with_end_record(records));
    EXPECT_TRUE(trace.phases.empty());
    EXPECT_TRUE(trace.marks.empty());
    EXPECT_FALSE(trace.phase_counts);
}

TEST(PhasesTraceReader, TraceWithoutPhasesHasNone) {
    const Trace trace = test::ownership_trace();
    EXPECT_TRUE(trace.phases.empty());
    EXPECT_FALSE(trace.phase_counts);
}

// phases.trace with the first record that starts with `prefix` edited; the error is expected
// at that record's line.
struct EditedTrace {
    std::string text;
    std::uint64_t line;
};

EditedTrace edit_record(const std::string& prefix, const std::string& from, const std::string& to) {
    std::vector<std::string> records = test::data_records("phases.trace");
    const std::size_t index = test::find_record(records, prefix);
    records[index] = test::replace_once(records[index], from, to);
    return {test::with_end_record(records), index + 1};
}

void expect_edit_refused(const std::string& prefix, const std::string& from,
                         const std::string& to, const std::string& message_part) {
    const EditedTrace edited = edit_record(prefix, from, to);
    test::expect_trace_error(edited.text, edited.line, message_part);
}

TEST(PhasesTraceReaderErrors, UnknownReferences) {
    expect_edit_refused("phase-site\tphase=1\t", "site=4", "site=99",
                        "phase-site refers to unknown site 99");
    expect_edit_refused("phase\tid=2\t", "thread=1", "thread=3", "unknown thread 3");
    expect_edit_refused("phase\tid=3\t", "parent=2", "parent=5",
                        "phase 3 is nested in phase 5, which did not begin before it");
}

TEST(PhasesTraceReaderErrors, PhaseSiteMustFollowItsPhase) {
    expect_edit_refused("phase-site\tphase=3\t", "phase=3", "phase=2",
                        "does not follow that phase's 'phase' record");
    expect_edit_refused("phase-site\tphase=2\tsite=2", "site=2", "site=1",
                        "second 'phase-site' record for site 1 in phase 2");
}

TEST(PhasesTraceReaderErrors, IdsAndIterationsInOrder) {
    expect_edit_refused("phase\tid=2\t", "id=2", "id=7", "phase id 7 out of order");
    expect_edit_refused("phase\tid=4\t", "iteration=2", "iteration=1",
                        "iteration 1 of 'request', but iteration 1 came before it");
    expect_edit_refused("phase\tid=4\t", "begin-t=20000", "begin-t=5",
                        "phase 4 begins at t=5, before phase 3");
    expect_edit_refused("phase\tid=4\t", "end-t=20900", "end-t=19999",
                        "phase 4 ends (t=19999, alloc=9600) before it begins");
}

TEST(PhasesTraceReaderErrors, BadValues) {
    expect_edit_refused("phase\tid=1\t", "by=request", "by=hand",
                        "field 'by' must be one of request, function, not 'hand'");
    expect_edit_refused("phase\tid=1\t", "ended=request", "ended=closed",
                        "field 'ended' must be one of request, return, open");
    expect_edit_refused("phase\tid=1\t", "xb=1024", "xb=2048",
                        "phase 1: xb says more is still live at exit (2048) than was allocated "
                        "(1024)");
    expect_edit_refused("phase-site\tphase=1\t", "xbk=1", "xbk=2",
                        "phase 1, site 4: xbk says more");
    expect_edit_refused("phase-site\tphase=1\t", "\tlive-end=1024", "",
                        "the 'phase-site' record lacks the 'live-end' field");
    expect_edit_refused("mark\t", "t=1000", "t=x", "field 't' is not an unsigned decimal");
    expect_edit_refused("mark\tt=3500", "t=3500", "t=10",
                        "mark at t=10 comes after one at t=1000");
}

TEST(PhasesTraceReaderErrors, CountsMustMatch) {
    expect_edit_refused("phases\t", "kept=11", "kept=10",
                        "'phases' says kept=10 but 11 'phase' records precede it");
    std::vector<std::string> records = test::data_records("phases.trace");
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(test::find_record(records, "phases\t")));
    test::expect_trace_error(test::with_end_record(records), records.size() + 1,
                             "the trace has 'phase' records but no 'phases' record");
}

TEST(PhasesTraceReaderErrors, RecordsOutOfPlace) {
    std::vector<std::string> records = test::data_records("phases.trace");
    const std::string phase = records[test::find_record(records, "phase\tid=1\t")];
    records.push_back(phase);
    test::expect_trace_error(test::with_end_record(records), records.size(),
                             "'phase' record after the 'phases' record");
    records.pop_back();
    records.insert(records.end() - 1, "phase-site\tphase=11\tsite=1\tab=0\tabk=0\tfb=0\tfbk=0\t"
                                      "live-begin=0\tlive-end=0\txb=0\txbk=0");
    test::expect_trace_error(test::with_end_record(records), records.size() - 1,
                             "'phase-site' record after a 'mark' record");
}

// ---------------------------------------------------------------- analysis

const PhaseNameSummary& name_of(const ReportModel& model, const std::string& name) {
    for (const PhaseNameSummary& summary : model.phases.names)
        if (summary.name == name) return summary;
    throw std::logic_error("no phase named " + name);
}

std::uint64_t site_id(const ReportModel& model, std::size_t row) {
    return model.sites[row].figures.id;
}

TEST(PhaseAnalysis, NamesInOrderOfTheirFirstInstance) {
    const ReportModel model = analyse(phases_trace(), {});
    ASSERT_EQ(model.phases.names.size(), 3u);
    EXPECT_EQ(model.phases.names[0].name, "load");
    EXPECT_EQ(model.phases.names[1].name, "request");
    EXPECT_EQ(model.phases.names[2].name, "parse");
    EXPECT_TRUE(model.phases.recorded);
}

TEST(PhaseAnalysis, SumsByName) {
    const ReportModel model = analyse(phases_trace(), {});
    const PhaseNameSummary& request = name_of(model, "request");
    EXPECT_EQ(request.instances.size(), 5u);
    EXPECT_EQ(request.allocated_bytes, 5u * 4096 + 5 * 64 + 2 * 128);
    EXPECT_EQ(request.freed_bytes, 5u * 4096);
    EXPECT_EQ(request.retained, 5 * 64 + 2 * 128);
    EXPECT_EQ(request.exit_bytes, 576u);
    EXPECT_EQ(request.exit_blocks, 7u);
    EXPECT_EQ(request.peak_bytes, 5632u);
    EXPECT_EQ(request.peak_iteration, 5u);
    EXPECT_EQ(request.peak_time, 50200u);
}

TEST(PhaseAnalysis, GrowthBySiteOfARepeatedPhase) {
    const ReportModel model = analyse(phases_trace(), {});
    const std::vector<SiteGrowth>& growth = name_of(model, "request").growth;
    ASSERT_EQ(growth.size(), 3u);
    EXPECT_EQ(site_id(model, growth[0].site), 2u);
    EXPECT_EQ(growth[0].fit.kind, GrowthClass::leak);
    EXPECT_EQ(growth[0].fit.slope, 64.0);
    EXPECT_TRUE(growth[0].fit.exact);
    EXPECT_EQ(site_id(model, growth[1].site), 3u);
    EXPECT_EQ(growth[1].fit.kind, GrowthClass::bounded);
    EXPECT_EQ(growth[1].fit.bound, 256);
    EXPECT_EQ(growth[1].fit.stopped_at, 2u);
    EXPECT_EQ(site_id(model, growth[2].site), 1u);
    EXPECT_EQ(growth[2].fit.kind, GrowthClass::steady);
}

TEST(PhaseAnalysis, OpenPhaseAtExitIsLeftOutOfTheGrowth) {
    const ReportModel model = analyse(phases_trace(), {});
    const PhaseNameSummary& request = name_of(model, "request");
    EXPECT_EQ(request.open, 1u);
    EXPECT_EQ(request.growth_iterations, (std::vector<std::uint64_t>{1, 2, 3, 4}));
    EXPECT_EQ(request.growth[0].fit.last_iteration, 4u);
    EXPECT_EQ(model.phases.instances[9].instance.ended, PhaseEnding::open);
}

TEST(PhaseAnalysis, NestedPhasesAreTheirOwnNames) {
    const ReportModel model = analyse(phases_trace(), {});
    const PhaseNameSummary& parse = name_of(model, "parse");
    EXPECT_EQ(parse.instances.size(), 5u);
    EXPECT_EQ(parse.nested_in_same_name, 0u);
    EXPECT_EQ(parse.allocated_bytes, 5u * 4096);
    EXPECT_EQ(parse.growth_iterations.size(), 5u);  // parse 5 ended, though its request did not
    ASSERT_EQ(parse.growth.size(), 1u);
    EXPECT_EQ(parse.growth[0].fit.kind, GrowthClass::steady);
}

TEST(PhaseAnalysis, InstanceNestedInItsOwnNameCountsOnce) {
    Trace trace = phases_trace();
    for (PhaseInstance& instance : trace.phases)
        if (instance.name == "parse") instance.name = "request";  // as a recursive phase
    const ReportModel model = analyse(trace, {});
    const PhaseNameSummary& request = name_of(model, "request");
    EXPECT_EQ(request.instances.size(), 10u);
    EXPECT_EQ(request.nested_in_same_name, 5u);
    EXPECT_EQ(request.allocated_bytes, 5u * 4096 + 5 * 64 + 2 * 128);
    EXPECT_EQ(request.growth_iterations, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(PhaseAnalysis, SiteRowsOfAnInstanceByGrowth) {
    const ReportModel model = analyse(phases_trace(), {});
    const PhaseInstanceRow& first_request = model.phases.instances[1];
    EXPECT_EQ(first_request.retained, 192);
    ASSERT_EQ(first_request.sites.size(), 3u);
    EXPECT_EQ(site_id(model, first_request.sites[0].site), 3u);
    EXPECT_EQ(first_request.sites[0].growth, 128);
    EXPECT_EQ(site_id(model, first_request.sites[2].site), 1u);
    EXPECT_TRUE(first_request.instance.sites.empty());
}

TEST(PhaseAnalysis, TimelineEventsInTimeOrder) {
    const ReportModel model = analyse(phases_trace(), {});
    const std::vector<TimelineEvent>& events = model.phases.events;
    ASSERT_EQ(events.size(), 2u * 11 + 2);
    EXPECT_EQ(events[0].kind, TimelineEventKind::mark);
    EXPECT_EQ(events[1].kind, TimelineEventKind::phase_begin);
    EXPECT_EQ(events[1].index, 0u);
    EXPECT_EQ(events[2].kind, TimelineEventKind::phase_end);
    EXPECT_EQ(events[3].kind, TimelineEventKind::mark);
    for (std::size_t i = 1; i < events.size(); ++i)
        EXPECT_LE(events[i - 1].at.time, events[i].at.time);
}

TEST(PhaseAnalysis, AtEqualTimesAnIterationEndsBeforeTheNextBegins) {
    // --phase-fn notices an end at the next call: the next iteration begins at the same t.
    Trace trace = phases_trace();
    trace.phases[1].end.time = trace.phases[3].begin.time;
    const ReportModel model = analyse(trace, {});
    for (std::size_t i = 1; i < model.phases.events.size(); ++i) {
        const TimelineEvent& event = model.phases.events[i];
        if (event.kind == TimelineEventKind::phase_begin && event.index == 3) {
            EXPECT_EQ(model.phases.events[i - 1].kind, TimelineEventKind::phase_end);
            EXPECT_EQ(model.phases.events[i - 1].index, 1u);
        }
    }
}

// ---------------------------------------------------------------- reports

std::string text_of(const Trace& trace) {
    std::ostringstream out;
    TextReporter().write(analyse(trace, {}), out);
    return out.str();
}

// The Phases section: from its title to the next section's.
std::string phases_section(const std::string& report) {
    const std::size_t start = report.find("\nPhases\n======\n");
    const std::size_t end = report.find("\nTop sites at peak\n");
    if (start == std::string::npos || end == std::string::npos) return "";
    return report.substr(start, end - start);
}

TEST(PhasesTextReport, GrowthTableIterationsAndMarks) {
    const std::string section = phases_section(text_of(phases_trace()));
    EXPECT_CONTAINS(section, "Marks           'start' at 1.0 kinstr, 0 bytes live\n");
    EXPECT_CONTAINS(section, "request: 5 iterations, by MEMATTR_PHASE_BEGIN/END\n");
    EXPECT_CONTAINS(section, "  peak          5.50 KiB (5,632 bytes) in iteration 5 at 50.2 kinstr\n");
    EXPECT_CONTAINS(section, "  note          1 iteration still open at exit, left out of the growth\n");
    EXPECT_CONTAINS(section, "  Growth per iteration by site, over iterations 1-4 (4 iterations):\n"
                             "  1. leak: +64 bytes per iteration (exact), fitted on iterations 1-4\n"
                             "     site 2: Session::log(char const*) (session.cpp:30)\n"
                             "  2. bounded: 256 bytes, reached at iteration 2\n"
                             "     site 3: Cache::insert(int) (cache.cpp:20)\n"
                             "  3. steady: no net growth over iterations 1-4\n");
    EXPECT_CONTAINS(section, "  #5   allocated 4.06 KiB, freed 4.00 KiB, retained +64 B, peak 5.50 "
                             "KiB, still live at exit 64 B (open at exit)\n");
}

TEST(PhasesTextReport, WhatASinglePhaseLeftBehind) {
    const std::string section = phases_section(text_of(phases_trace()));
    EXPECT_CONTAINS(section, "load: 1 iteration, by MEMATTR_PHASE_BEGIN/END\n");
    EXPECT_CONTAINS(section, "  1. +1.00 KiB (+1,024 bytes), 1.00 KiB (1,024 bytes) of what it "
                             "allocated still live at exit\n"
                             "     site 4: Config::load() (config.cpp:8)\n");
}

TEST(PhasesTextReport, SaysHowToGetPhases) {
    EXPECT_CONTAINS(phases_section(text_of(test::small_trace())),
                    "No phases: the trace is version 1, written by a memattr that recorded "
                    "none. To get them, bracket parts of the run with MEMATTR_PHASE_BEGIN");
    EXPECT_CONTAINS(phases_section(text_of(test::ownership_trace())),
                    "No phases. To get them, bracket parts of the run with "
                    "MEMATTR_PHASE_BEGIN(\"name\") and MEMATTR_PHASE_END(\"name\") from "
                    "memattr.h, or run memattr with --phase-fn=FUNCTION");
}

json json_of(const Trace& trace) {
    std::ostringstream out;
    AnalysisOptions every_row;
    every_row.top = 0;
    JsonReporter().write(analyse(trace, every_row), out);
    return json::parse(out.str());
}

TEST(PhasesJsonReport, NamesWithGrowthRows) {
    const json phases = json_of(phases_trace())["phases"];
    EXPECT_EQ(phases["recorded"], true);
    EXPECT_EQ(phases["kept"], 11);
    EXPECT_EQ(phases["dropped"], 0);
    const json& request = phases["names"][1];
    EXPECT_EQ(request["name"], "request");
    EXPECT_EQ(request["by"], "request");
    EXPECT_EQ(request["iterations"], 5);
    EXPECT_EQ(request["instances"], json::array({2, 4, 6, 8, 10}));
    EXPECT_EQ(request["open"], 1);
    EXPECT_EQ(request["retained"], 576);
    EXPECT_EQ(request["peak"], json({{"bytes", 5632}, {"t", 50200}, {"iteration", 5}}));
    EXPECT_EQ(request["growth_iterations"], json::array({1, 2, 3, 4}));
    const json& leak = request["growth"][0];
    EXPECT_EQ(leak["site"], 2);
    EXPECT_EQ(leak["class"], "leak");
    EXPECT_EQ(leak["slope"], 64.0);
    EXPECT_EQ(leak["exact"], true);
    EXPECT_EQ(leak["bound"], nullptr);
    EXPECT_EQ(leak["first_iteration"], 1);
    EXPECT_EQ(leak["last_iteration"], 4);
    const json& cache = request["growth"][1];
    EXPECT_EQ(cache["class"], "bounded");
    EXPECT_EQ(cache["bound"], 256);
    EXPECT_EQ(cache["stopped_at"], 2);
    EXPECT_EQ(cache["slope"], nullptr);
    EXPECT_EQ(request["growth"][2]["class"], "steady");
}

TEST(PhasesJsonReport, InstancesWithSiteRows) {
    const json instances = json_of(phases_trace())["phases"]["instances"];
    ASSERT_EQ(instances.size(), 11u);
    const json& parse = instances[2];
    EXPECT_EQ(parse["id"], 3);
    EXPECT_EQ(parse["name"], "parse");
    EXPECT_EQ(parse["parent"], 2);
    EXPECT_EQ(parse["ended"], "request");
    EXPECT_EQ(parse["begin"], json({{"t", 10100}, {"alloc", 1024}, {"bytes", 1024}, {"blocks", 1}}));
    EXPECT_EQ(instances[9]["ended"], "open");
    const json& site = instances[1]["sites"][0];
    EXPECT_EQ(site, json({{"site", 3},
                          {"allocated", {{"blocks", 1}, {"bytes", 128}}},
                          {"freed", {{"blocks", 0}, {"bytes", 0}}},
                          {"live_begin", 0},
                          {"live_end", 128},
                          {"growth", 128},
                          {"exit", {{"blocks", 1}, {"bytes", 128}}}}));
}

TEST(PhasesJsonReport, TimelineCarriesBoundariesAndMarks) {
    const json document = json_of(phases_trace());
    const json& events = document["timeline_events"];
    ASSERT_EQ(events.size(), 24u);
    EXPECT_EQ(events[0], json({{"kind", "mark"}, {"t", 1000}, {"alloc", 0}, {"bytes", 0},
                               {"blocks", 0}, {"phase", nullptr}, {"name", "start"},
                               {"iteration", nullptr}}));
    EXPECT_EQ(events[1]["kind"], "phase_begin");
    EXPECT_EQ(events[1]["phase"], 1);
    EXPECT_EQ(events[1]["name"], "load");
    EXPECT_EQ(events[1]["iteration"], 1);
    EXPECT_EQ(events[2]["kind"], "phase_end");
    EXPECT_EQ(document["phases"]["marks"][1]["label"], "config \"loaded\"");
}

TEST(PhasesJsonReport, EmptyWithoutPhases) {
    const json document = json_of(test::small_trace());
    EXPECT_EQ(document["phases"]["recorded"], false);
    EXPECT_TRUE(document["phases"]["names"].empty());
    EXPECT_TRUE(document["timeline_events"].empty());
}

}  // namespace phases_tests
}  // namespace memattr
