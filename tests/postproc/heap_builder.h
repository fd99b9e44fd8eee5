// Hand-made heap snapshots for the tests of the graph algorithms (test_ownership.cpp) and
// of the leak classification (test_leaks.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "trace/trace.h"

namespace memattr::test {

// Builds a Snapshot: blocks in order (so in increasing address, as the tool lists them),
// then pointers and roots between them.
class HeapBuilder {
public:
    std::uint32_t block(std::uint64_t size, std::uint32_t site = 0, std::uint64_t hash = 0) {
        SnapshotBlock block;
        block.address = 0x1000 * (blocks_.size() + 1);
        block.size = size;
        block.site = site;
        block.hash = hash == 0 ? 0xabc0000 + blocks_.size() : hash;
        blocks_.push_back(block);
        pointers_.emplace_back();
        return static_cast<std::uint32_t>(blocks_.size() - 1);
    }

    // A pointer in `from` (at the next free word) to `to`, `target_offset` bytes inside it
    // (0: to its start; otherwise an interior pointer).
    HeapBuilder& pointer(std::uint32_t from, std::uint32_t to, std::uint32_t target_offset = 0) {
        std::vector<BlockPointer>& list = pointers_[from];
        list.push_back({8 * list.size(), to, target_offset});
        return *this;
    }

    // A root word pointing `offset` bytes into `to`.
    HeapBuilder& root(std::uint32_t to, RootKind kind = RootKind::global, std::uint64_t offset = 0) {
        SnapshotRoot root;
        root.kind = kind;
        root.block = to;
        root.block_offset = offset;
        roots_.push_back(root);
        return *this;
    }

    Snapshot build() const {
        Snapshot snapshot;
        snapshot.blocks = blocks_;
        for (const std::vector<BlockPointer>& list : pointers_) {
            snapshot.pointers.insert(snapshot.pointers.end(), list.begin(), list.end());
            snapshot.first_pointer.push_back(snapshot.pointers.size());
        }
        snapshot.roots = roots_;
        for (const SnapshotBlock& block : blocks_) snapshot.bytes += block.size;
        return snapshot;
    }

private:
    std::vector<SnapshotBlock> blocks_;
    std::vector<std::vector<BlockPointer>> pointers_;
    std::vector<SnapshotRoot> roots_;
};

}  // namespace memattr::test
