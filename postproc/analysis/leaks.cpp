#include "analysis/leaks.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "analysis/ownership.h"
#include "analysis/site_rows.h"

namespace memattr {

std::string_view leak_kind_name(LeakKind kind) {
    switch (kind) {
    case LeakKind::definitely_lost: return "definitely lost";
    case LeakKind::indirectly_lost: return "indirectly lost";
    case LeakKind::possibly_lost: return "possibly lost";
    case LeakKind::still_reachable: return "still reachable";
    }
    return "still reachable";
}

std::optional<std::uint8_t> parse_leak_heuristics(std::string_view value) {
    if (value == "all") return kAllLeakHeuristics;
    if (value == "none") return 0;
    std::uint8_t bits = 0;
    for (;;) {
        const std::size_t comma = value.find(',');
        const std::string_view name = value.substr(0, comma);
        const auto known = std::find_if(kLeakHeuristicNames.begin(), kLeakHeuristicNames.end(),
                                        [&](const LeakHeuristicName& h) { return h.name == name; });
        if (known == kLeakHeuristicNames.end()) return std::nullopt;
        bits |= known->bit;
        if (comma == std::string_view::npos) return bits;
        value.remove_prefix(comma + 1);
    }
}

namespace {

bool is_lost(LeakKind kind) {
    return kind == LeakKind::definitely_lost || kind == LeakKind::indirectly_lost;
}

// The lowest of `bits` (Memcheck tries the heuristics in that order), or 0.
std::uint8_t first_heuristic(std::uint8_t bits) {
    return static_cast<std::uint8_t>(bits & -bits);
}

// The heuristic (if any) that lets a pointer `offset` bytes into `target` count as a start
// pointer: offset 0 needs none.
std::uint8_t heuristic_for(const Snapshot& snapshot, std::uint32_t target, std::uint64_t offset,
                           std::uint8_t heuristics) {
    if (offset == 0 || heuristics == 0) return 0;
    return first_heuristic(snapshot.heuristics_at(target, offset) & heuristics);
}

// Memcheck's definite paths: from the roots, along pointers to block starts and the interior
// pointers a chosen heuristic accepts. A block reached only by such interior pointers
// records the heuristic; one that any start pointer reaches records none (set afterwards).
std::vector<bool> find_definite(const Snapshot& snapshot, std::uint8_t heuristics,
                                std::vector<std::uint8_t>& via_heuristic) {
    std::vector<bool> reached(snapshot.blocks.size(), false);
    via_heuristic.assign(snapshot.blocks.size(), 0);
    std::vector<std::uint32_t> queue;
    const auto follow = [&](std::uint32_t target, std::uint64_t offset) {
        const std::uint8_t heuristic = heuristic_for(snapshot, target, offset, heuristics);
        if (offset != 0 && heuristic == 0) return;
        if (!reached[target]) {
            reached[target] = true;
            via_heuristic[target] = heuristic;
            queue.push_back(target);
        }
    };
    for (const SnapshotRoot& root : snapshot.roots) follow(root.block, root.block_offset);
    for (std::size_t next = 0; next < queue.size(); ++next)
        for (const BlockPointer& pointer : snapshot.pointers_of(queue[next]))
            follow(pointer.target, pointer.target_offset);
    return reached;
}

// A block reached via a heuristic and also pointed at from the start, by a root or by any
// reached block, is plainly reachable (Memcheck clears the heuristic then).
void clear_heuristic_when_started(const Snapshot& snapshot, const Reachability& any,
                                  LeakClassification& leaks) {
    for (const SnapshotRoot& root : snapshot.roots)
        if (root.block_offset == 0) leaks.via_heuristic[root.block] = 0;
    for (const std::uint32_t block : any.order)
        for (const BlockPointer& pointer : snapshot.pointers_of(block))
            if (pointer.target_offset == 0) leaks.via_heuristic[pointer.target] = 0;
}

// Memcheck's first pass: still reachable along definite paths, possibly lost along any
// pointers, and the rest unreached (marked definitely lost until the clique pass).
void classify_reached(const Snapshot& snapshot, std::uint8_t heuristics,
                      LeakClassification& leaks) {
    const Reachability any = find_reachable(snapshot, Follow::any_pointer);
    const std::vector<bool> definite = find_definite(snapshot, heuristics, leaks.via_heuristic);
    leaks.kind.assign(snapshot.blocks.size(), LeakKind::definitely_lost);
    leaks.leader.assign(snapshot.blocks.size(), kUnreached);
    for (std::uint32_t block = 0; block < snapshot.blocks.size(); ++block) {
        if (definite[block])
            leaks.kind[block] = LeakKind::still_reachable;
        else if (any.reached(block))
            leaks.kind[block] = LeakKind::possibly_lost;
    }
    clear_heuristic_when_started(snapshot, any, leaks);
}

// Clique leader `leader` takes in every unreached block it leads to that is not in a clique
// yet, or leads one of its own (which then joins this clique with its members), as
// mc_leakcheck.c's lc_push_with_clique_if_a_chunk_ptr does. A block already indirectly lost
// is not entered again: its own successors are in a clique already.
void gather_clique(const Snapshot& snapshot, std::uint32_t leader, LeakClassification& leaks,
                   std::vector<std::uint32_t>& stack) {
    leaks.leader[leader] = leader;
    stack.assign(1, leader);
    while (!stack.empty()) {
        const std::uint32_t block = stack.back();
        stack.pop_back();
        for (const BlockPointer& pointer : snapshot.pointers_of(block)) {
            const std::uint32_t target = pointer.target;
            if (target == leader || leaks.kind[target] != LeakKind::definitely_lost) continue;
            leaks.kind[target] = LeakKind::indirectly_lost;
            leaks.leader[target] = leader;
            stack.push_back(target);
        }
    }
}

// Memcheck's second pass: unreached blocks in address order (the snapshot's order), each one
// not yet in a clique leading a new one.
void gather_cliques(const Snapshot& snapshot, LeakClassification& leaks) {
    std::vector<std::uint32_t> stack;
    for (std::uint32_t block = 0; block < snapshot.blocks.size(); ++block)
        if (leaks.kind[block] == LeakKind::definitely_lost && leaks.leader[block] == kUnreached)
            gather_clique(snapshot, block, leaks, stack);
}

// A leader absorbed by a later clique left its members naming it: point every lost block
// at the definitely lost block at the head of its chain (with path compression, so a long
// chain of absorbed cliques costs once).
void resolve_leaders(LeakClassification& leaks) {
    std::vector<std::uint32_t> path;
    for (std::uint32_t block = 0; block < leaks.leader.size(); ++block) {
        if (!is_lost(leaks.kind[block])) continue;
        std::uint32_t head = block;
        path.clear();
        while (leaks.leader[head] != head) {
            path.push_back(head);
            head = leaks.leader[head];
        }
        for (const std::uint32_t on_path : path) leaks.leader[on_path] = head;
    }
}

std::optional<NoLeakCheckReason> why_no_leak_check(const Trace& trace) {
    if (trace.header.version < 3) return NoLeakCheckReason::old_trace;
    if (!trace.header.run.snapshots) return NoLeakCheckReason::snapshots_off;
    if (snapshot_with_kind(trace, &SnapshotKinds::exit) == nullptr) return NoLeakCheckReason::no_exit_snapshot;
    return std::nullopt;
}

// Each category's rows, one per site row with blocks of the category, then ranked. Kept
// by site row in a map, not in a vector over every site row: a compiler's trace has 75,000
// sites, of which a few thousand have blocks at exit. The ranking orders the rows whole (the
// site id breaks ties), so the map's order does not show.
class LeakTally {
public:
    void add(LeakKind kind, std::size_t site, std::uint64_t bytes) {
        LeakRow& row = row_of(kind, site);
        row.own.bytes += bytes;
        ++row.own.blocks;
    }

