#include "report/text_reporter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trace/trace_escape.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr std::size_t kLabelWidth = 16;  // the label column of key/value rows
constexpr std::size_t kChartColumns = 60;
constexpr std::size_t kChartRows = 10;

// ---------------------------------------------------------------- small pieces

std::string blocks(std::uint64_t count) { return count_of(count, "block"); }

std::string time_of(const ReportModel& model, std::uint64_t time) {
    return human_time(time, escape_value(model.header.run.time_unit));
}

// A mean as a whole count. Means of 64-bit figures can round to 2^64, which does not
// convert back to an integer; those saturate.
std::uint64_t rounded(double value) {
    constexpr double kTwoToThe64 = 18446744073709551616.0;
    if (value + 0.5 >= kTwoToThe64) return UINT64_MAX;
    return static_cast<std::uint64_t>(value + 0.5);
}

void write_title(std::ostream& out, std::string_view title) {
    out << '\n' << title << '\n' << std::string(title.size(), '=') << '\n';
}

// A key/value row; an empty label continues the previous row.
void write_row(std::ostream& out, std::string_view label, std::string_view text) {
    out << fmt::format("{:<{}}{}\n", label, kLabelWidth, text);
}

// ---------------------------------------------------------------- header and summary

std::string describe_end(const ReportModel& model) {
    const ExitState& exit = model.summary.exit;
    const std::string when = time_of(model, exit.time);
    if (exit.reason == "exit") return fmt::format("exit status {} after {}", exit.code, when);
    if (exit.reason == "signal") return fmt::format("killed by a fatal signal after {}", when);
    if (exit.reason == "exec")
        return fmt::format("execve after {}: the new program is not in this trace", when);
    return fmt::format("{} (code {}) after {}", escape_value(exit.reason), exit.code, when);
}

void write_header(const ReportModel& model, std::ostream& out) {
    const TraceHeader& header = model.header;
    out << "memattr-graph report for " << escape_value(model.source) << '\n';
    write_row(out, "Command", describe_command(header.command));
    write_row(out, "Process", fmt::format("pid {}, parent pid {}", header.process.pid,
                                          header.process.ppid));
    write_row(out, "Trace", fmt::format("complete, {} records, written by {} {}",
                                        group_digits(model.record_count),
                                        escape_value(header.tool.name),
                                        escape_value(header.tool.version)));
    write_row(out, "Ended", describe_end(model));
    if (header.process.fork_of != 0)
        write_row(out, "Note",
                  fmt::format("fork child of pid {}: the figures include the heap history "
                              "inherited from it up to the fork",
                              header.process.fork_of));
}

void write_summary(const ReportModel& model, std::ostream& out) {
    const Summary& summary = model.summary;
    write_title(out, "Summary");
    write_row(out, "Peak live heap", fmt::format("{} in {}", bytes_with_exact(summary.peak.bytes),
                                                 blocks(summary.peak.blocks)));
    write_row(out, "", fmt::format("at {}, after {} had been allocated",
                                   time_of(model, summary.peak.time),
                                   bytes_with_exact(summary.peak.allocated)));
    write_row(out, "Allocated", fmt::format("{} in {}, {} {}",
                                            bytes_with_exact(summary.totals.bytes),
                                            blocks(summary.totals.blocks),
                                            group_digits(summary.totals.frees),
                                            summary.totals.frees == 1 ? "free" : "frees"));
    if (summary.totals.bad_frees != 0)
        write_row(out, "Bad frees",
                  fmt::format("{} free/realloc {} on pointers that were not live heap blocks "
                              "(double or wild frees), ignored",
                              group_digits(summary.totals.bad_frees),
                              summary.totals.bad_frees == 1 ? "call" : "calls"));
    write_row(out, "Live at exit", fmt::format("{} in {}", bytes_with_exact(summary.exit.bytes),
                                               blocks(summary.exit.blocks)));
    write_row(out, "Temporary", fmt::format("{} ({} of all blocks), {}",
                                            blocks(summary.temporary_blocks),
                                            format_percent(summary.temporary_percent),
                                            bytes_with_exact(summary.temporary_bytes)));
    if (const std::string* definition = model.header.definition("temporary"))
        write_row(out, "", fmt::format("temporary: {}", escape_value(*definition)));
    write_row(out, "Executed", fmt::format("{} ({} {})", time_of(model, summary.exit.time),
                                           group_digits(summary.exit.time),
                                           escape_value(model.header.run.time_unit)));
}

// ---------------------------------------------------------------- timeline chart

std::size_t chart_column(std::uint64_t time, std::uint64_t end_time) {
    const long double fraction =
        static_cast<long double>(time) / (static_cast<long double>(end_time) + 1);
    return std::min(static_cast<std::size_t>(fraction * kChartColumns), kChartColumns - 1);
}

// The live heap to draw in each chart column: the highest sample in the column or, for a
// column without samples, the level of the last sample before it (the trace says nothing
// about the heap between samples, and the last one is the best estimate).
std::vector<std::uint64_t> column_levels(const std::vector<TimelinePoint>& timeline,
                                         std::uint64_t end_time) {
    struct Column {
        bool sampled = false;
        std::uint64_t highest = 0;
        std::uint64_t last = 0;
    };
    std::vector<Column> columns(kChartColumns);
    for (const TimelinePoint& point : timeline) {
        Column& column = columns[chart_column(point.time, end_time)];
        column.highest = column.sampled ? std::max(column.highest, point.bytes) : point.bytes;
        column.last = point.bytes;
        column.sampled = true;
    }
    std::vector<std::uint64_t> levels;
    std::uint64_t carried = 0;
    for (const Column& column : columns) {
        levels.push_back(column.sampled ? column.highest : carried);
        if (column.sampled) carried = column.last;
    }
    return levels;
}

// Rows of the chart a level fills, rounded up so that any live heap shows.
std::size_t bar_height(std::uint64_t level, std::uint64_t scale) {
    const long double rows = static_cast<long double>(level) / static_cast<long double>(scale) *
                             static_cast<long double>(kChartRows);
    return std::min(static_cast<std::size_t>(std::ceil(rows)), kChartRows);
}

// Removes the trailing spaces a chart row gets from empty columns.
std::string trim_right(std::string line) {
    line.erase(line.find_last_not_of(' ') + 1);
    return line;
}

void write_timeline(const ReportModel& model, std::ostream& out) {
    write_title(out, "Live heap over time");
    const std::vector<TimelinePoint>& timeline = model.timeline;
    const Peak& peak = model.summary.peak;
    if (timeline.empty()) {
        out << "No timeline samples: the program made no heap allocations.\n";
        return;
    }
    const std::uint64_t end_time = std::max(model.summary.exit.time, timeline.back().time);
    const std::vector<std::uint64_t> levels = column_levels(timeline, end_time);
    const std::uint64_t scale = std::max(*std::max_element(levels.begin(), levels.end()), peak.bytes);
    if (scale == 0) {
        out << "The live heap stayed at 0 bytes.\n";
        return;
    }
    const std::uint64_t peak_time =
        model.timeline_peak ? timeline[*model.timeline_peak].time : peak.time;
    const std::size_t peak_column = chart_column(peak_time, end_time);

    const std::string top_label = human_bytes(scale);
    const std::size_t label_width = std::max<std::size_t>(top_label.size(), 3);
    for (std::size_t row = 0; row < kChartRows; ++row) {
        const std::size_t rows_above = kChartRows - row;  // this row is filled by bars this high
        std::string line = fmt::format("{:>{}} |", row == 0 ? top_label : "", label_width);
        for (std::size_t column = 0; column < kChartColumns; ++column) {
            const std::size_t height = bar_height(levels[column], scale);
            const bool filled = height >= rows_above;
            const bool is_peak_top = column == peak_column && height == rows_above;
            line += !filled ? ' ' : is_peak_top ? '*' : '#';
        }
        out << trim_right(line) << '\n';
    }
    out << fmt::format("{:>{}} +{}\n", "0 B", label_width, std::string(kChartColumns, '-'));
    const std::string end_label = time_of(model, end_time);
    out << fmt::format("{:>{}}  0{:>{}}\n", "", label_width, end_label, kChartColumns - 1);
    out << fmt::format("{:>{}}  * = the peak, {} at {} ({} timeline samples)\n", "", label_width,
                       human_bytes(peak.bytes), time_of(model, peak.time),
                       group_digits(timeline.size()));
}

