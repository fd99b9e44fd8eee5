# format/: the trace format's one source (memattr_trace_schema.h, and memattr_trace_compact.h
# for version 5's compact blocks, memattr_glibc_chunk.h for glibc's usable sizes), included by the tool's writer, memattr-graph's reader,
# their tests and bench/synthetic_trace.cpp.
MA_TRACE_SCHEMA_CPPFLAGS = -I$(top_srcdir)/format
EXTRA_DIST += format/memattr_trace_schema.h format/memattr_trace_compact.h \
	format/memattr_glibc_chunk.h
