#include "schema_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "trace/trace_escape.h"
#include "trace/trace_schema.h"

#include "memattr_trace_compact.h"

namespace memattr::test {

namespace {

// Writes one record at a time, checking each key against the record's schema list: a key
// must be listed and come after the keys already written (keys may be skipped, as `ptrs`
// is for a block without pointers).
class RecordWriter {
public:
    explicit RecordWriter(WrittenTrace& out) : out_(out) {}

    RecordWriter& begin(std::string_view tag) {
        const auto& records = schema::kRecords;
        const auto found =
            std::find_if(std::begin(records), std::end(records),
                         [&](const schema::RecordSchema& r) { return r.tag == tag; });
        if (found == std::end(records)) throw std::logic_error(fmt::format("no record '{}'", tag));
        keys_ = found->keys;
        tag_ = tag;
        next_ = 0;
        out_.text += tag;
        return *this;
    }

    // The rest of the record's keys come from `keys`, in its order (a root's, by kind).
    RecordWriter& then(std::span<const std::string_view> keys) {
        keys_ = keys;
        next_ = 0;
        return *this;
    }

    // A field whose value is written as it is (numbers, words, lists).
    RecordWriter& raw(std::string_view key, std::string_view value) {
        const auto at = std::find(keys_.begin() + next_, keys_.end(), key);
        if (at == keys_.end())
            throw std::logic_error(
                fmt::format("'{}' is not a key of '{}' after the keys "
                            "already written",
                            key, tag_));
        next_ = static_cast<std::size_t>(at - keys_.begin()) + 1;
        out_.keys.emplace(tag_, key);
        out_.text += fmt::format("\t{}={}", key, value);
        return *this;
    }

    RecordWriter& number(std::string_view key, std::uint64_t value) {
        return raw(key, std::to_string(value));
    }
    RecordWriter& address(std::string_view key, std::uint64_t value) {
        return raw(key, fmt::format("{:#x}", value));
    }
    RecordWriter& text(std::string_view key, std::string_view value) {
        return raw(key, escape_value(value));
    }

    void end() {
        out_.text += '\n';
        ++records_;
    }

    std::uint64_t records() const { return records_; }

private:
    WrittenTrace& out_;
    std::span<const std::string_view> keys_;
    std::string_view tag_;
    std::size_t next_ = 0;
    std::uint64_t records_ = 0;
};

std::string joined(const std::vector<std::uint64_t>& numbers) {
    return fmt::format("{}", fmt::join(numbers, ","));
}

// Writes a Trace record by record; ids of resolved references are looked up in the trace.
class TraceWriter {
public:
    TraceWriter(const Trace& trace, WrittenTrace& out) : trace_(trace), w_(out) {}

    void write() {
        write_header();
        for (const Frame& frame : trace_.frames) write_frame(frame);
        for (const Stack& stack : trace_.stacks) write_stack(stack);
        for (const Site& site : trace_.sites) write_site(site);
        for (const CopyGroup& copy : trace_.copies) write_copy(copy);
        if (trace_.access) write_access(*trace_.access);
        for (const Thread& thread : trace_.threads) write_thread(thread);
        write_summary();
        write_phases();
        for (const Snapshot& snapshot : trace_.snapshots) write_snapshot(snapshot);
        if (trace_.snapshot_cost) write_snapshot_cost(*trace_.snapshot_cost);
        if (trace_.map_events) write_map_events(*trace_.map_events);
        for (const MemoryMap& map : trace_.memory_maps) write_memory_map(map);
        const std::uint64_t records = w_.records();
        w_.begin(MA_TAG_END).number(MA_KEY_END_RECORDS, records).end();
    }

private:
    std::uint64_t stack_id(std::size_t index) const { return trace_.stacks[index].id; }
    std::uint64_t site_id(std::size_t index) const { return trace_.sites[index].id; }

