#include "trace/object_offsets.h"

#include <algorithm>
#include <map>
#include <string>

namespace memattr {

namespace {

// Where each object is loaded: the lowest start of the file regions mapping it, in any of the
// trace's memory maps (a library's first segment is the one at file offset 0).
std::map<std::string, std::uint64_t> load_addresses(const Trace& trace) {
    std::map<std::string, std::uint64_t> bases;
    for (const MemoryMap& map : trace.memory_maps)
        for (const Region& region : map.regions) {
            if (region.file.empty()) continue;
            const auto [found, added] = bases.try_emplace(region.file, region.start);
            if (!added) found->second = std::min(found->second, region.start);
        }
    return bases;
}

}  // namespace

void place_unnamed_frames(Trace& trace) {
    const std::map<std::string, std::uint64_t> bases = load_addresses(trace);
    for (Frame& frame : trace.frames) {
        if (frame.function != "???" || frame.object.empty()) continue;
        const auto base = bases.find(frame.object);
        if (base != bases.end() && frame.ip > base->second)
            frame.object_offset = frame.ip - base->second;
    }
}

}  // namespace memattr
