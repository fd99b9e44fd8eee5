// Site rows: each allocation site of the trace as every report section shows it (its folded
// stack and the figures derived from the trace's), and the rankings of those rows. The
// sub-analyses name sites by their index in the rows (ReportModel::sites), so this is the
// floor they all stand on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/frame_list.h"
#include "analysis/site_folding.h"
#include "trace/trace.h"

namespace memattr {

// One allocation site as reports show it. Sites are never merged: two sites whose frames
// print the same stay two rows, each named with the caller that tells it apart
// (told_apart_by), or, when they differ only beyond --frames, alike.
struct SiteRow {
    Site figures;              // the trace's figures, unchanged (figures.stack is the index
                               // of the raw stack in Trace::stacks)
    // Frames are the SiteFolder's shared table's (frame_list.h): a row holds no copy of one.
    FrameRef location;  // the site frame: first frame that is not an allocator wrapper
    FrameList stack;    // folded: the site frame first, then its callers, at most --frames
                        // of them
    std::size_t omitted_frames = 0;  // callers beyond --frames
    std::string key;                 // its stable key (stable_key.h), from the whole stack
                                     // past the allocator, however many frames --frames shows
    FrameRef told_apart_by;          // when other sites' frames print as this site's does:
                                     // the caller in its folded stack at which its callers
                                     // first differ from every other's; the reports name
                                     // the site "F via CALLER"; none otherwise

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

    // Usable bytes (support/glibc_chunk.h: what glibc's chunks hold, the request rounded up)
    // of the blocks live at the global peak and at exit, summed from the peak and exit
    // snapshots' blocks. Unset when there is no such snapshot, when its blocks of this site
    // do not add up to the site's own figure (a snapshot taken away from the peak), or for a
    // custom or pool site (not glibc's memory). The total over the run has no usable figure:
    // the trace keeps no size of each block allocated.
    std::optional<std::uint64_t> peak_usable_bytes;
    std::optional<std::uint64_t> exit_usable_bytes;
};

// Every site of `trace` as a row, by peak bytes, then total bytes, then id (descending,
// descending, ascending).
std::vector<SiteRow> make_site_rows(const Trace& trace, const SiteFolder& folder);

// Where each of Trace::sites ended up in `rows` (make_site_rows's order): the sub-analyses
// meet sites by their place in the trace and name them by their row.
std::vector<std::size_t> rows_of_sites(const Trace& trace, const std::vector<SiteRow>& rows);

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

// The rankings of `rows`, each cut to its first `top` rows (0: all of them).
SiteRankings rank_sites(const std::vector<SiteRow>& rows, std::size_t top);

}  // namespace memattr