// ---------------------------------------------------------------- site rankings

void write_stack(const SiteRow& row, std::ostream& out) {
    for (std::size_t i = 0; i < row.stack.size(); ++i)
        out << "        " << (i == 0 ? "at " : "by ") << describe_frame(row.stack[i]) << '\n';
    if (row.omitted_frames > 0)
        out << fmt::format("        ... {} more caller{} (--frames shows more)\n",
                           row.omitted_frames, row.omitted_frames == 1 ? "" : "s");
}

// Says that --top left rows out, when it did.
void write_top_note(std::ostream& out, std::size_t shown, std::size_t candidates,
                    std::string_view rows) {
    if (shown < candidates)
        out << fmt::format("The top {} of {} {} (--top shows more).\n", group_digits(shown),
                           group_digits(candidates), rows);
}

// A numbered entry: the first line after its rank, the others indented under it.
void write_entry(std::ostream& out, std::size_t rank, const std::vector<std::string>& lines) {
    out << fmt::format("{:>3}. {}\n", rank + 1, lines.front());
    for (std::size_t i = 1; i < lines.size(); ++i) out << "     " << lines[i] << '\n';
}

// For a custom or pool site, what it is and the arena its blocks lie in: " (custom blocks in
// arena at arena.c:42)". Empty for malloc sites, which the rankings are mostly made of.
std::string site_kind_note(const ReportModel& model, std::size_t row) {
    const SiteKind kind = model.sites[row].figures.kind;
    if (kind == SiteKind::malloc) return {};
    const std::string_view what = kind == SiteKind::pool ? "pool chunks" : "custom blocks";
    const ArenaLink* arena = arena_of_site(model.memory_map, row);
    if (arena == nullptr) return fmt::format(" ({})", what);
    return fmt::format(" ({} in {})", what, model.memory_map.groups[arena->group].name);
}

// What a ranking says about one site: its headline lines, before the location and stack.
using SiteDescription = std::function<std::vector<std::string>(const SiteRow&)>;

// `explanation`, when given, says in one line what the section means.
void write_ranking(const ReportModel& model, std::ostream& out, std::string_view title,
                   const Ranking& ranking, std::string_view when_empty,
                   const SiteDescription& describe, std::string_view explanation = {}) {
    write_title(out, title);
    if (ranking.rows.empty()) {
        out << when_empty << '\n';
        return;
    }
    if (!explanation.empty()) out << explanation << '\n';
    write_top_note(out, ranking.rows.size(), ranking.candidates, "sites");
    for (std::size_t rank = 0; rank < ranking.rows.size(); ++rank) {
        const SiteRow& row = model.sites[ranking.rows[rank]];
        write_entry(out, rank, describe(row));
        out << fmt::format("     site {}: {}{}\n", row.figures.id, describe_location(row.location),
                           site_kind_note(model, ranking.rows[rank]));
        write_stack(row, out);
    }
}

std::string describe_lifetimes(const ReportModel& model, const Site& site, double mean) {
    return fmt::format("lifetime mean {}, min {}, max {}",
                       time_of(model, rounded(mean)),
                       time_of(model, site.lifetime_min), time_of(model, site.lifetime_max));
}

void write_top_at_peak(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Top sites at peak", model.rankings.at_peak,
                  "Nothing was live at the peak: the program made no heap allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of the peak",
                                          bytes_with_exact(site.peak_bytes),
                                          blocks(site.peak_blocks),
                                          format_percent(row.peak_percent))};
                  });
}

void write_top_by_total(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Top sites by total allocated (churn)", model.rankings.by_total,
                  "The program made no heap allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of all bytes allocated",
                                          bytes_with_exact(site.total_bytes),
                                          blocks(site.total_blocks),
                                          format_percent(row.total_percent)),
                              fmt::format("average {} per block, {} temporary, {} by realloc",
                                          human_bytes(rounded(row.average_size)),
                                          group_digits(site.temporary_blocks),
                                          group_digits(site.realloc_blocks)),
                              describe_lifetimes(model, site, row.mean_lifetime)};
                  });
}

void write_temporaries(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Temporary allocations", model.rankings.by_temporary,
                  "No temporary allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} of {} temporary ({}), {}",
                                          group_digits(site.temporary_blocks),
                                          blocks(site.total_blocks),
                                          format_percent(row.temporary_percent),
                                          bytes_with_exact(site.temporary_bytes))};
                  });
}

void write_live_at_exit(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Live at exit", model.rankings.at_exit,
                  "Nothing is live at exit: every heap block was freed.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of what is live at exit",
                                          bytes_with_exact(site.exit_bytes),
                                          blocks(site.exit_blocks),
                                          format_percent(row.exit_percent))};
                  });
}

// ---------------------------------------------------------------- copies and access

// One line instead of the copy and access sections, saying why they are missing.
void write_access_off(const ReportModel& model, std::ostream& out) {
    write_title(out, "Copies and access");
    if (model.header.version < 2)
        out << "Copy and access analysis is off: the trace is version 1, written by a memattr "
               "that did not track accesses.\n";
    else
        out << "Copy and access analysis is off: the trace was recorded with "
               "--track-access=no.\n";
}

// How many of `count` rows the text shows with --top.
std::size_t shown_rows(const ReportModel& model, std::size_t count) {
    return model.options.top == 0 ? count : std::min(count, model.options.top);
}

std::string describe_site(const ReportModel& model, std::size_t row) {
    const SiteRow& site = model.sites[row];
    return fmt::format("site {}: {}", site.figures.id, describe_frame(site.location));
}

std::string describe_byte_time(const ReportModel& model, std::uint64_t byte_time) {
    return human_byte_time(byte_time, escape_value(model.header.run.time_unit));
}

std::vector<std::string> describe_movable_clone(const ReportModel& model,
                                                const MovableCloneRow& row) {
    const CopyFigures& figures = row.figures;
    std::vector<std::string> destinations;
    for (const std::size_t site : row.destination_sites)
        destinations.push_back(describe_site(model, site));
    return {fmt::format("{}, {} at the peak, {} copied", count_of(figures.pairs, "clone"),
                        bytes_with_exact(figures.peak_source_bytes),
                        bytes_with_exact(figures.bytes)),
            fmt::format("originals kept beside their clones: {} (bytes x time)",
                        describe_byte_time(model, figures.overlap)),
            fmt::format("copied at {}", describe_frame(row.location)),
            fmt::format("originals from {}", describe_site(model, row.source_site)),
            fmt::format("clones in {}", fmt::join(destinations, "; "))};
}

// The clones and partial copies the section does not flag, e.g. "40 clones whose originals
// were used afterwards, 1 partial copy"; empty when there are none.
std::vector<std::string> describe_not_flagged(const ReportModel& model) {
    const CopyTotals& totals = model.copies.totals;
    std::vector<std::string> parts;
    if (totals.clones.pairs != 0)
        parts.push_back(fmt::format("{} used afterwards, {} copied",
                                    count_of(totals.clones.pairs, "clone whose original was",
                                             "clones whose originals were"),
                                    bytes_with_exact(totals.clones.bytes)));
    if (totals.partial.pairs != 0)
        parts.push_back(fmt::format("{} (under {}% of the destination), {} copied",
                                    count_of(totals.partial.pairs, "partial copy",
                                             "partial copies"),
                                    model.options.clone_threshold,
                                    bytes_with_exact(totals.partial.bytes)));
    return parts;
}

