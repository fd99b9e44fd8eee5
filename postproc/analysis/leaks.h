// Leaks at exit: the blocks still live when the program ended, classified the way Memcheck's
// leak check (valgrind --leak-check=full; memcheck/mc_leakcheck.c of Valgrind 3.19) classifies
// them, from the trace's exit snapshot, so that both tools give the same four figures:
//
// - still reachable: a root leads to the block along pointers to block *starts* only (what
//   Memcheck calls a definite path: every block on it is itself still reachable);
// - possibly lost: roots lead to it, but every such path has an interior pointer (one into
//   the middle of a block) or passes through a possibly lost block;
// - definitely lost and indirectly lost: no root leads to it. Memcheck then takes the
//   unreached blocks in address order; each one that is still unclassified becomes
//   definitely lost (a clique leader) and every still unclassified or definitely lost block
//   it leads to (along any pointers, through unreached blocks) becomes indirectly lost and
//   joins its clique. So the head of a lost tree is definitely lost and the rest of the tree
//   indirectly lost; a lost cycle has one definitely lost block, the lowest in address.
//   Taking blocks in address order is part of the rule: it decides which block of a cycle
//   leads and, when a lost block points into a lost cycle whose lowest block comes first,
//   that the cycle keeps its own leader (the pointing block's traversal stops at blocks
//   already classified).
//
// Memcheck's --leak-check-heuristics (all four on by default in 3.19) let an interior pointer
// count as a start pointer when the pointed-to block's contents match a known layout
// (stdstring: a pointer 24 bytes in, after a length and capacity that fit the block;
// length64 and newarray: 8 bytes in, after a 64-bit length or element count;
// multipleinheritance: the word pointed at and the block's first word both vtable
// pointers). The tool tests the layouts at the exit snapshot (the trace's `heur`), and the
// heuristics chosen (AnalysisOptions::leak_heuristics) apply here as in Memcheck: a block
// they reach is still reachable, and counted as reached via the heuristic unless a start
// pointer from a root or a reached block also points at it. Not in the clique pass, as in
// Memcheck.
//
// Sizes are requested bytes, as Memcheck counts them. classify_leaks is a pure function of a
// Snapshot, tested on hand-made heaps; analyse_leaks names sites for the reports.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis/ownership_analysis.h"
#include "trace/trace.h"

namespace memattr {

struct SiteRow;

// Memcheck's four categories, in the order of its LEAK SUMMARY.
enum class LeakKind : std::uint8_t {
    definitely_lost,
    indirectly_lost,
    possibly_lost,
    still_reachable,
};
inline constexpr std::size_t kLeakKinds = 4;

inline constexpr std::array<LeakKind, kLeakKinds> kAllLeakKinds = {
    LeakKind::definitely_lost, LeakKind::indirectly_lost, LeakKind::possibly_lost,
    LeakKind::still_reachable};

// "definitely lost", "indirectly lost", "possibly lost", "still reachable": Memcheck's words.
std::string_view leak_kind_name(LeakKind kind);

// Every block's category, and for lost blocks the clique they belong to.
struct LeakClassification {
    std::vector<LeakKind> kind;          // per block
    std::vector<std::uint8_t> via_heuristic;  // per block: for a still reachable block that
                                         // no start pointer reaches, the heuristic (one
                                         // LeakHeuristicBits bit) that made it reachable;
                                         // 0 for the others
    std::vector<std::uint32_t> leader;   // per block: for a lost block, the definitely lost
                                         // block at the head of its clique (itself when it
                                         // is definitely lost; the last leader to absorb it
                                         // when cliques merged); kUnreached for the others
};

// `heuristics`: the LeakHeuristicBits applied (--leak-check-heuristics).
LeakClassification classify_leaks(const Snapshot& snapshot,
                                  std::uint8_t heuristics = kAllLeakHeuristics);

// Memcheck's names of the heuristics, in its order, with their bits.
struct LeakHeuristicName {
    std::uint8_t bit;
    std::string_view name;
};
inline constexpr std::array<LeakHeuristicName, 4> kLeakHeuristicNames = {{
    {kHeuristicStdString, "stdstring"},
    {kHeuristicLength64, "length64"},
    {kHeuristicNewArray, "newarray"},
    {kHeuristicMultipleInheritance, "multipleinheritance"},
}};

// --leak-check-heuristics' value, as Memcheck takes it: "all", "none", or a comma-separated
// list of heuristic names; nullopt when it is none of these.
std::optional<std::uint8_t> parse_leak_heuristics(std::string_view value);

// Why the report has no leak figures.
enum class NoLeakCheckReason {
    old_trace,         // a version 1 or 2 trace: written before snapshots existed
    snapshots_off,     // recorded with --snapshots=no
    no_exit_snapshot,  // snapshots on, but the trace has no exit snapshot
};

struct LeakFigures {
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
};

// One site's blocks of one category: a Memcheck loss record.
struct LeakRow {
    std::size_t site = 0;              // index into ReportModel::sites
    LeakFigures own;                   // its blocks of this category
    std::uint64_t indirect_bytes = 0;  // definitely lost rows: the bytes of the blocks
                                       // indirectly lost through them (the cliques they
                                       // lead), as Memcheck's "N (D direct, I indirect)
                                       // bytes"; 0 in the other categories
    std::uint64_t indirect_blocks = 0; // likewise, blocks

    std::uint64_t total_bytes() const { return own.bytes + indirect_bytes; }
};

struct LeakCategory {
    LeakFigures total;
    std::vector<LeakRow> sites;  // every site with blocks in it, by total_bytes(), then
                                 // blocks (descending), then site id
};

struct LeakReport {
    std::optional<NoLeakCheckReason> missing;  // set when there is no exit snapshot; then
                                               // nothing below is filled
    SnapshotSummary snapshot;                  // the exit snapshot
    std::array<LeakCategory, kLeakKinds> categories;  // indexed by LeakKind
    std::uint8_t heuristics = kAllLeakHeuristics;     // the heuristics applied
    std::uint64_t in_place_blocks = 0;                // the exit snapshot's blocks a realloc
                                                      // left in place (Memcheck's moves
                                                      // them): why figures may differ
    std::array<LeakFigures, 4> via_heuristic;         // still reachable blocks reached via
                                                      // each heuristic, in the order of
                                                      // kLeakHeuristicNames

    const LeakCategory& operator[](LeakKind kind) const {
        return categories[static_cast<std::size_t>(kind)];
    }
};

// The leaks of `trace`'s exit snapshot, by category and site. `sites` are the report's site
// rows and `row_of_site` the row of each of Trace::sites.
LeakReport analyse_leaks(const Trace& trace, const std::vector<SiteRow>& sites,
                         const std::vector<std::size_t>& row_of_site,
                         std::uint8_t heuristics = kAllLeakHeuristics);

}  // namespace memattr
