#include "report/json_reporter.h"

#include <ostream>
#include <string>
#include <unordered_map>

#include "report/section.h"

namespace memattr {

namespace {

// The top-level keys of schema version 5 in docs/json-schema.md's order, which differs from
// the text report's order of sections. The report object gets them first so that they keep
// this order whichever section sets them; keys of sections added later follow, in the order
// of report_sections().
constexpr std::string_view kSchemaKeys[] = {
    "trace",   "options", "definitions", "summary", "findings", "sites", "copies", "ownership",
    "leaks",   "threads", "timeline",    "timeline_events", "phases", "memory_map",
};

// Lists whose length does not grow with the program, or which mean nothing cut: a stack
// (--frames bounds it, `omitted_frames` counts the rest), a region's growth (16 sizes at
// most) and history (8 changes at most, `changes` counts them all), a retainer path, the
// heap timeline (the tool bounds its samples), the parts of a whole, the enum words of a
// snapshot's kinds, the command line's patterns.
constexpr std::string_view kUncutLists[] = {
    "stack", "growth", "history", "steps", "timeline", "parts", "kinds", "ignore_fn", "locations",
};

bool is_uncut(const std::string& key) {
    for (const std::string_view uncut : kUncutLists)
        if (key == uncut) return true;
    return false;
}

// JSON Pointer escaping of one key (RFC 6901): '~' is "~0", '/' is "~1".
std::string pointer_token(const std::string& key) {
    std::string token;
    for (const char c : key) {
        if (c == '~') token += "~0";
        else if (c == '/') token += "~1";
        else token += c;
    }
    return token;
}

// Cuts every list under `value` (at JSON pointer `pointer`) to `rows` entries, noting in
// `truncated` the length of each list it cut. Lists first, then what the kept rows hold, so
// that nothing is visited in a row that goes.
void cut_lists(Json& value, const std::string& pointer, std::size_t rows, Json& truncated) {
    if (value.is_object()) {
        for (auto& [key, member] : value.items()) {
            if (member.is_array() && is_uncut(key)) continue;
            const std::string at = pointer + "/" + pointer_token(key);
            if (member.is_array() && member.size() > rows) {
                truncated[at] = member.size();
                member.erase(member.begin() + static_cast<std::ptrdiff_t>(rows), member.end());
            }
            cut_lists(member, at, rows, truncated);
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i)
            cut_lists(value[i], pointer + "/" + std::to_string(i), rows, truncated);
    }
}

// The report's frame table: each distinct frame once, in the order the report first names
// it. Sections write frames as frame_json objects; keep() turns each into its index here.
class FrameTable {
public:
    // Moves every frame object under `value` into the table, leaving its index in its place:
    // the values of the keys that name one frame, and the entries of the lists of frames.
    void keep_frames_of(Json& value) {
        if (value.is_array()) {
            for (Json& entry : value) keep_frames_of(entry);
            return;
        }
        if (!value.is_object()) return;
        for (auto& [key, member] : value.items()) {
            if (is_frame_key(key) && member.is_object()) member = index_of(std::move(member));
            else if (is_frame_list_key(key) && member.is_array())
                for (Json& frame : member) frame = index_of(std::move(frame));
            else keep_frames_of(member);
        }
    }

    Json frames() && { return std::move(frames_); }

private:
    static bool is_frame_key(const std::string& key) {
        return key == "location" || key == "via" || key == "function" || key == "program_function";
    }
    static bool is_frame_list_key(const std::string& key) {
        return key == "stack" || key == "locations";
    }

    std::size_t index_of(Json frame) {
        const auto [found, added] = index_.try_emplace(
            frame.dump(-1, ' ', false, Json::error_handler_t::replace), frames_.size());
        if (added) frames_.push_back(std::move(frame));
        return found->second;
    }

    Json frames_ = Json::array();
    std::unordered_map<std::string, std::size_t> index_;  // a frame's JSON text -> its index
};

}  // namespace

Json json_report(const ReportModel& model, std::size_t rows) {
    Json report = {{"schema", kJsonSchemaName}, {"schema_version", kJsonSchemaVersion}};
    for (const std::string_view key : kSchemaKeys) report[std::string(key)] = nullptr;
    Json truncated = Json::object();
    FrameTable frames;
    for (const ReportSection& section : report_sections()) {
        if (!section.write_json) continue;
        // Each section is cut as soon as it is written, so that the report never holds more
        // than one section's rows beyond the cut.
        Json part = Json::object();
        section.write_json(model, rows, part);
        if (rows != 0) cut_lists(part, "", rows, truncated);
        frames.keep_frames_of(part);
        for (auto& [key, value] : part.items()) {
            if (report.contains(key) && report[key].is_object() && value.is_object())
                report[key].update(value);
            else report[key] = std::move(value);
        }
    }
    // The site section made only the rows kept (see write_sites_json).
    if (rows != 0 && model.sites.size() > rows) truncated["/sites"] = model.sites.size();
    report["frames"] = std::move(frames).frames();
    report["truncated"] = std::move(truncated);
    return report;
}

void JsonReporter::write(const ReportModel& model, std::ostream& out) const {
    const Json report = json_report(model, model.options.top);
    // Symbol and file names are bytes, not necessarily UTF-8; invalid sequences become
    // U+FFFD instead of making the whole report fail.
    out << report.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace memattr
