// Progress on standard error while a big trace is read, when standard error is a terminal:
// a user waiting for a long read sees it is alive. At most twice a second; the line is
// cleared at the end, so it never mixes with what follows. Nothing at all for a small trace,
// or when standard error is a file or a pipe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace memattr {

class ReadProgress {
public:
    // Traces from this size on show progress.
    static constexpr std::uint64_t kFromBytes = std::uint64_t{16} << 20;

    // `size`: the trace's size, when known (a pipe has none: no progress).
    ReadProgress(std::string path, std::optional<std::uint64_t> size);
    ~ReadProgress();
    ReadProgress(const ReadProgress&) = delete;
    ReadProgress& operator=(const ReadProgress&) = delete;

    // What parse_trace calls with the bytes read so far; empty when nothing is shown.
    std::function<void(std::uint64_t)> callback();

private:
    void report(std::uint64_t bytes);

    std::string path_;
    std::uint64_t size_;
    bool shown_;
    bool printed_ = false;
    std::chrono::steady_clock::time_point last_;
};

}  // namespace memattr
