// The bytes glibc's malloc really gives a request: what a block costs beyond what was asked.
#pragma once

#include <cstdint>

#include "memattr_glibc_chunk.h"

namespace memattr {

// Usable bytes glibc's malloc gives a request of `requested` bytes on x86-64 (what
// malloc_usable_size returns): the rule of format/memattr_glibc_chunk.h, which the tool's
// memory map (`heap-usable`) follows too.
inline std::uint64_t glibc_usable_size(std::uint64_t requested) {
    return ma_glibc_usable_size(requested);
}

}  // namespace memattr
