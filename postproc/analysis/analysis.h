// Analysis: from a Trace to the ReportModel every reporter renders.
//
// All interpretation happens in analysis/, once, and this file assembles it: the site rows
// and their rankings come from site_rows.h, the classification of copies from copies.h, the
// ownership sections from ownership_analysis.h, the leaks at exit from leaks.h, the phases
// from phases.h, the memory map from memory_map.h. Reporters only format, so the text, JSON
// and DOT outputs cannot disagree about a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/copies.h"
#include "analysis/leaks.h"
#include "analysis/memory_map.h"
#include "analysis/options.h"
#include "analysis/ownership_analysis.h"
#include "analysis/phases.h"
#include "analysis/site_rows.h"
#include "trace/trace.h"

namespace memattr {

// The parts of a ReportModel a command needs; analyse() leaves the others empty (as default
// constructed). Each costs enough to skip when nobody reads it: the copy classification, the
// dominator tree of a snapshot, the leak classification, the phases and the memory map. The
// summary, the site rows and their rankings, the threads and the timeline are always there:
// every part is named by the site rows, and the rest is copied from the trace.
struct AnalysisNeeds {
    bool copies = false;      // ReportModel::copies
    bool ownership = false;   // ReportModel::ownership
    bool leaks = false;       // ReportModel::leaks
    bool phases = false;      // ReportModel::phases
    bool memory_map = false;  // ReportModel::memory_map
};

// Every part: what the report (text or JSON) shows.
inline constexpr AnalysisNeeds kEveryAnalysis{
    .copies = true, .ownership = true, .leaks = true, .phases = true, .memory_map = true};

// The run as a whole: the trace's peak, totals and exit figures, and sums over the sites.
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

// Everything a reporter renders, computed once (see the top of this file).
struct ReportModel {
    std::string source;  // the trace file
    std::uint64_t record_count = 0;
    TraceHeader header;
    AnalysisOptions options;

    Summary summary;
    std::vector<FoundWrapper> wrappers;  // allocation wrappers folded away (--find-wrappers)
    std::vector<SiteRow> sites;  // every site, by peak bytes, then total bytes, then id
    SiteRankings rankings;
    CopyAnalysis copies;
    // By thread id; their own_peak_sites' `site` is a row of `sites`, not an index into
    // Trace::sites.
    std::vector<Thread> threads;
    std::vector<TimelinePoint> timeline;
    std::optional<std::size_t> timeline_peak;  // the timeline sample that is the global peak
    OwnershipReport ownership;  // the snapshot's owners, duplicates and unreachable blocks
    LeakReport leaks;           // the exit snapshot's blocks in Memcheck's leak categories
    PhaseReport phases;         // phase instances, sums by name, growth per iteration by site
    MemoryMapReport memory_map; // the memory map's groups, reconciling total and gap
};

// The parts of the report `needs` names, from `trace` as `options` ask.
// Throws std::regex_error when an --ignore-fn pattern is invalid, std::invalid_argument when
// the clone threshold is, or when --snapshot, --blocks or --memory-map names nothing in the
// trace (checked only by the parts that read them).
ReportModel analyse(const Trace& trace, const AnalysisOptions& options,
                    const AnalysisNeeds& needs = kEveryAnalysis);

}  // namespace memattr
