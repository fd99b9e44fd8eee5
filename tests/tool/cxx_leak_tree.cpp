// Leaks at exit in C++: containers own what they point at, and a lost container loses it all.
// - TREE: a lost tree of 1 + 3 + 9 Nodes (new Node, 56 bytes each), each holding its
//   children in a std::vector<Node*> (reserved to exactly its children: 24 bytes for 3) and
//   a name in a std::string long enough to leave the small-string buffer (NAME: 40 bytes
//   requested, the capacity of 39 characters plus the terminator). The root is definitely
//   lost, everything else in the tree indirectly lost: 12 Nodes, 4 child vectors and 13
//   names.
// - CYCLE: a lost ring of 4 Peers (new Peer, 32 bytes) linked by std::shared_ptr<Peer>
//   (each make_shared block: a control block of 16 bytes and the Peer, 48 bytes), so
//   nothing frees them: one block definitely lost, three indirectly lost.
// - KEPT_MAP: a std::map<int, std::string> (48 bytes) a global points at, with 5 entries
//   (KEPT: map nodes of 72 bytes; the strings stay in their small buffers), still reachable.
// Known answer: definitely lost 56 + 48 = 104 bytes in 2 blocks; indirectly lost
// 12 x 56 + 4 x 24 + 13 x 40 + 3 x 48 = 1,432 bytes in 32 blocks; possibly lost 0;
// still reachable 48 + 5 x 72 = 408 bytes in 6 blocks.
// The structures are built in functions that return before main scrubs the stack (see
// c_leaks.c). No new[] of a class with a destructor, no multiple inheritance: their interior
// pointers are what Memcheck's heuristics (which memattr-graph does not apply) look for.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Node {
    std::vector<Node*> children;
    std::string name;
};

struct Peer {
    std::shared_ptr<Peer> next;
    long id;
    long hops;
};

std::map<int, std::string>* g_kept;

static std::string node_name(int depth, int index) {
    std::string name = "node-" + std::to_string(depth) + "-" + std::to_string(index);
    name.resize(39, '.');  // 39 characters: a heap buffer of exactly 40 bytes
    return name;
}

__attribute__((noinline)) static Node* make_node(int depth, int index) {
    Node* node = new Node;                                          // @TREE
    node->name = node_name(depth, index);                           // @NAME
    if (depth < 2) {
        node->children.reserve(3);                                  // @CHILDREN
        for (int i = 0; i < 3; i++) node->children.push_back(make_node(depth + 1, i));
    }
    return node;
}

__attribute__((noinline)) static void leak_tree() {
    Node* root = make_node(0, 0);
    root->name[0] = 'N';
}

__attribute__((noinline)) static void leak_cycle() {
    std::shared_ptr<Peer> first = std::make_shared<Peer>();         // @CYCLE
    std::shared_ptr<Peer> last = first;
    for (long id = 1; id < 4; id++) {
        std::shared_ptr<Peer> peer = std::make_shared<Peer>();      // @CYCLE
        peer->id = id;
        last->next = peer;
        last = peer;
    }
    last->next = first;
}

__attribute__((noinline)) static void keep_map() {
    g_kept = new std::map<int, std::string>;                        // @KEPT_MAP
    for (int i = 0; i < 5; i++) (*g_kept)[i] = "entry";             // @KEPT
}

__attribute__((noinline)) static void scrub_stack() {
    volatile char scratch[8192];
    std::memset(const_cast<char*>(scratch), 0, sizeof scratch);
}

int main() {
    leak_tree();
    leak_cycle();
    keep_map();
    scrub_stack();
    std::printf("done\n");
    return 0;
}
