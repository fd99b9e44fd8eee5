// The live heap over time: a chart of the timeline samples, the peak marked.
#include <algorithm>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr std::size_t kChartColumns = 60;
constexpr std::size_t kChartRows = 10;

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

void write_timeline_text(const ReportModel& model, std::ostream& out) {
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

void write_timeline_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    Json timeline = Json::array();
    for (std::size_t i = 0; i < model.timeline.size(); ++i) {
        const TimelinePoint& point = model.timeline[i];
        timeline.push_back({{"t", point.time},
                            {"alloc", point.allocated},
                            {"bytes", point.bytes},
                            {"blocks", point.blocks},
                            {"peak", model.timeline_peak == i}});
    }
    report["timeline"] = std::move(timeline);
}

}  // namespace

ReportSection timeline_section() { return {"timeline", write_timeline_text, write_timeline_json}; }

}  // namespace memattr
