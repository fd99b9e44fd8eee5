// A writer of traces driven by the schema (format/memattr_trace_schema.h), for the
// round-trip test: it writes a Trace back as text, taking every tag, key and enum word from
// the schema, and refuses (std::logic_error) a key the schema does not list for the record
// or one out of the schema's order. So a trace it writes is laid out as the tool would
// write it, except that all frames and stacks come first (the format allows it).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "trace/trace.h"

namespace memattr::test {

// The text of a trace and the (tag, key) pairs written in it.
struct WrittenTrace {
    std::string text;
    std::set<std::pair<std::string, std::string>> keys;
};

// `trace` as a current-version trace, with every figure the Trace holds.
WrittenTrace write_trace(const Trace& trace);

}  // namespace memattr::test
