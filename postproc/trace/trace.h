// The in-memory form of a memattr trace (docs/trace-format.md, versions 1 to 4).
//
// These are plain facts as the tool recorded them: no folding, ranking or formatting happens
// here (that is site_folding.h, analysis.h and the reporters). Field comments name the trace
// key each field comes from, so the format document and this file can be read side by side.
//
// References between records are resolved once by the reader: a stack holds indexes into
// Trace::frames, a site an index into Trace::stacks. Consumers therefore never look ids up
// and can never meet a dangling reference.
//
// Snapshots (version 3) hold one record per live block, so millions of them: their blocks
// and pointers are stored in flat arrays (pointers in compressed sparse row form, indexed by
// block), never as one allocation per block. Memory maps (version 4) hold one record per
// region, thousands at most, so they are plain vectors.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memattr_trace_schema.h"

namespace memattr {

// `tool`: which tool wrote the trace.
struct ToolInfo {
    std::string name;     // name
    std::string version;  // version
};

// `cmd`: the profiled command line.
struct CommandLine {
    std::string exe;   // exe
    std::string args;  // args, joined by single spaces
};

// `process`: identity of the profiled process.
struct ProcessInfo {
    std::uint64_t pid = 0;      // pid
    std::uint64_t ppid = 0;     // ppid
    std::uint64_t fork_of = 0;  // fork-of: the parent's pid when the history up to a fork
                                // was inherited from it, 0 otherwise
};

// `run`: how the tool measured.
struct RunInfo {
    std::string malloc_mode;        // malloc-mode: "replace" (Valgrind's allocator replaced the
                                    // client's), or "wrap" (version 4, --malloc=wrap: glibc's
                                    // allocator ran, wrapped; its memory is in the memory map)
    std::string time_unit;          // time-unit, e.g. "instr": the unit of every `t` figure
    std::uint64_t alignment = 0;    // alignment of heap blocks
    std::uint64_t num_callers = 0;  // num-callers: maximum stack depth recorded
    bool access = false;            // access: reads, writes and copies of heap blocks were
                                    // tracked ("yes"). False for "no" (--track-access=no) and
                                    // for every version 1 trace, which predates tracking
    bool snapshots = false;         // snapshots: heap snapshots were taken ("yes", version 3).
                                    // False for "no" (--snapshots=no) and for every version 1
                                    // or 2 trace, which predates snapshots
    std::uint64_t snapshot_growth = 0;  // snapshot-growth: percent the live heap must grow by
                                        // before a new peak snapshot replaces the last one
    std::uint64_t snapshot_min = 0;     // snapshot-min: live bytes below which no peak
                                        // snapshot is taken
    std::uint64_t snapshot_budget = 0;  // snapshot-budget: the multiple of the live heap that
                                        // retaken peak snapshots may read in all (0: none);
                                        // 0 when absent
    bool pages = false;  // pages: the pages written were tracked ("yes", version 4), so the
                         // memory map's `written` figures mean something. False for "no" and
                         // for every older trace, which has no memory map

