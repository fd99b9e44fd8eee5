// Phases and growth per iteration (trace format version 3; docs/memattr-graph.md, "Phases").
//
// The tool records each phase instance (an iteration of a named phase) with its figures and
// each site's live bytes at its begin and end. This module sums the instances by name and,
// for a phase repeated at least kMinGrowthIterations times, classifies how each site's live
// bytes grow from one iteration to the next: a *leak* grows by about the same amount every
// iteration, a *bounded* site (a cache) grows and then stops, a *steady* site does not grow.
// classify_growth is a pure function of one site's growth series, so the rules can be tested
// on series written by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.h"

namespace memattr {

// Fewer iterations say nothing about a trend.
inline constexpr std::size_t kMinGrowthIterations = 3;

// How far a leak's cumulative growth may stray from its fitted line, as a fraction of its
// growth over the fitted range; also how far the first iteration's growth may differ from
// the others' median before it counts as a warm-up.
inline constexpr double kGrowthTolerance = 0.10;

// How a site's live bytes develop over the iterations of a phase; reports list the classes
// in this order.
enum class GrowthClass {
    leak,       // grows by about the same amount every iteration (a fitted line)
    irregular,  // grows, but neither linearly nor up to a bound (e.g. doubling)
    bounded,    // grows, then stops growing for the rest of the iterations (a cache)
    steady,     // no growth after the first iteration
};

// One site's growth in one iteration: live bytes at its end minus live bytes at its begin
// (0 when the site had no allocation or release in it).
struct GrowthPoint {
    std::uint64_t iteration = 0;  // the instance's iteration number
    std::int64_t growth = 0;
};

// What classify_growth concludes about one series. Cumulative growth counts from before the
// series' first iteration.
struct GrowthFit {
    GrowthClass kind = GrowthClass::steady;
    std::int64_t net_growth = 0;      // cumulative growth after the last iteration
    // leak, irregular: the least-squares slope of the cumulative growth at iteration ends, in
    // bytes per iteration, over [first_iteration, last_iteration]; 0 otherwise.
    double slope = 0;
    bool exact = false;               // every iteration in the range grew by exactly `slope`
    // bounded: the highest cumulative growth, and the iteration that first reached it.
    std::int64_t bound = 0;
    std::uint64_t stopped_at = 0;
    // The iterations the conclusion rests on: the fitted range (leak, irregular; the first
    // iteration is left out when it was a warm-up), the growth up to the bound (bounded), or
    // the whole series (steady).
    std::uint64_t first_iteration = 0;
    std::uint64_t last_iteration = 0;
};

// The rules of docs/memattr-graph.md ("Growth per iteration") applied to `series`, in
// iteration order. Needs at least kMinGrowthIterations points (throws std::invalid_argument).
GrowthFit classify_growth(const std::vector<GrowthPoint>& series);

// In the structures below, a site is an index into the `sites` of the report model
// (ReportModel::sites), as everywhere in the analysis.

// One site's figures in one phase instance.
struct PhaseSiteRow {
    std::size_t site = 0;
    PhaseSite figures;  // the trace's figures (figures.site is the index into Trace::sites)
    std::int64_t growth = 0;  // live_end - live_begin
};

// One phase instance with the figures the reports show.
struct PhaseInstanceRow {
    PhaseInstance instance;          // the trace's record (its `sites` left empty: see below)
    std::int64_t retained = 0;       // end.bytes - begin.bytes: what the instance left behind
                                     // in the live heap (other threads' changes included)
    std::vector<PhaseSiteRow> sites; // by growth descending, then allocated bytes
                                     // descending, then site id
};

// One site's growth over the iterations of a phase name.
struct SiteGrowth {
    std::size_t site = 0;
    GrowthFit fit;
};

// The instances of one phase name.
struct PhaseNameSummary {
    std::string name;
    PhaseDelimiter by = PhaseDelimiter::request;  // that of its first instance
    std::vector<std::size_t> instances;  // indexes into PhaseReport::instances, by iteration
    // Instances nested in an instance of the same name (recursion) are inside another
    // iteration: the sums and the growth below leave them out, so nothing counts twice.
    std::size_t nested_in_same_name = 0;
    std::size_t open = 0;  // instances still open when the trace was written

    // Summed over the instances not nested in one of the same name.
    std::uint64_t allocated_bytes = 0;
    std::uint64_t allocated_blocks = 0;
    std::uint64_t freed_bytes = 0;
    std::uint64_t freed_blocks = 0;
    std::int64_t retained = 0;        // the instances' `retained`, summed
    std::uint64_t exit_bytes = 0;     // still live at exit
    std::uint64_t exit_blocks = 0;

    // The highest of the instances' peaks, and the instance that reached it first.
    std::uint64_t peak_bytes = 0;
    std::uint64_t peak_time = 0;
    std::uint64_t peak_iteration = 0;

    // Growth per iteration, when at least kMinGrowthIterations iterations ended (the
    // instances not nested in one of the same name and not open): every site with a
    // `phase-site` record in one of them, by class (GrowthClass order), then net growth
    // descending, then site id.
    std::vector<std::uint64_t> growth_iterations;  // the iterations the growth rests on
    std::vector<SiteGrowth> growth;
};

// What kind of moment a TimelineEvent is.
enum class TimelineEventKind { phase_begin, phase_end, mark };

// A phase boundary or a mark on the heap timeline.
struct TimelineEvent {
    TimelineEventKind kind = TimelineEventKind::mark;
    TimelinePoint at;
    std::size_t index = 0;  // PhaseReport::instances (boundaries) or PhaseReport::marks
};

struct PhaseReport {
    bool recorded = false;  // the trace is version 3 or later, so could hold phases
    std::vector<PhaseInstanceRow> instances;  // by id
    std::vector<PhaseNameSummary> names;      // in the order of their first instance
    std::vector<Mark> marks;
    std::optional<PhaseCounts> counts;        // the `phases` record, when the trace has one
    std::vector<TimelineEvent> events;        // every boundary and mark, by time; at equal
                                              // times ends (innermost first), then marks, then
                                              // begins (outermost first)
};

// `row_of_site[i]` is the index in ReportModel::sites of Trace::sites[i].
PhaseReport analyse_phases(const Trace& trace, const std::vector<std::size_t>& row_of_site);

}  // namespace memattr
