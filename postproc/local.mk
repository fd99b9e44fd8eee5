# memattr-graph, the post-processor (C++20): reads memattr.out.<pid> traces and writes
# reports, the copy lineage graph and the ownership graph.
# Everything but main() is in libmemattrgraph.a so that the unit tests (tests/postproc/)
# link exactly the code the program runs.

MEMATTR_GRAPH_CXX_FLAGS = -std=c++20 -Wall -Wextra -O2 -g \
	$(FMT_CFLAGS) $(NLOHMANN_JSON_CFLAGS) $(CLI11_CFLAGS)

noinst_LIBRARIES += postproc/libmemattrgraph.a
postproc_libmemattrgraph_a_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
postproc_libmemattrgraph_a_CPPFLAGS = -I$(top_srcdir)/postproc $(MA_TRACE_SCHEMA_CPPFLAGS)
postproc_libmemattrgraph_a_SOURCES = \
	postproc/support/units.h postproc/support/units.cpp \
	postproc/trace/trace.h postproc/trace/trace_schema.h format/memattr_trace_schema.h \
	postproc/trace/trace_escape.h postproc/trace/trace_escape.cpp \
	postproc/trace/trace_reader.h postproc/trace/trace_reader.cpp \
	postproc/analysis/site_folding.h postproc/analysis/site_folding.cpp \
	postproc/analysis/ownership.h postproc/analysis/ownership.cpp \
	postproc/analysis/ownership_analysis.h postproc/analysis/ownership_analysis.cpp \
	postproc/analysis/leaks.h postproc/analysis/leaks.cpp \
	postproc/analysis/phases.h postproc/analysis/phases.cpp \
	postproc/analysis/memory_map.h postproc/analysis/memory_map.cpp \
	postproc/analysis/analysis.h postproc/analysis/analysis.cpp \
	postproc/report/reporter.h postproc/report/reporter.cpp \
	postproc/report/text_reporter.h postproc/report/text_reporter.cpp \
	postproc/report/json_reporter.h postproc/report/json_reporter.cpp \
	postproc/report/dot_escape.h postproc/report/dot_escape.cpp \
	postproc/report/lineage_reporter.h postproc/report/lineage_reporter.cpp \
	postproc/report/ownership_reporter.h postproc/report/ownership_reporter.cpp \
	postproc/cli/native_rss.h postproc/cli/native_rss.cpp

bin_PROGRAMS += memattr-graph
memattr_graph_SOURCES = postproc/cli/main.cpp
memattr_graph_CPPFLAGS = -I$(top_srcdir)/postproc $(MA_TRACE_SCHEMA_CPPFLAGS) -DMEMATTR_GRAPH_VERSION=\"$(PACKAGE_VERSION)\"
memattr_graph_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
memattr_graph_LDADD = postproc/libmemattrgraph.a $(FMT_LIBS)

# Its user manual and the JSON schema it writes.
EXTRA_DIST += docs/memattr-graph.md docs/json-schema.md