    // Whether glibc's allocator ran wrapped (malloc-mode=wrap), its heap inside the regions.
    bool wraps_malloc() const { return malloc_mode == MA_WORD_MALLOC_MODE_WRAP; }
};

// `definition`: the wording behind a figure (e.g. name "temporary"), so reports can quote
// the tool's own definition instead of paraphrasing it.
struct Definition {
    std::string name;  // name
    std::string text;  // text
};

// `frame`: one symbolised code location. Several frames can share an `ip` when code was
// inlined: innermost inlined function first, the function compiled into last.
struct Frame {
    std::uint64_t id = 0;    // id, unique, from 1
    std::uint64_t ip = 0;    // ip
    bool inlined = false;    // inlined
    std::string function;    // fn, demangled, or "???"
    std::string file;        // file, empty without debug information
    std::string dir;         // the source file's directory; empty without debug information
    std::uint64_t line = 0;  // line, 0 without debug information
    std::string object;      // obj: executable or shared library containing ip
    std::uint64_t object_offset = 0;  // for a frame without a symbol ("???"): ip less the
                             // address the object is loaded at (its lowest region in a memory
                             // map), what `addr2line -e OBJECT` takes; 0 when unknown. Not in
                             // the trace: the reader works it out.
};

// `stack`: an allocation stack, innermost frame (the allocator itself) first; or a copy
// stack, innermost frame (the copying code) first.
struct Stack {
    std::uint64_t id = 0;
    std::vector<std::uint32_t> frames;  // frames=, resolved to indexes into Trace::frames
                                        // (32 bits: a compiler has millions of stack entries)
};

// `site` `kind` (version 4): which allocator announced the site's blocks.
enum class SiteKind {
    malloc,  // the malloc/new family (the default, and every site of an older trace)
    custom,  // VALGRIND_MALLOCLIKE_BLOCK: the stack's innermost frame is the custom allocator
    pool,    // VALGRIND_MEMPOOL_ALLOC: a chunk of a memory pool
};

// The trace's name for a site kind, which the reports use too.
constexpr std::string_view site_kind_name(SiteKind kind) {
    switch (kind) {
    case SiteKind::malloc: return MA_WORD_SITE_KIND_MALLOC;
    case SiteKind::custom: return MA_WORD_SITE_KIND_CUSTOM;
    case SiteKind::pool: return MA_WORD_SITE_KIND_POOL;
    }
    return MA_WORD_SITE_KIND_MALLOC;
}

// `site`: one distinct allocation stack and everything allocated from it.
// Bytes are requested sizes; times are in RunInfo::time_unit.
struct Site {
    std::uint64_t id = 0;
    std::size_t stack = 0;  // stack=, resolved to an index into Trace::stacks
    SiteKind kind = SiteKind::malloc;  // kind (version 4; absent means malloc)

    // A realloc counts as one block of its new size in the totals, as DHAT counts it.
    std::uint64_t total_bytes = 0;       // tb: allocated over the run
    std::uint64_t total_blocks = 0;      // tbk
    std::uint64_t peak_bytes = 0;        // pb: live at the global peak
    std::uint64_t peak_blocks = 0;       // pbk
    std::uint64_t max_bytes = 0;         // mb: this site's own maximum of live bytes
    std::uint64_t max_blocks = 0;        // mbk: its live blocks at that moment
    std::uint64_t exit_bytes = 0;        // eb: still live at exit
    std::uint64_t exit_blocks = 0;       // ebk
    std::uint64_t freed_blocks = 0;      // fbk: freed by the client, realloc included
    std::uint64_t lifetime_min = 0;      // ltmin: shortest block lifetime
    std::uint64_t lifetime_max = 0;      // ltmax: longest block lifetime
    std::uint64_t lifetime_sum = 0;      // ltsum: sum of lifetimes; / total_blocks = mean
    std::uint64_t temporary_blocks = 0;  // tmpbk: see the "temporary" Definition
    std::uint64_t temporary_bytes = 0;   // tmpb
    std::uint64_t realloc_blocks = 0;    // rbk: blocks created by realloc

