// The bytes glibc's malloc really gives a request: what a block costs beyond what was asked.
#pragma once

#include <cstdint>

namespace memattr {

// Usable bytes glibc's malloc gives a request of `requested` bytes on x86-64 (what
// malloc_usable_size returns). Below 128 KiB the block is a chunk of the heap: the request
// plus its 8-byte size header, rounded up to 16 bytes, at least 32 bytes, all of it usable
// but the header. From 128 KiB (glibc's initial mmap threshold) it is taken to be a mapping
// of its own: that chunk plus 8 bytes, rounded up to whole pages, all usable but 16 bytes.
// glibc still serves such a block from the heap when its top chunk has room, and raises the
// threshold as mapped blocks are freed; which it did is not in the trace (docs/accuracy.md).
// The tool's memory map counts the heap's usable bytes by a rule of its own
// (memattr/ma_heap.c), which for mapped blocks within 24 bytes of a page end is a page low.
constexpr std::uint64_t glibc_usable_size(std::uint64_t requested) {
    constexpr std::uint64_t kHeader = 8;
    constexpr std::uint64_t kAlignment = 16;
    constexpr std::uint64_t kMinimumChunk = 32;
    constexpr std::uint64_t kMmapThreshold = 128 * 1024;
    constexpr std::uint64_t kPage = 4096;
    std::uint64_t chunk = (requested + kHeader + kAlignment - 1) & ~(kAlignment - 1);
    if (requested < kMmapThreshold) return (chunk < kMinimumChunk ? kMinimumChunk : chunk) - kHeader;
    chunk = (chunk + kHeader + kPage - 1) & ~(kPage - 1);
    return chunk - 2 * kHeader;
}

}  // namespace memattr
