// `diff`: two runs compared, by the stable keys of their sites and findings
// (history/diff.h), as text, JSON or Markdown.

#include <sstream>
#include <stdexcept>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/baseline.h"
#include "cli/command.h"
#include "cli/write_report.h"
#include "history/diff_report.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr std::size_t kDefaultDiffRows = 20;

std::vector<std::string> metric_names() {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kSiteMetrics; ++i)
        names.emplace_back(metric_name(static_cast<SiteMetric>(i)));
    return names;
}

SiteMetric metric_named(const std::string& name) {
    for (std::size_t i = 0; i < kSiteMetrics; ++i)
        if (metric_name(static_cast<SiteMetric>(i)) == name) return static_cast<SiteMetric>(i);
    throw std::invalid_argument(fmt::format("unknown metric '{}'", name));  // CLI11 checked it
}

void declare_diff(CLI::App& command, CommandOptions& options) {
    add_run_operand(command, "BASE", options.baseline_path,
                    "The run compared against: a trace, or a JSON report\n"
                    "('memattr-graph json'). Left out with --baseline-db.");
    add_run_operand(command, "NEW", options.trace_path,
                    "The run compared: a trace or a JSON report.");
    add_baseline_db_options(command, options);
    // The operands are BASE NEW, or NEW alone with --baseline-db (CLI11 puts it in BASE).
    command.callback([&options] {
        const bool from_database = !options.baseline_database_path.empty();
        if (from_database && !options.trace_path.empty())
            throw CLI::ValidationError("BASE", "with --baseline-db, give NEW alone");
        if (from_database)
            options.trace_path = std::exchange(options.baseline_path, {});
        if (options.trace_path.empty())
            throw CLI::RequiredError("BASE and NEW (or NEW with --baseline-db)");
    });
    add_analysis_options(command, options);
    const std::vector<std::string> metrics = metric_names();
    command.add_option("--metric", options.metric,
                       "The sites' figure compared: bytes live at the peak,\n"
                       "allocated in total, live at exit, leaked, or\n"
                       "retained (the dominator tree's, at the peak).")
        ->check(CLI::IsMember(metrics))
        ->option_text(fmt::format("{} (default {})", fmt::join(metrics, "|"), options.metric));
    command
        .add_option_function<std::string>(
            "--min-delta",
            [&options](const std::string& value) { options.min_delta = parse_size(value); },
            "The noise floor: sites and findings that changed by\n"
            "less are counted, not listed (bytes, or with K, M, G).")
        ->check(size_validator())
        ->option_text("SIZE (default 0)");
    add_top_option(command, options, kDefaultDiffRows,
                   "Rows listed in each table of the text and Markdown\n"
                   "output; 0 lists them all. (JSON has every row.)");
    const std::vector<std::string>& formats = diff_formats();
    command.add_option("--format", options.format,
                       fmt::format("Output format: {}.", fmt::join(formats, ", ")))
        ->check(CLI::IsMember(formats))
        ->option_text(fmt::format("FORMAT (default {})", options.format));
    command.footer(
        "Sites and findings are matched by their stable keys (docs/memattr-graph.md,\n"
        "\"Stable keys\"), which survive a rebuild: ids, addresses, directories and lines\n"
        "may all differ between the two runs.");
}

int run_diff(const CommandOptions& options, const AnalysisNeeds&) {
    const Baseline baseline = load_baseline(options);
    if (!baseline.run)
        throw std::runtime_error(fmt::format("no baseline to compare with: {}", baseline.missing));
    const RunDiff diff = diff_runs(*baseline.run, load_run(options), metric_named(options.metric),
                                   options.min_delta);
    std::ostringstream text;
    write_diff(diff, options.format, options.analysis.top, text);
    write_output(text.view(), options.output_path);
    return 0;
}

}  // namespace

extern const Command diff_command{
    .name = "diff",
    .summary = "Compare two runs (traces or JSON reports): totals\n"
               "side by side, then the sites and findings that grew,\n"
               "shrank, appeared or disappeared, most bytes first.",
    .needs = {},
    .declare = declare_diff,
    .run = run_diff,
};

}  // namespace memattr