    // Access tracking (version 2; all 0 when RunInfo::access is false).
    std::uint64_t bytes_read = 0;             // rd: bytes the program read in blocks from here
    std::uint64_t bytes_written = 0;          // wr: bytes it wrote in them
    std::uint64_t never_read_blocks = 0;      // nrbk: blocks never read at all (neither used
                                              // nor copied from) before free or exit
    std::uint64_t never_read_bytes = 0;       // nrb: their bytes
    std::uint64_t never_accessed_blocks = 0;  // nabk: of those, blocks never written either;
                                              // the reader checks nabk <= nrbk
    std::uint64_t never_accessed_bytes = 0;   // nab: their bytes; the reader checks nab <= nrb
};

// `copy` `kind`: who copied the bytes.
enum class CopyKind {
    copy,     // the program (a memcpy-family call or an inline load->store copy)
    realloc,  // realloc moved a block and the tool copied it: a relocation by definition
};

// `copy` `src-fate`: what became of the source block after the pair's last copy.
enum class SourceFate {
    prompt,  // freed before any other heap block was allocated (see the "prompt-free"
             // Definition): vector growth, move-by-copy
    later,   // freed, but later than that
    live,    // still live at exit
};

// `copy`: one group of (source block, destination block) pairs that share every key up to
// `n`. Sums are over the group's pairs.
struct CopyGroup {
    CopyKind kind = CopyKind::copy;           // kind
    std::size_t stack = 0;                    // stack=, resolved to an index into Trace::stacks:
                                              // the first copy's stack, or the realloc call's
    std::size_t from = 0;                     // from=, the source blocks' site, resolved to an
                                              // index into Trace::sites
    std::size_t to = 0;                       // to=, the destinations' site, likewise
    unsigned share = 0;                       // share: tenths of each destination that came
                                              // from its source, rounded down, 0..10
    bool source_used = false;                 // src-used: the source was used (see the "use"
                                              // Definition) after the pair's last copy
    SourceFate source_fate = SourceFate::later;  // src-fate
    std::uint64_t pairs = 0;                  // n
    std::uint64_t bytes = 0;                  // bytes: copied from source to destination
    std::uint64_t source_bytes = 0;           // src-bytes: the sources' sizes
    std::uint64_t destination_bytes = 0;      // dst-bytes: the destinations' sizes
    std::uint64_t peak_source_bytes = 0;      // peak-src-bytes: sources' sizes over the pairs
                                              // live (both blocks, copy made) at the peak
    std::uint64_t overlap = 0;                // overlap: source size x time from the last copy
                                              // until the source or the destination went away
};

// `access`: totals of access tracking, in bytes unless said otherwise.
struct AccessTotals {
    std::uint64_t reads = 0;               // reads: read in heap blocks
    std::uint64_t writes = 0;              // writes: written in heap blocks
    std::uint64_t bulk_copies = 0;         // bulk-copies: intercepted memcpy-family calls
    std::uint64_t bulk_bytes = 0;          // bulk-bytes: bytes they copied, any memory
    std::uint64_t inline_copy_bytes = 0;   // inline-copy-bytes: copied heap to heap by inline
                                           // load->store copies
    std::uint64_t pairs = 0;               // pairs: copy pairs recorded
    std::uint64_t extra_source_bytes = 0;  // extra-source-bytes: copied into destinations that
                                           // already had 4 sources (in no pair)
};

// `thread-site`: one of a thread's top sites at the thread's own peak: its blocks allocated
// by that thread and live then.
struct ThreadPeakSite {
    std::size_t site = 0;       // site: index into Trace::sites
    std::uint64_t bytes = 0;    // bytes
    std::uint64_t blocks = 0;   // blocks
};

// `thread` prs, prb, prbk: the sites with the thread's blocks at its own peak that are not
// among its `thread-site` records, and what they held.
struct ThreadPeakRest {
    std::uint64_t sites = 0;
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
};

// `thread`: one client thread. Bytes belong to the allocating thread.
struct Thread {
    std::uint64_t id = 0;            // id, 1 is the main thread
    std::uint64_t parent = 0;        // parent, 0 for the main thread
    std::uint64_t total_bytes = 0;   // tb
    std::uint64_t total_blocks = 0;  // tbk
    std::uint64_t peak_bytes = 0;    // pb: this thread's own maximum of live bytes
    std::uint64_t peak_blocks = 0;   // pbk
    std::uint64_t peak_time = 0;     // pt: when it was reached
    std::uint64_t exit_bytes = 0;    // eb
    std::uint64_t exit_blocks = 0;   // ebk
    // gpb, gpbk: live at the global peak, by allocating thread; absent in older traces
    std::optional<std::uint64_t> global_peak_bytes;
    std::optional<std::uint64_t> global_peak_blocks;
    // The thread's own peak by site, recorded from version 5 once a program has a second
    // thread (a single thread's own peak is the global peak): absent otherwise. `top_sites`
    // are its `thread-site` records, largest first; their figures plus `rest` are the peak's.
    std::optional<ThreadPeakRest> own_peak_rest;
    std::vector<ThreadPeakSite> own_peak_sites;
};

// `peak`: the moment live heap bytes were highest (the latest of equal maxima).
struct Peak {
    std::uint64_t time = 0;       // t
    std::uint64_t allocated = 0;  // alloc: bytes allocated so far, the second time axis
    std::uint64_t bytes = 0;      // bytes
    std::uint64_t blocks = 0;     // blocks
};

// `totals`: the whole run.
struct Totals {
    std::uint64_t bytes = 0;      // bytes
    std::uint64_t blocks = 0;     // blocks
    std::uint64_t frees = 0;      // frees: blocks released, by free/delete or by realloc
    std::uint64_t bad_frees = 0;  // bad-frees: free/realloc of pointers that were not live
                                  // heap blocks (double or wild frees), ignored by the tool
};

// `exit`: the end of the traced program.
struct ExitState {
    std::uint64_t time = 0;       // t: total instructions executed
    std::uint64_t allocated = 0;  // alloc
    std::uint64_t bytes = 0;      // bytes still live
    std::uint64_t blocks = 0;     // blocks still live
    std::string reason;           // reason: "exit", "signal" (a fatal signal), or "exec"
                                  // (written just before an execve)
    std::uint64_t code = 0;       // code: the exit status
};

// `timeline`: one sample of the live heap; samples come in increasing time.
struct TimelinePoint {
    std::uint64_t time = 0;       // t
    std::uint64_t allocated = 0;  // alloc
    std::uint64_t bytes = 0;      // bytes
    std::uint64_t blocks = 0;     // blocks
};

// ---------------------------------------------------------------- phases (version 3)

// `phase` `by`: what delimited a phase instance.
enum class PhaseDelimiter {
    request,   // request: MEMATTR_PHASE_BEGIN/END client requests
    function,  // function: --phase-fn, one instance per call of the function
};

// `phase` `ended`: how a phase instance ended.
enum class PhaseEnding {
    request,    // request: by MEMATTR_PHASE_END (of it, or of a phase it was nested in)
    returned,   // return: its --phase-fn function returned
    open,       // open: still open when the trace was written; its end figures are those
                // of that moment
};

// `phase-site`: one site's figures in one phase instance.
struct PhaseSite {
    std::size_t site = 0;                // site=, resolved to an index into Trace::sites
    std::uint64_t allocated_bytes = 0;   // ab: allocated from the site while it was open
    std::uint64_t allocated_blocks = 0;  // abk
    std::uint64_t freed_bytes = 0;       // fb: the site's blocks released while it was open
    std::uint64_t freed_blocks = 0;      // fbk
    std::uint64_t live_begin = 0;        // live-begin: the site's live bytes at its begin
    std::uint64_t live_end = 0;          // live-end: and at its end
    std::uint64_t exit_bytes = 0;        // xb: what it allocated from the site still live
                                         // when the trace was written
    std::uint64_t exit_blocks = 0;       // xbk
};

// `phase` and its `phase-site` records: one instance (iteration) of a named phase.
struct PhaseInstance {
    std::uint64_t id = 0;         // id, from 1 in the order instances began
    std::string name;             // name (the --phase-fn name as given)
    std::uint64_t iteration = 0;  // iteration: its number among instances of its name, from 1
    std::uint64_t parent = 0;     // parent: the id of the instance it is nested in, 0 at top
                                  // level; always an earlier instance
    std::uint64_t thread = 0;     // thread: the thread that began it
    PhaseDelimiter by = PhaseDelimiter::request;  // by
    PhaseEnding ended = PhaseEnding::request;     // ended
    TimelinePoint begin;          // begin-t, begin-alloc, begin-bytes, begin-blocks
    TimelinePoint end;            // end-t, end-alloc, end-bytes, end-blocks
    std::uint64_t allocated_bytes = 0;   // ab: allocated while it was open, nested instances
                                         // included
    std::uint64_t allocated_blocks = 0;  // abk
    std::uint64_t freed_bytes = 0;       // fb: released while it was open
    std::uint64_t freed_blocks = 0;      // fbk
    std::uint64_t peak_bytes = 0;        // peak: the highest live heap while it was open
    std::uint64_t peak_time = 0;         // peak-t
    std::uint64_t exit_bytes = 0;        // xb: what it allocated still live at the end
    std::uint64_t exit_blocks = 0;       // xbk
    std::vector<PhaseSite> sites;        // its `phase-site` records, in trace order
};

// `mark`: a labelled moment (MEMATTR_MARK), with the live heap then.
struct Mark {
    TimelinePoint at;   // t, alloc, bytes, blocks
    std::string label;  // label
};

// `phases`: how many instances the tool recorded and how many it only counted.
struct PhaseCounts {
    std::uint64_t kept = 0;     // kept: equal to Trace::phases.size()
    std::uint64_t dropped = 0;  // dropped: over the tool's limit of instances, or nested too
                                // deeply
};

// ---------------------------------------------------------------- snapshots (version 3)

// `snapshot` `kinds`: why a snapshot was taken (several can hold).
struct SnapshotKinds {
    bool peak = false;     // peak: the automatic snapshot near the global peak
    bool request = false;  // request: MEMATTR_SNAPSHOT("name") in the program
    bool exit = false;     // exit: taken when the trace was written
};

// `block`: one live block of a snapshot. 32 bytes, so that ten million of them fit in 320 MB.
struct SnapshotBlock {
    std::uint64_t address = 0;  // addr
    std::uint64_t size = 0;     // size: requested bytes, as everywhere else
    std::uint64_t hash = 0;     // hash: 64-bit hash of the contents; equal size and hash are
                                // taken to mean equal contents
    std::uint32_t site = 0;     // site=, resolved to an index into Trace::sites
};

// A `ptrs` `TOFF` of this value means "interior, at 4 GiB or more" (the exact offset is not
// recorded).
inline constexpr std::uint32_t kFarInteriorOffset = 4294967295u;

// One entry of a block's `ptrs`: an aligned word of the block that points into a live block.
struct BlockPointer {
    std::uint64_t offset = 0;         // OFF: the word's byte offset in the holding block
    std::uint32_t target = 0;         // TO, resolved to an index into Snapshot::blocks (TO - 1)
    std::uint32_t target_offset = 0;  // TOFF: 0 when it points at the target's start;
                                      // kFarInteriorOffset for 4 GiB or more
};

// Bits of LayoutMatch::heuristics: the layouts of Memcheck's leak heuristics
// (--leak-check-heuristics), in the order Memcheck tries them.
enum LeakHeuristicBits : std::uint8_t {
    kHeuristicStdString = MA_LEAK_HEURISTIC_STDSTRING,
    kHeuristicLength64 = MA_LEAK_HEURISTIC_LENGTH64,
    kHeuristicNewArray = MA_LEAK_HEURISTIC_NEWARRAY,
    kHeuristicMultipleInheritance = MA_LEAK_HEURISTIC_MULTIPLEINHERITANCE,
};
inline constexpr std::uint8_t kAllLeakHeuristics = 15;

// One entry of a block's `heur`: an interior offset of the block at which its contents
// match layouts of Memcheck's leak heuristics, so that a pointer there may count as one to
// the block's start. The tool records only offsets some pointer or root points at, and only
// in the exit snapshot.
struct LayoutMatch {
    std::uint32_t block = 0;      // the block (an index into Snapshot::blocks)
    std::uint32_t offset = 0;     // OFF: the interior offset
    std::uint8_t heuristics = 0;  // MASK: LeakHeuristicBits, never 0

