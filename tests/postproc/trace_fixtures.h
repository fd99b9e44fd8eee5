// Shared test inputs: the sample traces data/small.trace and data/lineage.trace, and helpers
// to derive variants of them.
//
// small.trace is a hand-written complete version 1 trace (so without access tracking), laid
// out as the tool writes one (each site's new frames and stack just before the site) and
// with frames as Valgrind names them (inlined frames by bare name and file). It profiles
// "./demo --size 3" (pid 4242) with two threads and four sites:
//   site 1  operator new <- inlined std::vector internals <- fill_samples
//           <- run_pipeline <- main                  1.5 MiB live at the peak
//   site 2  malloc <- "scratch<TAB>copy" <- main     600 temporary blocks
//   site 3  realloc <- Rust __rdl_realloc, raw_vec, Vec::push <- rsparse::parse_records
//           <- worker_main <- start_thread          thread 2, 7 blocks by realloc
//   site 4  malloc <- operator"" _kb <- Registry::add <- main   live at exit (a leak)
//
// lineage.trace is a hand-written complete version 2 trace with access=yes: "./lineage-demo
// --groups 3" (pid 5151), a Rust program with C++ parts, nine sites and nine copy records,
// one or more of every class (at the default clone threshold of 90%):
//   site 1  load::read_records (src/load.rs:18)      1 MiB record blocks: cloned
//   site 2  group::write_groups (src/main.rs:42)     the clones (allocated by Vec::clone)
//   site 3  names::fill (names.cpp:12)               std::vector<Name> growth
//   site 4  names::Registry::add (names.cpp:30)      std::string copies
//   site 5  blob::read_blob (blob.cpp:8)             blobs: cloned
//   site 6  group::build_header (src/main.rs:58)     a header buffer
//   site 7  blob::make<"a\b"> (blob.cpp:14)          blob clones; a name with a quote and a
//                                                    backslash
//   site 8  group::collect (src/main.rs:25)          Vec<u32> growth by realloc
//   site 9  table::init_table (src/main.rs:90)       never read; 2 of its 3 blocks never
//                                                    accessed at all
// and copies (copy stacks fold to the location shown):
//   C1 1->2 share 10, unused, later  write_groups (memcpy <- Vec::clone)  could be a move
//   C2 1->2 share 9,  unused, live   likewise: a clone at 90%, partial at 100%
//   C3 5->7 share 10, unused, live   blob::make<"a\b"> (blob.cpp:16), an inline copy whose
//                                    first frame is the program's    could be a move
//   C4 4->4 share 10, used,   later  Registry::add (std::string)     legitimate clone
//   C5 1->6 share 8,  unused, later  build_header (src/main.rs:60)   partial (clone at 80%)
//   C6 3->3 share 5,          prompt names::fill (memmove <- _M_realloc_insert)  relocation
//   C7 8->8 kind=realloc             group::collect                  relocation
//   C8 1->2 share 10, unused, prompt group::take (src/main.rs:50): move-by-copy, relocation
//   C9 5->6 share 10, unused, later  group::snapshot (src/main.rs:70)  could be a move, the
//                                    same bytes at the peak as C3 but less bytes x time
//
// ownership.trace is a hand-written complete version 3 trace (access=no, snapshots=yes):
// "./cache-demo --items 3" (pid 6161), six sites and three snapshots: 1 'after-load'
// (requested), 2 'peak' and 3 'exit'. Its peak snapshot (19 blocks, 10,656 bytes; the
// global peak is 10,700 bytes) holds:
//   global g_cache -> bucket array (site 2, 64 B) -> nodes A, B, C (site 1, 32 B each;
//       A also points at B) -> buffers (site 3: 4 KiB, 4 KiB with A's contents, 1 KiB)
//   global g_list -> a linked list of 4 nodes (site 4, 24 B each; the tail points at
//       itself)
//   stack of thread 1 in main -> blobs 14 and 15 (site 6, 128 B, equal contents, named
//       with a quote, a backslash and an '&'); blob 16, the same again, is held by
//       register rax of thread 2 and by an anonymous mapping
//   node D (site 1, 32 B), pointed at by node C (interior) and by blob 14: only the roots
//       together dominate it
//   leaked: site 5's 512 B block -> 256 B block, and two empty blocks
// Retained: bucket array 9,376 B; site 1 9,344 B; site 3 9,216 B; the list 96 B (not 240).
//
// memory_map.trace is a hand-written complete version 4 trace (malloc-mode=replace,
// pages=yes, a small peak snapshot): "./tokenizer --input corpus.txt" (pid 8181), four sites
// (1 read_corpus and 2 intern_word by malloc; 3 custom blocks of arena_alloc called by
// parse_tokens, tokens.c:31; 4 pool chunks of pool_alloc called by load_index, index.c:12)
// and two memory maps. At the footprint's peak (t=9,000,000): heap 5 MiB requested in 1,200
// blocks, 5,337,088 usable; custom 12 MiB in 3,072 blocks; 8 KiB written outside; regions:
//   1-2  start-up segments of the executable (text, not written; data, 8 KiB written)
//   3    anonymous reservation by cache_reserve (cache.c:88): 16 MiB, 2 MiB accessible,
//        1 MiB written
//   4    the arena, made by mmap in arena_grow (arena.c:42): 32 MiB, grown by mremap
//        4→8→16→32 MiB, 12.5 MiB written, 12 MiB used by sites 3 (8 MiB) and 4 (4 MiB)
//   5-6  the stacks of threads 3 and 2: 8 MiB each, 12 and 16 KiB written
//   7    /data/words.db mapped by load_words (loader.c:20): 8 MiB, nothing written
//   8    ld.so's data segment: 4 KiB written
//   9    the main stack (thread 1): 132 KiB, all written
// The parts add up to the footprint, 19,677,184 bytes. The exit map keeps regions 1-3, 8, 9.
//
// memory_map_wrap.trace is the same kind of trace for "./server --threads 1" recorded with
// --malloc=wrap (pid 9191, no snapshots): glibc's heap lies in the brk heap (6 MiB, grown 37
// times, 5.5 MiB written, 5 MiB in 1,200 blocks), a thread arena (64 MiB reserved, 1 MiB
// accessible, 980 KiB written, 900 KiB in 300 blocks) and an mmapped chunk (2 MiB + 4 KiB,
// one 2 MiB block), all made through malloc; footprint 8,962,048 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "trace/trace.h"