void write_movable_clones(const ReportModel& model, std::ostream& out) {
    write_title(out, "Copies that could be moves");
    const std::vector<MovableCloneRow>& rows = model.copies.movable_clones;
    const std::vector<std::string> not_flagged = describe_not_flagged(model);
    if (rows.empty()) {
        if (not_flagged.empty())
            out << "None found: no heap block was cloned.\n";
        else
            out << fmt::format("None found; not flagged: {}.\n", fmt::join(not_flagged, "; "));
        return;
    }
    out << fmt::format("Clones (copies of {}%+ of a block) whose original was never used "
                       "afterwards, yet stayed allocated.\n",
                       model.options.clone_threshold);
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "rows");
    for (std::size_t rank = 0; rank < shown; ++rank)
        write_entry(out, rank, describe_movable_clone(model, rows[rank]));
    const CopyFigures& total = model.copies.totals.movable_clones;
    write_row(out, "In all", fmt::format("{}, {} at the peak", count_of(total.pairs, "clone"),
                                         bytes_with_exact(total.peak_source_bytes)));
    write_row(out, "", fmt::format("{} copied, {} (bytes x time)", bytes_with_exact(total.bytes),
                                   describe_byte_time(model, total.overlap)));
    for (std::size_t i = 0; i < not_flagged.size(); ++i)
        write_row(out, i == 0 ? "Not flagged" : "", not_flagged[i]);
}

void write_relocations(const ReportModel& model, std::ostream& out) {
    write_title(out, "Relocation churn");
    const std::vector<RelocationRow>& rows = model.copies.relocations;
    if (rows.empty()) {
        out << "None found: no heap block was copied and then freed at once.\n";
        return;
    }
    out << "Blocks copied into a new block and freed at once (vector growth, realloc): copying "
           "time, not memory.\n";
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "rows");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const RelocationRow& row = rows[rank];
        write_entry(out, rank,
                    {fmt::format("{} by {}, {} copied", count_of(row.figures.pairs, "relocation"),
                                 row.kind == CopyKind::realloc ? "realloc" : "copy",
                                 bytes_with_exact(row.figures.bytes)),
                     fmt::format("at {}", describe_frame(row.location))});
    }
    const CopyFigures& total = model.copies.totals.relocations;
    write_row(out, "In all", fmt::format("{}, {} copied", count_of(total.pairs, "relocation"),
                                         bytes_with_exact(total.bytes)));
}

void write_never_read(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Never read", model.rankings.never_read,
                  "None found: every heap block was read.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {} never read, {} of the bytes allocated here",
                                          bytes_with_exact(site.never_read_bytes),
                                          blocks(site.never_read_blocks),
                                          format_percent(row.never_read_percent)),
                              fmt::format("written but never read: {} in {}; never accessed: "
                                          "{} in {}",
                                          bytes_with_exact(row.written_unread_bytes),
                                          blocks(row.written_unread_blocks),
                                          bytes_with_exact(site.never_accessed_bytes),
                                          blocks(site.never_accessed_blocks))};
                  },
                  "Blocks never read from allocation to free or exit: written for nothing, or "
                  "not touched at all.");
}

void write_copies_and_access(const ReportModel& model, std::ostream& out) {
    if (!model.header.run.access) {
        write_access_off(model, out);
        return;
    }
    write_movable_clones(model, out);
    write_relocations(model, out);
    write_never_read(model, out);
}


// ---------------------------------------------------------------- phases

// Phases with at most this many instances list them one line each.
constexpr std::size_t kMaxIterationLines = 10;

// A change of live bytes in `size`'s words with a sign: "+352 bytes", "-1.00 KiB (1,024
// bytes)", "0 bytes" with bytes_with_exact.
std::string signed_size(std::int64_t change, std::string (*size)(std::uint64_t)) {
    if (change == 0) return size(0);
    // Negated as unsigned, so that the lowest int64 has a magnitude too.
    const auto magnitude = change > 0 ? static_cast<std::uint64_t>(change)
                                      : 0 - static_cast<std::uint64_t>(change);
    return (change > 0 ? "+" : "-") + size(magnitude);
}

std::string signed_bytes(std::int64_t change) { return signed_size(change, bytes_with_exact); }

std::string iteration_range(std::uint64_t first, std::uint64_t last) {
    return first == last ? fmt::format("iteration {}", first)
                         : fmt::format("iterations {}-{}", first, last);
}

std::string describe_slope(const GrowthFit& fit) {
    if (fit.exact)
        return fmt::format("{} per iteration (exact)",
                           signed_bytes(static_cast<std::int64_t>(fit.slope)));
    return fmt::format("about {}{} per iteration", fit.slope < 0 ? "-" : "+",
                       human_bytes(rounded(std::abs(fit.slope))));
}

std::string describe_growth(const GrowthFit& fit) {
    switch (fit.kind) {
    case GrowthClass::leak:
        return fmt::format("leak: {}, fitted on {}", describe_slope(fit),
                           iteration_range(fit.first_iteration, fit.last_iteration));
    case GrowthClass::bounded:
        return fmt::format("bounded: {}, reached at iteration {}", bytes_with_exact(
                               static_cast<std::uint64_t>(fit.bound)), fit.stopped_at);
    case GrowthClass::steady:
        if (fit.net_growth == 0)
            return fmt::format("steady: no net growth over {}",
                               iteration_range(fit.first_iteration, fit.last_iteration));
        return fmt::format("steady: no growth after the first iteration; net {} over {}",
                           signed_bytes(fit.net_growth),
                           iteration_range(fit.first_iteration, fit.last_iteration));
    case GrowthClass::irregular:
        return fmt::format("irregular: {} over {}, neither linear nor bounded ({})",
                           signed_bytes(fit.net_growth),
                           iteration_range(fit.first_iteration, fit.last_iteration),
                           describe_slope(fit));
    }
    return "";
}

std::string describe_delimiter(PhaseDelimiter by) {
    return by == PhaseDelimiter::request ? "MEMATTR_PHASE_BEGIN/END" : "--phase-fn";
}

void write_growth(const ReportModel& model, const PhaseNameSummary& name, std::ostream& out) {
    const std::vector<std::uint64_t>& iterations = name.growth_iterations;
    if (name.growth.empty()) {
        if (iterations.size() < kMinGrowthIterations && name.instances.size() > 1)
            out << fmt::format("  No growth per iteration: it needs {} ended iterations.\n",
                               kMinGrowthIterations);
        return;
    }
    out << fmt::format("  Growth per iteration by site, over {} ({} iterations):\n",
                       iteration_range(iterations.front(), iterations.back()),
                       group_digits(iterations.size()));
    const std::size_t shown = shown_rows(model, name.growth.size());
    write_top_note(out, shown, name.growth.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const SiteGrowth& growth = name.growth[rank];
        write_entry(out, rank, {describe_growth(growth.fit), describe_site(model, growth.site)});
    }
}

