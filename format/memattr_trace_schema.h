/* memattr trace format: the one source of its record tags, keys, enum
   words and version (docs/trace-format.md says what they mean).

   Both halves include this file: the tool's writer (memattr/ma_trace.c,
   C without libc) and memattr-graph's reader (postproc/trace/), and the
   tests and the synthetic-trace generator check themselves against it.
   It is plain C preprocessor, so it compiles in the tool's no-libc build
   and in C++20 alike.

   For each record NAME (its tag in capitals, '_' for '-'; the first line
   is HEADER):
     MA_TAG_NAME             the tag, a string literal;
     MA_KEY_NAME_KEY         each key, a string literal;
     MA_TRACE_KEYS_NAME(K)   K(NAME, KEY) for every key, in the order the
                             tool writes them (an X-macro: the caller
                             defines K to make what it needs of each).
   MA_TRACE_RECORDS(X) gives X(NAME, SINCE, UNTIL) for every record, SINCE
   being the first version that has it and UNTIL the last (0: every version
   from SINCE on, this one included).  For each closed set of values GROUP:
     MA_WORD_GROUP_WORD      each word, a string literal;
     MA_TRACE_WORDS_GROUP(W) W(GROUP, WORD) for every word.
   Readers map a word to its meaning by the word, never by its position
   in a list, so reordering a list changes nothing.

   Keys are named per record even where two records share a key's text
   ('id', 't'): the lists then say exactly what each record carries.

   To add a record: its tag, keys and list here, its row in
   MA_TRACE_RECORDS, then the writer (memattr/ma_trace.c), the reader
   (postproc/trace/trace.h and trace_reader.cpp) and a section of
   docs/trace-format.md (which says more); tests fail until these, the
   round-trip test's writer (tests/postproc/schema_writer.cpp) and its
   trace (tests/postproc/data/every_record.trace) agree. */

#ifndef MEMATTR_TRACE_SCHEMA_H
#define MEMATTR_TRACE_SCHEMA_H

/* The version this tree writes; memattr-graph also reads every older
   one, from MA_TRACE_OLDEST_VERSION. */
#define MA_TRACE_VERSION 5
#define MA_TRACE_OLDEST_VERSION 1

/* A phase's moments: its 'begin-*' and 'end-*' keys are a prefix, '-'
   and a moment key ('mark' has the same four keys without a prefix). */
#define MA_PHASE_MOMENT_BEGIN "begin"
#define MA_PHASE_MOMENT_END "end"
#define MA_KEY_MOMENT_T "t"
#define MA_KEY_MOMENT_ALLOC "alloc"
#define MA_KEY_MOMENT_BYTES "bytes"
#define MA_KEY_MOMENT_BLOCKS "blocks"

/* ------------------------------------------------ records and keys */

/* The first line: the header's tag is the file's magic. */
#define MA_TAG_HEADER "memattr-trace"
#define MA_KEY_HEADER_VERSION "version"
#define MA_TRACE_KEYS_HEADER(K) \
   K(HEADER, VERSION)

/* tool */
#define MA_TAG_TOOL "tool"
#define MA_KEY_TOOL_NAME "name"
#define MA_KEY_TOOL_VERSION "version"
#define MA_TRACE_KEYS_TOOL(K) \
   K(TOOL, NAME) K(TOOL, VERSION)

/* cmd */
#define MA_TAG_CMD "cmd"
#define MA_KEY_CMD_EXE "exe"
#define MA_KEY_CMD_ARGS "args"
#define MA_TRACE_KEYS_CMD(K) \
   K(CMD, EXE) K(CMD, ARGS)

/* process */
#define MA_TAG_PROCESS "process"
#define MA_KEY_PROCESS_PID "pid"
#define MA_KEY_PROCESS_PPID "ppid"
#define MA_KEY_PROCESS_FORK_OF "fork-of"
#define MA_TRACE_KEYS_PROCESS(K) \
   K(PROCESS, PID) K(PROCESS, PPID) K(PROCESS, FORK_OF)

/* run */
#define MA_TAG_RUN "run"
#define MA_KEY_RUN_MALLOC_MODE "malloc-mode"
#define MA_KEY_RUN_TIME_UNIT "time-unit"
#define MA_KEY_RUN_ALIGNMENT "alignment"
#define MA_KEY_RUN_NUM_CALLERS "num-callers"
#define MA_KEY_RUN_ACCESS "access"
#define MA_KEY_RUN_SNAPSHOTS "snapshots"
#define MA_KEY_RUN_SNAPSHOT_GROWTH "snapshot-growth"
#define MA_KEY_RUN_SNAPSHOT_MIN "snapshot-min"
#define MA_KEY_RUN_SNAPSHOT_BUDGET "snapshot-budget"
#define MA_KEY_RUN_PAGES "pages"
#define MA_TRACE_KEYS_RUN(K) \
   K(RUN, MALLOC_MODE) K(RUN, TIME_UNIT) K(RUN, ALIGNMENT) K(RUN, NUM_CALLERS) \
   K(RUN, ACCESS) K(RUN, SNAPSHOTS) K(RUN, SNAPSHOT_GROWTH) K(RUN, SNAPSHOT_MIN) \
   K(RUN, SNAPSHOT_BUDGET) K(RUN, PAGES)

/* definition */
#define MA_TAG_DEFINITION "definition"
#define MA_KEY_DEFINITION_NAME "name"
#define MA_KEY_DEFINITION_TEXT "text"
#define MA_TRACE_KEYS_DEFINITION(K) \
   K(DEFINITION, NAME) K(DEFINITION, TEXT)

