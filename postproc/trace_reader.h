// Reading a memattr trace (docs/trace-format.md, versions 1 and 2) into a Trace.
//
// The reader is strict: anything that is not a complete, well-formed trace is refused with a
// TraceError naming the file and line, because a report computed from a damaged trace would
// look authoritative while being wrong. The only leniency is the one the format asks for:
// unknown record tags and unknown keys are skipped, so that later minor additions to the
// format do not break this reader. A version 1 trace is read as a version 2 one recorded
// with access=no: its tags and keys that version 2 added are unknown to it, so skipped.
//
// Safety: a line longer than kMaxLineBytes is refused before it is buffered, so memory stays
// within a small multiple of the file size and a foreign or endless input cannot exhaust it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>

#include "trace.h"

namespace memattr {

// Longest line the reader accepts. Real lines are short (a frame with a long C++ name is a
// few kilobytes); the command line record is the longest and is bounded by the kernel's
// argument limit (2 MiB), times four for escaping.
inline constexpr std::size_t kMaxLineBytes = std::size_t{16} << 20;

// A trace that cannot be read: the file, the 1-based line (0 when the problem is not about
// one line, e.g. the file cannot be opened) and a one-line message.
class TraceError : public std::runtime_error {
public:
    TraceError(std::string file, std::uint64_t line, std::string message);

    const std::string& file() const { return file_; }
    std::uint64_t line() const { return line_; }
    const std::string& message() const { return message_; }

private:
    std::string file_;
    std::uint64_t line_;
    std::string message_;
};

// Reads the trace at `path`. Throws TraceError.
Trace read_trace(const std::string& path);

// Reads a trace from `in`; `source` names it in Trace::source and in errors. Throws
// TraceError.
Trace parse_trace(std::istream& in, const std::string& source);

}  // namespace memattr
