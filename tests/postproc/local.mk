# GoogleTest unit tests of memattr-graph (postproc/). The project's test runner runs
# tests/postproc/postproc-tests and postproc-tests-sanitized itself, so they are built by
# 'make check' but not in TESTS.

EXTRA_DIST += tests/postproc/data/small.trace tests/postproc/data/lineage.trace \
	tests/postproc/data/ownership.trace tests/postproc/data/phases.trace \
	tests/postproc/data/memory_map.trace tests/postproc/data/memory_map_wrap.trace \
	tests/postproc/data/every_record.trace tests/postproc/data/ownership_v5.trace \
	tests/postproc/data/large_unwritten.trace

# The test files, compiled by unit_tests_a.cpp and unit_tests_b.cpp (see there why).
EXTRA_DIST += tests/postproc/test_analysis.cpp tests/postproc/test_command_registry.cpp \
	tests/postproc/test_copy_analysis.cpp tests/postproc/test_golden.cpp \
	tests/postproc/test_deep_copies.cpp \
	tests/postproc/test_history.cpp tests/postproc/test_history_db.cpp \
	tests/postproc/test_html_report.cpp \
	tests/postproc/test_json_report.cpp tests/postproc/test_leak_report.cpp \
	tests/postproc/test_leaks.cpp tests/postproc/test_lineage_report.cpp \
	tests/postproc/test_memory_map.cpp tests/postproc/test_memory_map_report.cpp \
	tests/postproc/test_native_rss.cpp tests/postproc/test_ownership.cpp \
	tests/postproc/test_ownership_report.cpp tests/postproc/test_phases.cpp \
	tests/postproc/test_pprof.cpp tests/postproc/test_profiles.cpp \
	tests/postproc/test_region_history.cpp \
	tests/postproc/test_reporter_registry.cpp tests/postproc/test_site_folding.cpp \
	tests/postproc/test_stable_key.cpp tests/postproc/test_text_report.cpp \
	tests/postproc/test_thread_peaks.cpp \
	tests/postproc/test_trace_escape.cpp tests/postproc/test_trace_fuzz.cpp \
	tests/postproc/test_trace_input.cpp \
	tests/postproc/test_trace_reader.cpp tests/postproc/test_trace_reader_v2.cpp \
	tests/postproc/test_trace_reader_v3.cpp tests/postproc/test_trace_reader_v4.cpp \
	tests/postproc/test_trace_reader_v5.cpp \
	tests/postproc/test_trace_schema.cpp tests/postproc/test_trend.cpp \
	tests/postproc/test_units.cpp

# The golden files of the reports, the whole directory (test_golden.cpp; tests/golden/README.md).
EXTRA_DIST += tests/golden

if HAVE_GTEST
check_PROGRAMS += tests/postproc/postproc-tests
tests_postproc_postproc_tests_SOURCES = \
	tests/postproc/trace_fixtures.h tests/postproc/trace_fixtures.cpp \
	tests/postproc/schema_writer.h tests/postproc/schema_writer.cpp \
	tests/postproc/heap_builder.h tests/postproc/command_line.h \
	tests/postproc/dot_checker.h tests/postproc/dot_checker.cpp \
	tests/postproc/unit_tests_a.cpp tests/postproc/unit_tests_b.cpp
tests_postproc_postproc_tests_CPPFLAGS = -I$(top_srcdir)/postproc $(MA_TRACE_SCHEMA_CPPFLAGS) \
	-DPOSTPROC_TEST_DATA=\"$(abs_top_srcdir)/tests/postproc/data\" \
	-DPOSTPROC_GOLDEN_DIR=\"$(abs_top_srcdir)/tests/golden\"
# The tests' own files are built without optimisation (the later flags win): they compile a
# quarter faster than at -O1 and run in seconds either way; the code under test
# (libmemattrgraph.a) keeps the flags memattr-graph ships with.
tests_postproc_postproc_tests_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS) $(GTEST_CFLAGS) -pthread -O0 -g1
tests_postproc_postproc_tests_LDFLAGS = -pthread
tests_postproc_postproc_tests_LDADD = postproc/libmemattrgraph.a $(GTEST_LIBS) $(FMT_LIBS) \
	$(SQLITE3_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, the code under test
# compiled with them too (its own objects: the library's sources are listed again), so that
# an overflow, a use after free, a leak or undefined behaviour in memattr-graph fails `make
# check` (tests/run-all.sh runs it after the plain binary). -O1 keeps the run short and no
# debug information (-g0) the build: a report names the functions of its stack (whole
# stacks, with frame pointers). Every sanitizer finding aborts the run.
SANITIZER_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
check_PROGRAMS += tests/postproc/postproc-tests-sanitized
tests_postproc_postproc_tests_sanitized_SOURCES = $(tests_postproc_postproc_tests_SOURCES) \
	$(postproc_libmemattrgraph_a_SOURCES)
nodist_tests_postproc_postproc_tests_sanitized_SOURCES = $(nodist_postproc_libmemattrgraph_a_SOURCES)
tests_postproc_postproc_tests_sanitized_CPPFLAGS = $(tests_postproc_postproc_tests_CPPFLAGS) \
	-I$(top_builddir)/postproc $(MEMATTR_GRAPH_VERSION_CPPFLAGS)
tests_postproc_postproc_tests_sanitized_CXXFLAGS = -std=c++20 -Wall -Wextra -O1 -g0 \
	$(SANITIZER_FLAGS) $(FMT_CFLAGS) $(NLOHMANN_JSON_CFLAGS) $(CLI11_CFLAGS) $(SQLITE3_CFLAGS) \
	$(ZLIB_CFLAGS) $(ZSTD_CFLAGS) $(GTEST_CFLAGS) -pthread
tests_postproc_postproc_tests_sanitized_LDFLAGS = $(SANITIZER_FLAGS) -pthread
tests_postproc_postproc_tests_sanitized_LDADD = $(GTEST_LIBS) $(FMT_LIBS) $(SQLITE3_LIBS) \
	$(ZLIB_LIBS) $(ZSTD_LIBS)
endif
