// Memory map analysis: why the resident memory is bigger than the heap (trace format
// version 4, "Memory map").
//
// It takes one of the trace's memory maps (the footprint's peak by default, else the exit
// one, or --memory-map) and answers with three things:
//
// - Groups of regions by *mapping site*: a region's creating stack folds exactly as an
//   allocation stack does (site_folding.h), so `mmap` in libc and the arena code calling it
//   become "arena at arena.c:42". Regions without a stack are grouped by what they are:
//   "thread stacks", "start-up: /usr/bin/app" (one group per file), "brk heap". Each region's
//   history (the calls that made and changed it, version 5) folds the same way into one line:
//   "reserved 64.00 MiB at a.c:3, tail trimmed to 4.00 MiB at a.c:5".
// - The reconciling total: the estimate of resident anonymous memory as a sum of named parts,
//   heap (usable bytes, in replace mode, where Valgrind's allocator holds the blocks outside
//   every client region) + the pages written in each group + pages written outside every
//   region. It must equal the tool's own `footprint`; a difference is reported, not hidden.
//   Without page tracking (pages=no) the tool's footprint is an upper bound, the bytes of
//   every region that is not a file mapping; the parts are those bytes then, and there is
//   no gap to explain.
// - The gap between that estimate and the requested heap, explained part by part and ranked:
//   allocator slop, live custom blocks in their arena, written pages holding no live block,
//   stacks, start-up data. Separately, what is mapped but never written: not resident, but
//   what the virtual size (VSZ) counts.
//
// The one-line texts of the rankings are made here, once, so that the text and JSON reports
// say the same (as describe_root does for the ownership sections).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/site_folding.h"
#include "trace/trace.h"

namespace memattr {

struct AnalysisOptions;

// Why the report has no memory map section.
enum class NoMemoryMapReason {
    old_trace,      // a trace older than version 4: written before memory maps existed
    none_recorded,  // version 4, yet no `memory-map` record
};

// Why this memory map was picked.
enum class MapChoice {
    peak,       // the footprint's peak, the default
    exit,       // no peak memory map in the trace: the exit one
    requested,  // --memory-map
};

// What a group of regions is.
enum class MappingGroupKind {
    mapping_site,   // regions whose creating calls fold to one program location (and kind)
    brk_heap,       // the heap grown by brk/sbrk
    thread_stacks,  // every thread's stack, the main thread's included
    startup,        // the start-up segments of one file, or the anonymous ones
    no_stack,       // other regions the trace gives no creating stack for, by kind
    loader,         // what the dynamic loader mapped for one file (its segments, its .bss) or
                    // anonymous: libraries loaded at start-up or by dlopen, Valgrind's and
                    // memattr's preload objects among them
};

struct MappingGroup {
    MappingGroupKind kind = MappingGroupKind::mapping_site;
    RegionKind region_kind = RegionKind::anon;  // the kind of its (first) region
    std::string name;               // "arena at arena.c:42", "thread stacks", "brk heap", ...
    std::optional<Frame> location;  // the mapping site: the folded frame of the first region
                                    // with a creating stack
    std::vector<Frame> stack;       // that region's folded stack, at most --frames
    bool made_by_allocator = false; // the creating call went through malloc (glibc's own
                                    // allocator, in wrap mode)
    std::vector<std::size_t> regions;  // indexes into MemoryMapReport::map.regions, by address
    std::uint64_t continued_in_mappings = 0;  // brk heap: of its regions, those glibc's malloc
                                              // mapped when Valgrind refused brk (8 MiB limit)

