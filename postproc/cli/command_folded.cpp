// `folded`: folded stacks of TRACE for a flame graph (report/profiles/folded_reporter.h),
// weighed by a metric, or two runs' side by side for a differential one.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.h"
#include "cli/write_report.h"
#include "report/profiles/folded_reporter.h"

namespace memattr {

namespace {

void declare_folded(CLI::App& command, CommandOptions& options) {
    add_profile_options(command, options);
    const std::vector<std::string>& metrics = profile_metric_names();
    command.add_option("--metric", options.metric,
                       "The bytes each stack weighs: live at the peak,\n"
                       "allocated in total, live at exit, leaked\n"
                       "(definitely and indirectly lost at exit), retained\n"
                       "(the snapshot's reachable bytes, each block under\n"
                       "the site of the outermost block keeping it alive,\n"
                       "so that they add up), in temporary blocks, or\n"
                       "copied (by the stack that copied).")
        ->check(CLI::IsMember(metrics))
        ->option_text(fmt::format("{} (default {})", fmt::join(metrics, "|"), options.metric));
    add_run_operand(command, "--diff", options.baseline_path,
                    "Write 'stack BEFORE AFTER' lines, BEFORE from this\n"
                    "trace (difffolded.pl's form, for a differential\n"
                    "flame graph): stacks are matched by their text.");
    command.footer(
        "Example:\n"
        "  memattr-graph folded memattr.out.1234 | flamegraph.pl --countname=bytes > peak.svg\n"
        "Or open the file in https://www.speedscope.app.");
}

int run_folded(const CommandOptions& options, const AnalysisNeeds&) {
    const ProfileMetric metric = profile_metric_named(options.metric);
    const AnalysisNeeds needs = profile_metric_needs(metric);
    if (options.baseline_path.empty()) {
        write_report(options, needs, FoldedReporter{metric});
        return 0;
    }
    const ReportModel base = read_model(options.baseline_path, options.analysis, needs);
    write_report(options, needs, FoldedReporter{metric, &base});
    return 0;
}

}  // namespace

extern const Command folded_command{
    .name = "folded",
    .summary = "Write the folded stacks of TRACE, one line per stack\n"
               "with its bytes, for flamegraph.pl, inferno or\n"
               "speedscope.",
    .needs = {},
    .declare = declare_folded,
    .run = run_folded,
};

}  // namespace memattr