    bool operator==(const LayoutMatch&) const = default;
};

// `root` `kind`: where a word outside the heap that points into a block lives.
enum class RootKind {
    register_word,  // register: an integer register of a thread
    stack,          // stack: a word of a thread's stack
    global,         // global: writable data (.data, .bss) of a loaded object
    mapping,        // mapping: other writable client memory (anonymous or file mappings)
};

// `root`: one word outside the heap that points into a block of the snapshot.
struct SnapshotRoot {
    RootKind kind = RootKind::global;  // kind
    std::uint32_t block = 0;           // to=, resolved to an index into Snapshot::blocks
    std::uint64_t block_offset = 0;    // toff: where in the block it points (0 = the start)
    std::uint64_t thread = 0;          // thread (register and stack roots; 0 otherwise)
    std::string register_name;         // reg (register roots), e.g. "rax"
    std::optional<std::size_t> stack;  // stack= (stack roots), resolved to an index into
                                       // Trace::stacks: the function whose frame holds the word
    std::uint64_t address = 0;         // addr (stack, global and mapping roots)
    std::string symbol;                // name (global roots): the data symbol holding the
                                       // word, empty when no symbol covers it
    std::uint64_t symbol_offset = 0;   // sym-off (global roots)
    std::string object;                // obj (global and mapping roots): the object file or
                                       // mapped file; empty for anonymous memory
};

// `snapshot` and the `block` and `root` records that follow it: the heap at one moment.
// The reader checks that the header's counts and sums match what follows.
struct Snapshot {
    std::uint64_t id = 0;         // id, from 1 in trace order
    std::string name;             // name: "peak", "exit", or the MEMATTR_SNAPSHOT name
    SnapshotKinds kinds;          // kinds
    std::uint64_t time = 0;       // t
    std::uint64_t allocated = 0;  // alloc: bytes allocated so far
    std::uint64_t bytes = 0;      // bytes: live requested bytes, the sum of the blocks' sizes
    std::uint64_t scanned = 0;    // scanned: bytes of client memory read for it
    std::uint64_t reused = 0;     // reused: bytes of unchanged blocks carried over, not read
                                  // again; 0 when absent
    std::uint64_t unreadable_blocks = 0;  // unreadable-blocks, unreadable-bytes: live blocks
    std::uint64_t unreadable_bytes = 0;   // whose memory the program had protected or
                                          // unmapped, not read; 0 when absent
    std::uint64_t in_place_blocks = 0;    // in-place-blocks: live malloc blocks a realloc
                                          // left where they were (Memcheck's moves them);
                                          // 0 when absent
    // (`blocks`, `edges` and `roots` are blocks.size(), pointers.size() and roots.size().)

