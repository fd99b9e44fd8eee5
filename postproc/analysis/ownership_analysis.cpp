#include "analysis/ownership_analysis.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/options.h"
#include "analysis/ownership.h"
#include "analysis/site_folding.h"
#include "analysis/site_rows.h"
#include "analysis/stable_key.h"
#include "trace/trace_escape.h"

namespace memattr {

SnapshotSummary summarise_snapshot(const Snapshot& snapshot) {
    return {snapshot.id,          snapshot.name,          snapshot.kinds,
            snapshot.time,        snapshot.allocated,     snapshot.bytes,
            snapshot.blocks.size(), snapshot.pointers.size(), snapshot.roots.size(),
            snapshot.scanned,     snapshot.unreadable_blocks, snapshot.unreadable_bytes};
}

const Snapshot* snapshot_with_kind(const Trace& trace, bool SnapshotKinds::*kind) {
    for (const Snapshot& snapshot : trace.snapshots)
        if (snapshot.kinds.*kind) return &snapshot;
    return nullptr;
}

namespace {

// ---------------------------------------------------------------- choosing the snapshot

// --snapshot: an id, or a name that exactly one snapshot has.
const Snapshot& requested_snapshot(const Trace& trace, const std::string& wanted) {
    std::vector<std::string> known;
    for (const Snapshot& snapshot : trace.snapshots)
        known.push_back(fmt::format("{} '{}'", snapshot.id, escape_value(snapshot.name)));
    const std::string available =
        known.empty() ? "the trace has no snapshots"
                      : fmt::format("the trace has {}", fmt::join(known, ", "));
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), id);
    if (error == std::errc{} && end == wanted.data() + wanted.size()) {
        for (const Snapshot& snapshot : trace.snapshots)
            if (snapshot.id == id) return snapshot;
        throw std::invalid_argument(
            fmt::format("--snapshot {}: no snapshot has that id; {}", wanted, available));
    }
    const Snapshot* found = nullptr;
    for (const Snapshot& snapshot : trace.snapshots) {
        if (snapshot.name != wanted) continue;
        if (found != nullptr)
            throw std::invalid_argument(fmt::format(
                "--snapshot '{}': snapshots {} and {} both have that name; give the id",
                escape_value(wanted), found->id, snapshot.id));
        found = &snapshot;
    }
    if (found == nullptr)
        throw std::invalid_argument(fmt::format("--snapshot '{}': no snapshot has that name; {}",
                                                escape_value(wanted), available));
    return *found;
}

// The snapshot to analyse and why, or why there is none.
struct Choice {
    const Snapshot* snapshot = nullptr;
    SnapshotChoice why = SnapshotChoice::peak;
    NoSnapshotReason missing = NoSnapshotReason::none_taken;
};

Choice choose_snapshot(const Trace& trace, const AnalysisOptions& options) {
    if (!options.snapshot.empty())
        return {&requested_snapshot(trace, options.snapshot), SnapshotChoice::requested};
    if (trace.header.version < 3) return {nullptr, {}, NoSnapshotReason::old_trace};
    if (!trace.header.run.snapshots) return {nullptr, {}, NoSnapshotReason::snapshots_off};
    if (const Snapshot* peak = snapshot_with_kind(trace, &SnapshotKinds::peak))
        return {peak, SnapshotChoice::peak};
    if (const Snapshot* exit = snapshot_with_kind(trace, &SnapshotKinds::exit))
        return {exit, SnapshotChoice::exit};
    return {nullptr, {}, NoSnapshotReason::none_taken};
}

// ---------------------------------------------------------------- roots as owners

// A global before a stack word, a mapping, then a register: the most telling name first.
int root_precedence(RootKind kind) {
    switch (kind) {
    case RootKind::global: return 0;
    case RootKind::stack: return 1;
    case RootKind::mapping: return 2;
    case RootKind::register_word: return 3;
    }
    return 3;
}

using RootKey = std::tuple<int, std::uint64_t, std::string, std::size_t, std::string, std::string>;

RootKey key_of(const SnapshotRoot& root) {
    switch (root.kind) {
    case RootKind::register_word:
        return {root_precedence(root.kind), root.thread, root.register_name, 0, "", ""};
    case RootKind::stack:
        return {root_precedence(root.kind), root.thread, "", root.stack.value_or(0), "", ""};
    case RootKind::global:
        return {root_precedence(root.kind), 0, "", 0, root.symbol, root.object};
    case RootKind::mapping:
        return {root_precedence(root.kind), 0, "", 0, "", root.object};
    }
    return {};
}

