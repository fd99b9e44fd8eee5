#include "analysis/phases.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "support/units.h"

namespace memattr {

namespace {

constexpr std::int64_t kMaxGrowth = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinGrowth = std::numeric_limits<std::int64_t>::min();

// a + b, held at the int64 limits: a genuine trace stays far inside them, a forged one must
// not overflow.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a, b, &sum)) return sum;
    return b > 0 ? kMaxGrowth : kMinGrowth;
}

// ---------------------------------------------------------------- growth classification

// cumulative[k]: the growth of iterations 1..k (positions in the series), cumulative[0] = 0.
std::vector<std::int64_t> cumulative_growth(const std::vector<GrowthPoint>& series) {
    std::vector<std::int64_t> cumulative = {0};
    for (const GrowthPoint& point : series)
        cumulative.push_back(saturating_add(cumulative.back(), point.growth));
    return cumulative;
}

// The highest cumulative growth up to each position (from the level before the series).
std::vector<std::int64_t> high_water(const std::vector<std::int64_t>& cumulative) {
    std::vector<std::int64_t> high = {cumulative[0]};
    for (std::size_t k = 1; k < cumulative.size(); ++k)
        high.push_back(std::max(high.back(), cumulative[k]));
    return high;
}

double median(std::vector<std::int64_t> values) {
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    if (values.size() % 2 == 1) return static_cast<double>(values[middle]);
    return (static_cast<double>(values[middle - 1]) + static_cast<double>(values[middle])) / 2;
}

// The first iteration is a warm-up (setting up buffers the later ones reuse, on top of
// what they do) when its growth is not typical of the others: it differs from their median
// by more than the tolerance.
bool first_is_warm_up(const std::vector<GrowthPoint>& series, std::size_t count) {
    std::vector<std::int64_t> rest;
    for (std::size_t i = 1; i < count; ++i) rest.push_back(series[i].growth);
    const double typical = median(rest);
    return std::abs(static_cast<double>(series[0].growth) - typical) >
           kGrowthTolerance * std::abs(typical);
}

// Iterations that keep a site's live bytes at or under its high-water mark after it stopped
// growing, before it counts as bounded: a quarter of the series, and at least 2, so that a
// leak that merely paused for an iteration or two is not taken for a cache.
std::size_t flat_iterations_for_bound(std::size_t iterations) {
    return std::max<std::size_t>(2, (iterations + 3) / 4);
}

// The least-squares line through the points (k, cumulative[k]) for k in [first, last]:
// its slope, and the largest distance of a point from it.
struct LineFit {
    double slope = 0;
    double largest_deviation = 0;
};

LineFit fit_line(const std::vector<std::int64_t>& cumulative, std::size_t first,
                 std::size_t last) {
    const auto count = static_cast<double>(last - first + 1);
    double mean_x = 0;
    double mean_y = 0;
    for (std::size_t k = first; k <= last; ++k) {
        mean_x += static_cast<double>(k);
        mean_y += static_cast<double>(cumulative[k]);
    }
    mean_x /= count;
    mean_y /= count;
    double covariance = 0;
    double variance = 0;
    for (std::size_t k = first; k <= last; ++k) {
        const double dx = static_cast<double>(k) - mean_x;
        covariance += dx * (static_cast<double>(cumulative[k]) - mean_y);
        variance += dx * dx;
    }
    LineFit fit;
    fit.slope = covariance / variance;
    for (std::size_t k = first; k <= last; ++k) {
        const double on_line = mean_y + fit.slope * (static_cast<double>(k) - mean_x);
        fit.largest_deviation = std::max(
            fit.largest_deviation, std::abs(static_cast<double>(cumulative[k]) - on_line));
    }
    return fit;
}

// Leak or irregular: the fit over the series up to `count` iterations (up to where the site
// reached its highest level: a leak that paused at the end is fitted where it leaked), the
// first iteration left out when it was a warm-up and at least two remain.
GrowthFit fit_growth(const std::vector<GrowthPoint>& series,
                     const std::vector<std::int64_t>& cumulative, std::size_t count,
                     GrowthFit fit) {
    const std::size_t first = count > 2 && first_is_warm_up(series, count) ? 1 : 0;  // index
    const std::size_t last = count - 1;
    fit.first_iteration = series[first].iteration;
    fit.last_iteration = series[last].iteration;
    const auto fitted_end = series.begin() + static_cast<std::ptrdiff_t>(count);
    fit.exact = std::all_of(series.begin() + first, fitted_end, [&](const GrowthPoint& point) {
        return point.growth == series[first].growth;
    });
    // Cumulative growth at iteration ends: positions first + 1 .. last + 1.
    const LineFit line = fit_line(cumulative, first + 1, last + 1);
    fit.slope = fit.exact ? static_cast<double>(series[first].growth) : line.slope;
    const double rise = static_cast<double>(cumulative[last + 1]) -
                        static_cast<double>(cumulative[first]);
    const bool linear = fit.exact || line.largest_deviation <= kGrowthTolerance * rise;
    fit.kind = fit.slope > 0 && linear ? GrowthClass::leak : GrowthClass::irregular;
    return fit;
}

// ---------------------------------------------------------------- instances and names

std::vector<PhaseSiteRow> site_rows(const PhaseInstance& instance, const Trace& trace,
                                    const std::vector<std::size_t>& row_of_site) {
    std::vector<PhaseSiteRow> rows;
    for (const PhaseSite& figures : instance.sites)
        rows.push_back({row_of_site[figures.site], figures,
                        signed_change(figures.live_end, figures.live_begin)});
    std::sort(rows.begin(), rows.end(), [&](const PhaseSiteRow& a, const PhaseSiteRow& b) {
        if (a.growth != b.growth) return a.growth > b.growth;
        if (a.figures.allocated_bytes != b.figures.allocated_bytes)
            return a.figures.allocated_bytes > b.figures.allocated_bytes;
        return trace.sites[a.figures.site].id < trace.sites[b.figures.site].id;
    });
    return rows;
}

PhaseInstanceRow instance_row(const PhaseInstance& instance, const Trace& trace,
                              const std::vector<std::size_t>& row_of_site) {
    PhaseInstanceRow row;
    row.sites = site_rows(instance, trace, row_of_site);
    row.instance = instance;
    row.instance.sites.clear();
    row.retained = signed_change(instance.end.bytes, instance.begin.bytes);
    return row;
}

// Whether the instance at `index` is nested, at any depth, in an instance of its own name.
bool nested_in_same_name(const std::vector<PhaseInstanceRow>& instances, std::size_t index) {
    const PhaseInstance& instance = instances[index].instance;
    // Parents are earlier instances (the reader checks it), so the walk ends.
    for (std::uint64_t parent = instance.parent; parent != 0;
         parent = instances[parent - 1].instance.parent)
        if (instances[parent - 1].instance.name == instance.name) return true;
    return false;
}

void add_to_sums(PhaseNameSummary& name, const PhaseInstanceRow& row) {
    const PhaseInstance& instance = row.instance;
    name.allocated_bytes += instance.allocated_bytes;
    name.allocated_blocks += instance.allocated_blocks;
    name.freed_bytes += instance.freed_bytes;
    name.freed_blocks += instance.freed_blocks;
    name.retained = saturating_add(name.retained, row.retained);
    name.exit_bytes += instance.exit_bytes;
    name.exit_blocks += instance.exit_blocks;
}

void note_peak(PhaseNameSummary& name, const PhaseInstance& instance) {
    if (name.peak_iteration != 0 && instance.peak_bytes <= name.peak_bytes) return;
    name.peak_bytes = instance.peak_bytes;
    name.peak_time = instance.peak_time;
    name.peak_iteration = instance.iteration;
}

// Each site's growth series over the instances in `series` (indexes into `instances`), by
// index into Trace::sites: 0 in an instance without a row for the site.
std::map<std::size_t, std::vector<GrowthPoint>> growth_series(
    const std::vector<PhaseInstanceRow>& instances, const std::vector<std::size_t>& series) {
    std::map<std::size_t, std::vector<GrowthPoint>> by_site;
    for (const std::size_t index : series)
        for (const PhaseSiteRow& row : instances[index].sites) by_site[row.figures.site];
    for (auto& [site, points] : by_site)
        for (const std::size_t index : series)
            points.push_back({instances[index].instance.iteration, 0});
    for (std::size_t position = 0; position < series.size(); ++position)
        for (const PhaseSiteRow& row : instances[series[position]].sites)
            by_site[row.figures.site][position].growth = row.growth;
    return by_site;
}

void analyse_growth(PhaseNameSummary& name, const std::vector<PhaseInstanceRow>& instances,
                    const std::vector<std::size_t>& series, const Trace& trace,
                    const std::vector<std::size_t>& row_of_site) {
    for (const std::size_t index : series)
        name.growth_iterations.push_back(instances[index].instance.iteration);
    if (series.size() < kMinGrowthIterations) return;
    std::vector<std::pair<std::size_t, GrowthFit>> fits;  // (index into Trace::sites, fit)
    for (const auto& [site, points] : growth_series(instances, series))
        fits.emplace_back(site, classify_growth(points));
    std::sort(fits.begin(), fits.end(), [&](const auto& a, const auto& b) {
        if (a.second.kind != b.second.kind) return a.second.kind < b.second.kind;
        if (a.second.net_growth != b.second.net_growth)
            return a.second.net_growth > b.second.net_growth;
        return trace.sites[a.first].id < trace.sites[b.first].id;
    });
    for (const auto& [site, fit] : fits) name.growth.push_back({row_of_site[site], fit});
}

PhaseNameSummary& summary_for(std::vector<PhaseNameSummary>& names,
                              std::map<std::string, std::size_t>& index,
                              const PhaseInstance& instance) {
    const auto [found, inserted] = index.emplace(instance.name, names.size());
    if (inserted) {
        names.emplace_back();
        names.back().name = instance.name;
        names.back().by = instance.by;
    }
    return names[found->second];
}

std::vector<PhaseNameSummary> summarise_names(const std::vector<PhaseInstanceRow>& instances,
                                              const Trace& trace,
                                              const std::vector<std::size_t>& row_of_site) {
    std::vector<PhaseNameSummary> names;
    std::map<std::string, std::size_t> index;
    std::map<std::string, std::vector<std::size_t>> series;  // name -> growth instances
    for (std::size_t i = 0; i < instances.size(); ++i) {
        const PhaseInstance& instance = instances[i].instance;
        PhaseNameSummary& name = summary_for(names, index, instance);
        name.instances.push_back(i);
        note_peak(name, instance);
        if (instance.ended == PhaseEnding::open) ++name.open;
        if (nested_in_same_name(instances, i)) {
            ++name.nested_in_same_name;
            continue;
        }
        add_to_sums(name, instances[i]);
        // An open instance is cut short: its growth is not an iteration's.
        if (instance.ended != PhaseEnding::open) series[instance.name].push_back(i);
    }
    for (PhaseNameSummary& name : names) {
        // Instances begin in id order, and iterations increase with it (the reader checks).
        analyse_growth(name, instances, series[name.name], trace, row_of_site);
    }
    return names;
}

// Ends before marks before begins at equal times, so that an iteration ends before the next
// begins; ends innermost first, begins outermost first.
std::vector<TimelineEvent> timeline_events(const std::vector<PhaseInstanceRow>& instances,
                                           const std::vector<Mark>& marks) {
    std::vector<TimelineEvent> events;
    for (std::size_t i = 0; i < instances.size(); ++i) {
        events.push_back({TimelineEventKind::phase_begin, instances[i].instance.begin, i});
        events.push_back({TimelineEventKind::phase_end, instances[i].instance.end, i});
    }
    for (std::size_t i = 0; i < marks.size(); ++i)
        events.push_back({TimelineEventKind::mark, marks[i].at, i});
    const auto order = [](const TimelineEvent& event) {
        const int rank = event.kind == TimelineEventKind::phase_end ? 0
                         : event.kind == TimelineEventKind::mark    ? 1
                                                                    : 2;
        const auto index = static_cast<std::int64_t>(event.index);
        return std::tuple(event.at.time, rank, rank == 0 ? -index : index);
    };
    std::sort(events.begin(), events.end(),
              [&](const TimelineEvent& a, const TimelineEvent& b) { return order(a) < order(b); });
    return events;
}

}  // namespace

