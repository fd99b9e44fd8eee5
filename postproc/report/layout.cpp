#include "report/layout.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

// ---------------------------------------------------------------- words and figures

std::string blocks(std::uint64_t count) { return count_of(count, "block"); }

std::string time_of(const ReportModel& model, std::uint64_t time) {
    return human_time(time, escape_value(model.header.run.time_unit));
}

std::uint64_t rounded(double value) {
    constexpr double kTwoToThe64 = 18446744073709551616.0;
    if (value + 0.5 >= kTwoToThe64) return UINT64_MAX;
    return static_cast<std::uint64_t>(value + 0.5);
}

namespace {

struct SignAndMagnitude {
    std::string_view sign;  // "+", "-", or "" for no change
    std::uint64_t magnitude;
};

SignAndMagnitude split_sign(std::int64_t change) {
    // Negated as unsigned, so that the lowest int64 has a magnitude too.
    if (change < 0) return {"-", 0 - static_cast<std::uint64_t>(change)};
    return {change > 0 ? "+" : "", static_cast<std::uint64_t>(change)};
}

}  // namespace

std::string signed_size(std::int64_t change, std::string (*size)(std::uint64_t)) {
    const auto [sign, magnitude] = split_sign(change);
    return std::string(sign) + size(magnitude);
}

std::string signed_bytes(std::int64_t change) {
    const auto [sign, magnitude] = split_sign(change);
    return bytes_with_exact(sign, magnitude);
}

// The site's frame, and the caller that tells it from sites whose frames print alike.
std::string site_frame_text(const SiteRow& site) {
    if (!site.told_apart_by) return describe_frame(site.location);
    return fmt::format("{} via {}", describe_frame(site.location),
                       describe_location(*site.told_apart_by));
}

std::string describe_site(const ReportModel& model, std::size_t row) {
    const SiteRow& site = model.sites[row];
    return fmt::format("site {}: {}", site.figures.id, site_frame_text(site));
}

std::string site_name(const ReportModel& model, std::size_t row) {
    const SiteRow& site = model.sites[row];
    return fmt::format("{} [site {}]", site_frame_text(site), site.figures.id);
}

std::string trim_right(std::string line) {
    line.erase(line.find_last_not_of(' ') + 1);
    return line;
}

// ---------------------------------------------------------------- lines

void write_title(std::ostream& out, std::string_view title) {
    out << '\n' << title << '\n' << std::string(title.size(), '=') << '\n';
}

void write_row(std::ostream& out, std::string_view label, std::string_view text) {
    out << fmt::format("{:<{}}{}\n", label, kLabelWidth, text);
}

void write_entry(std::ostream& out, std::size_t rank, const std::vector<std::string>& lines) {
    out << fmt::format("{:>3}. {}\n", rank + 1, lines.front());
    for (std::size_t i = 1; i < lines.size(); ++i) out << "     " << lines[i] << '\n';
}

std::size_t shown_rows(const ReportModel& model, std::size_t count) {
    return model.options.top == 0 ? count : std::min(count, model.options.top);
}

void write_top_note(std::ostream& out, std::size_t shown, std::size_t candidates,
                    std::string_view rows) {
    if (shown < candidates)
        out << fmt::format("The top {} of {} {} (--top shows more).\n", group_digits(shown),
                           group_digits(candidates), rows);
}

void write_stack(const SiteRow& row, std::ostream& out) {
    for (std::size_t i = 0; i < row.stack.size(); ++i)
        out << "        " << (i == 0 ? "at " : "by ") << describe_frame(row.stack[i]) << '\n';
    if (row.omitted_frames > 0)
        out << fmt::format("        ... {} more caller{} (--frames shows more)\n",
                           row.omitted_frames, row.omitted_frames == 1 ? "" : "s");
}

// ---------------------------------------------------------------- site rankings

namespace {

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

}  // namespace

void write_ranking(const ReportModel& model, std::ostream& out, std::string_view title,
                   const Ranking& ranking, std::string_view when_empty,
                   const SiteDescription& describe, std::string_view explanation) {
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

// ---------------------------------------------------------------- snapshot sections

std::string snapshot_moment(const OwnershipReport& ownership) {
    if (ownership.missing) return "peak";
    if (ownership.choice != SnapshotChoice::requested)
        return std::string(name_of(kSnapshotChoiceNames, ownership.choice));
    const SnapshotSummary& snapshot = ownership.snapshot;
    if (snapshot.kinds.peak) return "peak";
    if (snapshot.kinds.exit) return "exit";
    return snapshot.name.empty() ? fmt::format("snapshot {}", snapshot.id)
                                 : fmt::format("snapshot '{}'", escape_value(snapshot.name));
}

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

bool write_snapshot_title(const ReportModel& model, std::ostream& out, std::string_view title) {
    write_title(out, title);
    if (!model.ownership.missing) return true;
    out << no_snapshot_reason(model) << '\n';
    return false;
}

// ---------------------------------------------------------------- JSON fields

std::string hex_address(std::uint64_t address) { return fmt::format("{:#x}", address); }

Json blocks_and_bytes(std::uint64_t blocks, std::uint64_t bytes) {
    return {{"blocks", blocks}, {"bytes", bytes}};
}

// A frame without a symbol: its offset in its object (Frame::object_offset), or null.
Json object_offset_json(const Frame& frame) {
    return frame.object_offset != 0 ? Json(hex_address(frame.object_offset)) : Json(nullptr);
}

Json frame_json(const Frame& frame) {
    return {
        {"fn", frame.function},   {"file", frame.file},           {"dir", frame.dir},
        {"line", frame.line},     {"obj", frame.object},          {"ip", hex_address(frame.ip)},
        {"inlined", frame.inlined}, {"obj_offset", object_offset_json(frame)},
    };
}

Json location_json(const Frame& frame) { return frame_json(frame); }

namespace {

template <typename Frames>
Json frames_json(const Frames& frames) {
    Json stack = Json::array();
    for (const Frame& frame : frames) stack.push_back(frame_json(frame));
    return stack;
}

}  // namespace

Json stack_json(const std::vector<Frame>& frames) { return frames_json(frames); }

Json stack_json(const FrameList& frames) { return frames_json(frames); }

std::uint64_t site_id(const ReportModel& model, std::size_t row) {
    return model.sites[row].figures.id;
}

Json snapshot_json(const SnapshotSummary& snapshot) {
    Json kinds = Json::array();
    if (snapshot.kinds.peak) kinds.push_back("peak");
    if (snapshot.kinds.request) kinds.push_back("request");
    if (snapshot.kinds.exit) kinds.push_back("exit");
    return {
        {"id", snapshot.id},         {"name", snapshot.name},   {"kinds", std::move(kinds)},
        {"t", snapshot.time},        {"alloc", snapshot.allocated},
        {"bytes", snapshot.bytes},   {"blocks", snapshot.blocks},
        {"pointers", snapshot.pointers}, {"roots", snapshot.roots},
        {"scanned", snapshot.scanned},
        {"unreadable", {{"blocks", snapshot.unreadable_blocks}, {"bytes", snapshot.unreadable_bytes}}},
    };
}

}  // namespace memattr
