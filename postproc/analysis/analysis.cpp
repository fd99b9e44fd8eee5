#include "analysis/analysis.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "support/units.h"

namespace memattr {

namespace {

Summary summarise(const Trace& trace) {
    Summary summary;
    summary.peak = trace.peak;
    summary.totals = trace.totals;
    summary.exit = trace.exit;
    summary.access = trace.access;
    for (const Site& site : trace.sites) {
        // Wrapping cannot happen in a genuine trace (these sums are bounded by the totals);
        // for a forged one, unsigned wrap-around gives a wrong figure, never a crash.
        summary.temporary_blocks += site.temporary_blocks;
        summary.temporary_bytes += site.temporary_bytes;
        summary.never_read_blocks += site.never_read_blocks;
        summary.never_read_bytes += site.never_read_bytes;
        summary.never_accessed_blocks += site.never_accessed_blocks;
        summary.never_accessed_bytes += site.never_accessed_bytes;
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

// The parts `needs` names, each from the site rows already in `model`.
void analyse_parts(const Trace& trace, const AnalysisOptions& options, const AnalysisNeeds& needs,
                   const SiteFolder& folder, const std::vector<std::size_t>& row_of_site,
                   ReportModel& model) {
    if (needs.copies)
        model.copies =
            analyse_copies(trace, model.sites, row_of_site, folder, options.clone_threshold);
    if (needs.ownership)
        model.ownership = analyse_ownership(trace, options, folder, model.sites, row_of_site);
    if (needs.leaks)
        model.leaks = analyse_leaks(trace, model.sites, row_of_site, options.leak_heuristics);
    if (needs.phases) model.phases = analyse_phases(trace, row_of_site);
    if (needs.memory_map)
        model.memory_map = analyse_memory_map(trace, options, folder, row_of_site);
}

// The threads by id, their top sites at their own peaks named by site row.
std::vector<Thread> threads_by_id(const Trace& trace, const std::vector<std::size_t>& row_of_site) {
    std::vector<Thread> threads = trace.threads;
    for (Thread& thread : threads)
        for (ThreadPeakSite& top : thread.own_peak_sites) top.site = row_of_site[top.site];
    std::sort(threads.begin(), threads.end(),
              [](const Thread& a, const Thread& b) { return a.id < b.id; });
    return threads;
}

}  // namespace

ReportModel analyse(const Trace& trace, const AnalysisOptions& options,
                    const AnalysisNeeds& needs) {
    if (!is_valid_clone_threshold(options.clone_threshold))
        throw std::invalid_argument(fmt::format(
            "clone threshold {}% is not a multiple of 10 from 10 to 100", options.clone_threshold));
    ReportModel model;
    model.source = trace.source;
    model.record_count = trace.record_count;
    model.header = trace.header;
    model.options = options;
    model.summary = summarise(trace);

    const SiteFolder folder(trace, options.folding);
    model.wrappers = folder.wrappers();
    model.sites = make_site_rows(trace, folder);
    model.rankings = rank_sites(model.sites, options.top);
    const std::vector<std::size_t> row_of_site = rows_of_sites(trace, model.sites);
    analyse_parts(trace, options, needs, folder, row_of_site, model);

    model.threads = threads_by_id(trace, row_of_site);
    model.timeline = trace.timeline;
    model.timeline_peak = find_timeline_peak(trace);
    return model;
}

}  // namespace memattr