    void add_indirect(std::size_t leader_site, std::uint64_t bytes) {
        LeakRow& row = row_of(LeakKind::definitely_lost, leader_site);
        row.indirect_bytes += bytes;
        ++row.indirect_blocks;
    }

    void fill(const std::vector<SiteRow>& sites, LeakReport& report) {
        for (const LeakKind kind : kAllLeakKinds) {
            LeakCategory& category = report.categories[static_cast<std::size_t>(kind)];
            for (const auto& [site, row] : rows_[static_cast<std::size_t>(kind)]) {
                if (row.own.blocks == 0) continue;
                category.total.bytes += row.own.bytes;
                category.total.blocks += row.own.blocks;
                category.sites.push_back(row);
            }
            std::sort(category.sites.begin(), category.sites.end(),
                      [&](const LeakRow& a, const LeakRow& b) {
                          return std::tuple(b.total_bytes(), b.own.blocks, sites[a.site].figures.id) <
                                 std::tuple(a.total_bytes(), a.own.blocks, sites[b.site].figures.id);
                      });
        }
    }

private:
    LeakRow& row_of(LeakKind kind, std::size_t site) {
        const auto [at, added] = rows_[static_cast<std::size_t>(kind)].try_emplace(site);
        if (added) at->second.site = site;
        return at->second;
    }

