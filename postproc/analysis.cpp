#include "analysis.h"

#include <algorithm>

namespace memattr {

namespace {

// numerator / denominator, and 0 when there is nothing to divide by (a site without
// blocks has no mean, an empty program no shares).
double ratio(std::uint64_t numerator, std::uint64_t denominator) {
    return denominator == 0 ? 0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

double percent_of(std::uint64_t part, std::uint64_t whole) { return 100 * ratio(part, whole); }

SiteRow make_row(const Trace& trace, const Site& site, const SiteFolder& folder) {
    const FoldedStack folded = folder.fold(trace.stacks[site.stack]);
    SiteRow row;
    row.figures = site;
    row.location = trace.frames[folded.site_frame];
    for (const std::size_t frame : folded.frames) row.stack.push_back(trace.frames[frame]);
    row.omitted_frames = folded.omitted_frames;
    row.peak_percent = percent_of(site.peak_bytes, trace.peak.bytes);
    row.total_percent = percent_of(site.total_bytes, trace.totals.bytes);
    row.exit_percent = percent_of(site.exit_bytes, trace.exit.bytes);
    row.temporary_percent = percent_of(site.temporary_blocks, site.total_blocks);
    row.mean_lifetime = ratio(site.lifetime_sum, site.total_blocks);
    row.average_size = ratio(site.total_bytes, site.total_blocks);
    return row;
}

// Orders sites by `metric`, descending; ties by total bytes, descending, then by id.
using Metric = std::uint64_t Site::*;

bool ranks_before(const Site& a, const Site& b, Metric metric) {
    if (a.*metric != b.*metric) return a.*metric > b.*metric;
    if (a.total_bytes != b.total_bytes) return a.total_bytes > b.total_bytes;
    return a.id < b.id;
}

Ranking rank(const std::vector<SiteRow>& rows, Metric metric, std::size_t top) {
    Ranking ranking;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].figures.*metric != 0) ranking.rows.push_back(i);
    std::sort(ranking.rows.begin(), ranking.rows.end(), [&](std::size_t a, std::size_t b) {
        return ranks_before(rows[a].figures, rows[b].figures, metric);
    });
    ranking.candidates = ranking.rows.size();
    if (top != 0 && ranking.rows.size() > top) ranking.rows.resize(top);
    return ranking;
}

Summary summarise(const Trace& trace) {
    Summary summary{trace.peak, trace.totals, trace.exit, 0, 0, 0};
    for (const Site& site : trace.sites) {
        // Wrapping cannot happen in a genuine trace (these sums are bounded by the totals);
        // for a forged one, unsigned wrap-around gives a wrong figure, never a crash.
        summary.temporary_blocks += site.temporary_blocks;
        summary.temporary_bytes += site.temporary_bytes;
    }
    summary.temporary_percent = percent_of(summary.temporary_blocks, trace.totals.blocks);
    return summary;
}

// The global peak is also a timeline sample (the tool records the exact peak); the latest
// sample with the peak's time and bytes is it.
std::optional<std::size_t> find_timeline_peak(const Trace& trace) {
    for (std::size_t i = trace.timeline.size(); i-- > 0;) {
        const TimelinePoint& point = trace.timeline[i];
        if (point.time == trace.peak.time && point.bytes == trace.peak.bytes) return i;
    }
    return std::nullopt;
}

}  // namespace

ReportModel analyse(const Trace& trace, const AnalysisOptions& options) {
    ReportModel model;
    model.source = trace.source;
    model.record_count = trace.record_count;
    model.header = trace.header;
    model.options = options;
    model.summary = summarise(trace);

    const SiteFolder folder(trace, options.folding);
    for (const Site& site : trace.sites) model.sites.push_back(make_row(trace, site, folder));
    std::sort(model.sites.begin(), model.sites.end(), [](const SiteRow& a, const SiteRow& b) {
        return ranks_before(a.figures, b.figures, &Site::peak_bytes);
    });

    model.rankings.at_peak = rank(model.sites, &Site::peak_bytes, options.top);
    model.rankings.by_total = rank(model.sites, &Site::total_bytes, options.top);
    model.rankings.by_temporary = rank(model.sites, &Site::temporary_blocks, options.top);
    model.rankings.at_exit = rank(model.sites, &Site::exit_bytes, options.top);

    model.threads = trace.threads;
    std::sort(model.threads.begin(), model.threads.end(),
              [](const Thread& a, const Thread& b) { return a.id < b.id; });
    model.timeline = trace.timeline;
    model.timeline_peak = find_timeline_peak(trace);
    return model;
}

}  // namespace memattr