    void write_header() {
        const TraceHeader& h = trace_.header;
        w_.begin(MA_TAG_HEADER).number(MA_KEY_HEADER_VERSION, MA_TRACE_VERSION).end();
        w_.begin(MA_TAG_TOOL)
            .text(MA_KEY_TOOL_NAME, h.tool.name)
            .text(MA_KEY_TOOL_VERSION, h.tool.version)
            .end();
        w_.begin(MA_TAG_CMD)
            .text(MA_KEY_CMD_EXE, h.command.exe)
            .text(MA_KEY_CMD_ARGS, h.command.args)
            .end();
        w_.begin(MA_TAG_PROCESS)
            .number(MA_KEY_PROCESS_PID, h.process.pid)
            .number(MA_KEY_PROCESS_PPID, h.process.ppid)
            .number(MA_KEY_PROCESS_FORK_OF, h.process.fork_of)
            .end();
        const RunInfo& run = h.run;
        w_.begin(MA_TAG_RUN)
            .text(MA_KEY_RUN_MALLOC_MODE, run.malloc_mode)
            .text(MA_KEY_RUN_TIME_UNIT, run.time_unit)
            .number(MA_KEY_RUN_ALIGNMENT, run.alignment)
            .number(MA_KEY_RUN_NUM_CALLERS, run.num_callers)
            .raw(MA_KEY_RUN_ACCESS, schema::word_of(schema::kYesNo, run.access))
            .raw(MA_KEY_RUN_SNAPSHOTS, schema::word_of(schema::kYesNo, run.snapshots))
            .number(MA_KEY_RUN_SNAPSHOT_GROWTH, run.snapshot_growth)
            .number(MA_KEY_RUN_SNAPSHOT_MIN, run.snapshot_min)
            .number(MA_KEY_RUN_SNAPSHOT_BUDGET, run.snapshot_budget)
            .raw(MA_KEY_RUN_PAGES, schema::word_of(schema::kYesNo, run.pages))
            .end();
        for (const Definition& d : h.definitions)
            w_.begin(MA_TAG_DEFINITION)
                .text(MA_KEY_DEFINITION_NAME, d.name)
                .text(MA_KEY_DEFINITION_TEXT, d.text)
                .end();
    }

    void write_frame(const Frame& f) {
        w_.begin(MA_TAG_FRAME)
            .number(MA_KEY_FRAME_ID, f.id)
            .address(MA_KEY_FRAME_IP, f.ip)
            .number(MA_KEY_FRAME_INLINED, f.inlined)
            .text(MA_KEY_FRAME_FN, f.function)
            .text(MA_KEY_FRAME_FILE, f.file)
            .text(MA_KEY_FRAME_DIR, f.dir)
            .number(MA_KEY_FRAME_LINE, f.line)
            .text(MA_KEY_FRAME_OBJ, f.object)
            .end();
    }

    void write_stack(const Stack& s) {
        std::vector<std::uint64_t> ids;
        for (const std::size_t frame : s.frames) ids.push_back(trace_.frames[frame].id);
        w_.begin(MA_TAG_STACK)
            .number(MA_KEY_STACK_ID, s.id)
            .raw(MA_KEY_STACK_FRAMES, joined(ids))
            .end();
    }

    void write_site(const Site& s) {
        w_.begin(MA_TAG_SITE)
            .number(MA_KEY_SITE_ID, s.id)
            .number(MA_KEY_SITE_STACK, stack_id(s.stack))
            .number(MA_KEY_SITE_TB, s.total_bytes)
            .number(MA_KEY_SITE_TBK, s.total_blocks)
            .number(MA_KEY_SITE_PB, s.peak_bytes)
            .number(MA_KEY_SITE_PBK, s.peak_blocks)
            .number(MA_KEY_SITE_MB, s.max_bytes)
            .number(MA_KEY_SITE_MBK, s.max_blocks)
            .number(MA_KEY_SITE_EB, s.exit_bytes)
            .number(MA_KEY_SITE_EBK, s.exit_blocks)
            .number(MA_KEY_SITE_FBK, s.freed_blocks)
            .number(MA_KEY_SITE_LTMIN, s.lifetime_min)
            .number(MA_KEY_SITE_LTMAX, s.lifetime_max)
            .number(MA_KEY_SITE_LTSUM, s.lifetime_sum)
            .number(MA_KEY_SITE_TMPBK, s.temporary_blocks)
            .number(MA_KEY_SITE_TMPB, s.temporary_bytes)
            .number(MA_KEY_SITE_RBK, s.realloc_blocks)
            .raw(MA_KEY_SITE_KIND, schema::word_of(schema::kSiteKinds, s.kind))
            .number(MA_KEY_SITE_RD, s.bytes_read)
            .number(MA_KEY_SITE_WR, s.bytes_written)
            .number(MA_KEY_SITE_NRBK, s.never_read_blocks)
            .number(MA_KEY_SITE_NRB, s.never_read_bytes)
            .number(MA_KEY_SITE_NABK, s.never_accessed_blocks)
            .number(MA_KEY_SITE_NAB, s.never_accessed_bytes)
            .end();
    }

