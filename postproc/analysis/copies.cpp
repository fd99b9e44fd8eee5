#include "analysis/copies.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "analysis/deep_copies.h"
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
    std::size_t finding_source;  // the source site of its movable-clone row: `from`, or the
                                 // site of the container it was copied in (deep copies)
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

void add_destination_site(MovableCloneRow& row, std::size_t site) {
    if (std::find(row.destination_sites.begin(), row.destination_sites.end(), site) ==
        row.destination_sites.end())
        row.destination_sites.push_back(site);
}

void add_movable_clone(const Trace& trace, const FoldedCopy& folded,
                       std::map<std::pair<PlaceKey, std::size_t>, std::size_t>& index,
                       std::vector<MovableCloneRow>& rows) {
    MovableCloneRow& row =
        row_for(index, rows, std::pair{place_of(folded.location), folded.finding_source}, [&] {
            MovableCloneRow made;
            made.location = folded.location;
            made.source_site = folded.finding_source;
            made.stack = whole_stack(trace, folded);
            return made;
        });
    row.figures.add(folded.copy);
    keep_largest_stack(trace, folded, row.stack);
    add_destination_site(row, folded.to);
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

// The lineage edges, with the index of each edge by key and the locations each has.
struct LineageEdges {
    std::map<EdgeKey, std::size_t> index;
    std::set<std::pair<std::size_t, PlaceKey>> places;
    std::vector<LineageEdge> edges;

    void add(const EdgeKey& key, const CopyFigures& figures, const Frame& location) {
        const auto [found, inserted] = index.emplace(key, edges.size());
        if (inserted)
            edges.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), {}, {}});
        LineageEdge& edge = edges[found->second];
        edge.figures.add(figures);
        if (places.emplace(found->second, place_of(location)).second)
            edge.locations.push_back(location);
    }
};

CopyFigures figures_of(const CopyGroup& copy) {
    CopyFigures figures;
    figures.add(copy);
    return figures;
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

// The deep copies of the peak snapshot (deep_copies.h): each container copied element by
// element, and for each site pair of its element copies the container's source site (the
// first container's that holds such a pair).
struct DeepCopies {
    const Snapshot* snapshot = nullptr;
    std::vector<ContainerCopy> containers;
    std::map<CopySitePair, std::size_t> container_site;  // element pair -> Trace::sites index

    // The site a movable clone's row is named after: its container's source, or its own.
    std::size_t finding_source(const CopyGroup& copy) const {
        const auto found = container_site.find({copy.from, copy.to});
        return found == container_site.end() ? copy.from : found->second;
    }
};

DeepCopies deep_copies_of(const Trace& trace, const std::set<CopySitePair>& movable_pairs) {
    DeepCopies deep;
    deep.snapshot = deep_copy_snapshot(trace);
    if (!deep.snapshot) return deep;
    deep.containers = find_container_copies(*deep.snapshot, movable_pairs);
    for (const ContainerCopy& container : deep.containers)
        for (const CopySitePair& pair : container.elements)
            deep.container_site.emplace(pair, deep.snapshot->blocks[container.source].site);
    return deep;
}

// Everything the sections gather copies into, while they are gathered.
struct CopyGathering {
    std::map<std::pair<PlaceKey, std::size_t>, std::size_t> movable_index;
    std::map<std::pair<PlaceKey, CopyKind>, std::size_t> relocation_index;
    LineageEdges lineage;
    std::map<std::size_t, std::size_t> stack_index;  // Trace::stacks index -> by_stack row
    std::map<CopySitePair, std::size_t> first_movable;  // element pair -> index into `folded`
};

// A container copied element by element joins the movable-clone row of its first element
// copy (named after the container's source site): one finding for the whole deep copy, its
// buffer counted beside its elements' blocks. Both buffers were live at the peak (the
// snapshot's); the time between the copy and either's end is not known (overlap 0).
void add_container_copy(const DeepCopies& deep, const ContainerCopy& container,
                        const std::vector<FoldedCopy>& folded,
                        const std::vector<std::size_t>& row_of_site, CopyGathering& gathering,
                        CopyAnalysis& copies) {
    const SnapshotBlock& source = deep.snapshot->blocks[container.source];
    const SnapshotBlock& destination = deep.snapshot->blocks[container.destination];
    const FoldedCopy& element = folded[gathering.first_movable.at(container.elements.front())];
    const std::size_t from = row_of_site[deep.container_site.at(container.elements.front())];
    const std::size_t to = row_of_site[destination.site];
    const CopyFigures figures{1, destination.size, source.size, destination.size, source.size, 0};
    MovableCloneRow& row =
        copies.movable_clones[gathering.movable_index.at({place_of(element.location), from})];
    row.figures.add(figures);
    add_destination_site(row, to);
    copies.totals.movable_clones.add(figures);
    copies.by_stack[gathering.stack_index.at(element.copy.stack)].figures.add(figures);
    gathering.lineage.add({row_of_site[source.site], to, CopyClass::movable_clone}, figures,
                          element.location);
}

}  // namespace

CopyAnalysis analyse_copies(const Trace& trace, const std::vector<SiteRow>& sites,
                            const std::vector<std::size_t>& row_of_site, const SiteFolder& folder,
                            unsigned clone_threshold) {
    std::vector<FoldedStack> stacks;
    std::vector<CopyClass> kinds;
    std::set<CopySitePair> movable_pairs;
    stacks.reserve(trace.copies.size());  // FoldedCopy keeps references into it
    kinds.reserve(trace.copies.size());
    for (const CopyGroup& copy : trace.copies) {
        stacks.push_back(folder.fold_copy(trace.stacks[copy.stack]));
        kinds.push_back(classify_copy(copy, clone_threshold));
        if (kinds.back() == CopyClass::movable_clone) movable_pairs.emplace(copy.from, copy.to);
    }
    const DeepCopies deep = deep_copies_of(trace, movable_pairs);

    CopyAnalysis copies;
    CopyGathering gathering;
    std::vector<FoldedCopy> folded;
    folded.reserve(trace.copies.size());
    for (std::size_t i = 0; i < trace.copies.size(); ++i) {
        const CopyGroup& copy = trace.copies[i];
        const FoldedCopy& group = folded.emplace_back(FoldedCopy{
            copy, kinds[i], trace.stacks[copy.stack], stacks[i],
            trace.frames[stacks[i].site_frame], row_of_site[copy.from], row_of_site[copy.to],
            row_of_site[deep.finding_source(copy)]});
        add_copy_stack(folder, copy, group.folded, gathering.stack_index, copies.by_stack);
        totals_of(copies.totals, group.kind).add(copy);
        if (group.kind == CopyClass::movable_clone) {
            add_movable_clone(trace, group, gathering.movable_index, copies.movable_clones);
            gathering.first_movable.emplace(CopySitePair{copy.from, copy.to}, i);
        }
        if (group.kind == CopyClass::relocation)
            add_relocation(trace, group, gathering.relocation_index, copies.relocations);
        gathering.lineage.add({group.from, group.to, group.kind}, figures_of(copy), group.location);
    }
    for (const ContainerCopy& container : deep.containers)
        add_container_copy(deep, container, folded, row_of_site, gathering, copies);
    copies.lineage = std::move(gathering.lineage.edges);
    for (MovableCloneRow& row : copies.movable_clones)
        std::sort(row.destination_sites.begin(), row.destination_sites.end(),
                  [&](std::size_t a, std::size_t b) {
                      return sites[a].figures.id < sites[b].figures.id;
                  });
    rank_copy_rows(copies, sites);
    return copies;
}

}  // namespace memattr