    std::uint64_t mapped = 0;       // sizes, summed
    std::uint64_t anonymous_mapped = 0;  // of those, regions that are not file mappings
    std::uint64_t may_be_resident = 0;   // what the footprint counts with pages=no, an upper
                                         // bound of its written pages: the accessible bytes
                                         // (not PROT_NONE) of its regions that are not file
                                         // mappings and of its private writable file mappings
                                         // (a program's .data), as the tool counts them
    std::uint64_t accessible = 0;
    std::uint64_t written = 0;
    std::uint64_t used = 0;         // requested bytes of live blocks inside
    std::uint64_t used_blocks = 0;
    std::uint64_t custom_bytes = 0;   // of those, custom and pool blocks (region-use)
    std::uint64_t custom_blocks = 0;
    std::uint64_t never_written = 0;  // mapped - written: not resident
    std::uint64_t in_use = 0;         // min(used, written): written bytes live blocks hold
    std::uint64_t written_unused = 0; // written - in_use: written, holding no live block
    std::string growth;  // "mremap growth 4→8→16→32 MiB", "brk growth, 37 steps, to 6 MiB";
                         // empty when no region of the group grew
};

// One line of the reconciling total.
// `code`: the file pages of one object that the program ran code from, with the kernel's
// fault-around (the regions' executed_around); not anonymous, so not in the tool's footprint.
// `read`: the file pages of one object's mappings that are not writable, resident because
// the program or the loader read them, not code (the regions' `read`, from the kernel's
// page table).
enum class TotalPartKind { heap, thread_stacks, mapping, startup, outside, code, read };

struct TotalPart {
    TotalPartKind kind = TotalPartKind::mapping;
    std::string name;                  // "heap (malloc blocks, usable bytes)", a group's name...
    std::optional<std::size_t> group;  // the MappingGroup, for kind mapping
    std::uint64_t bytes = 0;
};

// What one explanation of the gap is.
enum class ExplanationKind {
    allocator_slop,  // usable bytes of malloc blocks beyond the requested (replace mode)
    used_by_blocks,  // written pages of a group that live custom or pool blocks hold
    written_unused,  // written pages of a group with blocks, holding none of them
    written,         // written pages of a group without blocks (stacks, start-up data, ...)
    outside,         // written pages in no region
    code,            // file pages of an object's code that ran (a `code` part)
    read,            // file pages of an object read, not written nor run (a `read` part)
};

struct GapExplanation {
    ExplanationKind kind = ExplanationKind::written;
    std::optional<std::size_t> group;  // the MappingGroup it is about, if one
    std::uint64_t bytes = 0;
    std::string text;  // one line naming the site, e.g. "used by live blocks: 12 MiB in 3,072
                       // custom and pool blocks in arena at arena.c:42 (sites 5, 6)"
};

// A group's mapped bytes that were never written.
struct NeverWrittenRow {
    std::size_t group = 0;
    std::uint64_t bytes = 0;  // MappingGroup::never_written
    std::string text;  // "arena at arena.c:42 (mremap growth 4→8→16→32 MiB) mapped 32 MiB,
                       // wrote 12.5 MiB, 19.5 MiB never touched"
};

// One call of a region's history, its stack folded as a mapping site's is: the program's
// line, not libc's mmap wrapper.
struct RegionChangeRow {
    std::uint64_t index = 0;  // which change of the region it was, from 0 (the kept ones are
                              // the first and the last: see Region::history)
    RegionChangeKind kind = RegionChangeKind::mapped;
    std::uint64_t size = 0;   // RegionChange::size
    std::string prot;         // RegionChange::prot
    std::optional<Frame> location;  // the folded stack's site frame; none without a stack
    std::vector<Frame> stack;       // the folded stack, at most --frames
};

// A region's history (from `region-change`), told in one line.
struct RegionHistory {
    std::vector<RegionChangeRow> changes;  // oldest first, as the trace keeps them
    std::uint64_t dropped = 0;             // changes the trace only counts, between the first
                                           // kept ones and the last
    std::string text;  // "reserved 64.00 MiB at file.c:30, tail trimmed to 4.00 MiB at
                       // file.c:32, grown by mremap to 8.00 MiB at file.c:34"; empty when
                       // the trace gives no history
};

// A custom or pool site's live blocks inside one group's regions (from `region-use`).
struct ArenaLink {
    std::size_t group = 0;    // the MappingGroup
    std::size_t site = 0;     // an index into ReportModel::sites
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
};

struct MemoryMapReport {
    std::optional<NoMemoryMapReason> missing;  // set: everything below is empty
    std::vector<std::string> available;        // the trace's memory maps, by name
    MapChoice choice = MapChoice::peak;
    MemoryMap map;        // the chosen one; RegionUse::site are indexes into ReportModel::sites
    std::vector<RegionHistory> histories;  // by region: histories[i] is map.regions[i]'s
    bool wrap = false;    // malloc-mode=wrap: the heap lies inside the regions
    bool pages = false;   // pages=yes: the written figures were measured
    std::optional<MapEvents> events;

