// Where a trace (or a JSON report) is read from: a file, or standard input when the path is
// "-"; either may be compressed with gzip or zstd, which is recognised by the first bytes
// (the formats' magic numbers), never by the file's name. Every command that takes a trace
// opens it here (read_trace, load_run_figures), so each gets all of this.
//
// Damaged compressed input (a corrupt stream, or one cut short) makes reading throw a
// TraceError naming the input, with line 0: one line, never a crash, and never a report of
// the part that could be decompressed.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace memattr {

// How the input's bytes are stored.
enum class Compression { none, gzip, zstd };

class TraceInput {
public:
    // What "-" names in messages and in Trace::source.
    static constexpr std::string_view kStdinName = "standard input";

    // Opens `path` ("-": standard input) and looks at its first bytes. Throws TraceError when
    // it cannot be opened or is a directory.
    explicit TraceInput(const std::string& path);
    ~TraceInput();
    TraceInput(const TraceInput&) = delete;
    TraceInput& operator=(const TraceInput&) = delete;

    // The decompressed bytes.
    std::istream& stream() { return stream_; }

    // The input's name for messages: the path, or kStdinName.
    const std::string& name() const { return name_; }

    Compression compression() const;

    // The decompressed size, when known without reading: an uncompressed regular file's.
    std::optional<std::uint64_t> size() const { return size_; }

private:
    class Buffer;  // the streambuf that reads and decompresses (trace_input.cpp)

    std::string name_;
    std::optional<std::uint64_t> size_;
    std::unique_ptr<Buffer> buffer_;
    std::istream stream_;
};

}  // namespace memattr
