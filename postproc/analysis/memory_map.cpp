#include "analysis/memory_map.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/options.h"
#include "analysis/stable_key.h"
#include "trace/trace_escape.h"
#include "support/units.h"

namespace memattr {

namespace {

// Growth lists longer than this read as a count of steps instead.
constexpr std::size_t kMaxGrowthSteps = 8;

// Site ids named in one explanation; more are counted.
constexpr std::size_t kMaxNamedSites = 5;

// ---------------------------------------------------------------- choosing the map

const MemoryMap* find_map(const Trace& trace, std::string_view name) {
    for (const MemoryMap& map : trace.memory_maps)
        if (map.name == name) return &map;
    return nullptr;
}

// The memory map --memory-map names, or the peak one, or the exit one; nullptr (with
// `report.missing` set) when the trace has none.
const MemoryMap* choose_map(const Trace& trace, const AnalysisOptions& options,
                            MemoryMapReport& report) {
    for (const MemoryMap& map : trace.memory_maps) report.available.push_back(map.name);
    if (!options.memory_map.empty()) {
        const MemoryMap* map = find_map(trace, options.memory_map);
        if (map == nullptr)
            throw std::invalid_argument(fmt::format(
                "--memory-map {}: the trace has no memory map of that name{}", options.memory_map,
                report.available.empty()
                    ? fmt::format(" (it has none: it is version {})", trace.header.version)
                    : fmt::format("; it has: {}", fmt::join(report.available, ", "))));
        report.choice = MapChoice::requested;
        return map;
    }
    if (const MemoryMap* peak = find_map(trace, "peak")) return peak;
    report.choice = MapChoice::exit;
    if (const MemoryMap* exit = find_map(trace, "exit")) return exit;
    report.missing = trace.header.version < 4 ? NoMemoryMapReason::old_trace
                                              : NoMemoryMapReason::none_recorded;
    return nullptr;
}

// ---------------------------------------------------------------- grouping regions

// What puts two regions in one group. Fields a kind does not use stay empty.
using GroupKey = std::tuple<MappingGroupKind, RegionKind, bool, PlaceKey, std::string>;

struct RegionPlace {
    GroupKey key;
    std::optional<FoldedStack> folded;  // of the creating stack, when the region has one
};

// A region's creating stack starts with the system call's wrapper (mmap in libc, or in the
// executable of a static program, where the rules would take it for the program's code): it
// folds away like an allocator frame, with the frames inlined into it (__mmap64 into mmap),
// which share its code address.
std::size_t system_call_frames(const Trace& trace, const Stack& stack) {
    std::size_t frames = 0;
    while (frames < stack.frames.size() && trace.frames[stack.frames[frames]].inlined) ++frames;
    return frames + 1;
}

// The dynamic loader's object: ld-linux-x86-64.so.2, ld-linux.so.2, ld.so.
bool is_loader(const std::string& object) {
    const std::string_view name = base_name(object);
    return name.starts_with("ld-linux") || name.starts_with("ld.so");
}

// A region the dynamic loader mapped: its stack passes through ld.so, and folding finds no
// program code that asked for it (the site frame is the loader's own, or junk words past the
// outermost frame, without an object). A dlopen from the program is the program's mapping.
bool mapped_by_loader(const Trace& trace, const Stack& stack, const FoldedStack& folded) {
    const Frame& site = trace.frames[folded.site_frame];
    if (!site.object.empty() && !is_loader(site.object)) return false;
    return std::any_of(stack.frames.begin(), stack.frames.end(), [&](std::size_t frame) {
        return is_loader(trace.frames[frame].object);
    });
}

// Whether glibc's malloc mapped the region to go on with its main arena after Valgrind refused
// to grow the brk heap past the end of its brk segment (8 MiB; sysmalloc then maps 1 MiB or
// more at a time and carves chunks from it as from the brk heap): made through malloc, in a
// run where brk was refused, and neither a chunk glibc mapped for one large block (that
// block and at most two pages more) nor a thread arena's heap (64 MiB at a 64 MiB boundary).
bool continues_the_brk_heap(const Trace& trace, const Region& region, const RegionPlace& place) {
    constexpr std::uint64_t kChunkSlack = 2 * 4096;
    constexpr std::uint64_t kThreadHeap = 64 << 20;
    if (!trace.map_events || trace.map_events->brk_refused == 0) return false;
    if (!place.folded || !place.folded->through_allocator || region.kind != RegionKind::anon)
        return false;
    const bool one_large_chunk = region.used_blocks == 1 && region.size <= region.used + kChunkSlack;
    const bool thread_heap = region.size == kThreadHeap && region.start % kThreadHeap == 0;
    return !one_large_chunk && !thread_heap;
}

// Where a region belongs. Stacks and the brk heap are one group each whoever made them: a
// thread's stack is made by pthread_create for every thread alike, and the brk heap is one
// region however many calls grew it.
RegionPlace place_region(const Trace& trace, const SiteFolder& folder, const Region& region,
                         const std::string& startup_file) {
    RegionPlace place;
    if (region.stack) {
        const Stack& stack = trace.stacks[*region.stack];
        place.folded = folder.fold(stack, system_call_frames(trace, stack));
    }
    using enum MappingGroupKind;
    if (region.kind == RegionKind::stack)
        place.key = {thread_stacks, RegionKind::stack, false, {}, {}};
    else if (region.kind == RegionKind::brk || continues_the_brk_heap(trace, region, place))
        place.key = {brk_heap, RegionKind::brk, false, {}, {}};
    else if (region.startup)
        place.key = {startup, RegionKind::anon, false, {}, startup_file};
    else if (place.folded && mapped_by_loader(trace, trace.stacks[*region.stack], *place.folded))
        place.key = {loader, region.kind, false, {}, region.file};
    else if (place.folded)
        place.key = {mapping_site, region.kind, place.folded->through_allocator,
                     place_of(trace.frames[place.folded->site_frame]), {}};
    else
        place.key = {no_stack, region.kind, false, {}, {}};
    return place;
}

// A region's part of the upper bound without page tracking, by the tool's rule (ma_regions.c
// may_be_resident): a file mapping's written pages are the process's own only when it is
// private and writable; a reservation (PROT_NONE) holds none.
std::uint64_t may_be_resident(const Region& region) {
    if (region.kind != RegionKind::file) return region.accessible;
    const bool writable = region.prot.size() > 1 && region.prot[1] == 'w';
    return !region.shared && writable ? region.accessible : 0;
}

void add_region(MappingGroup& group, const Region& region, std::size_t index) {
    group.regions.push_back(index);
    if (group.kind == MappingGroupKind::brk_heap && region.kind != RegionKind::brk)
        group.continued_in_mappings = saturating_add(group.continued_in_mappings, 1);
    group.mapped = saturating_add(group.mapped, region.size);
    if (region.kind != RegionKind::file)
        group.anonymous_mapped = saturating_add(group.anonymous_mapped, region.size);
    group.may_be_resident = saturating_add(group.may_be_resident, may_be_resident(region));
    group.accessible = saturating_add(group.accessible, region.accessible);
    group.written = saturating_add(group.written, region.written);
    group.used = saturating_add(group.used, region.used);
    group.used_blocks = saturating_add(group.used_blocks, region.used_blocks);
    for (const RegionUse& use : region.uses) {
        group.custom_bytes = saturating_add(group.custom_bytes, use.bytes);
        group.custom_blocks = saturating_add(group.custom_blocks, use.blocks);
    }
}

MappingGroup make_group(const Trace& trace, const RegionPlace& place, const Region& region) {
    MappingGroup group;
    group.kind = std::get<0>(place.key);
    group.region_kind = region.kind;
    if (place.folded) {
        group.location = trace.frames[place.folded->site_frame];
        for (const std::size_t frame : place.folded->frames) group.stack.push_back(trace.frames[frame]);
        group.made_by_allocator = place.folded->through_allocator;
    }
    return group;
}

// A group made without a stack takes the first stack one of its later regions has (a brk
// heap present at start-up, grown by malloc later).
void take_stack(MappingGroup& group, const Trace& trace, const RegionPlace& place) {
    if (group.location || !place.folded) return;
    const MappingGroup made = make_group(trace, place, Region{});
    group.location = made.location;
    group.stack = made.stack;
    group.made_by_allocator = made.made_by_allocator;
}

std::vector<MappingGroup> group_regions(const Trace& trace, const SiteFolder& folder,
                                        const MemoryMap& map, std::vector<std::string>& files) {
    std::vector<MappingGroup> groups;
    std::map<GroupKey, std::size_t> index;
    std::string startup_file;  // the file of the start-up regions just below, in address order
    for (std::size_t i = 0; i < map.regions.size(); ++i) {
        const Region& region = map.regions[i];
        // An anonymous start-up region right after a file's start-up segments is that file's
        // .bss (and what the kernel placed after it): it belongs with the file.
        const bool follows_its_file =
            region.startup && region.file.empty() && i > 0 && map.regions[i - 1].startup &&
            map.regions[i - 1].start + map.regions[i - 1].size == region.start;
        startup_file = follows_its_file ? startup_file : region.file;
        const RegionPlace place = place_region(trace, folder, region, startup_file);
        const auto [found, inserted] = index.emplace(place.key, groups.size());
        if (inserted) {
            groups.push_back(make_group(trace, place, region));
            files.push_back(std::get<4>(place.key));
        }
        take_stack(groups[found->second], trace, place);
        add_region(groups[found->second], region, i);
    }
    return groups;
}

// ---------------------------------------------------------------- naming groups

// What a group's regions are, in a few words.
std::string_view noun(const MappingGroup& group) {
    if (group.made_by_allocator) return "malloc mapping";
    switch (group.region_kind) {
    case RegionKind::anon: return group.used_blocks != 0 ? "arena" : "anonymous mapping";
    case RegionKind::shm: return "shared memory";
    case RegionKind::file: return "file mapping";
    case RegionKind::brk: return "brk heap";
    case RegionKind::stack: return "stack";
    }
    return "mapping";
}

// Valgrind's preload objects (vgpreload_*.so), which a native run does not have.
bool is_valgrinds(const std::string& file) { return base_name(file).starts_with("vgpreload_"); }

std::string group_name(const MappingGroup& group, const std::string& file) {
    switch (group.kind) {
    case MappingGroupKind::mapping_site:
        return fmt::format("{} at {}", noun(group), describe_location(*group.location));
    case MappingGroupKind::brk_heap:
        if (group.continued_in_mappings != 0)
            return "malloc's heap: brk, then mappings past Valgrind's brk limit";
        return group.made_by_allocator ? "malloc's brk heap" : "brk heap";
    case MappingGroupKind::thread_stacks: return "thread stacks";
    case MappingGroupKind::startup:
        return fmt::format("start-up: {}", file.empty() ? "anonymous memory" : escape_value(file));
    case MappingGroupKind::loader:
        return file.empty() ? "ld.so: anonymous memory (libraries' .bss)"
                            : fmt::format("ld.so: {} of {}{}",
                                          group.region_kind == RegionKind::file ? "mapping"
                                                                                : "memory",
                                          escape_value(base_name(file)),
                                          is_valgrinds(file)
                                              ? " (Valgrind's own, not in a native run)"
                                              : "");
    case MappingGroupKind::no_stack: break;
    }
    return fmt::format("{} without a creating stack", noun(group));
}

// The growth of the group's largest grown region, and how many others grew.
std::string group_growth(const MappingGroup& group, const MemoryMap& map) {
    const Region* largest = nullptr;
    std::size_t grown = 0;
    for (const std::size_t index : group.regions) {
        const Region& region = map.regions[index];
        if (region.growths == 0) continue;
        ++grown;
        if (largest == nullptr || region.size > largest->size) largest = &region;
    }
    if (largest == nullptr) return {};
    const std::string growth = describe_region_growth(*largest);
    if (grown == 1) return growth;
    return fmt::format("{}, and {} grew", growth, count_of(grown - 1, "other region"));
}

void finish_groups(std::vector<MappingGroup>& groups, const std::vector<std::string>& files,
                   const MemoryMap& map) {
    for (std::size_t i = 0; i < groups.size(); ++i) {
        MappingGroup& group = groups[i];
        group.name = group_name(group, files[i]);
        group.growth = group_growth(group, map);
        group.never_written = group.mapped - std::min(group.written, group.mapped);
        group.in_use = std::min(group.used, group.written);
        group.written_unused = group.written - group.in_use;
    }
    std::stable_sort(groups.begin(), groups.end(), [](const MappingGroup& a, const MappingGroup& b) {
        return std::tie(b.written, b.mapped, a.name) < std::tie(a.written, a.mapped, b.name);
    });
}

// ---------------------------------------------------------------- the total

void add_part(MemoryMapReport& report, TotalPartKind kind, std::string name, std::uint64_t bytes,
              std::optional<std::size_t> group = std::nullopt) {
    report.parts.push_back({kind, std::move(name), group, bytes});
    report.estimate = saturating_add(report.estimate, bytes);
}

// Sums footprint_of over the groups of `kind`.
std::uint64_t footprint_in(const MemoryMapReport& report, MappingGroupKind kind) {
    std::uint64_t bytes = 0;
    for (const MappingGroup& group : report.groups)
        if (group.kind == kind) bytes = saturating_add(bytes, footprint_of(report, group));
    return bytes;
}

bool is_mapping(const MappingGroup& group) {
    return group.kind != MappingGroupKind::thread_stacks && group.kind != MappingGroupKind::startup;
}

// One part per object (file) of the figure `of` its file regions give, largest first, named
// "{what} FILE", Valgrind's preload objects left out; their sum goes to `total` too.
template <typename Figure>
void add_file_parts(MemoryMapReport& report, TotalPartKind kind, std::string_view what,
                    std::uint64_t& total, Figure of) {
    std::map<std::string, std::uint64_t> by_file;
    for (const Region& region : report.map.regions)
        if (region.kind == RegionKind::file && of(region) != 0 && !is_valgrinds(region.file))
            by_file[region.file] = saturating_add(by_file[region.file], of(region));
    std::vector<std::pair<std::string, std::uint64_t>> files(by_file.begin(), by_file.end());
    std::stable_sort(files.begin(), files.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [file, bytes] : files) {
        add_part(report, kind, fmt::format("{} {}", what, file), bytes);
        total = saturating_add(total, bytes);
    }
}

// The code parts: per object, the file pages the program ran code from, widened to the
// kernel's fault-around windows within each mapping and the file (the regions'
// executed_around), largest first. Valgrind's preload objects are left out. Only with page
// tracking: without it the total is an upper bound of anonymous memory, which this is not.
void add_code(MemoryMapReport& report) {
    if (!report.pages) return;
    add_file_parts(report, TotalPartKind::code, "code executed in", report.code,
                   [](const Region& region) { return region.executed_around; });
}

// The read parts: per object, the pages of its mappings that are not writable that the
// kernel's page table showed resident, not written and not counted as code (the regions'
// `read`): the loader's tables (symbols, hash tables, relocations), read-only data, files
// mapped for reading, each with the fault-around of the read faults that brought them in.
// Only with page tracking, and when the tool could read the page table.
void add_read(MemoryMapReport& report) {
    if (!report.pages || !report.map.read_seen) return;
    add_file_parts(report, TotalPartKind::read, "file pages read in", report.read,
                   [](const Region& region) { return region.read; });
}

// The estimate as the tool computes its footprint, part by part, and the code run from file
// pages; parts of 0 bytes are left out, except the heap, which is what the rest is compared
// with. Pages written outside every region are only known with page tracking.
void add_total(MemoryMapReport& report) {
    const MemoryMap& map = report.map;
    if (!report.wrap)
        add_part(report, TotalPartKind::heap,
                 fmt::format("heap (malloc blocks, usable bytes{}{})",
                             map.heap_headers == 0 ? "" : " and chunk headers",
                             map.heap_unwritten == 0 ? ""
                                                     : ", less large blocks' pages never written"),
                 map.heap_usable - map.heap_unwritten + map.heap_headers);
    if (const std::uint64_t stacks = footprint_in(report, MappingGroupKind::thread_stacks))
        add_part(report, TotalPartKind::thread_stacks, "thread stacks", stacks);
    for (std::size_t i = 0; i < report.groups.size(); ++i)
        if (const std::uint64_t bytes = footprint_of(report, report.groups[i]);
            is_mapping(report.groups[i]) && bytes != 0)
            add_part(report, TotalPartKind::mapping, report.groups[i].name, bytes, i);
    if (const std::uint64_t startup = footprint_in(report, MappingGroupKind::startup))
        add_part(report, TotalPartKind::startup,
                 report.pages ? "start-up segments (data written)" : "start-up segments",
                 startup);
    if (report.pages && map.written_outside != 0)
        add_part(report, TotalPartKind::outside, "written outside any region",
                 map.written_outside);
    add_code(report);
    add_read(report);
    report.discrepancy =
        signed_change(map.footprint, report.estimate - report.code - report.read);
    report.gap = signed_change(report.estimate, map.heap_bytes);
}

// ---------------------------------------------------------------- explaining the gap

// "site 5", "sites 5, 6", "sites 1, 2, 3, 4, 5 and 2 more".
std::string site_list(std::vector<std::uint64_t> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() == 1) return fmt::format("site {}", ids.front());
    const std::size_t named = std::min(ids.size(), kMaxNamedSites);
    std::string list = fmt::format("sites {}", fmt::join(ids.begin(), ids.begin() + named, ", "));
    if (named < ids.size()) list += fmt::format(" and {} more", ids.size() - named);
    return list;
}

// What the group's custom blocks are called, from the kinds of their sites.
std::string custom_blocks(const Trace& trace, const MappingGroup& group, const MemoryMap& map,
                          std::vector<std::uint64_t>& ids) {
    bool custom = false;
    bool pool = false;
    for (const std::size_t index : group.regions)
        for (const RegionUse& use : map.regions[index].uses) {
            const Site& site = trace.sites[use.site];
            ids.push_back(site.id);
            (site.kind == SiteKind::pool ? pool : custom) = true;
        }
    if (pool && !custom) return count_of(group.custom_blocks, "pool chunk");
    return count_of(group.custom_blocks, custom && pool ? "custom and pool block" : "custom block");
}

void add_explanation(MemoryMapReport& report, ExplanationKind kind,
                     std::optional<std::size_t> group, std::uint64_t bytes, std::string text) {
    if (bytes == 0) return;
    report.explanations.push_back({kind, group, bytes, std::move(text)});
    report.explained = saturating_add(report.explained, bytes);
}

// A group's written bytes: held by live custom blocks, written and unused, or (without
// blocks) just written. In wrap mode the part malloc blocks hold is the heap itself, which
// the gap is measured from, so it explains nothing.
void explain_group(const Trace& trace, const MemoryMap& trace_map, MemoryMapReport& report,
                   std::size_t index) {
    const MappingGroup& group = report.groups[index];
    if (group.used_blocks == 0) {
        const std::string what = group.region_kind == RegionKind::file
                                     ? " (private copies of file pages)"
                                     : "";
        add_explanation(report, ExplanationKind::written, index, group.written,
                        fmt::format("{}: {} written{}", group.name, short_bytes(group.written), what));
        return;
    }
    std::vector<std::uint64_t> ids;
    const std::string blocks = custom_blocks(trace, group, trace_map, ids);
    const std::uint64_t custom_in_use = std::min(group.custom_bytes, group.in_use);
    if (custom_in_use != 0)
        add_explanation(report, ExplanationKind::used_by_blocks, index, custom_in_use,
                        fmt::format("used by live blocks: {} in {} in {} ({})",
                                    short_bytes(custom_in_use), blocks, group.name,
                                    site_list(ids)));
    add_explanation(report, ExplanationKind::written_unused, index, group.written_unused,
                    fmt::format("{}: {} written but holding no live block{}", group.name,
                                short_bytes(group.written_unused),
                                group.made_by_allocator
                                    ? " (free chunks and chunk overhead)"
                                    : ""));
}

void explain_gap(const Trace& trace, const MemoryMap& trace_map, MemoryMapReport& report) {
    const MemoryMap& map = report.map;
    if (!report.wrap && map.heap_usable + map.heap_headers > map.heap_bytes)
        add_explanation(report, ExplanationKind::allocator_slop, std::nullopt,
                        map.heap_usable + map.heap_headers - map.heap_bytes,
                        fmt::format("allocator slop: {} usable beyond the {} requested in {} "
                                    "(glibc's chunk rounding){}",
                                    short_bytes(map.heap_usable - map.heap_bytes),
                                    short_bytes(map.heap_bytes),
                                    count_of(map.heap_blocks, "malloc block"),
                                    map.heap_headers == 0
                                        ? std::string()
                                        : fmt::format(", and {} of chunk headers",
                                                      short_bytes(map.heap_headers))));
    std::uint64_t stacks = 0;
    std::size_t stack_regions = 0;
    for (std::size_t i = 0; i < report.groups.size(); ++i) {
        const MappingGroup& group = report.groups[i];
        if (group.kind == MappingGroupKind::thread_stacks) {
            stacks = group.written;
            stack_regions = group.regions.size();
        } else if (is_mapping(group)) {
            explain_group(trace, trace_map, report, i);
        }
    }
    add_explanation(report, ExplanationKind::written, std::nullopt, stacks,
                    fmt::format("thread stacks: {} written in {}", short_bytes(stacks),
                                count_of(stack_regions, "stack")));
    const std::uint64_t startup = footprint_in(report, MappingGroupKind::startup);
    add_explanation(report, ExplanationKind::written, std::nullopt, startup,
                    fmt::format("start-up segments (data written): {}", short_bytes(startup)));
    add_explanation(report, ExplanationKind::outside, std::nullopt, map.written_outside,
                    fmt::format("written outside any region: {} (such as the main stack grown "
                                "past its start-up extent)",
                                short_bytes(map.written_outside)));
    for (const TotalPart& part : report.parts)
        if (part.kind == TotalPartKind::code)
            add_explanation(report, ExplanationKind::code, std::nullopt, part.bytes,
                            fmt::format("{}: {} of file pages around the code that ran",
                                        part.name, short_bytes(part.bytes)));
        else if (part.kind == TotalPartKind::read)
            add_explanation(report, ExplanationKind::read, std::nullopt, part.bytes,
                            fmt::format("{}: {} of read-only file pages read (the loader's "
                                        "tables, read-only data, files mapped for reading)",
                                        part.name, short_bytes(part.bytes)));
    std::stable_sort(report.explanations.begin(), report.explanations.end(),
                     [](const GapExplanation& a, const GapExplanation& b) { return a.bytes > b.bytes; });
    // Clamped like every signed figure here: a forged trace must not overflow.
    const std::int64_t explained = signed_change(report.explained, 0);
    if (__builtin_sub_overflow(report.gap, explained, &report.unexplained))
        report.unexplained = INT64_MIN;
}

// ---------------------------------------------------------------- never written

// "arena at arena.c:42 (mremap growth 4→8→16→32 MiB) mapped 32 MiB, wrote 12.5 MiB,
// 19.5 MiB never touched".
std::string describe_never_written(const MappingGroup& group) {
    std::vector<std::string> notes;
    if (!group.growth.empty()) notes.push_back(group.growth);
    if (group.regions.size() > 1) notes.push_back(count_of(group.regions.size(), "region"));
    std::string text = group.name;
    if (!notes.empty()) text += fmt::format(" ({})", fmt::join(notes, "; "));
    text += fmt::format(" mapped {}", short_bytes(group.mapped));
    if (group.accessible < group.mapped)
        text += fmt::format(" ({} accessible)", short_bytes(group.accessible));
    return text + fmt::format(", wrote {}, {} never touched", short_bytes(group.written),
                              short_bytes(group.never_written));
}

void rank_never_written(MemoryMapReport& report) {
    for (std::size_t i = 0; i < report.groups.size(); ++i)
        if (report.groups[i].never_written != 0)
            report.never_written.push_back({i, report.groups[i].never_written,
                                            describe_never_written(report.groups[i])});
    std::stable_sort(report.never_written.begin(), report.never_written.end(),
                     [](const NeverWrittenRow& a, const NeverWrittenRow& b) { return a.bytes > b.bytes; });
}

// ---------------------------------------------------------------- region histories

// What one change did, in a few words; its location follows.
std::string change_phrase(const RegionChangeRow& change, RegionKind region_kind) {
    const std::string size = human_bytes(change.size);
    const std::string_view resizer = region_kind == RegionKind::brk ? "brk" : "mremap";
    switch (change.kind) {
    case RegionChangeKind::mapped: return "mapped " + size;
    case RegionChangeKind::reserved: return "reserved " + size;
    case RegionChangeKind::attached: return fmt::format("attached {} (shmat)", size);
    case RegionChangeKind::brk: return fmt::format("made by brk with {}", size);
    case RegionChangeKind::trimmed_head: return "head trimmed to " + size;
    case RegionChangeKind::trimmed_tail: return "tail trimmed to " + size;
    case RegionChangeKind::trimmed_middle:
        return fmt::format("middle unmapped, {} left in this part", size);
    case RegionChangeKind::grown: return fmt::format("grown by {} to {}", resizer, size);
    case RegionChangeKind::shrunk: return fmt::format("shrunk by {} to {}", resizer, size);
    case RegionChangeKind::moved: return fmt::format("moved by mremap (now {})", size);
    case RegionChangeKind::protection:
        return fmt::format("{} made {}", size, change.prot == "---" ? "PROT_NONE" : change.prot);
    }
    return size;
}

// The history in one line. A location is named where it differs from the one before (calls
// in a loop name it once); the changes the trace only counts are counted where they were.
std::string history_text(const RegionHistory& history, RegionKind region_kind) {
    std::vector<std::string> parts;
    const RegionChangeRow* previous = nullptr;
    for (const RegionChangeRow& change : history.changes) {
        if (previous != nullptr && change.index > previous->index + 1) {
            parts.push_back(count_of(change.index - previous->index - 1, "more change"));
            previous = nullptr;
        }
        std::string part = change_phrase(change, region_kind);
        const bool same_place = previous != nullptr && previous->location && change.location &&
                                place_of(*previous->location) == place_of(*change.location);
        if (change.location && !same_place)
            part += " at " + describe_location(*change.location);
        parts.push_back(std::move(part));
        previous = &change;
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

RegionHistory region_history(const Trace& trace, const SiteFolder& folder, const Region& region) {
    RegionHistory history;
    history.dropped = region.changes - std::min<std::uint64_t>(region.changes, region.history.size());
    for (std::size_t i = 0; i < region.history.size(); ++i) {
        const RegionChange& change = region.history[i];
        RegionChangeRow row;
        // The first ones, then the last ones: the dropped ones come between.
        row.index = i < kRegionChangesFirst ? i : i + history.dropped;
        row.kind = change.kind;
        row.size = change.size;
        row.prot = change.prot;
        if (change.stack) {
            const Stack& stack = trace.stacks[*change.stack];
            const FoldedStack folded = folder.fold(stack, system_call_frames(trace, stack));
            row.location = trace.frames[folded.site_frame];
            for (const std::size_t frame : folded.frames) row.stack.push_back(trace.frames[frame]);
        }
        history.changes.push_back(std::move(row));
    }
    history.text = history_text(history, region.kind);
    return history;
}

// ---------------------------------------------------------------- unwritten heap

// The map's unwritten heap bytes by ReportModel::sites row (sites that fold alike add up),
// most bytes first.
void attribute_unwritten(MemoryMapReport& report, const std::vector<std::size_t>& row_of_site) {
    if (!report.map.unwritten_by_site) return;
    std::map<std::size_t, SiteUnwritten> by_row;
    for (const SiteUnwritten& site : *report.map.unwritten_by_site) {
        SiteUnwritten& row = by_row.try_emplace(row_of_site[site.site]).first->second;
        row.site = row_of_site[site.site];
        row.bytes = saturating_add(row.bytes, site.bytes);
        row.blocks = saturating_add(row.blocks, site.blocks);
    }
    report.unwritten_sites.emplace();
    for (const auto& [row, site] : by_row) report.unwritten_sites->push_back(site);
    std::stable_sort(report.unwritten_sites->begin(), report.unwritten_sites->end(),
                     [](const SiteUnwritten& a, const SiteUnwritten& b) { return a.bytes > b.bytes; });
}

// ---------------------------------------------------------------- arena links

// Region uses name Trace::sites; the report names ReportModel::sites rows, as every section.
void link_arenas(MemoryMapReport& report, const std::vector<std::size_t>& row_of_site) {
    for (Region& region : report.map.regions)
        for (RegionUse& use : region.uses) use.site = row_of_site[use.site];
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> index;
    for (std::size_t group = 0; group < report.groups.size(); ++group)
        for (const std::size_t region : report.groups[group].regions)
            for (const RegionUse& use : report.map.regions[region].uses) {
                const auto [found, inserted] =
                    index.emplace(std::pair{group, use.site}, report.arena_links.size());
                if (inserted) report.arena_links.push_back({group, use.site, 0, 0});
                ArenaLink& link = report.arena_links[found->second];
                link.bytes = saturating_add(link.bytes, use.bytes);
                link.blocks = saturating_add(link.blocks, use.blocks);
            }
    std::sort(report.arena_links.begin(), report.arena_links.end(),
              [](const ArenaLink& a, const ArenaLink& b) {
                  return std::tie(b.bytes, a.site, a.group) < std::tie(a.bytes, b.site, b.group);
              });
}

}  // namespace

bool changed_after_made(const RegionHistory& history) {
    const auto made = [](const RegionChangeRow& change) {
        using enum RegionChangeKind;
        return change.kind == mapped || change.kind == reserved || change.kind == attached ||
               change.kind == brk;
    };
    return std::any_of(history.changes.begin(), history.changes.end(),
                       [&](const RegionChangeRow& change) { return !made(change); });
}

std::uint64_t footprint_of(const MemoryMapReport& report, const MappingGroup& group) {
    return report.pages ? group.written : group.may_be_resident;
}

const ArenaLink* arena_of_site(const MemoryMapReport& report, std::size_t site) {
    for (const ArenaLink& link : report.arena_links)
        if (link.site == site) return &link;  // links come by bytes, descending
    return nullptr;
}

std::uint64_t unwritten_of_site(const MemoryMapReport& report, std::size_t site) {
    if (!report.unwritten_sites) return 0;
    for (const SiteUnwritten& unwritten : *report.unwritten_sites)
        if (unwritten.site == site) return unwritten.bytes;
    return 0;
}

std::string describe_region_growth(const Region& region) {
    if (region.growths == 0 || region.growth.empty()) return {};
    const std::string_view how = region.kind == RegionKind::brk ? "brk growth" : "mremap growth";
    // The list holds the size when made and after each growth, when it is not cut short.
    if (region.growth.size() <= region.growths || region.growth.size() > kMaxGrowthSteps)
        return fmt::format("{}, {} steps, to {}", how, group_digits(region.growths),
                           short_bytes(region.growth.back()));
    // One unit for the whole list when every size reads in the largest one's unit.
    const std::string largest = short_bytes(*std::max_element(region.growth.begin(), region.growth.end()));
    const std::string unit = largest.substr(largest.find(' '));
    std::vector<std::string> sizes;
    for (const std::uint64_t size : region.growth) sizes.push_back(short_bytes(size));
    const bool one_unit = std::all_of(sizes.begin(), sizes.end(), [&](const std::string& size) {
        return size.ends_with(unit);
    });
    if (one_unit)
        for (std::string& size : sizes) size.erase(size.size() - unit.size());
    return fmt::format("{} {}{}", how, fmt::join(sizes, "→"), one_unit ? unit : "");
}

MemoryMapReport analyse_memory_map(const Trace& trace, const AnalysisOptions& options,
                                   const SiteFolder& folder,
                                   const std::vector<std::size_t>& row_of_site) {
    MemoryMapReport report;
    const MemoryMap* map = choose_map(trace, options, report);
    if (map == nullptr) return report;
    report.map = *map;
    report.wrap = trace.header.run.wraps_malloc();
    report.pages = trace.header.run.pages;
    report.events = trace.map_events;

    std::vector<std::string> files;  // by group, for start-up groups' names
    report.groups = group_regions(trace, folder, *map, files);
    for (const Region& region : map->regions)
        report.histories.push_back(region_history(trace, folder, region));
    finish_groups(report.groups, files, *map);
    add_total(report);
    if (report.pages) {
        explain_gap(trace, *map, report);
        rank_never_written(report);
    }
    link_arenas(report, row_of_site);
    attribute_unwritten(report, row_of_site);
    if (options.native_rss) {
        report.native_rss = options.native_rss;
        report.native_difference = signed_change(*options.native_rss, report.estimate);
    }
    return report;
}

}  // namespace memattr
