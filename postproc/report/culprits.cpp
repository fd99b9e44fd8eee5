// Culprits: see culprits.h.
#include "report/culprits.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/layout.h"
#include "report/names.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

constexpr EnumName<Culprit::Kind> kCulpritKindWords[] = {
    {Culprit::Kind::site, "site"},
    {Culprit::Kind::mapping, "mapping"},
    {Culprit::Kind::thread_stacks, "thread_stacks"},
    {Culprit::Kind::startup, "startup"},
    {Culprit::Kind::outside, "outside"},
    {Culprit::Kind::code, "code"},
    {Culprit::Kind::read, "read"},
};

// Whether a mapping group holds glibc's own heap (wrap mode): its bytes are the sites'.
bool holds_the_heap(const MappingGroup& group) {
    return group.kind == MappingGroupKind::brk_heap || group.made_by_allocator;
}

// The start-up part, file by file: "start-up data of /usr/bin/gzip" (its .data and .bss, a
// static program's buffers) says more than one sum.
void add_startup_groups(const MemoryMapReport& map, std::vector<Culprit>& culprits) {
    for (std::size_t index = 0; index < map.groups.size(); ++index) {
        const MappingGroup& group = map.groups[index];
        const std::uint64_t bytes = footprint_of(map, group);
        if (group.kind != MappingGroupKind::startup || bytes == 0) continue;
        const std::string& file = map.map.regions[group.regions.front()].file;
        culprits.push_back({Culprit::Kind::startup, bytes, std::nullopt, index,
                            file.empty() ? std::string("anonymous memory present at start-up")
                                         : fmt::format("data and .bss of {} (loaded at start-up)",
                                                       escape_value(file))});
    }
}

void add_parts(const ReportModel& model, std::vector<Culprit>& culprits) {
    const MemoryMapReport& map = model.memory_map;
    for (const TotalPart& part : map.parts) {
        switch (part.kind) {
        case TotalPartKind::heap:
            break;  // the sites are the heap
        case TotalPartKind::mapping:
            if (part.group && holds_the_heap(map.groups[*part.group])) break;
            culprits.push_back({Culprit::Kind::mapping, part.bytes, std::nullopt, part.group,
                                escape_value(part.name)});
            break;
        case TotalPartKind::thread_stacks:
            culprits.push_back({Culprit::Kind::thread_stacks, part.bytes, std::nullopt,
                                std::nullopt, "thread stacks"});
            break;
        case TotalPartKind::startup:
            add_startup_groups(map, culprits);  // by file: whose data it is
            break;
        case TotalPartKind::outside:
            culprits.push_back({Culprit::Kind::outside, part.bytes, std::nullopt, std::nullopt,
                                "written pages in no region"});
            break;
        case TotalPartKind::code:
            culprits.push_back({Culprit::Kind::code, part.bytes, std::nullopt, std::nullopt,
                                escape_value(part.name)});
            break;
        case TotalPartKind::read:
            culprits.push_back({Culprit::Kind::read, part.bytes, std::nullopt, std::nullopt,
                                escape_value(part.name)});
            break;
        }
    }
}

}  // namespace

ResidentParts resident_parts(const MemoryMapReport& map) {
    ResidentParts parts;
    for (const TotalPart& part : map.parts) {
        switch (part.kind) {
        case TotalPartKind::heap: parts.heap += part.bytes; break;
        case TotalPartKind::mapping: parts.mappings += part.bytes; break;
        case TotalPartKind::thread_stacks: parts.thread_stacks += part.bytes; break;
        case TotalPartKind::startup: parts.startup += part.bytes; break;
        case TotalPartKind::outside: parts.outside += part.bytes; break;
        case TotalPartKind::code: parts.code += part.bytes; break;
        case TotalPartKind::read: parts.read += part.bytes; break;
        }
    }
    return parts;
}

std::vector<Culprit> rank_culprits(const ReportModel& model) {
    std::vector<Culprit> culprits;
    for (std::size_t row = 0; row < model.sites.size(); ++row) {
        const std::uint64_t live = model.sites[row].figures.peak_bytes;
        if (live == 0) continue;
        // A large block's pages never written are live heap yet not resident (xz's 512 MiB
        // match finder on a small input): the culprit is what the site holds in memory.
        const std::uint64_t unwritten = std::min(live, unwritten_of_site(model.memory_map, row));
        culprits.push_back({.kind = Culprit::Kind::site,
                            .bytes = live - unwritten,
                            .site = row,
                            .group = std::nullopt,
                            .name = site_name(model, row),
                            .unwritten = unwritten});
    }
    if (!model.memory_map.missing) add_parts(model, culprits);
    std::stable_sort(culprits.begin(), culprits.end(),
                     [](const Culprit& a, const Culprit& b) { return a.bytes > b.bytes; });
    return culprits;
}

std::vector<ObjectHeap> heap_by_object(const ReportModel& model,
                                       const std::vector<Culprit>& culprits) {
    std::map<std::string, ObjectHeap> by_object;
    for (const Culprit& culprit : culprits) {
        if (!culprit.site) continue;
        const Frame& location = model.sites[*culprit.site].location;
        const std::string& object = location.object;
        ObjectHeap& heap = by_object[object];
        heap.object = object;
        heap.bytes += culprit.bytes;
        ++heap.sites;
    }
    std::vector<ObjectHeap> heaps;
    for (auto& [object, heap] : by_object) heaps.push_back(std::move(heap));
    std::stable_sort(heaps.begin(), heaps.end(),
                     [](const ObjectHeap& a, const ObjectHeap& b) { return a.bytes > b.bytes; });
    return heaps;
}

std::string_view culprit_kind_word(Culprit::Kind kind) { return name_of(kCulpritKindWords, kind); }

}  // namespace memattr
