// The HTML report: see html_reporter.h.
#include "report/html_reporter.h"

#include <ostream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "report/json_reporter.h"
#include "report/layout.h"
#include "report/profiles/profile_stacks.h"

namespace memattr {

namespace {

// The three files of postproc/report/html/, as kHtmlPage, kHtmlStyle and kHtmlScript.
#include "report/html_assets.inc"

// The site table's columns, in the order of each site's array; the page reads the names.
constexpr std::string_view kSiteColumns[] = {
    "id",          "key",         "kind",           "peak_bytes",       "peak_blocks",
    "total_bytes", "total_blocks", "exit_bytes",    "exit_blocks",      "temporary_bytes",
    "never_read_bytes", "leaked_bytes", "retained_bytes", "owned_bytes", "mean_lifetime",
    "omitted_frames", "stack",
};

// Frames and objects, each stored once: a compiler's twelve thousand sites share most of
// their callers, and their stacks as objects would be most of the page.
class FrameTable {
public:
    std::size_t index_of(const Frame& frame) {
        const std::string place = fmt::format("{}\t{}\t{}\t{}", frame.function, frame.file,
                                              frame.line, frame.object);
        const auto [found, added] = frame_index_.try_emplace(place, frames_.size());
        if (added)
            frames_.push_back({frame.function, frame.file, frame.line,
                               object_index(frame.object), frame.object_offset});
        return found->second;
    }
    Json frames() && { return std::move(frames_); }
    Json objects() && { return std::move(objects_); }

private:
    std::size_t object_index(const std::string& object) {
        const auto [found, added] = object_index_.try_emplace(object, objects_.size());
        if (added) objects_.push_back(object);
        return found->second;
    }

    Json frames_ = Json::array();   // [function, file, line, object index, offset in the
                                    // object of a frame without a symbol (0: unknown)]
    Json objects_ = Json::array();  // object paths
    std::unordered_map<std::string, std::size_t> frame_index_;
    std::unordered_map<std::string, std::size_t> object_index_;
};

// Bytes by site row that the report's own site table does not hold: lost at exit, retained
// at the snapshot (each site's dominator subtrees, as the owners section ranks them, which
// overlap) and owned (each reachable block once: what the flame graph adds up). The profile
// formats' figures (profile_stacks.h), zeros where the trace cannot give them.
struct SiteExtras {
    std::vector<std::uint64_t> leaked;
    std::vector<std::uint64_t> retained;
    std::vector<std::uint64_t> owned;
};

SiteExtras site_extras(const ReportModel& model) {
    const std::vector<std::uint64_t> zeros(model.sites.size());
    SiteExtras extras{
        model.leaks.missing ? zeros : site_figures(model, ProfileMetric::leaked), zeros,
        model.ownership.missing ? zeros : site_figures(model, ProfileMetric::retained)};
    if (!model.ownership.missing)
        for (const OwnedSite& site : model.ownership.sites)
            extras.retained[site.site] = site.retained_bytes;
    return extras;
}

Json site_table(const ReportModel& model) {
    FrameTable frames;
    const SiteExtras extras = site_extras(model);
    Json rows = Json::array();
    for (std::size_t row = 0; row < model.sites.size(); ++row) {
        const SiteRow& site = model.sites[row];
        const Site& figures = site.figures;
        Json stack = Json::array();
        for (const Frame& frame : site.stack) stack.push_back(frames.index_of(frame));
        rows.push_back({figures.id, site.key, site_kind_name(figures.kind), figures.peak_bytes,
                        figures.peak_blocks, figures.total_bytes, figures.total_blocks,
                        figures.exit_bytes, figures.exit_blocks, figures.temporary_bytes,
                        figures.never_read_bytes, extras.leaked[row], extras.retained[row],
                        extras.owned[row], rounded(site.mean_lifetime), site.omitted_frames, std::move(stack)});
    }
    Json columns = Json::array();
    for (const std::string_view column : kSiteColumns) columns.push_back(column);
    return {{"columns", std::move(columns)},
            {"rows", std::move(rows)},
            {"frames", std::move(frames).frames()},
            {"objects", std::move(frames).objects()}};
}

// Cuts the array at `pointer` (when there is one) to kHtmlMaxRows, noting its length.
void cut_list(Json& data, const std::string& pointer, Json& truncated) {
    const Json::json_pointer where(pointer);
    if (!data.contains(where) || !data[where].is_array()) return;
    Json& list = data[where];
    if (list.size() <= kHtmlMaxRows) return;
    truncated[pointer] = list.size();
    list.erase(list.begin() + kHtmlMaxRows, list.end());
}

}  // namespace

Json html_page_data(const ReportModel& model, const HtmlExtras& extras) {
    // The JSON report cut to kHtmlMaxRows rows a list, its `truncated` saying what it cut;
    // the page's site table replaces its sites (every site, compactly).
    Json data = json_report(model, kHtmlMaxRows);
    data.erase("sites");
    data["site_table"] = site_table(model);
    Json truncated = std::move(data["truncated"]);
    truncated.erase("/sites");
    cut_list(data, "/timeline", truncated);  // the one long list the JSON report keeps whole
    data["truncated"] = std::move(truncated);
    data["baseline"] = extras.baseline ? *extras.baseline : Json(nullptr);
    data["graphs"] = {{"ownership_svg", extras.ownership_svg},
                      {"lineage_svg", extras.lineage_svg},
                      {"missing", extras.graphviz_missing}};
    return data;
}

std::string script_safe_json(const Json& data) {
    const std::string text = data.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string safe;
    safe.reserve(text.size() + text.size() / 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '<') safe += "\\u003c";
        else if (c == '>') safe += "\\u003e";
        else if (c == '&') safe += "\\u0026";
        // U+2028 and U+2029 (E2 80 A8/A9): line terminators to older JavaScript parsers.
        else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                 (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
            safe += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else safe += c;
    }
    return safe;
}

void HtmlReporter::write(const ReportModel& model, std::ostream& out) const {
    // The page is page.html with its four markers replaced; each appears once.
    const std::string data = script_safe_json(html_page_data(model, extras_));
    std::string_view page = kHtmlPage;
    for (const auto& [marker, text] :
         {std::pair<std::string_view, std::string_view>{"/*@STYLE@*/", kHtmlStyle},
          {"/*@DATA@*/", data},
          {"/*@SCRIPT@*/", kHtmlScript}}) {
        const std::size_t at = page.find(marker);
        if (at == std::string_view::npos)
            throw std::logic_error(fmt::format("page.html lacks its marker {}", marker));
        out << page.substr(0, at) << text;
        page.remove_prefix(at + marker.size());
    }
    out << page;
}

}  // namespace memattr