/* frame ('dir' may be absent: it was once given for non-inlined frames only) */
#define MA_TAG_FRAME "frame"
#define MA_KEY_FRAME_ID "id"
#define MA_KEY_FRAME_IP "ip"
#define MA_KEY_FRAME_INLINED "inlined"
#define MA_KEY_FRAME_FN "fn"
#define MA_KEY_FRAME_FILE "file"
#define MA_KEY_FRAME_DIR "dir"
#define MA_KEY_FRAME_LINE "line"
#define MA_KEY_FRAME_OBJ "obj"
#define MA_TRACE_KEYS_FRAME(K) \
   K(FRAME, ID) K(FRAME, IP) K(FRAME, INLINED) K(FRAME, FN) K(FRAME, FILE) K(FRAME, DIR) \
   K(FRAME, LINE) K(FRAME, OBJ)

/* stack */
#define MA_TAG_STACK "stack"
#define MA_KEY_STACK_ID "id"
#define MA_KEY_STACK_FRAMES "frames"
#define MA_TRACE_KEYS_STACK(K) \
   K(STACK, ID) K(STACK, FRAMES)

/* site ('kind' is absent in traces before version 4: malloc) */
#define MA_TAG_SITE "site"
#define MA_KEY_SITE_ID "id"
#define MA_KEY_SITE_STACK "stack"
#define MA_KEY_SITE_TB "tb"
#define MA_KEY_SITE_TBK "tbk"
#define MA_KEY_SITE_PB "pb"
#define MA_KEY_SITE_PBK "pbk"
#define MA_KEY_SITE_MB "mb"
#define MA_KEY_SITE_MBK "mbk"
#define MA_KEY_SITE_EB "eb"
#define MA_KEY_SITE_EBK "ebk"
#define MA_KEY_SITE_FBK "fbk"
#define MA_KEY_SITE_LTMIN "ltmin"
#define MA_KEY_SITE_LTMAX "ltmax"
#define MA_KEY_SITE_LTSUM "ltsum"
#define MA_KEY_SITE_TMPBK "tmpbk"
#define MA_KEY_SITE_TMPB "tmpb"
#define MA_KEY_SITE_RBK "rbk"
#define MA_KEY_SITE_KIND "kind"
#define MA_KEY_SITE_RD "rd"
#define MA_KEY_SITE_WR "wr"
#define MA_KEY_SITE_NRBK "nrbk"
#define MA_KEY_SITE_NRB "nrb"
#define MA_KEY_SITE_NABK "nabk"
#define MA_KEY_SITE_NAB "nab"
#define MA_TRACE_KEYS_SITE(K) \
   K(SITE, ID) K(SITE, STACK) K(SITE, TB) K(SITE, TBK) K(SITE, PB) K(SITE, PBK) \
   K(SITE, MB) K(SITE, MBK) K(SITE, EB) K(SITE, EBK) K(SITE, FBK) K(SITE, LTMIN) \
   K(SITE, LTMAX) K(SITE, LTSUM) K(SITE, TMPBK) K(SITE, TMPB) K(SITE, RBK) K(SITE, KIND) \
   K(SITE, RD) K(SITE, WR) K(SITE, NRBK) K(SITE, NRB) K(SITE, NABK) K(SITE, NAB)

/* copy */
#define MA_TAG_COPY "copy"
#define MA_KEY_COPY_KIND "kind"
#define MA_KEY_COPY_STACK "stack"
#define MA_KEY_COPY_FROM "from"
#define MA_KEY_COPY_TO "to"
#define MA_KEY_COPY_SHARE "share"
#define MA_KEY_COPY_SRC_USED "src-used"
#define MA_KEY_COPY_SRC_FATE "src-fate"
#define MA_KEY_COPY_N "n"
#define MA_KEY_COPY_BYTES "bytes"
#define MA_KEY_COPY_SRC_BYTES "src-bytes"
#define MA_KEY_COPY_DST_BYTES "dst-bytes"
#define MA_KEY_COPY_PEAK_SRC_BYTES "peak-src-bytes"
#define MA_KEY_COPY_OVERLAP "overlap"
#define MA_TRACE_KEYS_COPY(K) \
   K(COPY, KIND) K(COPY, STACK) K(COPY, FROM) K(COPY, TO) K(COPY, SHARE) \
   K(COPY, SRC_USED) K(COPY, SRC_FATE) K(COPY, N) K(COPY, BYTES) K(COPY, SRC_BYTES) \
   K(COPY, DST_BYTES) K(COPY, PEAK_SRC_BYTES) K(COPY, OVERLAP)

/* access */
#define MA_TAG_ACCESS "access"
#define MA_KEY_ACCESS_READS "reads"
#define MA_KEY_ACCESS_WRITES "writes"
#define MA_KEY_ACCESS_BULK_COPIES "bulk-copies"
#define MA_KEY_ACCESS_BULK_BYTES "bulk-bytes"
#define MA_KEY_ACCESS_INLINE_COPY_BYTES "inline-copy-bytes"
#define MA_KEY_ACCESS_PAIRS "pairs"
#define MA_KEY_ACCESS_EXTRA_SOURCE_BYTES "extra-source-bytes"
#define MA_TRACE_KEYS_ACCESS(K) \
   K(ACCESS, READS) K(ACCESS, WRITES) K(ACCESS, BULK_COPIES) K(ACCESS, BULK_BYTES) \
   K(ACCESS, INLINE_COPY_BYTES) K(ACCESS, PAIRS) K(ACCESS, EXTRA_SOURCE_BYTES)

