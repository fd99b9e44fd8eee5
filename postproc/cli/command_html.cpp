// `html`: the report as one self-contained HTML page (report/html_reporter.h), with the
// graphs drawn by Graphviz when it is installed and, with --baseline, the comparison with
// another run in every view.

#include <filesystem>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/baseline.h"
#include "cli/command.h"
#include "cli/graphviz.h"
#include "cli/write_report.h"
#include "history/diff.h"
#include "history/diff_report.h"
#include "report/html_reporter.h"
#include "report/json_reporter.h"
#include "report/lineage_reporter.h"
#include "report/ownership_reporter.h"
#include "support/units.h"
#include "trace/trace_reader.h"

namespace memattr {

namespace {

void declare_html(CLI::App& command, CommandOptions& options) {
    add_profile_options(command, options);  // the flame graph wants whole stacks
    command.get_option("--output")->description(
        "Write the page to FILE ('-': to standard output).");
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    add_native_rss_option(command, options);
    options.analysis.site_graph = true;
    add_top_option(command, options, kDefaultGraphSites,
                   "Sites drawn in the ownership graph and edges in the\n"
                   "lineage graph (the page's tables have every row).");
    add_baseline_options(command, options,
                         "Another run to compare with (a trace or a JSON\n"
                         "report): every view shows what grew and shrank.");
    command.footer(
        "Without -o the page is written to TRACE's name with .html added, in the\n"
        "current directory; '-o -' writes it to standard output. It needs no network\n"
        "and no other file: open it in a browser, or keep it as a CI artifact.");
}

// The ownership and lineage graphs as SVG, when Graphviz can draw them.
void draw_graphs(const ReportModel& model, HtmlExtras& extras) {
    std::ostringstream ownership, lineage;
    if (!model.ownership.missing) OwnershipReporter{}.write(model, ownership);
    LineageReporter{}.write(model, lineage);
    std::string why_not;
    if (!model.ownership.missing) extras.ownership_svg = draw_svg(ownership.str(), why_not);
    if (!model.copies.lineage.empty()) extras.lineage_svg = draw_svg(lineage.str(), why_not);
    extras.graphviz_missing = why_not;
}

// The baseline's sites by key and the diff of the two runs, for the page.
Json baseline_json(const RunFigures& base, const ReportModel& model, const std::string& source) {
    const RunFigures now = run_figures_from_report(json_report(model), source);
    std::ostringstream diff;
    write_diff(diff_runs(base, now, SiteMetric::peak, 0), "json", 0, diff);
    Json sites = Json::object();
    for (const SiteFigures& site : base.sites) {
        Json figures = Json::object();
        for (std::size_t metric = 0; metric < kSiteMetrics; ++metric)
            figures[fmt::format("{}_bytes", metric_name(static_cast<SiteMetric>(metric)))] =
                site.bytes[metric];
        sites[site.key] = std::move(figures);
    }
    return {{"source", base.source}, {"sites", std::move(sites)}, {"diff", Json::parse(diff.str())}};
}

// Beside the trace's name in the current directory; a trace read from standard input ("-")
// has none: memattr.html.
std::string default_output(const std::string& trace_path) {
    if (trace_path == "-") return "memattr.html";
    return std::filesystem::path(trace_path).filename().string() + ".html";
}

int run_html(const CommandOptions& options, const AnalysisNeeds& needs) {
    const Baseline baseline = load_baseline(options);
    if (!baseline.missing.empty())
        throw std::runtime_error(fmt::format("no baseline to compare with: {}", baseline.missing));
    const Trace trace = read_trace(options.trace_path);
    const ReportModel model = analyse(trace, options.analysis, needs);
    HtmlExtras extras;
    draw_graphs(model, extras);
    if (baseline.run) extras.baseline = baseline_json(*baseline.run, model, options.trace_path);
    std::ostringstream page;
    HtmlReporter(std::move(extras)).write(model, page);
    const std::string output =
        options.output_path.empty() ? default_output(options.trace_path)
        : options.output_path == "-" ? std::string()
                                     : options.output_path;
    write_output(page.view(), output);
    if (!output.empty())
        std::cerr << fmt::format("memattr-graph: wrote {} ({}); open it in a browser\n", output,
                                 human_bytes(page.view().size()));
    return 0;
}

}  // namespace

extern const Command html_command{
    .name = "html",
    .summary = "Write the report for TRACE as one HTML page to open\n"
               "in a browser: findings, a timeline, sortable sites,\n"
               "a flame graph, the retained-size tree, the graphs.",
    .needs = {.copies = true, .ownership = true, .leaks = true, .phases = true, .memory_map = true},
    .declare = declare_html,
    .run = run_html,
};

}  // namespace memattr