// EXPECT_CONTAINS(text, part): text has part in it; prints the whole text when not.
#define EXPECT_CONTAINS(text, part) \
    EXPECT_NE((text).find(part), std::string::npos) << "missing: " << (part) << "\nin:\n" << (text)

namespace memattr::test {

// The text report of a trace.
std::string text_report(const Trace& trace, const AnalysisOptions& options = {});

// The path of a file in tests/postproc/data.
std::string data_path(const std::string& name);

// The bytes of data/`name`.
std::string data_text(const std::string& name);

// The records of data/`name` without the 'end' line, for tests to edit.
std::vector<std::string> data_records(const std::string& name);

// The bytes of data/small.trace.
std::string small_trace_text();

// small.trace's records without the 'end' line, for tests to edit.
std::vector<std::string> small_trace_records();

// `records` as a trace file: one line each, then a correct 'end' record.
std::string with_end_record(const std::vector<std::string>& records);

// Parses `text` as a trace named `source`; throws TraceError.
Trace parse_text(const std::string& text, const std::string& source = "test.trace");

Trace small_trace();

// small.trace's header and frames, as a program that made no heap allocation would leave
// them: no sites, threads or timeline, every figure zero.
Trace allocation_free_trace();

// The report model of small.trace with default options, or with `options`.
ReportModel small_report(const AnalysisOptions& options = {});

Trace lineage_trace();

// The report model of lineage.trace with default options, or with `options`.
ReportModel lineage_report(const AnalysisOptions& options = {});

// The "copies that could be moves" row of `model` copied at `function`; throws when none is.
const MovableCloneRow& movable_row_at(const ReportModel& model, const std::string& function);

// lineage.trace with two more clones of site 1's records into site 2, made by the clone the
// compiler wrote for a #[derive(Clone)] struct (`<load::Record as core::clone::Clone>::clone`,
// src/load.rs:7, which calls Vec's clone, which calls the tool's memcpy) and called from two
// lines: group::first (src/main.rs:101: 2 clones, 2 MiB, 1 MiB of originals at the peak) and
// group::second (src/main.rs:117: 1 clone, 1 MiB, none at the peak).
Trace derived_clone_trace();

// lineage.trace as the tool would write it with --track-access=no: access=no in 'run', no
// 'copy' or 'access' records, the access keys of 'site' 0.
std::string no_access_trace_text();

Trace ownership_trace();

// The report model of ownership.trace with default options, or with `options`.
ReportModel ownership_report(const AnalysisOptions& options = {});

Trace memory_map_trace();

// The report model of memory_map.trace with default options, or with `options`.
ReportModel memory_map_report(const AnalysisOptions& options = {});

Trace memory_map_wrap_trace();

// memory_map.trace as the tool would write it with --track-pages=no: pages=no, nothing
// written, and the footprints the mapped bytes of the regions that are not files (plus the
// heap's usable bytes).
std::string memory_map_without_pages_text();

// Expects `text` (parsed as "broken.trace") to be refused at `line` with a message
// containing `message_part`.
void expect_trace_error(const std::string& text, std::uint64_t line,
                        const std::string& message_part);

// Index of the first record starting with `prefix` (e.g. "site\tid=3\t"); fails the test
// when there is none.
std::size_t find_record(const std::vector<std::string>& records, const std::string& prefix);

// `text` with the first occurrence of `from` replaced by `to`; fails the test when absent.
std::string replace_once(std::string text, const std::string& from, const std::string& to);

}  // namespace memattr::test