// A stack root's stack is the frame holding the word, its inlined functions first, then (from
// trace format 4's tools on) its callers. The frame holding the word is the first frame that
// is not inlined: the function compiled into, whose frame inlined code shares. (A trace whose
// stacks hold that frame alone gives the same frame.)
void name_stack_root(const Trace& trace, const SiteFolder& folder, const Stack& stack,
                     RootOwner& owner) {
    std::size_t holding = 0;
    while (holding + 1 < stack.frames.size() && trace.frames[stack.frames[holding]].inlined)
        ++holding;
    owner.function = trace.frames[stack.frames[holding]];
    // Code generated for a type (a Clone implementation) is the program's here, as for sites.
    const auto is_program = [&](std::size_t position) {
        return folder.role(stack.frames[position]) <= FrameRole::generated;
    };
    if (is_program(holding)) return;
    for (std::size_t caller = holding + 1; caller < stack.frames.size(); ++caller)
        if (is_program(caller)) {
            owner.program_function = trace.frames[stack.frames[caller]];
            return;
        }
}

RootOwner owner_of(const Trace& trace, const SiteFolder& folder, const SnapshotRoot& root) {
    RootOwner owner;
    owner.kind = root.kind;
    owner.thread = root.thread;
    owner.register_name = root.register_name;
    owner.symbol = root.symbol;
    owner.object = root.object;
    if (root.stack && !trace.stacks[*root.stack].frames.empty())
        name_stack_root(trace, folder, trace.stacks[*root.stack], owner);
    return owner;
}

// ---------------------------------------------------------------- duplicates by sites

// Most blocks first; ties keep their order (by site row).
BlocksBySite most_blocks_first(BlocksBySite sites) {
    std::stable_sort(sites.begin(), sites.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    return sites;
}

// Duplicate groups summed by the set of sites their blocks come from; the key is the set's
// site rows in increasing order, as the rows' `sites` are until ranked.
using SiteSetTally = std::map<std::vector<std::size_t>, DuplicateSitesRow>;

// `sites`: the group's blocks by site row, in increasing site row.
void tally_site_set(SiteSetTally& tally, const DuplicateGroup& group, const BlocksBySite& sites) {
    std::vector<std::size_t> key;
    key.reserve(sites.size());
    for (const auto& [site, blocks] : sites) key.push_back(site);
    DuplicateSitesRow& row = tally[std::move(key)];
    if (row.groups == 0) {
        row.sites = sites;
    } else {
        for (std::size_t i = 0; i < sites.size(); ++i) row.sites[i].second += sites[i].second;
    }
    ++row.groups;
    row.blocks += group.count;
    row.wasted += group.wasted();
}

// Most wasted first, then more groups; the tally's order (by site rows) breaks ties.
std::vector<DuplicateSitesRow> rank_site_sets(SiteSetTally tally) {
    std::vector<DuplicateSitesRow> rows;
    rows.reserve(tally.size());
    for (auto& [sites, row] : tally) {
        row.sites = most_blocks_first(std::move(row.sites));
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const DuplicateSitesRow& a, const DuplicateSitesRow& b) {
                         if (a.wasted != b.wasted) return a.wasted > b.wasted;
                         return a.groups > b.groups;
                     });
    return rows;
}

// Duplicate groups summed by each site alone, indexed by site row; rank_sites_alone keeps
// the rows with blocks, ranked.
void tally_sites_alone(std::vector<DuplicateSiteRow>& tally, const DuplicateGroup& group,
                       const BlocksBySite& sites) {
    for (const auto& [site, blocks] : sites) {
        DuplicateSiteRow& row = tally[site];
        row.site = site;
        ++row.groups;
        row.blocks += blocks;
        row.bytes += blocks * group.size;
    }
}

std::vector<DuplicateSiteRow> rank_sites_alone(const std::vector<DuplicateSiteRow>& tally) {
    std::vector<DuplicateSiteRow> rows;
    for (const DuplicateSiteRow& row : tally)
        if (row.blocks != 0) rows.push_back(row);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const DuplicateSiteRow& a, const DuplicateSiteRow& b) {
                         if (a.bytes != b.bytes) return a.bytes > b.bytes;
                         return a.blocks > b.blocks;
                     });
    return rows;
}

