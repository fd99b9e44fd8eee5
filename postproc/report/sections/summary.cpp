// The summary: the peak, the resident estimate and the culprits of memory at the peak, the
// totals, what was temporary, what is live at exit.
#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/stable_key.h"
#include "report/culprits.h"
#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

// Culprits the summary names: enough to say where most memory is, few enough for a first
// screen.
constexpr std::size_t kSummaryCulprits = 5;
// The JSON summary's culprits: the whole ranking is the sites table and the memory map.
constexpr std::size_t kJsonCulprits = 20;

std::string describe_parts(const ResidentParts& parts) {
    std::vector<std::string> named;
    const auto add = [&](std::uint64_t bytes, std::string_view what) {
        if (bytes != 0) named.push_back(fmt::format("{} {}", what, human_bytes(bytes)));
    };
    add(parts.heap, "heap");
    add(parts.mappings, "mappings");
    add(parts.thread_stacks, "thread stacks");
    add(parts.startup, "start-up data");
    add(parts.outside, "outside every region");
    add(parts.code, "code executed");
    add(parts.read, "file pages read");
    return fmt::format("= {}", fmt::join(named, " + "));
}

// Culprits named by a function without a line, or by an object and an offset, come from
// code whose debug information Valgrind did not find: say how to get it, once per object.
void write_debug_info_hint(const std::vector<std::string>& objects, std::ostream& out) {
    for (std::size_t i = 0; i < objects.size(); ++i)
        write_row(out, i == 0 ? "Symbols" : "",
                  fmt::format("no debug information for {}", escape_value(objects[i])));
    if (objects.empty()) return;
    write_row(out, "", "install it and run again: on Debian the -dbgsym package of the package "
                       "that 'dpkg -S FILE' names (from the debian-debug archive); Valgrind "
                       "reads /usr/lib/debug");
}

// The native run's peak RSS beside the estimate, with the part of the difference the
// estimate cannot see (the memory map section explains it at length).
void write_native_rss_text(const MemoryMapReport& map, std::ostream& out) {
    const bool above = map.native_difference >= 0;
    const auto difference = static_cast<std::uint64_t>(above ? map.native_difference
                                                             : -map.native_difference);
    write_row(out, "", fmt::format("native peak RSS {} (--native-rss), {} {} the estimate",
                                   human_bytes(*map.native_rss), human_bytes(difference),
                                   above ? "above" : "below"));
    if (above)
        write_row(out, "", !map.pages ? "the estimate counts anonymous memory only: code and "
                                        "other file pages a native run maps are not in it"
                           : map.map.read_seen
                               ? "file pages of writable mappings read but never written (a "
                                 "library's .data) are not in the estimate"
                               : "file pages other than the code that ran (read-only data, the "
                                 "loader's tables, files read through mappings) are not in the "
                                 "estimate");
    else if (!map.wrap && !map.pages)
        write_row(out, "", "the estimate counts every live heap byte as resident, pages never "
                           "written included (--track-pages=yes, the default, leaves out those "
                           "of large blocks)");
}

// The words before a culprit's name, saying what its bytes are: "live heap from" a site,
// "resident code executed in" an object (its name says which pages), "resident pages of" a
// mapping; without page tracking, the accessible bytes that bound what may be resident.
std::string_view culprit_prefix(Culprit::Kind kind, bool pages) {
    if (kind == Culprit::Kind::site) return "live heap from";
    if (!pages) return "accessible memory of";
    if (kind == Culprit::Kind::code || kind == Culprit::Kind::read) return "resident";
    return "resident pages of";
}

// Objects named in the summary's "Heap by code" row.
constexpr std::size_t kSummaryObjects = 3;