    std::array<std::unordered_map<std::size_t, LeakRow>, kLeakKinds> rows_;  // by site row
};

}  // namespace

LeakClassification classify_leaks(const Snapshot& snapshot, std::uint8_t heuristics) {
    LeakClassification leaks;
    classify_reached(snapshot, heuristics, leaks);
    gather_cliques(snapshot, leaks);
    resolve_leaders(leaks);
    return leaks;
}

namespace {

// Still reachable blocks by the heuristic that reached them, in kLeakHeuristicNames' order.
void tally_heuristics(const Snapshot& snapshot, const LeakClassification& leaks,
                      LeakReport& report) {
    for (std::uint32_t block = 0; block < snapshot.blocks.size(); ++block) {
        if (leaks.via_heuristic[block] == 0) continue;
        for (std::size_t k = 0; k < kLeakHeuristicNames.size(); ++k) {
            if (kLeakHeuristicNames[k].bit != leaks.via_heuristic[block]) continue;
            report.via_heuristic[k].bytes += snapshot.blocks[block].size;
            ++report.via_heuristic[k].blocks;
        }
    }
}

}  // namespace

LeakReport analyse_leaks(const Trace& trace, const std::vector<SiteRow>& sites,
                         const std::vector<std::size_t>& row_of_site, std::uint8_t heuristics) {
    LeakReport report;
    report.heuristics = heuristics;
    report.missing = why_no_leak_check(trace);
    if (report.missing) return report;
    const Snapshot& snapshot = *snapshot_with_kind(trace, &SnapshotKinds::exit);
    report.snapshot = summarise_snapshot(snapshot);
    report.in_place_blocks = snapshot.in_place_blocks;
    const LeakClassification leaks = classify_leaks(snapshot, heuristics);
    tally_heuristics(snapshot, leaks, report);
    const auto site_of = [&](std::uint32_t block) {
        return row_of_site[snapshot.blocks[block].site];
    };
    LeakTally tally;
    for (std::uint32_t block = 0; block < snapshot.blocks.size(); ++block) {
        const std::uint64_t size = snapshot.blocks[block].size;
        tally.add(leaks.kind[block], site_of(block), size);
        if (leaks.kind[block] == LeakKind::indirectly_lost)
            tally.add_indirect(site_of(leaks.leader[block]), size);
    }
    tally.fill(sites, report);
    return report;
}

}  // namespace memattr