// ---------------------------------------------------------------- the analysis

class OwnershipAnalysis {
public:
    OwnershipAnalysis(const Trace& trace, const Snapshot& snapshot, const AnalysisOptions& options,
                      const SiteFolder& folder, const std::vector<SiteRow>& rows,
                      const std::vector<std::size_t>& row_of_site)
        : trace_(trace),
          folder_(folder),
          snapshot_(snapshot),
          options_(options),
          rows_(rows),
          row_of_site_(row_of_site),
          reachability_(find_reachable(snapshot)),
          dominators_(find_dominators(snapshot, reachability_)) {}

    void fill(OwnershipReport& report) {
        index_roots(report);
        count_reach(report);
        rank_sites(report);
        rank_owners(report);
        rank_unreachable(report);
        rank_largest_blocks(report);
        report.duplicates = summarise_duplicates();
        if (!options_.blocks_site.empty()) report.block_tree = block_tree(report);
        if (options_.site_graph) report.site_graph = site_graph(report);
    }

private:
    std::size_t site_row(std::uint32_t block) const {
        return row_of_site_[snapshot_.blocks[block].site];
    }

    void index_roots(OwnershipReport& report) {
        std::map<RootKey, std::size_t> owner_of_key;
        root_owner_.reserve(snapshot_.roots.size());
        for (std::size_t r = 0; r < snapshot_.roots.size(); ++r) {
            const SnapshotRoot& root = snapshot_.roots[r];
            const auto [found, inserted] = owner_of_key.emplace(key_of(root), report.roots.size());
            if (inserted) report.roots.push_back(owner_of(trace_, folder_, root));
            root_owner_.push_back(found->second);
            const auto [best, first] = best_root_.emplace(root.block, r);
            if (!first && root_precedence(root.kind) <
                              root_precedence(snapshot_.roots[best->second].kind))
                best->second = r;
        }
    }

    void count_reach(OwnershipReport& report) const {
        for (std::size_t block = 0; block < snapshot_.blocks.size(); ++block) {
            const std::uint64_t size = snapshot_.blocks[block].size;
            if (reachability_.reached(static_cast<std::uint32_t>(block))) {
                report.reachable_bytes += size;
                ++report.reachable_blocks;
            } else {
                report.unreachable_bytes += size;
                ++report.unreachable_blocks;
            }
        }
    }

    // The path from a root to `block`, same-site runs collapsed.
    RetainerPath path_to(std::uint32_t block) const {
        const std::vector<std::uint32_t> blocks = retainer_path(reachability_, block);
        RetainerPath path;
        const std::size_t root = best_root_.at(blocks.front());
        path.root = root_owner_[root];
        path.root_address = snapshot_.roots[root].address;
        path.root_symbol_offset = snapshot_.roots[root].symbol_offset;
        path.blocks = blocks.size();
        for (std::size_t k = 0; k < blocks.size(); ++k) {
            const SnapshotBlock& here = snapshot_.blocks[blocks[k]];
            const std::size_t site = site_row(blocks[k]);
            if (k > 0 && path.steps.back().site == site) {
                ++path.steps.back().blocks;
                continue;
            }
            PathStep step{site, 1, here.address, here.size, 0, 0};
            if (k == 0) {
                step.target_offset = static_cast<std::uint32_t>(
                    std::min<std::uint64_t>(snapshot_.roots[root].block_offset, kFarInteriorOffset));
            } else if (const BlockPointer* pointer = pointer_between(snapshot_, blocks[k - 1], blocks[k])) {
                step.offset = pointer->offset;
                step.target_offset = pointer->target_offset;
            }
            path.steps.push_back(step);
        }
        return path;
    }

