// Shared test inputs: the sample trace data/small.trace and helpers to derive variants of it.
//
// small.trace is a hand-written complete version 1 trace, laid out as the tool writes one
// (each site's new frames and stack just before the site) and with frames as Valgrind
// names them (inlined frames by bare name and file). It profiles "./demo --size 3" (pid
// 4242) with two threads and four sites:
//   site 1  operator new <- inlined std::vector internals <- fill_samples
//           <- run_pipeline <- main                  1.5 MiB live at the peak
//   site 2  malloc <- "scratch<TAB>copy" <- main     600 temporary blocks
//   site 3  realloc <- Rust __rdl_realloc, raw_vec, Vec::push <- rsparse::parse_records
//           <- worker_main <- start_thread          thread 2, 7 blocks by realloc
//   site 4  malloc <- operator"" _kb <- Registry::add <- main   live at exit (a leak)
#pragma once

#include <string>
#include <vector>

#include "analysis.h"
#include "trace.h"

namespace memattr::test {

// The path of a file in tests/postproc/data.
std::string data_path(const std::string& name);

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

// Index of the first record starting with `prefix` (e.g. "site\tid=3\t"); fails the test
// when there is none.
std::size_t find_record(const std::vector<std::string>& records, const std::string& prefix);

// `text` with the first occurrence of `from` replaced by `to`; fails the test when absent.
std::string replace_once(std::string text, const std::string& from, const std::string& to);

}  // namespace memattr::test