// A phase run once: what it left behind, by site (what "the load phase" kept).
void write_left_behind(const ReportModel& model, const PhaseInstanceRow& row, std::ostream& out) {
    std::vector<const PhaseSiteRow*> grown;
    for (const PhaseSiteRow& site : row.sites)
        if (site.growth > 0) grown.push_back(&site);  // rows come by growth, descending
    if (grown.empty()) return;
    out << "  Left behind, by site (its live bytes at the end minus at the begin):\n";
    const std::size_t shown = shown_rows(model, grown.size());
    write_top_note(out, shown, grown.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank)
        write_entry(out, rank,
                    {fmt::format("{}, {} of what it allocated still live at exit",
                                 signed_bytes(grown[rank]->growth),
                                 bytes_with_exact(grown[rank]->figures.exit_bytes)),
                     describe_site(model, grown[rank]->site)});
}

void write_iteration_lines(const ReportModel& model, const PhaseNameSummary& name,
                           std::ostream& out) {
    if (name.instances.size() == 1) {
        write_left_behind(model, model.phases.instances[name.instances.front()], out);
        return;
    }
    if (name.instances.size() > kMaxIterationLines) return;
    for (const std::size_t index : name.instances) {
        const PhaseInstanceRow& row = model.phases.instances[index];
        const PhaseInstance& instance = row.instance;
        out << fmt::format("  #{:<3} allocated {}, freed {}, retained {}, peak {}, still live "
                           "at exit {}{}\n",
                           instance.iteration, human_bytes(instance.allocated_bytes),
                           human_bytes(instance.freed_bytes),
                           signed_size(row.retained, human_bytes),
                           human_bytes(instance.peak_bytes), human_bytes(instance.exit_bytes),
                           instance.ended == PhaseEnding::open ? " (open at exit)" : "");
    }
}

void write_phase_name(const ReportModel& model, const PhaseNameSummary& name, std::ostream& out) {
    out << fmt::format("{}: {}, by {}\n", escape_value(name.name),
                       count_of(name.instances.size(), "iteration"), describe_delimiter(name.by));
    write_row(out, "  allocated", fmt::format("{} in {}; freed {} in {}",
                                              bytes_with_exact(name.allocated_bytes),
                                              blocks(name.allocated_blocks),
                                              bytes_with_exact(name.freed_bytes),
                                              blocks(name.freed_blocks)));
    write_row(out, "  peak", fmt::format("{} in iteration {} at {}",
                                         bytes_with_exact(name.peak_bytes), name.peak_iteration,
                                         time_of(model, name.peak_time)));
    write_row(out, "  retained",
              fmt::format("{} (the live heap at each iteration's end minus at its begin, "
                          "summed)",
                          signed_bytes(name.retained)));
    write_row(out, "", fmt::format("{} in {} still live at exit",
                                   bytes_with_exact(name.exit_bytes), blocks(name.exit_blocks)));
    if (name.nested_in_same_name != 0)
        write_row(out, "  note", fmt::format("{} nested in an iteration of the same name, "
                                             "counted in that one",
                                             count_of(name.nested_in_same_name, "iteration")));
    if (name.open != 0)
        write_row(out, "  note", fmt::format("{} still open at exit, left out of the growth",
                                             count_of(name.open, "iteration")));
    write_iteration_lines(model, name, out);
    write_growth(model, name, out);
}

void write_marks(const ReportModel& model, std::ostream& out) {
    for (std::size_t i = 0; i < model.phases.marks.size(); ++i) {
        const Mark& mark = model.phases.marks[i];
        write_row(out, i == 0 ? "Marks" : "",
                  fmt::format("'{}' at {}, {} live", escape_value(mark.label),
                              time_of(model, mark.at.time), bytes_with_exact(mark.at.bytes)));
    }
}

std::string no_phases_reason(const ReportModel& model) {
    const std::string how = "bracket parts of the run with MEMATTR_PHASE_BEGIN(\"name\") and "
                            "MEMATTR_PHASE_END(\"name\") from memattr.h, or run memattr with "
                            "--phase-fn=FUNCTION to make each call of FUNCTION an iteration.";
    if (!model.phases.recorded)
        return fmt::format("No phases: the trace is version {}, written by a memattr that "
                           "recorded none. To get them, {}",
                           model.header.version, how);
    return "No phases. To get them, " + how;
}

void write_phases(const ReportModel& model, std::ostream& out) {
    write_title(out, "Phases");
    const PhaseReport& phases = model.phases;
    if (phases.names.empty()) out << no_phases_reason(model) << '\n';
    write_marks(model, out);
    if (phases.counts && phases.counts->dropped != 0)
        out << fmt::format("{} more were begun but not recorded (over the tool's limit of "
                           "instances, or nested too deeply): the figures below leave them "
                           "out.\n",
                           count_of(phases.counts->dropped, "phase instance", "phase instances"));
    // A blank line between the names, and between the lines above and the first name.
    bool first = phases.marks.empty() && !(phases.counts && phases.counts->dropped != 0);
    for (const PhaseNameSummary& name : phases.names) {
        if (!first) out << '\n';
        first = false;
        write_phase_name(model, name, out);
    }
}


// ---------------------------------------------------------------- ownership (snapshots)

// The moment the ownership sections describe, for their titles: "peak", "exit", or the
// requested snapshot's name.
std::string snapshot_moment(const OwnershipReport& ownership) {
    if (ownership.missing) return "peak";
    switch (ownership.choice) {
    case SnapshotChoice::peak: return "peak";
    case SnapshotChoice::exit: return "exit";
    case SnapshotChoice::requested: break;
    }
    const SnapshotSummary& snapshot = ownership.snapshot;
    if (snapshot.kinds.peak) return "peak";
    if (snapshot.kinds.exit) return "exit";
    return snapshot.name.empty() ? fmt::format("snapshot {}", snapshot.id)
                                 : fmt::format("snapshot '{}'", escape_value(snapshot.name));
}

// One line instead of an ownership section, saying why there is no snapshot.
std::string no_snapshot_reason(const ReportModel& model) {
    switch (*model.ownership.missing) {
    case NoSnapshotReason::old_trace:
        return fmt::format("No heap snapshot: the trace is version {}, written by a memattr "
                           "that took none.",
                           model.header.version);
    case NoSnapshotReason::snapshots_off:
        return "No heap snapshot: the trace was recorded with --snapshots=no.";
    case NoSnapshotReason::none_taken:
        return fmt::format("No heap snapshot: the live heap never reached --snapshot-min ({}), "
                           "so no peak snapshot was taken, and the trace has no exit snapshot.",
                           bytes_with_exact(model.header.run.snapshot_min));
    }
    return "No heap snapshot.";
}

// Writes the section's title; false (after the reason) when there is no snapshot.
bool write_ownership_title(const ReportModel& model, std::ostream& out, std::string_view title) {
    write_title(out, title == "Duplicate contents"
                         ? std::string(title)
                         : fmt::format("{} {}{}", title, snapshot_moment(model.ownership),
                                       title == "Owners at" ? " (retained)" : ""));
    if (!model.ownership.missing) return true;
    out << no_snapshot_reason(model) << '\n';
    return false;
}

std::string site_name(const ReportModel& model, std::size_t row) {
    const SiteRow& site = model.sites[row];
    return fmt::format("{} [site {}]", describe_frame(site.location), site.figures.id);
}

std::string describe_owner(const ReportModel& model, const Owner& owner) {
    switch (owner.kind) {
    case Owner::Kind::site: return site_name(model, owner.site);
    case Owner::Kind::root: return describe_root(model.ownership.roots[owner.root]);
    case Owner::Kind::several: return "several roots together (no single owner)";
    }
    return "";
}

// Where a pointer lies and, for an interior pointer, where it points.
std::string describe_pointer(std::uint64_t offset, std::uint32_t target_offset) {
    std::string text = fmt::format("at +{}", offset);
    if (target_offset == kFarInteriorOffset) return text + " (to 4 GiB or more inside)";
    if (target_offset != 0) text += fmt::format(" (to +{} inside)", target_offset);
    return text;
}

