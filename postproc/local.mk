# memattr-graph, the post-processor (C++20): reads memattr.out.<pid> traces and writes
# reports, the copy lineage graph, the ownership graph and profiles (folded stacks, callgrind
# and Massif files, pprof profiles); keeps runs' figures in a history database (SQLite) and
# shows their trend.
# Everything but main() is in libmemattrgraph.a so that the unit tests (tests/postproc/)
# link exactly the code the program runs. A command is one cli/command_<name>.cpp, in
# EXTRA_DIST below, and its #include and line in cli/command_registry.cpp.

# Debug information as line tables (-g1): backtraces and profilers name the file and line,
# and compiling takes a quarter less time than with -g (header-heavy C++: nlohmann-json,
# CLI11, fmt, Boost.Graph), which was most of a clean build's time. For variables in a
# debugger: make MEMATTR_GRAPH_DEBUG=-g.
MEMATTR_GRAPH_DEBUG = -g1
MEMATTR_GRAPH_CXX_FLAGS = -std=c++20 -Wall -Wextra -O2 $(MEMATTR_GRAPH_DEBUG) \
	$(FMT_CFLAGS) $(NLOHMANN_JSON_CFLAGS) $(CLI11_CFLAGS) $(SQLITE3_CFLAGS) $(ZLIB_CFLAGS) \
	$(ZSTD_CFLAGS)

noinst_LIBRARIES += postproc/libmemattrgraph.a
postproc_libmemattrgraph_a_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
# memattr-graph's version: --version prints it (main.cpp), and the pprof profile names its
# writer with it (cli/command_pprof.cpp).
MEMATTR_GRAPH_VERSION_CPPFLAGS = -DMEMATTR_GRAPH_VERSION=\"$(PACKAGE_VERSION)\"
postproc_libmemattrgraph_a_CPPFLAGS = -I$(top_srcdir)/postproc -I$(top_builddir)/postproc \
	$(MA_TRACE_SCHEMA_CPPFLAGS) $(MEMATTR_GRAPH_VERSION_CPPFLAGS)
postproc_libmemattrgraph_a_SOURCES = \
	postproc/support/units.h postproc/support/units.cpp \
	postproc/support/glibc_chunk.h \
	postproc/trace/trace.h postproc/trace/trace_schema.h format/memattr_trace_schema.h \
	format/memattr_trace_compact.h \
	postproc/trace/trace_escape.h postproc/trace/trace_escape.cpp \
	postproc/trace/trace_reader.h postproc/trace/trace_reader.cpp \
	postproc/trace/object_offsets.h postproc/trace/object_offsets.cpp \
	postproc/trace/read_progress.h postproc/trace/read_progress.cpp \
	postproc/trace/trace_input.h postproc/trace/trace_input.cpp \
	postproc/analysis/frame_list.h \
	postproc/analysis/site_folding.h postproc/analysis/site_folding.cpp \
	postproc/analysis/stable_key.h postproc/analysis/stable_key.cpp \
	postproc/analysis/options.h \
	postproc/analysis/site_rows.h postproc/analysis/site_rows.cpp \
	postproc/analysis/copies.h postproc/analysis/copies.cpp \
	postproc/analysis/deep_copies.h postproc/analysis/deep_copies.cpp \
	postproc/analysis/ownership.h postproc/analysis/ownership.cpp \
	postproc/analysis/ownership_analysis.h postproc/analysis/ownership_analysis.cpp \
	postproc/analysis/leaks.h postproc/analysis/leaks.cpp \
	postproc/analysis/phases.h postproc/analysis/phases.cpp \
	postproc/analysis/memory_map.h postproc/analysis/memory_map.cpp \
	postproc/analysis/analysis.h postproc/analysis/analysis.cpp \
	postproc/report/reporter.h postproc/report/reporter.cpp \
	postproc/report/names.h \
	postproc/report/savings.h postproc/report/savings.cpp \
	postproc/report/culprits.h postproc/report/culprits.cpp \
	postproc/report/section.h postproc/report/sections.cpp \
	postproc/report/layout.h postproc/report/layout.cpp \
	postproc/report/text_reporter.h postproc/report/text_reporter.cpp \
	postproc/report/json_reporter.h postproc/report/json_reporter.cpp \
	postproc/report/dot.h postproc/report/dot.cpp \
	postproc/report/lineage_reporter.h postproc/report/lineage_reporter.cpp \
	postproc/report/ownership_reporter.h postproc/report/ownership_reporter.cpp \
	postproc/report/html_reporter.h postproc/report/html_reporter.cpp \
	postproc/report/profiles/profile_stacks.h postproc/report/profiles/profile_stacks.cpp \
	postproc/report/profiles/folded_reporter.h postproc/report/profiles/folded_reporter.cpp \
	postproc/report/profiles/callgrind_reporter.h \
	postproc/report/profiles/callgrind_reporter.cpp \
	postproc/report/profiles/massif_reporter.h postproc/report/profiles/massif_reporter.cpp \
	postproc/report/profiles/pprof_reporter.h postproc/report/profiles/pprof_reporter.cpp \
	postproc/history/run_figures.h postproc/history/run_figures.cpp \
	postproc/history/diff.h postproc/history/diff.cpp \
	postproc/history/markdown.h postproc/history/markdown.cpp \
	postproc/history/diff_report.h postproc/history/diff_report.cpp \
	postproc/history/budgets.h postproc/history/budgets.cpp \
	postproc/history/check_report.h postproc/history/check_report.cpp \
	postproc/history/history_db.h postproc/history/history_db.cpp \
	postproc/history/trend.h postproc/history/trend.cpp \
	postproc/cli/native_rss.h postproc/cli/native_rss.cpp \
	postproc/cli/options.h postproc/cli/options.cpp \
	postproc/cli/write_report.h postproc/cli/write_report.cpp \
	postproc/cli/baseline.h postproc/cli/baseline.cpp \
	postproc/cli/graphviz.h postproc/cli/graphviz.cpp \
	postproc/cli/command.h postproc/cli/command_registry.cpp

