// The memory map at the peak: the regions mapped by mapping site, what of them was written and
// used by heap blocks, the estimate of resident memory part by part, the gap between it and
// the heap and why, and the custom allocators' arenas. In JSON: "memory_map".
#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/stable_key.h"
#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"
#include "trace/trace_schema.h"

namespace memattr {

namespace {

// What a mapping group gathers, as its JSON "kind".
constexpr EnumName<MappingGroupKind> kGroupKindNames[] = {
    {MappingGroupKind::mapping_site, "mapping_site"},
    {MappingGroupKind::brk_heap, "brk_heap"},
    {MappingGroupKind::thread_stacks, "thread_stacks"},
    {MappingGroupKind::startup, "startup"},
    {MappingGroupKind::no_stack, "no_stack"},
    {MappingGroupKind::loader, "loader"},
};

// What a part of the estimate counts, as its JSON "kind".
constexpr EnumName<TotalPartKind> kPartKindNames[] = {
    {TotalPartKind::heap, "heap"},
    {TotalPartKind::thread_stacks, "thread_stacks"},
    {TotalPartKind::mapping, "mapping"},
    {TotalPartKind::startup, "startup"},
    {TotalPartKind::outside, "outside"},
    {TotalPartKind::code, "code"},
    {TotalPartKind::read, "read"},
};

// What explains a part of the gap, as its JSON "kind".
constexpr EnumName<ExplanationKind> kExplanationKindNames[] = {
    {ExplanationKind::allocator_slop, "allocator_slop"},
    {ExplanationKind::used_by_blocks, "used_by_blocks"},
    {ExplanationKind::written_unused, "written_unused"},
    {ExplanationKind::written, "written"},
    {ExplanationKind::outside, "outside"},
    {ExplanationKind::code, "code"},
    {ExplanationKind::read, "read"},
};

// Which memory map the section shows, as JSON's "choice".
constexpr EnumName<MapChoice> kMapChoiceNames[] = {
    {MapChoice::peak, "peak"},
    {MapChoice::exit, "exit"},
    {MapChoice::requested, "requested"},
};

// Column widths of the table of mapping groups.
constexpr std::size_t kGroupNameWidth = 32;
constexpr std::size_t kRegionsWidth = 8;
constexpr std::size_t kSizeWidth = 11;
constexpr std::size_t kNeverWidth = 14;

// Regions whose history a group's row tells, at most; the others are counted.
constexpr std::size_t kMaxHistoryLines = 3;

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
        write_row(out, "", fmt::format("usable {} as glibc would round them{}",
                                       bytes_with_exact(map.heap_usable),
                                       map.heap_headers == 0
                                           ? std::string()
                                           : fmt::format(", with {} of chunk headers",
                                                         bytes_with_exact(map.heap_headers))));
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

// Whose regions' histories the table tells: the program's mappings and the brk heap. The
// dynamic loader's segments, start-up segments and thread stacks are changed by ld.so and
// pthread (RELRO, guard pages), the same in every program.
bool tells_histories(const MappingGroup& group) {
    return group.kind == MappingGroupKind::mapping_site || group.kind == MappingGroupKind::brk_heap ||
           group.kind == MappingGroupKind::no_stack;
}

// One line per region changed after it was made, at most kMaxHistoryLines.
void add_history_lines(const MemoryMapReport& report, const MappingGroup& group,
                       std::vector<std::string>& details) {
    if (!tells_histories(group)) return;
    std::size_t changed = 0;
    for (const std::size_t index : group.regions) {
        const RegionHistory& history = report.histories[index];
        if (!changed_after_made(history)) continue;
        if (++changed <= kMaxHistoryLines) details.push_back(history.text);
    }
    if (changed > kMaxHistoryLines)
        details.push_back(fmt::format("and {} changed after they were made",
                                      count_of(changed - kMaxHistoryLines, "more region")));
}

// The lines under a group's row: growth, the file, the regions' histories, the blocks inside.
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
    add_history_lines(report, group, details);
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
// upper bound, what may be resident.
void write_total(const MemoryMapReport& report, std::ostream& out) {
    const bool file_pages = report.code != 0 || report.read != 0;
    const std::string total_name =
        file_pages ? fmt::format("estimated resident memory {}", at_moment(report))
        : report.pages   ? fmt::format("estimated resident (anonymous) memory {}", at_moment(report))
                         : fmt::format("memory that may be resident {}, an upper bound",
                                       at_moment(report));
    if (file_pages)
        out << fmt::format("\nEstimated resident memory {}, part by part (anonymous memory, "
                           "and the file pages of the code that ran and of what was read):\n",
                           at_moment(report));
    else if (report.pages)
        out << fmt::format("\nEstimated resident (anonymous) memory {}, part by part:\n",
                           at_moment(report));
    else
        out << fmt::format("\nUpper bound of resident (anonymous) memory {}: the bytes "
                           "accessible, part by part:\n",
                           at_moment(report));
    for (std::size_t i = 0; i < report.parts.size(); ++i)
        out << fmt::format("  {} {:>11}  {}\n", i == 0 ? ' ' : '+',
                           human_bytes(report.parts[i].bytes), report.parts[i].name);
    out << fmt::format("  = {:>11}  {} ({})\n", human_bytes(report.estimate), total_name,
                       count_of(report.estimate, "byte"));
    if (report.discrepancy == 0)
        out << (file_pages ? "Without the code and read parts, this is the footprint the "
                             "tool measured.\n"
                                 : "This is the footprint the tool measured.\n");
    else
        write_wrapped(out, fmt::format("The tool measured a footprint of {}, {} the sum of the "
                                       "parts: the trace is inconsistent.",
                                       count_of(report.map.footprint, "byte"),
                                       compared_to(report.discrepancy)));
}

// Valgrind's brk segment ends 8 MiB above the data segment; past it brk fails and glibc's
// malloc maps memory instead, which a native run (whose brk heap can grow further) does not.
std::string brk_refused_note(const MemoryMapReport& report) {
    std::string text = fmt::format(
        "Valgrind refused {} (\"brk segment overflow\": its brk heap ends 8 MiB above the "
        "program's data; natively it grows further)",
        count_of(report.events->brk_refused, "brk growth"));
    const auto heap = std::find_if(report.groups.begin(), report.groups.end(),
                                   [](const MappingGroup& group) {
                                       return group.continued_in_mappings != 0;
                                   });
    if (heap == report.groups.end()) return text + ".";
    return text + fmt::format(": glibc's malloc went on in memory it mapped, {} grouped with the "
                              "brk heap as \"{}\"",
                              count_of(heap->continued_in_mappings, "region"), heap->name);
}

// What the estimate leaves out of a native RSS: without page tracking every file page; with
// it, the file pages of writable mappings that were read but not written (a library's .data),
// and those of read-only mappings too when the tool could not read the kernel's page table.
std::string_view file_pages_left_out(const MemoryMapReport& report) {
    if (!report.pages) return "file-backed pages such as code and read-only data";
    return report.map.read_seen
               ? "file pages of writable mappings read but never written (a library's .data)"
               : "file-backed pages other than the code that ran (read-only data and the "
                 "loader's tables of each library, files mapped for reading: the kernel's page "
                 "table could not be read)";
}

std::string native_rss_note(const MemoryMapReport& report) {
    if (report.wrap)
        return fmt::format("Not in the estimate: {}, and Valgrind's own memory.",
                           file_pages_left_out(report));
    return fmt::format("Valgrind cannot see all of it: its allocator replaces glibc's, so the "
                       "heap is counted by glibc's chunk rule but glibc's free chunks, arenas "
                       "and fragmentation are not reproduced (--malloc=wrap runs glibc's), and "
                       "{} are not in the estimate.",
                       file_pages_left_out(report));
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
    else if (report.unexplained < 0)
        write_wrapped_row(out, "", "(pages of large malloc blocks never written: glibc maps such "
                                   "blocks apart, and their unwritten pages are not resident)");
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
    count_noun(events.brk_refused, "refused brk growth");
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
                                       "the total below is an upper bound, the accessible bytes "
                                       "(not PROT_NONE reservations) of anonymous mappings, "
                                       "stacks and private writable file mappings (data "
                                       "segments), and the gap is not explained");
    if (report.events && report.events->brk_refused != 0)
        write_wrapped_row(out, "Note", brk_refused_note(report));
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

Json optional_index(const std::optional<std::size_t>& index) {
    return index ? Json(*index) : Json(nullptr);
}

// What a region change is, as its JSON "kind": the trace's word, `protected` included.
Json region_history_json(const RegionHistory& history) {
    Json changes = Json::array();
    for (const RegionChangeRow& change : history.changes)
        changes.push_back({{"index", change.index},
                           {"kind", schema::word_of(schema::kRegionChangeKinds, change.kind)},
                           {"size", change.size},
                           {"prot", change.prot},
                           {"location", change.location ? location_json(*change.location) : Json(nullptr)},
                           {"stack", stack_json(change.stack)}});
    return changes;
}

Json region_json(const ReportModel& model, std::size_t index) {
    const Region& region = model.memory_map.map.regions[index];
    const RegionHistory& history = model.memory_map.histories[index];
    Json uses = Json::array();
    for (const RegionUse& use : region.uses)
        uses.push_back({{"site", site_id(model, use.site)}, {"bytes", use.bytes}, {"blocks", use.blocks}});
    return {
        {"id", region.id},
        {"kind", schema::word_of(schema::kRegionKinds, region.kind)},
        {"start", hex_address(region.start)},
        {"size", region.size},
        {"accessible", region.accessible},
        {"written", region.written},
        {"used", region.used},
        {"used_blocks", region.used_blocks},
        {"prot", region.prot},
        {"shared", region.shared},
        {"startup", region.startup},
        {"file", region.file},
        {"thread", region.thread},
        {"growth", region.growth},
        {"growths", region.growths},
        {"executed", region.executed},
        {"executed_around", region.executed_around},
        {"read", region.read},
        {"uses", std::move(uses)},
        {"changes", region.changes},
        {"history", region_history_json(history)},
        {"history_text", history.text},
    };
}

// A group's stable key: its kind and where its regions were made, or for a group without a
// mapping site its name, with the directory of a start-up group's file left out.
std::string mapping_group_key(const MappingGroup& group) {
    const std::string where =
        group.location ? stable_frame_text(*group.location) : std::string(base_name(group.name));
    return finding_key("mapping", {name_of(kGroupKindNames, group.kind),
                                   schema::word_of(schema::kRegionKinds, group.region_kind), where});
}

Json mapping_group_json(const ReportModel& model, const MappingGroup& group) {
    Json regions = Json::array();
    for (const std::size_t index : group.regions)
        regions.push_back(region_json(model, index));
    return {
        {"key", mapping_group_key(group)},
        {"name", group.name},
        {"kind", name_of(kGroupKindNames, group.kind)},
        {"region_kind", schema::word_of(schema::kRegionKinds, group.region_kind)},
        {"location", group.location ? location_json(*group.location) : Json(nullptr)},
        {"stack", stack_json(group.stack)},
        {"made_by_allocator", group.made_by_allocator},
        {"mapped", group.mapped},
        {"anonymous_mapped", group.anonymous_mapped},
        {"may_be_resident", group.may_be_resident},
        {"accessible", group.accessible},
        {"written", group.written},
        {"used", group.used},
        {"used_blocks", group.used_blocks},
        {"custom_bytes", group.custom_bytes},
        {"custom_blocks", group.custom_blocks},
        {"never_written", group.never_written},
        {"in_use", group.in_use},
        {"written_unused", group.written_unused},
        {"growth", group.growth},
        {"regions", std::move(regions)},
    };
}

Json memory_map_total_json(const MemoryMapReport& report) {
    Json parts = Json::array();
    for (const TotalPart& part : report.parts)
        parts.push_back({{"kind", name_of(kPartKindNames, part.kind)},
                         {"name", part.name},
                         {"group", optional_index(part.group)},
                         {"bytes", part.bytes}});
    return {{"parts", std::move(parts)},
            {"estimate", report.estimate},
            {"code", report.code},
            {"read", report.read},
            {"footprint", report.map.footprint},
            {"discrepancy", report.discrepancy}};
}

Json map_events_json(const std::optional<MapEvents>& events) {
    if (!events) return nullptr;
    return {
        {"mmap", events->mmap},
        {"munmap", events->munmap},
        {"mremap", events->mremap},
        {"mremap_moved", events->mremap_moved},
        {"brk_grow", events->brk_grow},
        {"brk_shrink", events->brk_shrink},
        {"brk_refused", events->brk_refused},
        {"shmat", events->shmat},
        {"shmdt", events->shmdt},
        {"madvise_free", events->madvise_free},
        {"mprotect", events->mprotect},
        {"custom_requests", events->custom_requests},
        {"bad_requests", events->bad_requests},
    };
}

Json memory_map_rankings_json(const MemoryMapReport& report, Json object) {
    Json explanations = Json::array();
    for (const GapExplanation& row : report.explanations)
        explanations.push_back({{"kind", name_of(kExplanationKindNames, row.kind)},
                                {"group", optional_index(row.group)},
                                {"bytes", row.bytes},
                                {"text", row.text}});
    Json never_written = Json::array();
    for (const NeverWrittenRow& row : report.never_written)
        never_written.push_back({{"group", row.group}, {"bytes", row.bytes}, {"text", row.text}});
    object["explanations"] = std::move(explanations);
    object["never_written"] = std::move(never_written);
    return object;
}

Json memory_map_json(const ReportModel& model) {
    const MemoryMapReport& report = model.memory_map;
    if (report.missing) return nullptr;
    const MemoryMap& map = report.map;
    Json groups = Json::array();
    for (const MappingGroup& group : report.groups) groups.push_back(mapping_group_json(model, group));
    Json links = Json::array();
    for (const ArenaLink& link : report.arena_links)
        links.push_back({{"group", link.group},
                         {"site", site_id(model, link.site)},
                         {"bytes", link.bytes},
                         {"blocks", link.blocks}});
    Json object = {
        {"name", map.name},
        {"choice", name_of(kMapChoiceNames, report.choice)},
        {"available", report.available},
        {"t", map.time},
        {"pages", report.pages},
        {"footprint", map.footprint},
        {"heap",
         {{"bytes", map.heap_bytes},
          {"blocks", map.heap_blocks},
          {"usable", map.heap_usable},
          {"headers", map.heap_headers},
          {"inside_regions", report.wrap}}},
        {"custom",
         {{"bytes", map.custom_bytes}, {"blocks", map.custom_blocks}, {"in_heap", map.custom_in_heap}}},
        {"written_outside", map.written_outside},
        {"groups", std::move(groups)},
        {"total", memory_map_total_json(report)},
        {"estimate", report.estimate},
        {"gap", report.gap},
        {"explained", report.explained},
        {"unexplained", report.unexplained},
    };
    object = memory_map_rankings_json(report, std::move(object));
    object["arena_links"] = std::move(links);
    object["native_rss"] = report.native_rss ? Json{{"bytes", *report.native_rss},
                                                    {"difference", report.native_difference}}
                                             : Json(nullptr);
    object["map_events"] = map_events_json(report.events);
    return object;
}

void write_memory_map_json(const ReportModel& model, std::size_t /*rows*/, Json& report) { report["memory_map"] = memory_map_json(model); }

}  // namespace

ReportSection memory_map_section() { return {"memory_map", write_memory_map, write_memory_map_json}; }

}  // namespace memattr