void write_path(const ReportModel& model, const RetainerPath& path, std::ostream& out) {
    std::string root = describe_root(model.ownership.roots[path.root]);
    if (path.root_symbol_offset != 0) root += fmt::format(", word +{}", path.root_symbol_offset);
    out << fmt::format("     path: {}\n", root);
    for (std::size_t k = 0; k < path.steps.size(); ++k) {
        const PathStep& step = path.steps[k];
        const std::string pointer =
            k == 0 ? (step.target_offset == 0 ? std::string()
                                              : fmt::format("(to +{} inside) ", step.target_offset))
                   : describe_pointer(step.offset, step.target_offset) + ": ";
        const std::string run =
            step.blocks == 1 ? human_bytes(step.size)
                             : fmt::format("{} in a row, the first {}", blocks(step.blocks),
                                           human_bytes(step.size));
        out << fmt::format("           -> {}{}, {}\n", pointer, site_name(model, step.site), run);
    }
}

void write_snapshot_lines(const ReportModel& model, std::ostream& out) {
    const OwnershipReport& ownership = model.ownership;
    const SnapshotSummary& snapshot = ownership.snapshot;
    const Peak& peak = model.summary.peak;
    write_row(out, "Snapshot", fmt::format("{}: {} in {} at {}", describe_snapshot(snapshot),
                                           bytes_with_exact(snapshot.bytes),
                                           blocks(snapshot.blocks), time_of(model, snapshot.time)));
    const std::uint64_t apart = snapshot.time > peak.time ? snapshot.time - peak.time
                                                          : peak.time - snapshot.time;
    write_row(out, "", fmt::format("{} of the true peak ({} at {}), {}",
                                   format_percent(percent_of(snapshot.bytes, peak.bytes)),
                                   bytes_with_exact(peak.bytes), time_of(model, peak.time),
                                   apart == 0 ? std::string("at the same time")
                                   : fmt::format("{} {} it", time_of(model, apart),
                                                 snapshot.time < peak.time ? "before" : "after")));
    if (ownership.choice == SnapshotChoice::exit)
        write_row(out, "", fmt::format("no peak snapshot: the live heap stayed below "
                                       "--snapshot-min ({}); this is the exit snapshot",
                                       bytes_with_exact(model.header.run.snapshot_min)));
    if (ownership.cost)
        write_row(out, "Cost", fmt::format("{} read {}, {} times the peak's live bytes",
                                           count_of(ownership.cost->taken, "snapshot taken",
                                                    "snapshots taken"),
                                           bytes_with_exact(ownership.cost->scanned),
                                           fmt::format("{:.1f}", ratio(ownership.cost->scanned,
                                                                       peak.bytes))));
    write_row(out, "Reachable", fmt::format("{} in {} from {}; {} in {} unreachable",
                                            bytes_with_exact(ownership.reachable_bytes),
                                            blocks(ownership.reachable_blocks),
                                            count_of(snapshot.roots, "root word"),
                                            bytes_with_exact(ownership.unreachable_bytes),
                                            blocks(ownership.unreachable_blocks)));
}

void write_owners(const ReportModel& model, std::ostream& out) {
    if (!write_ownership_title(model, out, "Owners at")) return;
    const OwnershipReport& ownership = model.ownership;
    write_snapshot_lines(model, out);
    out << "Retained: the requested bytes freeing a site's blocks would free (their dominator "
           "subtrees).\n";
    if (ownership.sites.empty()) {
        out << "The snapshot holds no blocks.\n";
        return;
    }
    const std::size_t shown = shown_rows(model, ownership.sites.size());
    write_top_note(out, shown, ownership.sites.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const OwnedSite& site = ownership.sites[rank];
        write_entry(out, rank,
                    {fmt::format("{} retained, {} of the snapshot; itself {} in {}",
                                 bytes_with_exact(site.retained_bytes),
                                 format_percent(percent_of(site.retained_bytes,
                                                           ownership.snapshot.bytes)),
                                 bytes_with_exact(site.self_bytes), blocks(site.blocks)),
                     fmt::format("site {}: {}", model.sites[site.site].figures.id,
                                 describe_frame(model.sites[site.site].location))});
        if (site.path) write_path(model, *site.path, out);
    }
    out << "\nOwners: who keeps each site's blocks alive (the immediate dominators; a run of "
           "same-site blocks counts once).\n";
    const std::size_t owners = shown_rows(model, ownership.owners.size());
    write_top_note(out, owners, ownership.owners.size(), "owners");
    for (std::size_t rank = 0; rank < owners; ++rank) {
        const OwnerRow& row = ownership.owners[rank];
        write_entry(out, rank,
                    {describe_owner(model, row.owner),
                     fmt::format("keeps {} of {} alive: {} retained", blocks(row.blocks),
                                 site_name(model, row.site), bytes_with_exact(row.retained_bytes))});
    }
}

// One row per set of sites: thousands of groups between the same sites (a backup copy of
// every string) read as the one pattern they are.
void write_duplicates_by_sites(const ReportModel& model, std::ostream& out) {
    const std::vector<DuplicateSitesRow>& rows = model.ownership.duplicates.by_sites;
    out << "By site: the groups summed by the set of sites their blocks come from.\n";
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "sets of sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const DuplicateSitesRow& row = rows[rank];
        std::vector<std::string> lines = {fmt::format(
            "{} wasted in {} of equal blocks ({}), {}", bytes_with_exact(row.wasted),
            count_of(row.groups, "group"), blocks(row.blocks),
            row.sites.size() == 1 ? "from one site" : "between")};
        // indented under the headline's end, like a list it introduces
        for (const auto& [site, site_blocks] : row.sites)
            lines.push_back(fmt::format("  {} from {}", blocks(site_blocks), site_name(model, site)));
        write_entry(out, rank, lines);
    }
}

void write_largest_duplicates(const ReportModel& model, std::ostream& out) {
    const DuplicateSummary& duplicates = model.ownership.duplicates;
    out << "\nBy group: the largest groups, each with the sites its copies come from.\n";
    const std::size_t shown = shown_rows(model, duplicates.rows.size());
    write_top_note(out, shown, duplicates.groups, "groups");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const DuplicateRow& row = duplicates.rows[rank];
        std::vector<std::string> lines = {fmt::format("{} copies of {}: {} wasted",
                                                      group_digits(row.count),
                                                      bytes_with_exact(row.size),
                                                      bytes_with_exact(row.wasted))};
        for (const auto& [site, copies] : row.sites)
            lines.push_back(fmt::format("{} from {}", group_digits(copies), site_name(model, site)));
        write_entry(out, rank, lines);
    }
}

void write_duplicates(const ReportModel& model, std::ostream& out) {
    if (!write_ownership_title(model, out, "Duplicate contents")) return;
    const DuplicateSummary& duplicates = model.ownership.duplicates;
    if (duplicates.rows.empty()) {
        out << "None found: no two live blocks of the same size have equal contents.\n";
        return;
    }
    out << fmt::format("{} of live blocks with equal contents, {} in all: keeping one copy of "
                       "each would save {}.\n",
                       count_of(duplicates.groups, "group", "groups"),
                       blocks(duplicates.blocks), bytes_with_exact(duplicates.wasted));
    write_duplicates_by_sites(model, out);
    write_largest_duplicates(model, out);
}

