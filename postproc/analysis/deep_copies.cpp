#include "analysis/deep_copies.h"

#include <algorithm>
#include <map>
#include <span>
#include <unordered_map>

namespace memattr {

namespace {

// A block's pointers.
std::span<const BlockPointer> pointers_of(const Snapshot& snapshot, std::uint32_t block) {
    return {snapshot.pointers.data() + snapshot.first_pointer[block],
            snapshot.pointers.data() + snapshot.first_pointer[block + 1]};
}

// The sites of the element copies in classes: two sites are in one class when a copy pair
// links them, directly or through other pairs (one class per connected component). A
// container and its copy hold, at each offset, pointees of one class: an original and its
// copy, though the originals of one copy site may come from several sites (Rust's vec![0; n]
// is allocated zeroed, at a site of its own) or the copies of one original go to several.
class SiteClasses {
public:
    explicit SiteClasses(const std::set<CopySitePair>& pairs) {
        for (const auto& [from, to] : pairs) parent_[root(from)] = root(to);
    }

    // The class of `site`: a site of the class, or `site` itself when no pair names it.
    std::size_t of(std::size_t site) const {
        for (auto up = parent_.find(site); up != parent_.end() && up->second != site;
             up = parent_.find(site))
            site = up->second;
        return site;
    }

private:
    std::size_t root(std::size_t site) {
        parent_.emplace(site, site);
        return of(site);
    }

    std::map<std::size_t, std::size_t> parent_;  // site -> a site of its class, closer to its
                                                 // root (the site that is its own parent)
};

// A hash of a container's *shape*: its size and, for each pointer, its offset, where in the
// target it points and the target's class (itself, or its site's class). A container and its
// copy have one shape; equal shapes are verified by `is_copy_of`.
class ShapeHasher {
public:
    ShapeHasher(const Snapshot& snapshot, const SiteClasses& classes)
        : snapshot_(snapshot), classes_(classes) {}

    std::uint64_t shape(std::uint32_t block) const {
        std::uint64_t hash = mix(0x9e3779b97f4a7c15ull, snapshot_.blocks[block].size);
        for (const BlockPointer& pointer : pointers_of(snapshot_, block)) {
            hash = mix(hash, pointer.offset);
            hash = mix(hash, pointer.target_offset);
            hash = mix(hash, pointer.target == block
                                 ? kItself
                                 : classes_.of(snapshot_.blocks[pointer.target].site));
        }
        return hash;
    }

private:
    static constexpr std::uint64_t kItself = ~std::uint64_t{0};

    static std::uint64_t mix(std::uint64_t hash, std::uint64_t value) {
        return (hash ^ value) * 0x100000001b3ull + (hash >> 29);
    }

    const Snapshot& snapshot_;
    const SiteClasses& classes_;
};

// Whether `destination` is `source` copied element by element (see ContainerCopy); if so,
// its element copies in `elements`.
bool is_copy_of(const Snapshot& snapshot, std::uint32_t source, std::uint32_t destination,
                const std::set<CopySitePair>& element_copies, std::vector<CopySitePair>& elements) {
    const auto& blocks = snapshot.blocks;
    const auto from = pointers_of(snapshot, source);
    const auto to = pointers_of(snapshot, destination);
    if (source == destination || blocks[source].size != blocks[destination].size ||
        from.size() != to.size())
        return false;
    elements.clear();
    for (std::size_t i = 0; i < from.size(); ++i) {
        const BlockPointer& original = from[i];
        const BlockPointer& copy = to[i];
        if (original.offset != copy.offset || original.target_offset != copy.target_offset)
            return false;
        if (original.target == source && copy.target == destination) continue;  // into itself
        if (original.target == copy.target) continue;                           // shared
        const CopySitePair sites{blocks[original.target].site, blocks[copy.target].site};
        // A clone is never larger than its original (a string or vector copy gets the
        // capacity it needs; the original may have more).
        if (copy.target_offset != 0 || !element_copies.contains(sites) ||
            blocks[copy.target].size > blocks[original.target].size)
            return false;
        if (std::find(elements.begin(), elements.end(), sites) == elements.end())
            elements.push_back(sites);
    }
    return !elements.empty();
}

// Whether any pointer of `block` points at a block of one of `sites`.
bool points_into(const Snapshot& snapshot, std::uint32_t block, const std::set<std::size_t>& sites) {
    for (const BlockPointer& pointer : pointers_of(snapshot, block))
        if (pointer.target != block && sites.contains(snapshot.blocks[pointer.target].site))
            return true;
    return false;
}

// Sources of one shape a destination is compared with, at most: a heap of many blocks of
// one shape none of which is a copy would otherwise cost their number squared.
constexpr std::size_t kMostCandidates = 64;

}  // namespace

std::vector<ContainerCopy> find_container_copies(const Snapshot& snapshot,
                                                 const std::set<CopySitePair>& element_copies) {
    std::vector<ContainerCopy> found;
    if (element_copies.empty()) return found;
    std::set<std::size_t> source_sites, destination_sites;
    for (const auto& [from, to] : element_copies) {
        source_sites.insert(from);
        destination_sites.insert(to);
    }
    const SiteClasses classes(element_copies);
    const ShapeHasher hasher(snapshot, classes);

    // The possible sources by shape: blocks holding a pointer to an element copy's source.
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> sources_by_shape;
    const auto count = static_cast<std::uint32_t>(snapshot.blocks.size());
    for (std::uint32_t block = 0; block < count; ++block)
        if (points_into(snapshot, block, source_sites))
            sources_by_shape[hasher.shape(block)].push_back(block);

    std::vector<CopySitePair> elements;
    for (std::uint32_t block = 0; block < count; ++block) {
        if (!points_into(snapshot, block, destination_sites)) continue;
        const auto candidates = sources_by_shape.find(hasher.shape(block));
        if (candidates == sources_by_shape.end()) continue;
        const std::size_t tries = std::min(candidates->second.size(), kMostCandidates);
        for (const std::uint32_t source : std::span(candidates->second).first(tries)) {
            if (!is_copy_of(snapshot, source, block, element_copies, elements)) continue;
            found.push_back({source, block, elements});
            break;
        }
    }
    return found;
}

const Snapshot* deep_copy_snapshot(const Trace& trace) {
    for (auto snapshot = trace.snapshots.rbegin(); snapshot != trace.snapshots.rend(); ++snapshot)
        if (snapshot->kinds.peak) return &*snapshot;
    return nullptr;
}

}  // namespace memattr
