#include "analysis/copies.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "support/units.h"

namespace memattr {

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

// Copy locations are grouped by place_of (site_folding.h): see MovableCloneRow.

// One copy group as the sections see it.
struct FoldedCopy {
    const CopyGroup& copy;
    CopyClass kind;
    const Stack& stack;        // the copy stack
    const FoldedStack& folded; // the same, folded by SiteFolder::fold_copy
    const Frame& location;     // the folded copy stack's site frame
    std::size_t from;          // index into ReportModel::sites
    std::size_t to;            // likewise
};

// `copy`'s stack as a row gives it: every frame up to its location, then the folded stack.
CopyStack whole_stack(const Trace& trace, const FoldedCopy& copy) {
    CopyStack whole;
    for (std::size_t position = 0; position < copy.folded.site_position; ++position)
        whole.frames.push_back(trace.frames[copy.stack.frames[position]]);
    whole.location_position = whole.frames.size();
    for (const std::size_t frame : copy.folded.frames) whole.frames.push_back(trace.frames[frame]);
    whole.omitted_frames = copy.folded.omitted_frames;
    whole.bytes = copy.copy.bytes;
    return whole;
}

// Makes `shown`, a row's stack, `copy`'s when its group copied more.
void keep_largest_stack(const Trace& trace, const FoldedCopy& copy, CopyStack& shown) {
    if (copy.copy.bytes > shown.bytes) shown = whole_stack(trace, copy);
}

// Appends `copy` to the row `rows` holds under `key`, creating the row (from `make`) the
// first time; rows stay in order of first appearance until ranked.
template <typename Key, typename Row, typename MakeRow>
Row& row_for(std::map<Key, std::size_t>& index, std::vector<Row>& rows, const Key& key,
             MakeRow make) {
    const auto [found, inserted] = index.emplace(key, rows.size());
    if (inserted) rows.push_back(make());
    return rows[found->second];
}

void add_movable_clone(const Trace& trace, const FoldedCopy& folded,
                       std::map<std::pair<PlaceKey, std::size_t>, std::size_t>& index,
                       std::vector<MovableCloneRow>& rows) {
    MovableCloneRow& row =
        row_for(index, rows, std::pair{place_of(folded.location), folded.from}, [&] {
            MovableCloneRow made;
            made.location = folded.location;
            made.source_site = folded.from;
            made.stack = whole_stack(trace, folded);
            return made;
        });
    row.figures.add(folded.copy);
    keep_largest_stack(trace, folded, row.stack);
    if (std::find(row.destination_sites.begin(), row.destination_sites.end(), folded.to) ==
        row.destination_sites.end())
        row.destination_sites.push_back(folded.to);
}

void add_relocation(const Trace& trace, const FoldedCopy& folded,
                    std::map<std::pair<PlaceKey, CopyKind>, std::size_t>& index,
                    std::vector<RelocationRow>& rows) {
    RelocationRow& row =
        row_for(index, rows, std::pair{place_of(folded.location), folded.copy.kind}, [&] {
            RelocationRow made;
            made.location = folded.location;
            made.kind = folded.copy.kind;
            made.stack = whole_stack(trace, folded);
            return made;
        });
    row.figures.add(folded.copy);
    keep_largest_stack(trace, folded, row.stack);
}

using EdgeKey = std::tuple<std::size_t, std::size_t, CopyClass>;

void add_copy_stack(const SiteFolder& folder, const CopyGroup& copy, const FoldedStack& stack,
                    std::map<std::size_t, std::size_t>& index, std::vector<CopyStackRow>& rows) {
    CopyStackRow& row = row_for(index, rows, copy.stack, [&] {
        CopyStackRow made;
        made.stack = FrameList(folder.shared_frames(), std::vector<std::uint32_t>(
                                                           stack.frames.begin(), stack.frames.end()));
        return made;
    });
    row.figures.add(copy);
}

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

}  // namespace

CopyAnalysis analyse_copies(const Trace& trace, const std::vector<SiteRow>& sites,
                            const std::vector<std::size_t>& row_of_site, const SiteFolder& folder,
                            unsigned clone_threshold) {
    CopyAnalysis copies;
    std::map<std::pair<PlaceKey, std::size_t>, std::size_t> movable_index;
    std::map<std::pair<PlaceKey, CopyKind>, std::size_t> relocation_index;
    std::map<EdgeKey, std::size_t> edge_index;
    std::set<std::pair<std::size_t, PlaceKey>> edge_places;
    std::map<std::size_t, std::size_t> stack_index;  // Trace::stacks index -> by_stack row
    for (const CopyGroup& copy : trace.copies) {
        const Stack& raw_stack = trace.stacks[copy.stack];
        const FoldedStack stack = folder.fold_copy(raw_stack);
        const FoldedCopy folded{copy,
                                classify_copy(copy, clone_threshold),
                                raw_stack,
                                stack,
                                trace.frames[stack.site_frame],
                                row_of_site[copy.from],
                                row_of_site[copy.to]};
        add_copy_stack(folder, copy, stack, stack_index, copies.by_stack);
        totals_of(copies.totals, folded.kind).add(copy);
        if (folded.kind == CopyClass::movable_clone)
            add_movable_clone(trace, folded, movable_index, copies.movable_clones);
        if (folded.kind == CopyClass::relocation)
            add_relocation(trace, folded, relocation_index, copies.relocations);
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

}  // namespace memattr