void write_unreachable(const ReportModel& model, std::ostream& out) {
    if (!write_ownership_title(model, out, "Unreachable at")) return;
    const OwnershipReport& ownership = model.ownership;
    if (ownership.unreachable.empty()) {
        out << "None: every live block is reachable from a root.\n";
        return;
    }
    out << fmt::format("{} in {} that no root reaches: leaked already, unless the program "
                       "hides its pointers (tagged or encoded).\n",
                       bytes_with_exact(ownership.unreachable_bytes),
                       blocks(ownership.unreachable_blocks));
    const std::size_t shown = shown_rows(model, ownership.unreachable.size());
    write_top_note(out, shown, ownership.unreachable.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const UnreachableRow& row = ownership.unreachable[rank];
        write_entry(out, rank, {fmt::format("{} in {}", bytes_with_exact(row.bytes), blocks(row.blocks)),
                                fmt::format("site {}: {}", model.sites[row.site].figures.id,
                                            describe_frame(model.sites[row.site].location))});
    }
}

// ---------------------------------------------------------------- leaks at exit

std::string no_leak_check_reason(const ReportModel& model) {
    switch (*model.leaks.missing) {
    case NoLeakCheckReason::old_trace:
        return fmt::format("No leak check: the trace is version {}, written by a memattr that "
                           "took no heap snapshots.",
                           model.header.version);
    case NoLeakCheckReason::snapshots_off:
        return "No leak check: the trace was recorded with --snapshots=no, so it has no exit "
               "snapshot.";
    case NoLeakCheckReason::no_exit_snapshot:
        return "No leak check: the trace has no exit snapshot.";
    }
    return "No leak check.";
}

std::string bytes_in_blocks(const LeakFigures& figures) {
    return fmt::format("{} in {}", count_of(figures.bytes, "byte"), blocks(figures.blocks));
}

// The four totals, worded and aligned as Memcheck's LEAK SUMMARY, so the two read side by
// side.
void write_leak_summary(const LeakReport& leaks, std::ostream& out) {
    for (const LeakKind kind : kAllLeakKinds)
        out << fmt::format("{:>18}: {}\n", leak_kind_name(kind), bytes_in_blocks(leaks[kind].total));
}

std::string describe_leak_row(LeakKind kind, const LeakRow& row) {
    if (kind != LeakKind::definitely_lost || row.indirect_blocks == 0)
        return bytes_in_blocks(row.own);
    return fmt::format("{} ({} direct, {} indirect) bytes in {}, and {} indirectly lost "
                       "through them",
                       group_digits(row.total_bytes()), group_digits(row.own.bytes),
                       group_digits(row.indirect_bytes), blocks(row.own.blocks),
                       blocks(row.indirect_blocks));
}

void write_leak_sites(const ReportModel& model, LeakKind kind, std::ostream& out) {
    const std::vector<LeakRow>& rows = model.leaks[kind].sites;
    if (rows.empty()) return;
    std::string title(leak_kind_name(kind));
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    out << fmt::format("\n{}, by site:\n", title);
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const SiteRow& site = model.sites[rows[rank].site];
        write_entry(out, rank, {describe_leak_row(kind, rows[rank]),
                                fmt::format("site {}: {}", site.figures.id,
                                            describe_location(site.location))});
        write_stack(site, out);
    }
}

void write_leaks(const ReportModel& model, std::ostream& out) {
    write_title(out, "Leaks at exit");
    const LeakReport& leaks = model.leaks;
    if (leaks.missing) {
        out << no_leak_check_reason(model) << '\n';
        return;
    }
    write_row(out, "Snapshot", fmt::format("{}: {} in {}", describe_snapshot(leaks.snapshot),
                                           bytes_with_exact(leaks.snapshot.bytes),
                                           blocks(leaks.snapshot.blocks)));
    out << "Classified as Memcheck's leak check does (valgrind --leak-check=full), in requested "
           "bytes:\n";
    write_leak_summary(leaks, out);
    if (leaks[LeakKind::possibly_lost].total.blocks != 0)
        out << "Memcheck's --leak-check-heuristics are not applied (they read the contents of "
               "the block an interior pointer points into, which the trace does not keep): a "
               "block only they would accept is possibly lost here, still reachable in "
               "Memcheck.\n";
    for (const LeakKind kind : kAllLeakKinds) write_leak_sites(model, kind, out);
}

// ---------------------------------------------------------------- memory map

// Column widths of the table of mapping groups.
constexpr std::size_t kGroupNameWidth = 32;
constexpr std::size_t kRegionsWidth = 8;
constexpr std::size_t kSizeWidth = 11;
constexpr std::size_t kNeverWidth = 14;

// Lines of the memory map section are wrapped here (the table and the stacks elsewhere are
// not): its rankings are sentences.
constexpr std::size_t kReportColumns = 100;

// Columns `text` takes: UTF-8 continuation bytes take none ("→" is one column).
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

// Whether `word` is a unit that must stay on the line of the number before it ("16 KiB").
bool is_unit(std::string_view word) {
    static constexpr std::string_view kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    std::string_view bare = word;
    while (!bare.empty() && (bare.back() == ',' || bare.back() == ')' || bare.back() == ';'))
        bare.remove_suffix(1);
    return std::find(std::begin(kUnits), std::end(kUnits), bare) != std::end(kUnits);
}

// `text` split at spaces into words, a size's unit kept with its number.
std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find(' ', start), text.size());
        const std::string_view word = text.substr(start, end - start);
        if (!words.empty() && is_unit(word)) words.back() += " " + std::string(word);
        else words.emplace_back(word);
        start = end + 1;
    }
    return words;
}

// `text` broken at spaces into lines of at most `width` columns (a word longer than that
// keeps its own line).
std::vector<std::string> wrap_words(std::string_view text, std::size_t width) {
    std::vector<std::string> lines = {""};
    for (const std::string& word : words_of(text)) {
        std::string& line = lines.back();
        if (!line.empty() && columns(line) + 1 + columns(word) > width) lines.push_back(word);
        else line += (line.empty() ? "" : " ") + word;
    }
    return lines;
}

// `text` wrapped at kReportColumns.
void write_wrapped(std::ostream& out, std::string_view text) {
    for (const std::string& line : wrap_words(text, kReportColumns)) out << line << '\n';
}

// A paragraph of its own, after a blank line, wrapped.
void write_paragraph(std::ostream& out, std::string_view text) {
    out << '\n';
    write_wrapped(out, text);
}

// write_entry for one sentence, wrapped under its text.
void write_wrapped_entry(std::ostream& out, std::size_t rank, std::string_view text) {
    write_entry(out, rank, wrap_words(text, kReportColumns - 5));
}

// A row of write_row, wrapped under its text.
void write_wrapped_row(std::ostream& out, std::string_view label, std::string_view text) {
    const std::vector<std::string> lines = wrap_words(text, kReportColumns - kLabelWidth);
    for (std::size_t i = 0; i < lines.size(); ++i) write_row(out, i == 0 ? label : "", lines[i]);
}

// "peak", or "exit": the moment the section's title names.
std::string_view map_moment(const MemoryMapReport& report) {
    return report.map.name == "exit" ? "exit" : "peak";
}

// "at the peak", or "at exit".
std::string_view at_moment(const MemoryMapReport& report) {
    return report.map.name == "exit" ? "at exit" : "at the peak";
}

std::string no_memory_map_reason(const ReportModel& model) {
    if (*model.memory_map.missing == NoMemoryMapReason::old_trace)
        return fmt::format("No memory map: the trace is version {}, written by a memattr that "
                           "recorded none.",
                           model.header.version);
    return "No memory map: the trace has no 'memory-map' record.";
}

void write_map_moment(const ReportModel& model, std::ostream& out) {
    const MemoryMapReport& report = model.memory_map;
    const MemoryMap& map = report.map;
    const std::string when = map.name == "exit"
                                 ? fmt::format("exit, at {}", time_of(model, map.time))
                                 : fmt::format("the footprint's peak, at {}", time_of(model, map.time));
    write_row(out, "Moment", fmt::format("{}; the live heap peaked at {}", when,
                                         time_of(model, model.summary.peak.time)));
    if (report.choice == MapChoice::exit)
        write_row(out, "", "the trace has no memory map at the footprint's peak");
    if (report.pages)
        write_row(out, "Footprint", fmt::format("{}, memattr's estimate of resident anonymous "
                                                "memory",
                                                bytes_with_exact(map.footprint)));
}

