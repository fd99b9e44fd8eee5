// The unit tests' files, compiled as one unit (this file and its twin, unit_tests_b.cpp,
// split so that both cores build). Each test file is still a file of its own to read, run
// (--gtest_filter) and change; compiled one by one (at -O0 -g1), the 29 files took about
// 130 s of CPU on a clean build, most of it instantiating GoogleTest's, nlohmann-json's and
// fmt's templates again in each, against about 25 s as one unit. So that their helpers do not
// collide, each file puts them in a namespace named after it (test_history.cpp:
// history_tests). To add a test file: its #include in one of the two, and the file in
// tests/postproc/local.mk's EXTRA_DIST.
#include "test_analysis.cpp"
#include "test_command_registry.cpp"
#include "test_copy_analysis.cpp"
#include "test_golden.cpp"
#include "test_history.cpp"
#include "test_history_db.cpp"
#include "test_html_report.cpp"
#include "test_json_report.cpp"
#include "test_leak_report.cpp"
#include "test_leaks.cpp"
#include "test_lineage_report.cpp"
#include "test_memory_map.cpp"
#include "test_region_history.cpp"
#include "test_memory_map_report.cpp"
#include "test_native_rss.cpp"
#include "test_ownership.cpp"
#include "test_ownership_report.cpp"
