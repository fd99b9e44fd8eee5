// The runs that `diff` and `check` compare: the new one (a trace or a JSON report) and its
// baseline, given as a file.
#pragma once

#include <optional>

#include "cli/options.h"
#include "history/run_figures.h"

namespace memattr {

// The baseline (options.baseline_path), if one was given.
std::optional<RunFigures> load_baseline(const CommandOptions& options);

// The run (options.trace_path); both are analysed with options.analysis when they are traces.
RunFigures load_run(const CommandOptions& options);

}  // namespace memattr
