#include "history/diff_report.h"

#include <ostream>

#include <fmt/format.h>

#include "history/markdown.h"
#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

// Figures counted in blocks print as counts, the others as sizes.
bool is_count(RunFigure figure) {
    return figure == RunFigure::peak_blocks || figure == RunFigure::total_blocks ||
           figure == RunFigure::exit_blocks;
}

std::string figure_text(RunFigure figure, const std::optional<std::uint64_t>& value) {
    if (!value) return "–";
    return is_count(figure) ? group_digits(*value) : human_bytes(*value);
}

// The change of a total, signed, with its percentage when the base is not 0.
std::string total_change_text(const TotalChange& total) {
    if (!total.base || !total.now) return "–";
    const std::int64_t change = signed_change(*total.now, *total.base);
    if (change == 0) return "=";
    std::string text = is_count(total.figure)
                           ? fmt::format("{}{}", change > 0 ? "+" : "-",
                                         group_digits(absolute_difference(*total.now, *total.base)))
                           : signed_bytes(change);
    if (*total.base != 0)
        text += fmt::format(", {:+.1f}%", 100.0 * static_cast<double>(change) /
                                              static_cast<double>(*total.base));
    return text;
}

std::size_t shown(std::size_t top, std::size_t rows) {
    return top == 0 ? rows : std::min(top, rows);
}

// ---------------------------------------------------------------- text

void write_text_totals(const RunDiff& diff, std::ostream& out) {
    write_title(out, "Totals");
    out << fmt::format("  {:<28} {:>14} {:>14}  {}\n", "", "base", "new", "change");
    for (const TotalChange& total : diff.totals)
        out << fmt::format("  {:<28} {:>14} {:>14}  {}\n", figure_name(total.figure),
                           figure_text(total.figure, total.base),
                           figure_text(total.figure, total.now), total_change_text(total));
}

void write_text_rows(const std::vector<RowChange>& rows, std::size_t below_floor,
                     const RunDiff& diff, std::size_t top, std::string_view title,
                     std::ostream& out) {
    write_title(out, title);
    if (rows.empty()) out << "  None changed.\n";
    const std::size_t count = shown(top, rows.size());
    for (std::size_t rank = 0; rank < count; ++rank) {
        const RowChange& row = rows[rank];
        const std::string what = row.kind == "site" ? std::string(change_kind_name(row.change))
                                                    : fmt::format("{} {}", change_kind_name(row.change), row.kind);
        write_entry(out, rank,
                    {fmt::format("{}, {}: {}", signed_bytes(row.delta()), what, row.label),
                     fmt::format("{} -> {}; key {}", human_bytes(row.base), human_bytes(row.now),
                                 row.key)});
    }
    if (count < rows.size())
        out << fmt::format("  ... {} more (--top 0 lists them all)\n", rows.size() - count);
    if (below_floor > 0)
        out << fmt::format("  {} changed by less than --min-delta {}, not listed\n",
                           count_of(below_floor, "more row", "more rows"),
                           bytes_with_exact(diff.min_delta));
}

// The answer first: how the peak moved, and how much else did.
void write_text_headline(const RunDiff& diff, std::ostream& out) {
    out << fmt::format("memattr-graph diff: {} against {}\n", diff.new_source, diff.base_source);
    const TotalChange& peak = diff.totals[static_cast<std::size_t>(RunFigure::peak_bytes)];
    out << fmt::format("Peak live heap: {} -> {}, {}\n", figure_text(peak.figure, peak.base),
                       figure_text(peak.figure, peak.now), total_change_text(peak));
    out << fmt::format("{} and {} changed (sites by {} bytes)\n",
                       count_of(diff.sites.size(), "site"),
                       count_of(diff.findings.size(), "finding"), metric_name(diff.metric));
}

void write_text(const RunDiff& diff, std::size_t top, std::ostream& out) {
    write_text_headline(diff, out);
    write_text_totals(diff, out);
    write_text_rows(diff.sites, diff.sites_below_floor, diff, top,
                    fmt::format("Sites by change of {} bytes", metric_name(diff.metric)), out);
    write_text_rows(diff.findings, diff.findings_below_floor, diff, top,
                    "Findings by change of bytes", out);
}

// ---------------------------------------------------------------- JSON

Json optional_json(const std::optional<std::uint64_t>& value) {
    return value ? Json(*value) : Json(nullptr);
}

Json rows_json(const std::vector<RowChange>& rows) {
    Json array = Json::array();
    for (const RowChange& row : rows)
        array.push_back({{"kind", row.kind},
                         {"key", row.key},
                         {"label", row.label},
                         {"change", change_kind_name(row.change)},
                         {"base", row.base},
                         {"new", row.now},
                         {"delta", row.delta()}});
    return array;
}

void write_json(const RunDiff& diff, std::ostream& out) {
    Json totals = Json::object();
    for (const TotalChange& total : diff.totals)
        totals[std::string(figure_name(total.figure))] = {{"base", optional_json(total.base)},
                                                          {"new", optional_json(total.now)}};
    const Json report = {
        {"schema", "memattr-diff"},
        {"schema_version", 1},
        {"base", diff.base_source},
        {"new", diff.new_source},
        {"metric", metric_name(diff.metric)},
        {"min_delta", diff.min_delta},
        {"totals", std::move(totals)},
        {"sites", rows_json(diff.sites)},
        {"sites_below_min_delta", diff.sites_below_floor},
        {"findings", rows_json(diff.findings)},
        {"findings_below_min_delta", diff.findings_below_floor},
    };
    out << report.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

// ---------------------------------------------------------------- Markdown

void write_markdown_rows(const std::vector<RowChange>& rows, std::size_t top,
                         std::string_view title, std::ostream& out) {
    out << fmt::format("\n### {}\n\n", title);
    if (rows.empty()) {
        out << "None changed.\n";
        return;
    }
    out << "| change | | kind | where | base | new |\n|---:|---|---|---|---:|---:|\n";
    const std::size_t count = shown(top, rows.size());
    for (std::size_t rank = 0; rank < count; ++rank) {
        const RowChange& row = rows[rank];
        out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", signed_bytes(row.delta()),
                           change_kind_name(row.change), row.kind, markdown_code_cell(row.label),
                           human_bytes(row.base), human_bytes(row.now));
    }
    if (count < rows.size()) out << fmt::format("\n{} more not shown.\n", rows.size() - count);
}

void write_markdown(const RunDiff& diff, std::size_t top, std::ostream& out) {
    out << fmt::format("## memattr: {} against {}\n\n", markdown_code_cell(diff.new_source),
                       markdown_code_cell(diff.base_source));
    out << "| figure | base | new | change |\n|---|---:|---:|---:|\n";
    for (const TotalChange& total : diff.totals)
        out << fmt::format("| {} | {} | {} | {} |\n", figure_name(total.figure),
                           figure_text(total.figure, total.base),
                           figure_text(total.figure, total.now), total_change_text(total));
    write_markdown_rows(diff.sites, top,
                        fmt::format("Sites by change of {} bytes", metric_name(diff.metric)), out);
    write_markdown_rows(diff.findings, top, "Findings by change of bytes", out);
}

}  // namespace

const std::vector<std::string>& diff_formats() {
    static const std::vector<std::string> formats = {"text", "json", "markdown"};
    return formats;
}

void write_diff(const RunDiff& diff, const std::string& format, std::size_t top,
                std::ostream& out) {
    if (format == "json")
        write_json(diff, out);
    else if (format == "markdown")
        write_markdown(diff, top, out);
    else
        write_text(diff, top, out);
}

}  // namespace memattr
