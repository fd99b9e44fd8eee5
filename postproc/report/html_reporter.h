// The HTML report (`memattr-graph html`): one self-contained page to open in a browser, with
// the findings first, the live heap over time as a chart, the sites as a sortable table, a
// flame graph of their stacks, the retained-size tree and every section of the text report.
//
// The page is three files of postproc/report/html/ (page.html, report.css, report.js),
// inlined at build time (postproc/local.mk makes report/html_assets.inc of them), and the
// data: the JSON report (json_reporter.h), with its site table made compact (html_page_data),
// in a <script type="application/json"> element. Nothing is fetched when the page opens, so
// it works from a CI artifact or a mail attachment.
//
// Every string of the data is the profiled program's (symbols, files, phase names) and may
// be hostile: the data is escaped so that it cannot end its script element
// (script_safe_json), and the script only ever puts it into the page as text (textContent,
// never innerHTML). Graphviz's drawings are shown as images (data: URLs), in which no script
// runs.
#pragma once

#include <optional>
#include <string>

#include "report/reporter.h"
#include "report/section.h"

namespace memattr {

// What the page shows besides the report model, made by the command (cli/command_html.cpp):
// the comparison with a baseline run and the drawings of the two graphs.
struct HtmlExtras {
    std::optional<Json> baseline;  // html_baseline_json's object: the baseline's figures by
                                   // site key and the diff of the two runs; absent without
                                   // --baseline
    std::string ownership_svg;     // `dot -Tsvg` of the ownership graph; empty when Graphviz
                                   // is missing (the page then lists the graph's top edges)
    std::string lineage_svg;       // likewise, of the copy lineage graph
    std::string graphviz_missing;  // why the drawings are missing, for the page; empty when
                                   // they are there
};

// Rows of a list the page holds at most; the JSON report has them all, and the page says how
// many it left out.
inline constexpr std::size_t kHtmlMaxRows = 2000;

class HtmlReporter : public Reporter {
public:
    explicit HtmlReporter(HtmlExtras extras) : extras_(std::move(extras)) {}
    void write(const ReportModel& model, std::ostream& out) const override;

private:
    HtmlExtras extras_;
};

// The data the page renders: the JSON report with `sites` replaced by a compact table
// (`site_table`: one array per site, the frames in a shared table, leaked and retained
// bytes by site) and its longest lists cut to kHtmlMaxRows (`truncated` says which, and how
// long they were).
Json html_page_data(const ReportModel& model, const HtmlExtras& extras);

// `data` as JSON text that can sit inside a <script> element: '<', '>' and '&' as \u003c,
// \u003e and \u0026 (no "</script>" or "<!--" can appear), U+2028 and U+2029 escaped too.
std::string script_safe_json(const Json& data);

}  // namespace memattr