    void rank_sites(OwnershipReport& report) {
        const std::size_t sites = trace_.sites.size();
        std::vector<std::uint32_t> group_of(snapshot_.blocks.size(), kNoGroup);
        std::vector<OwnedSite> by_site(sites);
        std::vector<std::uint32_t> biggest(sites, kUnreached);
        for (std::uint32_t block = 0; block < snapshot_.blocks.size(); ++block) {
            const SnapshotBlock& b = snapshot_.blocks[block];
            OwnedSite& row = by_site[b.site];
            row.self_bytes += b.size;
            ++row.blocks;
            if (!reachability_.reached(block)) {
                row.unreachable_bytes += b.size;
                ++row.unreachable_blocks;
                continue;
            }
            group_of[block] = b.site;
            if (biggest[b.site] == kUnreached ||
                dominators_.retained[block] > dominators_.retained[biggest[b.site]])
                biggest[b.site] = block;
        }
        const std::vector<std::uint64_t> retained =
            retained_by_group(snapshot_, reachability_, dominators_, group_of, sites);
        // Exactly the sites with blocks, and by_site freed before sorting: this is the peak
        // of memattr-graph's memory on a compiler's trace (75,000 sites, a few thousand live).
        report.sites.reserve(static_cast<std::size_t>(std::count_if(
            by_site.begin(), by_site.end(), [](const OwnedSite& row) { return row.blocks != 0; })));
        std::vector<std::uint32_t> biggest_of_row;
        biggest_of_row.reserve(report.sites.capacity());
        for (std::size_t site = 0; site < sites; ++site) {
            if (by_site[site].blocks == 0) continue;
            by_site[site].site = row_of_site_[site];
            by_site[site].retained_bytes = retained[site];
            report.sites.push_back(std::move(by_site[site]));
            biggest_of_row.push_back(biggest[site]);
        }
        std::vector<OwnedSite>().swap(by_site);
        std::vector<std::size_t> order(report.sites.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const OwnedSite& x = report.sites[a];
            const OwnedSite& y = report.sites[b];
            return std::tuple(y.retained_bytes, y.self_bytes, rows_[x.site].figures.id) <
                   std::tuple(x.retained_bytes, x.self_bytes, rows_[y.site].figures.id);
        });
        std::vector<OwnedSite> sorted;
        sorted.reserve(order.size());
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            sorted.push_back(std::move(report.sites[order[rank]]));
            const std::uint32_t block = biggest_of_row[order[rank]];
            if (rank < kMaxRetainerPaths && block != kUnreached) sorted.back().path = path_to(block);
        }
        report.sites = std::move(sorted);
    }

    // The owner of the run of same-site blocks that `block` starts, or nothing when its
    // immediate dominator is from its own site (then it is inside a run).
    std::optional<Owner> owner_of_run(std::uint32_t block) const {
        const std::uint32_t dominator = dominators_.immediate[block];
        if (dominator != kSuperRoot) {
            if (snapshot_.blocks[dominator].site == snapshot_.blocks[block].site) return std::nullopt;
            return Owner{Owner::Kind::site, site_row(dominator), 0};
        }
        const auto root = best_root_.find(block);
        if (root == best_root_.end()) return Owner{Owner::Kind::several, 0, 0};
        return Owner{Owner::Kind::root, 0, root_owner_[root->second]};
    }

    void rank_owners(OwnershipReport& report) {
        std::vector<std::uint32_t> group_of(snapshot_.blocks.size(), kNoGroup);
        std::map<std::tuple<int, std::size_t, std::size_t>, std::uint32_t> row_of_key;
        std::vector<std::uint32_t> biggest;
        for (const std::uint32_t block : reachability_.order) {
            const std::optional<Owner> owner = owner_of_run(block);
            if (!owner) continue;
            const std::size_t site = site_row(block);
            const std::size_t who = owner->kind == Owner::Kind::site ? owner->site : owner->root;
            const auto [found, inserted] = row_of_key.emplace(
                std::tuple(static_cast<int>(owner->kind), who, site),
                static_cast<std::uint32_t>(report.owners.size()));
            if (inserted) {
                report.owners.push_back({*owner, site, 0, 0, std::nullopt});
                biggest.push_back(block);
            }
            OwnerRow& row = report.owners[found->second];
            ++row.blocks;
            group_of[block] = found->second;
            if (dominators_.retained[block] > dominators_.retained[biggest[found->second]])
                biggest[found->second] = block;
        }
        const std::vector<std::uint64_t> retained = retained_by_group(
            snapshot_, reachability_, dominators_, group_of, report.owners.size());
        for (std::size_t row = 0; row < report.owners.size(); ++row)
            report.owners[row].retained_bytes = retained[row];
        std::vector<std::size_t> order(report.owners.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        // Stable: equal rows stay in breadth-first order, nearest the roots first.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return report.owners[a].retained_bytes > report.owners[b].retained_bytes;
        });
        std::vector<OwnerRow> sorted;
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            sorted.push_back(report.owners[order[rank]]);
            if (rank < kMaxRetainerPaths) sorted.back().path = path_to(biggest[order[rank]]);
        }
        report.owners = std::move(sorted);
    }

    void rank_unreachable(OwnershipReport& report) const {
        for (const OwnedSite& site : report.sites)
            if (site.unreachable_blocks != 0)
                report.unreachable.push_back(
                    {site.site, site.unreachable_bytes, site.unreachable_blocks});
        std::sort(report.unreachable.begin(), report.unreachable.end(),
                  [&](const UnreachableRow& a, const UnreachableRow& b) {
                      if (a.bytes != b.bytes) return a.bytes > b.bytes;
                      return rows_[a.site].figures.id < rows_[b.site].figures.id;
                  });
    }

    void rank_largest_blocks(OwnershipReport& report) const {
        std::vector<std::uint32_t> reached = reachability_.order;
        const auto larger = [&](std::uint32_t a, std::uint32_t b) {
            if (dominators_.retained[a] != dominators_.retained[b])
                return dominators_.retained[a] > dominators_.retained[b];
            return snapshot_.blocks[a].address < snapshot_.blocks[b].address;
        };
        const std::size_t kept = std::min(kMaxRetainerPaths, reached.size());
        std::partial_sort(reached.begin(), reached.begin() + static_cast<std::ptrdiff_t>(kept),
                          reached.end(), larger);
        for (std::size_t rank = 0; rank < kept; ++rank) {
            const std::uint32_t block = reached[rank];
            const SnapshotBlock& b = snapshot_.blocks[block];
            report.largest_blocks.push_back(
                {site_row(block), b.address, b.size, dominators_.retained[block], path_to(block)});
        }
    }

    // A duplicate group's blocks by site row, in increasing site row.
    BlocksBySite blocks_by_site(const Duplicates& duplicates, const DuplicateGroup& group) const {
        std::vector<std::size_t> sites;
        sites.reserve(group.count);
        for (const std::uint32_t block : duplicates.blocks_of(group)) sites.push_back(site_row(block));
        std::sort(sites.begin(), sites.end());
        BlocksBySite counted;
        for (const std::size_t site : sites) {
            if (counted.empty() || counted.back().first != site) counted.emplace_back(site, 0);
            ++counted.back().second;
        }
        return counted;
    }

    DuplicateSummary summarise_duplicates() const {
        const Duplicates duplicates = find_duplicates(snapshot_);
        DuplicateSummary summary;
        summary.groups = duplicates.groups.size();
        SiteSetTally site_sets;
        std::vector<DuplicateSiteRow> sites_alone(rows_.size());
        for (const DuplicateGroup& group : duplicates.groups) {
            summary.blocks += group.count;
            summary.wasted += group.wasted();
            BlocksBySite sites = blocks_by_site(duplicates, group);
            tally_site_set(site_sets, group, sites);
            tally_sites_alone(sites_alone, group, sites);
            if (summary.rows.size() == kMaxDuplicateRows) continue;
            summary.rows.push_back({group.size, group.hash, group.count, group.wasted(),
                                    most_blocks_first(std::move(sites))});
        }
        summary.by_sites = rank_site_sets(std::move(site_sets));
        summary.by_site = rank_sites_alone(sites_alone);
        return summary;
    }

    // ------------------------------------------------------------ the graph by site

    SiteGraph site_graph(const OwnershipReport& report) const {
        SiteGraph graph;
        const std::size_t drawn = options_.top == 0 ? report.sites.size()
                                                    : std::min(options_.top, report.sites.size());
        std::vector<bool> is_drawn(rows_.size(), false);
        for (std::size_t i = 0; i < report.sites.size(); ++i) {
            if (i < drawn) {
                graph.sites.push_back(i);
                is_drawn[report.sites[i].site] = true;
                continue;
            }
            ++graph.other_sites;
            graph.other_bytes += report.sites[i].self_bytes;
            graph.other_blocks += report.sites[i].blocks;
        }
        const auto site_node = [&](std::size_t site) {
            return is_drawn[site] ? GraphNode{GraphNode::Kind::site, site}
                                  : GraphNode{GraphNode::Kind::other_sites, 0};
        };
        std::vector<std::uint32_t> group_of(snapshot_.blocks.size(), kNoGroup);
        std::map<std::pair<GraphNode, GraphNode>, std::uint32_t> edge_of;
        for (const std::uint32_t block : reachability_.order) {
            const std::optional<Owner> owner = owner_of_run(block);
            if (!owner) continue;
            const GraphNode from = owner->kind == Owner::Kind::site ? site_node(owner->site)
                                   : owner->kind == Owner::Kind::root
                                       ? GraphNode{GraphNode::Kind::root, owner->root}
                                       : GraphNode{GraphNode::Kind::several, 0};
            const GraphNode to = site_node(site_row(block));
            if (from == to) continue;  // within the other sites
            const auto [found, inserted] =
                edge_of.emplace(std::pair(from, to), static_cast<std::uint32_t>(graph.edges.size()));
            if (inserted) graph.edges.push_back({from, to, 0, 0});
            ++graph.edges[found->second].blocks;
            group_of[block] = found->second;
        }
        const std::vector<std::uint64_t> retained = retained_by_group(
            snapshot_, reachability_, dominators_, group_of, graph.edges.size());
        for (std::size_t edge = 0; edge < graph.edges.size(); ++edge)
            graph.edges[edge].retained_bytes = retained[edge];
        std::stable_sort(graph.edges.begin(), graph.edges.end(),
                         [](const GraphEdge& a, const GraphEdge& b) {
                             return a.retained_bytes > b.retained_bytes;
                         });
        return graph;
    }

    // ------------------------------------------------------------ --blocks SITE

    std::size_t chosen_site(const OwnershipReport& report) const {
        const std::string& wanted = options_.blocks_site;
        std::uint64_t id = 0;
        const auto [end, error] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), id);
        std::vector<std::size_t> matches;
        for (const OwnedSite& site : report.sites) {
            const SiteRow& row = rows_[site.site];
            const bool by_id = error == std::errc{} && end == wanted.data() + wanted.size();
            if (by_id ? row.figures.id == id
                      : describe_frame(row.location).find(wanted) != std::string::npos)
                matches.push_back(site.site);
        }
        if (matches.size() == 1) return matches.front();
        if (matches.empty())
            throw std::invalid_argument(fmt::format(
                "--blocks '{}': no site with live blocks in {} has that id or a name containing "
                "it",
                escape_value(wanted), describe_snapshot(summarise_snapshot(snapshot_))));
        std::vector<std::string> names;
        for (std::size_t i = 0; i < matches.size() && i < 5; ++i)
            names.push_back(fmt::format("site {} ({})", rows_[matches[i]].figures.id,
                                        describe_frame(rows_[matches[i]].location)));
        throw std::invalid_argument(fmt::format("--blocks '{}' matches {} sites: {}{}; give a site id",
                                                escape_value(wanted), matches.size(),
                                                fmt::join(names, ", "),
                                                matches.size() > 5 ? ", ..." : ""));
    }

    // The subtrees under the site's top blocks (those no block of the site dominates),
    // breadth first and biggest first, until --max-nodes.
    BlockTree block_tree(const OwnershipReport& report) const {
        BlockTree tree;
        tree.site = chosen_site(report);
        std::vector<std::uint32_t> tops;
        for (const std::uint32_t block : reachability_.order) {
            if (site_row(block) != tree.site) continue;
            std::uint32_t above = dominators_.immediate[block];
            while (above != kSuperRoot && site_row(above) != tree.site)
                above = dominators_.immediate[above];
            if (above == kSuperRoot) tops.push_back(block);
        }
        tree.top_blocks = tops.size();
        const auto by_retained = [&](std::uint32_t a, std::uint32_t b) {
            return dominators_.retained[a] != dominators_.retained[b]
                       ? dominators_.retained[a] > dominators_.retained[b]
                       : a < b;
        };
        std::sort(tops.begin(), tops.end(), by_retained);
        std::uint64_t subtree_blocks = 0;
        const auto add = [&](std::uint32_t block, std::optional<std::size_t> dominator) {
            const SnapshotBlock& b = snapshot_.blocks[block];
            tree.nodes.push_back({block, site_row(block), b.address, b.size,
                                  dominators_.retained[block], dominator, 0, 0});
        };
        const std::size_t limit = std::max<std::size_t>(options_.max_nodes, 1);
        for (const std::uint32_t top : tops) {
            if (tree.nodes.size() == limit) break;
            add(top, std::nullopt);
            tree.top_owners.push_back(owner_of_run(top).value_or(Owner{}));
        }
        for (std::size_t next = 0; next < tree.nodes.size(); ++next) {
            std::vector<std::uint32_t> children(
                dominators_.children_of(tree.nodes[next].block).begin(),
                dominators_.children_of(tree.nodes[next].block).end());
            std::sort(children.begin(), children.end(), by_retained);
            for (const std::uint32_t child : children) {
                if (tree.nodes.size() < limit) {
                    add(child, next);
                    continue;
                }
                ++tree.nodes[next].hidden_children;
                tree.nodes[next].hidden_bytes += dominators_.retained[child];
            }
        }
        for (const std::uint32_t top : tops) subtree_blocks += count_subtree(top);
        tree.left_out = subtree_blocks - tree.nodes.size();
        return tree;
    }

    std::uint64_t count_subtree(std::uint32_t top) const {
        std::uint64_t count = 0;
        std::vector<std::uint32_t> stack = {top};
        while (!stack.empty()) {
            const std::uint32_t block = stack.back();
            stack.pop_back();
            ++count;
            for (const std::uint32_t child : dominators_.children_of(block)) stack.push_back(child);
        }
        return count;
    }

    const Trace& trace_;
    const SiteFolder& folder_;  // frame roles, to name stack roots by the program's frame
    const Snapshot& snapshot_;
    const AnalysisOptions& options_;
    const std::vector<SiteRow>& rows_;
    const std::vector<std::size_t>& row_of_site_;
    const Reachability reachability_;
    const Dominators dominators_;
    std::vector<std::size_t> root_owner_;                    // per snapshot root: its owner
    std::unordered_map<std::uint32_t, std::size_t> best_root_;  // block -> the root (index
                                                                // into Snapshot::roots)
                                                                // that names it
};

}  // namespace

