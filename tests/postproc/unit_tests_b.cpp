// The unit tests' files, compiled as one unit (this file and its twin, unit_tests_a.cpp,
// split so that both cores build). Each test file is still a file of its own to read, run
// (--gtest_filter) and change; compiled one by one (at -O0 -g1), the 29 files took about
// 130 s of CPU on a clean build, most of it instantiating GoogleTest's, nlohmann-json's and
// fmt's templates again in each, against about 25 s as one unit. So that their helpers do not
// collide, each file puts them in a namespace named after it (test_history.cpp:
// history_tests). To add a test file: its #include in one of the two, and the file in
// tests/postproc/local.mk's EXTRA_DIST.
#include "test_deep_copies.cpp"
#include "test_phases.cpp"
#include "test_pprof.cpp"
#include "test_profiles.cpp"
#include "test_reporter_registry.cpp"
#include "test_site_folding.cpp"
#include "test_stable_key.cpp"
#include "test_text_report.cpp"
#include "test_thread_peaks.cpp"
#include "test_trace_escape.cpp"
#include "test_trace_fuzz.cpp"
#include "test_trace_input.cpp"
#include "test_trace_reader.cpp"
#include "test_trace_reader_v2.cpp"
#include "test_trace_reader_v3.cpp"
#include "test_trace_reader_v4.cpp"
#include "test_trace_reader_v5.cpp"
#include "test_trace_schema.cpp"
#include "test_trend.cpp"
#include "test_units.cpp"
