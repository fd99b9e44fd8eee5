#include "analysis/ownership.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/range/iterator_range.hpp>
#include <boost/property_map/property_map.hpp>

namespace memattr {

// 32-bit vertices and edge indexes: half the memory of the defaults, and a snapshot's counts
// are 32-bit anyway (the reader refuses more blocks).
using OwnershipGraph =
    boost::compressed_sparse_row_graph<boost::bidirectionalS, boost::no_property,
                                       boost::no_property, boost::no_property, std::uint32_t,
                                       std::uint32_t>;

}  // namespace memattr

namespace memattr {

Reachability find_reachable(const Snapshot& snapshot, Follow follow) {
    const bool start_only = follow == Follow::start_pointers;
    Reachability reachability;
    reachability.parent.assign(snapshot.blocks.size(), kUnreached);
    std::vector<std::uint32_t>& order = reachability.order;
    for (const SnapshotRoot& root : snapshot.roots) {
        if (reachability.reached(root.block) || (start_only && root.block_offset != 0)) continue;
        reachability.parent[root.block] = kSuperRoot;
        order.push_back(root.block);
    }
    // `order` is the queue: a block is appended when first reached, expanded when its turn
    // comes, so its parent is on a shortest path.
    for (std::size_t next = 0; next < order.size(); ++next) {
        const std::uint32_t block = order[next];
        for (const BlockPointer& pointer : snapshot.pointers_of(block)) {
            if (reachability.reached(pointer.target) || (start_only && pointer.target_offset != 0))
                continue;
            reachability.parent[pointer.target] = block;
            order.push_back(pointer.target);
        }
    }
    return reachability;
}

namespace {

// The ownership graph in compressed sparse row form, as Boost.Graph's CSR constructor reads
// it: vertex 0 is the super-root, vertex k >= 1 the reachable block order[k - 1].
struct OwnershipEdges {
    std::vector<std::uint32_t> first;    // out-edges of vertex v: targets[first[v] .. first[v+1])
    std::vector<std::uint32_t> targets;  // distinct, never v itself
};

// The distinct vertices in `targets` other than `self`, appended to `edges`.
void append_distinct(std::vector<std::uint32_t>& targets, std::uint32_t self,
                     OwnershipEdges& edges) {
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    for (const std::uint32_t target : targets)
        if (target != self) edges.targets.push_back(target);
    if (edges.targets.size() >= std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("the snapshot has more than 2^32 pointers between blocks");
    edges.first.push_back(static_cast<std::uint32_t>(edges.targets.size()));
}

// Pointers to a block's start are preferred to pointers into its middle, as Memcheck's leak
// check prefers them: a word that merely falls inside a block (an integer, a stale pointer
// on an allocator's page) must not make its holder the block's owner when a real pointer to
// the block's start exists. So a block that the roots reach by start pointers alone
// (`by_start`) keeps only its start pointers as in-edges. Every block stays reachable: those
// reached by start pointers by such a path, the others by all their in-edges as before.
bool kept(std::uint64_t target_offset, std::uint32_t target, const Reachability& by_start) {
    return target_offset == 0 || !by_start.reached(target);
}

OwnershipEdges ownership_edges(const Snapshot& snapshot, const Reachability& reachability,
                               const std::vector<std::uint32_t>& vertex_of) {
    const Reachability by_start = find_reachable(snapshot, Follow::start_pointers);
    OwnershipEdges edges;
    edges.first.reserve(reachability.order.size() + 2);
    edges.targets.reserve(snapshot.pointers.size() + snapshot.roots.size());
    edges.first.push_back(0);
    std::vector<std::uint32_t> targets;
    for (const SnapshotRoot& root : snapshot.roots)
        if (kept(root.block_offset, root.block, by_start)) targets.push_back(vertex_of[root.block]);
    append_distinct(targets, 0, edges);
    for (std::size_t k = 0; k < reachability.order.size(); ++k) {
        targets.clear();
        for (const BlockPointer& pointer : snapshot.pointers_of(reachability.order[k]))
            if (kept(pointer.target_offset, pointer.target, by_start))
                targets.push_back(vertex_of[pointer.target]);
        append_distinct(targets, static_cast<std::uint32_t>(k + 1), edges);
    }
    return edges;
}

// Walks OwnershipEdges as (source, target) pairs, without materialising them: the
// multi-pass edge iterator compressed_sparse_row_graph is built from.
class EdgeIterator {
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<std::uint32_t, std::uint32_t>;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = value_type;

    EdgeIterator() = default;
    EdgeIterator(const OwnershipEdges* edges, std::uint32_t edge) : edges_(edges), edge_(edge) {
        skip_finished_sources();
    }

    value_type operator*() const { return {source_, edges_->targets[edge_]}; }
    EdgeIterator& operator++() {
        ++edge_;
        skip_finished_sources();
        return *this;
    }
    EdgeIterator operator++(int) {
        EdgeIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const EdgeIterator& other) const { return edge_ == other.edge_; }

private:
    void skip_finished_sources() {
        const std::size_t last_source = edges_->first.size() - 2;
        while (source_ < last_source && edge_ >= edges_->first[source_ + 1]) ++source_;
    }

    const OwnershipEdges* edges_ = nullptr;
    std::uint32_t edge_ = 0;
    std::uint32_t source_ = 0;
};


// The simple Lengauer-Tarjan semidominators (link-eval with path compression), finished by
// the "semi-NCA" step (Georgiadis and Tarjan): every array is flat and indexed by preorder
// number, so a million vertices cost a few tens of megabytes. (Boost 1.74's own
// lengauer_tarjan_dominator_tree keeps a std::deque per vertex, which allocates about 600
// bytes each up front: over 6 GB and most of the run time for ten million blocks. The unit
// tests check that both agree.)
class SemiNca {
public:
    explicit SemiNca(const OwnershipGraph& graph) : graph_(graph) {}

    // Immediate dominators by vertex, from vertex 0 (whose own entry is 0). Every vertex
    // must be reachable from vertex 0, as every vertex of the ownership graph is.
    std::vector<std::uint32_t> run() {
        number_depth_first();
        compute_semidominators();
        return immediate_dominators();
    }

private:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

    // Preorder numbers (vertex_[i] is the vertex numbered i) and depth-first tree parents.
    void number_depth_first() {
        const std::size_t vertices = boost::num_vertices(graph_);
        number_.assign(vertices, kNone);
        vertex_.reserve(vertices);
        parent_.reserve(vertices);
        using OutEdges = boost::graph_traits<OwnershipGraph>::out_edge_iterator;
        struct Frame {
            OutEdges next, end;
        };
        std::vector<Frame> stack;
        const auto discover = [&](std::uint32_t vertex, std::uint32_t parent_number) {
            number_[vertex] = static_cast<std::uint32_t>(vertex_.size());
            vertex_.push_back(vertex);
            parent_.push_back(parent_number);
            const auto [begin, end] = boost::out_edges(vertex, graph_);
            stack.push_back({begin, end});
        };
        discover(0, kNone);
        while (!stack.empty()) {
            Frame& frame = stack.back();
            if (frame.next == frame.end) {
                stack.pop_back();
                continue;
            }
            const std::uint32_t source = boost::source(*frame.next, graph_);
            const std::uint32_t target = boost::target(*frame.next, graph_);
            ++frame.next;  // before discover(), which may reallocate the stack
            if (number_[target] == kNone) discover(target, number_[source]);
        }
    }

    void compute_semidominators() {
        const std::size_t count = vertex_.size();
        semi_.resize(count);
        label_.resize(count);
        ancestor_.assign(count, kNone);
        for (std::uint32_t i = 0; i < count; ++i) semi_[i] = label_[i] = i;
        for (std::size_t i = count; i-- > 1;) {
            for (const auto edge : boost::make_iterator_range(boost::in_edges(vertex_[i], graph_))) {
                const std::uint32_t predecessor = number_[boost::source(edge, graph_)];
                const std::uint32_t candidate = semi_[evaluate(predecessor)];
                if (candidate < semi_[i]) semi_[i] = candidate;
            }
            ancestor_[i] = parent_[i];  // link
        }
    }

    // The vertex of least semidominator on the forest path above `number` (itself when it
    // is a forest root), compressing the path as it goes.
    std::uint32_t evaluate(std::uint32_t number) {
        if (ancestor_[number] == kNone) return number;
        path_.clear();
        for (std::uint32_t at = number; ancestor_[ancestor_[at]] != kNone; at = ancestor_[at])
            path_.push_back(at);
        for (std::size_t k = path_.size(); k-- > 0;) {  // nearest the forest root first
            const std::uint32_t at = path_[k];
            const std::uint32_t above = ancestor_[at];
            if (semi_[label_[above]] < semi_[label_[at]]) label_[at] = label_[above];
            ancestor_[at] = ancestor_[above];
        }
        return label_[number];
    }

    // A vertex's immediate dominator is its depth-first parent's nearest dominator-tree
    // ancestor numbered no higher than its semidominator.
    std::vector<std::uint32_t> immediate_dominators() {
        std::vector<std::uint32_t>& dominator = parent_;  // by number, reused in place
        dominator[0] = 0;
        for (std::size_t i = 1; i < vertex_.size(); ++i) {
            std::uint32_t candidate = dominator[i];
            while (candidate > semi_[i]) candidate = dominator[candidate];
            dominator[i] = candidate;
        }
        std::vector<std::uint32_t> by_vertex(boost::num_vertices(graph_), 0);
        for (std::size_t i = 0; i < vertex_.size(); ++i) by_vertex[vertex_[i]] = vertex_[dominator[i]];
        return by_vertex;
    }

    const OwnershipGraph& graph_;
    std::vector<std::uint32_t> number_;    // by vertex: its preorder number
    std::vector<std::uint32_t> vertex_;    // by number: the vertex
    std::vector<std::uint32_t> parent_;    // by number: the depth-first parent's number
    std::vector<std::uint32_t> semi_;      // by number: the semidominator's number
    std::vector<std::uint32_t> label_;     // by number: link-eval's label
    std::vector<std::uint32_t> ancestor_;  // by number: link-eval's forest parent
    std::vector<std::uint32_t> path_;      // evaluate()'s scratch
};

// Immediate dominators by vertex (0 for the super-root's own children and for itself).
// `edges` is consumed: the graph is built from it, then it is freed.
std::vector<std::uint32_t> immediate_dominators(OwnershipEdges edges) {
    const auto vertices = static_cast<std::uint32_t>(edges.first.size() - 1);
    const auto edge_count = static_cast<std::uint32_t>(edges.targets.size());
    const OwnershipGraph graph(boost::edges_are_unsorted_multi_pass, EdgeIterator(&edges, 0),
                               EdgeIterator(&edges, edge_count), vertices);
    edges = {};
    return SemiNca(graph).run();
}

// Dominators::first_child and children from the immediate dominators (a counting sort).
void index_children(std::size_t blocks, Dominators& dominators) {
    const auto slot = [&](std::uint32_t dominator) -> std::size_t {
        return dominator == kSuperRoot ? blocks : dominator;
    };
    std::vector<std::uint32_t>& first = dominators.first_child;
    first.assign(blocks + 2, 0);
    for (const std::uint32_t dominator : dominators.immediate)
        if (dominator != kUnreached) ++first[slot(dominator) + 1];
    for (std::size_t b = 0; b <= blocks; ++b) first[b + 1] += first[b];
    dominators.children.resize(first[blocks + 1]);
    std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
    for (std::size_t block = 0; block < blocks; ++block) {
        const std::uint32_t dominator = dominators.immediate[block];
        if (dominator != kUnreached)
            dominators.children[next[slot(dominator)]++] = static_cast<std::uint32_t>(block);
    }
}

// Dominators::retained from each block's own size: its subtree's sum, children first. (Since
// interior pointers are dropped where start pointers reach, a block's dominator may come
// after it in breadth-first order over every pointer: the tree's own order is needed.)
void add_up_subtrees(std::size_t blocks, Dominators& dominators) {
    std::vector<std::uint32_t> preorder;
    preorder.reserve(blocks);
    for (const std::uint32_t top : dominators.children_of(blocks)) preorder.push_back(top);
    for (std::size_t next = 0; next < preorder.size(); ++next)
        for (const std::uint32_t child : dominators.children_of(preorder[next]))
            preorder.push_back(child);
    for (std::size_t k = preorder.size(); k-- > 0;) {
        const std::uint32_t dominator = dominators.immediate[preorder[k]];
        if (dominator != kSuperRoot)
            dominators.retained[dominator] += dominators.retained[preorder[k]];
    }
}

}  // namespace

Dominators find_dominators(const Snapshot& snapshot, const Reachability& reachability) {
    const std::vector<std::uint32_t>& order = reachability.order;
    if (order.size() >= std::numeric_limits<std::uint32_t>::max() - 1)
        throw std::length_error("the snapshot has more than 2^32 reachable blocks");
    std::vector<std::uint32_t> vertex_of(snapshot.blocks.size(), 0);
    for (std::size_t k = 0; k < order.size(); ++k)
        vertex_of[order[k]] = static_cast<std::uint32_t>(k + 1);

    OwnershipEdges edges = ownership_edges(snapshot, reachability, vertex_of);
    vertex_of = {};  // not needed any more: freed before the graph is built
    const std::vector<std::uint32_t> by_vertex = immediate_dominators(std::move(edges));

    Dominators dominators;
    dominators.immediate.assign(snapshot.blocks.size(), kUnreached);
    dominators.retained.assign(snapshot.blocks.size(), 0);
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::uint32_t dominator = by_vertex[k + 1];
        dominators.immediate[order[k]] = dominator == 0 ? kSuperRoot : order[dominator - 1];
        dominators.retained[order[k]] = snapshot.blocks[order[k]].size;
    }
    index_children(snapshot.blocks.size(), dominators);
    add_up_subtrees(snapshot.blocks.size(), dominators);
    return dominators;
}

std::vector<std::uint64_t> retained_by_group(const Snapshot& snapshot,
                                             const Reachability& reachability,
                                             const Dominators& dominators,
                                             std::span<const std::uint32_t> group_of,
                                             std::size_t groups) {
    (void)reachability;  // the dominator tree already covers exactly the reachable blocks
    std::vector<std::uint64_t> retained(groups, 0);
    // How many blocks of each group are on the current path down the dominator tree: a
    // block counts only when none of its group is above it.
    std::vector<std::uint32_t> open_above(groups, 0);
    // A depth-first walk of the dominator tree with an explicit stack (a linked list makes
    // it millions deep): an entry is a block to enter, or with kLeave set, one to leave.
    constexpr std::uint64_t kLeave = std::uint64_t{1} << 32;
    std::vector<std::uint64_t> stack;
    for (const std::uint32_t top : dominators.children_of(snapshot.blocks.size()))
        stack.push_back(top);
    while (!stack.empty()) {
        const std::uint64_t entry = stack.back();
        stack.pop_back();
        const auto block = static_cast<std::uint32_t>(entry);
        const std::uint32_t group = group_of[block];
        if ((entry & kLeave) != 0) {
            --open_above[group];
            continue;
        }
        if (group != kNoGroup) {
            if (open_above[group]++ == 0) retained[group] += dominators.retained[block];
            stack.push_back(block | kLeave);
        }
        for (const std::uint32_t child : dominators.children_of(block)) stack.push_back(child);
    }
    return retained;
}

std::vector<std::uint32_t> retainer_path(const Reachability& reachability, std::uint32_t block) {
    std::vector<std::uint32_t> path;
    if (!reachability.reached(block)) return path;
    for (std::uint32_t at = block; at != kSuperRoot; at = reachability.parent[at])
        path.push_back(at);
    std::reverse(path.begin(), path.end());
    return path;
}

const BlockPointer* pointer_between(const Snapshot& snapshot, std::uint32_t from,
                                    std::uint32_t to) {
    for (const BlockPointer& pointer : snapshot.pointers_of(from))
        if (pointer.target == to) return &pointer;
    return nullptr;
}

Duplicates find_duplicates(const Snapshot& snapshot) {
    // Sorted by hash first: comparing hashes needs no look-up, and equal hashes are rare
    // unless contents are equal; sizes are compared within runs of equal hashes.
    struct Candidate {
        std::uint64_t hash;
        std::uint32_t block;
    };
    std::vector<Candidate> candidates;
    candidates.reserve(snapshot.blocks.size());
    for (std::size_t block = 0; block < snapshot.blocks.size(); ++block)
        if (snapshot.blocks[block].size != 0)
            candidates.push_back({snapshot.blocks[block].hash, static_cast<std::uint32_t>(block)});
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.hash != b.hash ? a.hash < b.hash : a.block < b.block;
    });

    Duplicates duplicates;
    std::vector<std::uint32_t> run;
    for (std::size_t begin = 0; begin < candidates.size();) {
        std::size_t end = begin + 1;
        while (end < candidates.size() && candidates[end].hash == candidates[begin].hash) ++end;
        if (end - begin >= 2) {
            run.clear();
            for (std::size_t i = begin; i < end; ++i) run.push_back(candidates[i].block);
            // Within one hash, blocks of each size form a group (stable: indexes stay in order).
            std::stable_sort(run.begin(), run.end(), [&](std::uint32_t a, std::uint32_t b) {
                return snapshot.blocks[a].size < snapshot.blocks[b].size;
            });
            for (std::size_t first = 0; first < run.size();) {
                const std::uint64_t size = snapshot.blocks[run[first]].size;
                std::size_t last = first + 1;
                while (last < run.size() && snapshot.blocks[run[last]].size == size) ++last;
                if (last - first >= 2) {
                    duplicates.groups.push_back({size, candidates[begin].hash,
                                                 duplicates.blocks.size(), last - first});
                    duplicates.blocks.insert(duplicates.blocks.end(), run.begin() + static_cast<std::ptrdiff_t>(first),
                                             run.begin() + static_cast<std::ptrdiff_t>(last));
                }
                first = last;
            }
        }
        begin = end;
    }
    std::sort(duplicates.groups.begin(), duplicates.groups.end(),
              [&](const DuplicateGroup& a, const DuplicateGroup& b) {
                  if (a.wasted() != b.wasted()) return a.wasted() > b.wasted();
                  if (a.size != b.size) return a.size > b.size;
                  return duplicates.blocks[a.first] < duplicates.blocks[b.first];
              });
    return duplicates;
}

}  // namespace memattr