/* thread */
#define MA_TAG_THREAD "thread"
#define MA_KEY_THREAD_ID "id"
#define MA_KEY_THREAD_PARENT "parent"
#define MA_KEY_THREAD_TB "tb"
#define MA_KEY_THREAD_TBK "tbk"
#define MA_KEY_THREAD_PB "pb"
#define MA_KEY_THREAD_PBK "pbk"
#define MA_KEY_THREAD_PT "pt"
#define MA_KEY_THREAD_EB "eb"
#define MA_KEY_THREAD_EBK "ebk"
#define MA_KEY_THREAD_GPB "gpb"
#define MA_KEY_THREAD_GPBK "gpbk"
#define MA_KEY_THREAD_PRS "prs"
#define MA_KEY_THREAD_PRB "prb"
#define MA_KEY_THREAD_PRBK "prbk"
#define MA_TRACE_KEYS_THREAD(K) \
   K(THREAD, ID) K(THREAD, PARENT) K(THREAD, TB) K(THREAD, TBK) K(THREAD, PB) \
   K(THREAD, PBK) K(THREAD, PT) K(THREAD, EB) K(THREAD, EBK) K(THREAD, GPB) K(THREAD, GPBK) \
   K(THREAD, PRS) K(THREAD, PRB) K(THREAD, PRBK)

/* thread-site */
#define MA_TAG_THREAD_SITE "thread-site"
#define MA_KEY_THREAD_SITE_THREAD "thread"
#define MA_KEY_THREAD_SITE_SITE "site"
#define MA_KEY_THREAD_SITE_BYTES "bytes"
#define MA_KEY_THREAD_SITE_BLOCKS "blocks"
#define MA_TRACE_KEYS_THREAD_SITE(K) \
   K(THREAD_SITE, THREAD) K(THREAD_SITE, SITE) K(THREAD_SITE, BYTES) K(THREAD_SITE, BLOCKS)

/* peak */
#define MA_TAG_PEAK "peak"
#define MA_KEY_PEAK_T "t"
#define MA_KEY_PEAK_ALLOC "alloc"
#define MA_KEY_PEAK_BYTES "bytes"
#define MA_KEY_PEAK_BLOCKS "blocks"
#define MA_TRACE_KEYS_PEAK(K) \
   K(PEAK, T) K(PEAK, ALLOC) K(PEAK, BYTES) K(PEAK, BLOCKS)

/* totals */
#define MA_TAG_TOTALS "totals"
#define MA_KEY_TOTALS_BYTES "bytes"
#define MA_KEY_TOTALS_BLOCKS "blocks"
#define MA_KEY_TOTALS_FREES "frees"
#define MA_KEY_TOTALS_BAD_FREES "bad-frees"
#define MA_TRACE_KEYS_TOTALS(K) \
   K(TOTALS, BYTES) K(TOTALS, BLOCKS) K(TOTALS, FREES) K(TOTALS, BAD_FREES)

/* exit */
#define MA_TAG_EXIT "exit"
#define MA_KEY_EXIT_T "t"
#define MA_KEY_EXIT_ALLOC "alloc"
#define MA_KEY_EXIT_BYTES "bytes"
#define MA_KEY_EXIT_BLOCKS "blocks"
#define MA_KEY_EXIT_REASON "reason"
#define MA_KEY_EXIT_CODE "code"
#define MA_TRACE_KEYS_EXIT(K) \
   K(EXIT, T) K(EXIT, ALLOC) K(EXIT, BYTES) K(EXIT, BLOCKS) K(EXIT, REASON) K(EXIT, CODE)

/* timeline */
#define MA_TAG_TIMELINE "timeline"
#define MA_KEY_TIMELINE_T "t"
#define MA_KEY_TIMELINE_ALLOC "alloc"
#define MA_KEY_TIMELINE_BYTES "bytes"
#define MA_KEY_TIMELINE_BLOCKS "blocks"
#define MA_TRACE_KEYS_TIMELINE(K) \
   K(TIMELINE, T) K(TIMELINE, ALLOC) K(TIMELINE, BYTES) K(TIMELINE, BLOCKS)

/* phase */
#define MA_TAG_PHASE "phase"
#define MA_KEY_PHASE_ID "id"
#define MA_KEY_PHASE_NAME "name"
#define MA_KEY_PHASE_ITERATION "iteration"
#define MA_KEY_PHASE_PARENT "parent"
#define MA_KEY_PHASE_THREAD "thread"
#define MA_KEY_PHASE_BY "by"
#define MA_KEY_PHASE_ENDED "ended"
#define MA_KEY_PHASE_BEGIN_T MA_PHASE_MOMENT_BEGIN "-" MA_KEY_MOMENT_T
#define MA_KEY_PHASE_BEGIN_ALLOC MA_PHASE_MOMENT_BEGIN "-" MA_KEY_MOMENT_ALLOC
#define MA_KEY_PHASE_BEGIN_BYTES MA_PHASE_MOMENT_BEGIN "-" MA_KEY_MOMENT_BYTES
#define MA_KEY_PHASE_BEGIN_BLOCKS MA_PHASE_MOMENT_BEGIN "-" MA_KEY_MOMENT_BLOCKS
#define MA_KEY_PHASE_END_T MA_PHASE_MOMENT_END "-" MA_KEY_MOMENT_T
#define MA_KEY_PHASE_END_ALLOC MA_PHASE_MOMENT_END "-" MA_KEY_MOMENT_ALLOC
#define MA_KEY_PHASE_END_BYTES MA_PHASE_MOMENT_END "-" MA_KEY_MOMENT_BYTES
#define MA_KEY_PHASE_END_BLOCKS MA_PHASE_MOMENT_END "-" MA_KEY_MOMENT_BLOCKS
#define MA_KEY_PHASE_AB "ab"
#define MA_KEY_PHASE_ABK "abk"
#define MA_KEY_PHASE_FB "fb"
#define MA_KEY_PHASE_FBK "fbk"
#define MA_KEY_PHASE_PEAK "peak"
#define MA_KEY_PHASE_PEAK_T "peak-t"
#define MA_KEY_PHASE_XB "xb"
#define MA_KEY_PHASE_XBK "xbk"
#define MA_TRACE_KEYS_PHASE(K) \
   K(PHASE, ID) K(PHASE, NAME) K(PHASE, ITERATION) K(PHASE, PARENT) K(PHASE, THREAD) \
   K(PHASE, BY) K(PHASE, ENDED) K(PHASE, BEGIN_T) K(PHASE, BEGIN_ALLOC) \
   K(PHASE, BEGIN_BYTES) K(PHASE, BEGIN_BLOCKS) K(PHASE, END_T) K(PHASE, END_ALLOC) \
   K(PHASE, END_BYTES) K(PHASE, END_BLOCKS) K(PHASE, AB) K(PHASE, ABK) K(PHASE, FB) \
   K(PHASE, FBK) K(PHASE, PEAK) K(PHASE, PEAK_T) K(PHASE, XB) K(PHASE, XBK)