    void write_copy(const CopyGroup& c) {
        w_.begin(MA_TAG_COPY)
            .raw(MA_KEY_COPY_KIND, schema::word_of(schema::kCopyKinds, c.kind))
            .number(MA_KEY_COPY_STACK, stack_id(c.stack))
            .number(MA_KEY_COPY_FROM, site_id(c.from))
            .number(MA_KEY_COPY_TO, site_id(c.to))
            .number(MA_KEY_COPY_SHARE, c.share)
            .number(MA_KEY_COPY_SRC_USED, c.source_used)
            .raw(MA_KEY_COPY_SRC_FATE, schema::word_of(schema::kSourceFates, c.source_fate))
            .number(MA_KEY_COPY_N, c.pairs)
            .number(MA_KEY_COPY_BYTES, c.bytes)
            .number(MA_KEY_COPY_SRC_BYTES, c.source_bytes)
            .number(MA_KEY_COPY_DST_BYTES, c.destination_bytes)
            .number(MA_KEY_COPY_PEAK_SRC_BYTES, c.peak_source_bytes)
            .number(MA_KEY_COPY_OVERLAP, c.overlap)
            .end();
    }

    void write_access(const AccessTotals& a) {
        w_.begin(MA_TAG_ACCESS)
            .number(MA_KEY_ACCESS_READS, a.reads)
            .number(MA_KEY_ACCESS_WRITES, a.writes)
            .number(MA_KEY_ACCESS_BULK_COPIES, a.bulk_copies)
            .number(MA_KEY_ACCESS_BULK_BYTES, a.bulk_bytes)
            .number(MA_KEY_ACCESS_INLINE_COPY_BYTES, a.inline_copy_bytes)
            .number(MA_KEY_ACCESS_PAIRS, a.pairs)
            .number(MA_KEY_ACCESS_EXTRA_SOURCE_BYTES, a.extra_source_bytes)
            .end();
    }

    void write_thread(const Thread& t) {
        w_.begin(MA_TAG_THREAD)
            .number(MA_KEY_THREAD_ID, t.id)
            .number(MA_KEY_THREAD_PARENT, t.parent)
            .number(MA_KEY_THREAD_TB, t.total_bytes)
            .number(MA_KEY_THREAD_TBK, t.total_blocks)
            .number(MA_KEY_THREAD_PB, t.peak_bytes)
            .number(MA_KEY_THREAD_PBK, t.peak_blocks)
            .number(MA_KEY_THREAD_PT, t.peak_time)
            .number(MA_KEY_THREAD_EB, t.exit_bytes)
            .number(MA_KEY_THREAD_EBK, t.exit_blocks);
        // Absent in traces written before the tool recorded them: absent again.
        if (t.global_peak_bytes) w_.number(MA_KEY_THREAD_GPB, *t.global_peak_bytes);
        if (t.global_peak_blocks) w_.number(MA_KEY_THREAD_GPBK, *t.global_peak_blocks);
        if (t.own_peak_rest)
            w_.number(MA_KEY_THREAD_PRS, t.own_peak_rest->sites)
                .number(MA_KEY_THREAD_PRB, t.own_peak_rest->bytes)
                .number(MA_KEY_THREAD_PRBK, t.own_peak_rest->blocks);
        w_.end();
        for (const ThreadPeakSite& top : t.own_peak_sites)
            w_.begin(MA_TAG_THREAD_SITE)
                .number(MA_KEY_THREAD_SITE_THREAD, t.id)
                .number(MA_KEY_THREAD_SITE_SITE, trace_.sites[top.site].id)
                .number(MA_KEY_THREAD_SITE_BYTES, top.bytes)
                .number(MA_KEY_THREAD_SITE_BLOCKS, top.blocks)
                .end();
    }