    std::vector<MappingGroup> groups;  // by written, then mapped (descending), then name
    std::vector<TotalPart> parts;      // heap, thread stacks, groups, start-up, outside; only
                                       // parts with bytes (the heap always in replace mode).
                                       // Written bytes; with pages=no, anonymous_mapped
    std::uint64_t estimate = 0;        // the sum of the parts
    std::uint64_t code = 0;            // of it, the code parts (file pages; pages=yes only)
    std::uint64_t read = 0;            // of it, the read parts (file pages; pages=yes and the
                                       // map's read_seen only)
    std::int64_t discrepancy = 0;      // the tool's footprint - (estimate - code - read): 0
                                       // unless the trace is inconsistent
    std::int64_t gap = 0;              // estimate - the requested heap (map.heap_bytes)
    std::uint64_t explained = 0;       // the explanations' bytes, summed
    std::int64_t unexplained = 0;      // gap - explained: in replace mode, minus the unwritten
                                       // pages of large blocks (heap_unwritten), else 0; in
                                       // wrap mode, minus the live malloc bytes on pages never
                                       // written or outside every region
    std::vector<GapExplanation> explanations;  // by bytes, descending; none of 0 bytes; none
                                               // with pages=no
    std::vector<NeverWrittenRow> never_written;  // by bytes, descending; none of 0 bytes; none
                                                 // with pages=no
    std::vector<ArenaLink> arena_links;  // by bytes descending, then site, then group
    // The map's heap_unwritten (replace mode: large blocks' pages never written, not
    // resident) by ReportModel::sites row, most bytes first; unset when the trace does not
    // say (older traces).
    std::optional<std::vector<SiteUnwritten>> unwritten_sites;

    std::optional<std::uint64_t> native_rss;  // --native-rss
    std::int64_t native_difference = 0;       // native_rss - estimate
};

// What `group` adds to the footprint (and to the estimate's parts): its written bytes, or
// without page tracking its may_be_resident bytes (the tool's upper bound).
std::uint64_t footprint_of(const MemoryMapReport& report, const MappingGroup& group);

// The link of `site` (an index into ReportModel::sites) holding the most of its bytes, or
// nullptr when the site has no blocks in any region of the memory map.
const ArenaLink* arena_of_site(const MemoryMapReport& report, std::size_t site);

// The unwritten heap bytes of `site` (an index into ReportModel::sites) in the memory map:
// live bytes of its large blocks that are not resident; 0 when none or not known.
std::uint64_t unwritten_of_site(const MemoryMapReport& report, std::size_t site);

// The sizes of a region's growth, with their unit once when they share it: "4→8→16→32 MiB",
// or "1.5 MiB→2 GiB"; "brk growth, 37 steps, to 6 MiB" when the list is cut short (or long).
std::string describe_region_growth(const Region& region);

// Whether the region was changed after it was made (a start-up segment: at all): its
// history says more than the group it is in.
bool changed_after_made(const RegionHistory& history);

// `row_of_site[i]` is the index in ReportModel::sites of Trace::sites[i]. Throws
// std::invalid_argument when --memory-map names a memory map the trace does not have.
MemoryMapReport analyse_memory_map(const Trace& trace, const AnalysisOptions& options,
                                   const SiteFolder& folder,
                                   const std::vector<std::size_t>& row_of_site);

}  // namespace memattr