/* phase-site */
#define MA_TAG_PHASE_SITE "phase-site"
#define MA_KEY_PHASE_SITE_PHASE "phase"
#define MA_KEY_PHASE_SITE_SITE "site"
#define MA_KEY_PHASE_SITE_AB "ab"
#define MA_KEY_PHASE_SITE_ABK "abk"
#define MA_KEY_PHASE_SITE_FB "fb"
#define MA_KEY_PHASE_SITE_FBK "fbk"
#define MA_KEY_PHASE_SITE_LIVE_BEGIN "live-begin"
#define MA_KEY_PHASE_SITE_LIVE_END "live-end"
#define MA_KEY_PHASE_SITE_XB "xb"
#define MA_KEY_PHASE_SITE_XBK "xbk"
#define MA_TRACE_KEYS_PHASE_SITE(K) \
   K(PHASE_SITE, PHASE) K(PHASE_SITE, SITE) K(PHASE_SITE, AB) K(PHASE_SITE, ABK) \
   K(PHASE_SITE, FB) K(PHASE_SITE, FBK) K(PHASE_SITE, LIVE_BEGIN) K(PHASE_SITE, LIVE_END) \
   K(PHASE_SITE, XB) K(PHASE_SITE, XBK)

/* mark */
#define MA_TAG_MARK "mark"
#define MA_KEY_MARK_T "t"
#define MA_KEY_MARK_ALLOC "alloc"
#define MA_KEY_MARK_BYTES "bytes"
#define MA_KEY_MARK_BLOCKS "blocks"
#define MA_KEY_MARK_LABEL "label"
#define MA_TRACE_KEYS_MARK(K) \
   K(MARK, T) K(MARK, ALLOC) K(MARK, BYTES) K(MARK, BLOCKS) K(MARK, LABEL)

/* phases */
#define MA_TAG_PHASES "phases"
#define MA_KEY_PHASES_KEPT "kept"
#define MA_KEY_PHASES_DROPPED "dropped"
#define MA_TRACE_KEYS_PHASES(K) \
   K(PHASES, KEPT) K(PHASES, DROPPED)

/* snapshot */
#define MA_TAG_SNAPSHOT "snapshot"
#define MA_KEY_SNAPSHOT_ID "id"
#define MA_KEY_SNAPSHOT_NAME "name"
#define MA_KEY_SNAPSHOT_KINDS "kinds"
#define MA_KEY_SNAPSHOT_T "t"
#define MA_KEY_SNAPSHOT_ALLOC "alloc"
#define MA_KEY_SNAPSHOT_BYTES "bytes"
#define MA_KEY_SNAPSHOT_BLOCKS "blocks"
#define MA_KEY_SNAPSHOT_EDGES "edges"
#define MA_KEY_SNAPSHOT_ROOTS "roots"
#define MA_KEY_SNAPSHOT_SCANNED "scanned"
#define MA_KEY_SNAPSHOT_REUSED "reused"
#define MA_KEY_SNAPSHOT_IN_PLACE_BLOCKS "in-place-blocks"
#define MA_KEY_SNAPSHOT_UNREADABLE_BLOCKS "unreadable-blocks"
#define MA_KEY_SNAPSHOT_UNREADABLE_BYTES "unreadable-bytes"
#define MA_TRACE_KEYS_SNAPSHOT(K) \
   K(SNAPSHOT, ID) K(SNAPSHOT, NAME) K(SNAPSHOT, KINDS) K(SNAPSHOT, T) K(SNAPSHOT, ALLOC) \
   K(SNAPSHOT, BYTES) K(SNAPSHOT, BLOCKS) K(SNAPSHOT, EDGES) K(SNAPSHOT, ROOTS) \
   K(SNAPSHOT, SCANNED) K(SNAPSHOT, REUSED) K(SNAPSHOT, UNREADABLE_BLOCKS) \
   K(SNAPSHOT, UNREADABLE_BYTES) K(SNAPSHOT, IN_PLACE_BLOCKS)

/* block, versions 3 and 4 ('ptrs' is absent when the block holds no pointer, 'heur'
   when no interior pointer into it matches a layout of Memcheck's leak
   heuristics) */
#define MA_TAG_BLOCK "block"
#define MA_KEY_BLOCK_I "i"
#define MA_KEY_BLOCK_ADDR "addr"
#define MA_KEY_BLOCK_SITE "site"
#define MA_KEY_BLOCK_SIZE "size"
#define MA_KEY_BLOCK_HASH "hash"
#define MA_KEY_BLOCK_PTRS "ptrs"
#define MA_KEY_BLOCK_HEUR "heur"
#define MA_TRACE_KEYS_BLOCK(K) \
   K(BLOCK, I) K(BLOCK, ADDR) K(BLOCK, SITE) K(BLOCK, SIZE) K(BLOCK, HASH) K(BLOCK, PTRS) \
   K(BLOCK, HEUR)

