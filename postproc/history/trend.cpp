#include "history/trend.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "history/markdown.h"
#include "report/layout.h"
#include "report/section.h"
#include "support/units.h"

namespace memattr {

namespace {

// What a missing figure shows as, in text and Markdown.
constexpr std::string_view kMissing = "–";

// The run's value of label `name`; nullopt when it has none.
std::optional<std::string> label_value(const RecordedRun& run, std::string_view name) {
    for (const auto& [label, value] : run.labels)
        if (label == name) return value;
    return std::nullopt;
}

// Splits the labels of `runs` into those every run has with one value, and the names of
// the others.
void sort_labels(Trend& trend) {
    std::vector<std::string> names;
    for (const RecordedRun& run : trend.runs)
        for (const auto& [name, value] : run.labels)
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    for (const std::string& name : names) {
        const std::optional<std::string> first = label_value(trend.runs.front(), name);
        const bool same = std::all_of(trend.runs.begin(), trend.runs.end(),
                                      [&](const RecordedRun& run) {
                                          return label_value(run, name) == first;
                                      });
        if (same)
            trend.common_labels.emplace_back(name, *first);
        else
            trend.varying_labels.push_back(name);
    }
}

std::uint64_t magnitude(std::int64_t change) {
    return change < 0 ? 0 - static_cast<std::uint64_t>(change)
                      : static_cast<std::uint64_t>(change);
}

// The sites whose peak bytes differ between `first` and `last`, appeared and gone included,
// by how much they moved.
std::vector<SiteMove> moved_sites(const RunFigures& first, const RunFigures& last) {
    constexpr auto kPeak = static_cast<std::size_t>(SiteMetric::peak);
    std::map<std::string, SiteMove> by_key;
    for (const SiteFigures& site : first.sites)
        by_key[site.key] = SiteMove{site.key, site.label, site.bytes[kPeak], std::nullopt};
    for (const SiteFigures& site : last.sites) {
        SiteMove& move = by_key[site.key];
        move.key = site.key;
        move.label = site.label;
        move.after = site.bytes[kPeak];
    }
    std::vector<SiteMove> moved;
    for (auto& [key, move] : by_key)
        if (move.change() != 0) moved.push_back(std::move(move));
    std::stable_sort(moved.begin(), moved.end(), [](const SiteMove& a, const SiteMove& b) {
        return magnitude(a.change()) > magnitude(b.change());
    });  // stable: ties stay in key order
    return moved;
}

// How many of the moved sites the text and Markdown show.
std::size_t shown_moves(const Trend& trend) {
    return trend.top == 0 ? trend.moved.size() : std::min(trend.top, trend.moved.size());
}

// "2026-12-02 03:00" for "2026-12-02T03:00:00Z": minutes are enough to tell nights apart.
std::string short_time(const std::string& recorded_at) {
    if (recorded_at.size() < 16) return recorded_at;
    std::string text = recorded_at.substr(0, 16);
    text[10] = ' ';
    return text;
}

// A run's figure with its change from the run before: "1.5 MiB (+20 KiB)", "1.5 MiB (=)"
// when unchanged, "1.5 MiB" for the first run or after a run that lacked it, "–" when this
// run lacks it.
std::string figure_cell(const RecordedRun* previous, const RecordedRun& run, RunFigure figure) {
    const std::optional<std::uint64_t> value = run.total(figure);
    if (!value) return std::string(kMissing);
    const std::optional<std::uint64_t> before =
        previous != nullptr ? previous->total(figure) : std::nullopt;
    if (!before) return short_bytes(*value);
    const std::int64_t change = signed_change(*value, *before);
    return fmt::format("{} ({})", short_bytes(*value),
                       change == 0 ? "=" : signed_size(change, short_bytes));
}

std::string bytes_or_missing(std::optional<std::uint64_t> bytes) {
    return bytes ? short_bytes(*bytes) : std::string(kMissing);
}

// The runs' table, one row per run, as cells: its heading first.
std::vector<std::vector<std::string>> run_table(const Trend& trend) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string>& heading_row = rows.emplace_back();
    heading_row = {"run", "recorded (UTC)"};
    heading_row.insert(heading_row.end(), trend.varying_labels.begin(), trend.varying_labels.end());
    for (RunFigure figure : kTrendFigures) heading_row.emplace_back(figure_heading(figure));
    const RecordedRun* previous = nullptr;
    for (const RecordedRun& run : trend.runs) {
        std::vector<std::string>& row = rows.emplace_back();
        row = {fmt::format("{}", run.id), short_time(run.recorded_at)};
        for (const std::string& name : trend.varying_labels)
            row.push_back(label_value(run, name).value_or(std::string(kMissing)));
        for (RunFigure figure : kTrendFigures) row.push_back(figure_cell(previous, run, figure));
        previous = &run;
    }
    return rows;
}

// Where a moved site stood: "(new)" or "(gone)" when it was in one run only.
std::string_view presence(const SiteMove& move) {
    if (!move.before) return " (new)";
    if (!move.after) return " (gone)";
    return "";
}

// ---------------------------------------------------------------- text

// Columns a UTF-8 string takes on a terminal: one per character ("–" is three bytes).
std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string padded(const std::string& text, std::size_t width) {
    return text + std::string(width - std::min(width, display_width(text)), ' ');
}

// Aligned columns, two spaces apart, the run ids right-aligned.
void write_columns(std::string& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t column = 0; column < row.size(); ++column)
            widths[column] = std::max(widths[column], display_width(row[column]));
    for (const auto& row : rows) {
        std::string line = fmt::format("{:>{}}", row[0], widths[0]);
        for (std::size_t column = 1; column < row.size(); ++column)
            line += "  " + padded(row[column], widths[column]);
        out += trim_right(line) + '\n';
    }
}

