// Analysis: from a Trace to the ReportModel every reporter renders.
//
// All interpretation happens here, once: folding each site's stack, the derived figures
// (shares of the peak, mean lifetimes, average sizes) and the rankings. Reporters only
// format, so the text and JSON outputs cannot disagree about a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "site_folding.h"
#include "trace.h"

namespace memattr {

struct AnalysisOptions {
    std::size_t top = 10;    // --top: rows per ranking; 0 for every site
    FoldingOptions folding;  // --frames, --ignore-fn
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
};

// One ranking of sites for a report section. Only sites with a non-zero figure take part (a
// site with nothing live at the peak is not a "top site at peak"). Ties go to more total
// bytes, then to the lower site id, so reports are reproducible.
struct Ranking {
    std::vector<std::size_t> rows;  // indexes into ReportModel::sites, best first, at most --top
    std::size_t candidates = 0;     // sites with a non-zero figure, shown or not
};

struct SiteRankings {
    Ranking at_peak;       // by peak_bytes
    Ranking by_total;      // by total_bytes (churn)
    Ranking by_temporary;  // by temporary_blocks
    Ranking at_exit;       // by exit_bytes
};

struct Summary {
    Peak peak;
    Totals totals;
    ExitState exit;
    std::uint64_t temporary_blocks = 0;  // summed over the sites
    std::uint64_t temporary_bytes = 0;
    double temporary_percent = 0;        // temporary_blocks, % of all blocks allocated
};

struct ReportModel {
    std::string source;  // the trace file
    std::uint64_t record_count = 0;
    TraceHeader header;
    AnalysisOptions options;

    Summary summary;
    std::vector<SiteRow> sites;  // every site, by peak bytes, then total bytes, then id
    SiteRankings rankings;
    std::vector<Thread> threads;  // by thread id
    std::vector<TimelinePoint> timeline;
    std::optional<std::size_t> timeline_peak;  // the timeline sample that is the global peak
};

// Throws std::regex_error when an --ignore-fn pattern is invalid.
ReportModel analyse(const Trace& trace, const AnalysisOptions& options);

}  // namespace memattr