/* The bits of a 'heur' entry's MASK: the layouts of Memcheck's leak
   heuristics the block matches for a pointer at that offset, in the
   order Memcheck tries them. */
#define MA_LEAK_HEURISTIC_STDSTRING 1
#define MA_LEAK_HEURISTIC_LENGTH64 2
#define MA_LEAK_HEURISTIC_NEWARRAY 4
#define MA_LEAK_HEURISTIC_MULTIPLEINHERITANCE 8

/* blocks, version 5: up to MA_COMPACT_BLOCKS_PER_RECORD blocks of the
   snapshot above, from block 'first' on, 'n' of them, encoded in 'data'
   (format/memattr_trace_compact.h); 'heur' (exit snapshot only) lists
   N:OFF:MASK for each block N of the record and interior offset OFF at
   which it matches layouts of Memcheck's leak heuristics, absent when
   none does */
#define MA_TAG_BLOCKS "blocks"
#define MA_KEY_BLOCKS_FIRST "first"
#define MA_KEY_BLOCKS_N "n"
#define MA_KEY_BLOCKS_DATA "data"
#define MA_KEY_BLOCKS_HEUR "heur"
#define MA_TRACE_KEYS_BLOCKS(K) \
   K(BLOCKS, FIRST) K(BLOCKS, N) K(BLOCKS, DATA) K(BLOCKS, HEUR)

/* root */
#define MA_TAG_ROOT "root"
#define MA_KEY_ROOT_KIND "kind"
#define MA_KEY_ROOT_TO "to"
#define MA_KEY_ROOT_TOFF "toff"
#define MA_KEY_ROOT_THREAD "thread"
#define MA_KEY_ROOT_REG "reg"
#define MA_KEY_ROOT_STACK "stack"
#define MA_KEY_ROOT_ADDR "addr"
#define MA_KEY_ROOT_NAME "name"
#define MA_KEY_ROOT_SYM_OFF "sym-off"
#define MA_KEY_ROOT_OBJ "obj"
/* A root's keys after kind, to and toff depend on its kind: this list
   has them all, and MA_TRACE_ROOT_KEYS_KIND the ones of each kind in the
   order the tool writes them. */
#define MA_TRACE_KEYS_ROOT(K) \
   K(ROOT, KIND) K(ROOT, TO) K(ROOT, TOFF) K(ROOT, THREAD) K(ROOT, REG) K(ROOT, STACK) \
   K(ROOT, ADDR) K(ROOT, NAME) K(ROOT, SYM_OFF) K(ROOT, OBJ)
#define MA_TRACE_ROOT_KEYS_REGISTER(K) \
   K(ROOT, THREAD) K(ROOT, REG)
#define MA_TRACE_ROOT_KEYS_STACK(K) \
   K(ROOT, THREAD) K(ROOT, STACK) K(ROOT, ADDR)
#define MA_TRACE_ROOT_KEYS_GLOBAL(K) \
   K(ROOT, NAME) K(ROOT, SYM_OFF) K(ROOT, OBJ) K(ROOT, ADDR)
#define MA_TRACE_ROOT_KEYS_MAPPING(K) \
   K(ROOT, OBJ) K(ROOT, ADDR)

/* snapshot-cost */
#define MA_TAG_SNAPSHOT_COST "snapshot-cost"
#define MA_KEY_SNAPSHOT_COST_TAKEN "taken"
#define MA_KEY_SNAPSHOT_COST_SCANNED "scanned"
#define MA_KEY_SNAPSHOT_COST_REUSED "reused"
#define MA_TRACE_KEYS_SNAPSHOT_COST(K) \
   K(SNAPSHOT_COST, TAKEN) K(SNAPSHOT_COST, SCANNED) K(SNAPSHOT_COST, REUSED)

/* map-events */
#define MA_TAG_MAP_EVENTS "map-events"
#define MA_KEY_MAP_EVENTS_MMAP "mmap"
#define MA_KEY_MAP_EVENTS_MUNMAP "munmap"
#define MA_KEY_MAP_EVENTS_MREMAP "mremap"
#define MA_KEY_MAP_EVENTS_MREMAP_MOVED "mremap-moved"
#define MA_KEY_MAP_EVENTS_BRK_GROW "brk-grow"
#define MA_KEY_MAP_EVENTS_BRK_SHRINK "brk-shrink"
/* brk growths Valgrind refused (its brk segment is 8 MiB); absent in
   earlier traces of version 4: 0 */
#define MA_KEY_MAP_EVENTS_BRK_REFUSED "brk-refused"
#define MA_KEY_MAP_EVENTS_SHMAT "shmat"
#define MA_KEY_MAP_EVENTS_SHMDT "shmdt"
#define MA_KEY_MAP_EVENTS_MADVISE_FREE "madvise-free"
#define MA_KEY_MAP_EVENTS_MPROTECT "mprotect"
#define MA_KEY_MAP_EVENTS_CUSTOM_REQUESTS "custom-requests"
#define MA_KEY_MAP_EVENTS_BAD_REQUESTS "bad-requests"
#define MA_TRACE_KEYS_MAP_EVENTS(K) \
   K(MAP_EVENTS, MMAP) K(MAP_EVENTS, MUNMAP) K(MAP_EVENTS, MREMAP) \
   K(MAP_EVENTS, MREMAP_MOVED) K(MAP_EVENTS, BRK_GROW) K(MAP_EVENTS, BRK_SHRINK) \
   K(MAP_EVENTS, BRK_REFUSED) K(MAP_EVENTS, SHMAT) K(MAP_EVENTS, SHMDT) K(MAP_EVENTS, MADVISE_FREE) \
   K(MAP_EVENTS, MPROTECT) K(MAP_EVENTS, CUSTOM_REQUESTS) K(MAP_EVENTS, BAD_REQUESTS)