    std::vector<SnapshotBlock> blocks;  // `block` records, by `i` (so by address)
    // The pointers of blocks[i] are pointers[first_pointer[i] .. first_pointer[i + 1]), in
    // increasing offset; first_pointer has blocks.size() + 1 entries.
    std::vector<std::uint64_t> first_pointer = {0};
    std::vector<BlockPointer> pointers;  // `ptrs` of every block, concatenated
    std::vector<SnapshotRoot> roots;     // `root` records, in trace order
    std::vector<LayoutMatch> layouts;    // `heur` of every block, by block then offset

    // The heuristics whose layouts `block` matches for a pointer `offset` bytes in (0: none).
    std::uint8_t heuristics_at(std::uint32_t block, std::uint64_t offset) const {
        const auto before = [](const LayoutMatch& match, std::pair<std::uint32_t, std::uint64_t> key) {
            return std::pair<std::uint32_t, std::uint64_t>(match.block, match.offset) < key;
        };
        const auto found = std::lower_bound(layouts.begin(), layouts.end(),
                                            std::pair(block, offset), before);
        return found != layouts.end() && found->block == block && found->offset == offset
                   ? found->heuristics
                   : 0;
    }

    std::span<const BlockPointer> pointers_of(std::size_t block) const {
        return std::span<const BlockPointer>(pointers).subspan(
            first_pointer[block], first_pointer[block + 1] - first_pointer[block]);
    }
};

// `snapshot-cost`: what taking snapshots cost over the run.
struct SnapshotCost {
    std::uint64_t taken = 0;    // taken: snapshots taken, peak snapshots later replaced included
    std::uint64_t scanned = 0;  // scanned: bytes of client memory they read in all
    std::uint64_t reused = 0;   // reused: bytes of unchanged blocks not read again; 0 when
                                // absent
};

// ---------------------------------------------------------------- memory map (version 4)

// `map-events`: how often the program made each kind of mapping call, over the run.
struct MapEvents {
    std::uint64_t mmap = 0;             // mmap
    std::uint64_t munmap = 0;           // munmap
    std::uint64_t mremap = 0;           // mremap
    std::uint64_t mremap_moved = 0;     // mremap-moved: of those, the ones that moved the region
    std::uint64_t brk_grow = 0;         // brk-grow
    std::uint64_t brk_shrink = 0;       // brk-shrink
    std::uint64_t brk_refused = 0;      // brk-refused: growths Valgrind refused at the end of
                                        // its brk segment (8 MiB); glibc then maps memory for
                                        // its main arena (0 in traces without the key)
    std::uint64_t shmat = 0;            // shmat
    std::uint64_t shmdt = 0;            // shmdt
    std::uint64_t madvise_free = 0;     // madvise-free: MADV_DONTNEED, MADV_FREE, MADV_REMOVE
    std::uint64_t mprotect = 0;         // mprotect
    std::uint64_t custom_requests = 0;  // custom-requests: MALLOCLIKE, FREELIKE, RESIZEINPLACE
                                        // and the mempool family
    std::uint64_t bad_requests = 0;     // bad-requests: of those, the ones naming an unknown
                                        // block or pool, ignored
};

// `region` `kind`: what kind of memory a region is.
enum class RegionKind {
    anon,   // anonymous private memory
    shm,    // shared anonymous or System V shared memory
    file,   // a mapped file
    brk,    // the heap grown by brk/sbrk
    stack,  // a thread's stack
};

// `region-use`: one custom or pool site's live blocks inside the region above it.
struct RegionUse {
    std::size_t site = 0;     // site=, resolved to an index into Trace::sites
    std::uint64_t bytes = 0;  // bytes: requested
    std::uint64_t blocks = 0;
};

// `region-change` `kind`: what one call did to a region.
enum class RegionChangeKind {
    mapped,          // made by mmap (or mremap of memory the tool did not know)
    reserved,        // made by mmap with PROT_NONE
    attached,        // made by shmat
    brk,             // the brk heap, made by its first growth
    trimmed_head,    // its start unmapped (munmap, or a MAP_FIXED mapping over it)
    trimmed_tail,    // its end unmapped
    trimmed_middle,  // a hole unmapped: the region was cut in two, this is one part
    grown,           // grown in place by mremap or brk
    shrunk,          // shrunk by mremap or brk
    moved,           // moved by mremap (and grown, when the size says so)
    protection,      // its protection changed (mprotect): `protected` in the trace
};

// `region-change`: one call that made or changed the region above it (version 5).
struct RegionChange {
    RegionChangeKind kind = RegionChangeKind::mapped;  // kind
    std::uint64_t size = 0;            // size: the region's size after the call; for
                                       // `protected` the bytes whose protection it set
    std::string prot;                  // prot: the protection set (`protected`), else the
                                       // region's when made
    std::optional<std::size_t> stack;  // stack=, resolved to an index into Trace::stacks; none
                                       // (stack=0) when no thread of the program made it
};

// `region`: one region of a memory map, with its `region-use` and `region-change` records.
struct Region {
    std::uint64_t id = 0;             // id, from 1 within its map, in increasing address order
    RegionKind kind = RegionKind::anon;  // kind
    std::uint64_t start = 0;          // start
    std::uint64_t size = 0;           // size: a multiple of the page size
    std::uint64_t accessible = 0;     // accessible: bytes not PROT_NONE; the reader checks
                                      // accessible <= size
    std::uint64_t written = 0;        // written: bytes of pages written (0 with pages=no); the
                                      // reader checks written <= size
    std::uint64_t used = 0;           // used: requested bytes of live blocks inside it (custom
                                      // and pool blocks; in wrap mode glibc's malloc blocks too)
    std::uint64_t used_blocks = 0;    // used-blocks
    std::string prot;                 // prot: its protection when made, "rw-", "r-x", ...
    bool shared = false;              // shared: MAP_SHARED
    bool startup = false;             // startup: present before the program's first instruction
    std::optional<std::size_t> stack; // stack=, resolved to an index into Trace::stacks: the call
                                      // that made it; none (stack=0) for start-up segments and
                                      // thread stacks
    std::uint64_t thread = 0;         // thread: the thread whose stack it is (kind stack), else 0
    std::string file;                 // file: the mapped file, empty for anonymous memory
    std::vector<std::uint64_t> growth;  // growth: for a region grown by mremap or brk, its size
                                        // when made, then after each growth; the last 16 at most
    std::uint64_t growths = 0;        // growths: how many growths there were in all (so growth
                                      // holds min(growths + 1, 16) sizes, none when 0)
    std::uint64_t executed = 0;       // executed: bytes of pages whose code the program ran
                                      // (file mappings; absent in older traces: 0)
    std::uint64_t executed_around = 0;  // executed-around: bytes of the fault-around windows
                                        // (64 KiB, aligned) holding an executed page, within
                                        // the region and its file; the reader checks
                                        // executed <= executed_around <= size
    std::uint64_t read = 0;           // read: a file mapping's (not writable) bytes of pages
                                      // resident, not written and not in executed_around,
                                      // from the kernel's page table (the file's pages the
                                      // program or the loader read); 0 when not known; the
                                      // reader checks executed_around + read <= size
    std::vector<RegionUse> uses;      // its `region-use` records, in trace order
    std::uint64_t changes = 0;        // changes: the calls that made and changed it, in all;
                                      // 0 when the trace does not say (older traces)
    std::vector<RegionChange> history;  // its `region-change` records, oldest first: all of
                                        // them, or the first kRegionChangesFirst and the last
                                        // kRegionChangesLast when there were more (the reader
                                        // checks)
};

// How many of a region's changes its history keeps at most, first and last ones.
inline constexpr std::size_t kRegionChangesFirst = MA_TRACE_REGION_CHANGES_FIRST;
inline constexpr std::size_t kRegionChangesLast = MA_TRACE_REGION_CHANGES_LAST;

// `heap-unwritten`: one malloc site's large blocks (glibc gives each a mapping of its own)
// on pages the program never wrote: live heap bytes that are not resident.
struct SiteUnwritten {
    std::size_t site = 0;     // site=, resolved to an index into Trace::sites
    std::uint64_t bytes = 0;  // usable bytes on pages never written
    std::uint64_t blocks = 0; // the site's large blocks with such pages
};

// `memory-map` and its regions: the client's memory at one moment.
struct MemoryMap {
    std::string name;                   // name: "peak" (the footprint's peak) or "exit"
    std::uint64_t time = 0;             // t
    std::uint64_t footprint = 0;        // footprint: the tool's estimate of resident anonymous
                                        // memory (written bytes, plus heap-usable in replace mode)
    std::uint64_t heap_bytes = 0;       // heap-bytes: live malloc-family requested bytes
    std::uint64_t heap_blocks = 0;      // heap-blocks
    std::uint64_t heap_usable = 0;      // heap-usable: their usable bytes
    std::uint64_t heap_unwritten = 0;   // heap-unwritten: of those, the bytes of large blocks
                                        // (glibc's own mappings) on pages never written: not
                                        // resident. Absent (older traces, wrap mode) means 0;
                                        // the reader checks heap_unwritten <= heap_usable
    std::uint64_t heap_headers = 0;     // heap-headers: glibc's chunk headers of the live
                                        // malloc blocks (8 bytes each), in the footprint in
                                        // replace mode. Absent (older traces, wrap mode): 0
    std::uint64_t custom_bytes = 0;     // custom-bytes: live custom and pool blocks
    std::uint64_t custom_blocks = 0;    // custom-blocks
    std::uint64_t custom_in_heap = 0;   // custom-in-heap: bytes of those inside malloc blocks
    std::uint64_t written_outside = 0;  // written-outside: written client pages in no region
    bool read_seen = false;             // read-seen: the regions' `read` figures are known (the
                                        // tool read the kernel's page table; false in older
                                        // traces)
    std::vector<Region> regions;        // `region` records (the reader checks `regions=`),
                                        // by address
    // `heap-unwritten` records: heap_unwritten by the malloc sites of the large blocks
    // holding it, one per site (their bytes sum to heap_unwritten); unset in older traces
    // (no `unwritten-sites`): not known by site.
    std::optional<std::vector<SiteUnwritten>> unwritten_by_site;
};

// The header records: what was profiled and how.
struct TraceHeader {
    std::uint64_t version = 0;  // the first line's version: 1 to 4
    ToolInfo tool;
    CommandLine command;
    ProcessInfo process;
    RunInfo run;
    std::vector<Definition> definitions;