OwnershipReport analyse_ownership(const Trace& trace, const AnalysisOptions& options,
                                  const SiteFolder& folder, const std::vector<SiteRow>& sites,
                                  const std::vector<std::size_t>& row_of_site) {
    OwnershipReport report;
    for (const Snapshot& snapshot : trace.snapshots)
        report.snapshots.push_back(summarise_snapshot(snapshot));
    report.cost = trace.snapshot_cost;
    const Choice choice = choose_snapshot(trace, options);
    if (choice.snapshot == nullptr) {
        if (!options.blocks_site.empty())
            throw std::invalid_argument("--blocks: the trace has no heap snapshot to take blocks "
                                        "from");
        report.missing = choice.missing;
        return report;
    }
    report.snapshot = summarise_snapshot(*choice.snapshot);
    report.choice = choice.why;
    OwnershipAnalysis(trace, *choice.snapshot, options, folder, sites, row_of_site).fill(report);
    return report;
}

std::string describe_root(const RootOwner& root) {
    switch (root.kind) {
    case RootKind::register_word:
        return fmt::format("register {} of thread {}", escape_value(root.register_name),
                           root.thread);
    case RootKind::stack: {
        const std::optional<Frame>& named = root.program_function ? root.program_function
                                                                  : root.function;
        return named ? fmt::format("stack of thread {} in {}", root.thread, describe_frame(*named))
                     : fmt::format("stack of thread {}", root.thread);
    }
    case RootKind::global: {
        const std::string object = escape_value(base_name(root.object));
        if (root.symbol.empty()) return fmt::format("unnamed global data of {}", object);
        return fmt::format("global {} ({})", escape_value(root.symbol), object);
    }
    case RootKind::mapping:
        if (root.object.empty()) return "anonymous mapping";
        return fmt::format("mapping of {}", escape_value(base_name(root.object)));
    }
    return "root";
}

std::string describe_snapshot(const SnapshotSummary& snapshot) {
    std::vector<std::string_view> kinds;
    if (snapshot.kinds.peak) kinds.push_back("peak");
    if (snapshot.kinds.request) kinds.push_back("requested");
    if (snapshot.kinds.exit) kinds.push_back("exit");
    return fmt::format("snapshot {} '{}' ({})", snapshot.id, escape_value(snapshot.name),
                       fmt::join(kinds, ", "));
}

}  // namespace memattr
