// Analysis: from a Trace to the ReportModel every reporter renders.
//
// All interpretation happens here, once: folding each site's and each copy's stack, the
// derived figures (shares of the peak, mean lifetimes, average sizes), the classification of
// copies and the rankings; the ownership sections come from ownership_analysis.h, the leaks
// at exit from leaks.h, the memory map from memory_map.h. Reporters only format, so the text, JSON and DOT outputs cannot
// disagree about a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/leaks.h"
#include "analysis/memory_map.h"
#include "analysis/ownership_analysis.h"
#include "analysis/phases.h"
#include "analysis/site_folding.h"
#include "trace/trace.h"

namespace memattr {

inline constexpr unsigned kDefaultCloneThreshold = 90;
inline constexpr std::size_t kDefaultMaxBlockNodes = 200;

struct AnalysisOptions {
    std::size_t top = 10;    // --top: rows per ranking of the text report, edges of the
                             // lineage graph; 0 for all
    FoldingOptions folding;  // --frames, --ignore-fn
    unsigned clone_threshold = kDefaultCloneThreshold;  // --clone-threshold: the percentage
                             // of a destination a copy must fill to make it a clone; a
                             // multiple of 10 from 10 to 100 (the trace's `share` is in tenths)
    std::string snapshot;    // --snapshot: the id or name of the snapshot the ownership
                             // sections describe; empty for the peak one (or the exit one)
    std::string blocks_site; // --blocks (dot): the site (id, or part of its folded name)
                             // whose blocks' dominator subtrees to list; empty for none
    std::size_t max_nodes = kDefaultMaxBlockNodes;  // --max-nodes: blocks listed for --blocks
    bool site_graph = false; // compute the ownership graph by site (the dot command), its
                             // first --top sites (0: all) drawn apart
    std::string memory_map;  // --memory-map: the memory map the memory map section describes,
                             // "peak" or "exit"; empty for the peak one (or the exit one)
    std::optional<std::uint64_t> native_rss;  // --native-rss: the peak resident set of a native
                             // run in bytes, set beside memattr's estimate
};

// Whether `percent` can be a clone threshold: a multiple of 10 from 10 to 100.
bool is_valid_clone_threshold(unsigned percent);

// What a group of copy pairs is to the reports (docs/memattr-graph.md, "Copies").
enum class CopyClass {
    relocation,     // realloc, or a copy whose source was freed promptly (src-fate=prompt):
                    // vector growth, move-by-copy. Costs time, not memory
    movable_clone,  // a clone whose source was never used after it yet stayed allocated:
                    // a move would have saved the source
    clone,          // a clone whose source was used after it: a legitimate copy
    partial,        // a copy of less than the threshold's share of its destination
};

// The class of `copy` with a clone threshold of `clone_threshold` percent.
CopyClass classify_copy(const CopyGroup& copy, unsigned clone_threshold);

// Figures summed over copy groups; each is the sum of the `copy` key it names.
struct CopyFigures {
    std::uint64_t pairs = 0;              // n: (source, destination) block pairs
    std::uint64_t bytes = 0;              // bytes: copied
    std::uint64_t source_bytes = 0;       // src-bytes: the sources' sizes
    std::uint64_t destination_bytes = 0;  // dst-bytes: the destinations' sizes
    std::uint64_t peak_source_bytes = 0;  // peak-src-bytes: sources beside their copies at the
                                          // peak
    std::uint64_t overlap = 0;            // overlap: bytes x time sources spent beside copies

    // Adds `copy`'s figures (saturating: a sum too big for 64 bits stays at the maximum).
    void add(const CopyGroup& copy);
    // Adds `other`'s figures, likewise.
    void add(const CopyFigures& other);
};

// One allocation site as reports show it. Sites are never merged: two sites whose folded
// stacks print the same (because they differ only beyond --frames) stay two rows.
struct SiteRow {
    Site figures;              // the trace's figures, unchanged (figures.stack is the index
                               // of the raw stack in Trace::stacks)
    Frame location;            // the site frame: first frame that is not an allocator wrapper
    std::vector<Frame> stack;  // folded: the site frame first, then its callers, at most
                               // --frames of them
    std::size_t omitted_frames = 0;  // callers beyond --frames

    double peak_percent = 0;       // peak_bytes, % of the global peak's bytes
    double total_percent = 0;      // total_bytes, % of all bytes allocated
    double exit_percent = 0;       // exit_bytes, % of the bytes live at exit
    double temporary_percent = 0;  // temporary_blocks, % of this site's blocks
    double mean_lifetime = 0;      // lifetime_sum / total_blocks (0 without blocks)
    double average_size = 0;       // total_bytes / total_blocks (0 without blocks)

