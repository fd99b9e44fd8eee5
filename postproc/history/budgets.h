// Memory budgets: limits a run must stay within, which `memattr-graph check` enforces so a
// nightly job fails when memory got worse.
//
// Each budget reads one figure of the run (run_figures.h) and, for the ones about change, of
// a baseline run. A budget whose figure the run lacks (recorded with snapshots off, say) is
// not "held": checking it is an error that names the option the recording needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/run_figures.h"

namespace memattr {

// The budgets asked for; unset ones are not checked. Their names on the command line and in
// a budget file are the ones budget_names() lists.
struct Budgets {
    std::optional<std::uint64_t> max_peak;                  // peak_bytes at most this
    std::optional<double> max_peak_growth_percent;          // peak_bytes at most this % above
                                                            // the baseline's
    std::optional<std::uint64_t> max_leaked;                // leaked_bytes at most this
    bool no_new_leaks = false;                              // no leak the baseline has not
    std::optional<std::uint64_t> max_growth_per_iteration;  // no site grows faster
    std::optional<std::uint64_t> max_clone_bytes;           // clone_bytes at most this
    std::optional<std::uint64_t> max_duplicate_bytes;       // duplicate_bytes at most this

    bool any() const;
    bool needs_baseline() const;  // max_peak_growth_percent or no_new_leaks
};

// "max-peak", "max-peak-growth", ...: every budget's name, as options and in budget files.
const std::vector<std::string>& budget_names();

// Sets the budget `name` from `value` as written by a person: a size ("64M"), a percentage
// ("5", "5%"), or for no-new-leaks "yes"/"no"/"true"/"false". Throws std::invalid_argument
// with a message naming the budget for an unknown name or a value that does not parse.
void set_budget(Budgets& budgets, const std::string& name, const std::string& value);

// Reads a budget file: one "NAME = VALUE" (or "NAME VALUE") per line, '#' starts a comment,
// blank lines are ignored. Budgets already set in `budgets` (the command line's) are kept:
// the command line overrides the file. Throws std::runtime_error naming the file and line.
void read_budget_file(const std::string& path, Budgets& budgets);

// The verdict on one budget.
struct BudgetVerdict {
    std::string name;    // budget_names()'s
    std::string limit;   // as a person reads it: "64.00 MiB", "5.0%", "no new leaks"
    std::string figure;  // the run's figure against it, e.g. "70.12 MiB (+9.6% on the baseline)"
    bool held = true;
    std::vector<std::string> culprits;  // when broken: the sites or findings that broke it,
                                        // most bytes first, at most 5, each one line
    bool skipped = false;  // not judged: it compares with a baseline there is none of yet
                           // (`figure` says why); held stays true
};

// Checks every budget set in `budgets` against `run` (and `baseline`, for the budgets that
// compare). Without a baseline, the budgets that compare are skipped when
// `no_baseline_reason` says why there is none yet (a nightly job's first night), and an
// error otherwise. Throws std::runtime_error when a budget needs a figure the run (or the
// baseline) lacks, saying which option the recording needs, or a baseline none was given.
std::vector<BudgetVerdict> check_budgets(const Budgets& budgets, const RunFigures& run,
                                         const RunFigures* baseline,
                                         std::string_view no_baseline_reason = {});

}  // namespace memattr