bin_PROGRAMS += memattr-graph
memattr_graph_SOURCES = postproc/cli/main.cpp
memattr_graph_CPPFLAGS = -I$(top_srcdir)/postproc $(MA_TRACE_SCHEMA_CPPFLAGS) \
	$(MEMATTR_GRAPH_VERSION_CPPFLAGS)
memattr_graph_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
memattr_graph_LDADD = postproc/libmemattrgraph.a $(FMT_LIBS) $(SQLITE3_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS)

# The report's section files and the commands' files, each compiled as part of the file that
# lists them (report/sections.cpp, cli/command_registry.cpp): see there why.
EXTRA_DIST += postproc/report/sections/copies.cpp postproc/report/sections/duplicates.cpp \
	postproc/report/sections/savings.cpp \
	postproc/report/sections/header.cpp postproc/report/sections/leaks.cpp \
	postproc/report/sections/memory_map.cpp postproc/report/sections/owners.cpp \
	postproc/report/sections/phases.cpp postproc/report/sections/summary.cpp \
	postproc/report/sections/threads.cpp postproc/report/sections/timeline.cpp \
	postproc/report/sections/top_sites.cpp postproc/report/sections/unreachable.cpp \
	postproc/cli/command_report.cpp postproc/cli/command_lineage.cpp \
	postproc/cli/command_dot.cpp postproc/cli/command_native_rss.cpp \
	postproc/cli/command_diff.cpp postproc/cli/command_check.cpp \
	postproc/cli/command_record.cpp postproc/cli/command_trend.cpp \
	postproc/cli/command_html.cpp postproc/cli/command_folded.cpp \
	postproc/cli/command_callgrind.cpp postproc/cli/command_massif.cpp \
	postproc/cli/command_pprof.cpp

# The HTML report's page, style and script (report/html_reporter.h), inlined into
# memattr-graph at build time as C++ raw strings: the page fetches nothing when it opens.
HTML_ASSETS = postproc/report/html/page.html postproc/report/html/report.css \
	postproc/report/html/report.js
EXTRA_DIST += $(HTML_ASSETS)
nodist_postproc_libmemattrgraph_a_SOURCES = postproc/report/html_assets.inc
BUILT_SOURCES += postproc/report/html_assets.inc
CLEANFILES += postproc/report/html_assets.inc
postproc/report/html_assets.inc: $(HTML_ASSETS:%=$(srcdir)/%) $(srcdir)/postproc/embed-assets.sh
	$(AM_V_GEN)$(MKDIR_P) postproc/report && \
	$(SHELL) $(srcdir)/postproc/embed-assets.sh $@ \
	  kHtmlPage=$(srcdir)/postproc/report/html/page.html \
	  kHtmlStyle=$(srcdir)/postproc/report/html/report.css \
	  kHtmlScript=$(srcdir)/postproc/report/html/report.js
EXTRA_DIST += postproc/embed-assets.sh

# Its user manual and the JSON schema it writes.
EXTRA_DIST += docs/memattr-graph.md docs/json-schema.md