    // peak, totals, exit and the timeline.
    void write_summary() {
        const Peak& p = trace_.peak;
        w_.begin(MA_TAG_PEAK)
            .number(MA_KEY_PEAK_T, p.time)
            .number(MA_KEY_PEAK_ALLOC, p.allocated)
            .number(MA_KEY_PEAK_BYTES, p.bytes)
            .number(MA_KEY_PEAK_BLOCKS, p.blocks)
            .end();
        const Totals& t = trace_.totals;
        w_.begin(MA_TAG_TOTALS)
            .number(MA_KEY_TOTALS_BYTES, t.bytes)
            .number(MA_KEY_TOTALS_BLOCKS, t.blocks)
            .number(MA_KEY_TOTALS_FREES, t.frees)
            .number(MA_KEY_TOTALS_BAD_FREES, t.bad_frees)
            .end();
        const ExitState& e = trace_.exit;
        w_.begin(MA_TAG_EXIT)
            .number(MA_KEY_EXIT_T, e.time)
            .number(MA_KEY_EXIT_ALLOC, e.allocated)
            .number(MA_KEY_EXIT_BYTES, e.bytes)
            .number(MA_KEY_EXIT_BLOCKS, e.blocks)
            .text(MA_KEY_EXIT_REASON, e.reason)
            .number(MA_KEY_EXIT_CODE, e.code)
            .end();
        for (const TimelinePoint& p : trace_.timeline)
            w_.begin(MA_TAG_TIMELINE)
                .number(MA_KEY_TIMELINE_T, p.time)
                .number(MA_KEY_TIMELINE_ALLOC, p.allocated)
                .number(MA_KEY_TIMELINE_BYTES, p.bytes)
                .number(MA_KEY_TIMELINE_BLOCKS, p.blocks)
                .end();
    }

    void write_phases() {
        for (const PhaseInstance& phase : trace_.phases) write_phase(phase);
        for (const Mark& m : trace_.marks)
            w_.begin(MA_TAG_MARK)
                .number(MA_KEY_MARK_T, m.at.time)
                .number(MA_KEY_MARK_ALLOC, m.at.allocated)
                .number(MA_KEY_MARK_BYTES, m.at.bytes)
                .number(MA_KEY_MARK_BLOCKS, m.at.blocks)
                .text(MA_KEY_MARK_LABEL, m.label)
                .end();
        if (trace_.phase_counts)
            w_.begin(MA_TAG_PHASES)
                .number(MA_KEY_PHASES_KEPT, trace_.phase_counts->kept)
                .number(MA_KEY_PHASES_DROPPED, trace_.phase_counts->dropped)
                .end();
    }

    void write_phase(const PhaseInstance& p) {
        w_.begin(MA_TAG_PHASE)
            .number(MA_KEY_PHASE_ID, p.id)
            .text(MA_KEY_PHASE_NAME, p.name)
            .number(MA_KEY_PHASE_ITERATION, p.iteration)
            .number(MA_KEY_PHASE_PARENT, p.parent)
            .number(MA_KEY_PHASE_THREAD, p.thread)
            .raw(MA_KEY_PHASE_BY, schema::word_of(schema::kPhaseDelimiters, p.by))
            .raw(MA_KEY_PHASE_ENDED, schema::word_of(schema::kPhaseEndings, p.ended))
            .number(MA_KEY_PHASE_BEGIN_T, p.begin.time)
            .number(MA_KEY_PHASE_BEGIN_ALLOC, p.begin.allocated)
            .number(MA_KEY_PHASE_BEGIN_BYTES, p.begin.bytes)
            .number(MA_KEY_PHASE_BEGIN_BLOCKS, p.begin.blocks)
            .number(MA_KEY_PHASE_END_T, p.end.time)
            .number(MA_KEY_PHASE_END_ALLOC, p.end.allocated)
            .number(MA_KEY_PHASE_END_BYTES, p.end.bytes)
            .number(MA_KEY_PHASE_END_BLOCKS, p.end.blocks)
            .number(MA_KEY_PHASE_AB, p.allocated_bytes)
            .number(MA_KEY_PHASE_ABK, p.allocated_blocks)
            .number(MA_KEY_PHASE_FB, p.freed_bytes)
            .number(MA_KEY_PHASE_FBK, p.freed_blocks)
            .number(MA_KEY_PHASE_PEAK, p.peak_bytes)
            .number(MA_KEY_PHASE_PEAK_T, p.peak_time)
            .number(MA_KEY_PHASE_XB, p.exit_bytes)
            .number(MA_KEY_PHASE_XBK, p.exit_blocks)
            .end();
        for (const PhaseSite& s : p.sites)
            w_.begin(MA_TAG_PHASE_SITE)
                .number(MA_KEY_PHASE_SITE_PHASE, p.id)
                .number(MA_KEY_PHASE_SITE_SITE, site_id(s.site))
                .number(MA_KEY_PHASE_SITE_AB, s.allocated_bytes)
                .number(MA_KEY_PHASE_SITE_ABK, s.allocated_blocks)
                .number(MA_KEY_PHASE_SITE_FB, s.freed_bytes)
                .number(MA_KEY_PHASE_SITE_FBK, s.freed_blocks)
                .number(MA_KEY_PHASE_SITE_LIVE_BEGIN, s.live_begin)
                .number(MA_KEY_PHASE_SITE_LIVE_END, s.live_end)
                .number(MA_KEY_PHASE_SITE_XB, s.exit_bytes)
                .number(MA_KEY_PHASE_SITE_XBK, s.exit_blocks)
                .end();
    }