std::string heading_line(const Trend& trend) {
    std::string line =
        trend.runs.size() == trend.matching
            ? fmt::format("{} in {}", count_of(trend.runs.size(), "run"), trend.database)
            : fmt::format("The last {} of {} runs in {}", trend.runs.size(), trend.matching,
                          trend.database);
    if (!trend.filters.empty()) line += fmt::format(" with {}", describe_labels(trend.filters));
    return line + ", oldest first";
}

void write_moves_text(std::string& out, const Trend& trend) {
    const RecordedRun& first = trend.runs.front();
    const RecordedRun& last = trend.runs.back();
    if (trend.runs.size() < 2) {
        out += "\nSites that moved most: one run only, nothing to compare.\n";
        return;
    }
    if (trend.moved.empty()) {
        out += fmt::format("\nSites that moved most: no site's peak bytes changed from run {} "
                           "to run {}.\n",
                           first.id, last.id);
        return;
    }
    out += fmt::format("\nSites that moved most (peak bytes, run {} to run {}):\n", first.id,
                       last.id);
    std::vector<std::vector<std::string>> rows;
    const std::size_t shown = shown_moves(trend);
    for (std::size_t i = 0; i < shown; ++i) {
        const SiteMove& move = trend.moved[i];
        rows.push_back({signed_size(move.change(), short_bytes),
                        fmt::format("{} -> {}", bytes_or_missing(move.before),
                                    bytes_or_missing(move.after)),
                        move.label + std::string(presence(move))});
    }
    std::string table;
    write_columns(table, rows);
    // Indented two spaces under the heading.
    for (std::size_t start = 0; start < table.size();) {
        const std::size_t end = table.find('\n', start);
        out += "  " + table.substr(start, end + 1 - start);
        start = end + 1;
    }
    if (shown < trend.moved.size())
        out += fmt::format("  ({} moved; --top 0 lists them all)\n",
                           count_of(trend.moved.size() - shown, "more site", "more sites"));
}

std::string trend_text(const Trend& trend) {
    std::string out = heading_line(trend) + '\n';
    if (!trend.common_labels.empty())
        out += fmt::format("Labels of every run: {}\n", describe_labels(trend.common_labels));
    out += '\n';
    write_columns(out, run_table(trend));
    write_moves_text(out, trend);
    return out;
}

// ---------------------------------------------------------------- Markdown

void write_markdown_row(std::string& out, const std::vector<std::string>& cells) {
    out += '|';
    for (const std::string& cell : cells) out += ' ' + cell + " |";
    out += '\n';
}