void write_map_heap(const MemoryMapReport& report, std::ostream& out) {
    const MemoryMap& map = report.map;
    if (report.wrap) {
        write_wrapped_row(out, "Heap", fmt::format("inside the regions below (glibc's malloc): "
                                                   "requested {} in {}, usable {}",
                                                   bytes_with_exact(map.heap_bytes),
                                                   count_of(map.heap_blocks, "block"),
                                                   bytes_with_exact(map.heap_usable)));
    } else {
        write_row(out, "Heap", fmt::format("requested {} in {},", bytes_with_exact(map.heap_bytes),
                                           count_of(map.heap_blocks, "malloc block")));
        write_row(out, "", fmt::format("usable {} as glibc would round them",
                                       bytes_with_exact(map.heap_usable)));
        write_row(out, "", "(the blocks live in Valgrind's allocator, outside every region)");
    }
    if (map.custom_blocks == 0 && map.custom_bytes == 0) return;
    write_row(out, "Custom blocks",
              fmt::format("{} in {}, {} inside malloc blocks", bytes_with_exact(map.custom_bytes),
                          count_of(map.custom_blocks, "block"),
                          map.custom_in_heap == 0 ? std::string("none")
                                                  : short_bytes(map.custom_in_heap)));
}

// A size for the table: "-" where the figure was not measured or there is nothing.
std::string table_size(std::uint64_t bytes, bool shown = true) {
    return shown ? short_bytes(bytes) : "-";
}

// The files a group maps: "file /data/words.db", or "3 files: /a, /b, /c" (at most 3 named).
std::string mapped_files(const MemoryMapReport& report, const MappingGroup& group) {
    constexpr std::size_t kMaxNamedFiles = 3;
    std::vector<std::string> files;
    for (const std::size_t index : group.regions) {
        const std::string& file = report.map.regions[index].file;
        if (!file.empty() && std::find(files.begin(), files.end(), file) == files.end())
            files.push_back(file);
    }
    if (files.empty()) return {};
    if (files.size() == 1) return fmt::format("file {}", escape_value(files.front()));
    std::vector<std::string> named;
    for (std::size_t i = 0; i < std::min(files.size(), kMaxNamedFiles); ++i)
        named.push_back(escape_value(files[i]));
    return fmt::format("{}: {}{}", count_of(files.size(), "file"), fmt::join(named, ", "),
                       files.size() > kMaxNamedFiles ? ", ..." : "");
}

// The lines under a group's row: growth, the file, the blocks inside.
std::vector<std::string> group_details(const ReportModel& model, const MappingGroup& group) {
    const MemoryMapReport& report = model.memory_map;
    std::vector<std::string> details;
    if (!group.growth.empty()) details.push_back(group.growth);
    if (group.kind == MappingGroupKind::brk_heap && group.location)
        details.push_back(fmt::format("first grown from {}", describe_location(*group.location)));
    if (group.kind == MappingGroupKind::mapping_site) {
        const std::string files = mapped_files(report, group);
        if (!files.empty()) details.push_back(files);
    }
    for (const ArenaLink& link : report.arena_links) {
        if (&report.groups[link.group] != &group) continue;
        const SiteRow& site = model.sites[link.site];
        details.push_back(fmt::format("site {} ({}, {}): {} in {}", site.figures.id,
                                      site_kind_name(site.figures.kind),
                                      describe_location(site.location), short_bytes(link.bytes),
                                      count_of(link.blocks, "block")));
    }
    const std::uint64_t malloc_blocks = group.used_blocks - std::min(group.custom_blocks, group.used_blocks);
    if (report.wrap && malloc_blocks != 0)
        details.push_back(fmt::format("{} in {}", short_bytes(group.used - std::min(group.custom_bytes, group.used)),
                                      count_of(malloc_blocks, "malloc block")));
    return details;
}

void write_group_row(const ReportModel& model, const MappingGroup& group, std::ostream& out) {
    const bool pages = model.memory_map.pages;
    std::string name = group.name;
    if (columns(name) >= kGroupNameWidth) {
        out << name << '\n';
        name.clear();
    }
    out << trim_right(fmt::format(
               "{}{}{:>{}}{:>{}}{:>{}}{:>{}}{:>{}}{:>{}}", name,
               std::string(kGroupNameWidth - columns(name), ' '), group.regions.size(), kRegionsWidth,
               table_size(group.mapped), kSizeWidth, table_size(group.accessible), kSizeWidth,
               table_size(group.written, pages), kSizeWidth,
               table_size(group.used, group.used_blocks != 0), kSizeWidth,
               table_size(group.never_written, pages), kNeverWidth))
        << '\n';
    for (const std::string& detail : group_details(model, group))
        for (const std::string& line : wrap_words(detail, kReportColumns - 4))
            out << "    " << line << '\n';
}

void write_group_table(const ReportModel& model, std::ostream& out) {
    out << fmt::format("\n{:<{}}{:>{}}{:>{}}{:>{}}{:>{}}{:>{}}{:>{}}\n", "Regions by mapping site",
                       kGroupNameWidth, "regions", kRegionsWidth, "mapped", kSizeWidth,
                       "accessible", kSizeWidth, "written", kSizeWidth, "used", kSizeWidth,
                       "never written", kNeverWidth);
    if (model.memory_map.groups.empty()) out << "The memory map has no regions.\n";
    for (const MappingGroup& group : model.memory_map.groups) write_group_row(model, group, out);
}

// "equal to", "1.23 MiB more than", "784.00 KiB less than".
std::string compared_to(std::int64_t difference) {
    if (difference == 0) return "equal to";
    // Negated as unsigned, so that the lowest int64 has a magnitude too.
    const auto magnitude = difference > 0 ? static_cast<std::uint64_t>(difference)
                                          : 0 - static_cast<std::uint64_t>(difference);
    return fmt::format("{} {} than", human_bytes(magnitude), difference > 0 ? "more" : "less");
}

// The estimate, part by part, added up as on paper. Without page tracking it is the tool's
// upper bound, what is mapped.
void write_total(const MemoryMapReport& report, std::ostream& out) {
    const std::string total_name =
        report.pages ? fmt::format("estimated resident (anonymous) memory {}", at_moment(report))
                     : fmt::format("mapped anonymous memory {}, an upper bound", at_moment(report));
    if (report.pages)
        out << fmt::format("\nEstimated resident (anonymous) memory {}, part by part:\n",
                           at_moment(report));
    else
        out << fmt::format("\nUpper bound of resident (anonymous) memory {}: the bytes mapped, "
                           "part by part:\n",
                           at_moment(report));
    for (std::size_t i = 0; i < report.parts.size(); ++i)
        out << fmt::format("  {} {:>11}  {}\n", i == 0 ? ' ' : '+',
                           human_bytes(report.parts[i].bytes), report.parts[i].name);
    out << fmt::format("  = {:>11}  {} ({})\n", human_bytes(report.estimate), total_name,
                       count_of(report.estimate, "byte"));
    if (report.discrepancy == 0)
        out << "This is the footprint the tool measured.\n";
    else
        write_wrapped(out, fmt::format("The tool measured a footprint of {}, {} the sum of the "
                                       "parts: the trace is inconsistent.",
                                       count_of(report.map.footprint, "byte"),
                                       compared_to(report.discrepancy)));
}

