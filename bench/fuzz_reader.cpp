// libFuzzer target: memattr-graph's trace reader (postproc/trace/trace_reader.cpp) on any
// bytes. The reader must parse them or throw TraceError; anything else (another exception,
// a crash, a sanitizer report, a leak, a hang) is a finding. bench/fuzz-reader.sh builds it
// with -fsanitize=fuzzer,address,undefined and runs it from the fixtures of tests/postproc/data.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "trace/trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        // The input's size, as read_trace gives a regular file's: it bounds reservations.
        const memattr::Trace trace = memattr::parse_trace(in, "fuzz", size);
        (void)trace;
    } catch (const memattr::TraceError&) {
        // The expected outcome for most inputs: one clear message.
    }
    return 0;
}