// "Heap by code": when no site holds half of the heap and more than one object's code
// allocated it, which libraries' code holds it (a compiler's heap is spread over thousands
// of sites, each a fraction of a percent).
void write_heap_by_object(const ReportModel& model, const std::vector<Culprit>& culprits,
                          std::ostream& out) {
    std::uint64_t heap = 0, largest = 0;
    for (const Culprit& culprit : culprits)
        if (culprit.site) {
            heap += culprit.bytes;
            largest = std::max(largest, culprit.bytes);
        }
    if (heap == 0 || largest * 2 >= heap) return;
    const std::vector<ObjectHeap> objects = heap_by_object(model, culprits);
    if (objects.size() < 2) return;  // the program's own code, which the sites name already
    std::vector<std::string> named;
    for (std::size_t i = 0; i < objects.size() && i < kSummaryObjects; ++i)
        named.push_back(fmt::format(
            "{} in {} ({} of the heap, {})", human_bytes(objects[i].bytes),
            objects[i].object.empty() ? std::string("code in no object")
                                      : escape_value(base_name(objects[i].object)),
            format_percent(100.0 * static_cast<double>(objects[i].bytes) /
                           static_cast<double>(heap)),
            count_of(objects[i].sites, "site")));
    write_row(out, "Heap by code", fmt::format("{}", fmt::join(named, "; ")));
}

// "Resident" and "Top culprits": where the memory at the peak is, adding up to the estimate.
void write_resident_text(const ReportModel& model, std::ostream& out) {
    const MemoryMapReport& map = model.memory_map;
    if (!map.missing) {
        // Without page tracking the total is an upper bound, and says so.
        const std::string_view moment =
            map.choice == MapChoice::exit ? "exit" : "the footprint's peak";
        write_row(out, "Resident",
                  map.pages ? fmt::format("{} estimated at {}", bytes_with_exact(map.estimate),
                                          moment)
                            : fmt::format("at most {} at {} (written pages not tracked: an "
                                          "upper bound)",
                                          bytes_with_exact(map.estimate), moment));
        write_row(out, "", describe_parts(resident_parts(map)));
        if (map.native_rss) write_native_rss_text(map, out);
    }
    const std::vector<Culprit> culprits = rank_culprits(model);
    const std::size_t shown = std::min(culprits.size(), kSummaryCulprits);
    std::vector<std::string> without_lines;  // objects of culprit sites without debug info
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const Culprit& culprit = culprits[rank];
        write_row(out, rank == 0 ? "Top culprits" : "",
                  fmt::format("{:>10}  {} {}{}", human_bytes(culprit.bytes),
                              culprit_prefix(culprit.kind, map.pages), culprit.name,
                              culprit.unwritten == 0
                                  ? std::string()
                                  : fmt::format(", and {} more on pages never written",
                                                human_bytes(culprit.unwritten))));
        if (!culprit.site) continue;
        const Frame& location = model.sites[*culprit.site].location;
        if (location.file.empty() && !location.object.empty() &&
            std::find(without_lines.begin(), without_lines.end(), location.object) ==
                without_lines.end())
            without_lines.push_back(location.object);
    }
    write_heap_by_object(model, culprits, out);
    write_debug_info_hint(without_lines, out);
}

// The allocation wrappers folded away: the sites are named after their callers.
void write_wrappers_text(const ReportModel& model, std::ostream& out) {
    const std::size_t shown = std::min(model.wrappers.size(), kSummaryCulprits);
    for (std::size_t i = 0; i < shown; ++i) {
        const FoundWrapper& wrapper = model.wrappers[i];
        write_row(out, i == 0 ? "Wrappers" : "",
                  fmt::format("{}, called from {} functions", describe_frame(wrapper.frame),
                              wrapper.callers));
    }
    if (shown == 0) return;
    const std::size_t more = model.wrappers.size() - shown;
    write_row(out, "", fmt::format("{}folded as the allocator, so that sites are named after "
                                   "their callers (--find-wrappers=no keeps them)",
                                   more ? fmt::format("and {} more (JSON: summary.wrappers), ", more)
                                        : std::string()));
}

void write_summary_text(const ReportModel& model, std::ostream& out) {
    const Summary& summary = model.summary;
    write_title(out, "Summary");
    write_row(out, "Peak live heap", fmt::format("{} in {}", bytes_with_exact(summary.peak.bytes),
                                                 blocks(summary.peak.blocks)));
    write_row(out, "", fmt::format("at {}, after {} had been allocated",
                                   time_of(model, summary.peak.time),
                                   bytes_with_exact(summary.peak.allocated)));
    write_resident_text(model, out);
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
    write_wrappers_text(model, out);
    write_row(out, "Executed", fmt::format("{} ({} {})", time_of(model, summary.exit.time),
                                           group_digits(summary.exit.time),
                                           escape_value(model.header.run.time_unit)));
}

