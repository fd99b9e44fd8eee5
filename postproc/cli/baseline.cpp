#include "cli/baseline.h"

namespace memattr {

std::optional<RunFigures> load_baseline(const CommandOptions& options) {
    if (options.baseline_path.empty()) return std::nullopt;
    return load_run_figures(options.baseline_path, options.analysis);
}

RunFigures load_run(const CommandOptions& options) {
    return load_run_figures(options.trace_path, options.analysis);
}

}  // namespace memattr