std::string trend_markdown(const Trend& trend) {
    std::string out = fmt::format("### memattr: {}\n\n", markdown_cell(heading_line(trend)));
    if (!trend.common_labels.empty())
        out += fmt::format("Labels of every run: {}\n\n",
                           markdown_cell(describe_labels(trend.common_labels)));
    const std::vector<std::vector<std::string>> rows = run_table(trend);
    std::vector<std::string> alignment(rows.front().size(), "---");
    alignment[0] = "---:";
    for (std::size_t column = rows.front().size() - std::size(kTrendFigures);
         column < alignment.size(); ++column)
        alignment[column] = "---:";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::vector<std::string> cells;
        for (const std::string& cell : rows[i]) cells.push_back(markdown_cell(cell));
        write_markdown_row(out, cells);
        if (i == 0) write_markdown_row(out, alignment);
    }
    if (trend.runs.size() < 2 || trend.moved.empty()) {
        write_moves_text(out, trend);  // a sentence: no site to list
        return out;
    }
    out += fmt::format("\n#### Sites that moved most (peak bytes, run {} to run {})\n\n",
                       trend.runs.front().id, trend.runs.back().id);
    write_markdown_row(out, {"change", "before", "after", "site"});
    write_markdown_row(out, {"---:", "---:", "---:", "---"});
    const std::size_t shown = shown_moves(trend);
    for (std::size_t i = 0; i < shown; ++i) {
        const SiteMove& move = trend.moved[i];
        write_markdown_row(out, {signed_size(move.change(), short_bytes),
                                 bytes_or_missing(move.before), bytes_or_missing(move.after),
                                 markdown_code_cell(move.label) + std::string(presence(move))});
    }
    if (shown < trend.moved.size())
        out += fmt::format("\n{} moved.\n",
                           count_of(trend.moved.size() - shown, "more site", "more sites"));
    return out;
}

// ---------------------------------------------------------------- JSON

Json labels_json(const Labels& labels) {
    Json object = Json::object();
    for (const auto& [name, value] : labels) object[name] = value;
    return object;
}

Json bytes_json(std::optional<std::uint64_t> bytes) {
    return bytes ? Json(*bytes) : Json(nullptr);
}

Json run_json(const RecordedRun* previous, const RecordedRun& run) {
    Json totals = Json::object();
    Json changes = Json::object();
    for (std::size_t i = 0; i < kRunFigures; ++i) {
        const auto figure = static_cast<RunFigure>(i);
        const std::string name(figure_name(figure));
        totals[name] = bytes_json(run.total(figure));
        const std::optional<std::uint64_t> before =
            previous != nullptr ? previous->total(figure) : std::nullopt;
        changes[name] = before && run.total(figure)
                            ? Json(signed_change(*run.total(figure), *before))
                            : Json(nullptr);
    }
    return Json{{"id", run.id},
                {"recorded_at", run.recorded_at},
                {"labels", labels_json(run.labels)},
                {"totals", totals},
                {"changes", changes}};
}

std::string trend_json(const Trend& trend) {
    Json runs = Json::array();
    const RecordedRun* previous = nullptr;
    for (const RecordedRun& run : trend.runs) {
        runs.push_back(run_json(previous, run));
        previous = &run;
    }
    Json moved = nullptr;
    if (trend.runs.size() >= 2) {
        Json sites = Json::array();
        for (const SiteMove& move : trend.moved)
            sites.push_back(Json{{"key", move.key},
                                 {"label", move.label},
                                 {"before", bytes_json(move.before)},
                                 {"after", bytes_json(move.after)},
                                 {"change", move.change()}});
        moved = Json{{"from_run", trend.runs.front().id},
                     {"to_run", trend.runs.back().id},
                     {"sites", sites}};
    }
    const Json document{{"schema", "memattr-trend"},
                        {"schema_version", 1},
                        {"database", trend.database},
                        {"filters", labels_json(trend.filters)},
                        {"matching_runs", trend.matching},
                        {"runs", runs},
                        {"sites_moved", moved}};
    return document.dump(2, ' ', false, Json::error_handler_t::replace) + '\n';
}

}  // namespace

std::string_view figure_heading(RunFigure figure) {
    std::string_view name = figure_name(figure);
    constexpr std::string_view kSuffix = "_bytes";
    if (name.ends_with(kSuffix)) name.remove_suffix(kSuffix.size());
    return name;
}

std::int64_t SiteMove::change() const {
    return signed_change(after.value_or(0), before.value_or(0));
}

Trend make_trend(std::string database, Labels filters, std::size_t matching,
                 std::vector<RecordedRun> runs, const RunFigures& first, const RunFigures& last,
                 std::size_t top) {
    if (runs.empty()) throw std::invalid_argument("a trend needs at least one run");
    Trend trend;
    trend.database = std::move(database);
    trend.filters = std::move(filters);
    trend.matching = matching;
    trend.runs = std::move(runs);
    trend.top = top;
    sort_labels(trend);
    if (trend.runs.size() >= 2) trend.moved = moved_sites(first, last);
    return trend;
}

const std::vector<std::string>& trend_formats() {
    static const std::vector<std::string> formats = {"text", "json", "markdown"};
    return formats;
}

std::string write_trend(const Trend& trend, std::string_view format) {
    if (format == "text") return trend_text(trend);
    if (format == "json") return trend_json(trend);
    if (format == "markdown") return trend_markdown(trend);
    throw std::invalid_argument(fmt::format("unknown trend format '{}'", format));
}

}  // namespace memattr
