// Reading a memattr trace (docs/trace-format.md, versions 1 to 4) into a Trace.
//
// The reader is strict: anything that is not a complete, well-formed trace is refused with a
// TraceError naming the file and line, because a report computed from a damaged trace would
// look authoritative while being wrong. The only leniency is the one the format asks for:
// unknown record tags and unknown keys are skipped, so that later minor additions to the
// format do not break this reader. A version 1 trace is read as a version 2 one recorded
// with access=no: its tags and keys that version 2 added are unknown to it, so skipped; a
// version 1 or 2 trace is read as one recorded with snapshots=no likewise, and a trace older
// than version 4 as one with pages=no and no memory map.
//
// Speed: a snapshot has one `block` record per live block (millions), so those are read by a
// fast path that splits the canonical layout in place and parses numbers without allocating;
// a block record laid out otherwise (unknown keys, another order) takes the general path,
// with the same checks. Input is read in large chunks, not byte by byte.
//
// Safety: a line longer than kMaxLineBytes (kMaxBlockLineBytes for a `block` record) is
// refused before it is buffered whole, so a foreign or endless input cannot exhaust memory;
// counts in a snapshot's header are trusted for reserving memory only as far as the file's
// size could hold that many records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>

#include "trace/trace.h"

namespace memattr {

// Longest line the reader accepts. Real lines are short (a frame with a long C++ name is a
// few kilobytes); the command line record is the longest and is bounded by the kernel's
// argument limit (2 MiB), times four for escaping.
inline constexpr std::size_t kMaxLineBytes = std::size_t{16} << 20;

// Longest `block` record the reader accepts: a block's `ptrs` lists every pointer it holds,
// so a 100 MiB hash table's bucket array gives a line of about 200 MiB.
inline constexpr std::size_t kMaxBlockLineBytes = std::size_t{4} << 30;

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

// Reads the trace at `path` ("-": standard input), gzip- or zstd-compressed or not
// (trace_input.h), with progress on a terminal for a big one (read_progress.h). Throws
// TraceError.
Trace read_trace(const std::string& path);

// Reads a trace from `in`; `source` names it in Trace::source and in errors. `input_bytes`,
// when known, is the input's size: it bounds how much memory a snapshot's header may make
// the reader reserve. `on_read`, when set, is told the bytes read so far as reading goes.
// Frames without a symbol get their place in their object (object_offsets.h). Throws
// TraceError.
Trace parse_trace(std::istream& in, const std::string& source,
                  std::optional<std::uint64_t> input_bytes = std::nullopt,
                  std::function<void(std::uint64_t)> on_read = {});

}  // namespace memattr