    static std::string kinds_of(const SnapshotKinds& kinds) {
        std::vector<std::string_view> words;
        for (const schema::Word<bool SnapshotKinds::*>& word : schema::kSnapshotKinds)
            if (kinds.*word.value) words.push_back(word.text);
        return fmt::format("{}", fmt::join(words, ","));
    }

    void write_snapshot(const Snapshot& s) {
        w_.begin(MA_TAG_SNAPSHOT)
            .number(MA_KEY_SNAPSHOT_ID, s.id)
            .text(MA_KEY_SNAPSHOT_NAME, s.name)
            .raw(MA_KEY_SNAPSHOT_KINDS, kinds_of(s.kinds))
            .number(MA_KEY_SNAPSHOT_T, s.time)
            .number(MA_KEY_SNAPSHOT_ALLOC, s.allocated)
            .number(MA_KEY_SNAPSHOT_BYTES, s.bytes)
            .number(MA_KEY_SNAPSHOT_BLOCKS, s.blocks.size())
            .number(MA_KEY_SNAPSHOT_EDGES, s.pointers.size())
            .number(MA_KEY_SNAPSHOT_ROOTS, s.roots.size())
            .number(MA_KEY_SNAPSHOT_SCANNED, s.scanned)
            .number(MA_KEY_SNAPSHOT_REUSED, s.reused)
            .number(MA_KEY_SNAPSHOT_UNREADABLE_BLOCKS, s.unreadable_blocks)
            .number(MA_KEY_SNAPSHOT_UNREADABLE_BYTES, s.unreadable_bytes)
            .number(MA_KEY_SNAPSHOT_IN_PLACE_BLOCKS, s.in_place_blocks)
            .end();
        for (std::size_t first = 0; first < s.blocks.size();) first = write_blocks(s, first);
        for (const SnapshotRoot& root : s.roots) write_root(root);
    }

    // One `blocks` record from block `first` on (as the tool cuts them); returns the index
    // of the first block it leaves to the next.
    std::size_t write_blocks(const Snapshot& s, std::size_t first) {
        std::string data;
        std::size_t end = first;
        std::uint64_t pointers = 0;
        MaCompactSites recent{};
        while (end < s.blocks.size() && end - first < MA_COMPACT_BLOCKS_PER_RECORD &&
               pointers < MA_COMPACT_POINTERS_PER_RECORD) {
            pointers += s.pointers_of(end).size();
            append_block(s, end, end == first ? nullptr : &s.blocks[end - 1], recent, data);
            ++end;
        }
        w_.begin(MA_TAG_BLOCKS)
            .number(MA_KEY_BLOCKS_FIRST, first + 1)
            .number(MA_KEY_BLOCKS_N, end - first)
            .raw(MA_KEY_BLOCKS_DATA, data);
        std::vector<std::string> layouts;
        for (const LayoutMatch& l : s.layouts)
            if (l.block >= first && l.block < end)
                layouts.push_back(fmt::format("{}:{}:{}", l.block + 1, l.offset, l.heuristics));
        if (!layouts.empty())
            w_.raw(MA_KEY_BLOCKS_HEUR, fmt::format("{}", fmt::join(layouts, ",")));
        w_.end();
        return end;
    }

    void append_block(const Snapshot& s, std::size_t i, const SnapshotBlock* previous,
                      MaCompactSites& recent, std::string& data) {
        const SnapshotBlock& b = s.blocks[i];
        char digits[MA_COMPACT_MAX_HEAD_CHARS];
        const std::span<const BlockPointer> pointers = s.pointers_of(i);
        data.append(digits, ma_compact_put_block(digits,
                                                 b.address - (previous ? previous->address : 0),
                                                 ma_compact_site_code(&recent, site_id(b.site)),
                                                 b.size, b.hash, pointers.size()));
        std::optional<std::uint64_t> previous_offset;
        for (const BlockPointer& p : pointers) {
            const std::uint64_t gap =
                previous_offset ? (p.offset - *previous_offset) / 8 - 1 : p.offset;
            data.append(digits,
                        ma_compact_put_pointer(digits, gap, i + 1, p.target + 1, p.target_offset));
            previous_offset = p.offset;
        }
    }