/* memory-map */
#define MA_TAG_MEMORY_MAP "memory-map"
#define MA_KEY_MEMORY_MAP_NAME "name"
#define MA_KEY_MEMORY_MAP_T "t"
#define MA_KEY_MEMORY_MAP_FOOTPRINT "footprint"
#define MA_KEY_MEMORY_MAP_HEAP_BYTES "heap-bytes"
#define MA_KEY_MEMORY_MAP_HEAP_BLOCKS "heap-blocks"
#define MA_KEY_MEMORY_MAP_HEAP_USABLE "heap-usable"
#define MA_KEY_MEMORY_MAP_HEAP_UNWRITTEN "heap-unwritten"
/* glibc's chunk headers of the live malloc blocks, in the footprint
   (replace mode; absent in older traces: 0) */
#define MA_KEY_MEMORY_MAP_HEAP_HEADERS "heap-headers"
#define MA_KEY_MEMORY_MAP_CUSTOM_BYTES "custom-bytes"
#define MA_KEY_MEMORY_MAP_CUSTOM_BLOCKS "custom-blocks"
#define MA_KEY_MEMORY_MAP_CUSTOM_IN_HEAP "custom-in-heap"
#define MA_KEY_MEMORY_MAP_WRITTEN_OUTSIDE "written-outside"
/* 1 when the regions' read figures are known (the kernel's page table
   could be read; absent in older traces: not known) */
#define MA_KEY_MEMORY_MAP_READ_SEEN "read-seen"
#define MA_KEY_MEMORY_MAP_REGIONS "regions"
/* how many heap-unwritten records follow the regions (absent in older
   traces: heap-unwritten is not known by site) */
#define MA_KEY_MEMORY_MAP_UNWRITTEN_SITES "unwritten-sites"
#define MA_TRACE_KEYS_MEMORY_MAP(K) \
   K(MEMORY_MAP, NAME) K(MEMORY_MAP, T) K(MEMORY_MAP, FOOTPRINT) \
   K(MEMORY_MAP, HEAP_BYTES) K(MEMORY_MAP, HEAP_BLOCKS) K(MEMORY_MAP, HEAP_USABLE) \
   K(MEMORY_MAP, HEAP_UNWRITTEN) K(MEMORY_MAP, HEAP_HEADERS) K(MEMORY_MAP, CUSTOM_BYTES) K(MEMORY_MAP, CUSTOM_BLOCKS) K(MEMORY_MAP, CUSTOM_IN_HEAP) \
   K(MEMORY_MAP, WRITTEN_OUTSIDE) K(MEMORY_MAP, READ_SEEN) K(MEMORY_MAP, REGIONS) \
   K(MEMORY_MAP, UNWRITTEN_SITES)

/* region */
#define MA_TAG_REGION "region"
#define MA_KEY_REGION_ID "id"
#define MA_KEY_REGION_KIND "kind"
#define MA_KEY_REGION_START "start"
#define MA_KEY_REGION_SIZE "size"
#define MA_KEY_REGION_ACCESSIBLE "accessible"
#define MA_KEY_REGION_WRITTEN "written"
#define MA_KEY_REGION_USED "used"
#define MA_KEY_REGION_USED_BLOCKS "used-blocks"
#define MA_KEY_REGION_PROT "prot"
#define MA_KEY_REGION_SHARED "shared"
#define MA_KEY_REGION_STARTUP "startup"
#define MA_KEY_REGION_STACK "stack"
#define MA_KEY_REGION_THREAD "thread"
#define MA_KEY_REGION_FILE "file"
#define MA_KEY_REGION_GROWTH "growth"
#define MA_KEY_REGION_GROWTHS "growths"
/* the calls that changed it, in all (version 5; absent in earlier traces of
   version 5: its history is not known) */
#define MA_KEY_REGION_CHANGES "changes"
#define MA_KEY_REGION_EXECUTED "executed"
#define MA_KEY_REGION_EXECUTED_AROUND "executed-around"
/* bytes of a file region's pages (not writable) resident, not written and
   not code, from the kernel's page table (absent in older traces) */
#define MA_KEY_REGION_READ "read"
#define MA_TRACE_KEYS_REGION(K) \
   K(REGION, ID) K(REGION, KIND) K(REGION, START) K(REGION, SIZE) K(REGION, ACCESSIBLE) \
   K(REGION, WRITTEN) K(REGION, USED) K(REGION, USED_BLOCKS) K(REGION, PROT) \
   K(REGION, SHARED) K(REGION, STARTUP) K(REGION, STACK) K(REGION, THREAD) \
   K(REGION, FILE) K(REGION, GROWTH) K(REGION, GROWTHS) K(REGION, CHANGES) \
   K(REGION, EXECUTED) K(REGION, EXECUTED_AROUND) K(REGION, READ)

/* region-use */
#define MA_TAG_REGION_USE "region-use"
#define MA_KEY_REGION_USE_SITE "site"
#define MA_KEY_REGION_USE_BYTES "bytes"
#define MA_KEY_REGION_USE_BLOCKS "blocks"
#define MA_TRACE_KEYS_REGION_USE(K) \
   K(REGION_USE, SITE) K(REGION_USE, BYTES) K(REGION_USE, BLOCKS)