    std::uint64_t written_unread_blocks = 0;  // never_read_blocks - never_accessed_blocks:
                                              // written, yet never read
    std::uint64_t written_unread_bytes = 0;   // never_read_bytes - never_accessed_bytes
    double never_read_percent = 0;            // never_read_bytes, % of total_bytes
};

// The site's id and folded stack, one line each ("site N", "at F", "by F", ..., then how many
// callers --frames left out): what the DOT graphs show as a site's tooltip.
std::vector<std::string> site_stack_lines(const SiteRow& site);

// One ranking of sites for a report section. Only sites with a non-zero figure take part (a
// site with nothing live at the peak is not a "top site at peak"). Ties go to more total
// bytes, then to the lower site id, so reports are reproducible.
// (Copy rows are not sites and are ranked in CopyAnalysis.)
struct Ranking {
    std::vector<std::size_t> rows;  // indexes into ReportModel::sites, best first, at most --top
    std::size_t candidates = 0;     // sites with a non-zero figure, shown or not
};

struct SiteRankings {
    Ranking at_peak;       // by peak_bytes
    Ranking by_total;      // by total_bytes (churn)
    Ranking by_temporary;  // by temporary_blocks
    Ranking at_exit;       // by exit_bytes
    Ranking never_read;    // by never_read_bytes (empty without access tracking)
};

// Copy rows are grouped by *copy location*: the site frame of the folded copy stack (the
// first frame of the program's own code, past the tool's memcpy replacement and library
// code), compared by function, file, directory, line and object, so that several copy
// instructions of one source line are one location.

// "Copies that could be moves": clone pairs whose source was never used afterwards, grouped
// by copy location and by the sources' site.
struct MovableCloneRow {
    Frame location;                  // where the copies were made
    std::size_t source_site = 0;     // the originals' site: an index into ReportModel::sites
    std::vector<std::size_t> destination_sites;  // the clones' sites, indexes into
                                                 // ReportModel::sites, by ascending site id
    CopyFigures figures;             // summed over the row's copy groups
};

// "Relocation churn": relocations grouped by where they were made and how.
struct RelocationRow {
    Frame location;         // where the copies (or the realloc calls) were made
    CopyKind kind = CopyKind::copy;  // copy: the program copied and freed promptly; realloc
    CopyFigures figures;    // summed over the row's copy groups
};

// Copy totals per class, over every copy group of the trace.
struct CopyTotals {
    CopyFigures movable_clones;  // CopyClass::movable_clone
    CopyFigures relocations;     // CopyClass::relocation
    CopyFigures clones;          // CopyClass::clone: legitimate copies, not flagged
    CopyFigures partial;         // CopyClass::partial: not flagged
};

// One edge of the lineage graph: copies of one class from one site's blocks into another's.
struct LineageEdge {
    std::size_t from = 0;  // the sources' site: an index into ReportModel::sites
    std::size_t to = 0;    // the destinations' site, likewise (may equal `from`)
    CopyClass kind = CopyClass::partial;
    CopyFigures figures;   // summed over the edge's copy groups
    std::vector<Frame> locations;  // the distinct copy locations, in trace order
};

// Copy lineage, classified. Empty without access tracking (RunInfo::access).
struct CopyAnalysis {
    std::vector<MovableCloneRow> movable_clones;  // every row, by peak_source_bytes, then
                                                  // overlap, then bytes (all descending)
    std::vector<RelocationRow> relocations;       // every row, by bytes descending
    CopyTotals totals;
    std::vector<LineageEdge> lineage;             // every edge, by bytes, then pairs
                                                  // (descending), then site ids
};

struct Summary {
    Peak peak;
    Totals totals;
    ExitState exit;
    std::uint64_t temporary_blocks = 0;  // summed over the sites
    std::uint64_t temporary_bytes = 0;
    double temporary_percent = 0;        // temporary_blocks, % of all blocks allocated

    // Summed over the sites; 0 without access tracking.
    std::uint64_t never_read_blocks = 0;
    std::uint64_t never_read_bytes = 0;
    std::uint64_t never_accessed_blocks = 0;
    std::uint64_t never_accessed_bytes = 0;
    std::optional<AccessTotals> access;  // the trace's `access` record, if it has one
};

struct ReportModel {
    std::string source;  // the trace file
    std::uint64_t record_count = 0;
    TraceHeader header;
    AnalysisOptions options;

    Summary summary;
    std::vector<SiteRow> sites;  // every site, by peak bytes, then total bytes, then id
    SiteRankings rankings;
    CopyAnalysis copies;
    std::vector<Thread> threads;  // by thread id
    std::vector<TimelinePoint> timeline;
    std::optional<std::size_t> timeline_peak;  // the timeline sample that is the global peak
    OwnershipReport ownership;  // the snapshot's owners, duplicates and unreachable blocks
    LeakReport leaks;           // the exit snapshot's blocks in Memcheck's leak categories
    PhaseReport phases;         // phase instances, sums by name, growth per iteration by site
    MemoryMapReport memory_map; // the memory map's groups, reconciling total and gap
};

// Throws std::regex_error when an --ignore-fn pattern is invalid, std::invalid_argument when
// the clone threshold is, or when --snapshot, --blocks or --memory-map names nothing in the
// trace.
ReportModel analyse(const Trace& trace, const AnalysisOptions& options);

}  // namespace memattr
