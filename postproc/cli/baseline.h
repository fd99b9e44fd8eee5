// The runs that `diff` and `check` compare: the new one (a trace or a JSON report) and its
// baseline, given as a file (--baseline, diff's BASE) or as the latest run of a history
// database with the given labels (--baseline-db, --baseline-label).
#pragma once

#include <optional>
#include <string>

#include "cli/options.h"
#include "history/run_figures.h"

namespace memattr {

// The baseline the options ask for, or why there is none.
struct Baseline {
    std::optional<RunFigures> run;
    std::string missing;  // when a database was asked for but holds no matching run yet (a
                          // workload's first night): why, for a message; empty otherwise
};

// Reads the baseline: the file, or the database's latest run with every label. No baseline
// asked for gives neither run nor reason. Throws std::runtime_error when the file or the
// database cannot be read.
Baseline load_baseline(const CommandOptions& options);

// The run (options.trace_path); both are analysed with options.analysis when they are traces.
RunFigures load_run(const CommandOptions& options);

}  // namespace memattr
