// Comparing two runs: what `memattr-graph diff` shows and `check` judges budgets by.
//
// Sites and findings are matched by their stable keys, so tonight's run is compared with
// last night's although every site id, address and line may have changed. A row exists in
// the comparison when its figure changed: it grew, shrank, appeared (a key the base run does
// not have) or disappeared. Rows whose change is smaller than the noise floor are counted,
// not listed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/run_figures.h"

namespace memattr {

// One total of both runs; either may be missing (figure_requirement() says why).
struct TotalChange {
    RunFigure figure = RunFigure::peak_bytes;
    std::optional<std::uint64_t> base;
    std::optional<std::uint64_t> now;
};

enum class ChangeKind { appeared, disappeared, grew, shrank };

// "appeared", "disappeared", "grew", "shrank".
std::string_view change_kind_name(ChangeKind kind);

// One site or finding whose figure changed.
struct RowChange {
    std::string kind;   // "site", or the finding's kind name
    std::string key;
    std::string label;  // the new run's label, or the base run's for a row that disappeared
    std::uint64_t base = 0;  // its figure in each run; 0 where the run does not have the key
    std::uint64_t now = 0;
    ChangeKind change = ChangeKind::grew;

    std::int64_t delta() const;  // now - base
    std::uint64_t size() const;  // |now - base|: what rows are ranked by
};

struct RunDiff {
    std::string base_source;
    std::string new_source;
    SiteMetric metric = SiteMetric::peak;  // the site figure compared
    std::uint64_t min_delta = 0;           // the noise floor: changes below it are not rows
    std::vector<TotalChange> totals;       // every RunFigure, in enum order
    std::vector<RowChange> sites;          // by |delta| descending, then key
    std::vector<RowChange> findings;       // by |delta| descending, then kind, then key
    std::size_t sites_below_floor = 0;     // changed, but by less than min_delta
    std::size_t findings_below_floor = 0;
};

// `now` against `base`: sites by `metric`, findings by their bytes.
RunDiff diff_runs(const RunFigures& base, const RunFigures& now, SiteMetric metric,
                  std::uint64_t min_delta);

}  // namespace memattr
