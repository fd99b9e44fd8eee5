// The figures of one run that a nightly job compares, checks and keeps: the run's totals
// and, under their stable keys (analysis/stable_key.h), every site and every finding.
//
// They are read from the JSON report (run_figures_from_report), whatever the run came from:
// a trace is analysed and reported first, a saved JSON report is read as it is, and a run
// kept in the history database (history_db.h) was stored from the same figures. So `diff`,
// `check`, `record` and `trend` cannot disagree with the report, or with one another, about
// a number.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/section.h"

namespace memattr {

// A run's totals. Each may be missing from a run (std::nullopt) when the trace was recorded
// without what it needs; figure_requirement() says what.
enum class RunFigure {
    peak_bytes,       // summary.peak.bytes
    peak_blocks,      // summary.peak.blocks
    total_bytes,      // summary.total.bytes: allocated over the run
    total_blocks,     // summary.total.blocks
    exit_bytes,       // summary.exit.bytes: still live at exit
    exit_blocks,      // summary.exit.blocks
    leaked_bytes,     // definitely + indirectly lost at exit (Memcheck's leaks); exit snapshot
    possibly_lost_bytes,  // possibly lost at exit; exit snapshot
    clone_bytes,      // bytes copied by clones that could be moves; access tracking
    duplicate_bytes,  // bytes that keeping one copy of each duplicate would save; peak snapshot
    growth_per_iteration_bytes,  // the steepest leak-class growth per iteration of any site
                                 // (phases with 3 or more iterations)
    resident_estimate_bytes,     // the memory map's estimate of resident memory
};
inline constexpr std::size_t kRunFigures = 12;

// The figure's name in every output and in the database, e.g. "peak_bytes".
std::string_view figure_name(RunFigure figure);

// What a run must have been recorded with for the figure to exist, for a message such as
// "the trace has no leaked_bytes: it needs the exit snapshot (record without --snapshots=no)".
std::string_view figure_requirement(RunFigure figure);

// A site's per-run figures that `diff --metric` ranks by.
enum class SiteMetric { peak, total, exit, leaked, retained };
inline constexpr std::size_t kSiteMetrics = 5;

// "peak", "total", "exit", "leaked", "retained".
std::string_view metric_name(SiteMetric metric);

// One allocation site of a run: every site of the report with this key, summed (two sites
// that differ only in frames the folding removed, or in lines, are one).
struct SiteFigures {
    std::string key;    // the sites' stable key
    std::string label;  // how the report names the first of them: "fn (file:line)"
    std::array<std::uint64_t, kSiteMetrics> bytes{};  // by SiteMetric; 0 where the run lacks it
};

// The kinds of finding, by what they say need not be there.
enum class FindingKind {
    clone,      // a copy that could be a move (copies.movable_clones); bytes copied
    duplicate,  // duplicate contents from one set of sites (ownership.duplicates.by_sites);
                // bytes wasted
    leak,       // a site's definitely or indirectly lost blocks at exit (leaks); bytes
    growth,     // a site whose live bytes grow with every iteration of a phase (class
                // "leak" of phases.names[].growth); bytes per iteration
    mapping,    // a group of the memory map (memory_map.groups); bytes written (mapped
                // without --track-pages)
};
inline constexpr std::size_t kFindingKinds = 5;

// "clone", "duplicate", "leak", "growth", "mapping".
std::string_view finding_kind_name(FindingKind kind);

struct Finding {
    FindingKind kind = FindingKind::clone;
    std::string key;    // its stable key
    std::string label;  // one line naming it and its site(s)
    std::uint64_t bytes = 0;  // the figure of its kind (above)
};

// Everything a nightly job compares about one run.
struct RunFigures {
    std::string source;  // where it came from: a trace or report path, or "DB run N"
    std::string program; // the command line the trace was recorded from
    std::vector<std::pair<std::string, std::string>> labels;  // record --label NAME=VALUE
    std::string recorded_at;  // UTC, "2026-12-02T03:00:00Z"; empty until recorded
    std::array<std::optional<std::uint64_t>, kRunFigures> totals;  // by RunFigure
    std::vector<SiteFigures> sites;  // by peak bytes, descending, then key
    std::vector<Finding> findings;   // by kind, then bytes descending, then key

    std::optional<std::uint64_t> total(RunFigure figure) const {
        return totals[static_cast<std::size_t>(figure)];
    }
};

// The figures of the JSON report `report` (schema memattr-report, as json_reporter writes
// it). `source` is kept as RunFigures::source. Throws std::invalid_argument, naming what is
// wrong, when `report` is not such a report.
RunFigures run_figures_from_report(const Json& report, std::string source);

// The figures of a run given by path ("-": standard input, and either may be gzip- or
// zstd-compressed: trace/trace_input.h): a trace (analysed with `options`) or a JSON report
// (recognised by its first byte, '{'). Throws std::runtime_error when the file
// cannot be read, TraceError when the trace is bad, std::invalid_argument when the JSON is
// not a memattr report.
RunFigures load_run_figures(const std::string& path, const AnalysisOptions& options);

}  // namespace memattr