    void write_root(const SnapshotRoot& r) {
        w_.begin(MA_TAG_ROOT)
            .raw(MA_KEY_ROOT_KIND, schema::word_of(schema::kRootKinds, r.kind))
            .number(MA_KEY_ROOT_TO, r.block + 1)
            .number(MA_KEY_ROOT_TOFF, r.block_offset);
        switch (r.kind) {
            case RootKind::register_word:
                w_.then(schema::keys::ROOT_REGISTER)
                    .number(MA_KEY_ROOT_THREAD, r.thread)
                    .text(MA_KEY_ROOT_REG, r.register_name);
                break;
            case RootKind::stack:
                w_.then(schema::keys::ROOT_STACK)
                    .number(MA_KEY_ROOT_THREAD, r.thread)
                    .number(MA_KEY_ROOT_STACK, stack_id(*r.stack))
                    .address(MA_KEY_ROOT_ADDR, r.address);
                break;
            case RootKind::global:
                w_.then(schema::keys::ROOT_GLOBAL)
                    .text(MA_KEY_ROOT_NAME, r.symbol)
                    .number(MA_KEY_ROOT_SYM_OFF, r.symbol_offset)
                    .text(MA_KEY_ROOT_OBJ, r.object)
                    .address(MA_KEY_ROOT_ADDR, r.address);
                break;
            case RootKind::mapping:
                w_.then(schema::keys::ROOT_MAPPING)
                    .text(MA_KEY_ROOT_OBJ, r.object)
                    .address(MA_KEY_ROOT_ADDR, r.address);
                break;
        }
        w_.end();
    }

    void write_snapshot_cost(const SnapshotCost& c) {
        w_.begin(MA_TAG_SNAPSHOT_COST)
            .number(MA_KEY_SNAPSHOT_COST_TAKEN, c.taken)
            .number(MA_KEY_SNAPSHOT_COST_SCANNED, c.scanned)
            .number(MA_KEY_SNAPSHOT_COST_REUSED, c.reused)
            .end();
    }

    void write_map_events(const MapEvents& e) {
        w_.begin(MA_TAG_MAP_EVENTS)
            .number(MA_KEY_MAP_EVENTS_MMAP, e.mmap)
            .number(MA_KEY_MAP_EVENTS_MUNMAP, e.munmap)
            .number(MA_KEY_MAP_EVENTS_MREMAP, e.mremap)
            .number(MA_KEY_MAP_EVENTS_MREMAP_MOVED, e.mremap_moved)
            .number(MA_KEY_MAP_EVENTS_BRK_GROW, e.brk_grow)
            .number(MA_KEY_MAP_EVENTS_BRK_SHRINK, e.brk_shrink)
            .number(MA_KEY_MAP_EVENTS_BRK_REFUSED, e.brk_refused)
            .number(MA_KEY_MAP_EVENTS_SHMAT, e.shmat)
            .number(MA_KEY_MAP_EVENTS_SHMDT, e.shmdt)
            .number(MA_KEY_MAP_EVENTS_MADVISE_FREE, e.madvise_free)
            .number(MA_KEY_MAP_EVENTS_MPROTECT, e.mprotect)
            .number(MA_KEY_MAP_EVENTS_CUSTOM_REQUESTS, e.custom_requests)
            .number(MA_KEY_MAP_EVENTS_BAD_REQUESTS, e.bad_requests)
            .end();
    }