/* region-change */
#define MA_TAG_REGION_CHANGE "region-change"
#define MA_KEY_REGION_CHANGE_KIND "kind"
#define MA_KEY_REGION_CHANGE_SIZE "size"
#define MA_KEY_REGION_CHANGE_PROT "prot"
#define MA_KEY_REGION_CHANGE_STACK "stack"
#define MA_TRACE_KEYS_REGION_CHANGE(K) \
   K(REGION_CHANGE, KIND) K(REGION_CHANGE, SIZE) K(REGION_CHANGE, PROT) K(REGION_CHANGE, STACK)
/* A region's region-change records: its first changes and its last ones,
   of its 'changes'; the ones between are only counted. */
#define MA_TRACE_REGION_CHANGES_FIRST 4
#define MA_TRACE_REGION_CHANGES_LAST 4

/* heap-unwritten: of a memory map's heap-unwritten, the part in one malloc
   site's large blocks (after the map's regions; version 5) */
#define MA_TAG_HEAP_UNWRITTEN "heap-unwritten"
#define MA_KEY_HEAP_UNWRITTEN_SITE "site"
#define MA_KEY_HEAP_UNWRITTEN_BYTES "bytes"
#define MA_KEY_HEAP_UNWRITTEN_BLOCKS "blocks"
#define MA_TRACE_KEYS_HEAP_UNWRITTEN(K) \
   K(HEAP_UNWRITTEN, SITE) K(HEAP_UNWRITTEN, BYTES) K(HEAP_UNWRITTEN, BLOCKS)

/* end */
#define MA_TAG_END "end"
#define MA_KEY_END_RECORDS "records"
#define MA_TRACE_KEYS_END(K) \
   K(END, RECORDS)

/* Every record: X(NAME, SINCE, UNTIL), in the order of docs/trace-format.md. */
#define MA_TRACE_RECORDS(X) \
   X(HEADER, 1, 0) X(TOOL, 1, 0) X(CMD, 1, 0) X(PROCESS, 1, 0) X(RUN, 1, 0) \
   X(DEFINITION, 1, 0) X(FRAME, 1, 0) X(STACK, 1, 0) X(SITE, 1, 0) X(COPY, 2, 0) \
   X(ACCESS, 2, 0) X(THREAD, 1, 0) X(THREAD_SITE, 5, 0) X(PEAK, 1, 0) X(TOTALS, 1, 0) X(EXIT, 1, 0) \
   X(TIMELINE, 1, 0) X(PHASE, 3, 0) X(PHASE_SITE, 3, 0) X(MARK, 3, 0) X(PHASES, 3, 0) \
   X(SNAPSHOT, 3, 0) X(BLOCK, 3, 4) X(BLOCKS, 5, 0) X(ROOT, 3, 0) X(SNAPSHOT_COST, 3, 0) \
   X(MAP_EVENTS, 4, 0) X(MEMORY_MAP, 4, 0) X(REGION, 4, 0) X(REGION_USE, 4, 0) \
   X(REGION_CHANGE, 5, 0) X(HEAP_UNWRITTEN, 5, 0) X(END, 1, 0)

/* ------------------------------------------------ enum words */
/* a yes/no field (run: access, snapshots, pages) */
#define MA_WORD_YES_NO_NO "no"
#define MA_WORD_YES_NO_YES "yes"
#define MA_TRACE_WORDS_YES_NO(W) \
   W(YES_NO, NO) W(YES_NO, YES)

/* tool: name */
#define MA_WORD_TOOL_NAME_MEMATTR "memattr"
#define MA_TRACE_WORDS_TOOL_NAME(W) \
   W(TOOL_NAME, MEMATTR)

/* run: malloc-mode (wrap: version 4) */
#define MA_WORD_MALLOC_MODE_REPLACE "replace"
#define MA_WORD_MALLOC_MODE_WRAP "wrap"
#define MA_TRACE_WORDS_MALLOC_MODE(W) \
   W(MALLOC_MODE, REPLACE) W(MALLOC_MODE, WRAP)

/* run: time-unit */
#define MA_WORD_TIME_UNIT_INSTR "instr"
#define MA_TRACE_WORDS_TIME_UNIT(W) \
   W(TIME_UNIT, INSTR)

/* definition: name (use and prompt-free: version 2, with access tracking) */
#define MA_WORD_DEFINITION_TEMPORARY "temporary"
#define MA_WORD_DEFINITION_USE "use"
#define MA_WORD_DEFINITION_PROMPT_FREE "prompt-free"
#define MA_TRACE_WORDS_DEFINITION(W) \
   W(DEFINITION, TEMPORARY) W(DEFINITION, USE) W(DEFINITION, PROMPT_FREE)

/* site: kind (version 4; absent means malloc) */
#define MA_WORD_SITE_KIND_MALLOC "malloc"
#define MA_WORD_SITE_KIND_CUSTOM "custom"
#define MA_WORD_SITE_KIND_POOL "pool"
#define MA_TRACE_WORDS_SITE_KIND(W) \
   W(SITE_KIND, MALLOC) W(SITE_KIND, CUSTOM) W(SITE_KIND, POOL)

/* copy: kind */
#define MA_WORD_COPY_KIND_COPY "copy"
#define MA_WORD_COPY_KIND_REALLOC "realloc"
#define MA_TRACE_WORDS_COPY_KIND(W) \
   W(COPY_KIND, COPY) W(COPY_KIND, REALLOC)

/* copy: src-fate */
#define MA_WORD_SRC_FATE_PROMPT "prompt"
#define MA_WORD_SRC_FATE_LATER "later"
#define MA_WORD_SRC_FATE_LIVE "live"
#define MA_TRACE_WORDS_SRC_FATE(W) \
   W(SRC_FATE, PROMPT) W(SRC_FATE, LATER) W(SRC_FATE, LIVE)

