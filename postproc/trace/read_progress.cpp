#include "trace/read_progress.h"

#include <unistd.h>

#include <cstdio>

namespace memattr {

ReadProgress::ReadProgress(std::string path, std::optional<std::uint64_t> size)
    : path_(std::move(path)),
      size_(size.value_or(0)),
      shown_(size_ >= kFromBytes && isatty(STDERR_FILENO) == 1) {}

ReadProgress::~ReadProgress() {
    if (printed_) std::fprintf(stderr, "\r\033[K");
}

std::function<void(std::uint64_t)> ReadProgress::callback() {
    if (!shown_) return {};
    return [this](std::uint64_t bytes) { report(bytes); };
}

void ReadProgress::report(std::uint64_t bytes) {
    const auto now = std::chrono::steady_clock::now();
    if (printed_ && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    printed_ = true;
    std::fprintf(stderr, "\rmemattr-graph: reading %s: %3.0f%% (%llu of %llu MB)", path_.c_str(),
                 100.0 * static_cast<double>(bytes) / static_cast<double>(size_),
                 static_cast<unsigned long long>(bytes >> 20),
                 static_cast<unsigned long long>(size_ >> 20));
    std::fflush(stderr);
}

}  // namespace memattr
