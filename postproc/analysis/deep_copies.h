// Deep copies: a container's buffer filled element by element while each element's blocks
// were cloned (a std::vector<Record> copy constructor, Vec<T: Clone>::clone()). The tool
// sees the element blocks' copies (memcpy of a string's bytes) as copy pairs, but the
// buffer is filled by stores of new pointers and computed sizes, which are no copy; it is
// found here, after the fact, in the peak snapshot (docs/memattr-graph.md, "Copies").
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "trace/trace.h"

namespace memattr {

// (source site, destination site) of copy groups, as indexes into Trace::sites.
using CopySitePair = std::pair<std::size_t, std::size_t>;

// One container copied element by element: `destination` has `source`'s size, and every
// pointer it holds lies at an offset where `source` holds one too, to the same block (a
// shared pointee), into itself at the same place (a small-string buffer) or to the copy of
// the source's pointee (an element copy: a pair of `element_copies`, no larger than it).
struct ContainerCopy {
    std::uint32_t source = 0;       // indexes into the snapshot's blocks
    std::uint32_t destination = 0;
    std::vector<CopySitePair> elements;  // the element copies it holds, distinct, by offset
};

// The containers of `snapshot` copied element by element, given the site pairs of the
// element copies to look for (those of clones that could be moves); by destination address.
// A destination is matched with one source: the first by address that passes, of the first
// 64 of its shape.
std::vector<ContainerCopy> find_container_copies(const Snapshot& snapshot,
                                                 const std::set<CopySitePair>& element_copies);

// The snapshot the deep copies are looked for in: the last peak snapshot, or none.
const Snapshot* deep_copy_snapshot(const Trace& trace);

}  // namespace memattr
