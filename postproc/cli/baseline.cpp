#include "cli/baseline.h"

#include <filesystem>

#include <fmt/format.h>

#include "history/history_db.h"

namespace memattr {

namespace {

Baseline from_database(const CommandOptions& options) {
    const std::string& path = options.baseline_database_path;
    const std::string wanted = options.baseline_labels.empty()
                                   ? ""
                                   : fmt::format(" with {}", describe_labels(options.baseline_labels));
    // A nightly job's first night: the database is made by its first 'record'.
    if (!std::filesystem::exists(path))
        return {std::nullopt, fmt::format("'{}' does not exist yet", path)};
    const HistoryDb database(path, HistoryDb::Access::read);
    const std::optional<std::int64_t> latest = database.latest_run(options.baseline_labels);
    if (!latest) return {std::nullopt, fmt::format("'{}' has no run{} yet", path, wanted)};
    RunFigures run = database.load(*latest);
    run.source = fmt::format("{} run {}", path, *latest);
    if (!run.labels.empty()) run.source += fmt::format(" ({})", describe_labels(run.labels));
    return {std::move(run), {}};
}

}  // namespace

Baseline load_baseline(const CommandOptions& options) {
    if (!options.baseline_database_path.empty()) return from_database(options);
    if (options.baseline_path.empty()) return {};
    return {load_run_figures(options.baseline_path, options.analysis), {}};
}

RunFigures load_run(const CommandOptions& options) {
    return load_run_figures(options.trace_path, options.analysis);
}

}  // namespace memattr
