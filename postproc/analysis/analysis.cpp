#include "analysis/analysis.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "support/units.h"

namespace memattr {

bool is_valid_clone_threshold(unsigned percent) {
    return percent >= 10 && percent <= 100 && percent % 10 == 0;
}

CopyClass classify_copy(const CopyGroup& copy, unsigned clone_threshold) {
    // The source went away at once: whatever was copied, nothing was kept twice.
    if (copy.kind == CopyKind::realloc || copy.source_fate == SourceFate::prompt)
        return CopyClass::relocation;
    // `share` is in tenths, rounded down, so share * 10 >= threshold is exact for thresholds
    // that are multiples of 10.
    if (copy.share * 10 < clone_threshold) return CopyClass::partial;
    return copy.source_used ? CopyClass::clone : CopyClass::movable_clone;
}

void CopyFigures::add(const CopyFigures& other) {
    pairs = saturating_add(pairs, other.pairs);
    bytes = saturating_add(bytes, other.bytes);
    source_bytes = saturating_add(source_bytes, other.source_bytes);
    destination_bytes = saturating_add(destination_bytes, other.destination_bytes);
    peak_source_bytes = saturating_add(peak_source_bytes, other.peak_source_bytes);
    overlap = saturating_add(overlap, other.overlap);
}

void CopyFigures::add(const CopyGroup& copy) {
    add(CopyFigures{copy.pairs, copy.bytes, copy.source_bytes, copy.destination_bytes,
                    copy.peak_source_bytes, copy.overlap});
}

namespace {

// A custom or pool site's stack starts in the custom allocator, which folds away like
// malloc so that the site is the code that asked it for memory.
std::size_t custom_allocator_frames(const Site& site) {
    return site.kind == SiteKind::malloc ? 0 : 1;
}

SiteRow make_row(const Trace& trace, const Site& site, const SiteFolder& folder) {
    const FoldedStack folded =
        folder.fold(trace.stacks[site.stack], custom_allocator_frames(site));
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
    // The reader guarantees never accessed <= never read.
    row.written_unread_blocks = site.never_read_blocks - site.never_accessed_blocks;
    row.written_unread_bytes = site.never_read_bytes - site.never_accessed_bytes;
    row.never_read_percent = percent_of(site.never_read_bytes, site.total_bytes);
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

// ---------------------------------------------------------------- copies

// Copy locations are grouped by place_of (site_folding.h): see MovableCloneRow.

// One copy group as the sections see it.
struct FoldedCopy {
    const CopyGroup& copy;
    CopyClass kind;
    const Frame& location;  // the folded copy stack's site frame
    std::size_t from;       // index into ReportModel::sites
    std::size_t to;         // likewise
};

// Appends `copy` to the row `rows` holds under `key`, creating the row (from `make`) the
// first time; rows stay in order of first appearance until ranked.
template <typename Key, typename Row, typename MakeRow>
Row& row_for(std::map<Key, std::size_t>& index, std::vector<Row>& rows, const Key& key,
             MakeRow make) {
    const auto [found, inserted] = index.emplace(key, rows.size());
    if (inserted) rows.push_back(make());
    return rows[found->second];
}

void add_movable_clone(const FoldedCopy& folded,
                       std::map<std::pair<PlaceKey, std::size_t>, std::size_t>& index,
                       std::vector<MovableCloneRow>& rows) {
    MovableCloneRow& row =
        row_for(index, rows, std::pair{place_of(folded.location), folded.from}, [&] {
            MovableCloneRow made;
            made.location = folded.location;
            made.source_site = folded.from;
            return made;
        });
    row.figures.add(folded.copy);
    if (std::find(row.destination_sites.begin(), row.destination_sites.end(), folded.to) ==
        row.destination_sites.end())
        row.destination_sites.push_back(folded.to);
}

void add_relocation(const FoldedCopy& folded,
                    std::map<std::pair<PlaceKey, CopyKind>, std::size_t>& index,
                    std::vector<RelocationRow>& rows) {
    RelocationRow& row =
        row_for(index, rows, std::pair{place_of(folded.location), folded.copy.kind}, [&] {
            RelocationRow made;
            made.location = folded.location;
            made.kind = folded.copy.kind;
            return made;
        });
    row.figures.add(folded.copy);
}

using EdgeKey = std::tuple<std::size_t, std::size_t, CopyClass>;

void add_lineage_edge(const FoldedCopy& folded, std::map<EdgeKey, std::size_t>& index,
                      std::set<std::pair<std::size_t, PlaceKey>>& edge_places,
                      std::vector<LineageEdge>& edges) {
    const auto [found, inserted] =
        index.emplace(EdgeKey{folded.from, folded.to, folded.kind}, edges.size());
    if (inserted) edges.push_back({folded.from, folded.to, folded.kind, {}, {}});
    LineageEdge& edge = edges[found->second];
    edge.figures.add(folded.copy);
    if (edge_places.emplace(found->second, place_of(folded.location)).second)
        edge.locations.push_back(folded.location);
}

CopyFigures& totals_of(CopyTotals& totals, CopyClass kind) {
    switch (kind) {
    case CopyClass::relocation: return totals.relocations;
    case CopyClass::movable_clone: return totals.movable_clones;
    case CopyClass::clone: return totals.clones;
    case CopyClass::partial: return totals.partial;
    }
    return totals.partial;
}

void rank_copy_rows(CopyAnalysis& copies, const std::vector<SiteRow>& sites) {
    // Stable sorts: rows that tie on every figure stay in trace order, so reports are
    // reproducible.
    std::stable_sort(copies.movable_clones.begin(), copies.movable_clones.end(),
                     [](const MovableCloneRow& a, const MovableCloneRow& b) {
                         const CopyFigures& x = a.figures;
                         const CopyFigures& y = b.figures;
                         return std::tie(x.peak_source_bytes, x.overlap, x.bytes) >
                                std::tie(y.peak_source_bytes, y.overlap, y.bytes);
                     });
    std::stable_sort(copies.relocations.begin(), copies.relocations.end(),
                     [](const RelocationRow& a, const RelocationRow& b) {
                         return std::tie(a.figures.bytes, a.figures.pairs) >
                                std::tie(b.figures.bytes, b.figures.pairs);
                     });
    std::sort(copies.lineage.begin(), copies.lineage.end(),
              [&](const LineageEdge& a, const LineageEdge& b) {
                  if (std::tie(a.figures.bytes, a.figures.pairs) !=
                      std::tie(b.figures.bytes, b.figures.pairs))
                      return std::tie(a.figures.bytes, a.figures.pairs) >
                             std::tie(b.figures.bytes, b.figures.pairs);
                  return std::tuple(sites[a.from].figures.id, sites[a.to].figures.id, a.kind) <
                         std::tuple(sites[b.from].figures.id, sites[b.to].figures.id, b.kind);
              });
}

// `row_of_site[i]` is the index in `sites` of Trace::sites[i].
CopyAnalysis analyse_copies(const Trace& trace, const std::vector<SiteRow>& sites,
                            const std::vector<std::size_t>& row_of_site, const SiteFolder& folder,
                            unsigned clone_threshold) {
    CopyAnalysis copies;
    std::map<std::pair<PlaceKey, std::size_t>, std::size_t> movable_index;
    std::map<std::pair<PlaceKey, CopyKind>, std::size_t> relocation_index;
    std::map<EdgeKey, std::size_t> edge_index;
    std::set<std::pair<std::size_t, PlaceKey>> edge_places;
    for (const CopyGroup& copy : trace.copies) {
        const FoldedCopy folded{copy, classify_copy(copy, clone_threshold),
                                trace.frames[folder.fold(trace.stacks[copy.stack]).site_frame],
                                row_of_site[copy.from], row_of_site[copy.to]};
        totals_of(copies.totals, folded.kind).add(copy);
        if (folded.kind == CopyClass::movable_clone)
            add_movable_clone(folded, movable_index, copies.movable_clones);
        if (folded.kind == CopyClass::relocation)
            add_relocation(folded, relocation_index, copies.relocations);
        add_lineage_edge(folded, edge_index, edge_places, copies.lineage);
    }
    for (MovableCloneRow& row : copies.movable_clones)
        std::sort(row.destination_sites.begin(), row.destination_sites.end(),
                  [&](std::size_t a, std::size_t b) {
                      return sites[a].figures.id < sites[b].figures.id;
                  });
    rank_copy_rows(copies, sites);
    return copies;
}

// Where each of Trace::sites ended up in the sorted ReportModel::sites.
std::vector<std::size_t> rows_of_sites(const Trace& trace, const std::vector<SiteRow>& rows) {
    std::unordered_map<std::uint64_t, std::size_t> row_of_id;
    for (std::size_t row = 0; row < rows.size(); ++row)
        row_of_id.emplace(rows[row].figures.id, row);
    std::vector<std::size_t> row_of_site;
    for (const Site& site : trace.sites) row_of_site.push_back(row_of_id.at(site.id));
    return row_of_site;
}

}  // namespace

ReportModel analyse(const Trace& trace, const AnalysisOptions& options) {
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
    for (const Site& site : trace.sites) model.sites.push_back(make_row(trace, site, folder));
    std::sort(model.sites.begin(), model.sites.end(), [](const SiteRow& a, const SiteRow& b) {
        return ranks_before(a.figures, b.figures, &Site::peak_bytes);
    });

    model.rankings.at_peak = rank(model.sites, &Site::peak_bytes, options.top);
    model.rankings.by_total = rank(model.sites, &Site::total_bytes, options.top);
    model.rankings.by_temporary = rank(model.sites, &Site::temporary_blocks, options.top);
    model.rankings.at_exit = rank(model.sites, &Site::exit_bytes, options.top);
    model.rankings.never_read = rank(model.sites, &Site::never_read_bytes, options.top);
    const std::vector<std::size_t> row_of_site = rows_of_sites(trace, model.sites);
    model.copies =
        analyse_copies(trace, model.sites, row_of_site, folder, options.clone_threshold);
    model.ownership = analyse_ownership(trace, options, model.sites, row_of_site);
    model.leaks = analyse_leaks(trace, model.sites, row_of_site);
    model.phases = analyse_phases(trace, row_of_site);
    model.memory_map = analyse_memory_map(trace, options, folder, row_of_site);

    model.threads = trace.threads;
    std::sort(model.threads.begin(), model.threads.end(),
              [](const Thread& a, const Thread& b) { return a.id < b.id; });
    model.timeline = trace.timeline;
    model.timeline_peak = find_timeline_peak(trace);
    return model;
}

std::vector<std::string> site_stack_lines(const SiteRow& site) {
    std::vector<std::string> lines = {fmt::format("site {}", site.figures.id)};
    for (std::size_t i = 0; i < site.stack.size(); ++i)
        lines.push_back(fmt::format("{} {}", i == 0 ? "at" : "by", describe_frame(site.stack[i])));
    if (site.omitted_frames > 0)
        lines.push_back(fmt::format("... {} (--frames shows more)",
                                    count_of(site.omitted_frames, "more caller")));
    return lines;
}

}  // namespace memattr