    void write_memory_map(const MemoryMap& m) {
        w_.begin(MA_TAG_MEMORY_MAP)
            .raw(MA_KEY_MEMORY_MAP_NAME, m.name)
            .number(MA_KEY_MEMORY_MAP_T, m.time)
            .number(MA_KEY_MEMORY_MAP_FOOTPRINT, m.footprint)
            .number(MA_KEY_MEMORY_MAP_HEAP_BYTES, m.heap_bytes)
            .number(MA_KEY_MEMORY_MAP_HEAP_BLOCKS, m.heap_blocks)
            .number(MA_KEY_MEMORY_MAP_HEAP_USABLE, m.heap_usable)
            .number(MA_KEY_MEMORY_MAP_HEAP_UNWRITTEN, m.heap_unwritten)
            .number(MA_KEY_MEMORY_MAP_HEAP_HEADERS, m.heap_headers)
            .number(MA_KEY_MEMORY_MAP_CUSTOM_BYTES, m.custom_bytes)
            .number(MA_KEY_MEMORY_MAP_CUSTOM_BLOCKS, m.custom_blocks)
            .number(MA_KEY_MEMORY_MAP_CUSTOM_IN_HEAP, m.custom_in_heap)
            .number(MA_KEY_MEMORY_MAP_WRITTEN_OUTSIDE, m.written_outside)
            .number(MA_KEY_MEMORY_MAP_READ_SEEN, m.read_seen ? 1 : 0)
            .number(MA_KEY_MEMORY_MAP_REGIONS, m.regions.size());
        if (m.unwritten_by_site)
            w_.number(MA_KEY_MEMORY_MAP_UNWRITTEN_SITES, m.unwritten_by_site->size());
        w_.end();
        for (const Region& region : m.regions) write_region(region);
        if (!m.unwritten_by_site) return;
        for (const SiteUnwritten& site : *m.unwritten_by_site)
            w_.begin(MA_TAG_HEAP_UNWRITTEN)
                .number(MA_KEY_HEAP_UNWRITTEN_SITE, site_id(site.site))
                .number(MA_KEY_HEAP_UNWRITTEN_BYTES, site.bytes)
                .number(MA_KEY_HEAP_UNWRITTEN_BLOCKS, site.blocks)
                .end();
    }

    void write_region(const Region& r) {
        w_.begin(MA_TAG_REGION)
            .number(MA_KEY_REGION_ID, r.id)
            .raw(MA_KEY_REGION_KIND, schema::word_of(schema::kRegionKinds, r.kind))
            .address(MA_KEY_REGION_START, r.start)
            .number(MA_KEY_REGION_SIZE, r.size)
            .number(MA_KEY_REGION_ACCESSIBLE, r.accessible)
            .number(MA_KEY_REGION_WRITTEN, r.written)
            .number(MA_KEY_REGION_USED, r.used)
            .number(MA_KEY_REGION_USED_BLOCKS, r.used_blocks)
            .raw(MA_KEY_REGION_PROT, r.prot)
            .number(MA_KEY_REGION_SHARED, r.shared)
            .number(MA_KEY_REGION_STARTUP, r.startup)
            .number(MA_KEY_REGION_STACK, r.stack ? stack_id(*r.stack) : 0)
            .number(MA_KEY_REGION_THREAD, r.thread)
            .text(MA_KEY_REGION_FILE, r.file)
            .raw(MA_KEY_REGION_GROWTH, joined(r.growth))
            .number(MA_KEY_REGION_GROWTHS, r.growths)
            .number(MA_KEY_REGION_CHANGES, r.changes)
            .number(MA_KEY_REGION_EXECUTED, r.executed)
            .number(MA_KEY_REGION_EXECUTED_AROUND, r.executed_around)
            .number(MA_KEY_REGION_READ, r.read)
            .end();
        for (const RegionUse& use : r.uses)
            w_.begin(MA_TAG_REGION_USE)
                .number(MA_KEY_REGION_USE_SITE, site_id(use.site))
                .number(MA_KEY_REGION_USE_BYTES, use.bytes)
                .number(MA_KEY_REGION_USE_BLOCKS, use.blocks)
                .end();
        for (const RegionChange& change : r.history)
            w_.begin(MA_TAG_REGION_CHANGE)
                .raw(MA_KEY_REGION_CHANGE_KIND,
                     schema::word_of(schema::kRegionChangeKinds, change.kind))
                .number(MA_KEY_REGION_CHANGE_SIZE, change.size)
                .raw(MA_KEY_REGION_CHANGE_PROT, change.prot)
                .number(MA_KEY_REGION_CHANGE_STACK, change.stack ? stack_id(*change.stack) : 0)
                .end();
    }

    const Trace& trace_;
    RecordWriter w_;
};

}  // namespace

WrittenTrace write_trace(const Trace& trace) {
    WrittenTrace out;
    TraceWriter(trace, out).write();
    return out;
}

}  // namespace memattr::test
