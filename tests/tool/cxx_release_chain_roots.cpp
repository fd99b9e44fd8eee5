// The release chain's frames are no roots (issue 17, item 3). A Service, held by the global
// g_service, owns a cache: an array of pointers to 4,096 records of 512 bytes. The program
// indexes every record in a std::map, held by a std::unique_ptr, and drops the index with
// reset() at the peak. reset() lets go of the map before destroying it, so at that call no
// frame or global of the program reaches the index; but memattr takes its peak snapshot at
// the first release after the peak, the first node freed deep in the map's _M_erase
// recursion, whose frames (and those of ~map, default_delete, reset and operator delete)
// hold the map and its nodes, which point at every record. Taken as roots, they made every
// record shared ("several" owners) and the Service retain almost nothing; as at the call,
// the records are the cache's, and the Service retains the whole cache. test_tool.py
// computes the figures from the constants below.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

constexpr int kRecords = 4096;

struct Record {
    char bytes[512];
};

struct Service {
    Record** cache;
    long records;
};

Service* g_service;   // the only root of the cache

using Index = std::map<int, Record*>;

__attribute__((noinline)) static void build_service() {
    g_service = new Service;                                        // @SERVICE
    g_service->records = kRecords;
    g_service->cache = new Record*[kRecords];                       // @CACHE
    for (int i = 0; i < kRecords; i++) {
        g_service->cache[i] = new Record;                           // @RECORD
        std::memset(g_service->cache[i]->bytes, 'a' + i % 26, sizeof(Record));
    }
}

__attribute__((noinline)) static std::unique_ptr<Index> build_index() {
    std::unique_ptr<Index> index(new Index);                        // @INDEX
    for (int i = 0; i < kRecords; i++) (*index)[i] = g_service->cache[i];
    return index;
}

// Stack scanning is conservative: a slot of a live frame not yet written holds whatever a
// returned call left there (here: build_index's pointers to the map). Cleared, so the only
// words reaching the index are those of the release chain.
__attribute__((noinline)) static void clear_dead_stack() {
    volatile char dead[16384];
    for (std::size_t i = 0; i < sizeof dead; i++) dead[i] = 0;
}

__attribute__((noinline)) static long drop_index(std::unique_ptr<Index>& index) {
    long entries = static_cast<long>(index->size());
    index.reset();   // the first release after the peak happens in here
    return entries;
}

int main() {
    build_service();
    std::unique_ptr<Index> index = build_index();
    clear_dead_stack();
    long entries = drop_index(index);
    std::printf(entries == kRecords && g_service->cache[7]->bytes[0] == 'h' ? "done\n"
                                                                              : "wrong\n");
    return 0;
}
