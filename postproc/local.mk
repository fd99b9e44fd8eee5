# memattr-graph, the post-processor (C++20): reads memattr.out.<pid> traces and writes
# reports, the copy lineage graph and the ownership graph.
# Everything but main() is in libmemattrgraph.a so that the unit tests (tests/postproc/)
# link exactly the code the program runs.

MEMATTR_GRAPH_CXX_FLAGS = -std=c++20 -Wall -Wextra -O2 -g \
	$(FMT_CFLAGS) $(NLOHMANN_JSON_CFLAGS) $(CLI11_CFLAGS)

noinst_LIBRARIES += postproc/libmemattrgraph.a
postproc_libmemattrgraph_a_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
postproc_libmemattrgraph_a_SOURCES = \
	postproc/trace.h \
	postproc/trace_escape.h postproc/trace_escape.cpp \
	postproc/trace_reader.h postproc/trace_reader.cpp \
	postproc/site_folding.h postproc/site_folding.cpp \
	postproc/ownership.h postproc/ownership.cpp \
	postproc/ownership_analysis.h postproc/ownership_analysis.cpp \
	postproc/leaks.h postproc/leaks.cpp \
	postproc/phases.h postproc/phases.cpp \
	postproc/memory_map.h postproc/memory_map.cpp \
	postproc/native_rss.h postproc/native_rss.cpp \
	postproc/analysis.h postproc/analysis.cpp \
	postproc/units.h postproc/units.cpp \
	postproc/reporter.h postproc/reporter.cpp \
	postproc/text_reporter.h postproc/text_reporter.cpp \
	postproc/json_reporter.h postproc/json_reporter.cpp \
	postproc/dot_escape.h postproc/dot_escape.cpp \
	postproc/lineage_reporter.h postproc/lineage_reporter.cpp \
	postproc/ownership_reporter.h postproc/ownership_reporter.cpp

bin_PROGRAMS += memattr-graph
memattr_graph_SOURCES = postproc/main.cpp
memattr_graph_CPPFLAGS = -DMEMATTR_GRAPH_VERSION=\"$(PACKAGE_VERSION)\"
memattr_graph_CXXFLAGS = $(MEMATTR_GRAPH_CXX_FLAGS)
memattr_graph_LDADD = postproc/libmemattrgraph.a $(FMT_LIBS)

# Its user manual and the JSON schema it writes.
EXTRA_DIST += docs/memattr-graph.md docs/json-schema.md
