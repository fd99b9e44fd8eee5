#include "analysis/site_rows.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/stable_key.h"
#include "support/glibc_chunk.h"
#include "support/units.h"

namespace memattr {

namespace {

// A custom or pool site's stack starts in the custom allocator, which folds away like
// malloc so that the site is the code that asked it for memory.
std::size_t custom_allocator_frames(const Site& site) {
    return site.kind == SiteKind::malloc ? 0 : 1;
}

std::string folded_stack_key(const Trace& trace, const Stack& stack, const FoldedStack& folded) {
    std::vector<const Frame*> frames;
    for (std::size_t position = folded.library_position; position < stack.frames.size(); ++position)
        frames.push_back(&trace.frames[stack.frames[position]]);
    return site_key(frames);
}

SiteRow make_row(const Trace& trace, const Site& site, const SiteFolder& folder) {
    const FoldedStack folded =
        folder.fold(trace.stacks[site.stack], custom_allocator_frames(site));
    SiteRow row;
    row.figures = site;
    row.location = FrameRef(folder.shared_frames(), folded.site_frame);
    row.stack = FrameList(folder.shared_frames(),
                          std::vector<std::uint32_t>(folded.frames.begin(), folded.frames.end()));
    row.omitted_frames = folded.omitted_frames;
    row.key = folded_stack_key(trace, trace.stacks[site.stack], folded);
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

}  // namespace

// The chains of callers of a group of sites, as a trie: node 0 is the empty chain, and a
// chain one caller longer is the node (chain, caller's label). A caller is named by its
// label's number, so a chain costs one small integer per caller however long its labels are
// (a string per prefix would cost the square of the stack's depth: gigabytes for the deep
// stacks of a compiler).
class CallerChains {
public:
    // The node of `chain` extended by the caller labelled `label`, counted once more.
    std::uint32_t extend(std::uint32_t chain, std::uint32_t label) {
        const auto [at, added] = child_.try_emplace(
            (std::uint64_t{chain} << 32) | label, static_cast<std::uint32_t>(sharing_.size()));
        if (added) sharing_.push_back(0);
        ++sharing_[at->second];
        return at->second;
    }
    // How many sites' chains pass through `node`.
    std::size_t sharing(std::uint32_t node) const { return sharing_[node]; }

private:
    std::unordered_map<std::uint64_t, std::uint32_t> child_;  // (parent << 32 | label) -> node
    std::vector<std::size_t> sharing_ = {0};                  // by node
};

// A number per distinct describe_frame label, worked out once per trace frame.
class FrameLabels {
public:
    explicit FrameLabels(const Trace& trace) : trace_(trace), of_frame_(trace.frames.size(), kNone) {}
    std::uint32_t of(std::size_t frame) {
        if (of_frame_[frame] == kNone) {
            const auto [at, added] = numbers_.try_emplace(
                describe_frame(trace_.frames[frame]), static_cast<std::uint32_t>(numbers_.size()));
            of_frame_[frame] = at->second;
        }
        return of_frame_[frame];
    }

private:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
    const Trace& trace_;
    std::vector<std::uint32_t> of_frame_;  // by Trace::frames index; kNone until asked
    std::unordered_map<std::string, std::uint32_t> numbers_;
};

// Sites whose frames print alike (a wrapper's callers folded to one line, a stripped
// library's allocating function) would be rows no reader can tell apart: each gets the
// caller of its folded stack at which its chain of callers first differs from every other's
// (the shortest prefix of callers no other site of the group shares). Counting prefixes per
// depth keeps this linear in the sites' frames, however many print alike.
void tell_apart(const Trace& trace, const SiteFolder& folder, std::vector<SiteRow>& rows) {
    FrameLabels labels(trace);
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> alike;  // location label -> rows
    for (std::size_t row = 0; row < rows.size(); ++row) {
        const Stack& stack = trace.stacks[rows[row].figures.stack];
        const FoldedStack folded = folder.fold(stack, custom_allocator_frames(rows[row].figures));
        alike[labels.of(folded.site_frame)].push_back(row);
    }
    for (const auto& [label, group] : alike) {
        if (group.size() < 2) continue;
        CallerChains chains;
        // Every caller, not only the --frames the reports show: sites often differ further out.
        std::vector<std::vector<std::size_t>> callers(group.size());
        std::vector<std::vector<std::uint32_t>> prefix_of(group.size());  // chain nodes by depth
        for (std::size_t member = 0; member < group.size(); ++member) {
            const SiteRow& row = rows[group[member]];
            const Stack& stack = trace.stacks[row.figures.stack];
            const FoldedStack folded = folder.fold(stack, custom_allocator_frames(row.figures));
            std::uint32_t chain = 0;
            for (std::size_t at = folded.site_position; at < stack.frames.size(); ++at) {
                chain = chains.extend(chain, labels.of(stack.frames[at]));
                prefix_of[member].push_back(chain);
                callers[member].push_back(stack.frames[at]);
            }
        }
        // A site whose callers all lie on another's way out (its stack a prefix of the other's)
        // has no caller of its own: it is told apart by its first caller that not every site of
        // the group shares.
        for (std::size_t member = 0; member < group.size(); ++member) {
            std::optional<std::size_t> unique, fewer;
            for (std::size_t depth = 1; depth < prefix_of[member].size() && !unique; ++depth) {
                const std::size_t sharing = chains.sharing(prefix_of[member][depth]);
                if (sharing == 1) unique = depth;
                else if (sharing < group.size() && !fewer) fewer = depth;
            }
            if (const std::optional<std::size_t> depth = unique ? unique : fewer)
                rows[group[member]].told_apart_by =
                    FrameRef(folder.shared_frames(), callers[member][*depth]);
        }
    }
}

namespace {

// The usable bytes of each site's blocks in `snapshot` (by index into Trace::sites), set
// only where the snapshot's requested bytes of the site equal `requested` of the site (so the
// snapshot holds exactly the blocks that figure counts) and the site is malloc's.
void add_usable_bytes(const Snapshot& snapshot, std::uint64_t Site::*requested,
                      std::optional<std::uint64_t> SiteRow::*usable, std::vector<SiteRow>& rows) {
    std::vector<std::uint64_t> requested_in_snapshot(rows.size(), 0);
    std::vector<std::uint64_t> usable_in_snapshot(rows.size(), 0);
    for (const SnapshotBlock& block : snapshot.blocks) {
        requested_in_snapshot[block.site] += block.size;
        usable_in_snapshot[block.site] += glibc_usable_size(block.size);
    }
    for (std::size_t site = 0; site < rows.size(); ++site) {
        const Site& figures = rows[site].figures;
        if (figures.kind == SiteKind::malloc &&
            requested_in_snapshot[site] == figures.*requested)
            rows[site].*usable = usable_in_snapshot[site];
    }
}

// Usable bytes at the peak and at exit. A block of 0 bytes still takes a chunk, so a site
// with nothing requested at the peak may have usable bytes there.
void add_usable_bytes(const Trace& trace, std::vector<SiteRow>& rows) {
    const auto first_of_kind = [&](bool SnapshotKinds::*kind) -> const Snapshot* {
        for (const Snapshot& snapshot : trace.snapshots)
            if (snapshot.kinds.*kind) return &snapshot;
        return nullptr;
    };
    const Snapshot* peak = first_of_kind(&SnapshotKinds::peak);
    // The peak snapshot is taken at the first release after the peak, so it holds the peak's
    // blocks exactly when its totals are the peak's.
    if (peak != nullptr && peak->bytes == trace.peak.bytes &&
        peak->blocks.size() == trace.peak.blocks)
        add_usable_bytes(*peak, &Site::peak_bytes, &SiteRow::peak_usable_bytes, rows);
    const Snapshot* exit = first_of_kind(&SnapshotKinds::exit);
    if (exit != nullptr && exit->bytes == trace.exit.bytes &&
        exit->blocks.size() == trace.exit.blocks)
        add_usable_bytes(*exit, &Site::exit_bytes, &SiteRow::exit_usable_bytes, rows);
}

}  // namespace

std::vector<SiteRow> make_site_rows(const Trace& trace, const SiteFolder& folder) {
    std::vector<SiteRow> rows;
    rows.reserve(trace.sites.size());  // no doubling of 100,000 rows
    for (const Site& site : trace.sites) rows.push_back(make_row(trace, site, folder));
    tell_apart(trace, folder, rows);
    add_usable_bytes(trace, rows);  // before sorting: rows are still in Trace::sites' order
    std::sort(rows.begin(), rows.end(), [](const SiteRow& a, const SiteRow& b) {
        return ranks_before(a.figures, b.figures, &Site::peak_bytes);
    });
    return rows;
}

std::vector<std::size_t> rows_of_sites(const Trace& trace, const std::vector<SiteRow>& rows) {
    std::unordered_map<std::uint64_t, std::size_t> row_of_id;
    for (std::size_t row = 0; row < rows.size(); ++row)
        row_of_id.emplace(rows[row].figures.id, row);
    std::vector<std::size_t> row_of_site;
    for (const Site& site : trace.sites) row_of_site.push_back(row_of_id.at(site.id));
    return row_of_site;
}

SiteRankings rank_sites(const std::vector<SiteRow>& rows, std::size_t top) {
    SiteRankings rankings;
    rankings.at_peak = rank(rows, &Site::peak_bytes, top);
    rankings.by_total = rank(rows, &Site::total_bytes, top);
    rankings.by_temporary = rank(rows, &Site::temporary_blocks, top);
    rankings.at_exit = rank(rows, &Site::exit_bytes, top);
    rankings.never_read = rank(rows, &Site::never_read_bytes, top);
    return rankings;
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