GrowthFit classify_growth(const std::vector<GrowthPoint>& series) {
    if (series.size() < kMinGrowthIterations)
        throw std::invalid_argument(fmt::format("growth needs at least {} iterations, not {}",
                                                kMinGrowthIterations, series.size()));
    const std::vector<std::int64_t> cumulative = cumulative_growth(series);
    const std::vector<std::int64_t> high = high_water(cumulative);
    const std::size_t n = series.size();
    GrowthFit fit;
    fit.net_growth = cumulative[n];
    fit.first_iteration = series.front().iteration;
    fit.last_iteration = series.back().iteration;
    // Steady: after the first iteration (a warm-up may set up what later ones reuse), the
    // site never rises above the level it reached then.
    if (high[n] <= high[1]) return fit;
    // Bounded: the site reached its highest level at `stop` and stayed at or under it for
    // long enough after.
    const std::size_t stop = static_cast<std::size_t>(
        std::find(cumulative.begin(), cumulative.end(), high[n]) - cumulative.begin());
    if (n - stop >= flat_iterations_for_bound(n)) {
        fit.kind = GrowthClass::bounded;
        fit.bound = high[n];
        fit.stopped_at = series[stop - 1].iteration;
        fit.last_iteration = fit.stopped_at;
        return fit;
    }
    return fit_growth(series, cumulative, stop, fit);
}

PhaseReport analyse_phases(const Trace& trace, const std::vector<std::size_t>& row_of_site) {
    PhaseReport report;
    report.recorded = trace.header.version >= 3;
    for (const PhaseInstance& instance : trace.phases)
        report.instances.push_back(instance_row(instance, trace, row_of_site));
    report.names = summarise_names(report.instances, trace, row_of_site);
    report.marks = trace.marks;
    report.counts = trace.phase_counts;
    report.events = timeline_events(report.instances, report.marks);
    return report;
}

}  // namespace memattr