    // The text of the definition called `name`, or nullptr when the trace has none.
    const std::string* definition(std::string_view name) const {
        for (const Definition& definition : definitions)
            if (definition.name == name) return &definition.text;
        return nullptr;
    }
};

struct Trace {
    std::string source;              // the file name, as given by the user
    std::uint64_t record_count = 0;  // records before `end`, the header line included
    TraceHeader header;

    std::vector<Frame> frames;
    std::vector<Stack> stacks;
    std::vector<Site> sites;
    std::vector<CopyGroup> copies;       // in trace order; empty without access tracking
    std::optional<AccessTotals> access;  // the `access` record, when the trace has one
    std::vector<Thread> threads;
    Peak peak;
    Totals totals;
    ExitState exit;
    std::vector<TimelinePoint> timeline;
    std::vector<PhaseInstance> phases;          // by id; empty before version 3
    std::vector<Mark> marks;                    // in trace (so time) order
    std::optional<PhaseCounts> phase_counts;    // the `phases` record, when there is one
    std::vector<Snapshot> snapshots;            // in trace order; empty before version 3 and
                                                // with snapshots=no
    std::optional<SnapshotCost> snapshot_cost;  // the `snapshot-cost` record, when there is one
    std::optional<MapEvents> map_events;        // the `map-events` record (version 4)
    std::vector<MemoryMap> memory_maps;         // in trace order; empty before version 4
};

}  // namespace memattr