std::string native_rss_note(const MemoryMapReport& report) {
    if (report.wrap)
        return "Not in the estimate: file-backed pages such as code and read-only data, and "
               "Valgrind's own memory.";
    return "Valgrind cannot see all of it: its allocator replaces glibc's, so the heap is "
           "counted by glibc's chunk rule but glibc's free chunks, arenas and fragmentation are "
           "not reproduced (--malloc=wrap runs glibc's), and file-backed pages such as code are "
           "not in the estimate.";
}

void write_native_rss(const MemoryMapReport& report, std::ostream& out) {
    if (!report.native_rss) return;
    out << '\n';
    write_row(out, "Native run", fmt::format("peak RSS {}, {} the {}",
                                             bytes_with_exact(*report.native_rss),
                                             compared_to(report.native_difference),
                                             report.pages ? "estimate" : "upper bound"));
    write_wrapped_row(out, "", native_rss_note(report));
}

void write_gap(const ReportModel& model, std::ostream& out) {
    const MemoryMapReport& report = model.memory_map;
    out << '\n';
    write_row(out, "Gap", fmt::format("{}: the estimate less the heap requested ({})",
                                      report.gap >= 0
                                          ? bytes_with_exact(static_cast<std::uint64_t>(report.gap))
                                          : signed_bytes(report.gap),
                                      short_bytes(report.map.heap_bytes)));
    if (!report.explanations.empty()) out << "Why, largest first:\n";
    const std::size_t shown = shown_rows(model, report.explanations.size());
    write_top_note(out, shown, report.explanations.size(), "explanations");
    for (std::size_t rank = 0; rank < shown; ++rank)
        write_wrapped_entry(out, rank, report.explanations[rank].text);
    write_row(out, "Explained", fmt::format("{}; unexplained {}", bytes_with_exact(report.explained),
                                            signed_bytes(report.unexplained)));
    if (report.wrap && report.unexplained < 0)
        write_wrapped_row(out, "", "(live malloc blocks whose pages were never written, or that "
                                   "lie outside every region)");
}

void write_never_written(const ReportModel& model, std::ostream& out) {
    const std::vector<NeverWrittenRow>& rows = model.memory_map.never_written;
    if (rows.empty()) return;
    write_paragraph(out, "Mapped but never written: not resident, but counted in the virtual "
                         "size (VSZ).");
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "groups");
    for (std::size_t rank = 0; rank < shown; ++rank) write_wrapped_entry(out, rank, rows[rank].text);
}

// The custom and pool sites, each with the arena its live blocks lie in.
void write_custom_sites(const ReportModel& model, std::ostream& out) {
    std::vector<std::string> lines;
    for (std::size_t row = 0; row < model.sites.size(); ++row) {
        const SiteRow& site = model.sites[row];
        if (site.figures.kind == SiteKind::malloc) continue;
        const std::string head = fmt::format("site {} ({}, {})", site.figures.id,
                                             site_kind_name(site.figures.kind),
                                             describe_location(site.location));
        bool linked = false;
        for (const ArenaLink& link : model.memory_map.arena_links) {
            if (link.site != row) continue;
            linked = true;
            lines.push_back(fmt::format("{}: {} in {} in {}", head, short_bytes(link.bytes),
                                        count_of(link.blocks, "block"),
                                        model.memory_map.groups[link.group].name));
        }
        if (!linked) lines.push_back(fmt::format("{}: no live blocks inside a region", head));
    }
    if (lines.empty()) return;
    write_paragraph(out, "Custom and pool sites (VALGRIND_MALLOCLIKE_BLOCK and mempools) and "
                         "their arenas:");
    for (const std::string& line : lines)
        for (const std::string& wrapped : wrap_words(line, kReportColumns - 2)) out << "  " << wrapped << '\n';
}

// The map-events counts that are not 0, briefly.
void write_map_events(const ReportModel& model, std::ostream& out) {
    if (!model.memory_map.events) return;
    const MapEvents& events = *model.memory_map.events;
    std::vector<std::string> counts;
    // System calls are named as they are; other events are nouns with a plural.
    const auto count = [&](std::uint64_t value, std::string_view what) {
        if (value != 0) counts.push_back(fmt::format("{} {}", group_digits(value), what));
    };
    const auto count_noun = [&](std::uint64_t value, std::string_view noun) {
        if (value != 0) counts.push_back(count_of(value, noun));
    };
    count(events.mmap, "mmap");
    count(events.munmap, "munmap");
    if (events.mremap != 0)
        counts.push_back(fmt::format("{} mremap ({} moved)", group_digits(events.mremap),
                                     group_digits(events.mremap_moved)));
    count_noun(events.brk_grow, "brk growth");
    count_noun(events.brk_shrink, "brk shrink");
    count(events.shmat, "shmat");
    count(events.shmdt, "shmdt");
    count_noun(events.madvise_free, "madvise free");
    count(events.mprotect, "mprotect");
    count_noun(events.custom_requests, "custom allocator request");
    if (events.bad_requests != 0)
        counts.push_back(fmt::format("of which {} ignored (unknown block or pool)",
                                     group_digits(events.bad_requests)));
    out << '\n';
    write_wrapped_row(out, "Map events", counts.empty() ? std::string("none")
                                                        : fmt::format("{}", fmt::join(counts, ", ")));
}

void write_memory_map(const ReportModel& model, std::ostream& out) {
    const MemoryMapReport& report = model.memory_map;
    write_title(out, fmt::format("Memory map at {}", report.missing ? "peak" : map_moment(report)));
    if (report.missing) {
        out << no_memory_map_reason(model) << '\n';
        return;
    }
    write_map_moment(model, out);
    write_map_heap(report, out);
    if (!report.pages)
        write_wrapped_row(out, "Note", "written pages were not measured (the trace was recorded "
                                       "with --track-pages=no; run with --track-pages=yes): "
                                       "the total below is what is mapped, an upper bound, and "
                                       "the gap is not explained");
    write_group_table(model, out);
    write_total(report, out);
    write_native_rss(report, out);
    if (report.pages) {
        write_gap(model, out);
        write_never_written(model, out);
    }
    write_custom_sites(model, out);
    write_map_events(model, out);
}

// ---------------------------------------------------------------- threads

void write_threads(const ReportModel& model, std::ostream& out) {
    write_title(out, "Threads");
    if (model.threads.empty()) {
        out << "The trace records no threads.\n";
        return;
    }
    for (const Thread& thread : model.threads) {
        out << (thread.parent == 0
                    ? fmt::format("thread {} (main)\n", thread.id)
                    : fmt::format("thread {} (started by thread {})\n", thread.id, thread.parent));
        write_row(out, "  peak", fmt::format("{} in {} at {}", bytes_with_exact(thread.peak_bytes),
                                             blocks(thread.peak_blocks),
                                             time_of(model, thread.peak_time)));
        write_row(out, "  allocated", fmt::format("{} in {}", bytes_with_exact(thread.total_bytes),
                                                  blocks(thread.total_blocks)));
        write_row(out, "  live at exit", fmt::format("{} in {}",
                                                     bytes_with_exact(thread.exit_bytes),
                                                     blocks(thread.exit_blocks)));
    }
}

}  // namespace

void TextReporter::write(const ReportModel& model, std::ostream& out) const {
    write_header(model, out);
    write_summary(model, out);
    write_timeline(model, out);
    write_phases(model, out);
    write_top_at_peak(model, out);
    write_owners(model, out);
    write_duplicates(model, out);
    write_unreachable(model, out);
    write_top_by_total(model, out);
    write_temporaries(model, out);
    write_live_at_exit(model, out);
    write_leaks(model, out);
    write_copies_and_access(model, out);
    write_memory_map(model, out);
    write_threads(model, out);
}

}  // namespace memattr