// The `access` record's totals, or null when the trace has none.
Json access_json(const std::optional<AccessTotals>& access) {
    if (!access) return nullptr;
    return {
        {"reads", access->reads},
        {"writes", access->writes},
        {"bulk_copies", access->bulk_copies},
        {"bulk_bytes", access->bulk_bytes},
        {"inline_copy_bytes", access->inline_copy_bytes},
        {"pairs", access->pairs},
        {"extra_source_bytes", access->extra_source_bytes},
    };
}

Json resident_json(const MemoryMapReport& map) {
    if (map.missing) return nullptr;
    const ResidentParts parts = resident_parts(map);
    return {{"estimate", map.estimate},
            {"heap", parts.heap},
            {"mappings", parts.mappings},
            {"thread_stacks", parts.thread_stacks},
            {"startup", parts.startup},
            {"outside", parts.outside},
            {"code", parts.code},
            {"read", parts.read}};
}

// The JSON summary's heap by object: every object, as the text row names the first three.
Json heap_by_object_json(const ReportModel& model, const std::vector<Culprit>& culprits) {
    Json rows = Json::array();
    for (const ObjectHeap& heap : heap_by_object(model, culprits))
        rows.push_back({{"object", heap.object}, {"bytes", heap.bytes}, {"sites", heap.sites}});
    return rows;
}

Json culprits_json(const ReportModel& model, const std::vector<Culprit>& culprits) {
    Json rows = Json::array();
    for (std::size_t rank = 0; rank < culprits.size() && rank < kJsonCulprits; ++rank) {
        const Culprit& culprit = culprits[rank];
        rows.push_back({{"kind", culprit_kind_word(culprit.kind)},
                        {"bytes", culprit.bytes},
                        {"site", culprit.site ? Json(site_id(model, *culprit.site)) : Json(nullptr)},
                        {"group", culprit.group ? Json(*culprit.group) : Json(nullptr)},
                        {"name", culprit.name},
                        {"unwritten_bytes", culprit.unwritten}});
    }
    return rows;
}

Json wrappers_json(const ReportModel& model) {
    Json rows = Json::array();
    for (const FoundWrapper& wrapper : model.wrappers) {
        rows.push_back({{"location", location_json(wrapper.frame)},
                        {"callers", wrapper.callers},
                        {"sites", wrapper.sites}});
    }
    return rows;
}

void write_summary_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    const Summary& summary = model.summary;
    const std::vector<Culprit> culprits = rank_culprits(model);  // ranked once, used twice
    report["summary"] = {
        {"peak",
         {{"bytes", summary.peak.bytes},
          {"blocks", summary.peak.blocks},
          {"t", summary.peak.time},
          {"alloc", summary.peak.allocated}}},
        {"total",
         {{"bytes", summary.totals.bytes},
          {"blocks", summary.totals.blocks},
          {"frees", summary.totals.frees},
          {"bad_frees", summary.totals.bad_frees}}},
        {"exit",
         {{"bytes", summary.exit.bytes},
          {"blocks", summary.exit.blocks},
          {"t", summary.exit.time},
          {"alloc", summary.exit.allocated}}},
        {"temporary",
         {{"blocks", summary.temporary_blocks},
          {"bytes", summary.temporary_bytes},
          {"percent_of_blocks", summary.temporary_percent}}},
        {"instructions", summary.exit.time},
        {"never_read", blocks_and_bytes(summary.never_read_blocks, summary.never_read_bytes)},
        {"never_accessed",
         blocks_and_bytes(summary.never_accessed_blocks, summary.never_accessed_bytes)},
        {"access", access_json(summary.access)},
        {"resident", resident_json(model.memory_map)},
        {"culprits", culprits_json(model, culprits)},
        {"heap_by_object", heap_by_object_json(model, culprits)},
        {"wrappers", wrappers_json(model)},
    };
}

}  // namespace

ReportSection summary_section() { return {"summary", write_summary_text, write_summary_json}; }

}  // namespace memattr