/* exit: reason */
#define MA_WORD_EXIT_REASON_EXIT "exit"
#define MA_WORD_EXIT_REASON_SIGNAL "signal"
#define MA_WORD_EXIT_REASON_EXEC "exec"
#define MA_TRACE_WORDS_EXIT_REASON(W) \
   W(EXIT_REASON, EXIT) W(EXIT_REASON, SIGNAL) W(EXIT_REASON, EXEC)

/* phase: by */
#define MA_WORD_PHASE_BY_REQUEST "request"
#define MA_WORD_PHASE_BY_FUNCTION "function"
#define MA_TRACE_WORDS_PHASE_BY(W) \
   W(PHASE_BY, REQUEST) W(PHASE_BY, FUNCTION)

/* phase: ended */
#define MA_WORD_PHASE_ENDED_REQUEST "request"
#define MA_WORD_PHASE_ENDED_RETURN "return"
#define MA_WORD_PHASE_ENDED_OPEN "open"
#define MA_TRACE_WORDS_PHASE_ENDED(W) \
   W(PHASE_ENDED, REQUEST) W(PHASE_ENDED, RETURN) W(PHASE_ENDED, OPEN)

/* snapshot: kinds, a comma-separated list of these */
#define MA_WORD_SNAPSHOT_KIND_PEAK "peak"
#define MA_WORD_SNAPSHOT_KIND_REQUEST "request"
#define MA_WORD_SNAPSHOT_KIND_EXIT "exit"
#define MA_TRACE_WORDS_SNAPSHOT_KIND(W) \
   W(SNAPSHOT_KIND, PEAK) W(SNAPSHOT_KIND, REQUEST) W(SNAPSHOT_KIND, EXIT)

/* root: kind (each kind has its own further keys, MA_TRACE_ROOT_KEYS_*) */
#define MA_WORD_ROOT_KIND_REGISTER "register"
#define MA_WORD_ROOT_KIND_STACK "stack"
#define MA_WORD_ROOT_KIND_GLOBAL "global"
#define MA_WORD_ROOT_KIND_MAPPING "mapping"
#define MA_TRACE_WORDS_ROOT_KIND(W) \
   W(ROOT_KIND, REGISTER) W(ROOT_KIND, STACK) W(ROOT_KIND, GLOBAL) W(ROOT_KIND, MAPPING)

/* memory-map: name */
#define MA_WORD_MAP_NAME_PEAK "peak"
#define MA_WORD_MAP_NAME_EXIT "exit"
#define MA_TRACE_WORDS_MAP_NAME(W) \
   W(MAP_NAME, PEAK) W(MAP_NAME, EXIT)

/* region: kind */
#define MA_WORD_REGION_KIND_ANON "anon"
#define MA_WORD_REGION_KIND_SHM "shm"
#define MA_WORD_REGION_KIND_FILE "file"
#define MA_WORD_REGION_KIND_BRK "brk"
#define MA_WORD_REGION_KIND_STACK "stack"
#define MA_TRACE_WORDS_REGION_KIND(W) \
   W(REGION_KIND, ANON) W(REGION_KIND, SHM) W(REGION_KIND, FILE) W(REGION_KIND, BRK) \
   W(REGION_KIND, STACK)

/* region-change: kind.  How the region was made (mapped, reserved: mapped
   PROT_NONE, attached: shmat, brk: the first growth of the brk heap), then
   what later calls did to it. */
#define MA_WORD_REGION_CHANGE_MAPPED "mapped"
#define MA_WORD_REGION_CHANGE_RESERVED "reserved"
#define MA_WORD_REGION_CHANGE_ATTACHED "attached"
#define MA_WORD_REGION_CHANGE_BRK "brk"
#define MA_WORD_REGION_CHANGE_TRIMMED_HEAD "trimmed-head"
#define MA_WORD_REGION_CHANGE_TRIMMED_TAIL "trimmed-tail"
#define MA_WORD_REGION_CHANGE_TRIMMED_MIDDLE "trimmed-middle"
#define MA_WORD_REGION_CHANGE_GROWN "grown"
#define MA_WORD_REGION_CHANGE_SHRUNK "shrunk"
#define MA_WORD_REGION_CHANGE_MOVED "moved"
#define MA_WORD_REGION_CHANGE_PROTECTED "protected"
#define MA_TRACE_WORDS_REGION_CHANGE(W) \
   W(REGION_CHANGE, MAPPED) W(REGION_CHANGE, RESERVED) W(REGION_CHANGE, ATTACHED) \
   W(REGION_CHANGE, BRK) W(REGION_CHANGE, TRIMMED_HEAD) W(REGION_CHANGE, TRIMMED_TAIL) \
   W(REGION_CHANGE, TRIMMED_MIDDLE) W(REGION_CHANGE, GROWN) W(REGION_CHANGE, SHRUNK) \
   W(REGION_CHANGE, MOVED) W(REGION_CHANGE, PROTECTED)

/* Every word list: X(GROUP). */
#define MA_TRACE_WORD_GROUPS(X) \
   X(YES_NO) X(TOOL_NAME) X(MALLOC_MODE) X(TIME_UNIT) X(DEFINITION) X(SITE_KIND) \
   X(COPY_KIND) X(SRC_FATE) X(EXIT_REASON) X(PHASE_BY) X(PHASE_ENDED) X(SNAPSHOT_KIND) \
   X(ROOT_KIND) X(MAP_NAME) X(REGION_KIND) X(REGION_CHANGE)

#endif /* MEMATTR_TRACE_SCHEMA_H */
