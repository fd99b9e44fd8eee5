// The trend of recorded runs (`memattr-graph trend`): each run's main totals, night by night,
// with the change from the run before, and the sites whose peak bytes moved most between the
// first and the last run shown. Written as text for people, JSON for scripts, or a
// GitHub-flavoured Markdown table for a CI summary page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/history_db.h"
#include "history/run_figures.h"

namespace memattr {

// The totals the text and Markdown tables show, in their column order (JSON has them all).
inline constexpr RunFigure kTrendFigures[] = {
    RunFigure::peak_bytes,   RunFigure::total_bytes, RunFigure::exit_bytes,
    RunFigure::leaked_bytes, RunFigure::clone_bytes, RunFigure::duplicate_bytes,
};

// A figure's column heading in the tables and in record's line: "peak" for peak_bytes
// (figure_name without "_bytes").
std::string_view figure_heading(RunFigure figure);

// One site whose peak bytes differ between the first and the last run of a trend.
struct SiteMove {
    std::string key;    // its stable key
    std::string label;  // as the last run names it (the first, when it is gone)
    std::optional<std::uint64_t> before;  // peak bytes in the first run; nullopt: not there
    std::optional<std::uint64_t> after;   // in the last run; nullopt: gone

    // after - before, a missing site counting 0 bytes.
    std::int64_t change() const;
};

// Everything a trend shows, worked out once for the three formats.
struct Trend {
    std::string database;     // the file's path, for the heading
    Labels filters;           // the labels every run shown was selected by
    std::size_t matching = 0; // runs that have those labels; `runs` is the last of them
    std::vector<RecordedRun> runs;  // the runs shown, oldest first (at least one)
    Labels common_labels;           // NAME=VALUE that every run shown has
    std::vector<std::string> varying_labels;  // label names whose value differs between runs
                                              // (or that some run lacks), in first-seen order
    std::vector<SiteMove> moved;  // by |change| descending, then key; every site that moved
    std::size_t top = 10;         // rows of `moved` text and Markdown show; 0: all
};

// The trend of `runs` (oldest first, the last `runs.size()` of `matching`), whose first and
// last are `first` and `last` in full (the same run when there is one). Throws
// std::invalid_argument when `runs` is empty.
Trend make_trend(std::string database, Labels filters, std::size_t matching,
                 std::vector<RecordedRun> runs, const RunFigures& first, const RunFigures& last,
                 std::size_t top);

// The formats write_trend takes, in the order help texts list them.
const std::vector<std::string>& trend_formats();

// `trend` in `format` (a trend_formats() name): the whole document, ending with a newline.
// Throws std::invalid_argument for another name.
std::string write_trend(const Trend& trend, std::string_view format);

}  // namespace memattr
