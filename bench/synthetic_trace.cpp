// synthetic-trace: writes a deterministic memattr trace of the current version (the tags,
// keys and words come from format/memattr_trace_schema.h) with one heap snapshot of
// N blocks and about 5 pointers per block, for benchmarking memattr-graph's reader and
// ownership analysis (bench/ownership.sh) on heaps far larger than the tests' fixtures.
//
//   synthetic-trace BLOCKS OUTPUT
//
// The heap has a realistic shape rather than a uniform random graph:
//   - 8 roots' blocks (globals, two thread stacks, a register, two mappings) start trees;
//   - every other reachable block hangs off an earlier one: usually a random earlier block
//     (a random recursive tree, logarithmic depth), sometimes the block just before (a
//     linked list, allocated from a "List::push" site);
//   - half of the inner nodes point back at their parent, and each has 0 to 7 cross links,
//     mostly to blocks allocated nearby, a tenth anywhere (parallel edges and self-links
//     included, as real heaps have them);
//   - 3% of the blocks are pointer-free "strings" drawn from 2,000 contents: duplicates;
//   - 2% are leaked: reachable from no root, pointing at each other and into the heap.
// Everything derives from the block number through a fixed hash, so the same N gives the
// same bytes on every machine. Not part of the test suite.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../format/memattr_trace_compact.h"
#include "../format/memattr_trace_schema.h"

// A field of a record: TAB, the key and '=', as one string literal.
#define FIELD(KEY) "\t" KEY "="

namespace {

constexpr std::uint32_t kTreeRoots = 8;
constexpr std::uint32_t kRootSites = 8;    // sites 1..8: the roots' blocks
constexpr std::uint32_t kTreeSites = 150;  // sites 9..150: tree nodes
constexpr std::uint32_t kListSite = 151;   // 151..160: linked-list nodes
constexpr std::uint32_t kStringSite = 161; // 161..180: strings
constexpr std::uint32_t kLeakSite = 181;   // 181..200: leaked blocks
constexpr std::uint32_t kSites = 200;
constexpr std::uint32_t kDistinctStrings = 2000;

// splitmix64: a fixed, portable hash of (block, purpose).
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::uint64_t draw(std::uint64_t block, std::uint64_t purpose) {
    return mix(block * 0x100000001b3ull + purpose);
}

enum class Kind : std::uint8_t { root, node, string, leaked };

Kind kind_of(std::uint32_t block) {
    if (block < kTreeRoots) return Kind::root;
    const std::uint64_t roll = draw(block, 1) % 100;
    if (roll < 2) return Kind::leaked;
    if (roll < 5) return Kind::string;
    return Kind::node;
}

bool can_hold_children(std::uint32_t block) {
    const Kind kind = kind_of(block);
    return kind == Kind::root || kind == Kind::node;
}

bool is_reachable_kind(std::uint32_t block) { return kind_of(block) != Kind::leaked; }

class Output {
public:
    explicit Output(std::FILE* file) : file_(file) { buffer_.reserve(kFlushBytes + 4096); }
    ~Output() { flush(); }

    Output& operator<<(std::string_view text) {
        buffer_.append(text);
        if (buffer_.size() >= kFlushBytes) flush();
        return *this;
    }
    Output& operator<<(std::uint64_t number) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
        return *this << std::string_view(digits, static_cast<std::size_t>(end - digits));
    }
    Output& hex(std::uint64_t number, int width = 0) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, number, 16).ptr;
        const auto length = static_cast<int>(end - digits);
        for (int pad = width - length; pad > 0; --pad) buffer_ += '0';
        return *this << std::string_view(digits, static_cast<std::size_t>(length));
    }
    void flush() {
        if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
            std::perror("synthetic-trace: write");
            std::exit(1);
        }
        buffer_.clear();
    }

private:
    static constexpr std::size_t kFlushBytes = 1 << 22;
    std::FILE* file_;
    std::string buffer_;
};

class Heap {
public:
    explicit Heap(std::uint32_t blocks) : blocks_(blocks) {
        choose_parents();
        index_children();
        lay_out();
    }

    std::uint32_t blocks() const { return blocks_; }

    std::uint32_t site(std::uint32_t block) const {
        switch (kind_of(block)) {
        case Kind::root: return 1 + block;
        case Kind::string: return kStringSite + static_cast<std::uint32_t>(draw(block, 2) % 20);
        case Kind::leaked: return kLeakSite + static_cast<std::uint32_t>(draw(block, 2) % 20);
        case Kind::node: break;
        }
        if (parent_[block] == block - 1) return kListSite + static_cast<std::uint32_t>(draw(block, 2) % 10);
        return kRootSites + 1 + static_cast<std::uint32_t>(draw(block, 2) % (kTreeSites - kRootSites));
    }

    std::uint64_t size(std::uint32_t block) const { return size_[block]; }
    std::uint64_t address(std::uint32_t block) const { return address_[block]; }

    std::uint64_t hash(std::uint32_t block) const {
        if (kind_of(block) == Kind::string) return mix(string_content(block));
        return mix(~static_cast<std::uint64_t>(block));
    }

    // The targets of the block's pointers, in offset order (offset = 8 x position).
    void pointers(std::uint32_t block, std::vector<std::uint32_t>& targets) const {
        targets.clear();
        const Kind kind = kind_of(block);
        if (kind == Kind::string) return;
        for (std::uint64_t c = first_child_[block]; c < first_child_[block + 1]; ++c)
            targets.push_back(children_[c]);
        if (kind == Kind::leaked) {
            if (parent_[block] != kNone) targets.push_back(parent_[block]);
        } else if (kind == Kind::node && draw(block, 3) % 2 == 0) {
            targets.push_back(parent_[block]);  // a back pointer
        }
        const auto cross = static_cast<std::uint32_t>(draw(block, 4) % 8);
        for (std::uint32_t k = 0; k < cross; ++k) targets.push_back(cross_target(block, k));
    }

    std::uint64_t total_pointers() const { return total_pointers_; }
    std::uint64_t total_bytes() const { return total_bytes_; }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    std::uint64_t string_content(std::uint32_t block) const { return draw(block, 5) % kDistinctStrings; }

    void choose_parents() {
        parent_.assign(blocks_, kNone);
        std::uint32_t last_leaked = kNone;
        for (std::uint32_t block = kTreeRoots; block < blocks_; ++block) {
            if (kind_of(block) == Kind::leaked) {
                parent_[block] = last_leaked;  // leaked structures chain among themselves
                last_leaked = block;
                continue;
            }
            parent_[block] = tree_parent(block);
        }
    }

    std::uint32_t tree_parent(std::uint32_t block) const {
        if (draw(block, 6) % 10 < 3 && can_hold_children(block - 1)) return block - 1;
        for (std::uint64_t attempt = 0; attempt < 16; ++attempt) {
            const auto candidate = static_cast<std::uint32_t>(draw(block, 7 + attempt) % block);
            if (can_hold_children(candidate)) return candidate;
        }
        return 0;
    }

    // Leaked blocks point into their chain (parent_), not from it: their parent holds no
    // pointer to them, or they would be reachable.
    void index_children() {
        first_child_.assign(std::size_t{blocks_} + 1, 0);
        for (std::uint32_t block = 0; block < blocks_; ++block)
            if (parent_[block] != kNone && kind_of(block) != Kind::leaked) ++first_child_[parent_[block] + 1];
        for (std::uint32_t block = 0; block < blocks_; ++block) first_child_[block + 1] += first_child_[block];
        children_.resize(first_child_[blocks_]);
        std::vector<std::uint64_t> next(first_child_.begin(), first_child_.end() - 1);
        for (std::uint32_t block = 0; block < blocks_; ++block)
            if (parent_[block] != kNone && kind_of(block) != Kind::leaked)
                children_[next[parent_[block]]++] = block;
    }

    std::uint32_t cross_target(std::uint32_t block, std::uint32_t k) const {
        for (std::uint64_t attempt = 0;; ++attempt) {
            const std::uint64_t roll = draw(block, 100 + k * 37 + attempt);
            std::uint32_t target;
            if (roll % 10 == 0) {
                target = static_cast<std::uint32_t>((roll >> 8) % blocks_);
            } else {
                const std::int64_t near = static_cast<std::int64_t>(block) +
                                          static_cast<std::int64_t>((roll >> 8) % 4001) - 2000;
                target = static_cast<std::uint32_t>(
                    std::clamp<std::int64_t>(near, 0, static_cast<std::int64_t>(blocks_) - 1));
            }
            if (is_reachable_kind(target) || attempt > 8) return is_reachable_kind(target) ? target : 0;
        }
    }

    void lay_out() {
        size_.resize(blocks_);
        address_.resize(blocks_);
        std::uint64_t address = 0x10000000;
        std::vector<std::uint32_t> targets;
        for (std::uint32_t block = 0; block < blocks_; ++block) {
            pointers(block, targets);
            std::uint64_t size;
            if (kind_of(block) == Kind::string)
                size = 24 + 8 * (string_content(block) % 16);
            else
                size = 8 * (targets.size() + draw(block, 8) % 4);
            size_[block] = static_cast<std::uint32_t>(size);
            address_[block] = address;
            address += (size + 15) / 16 * 16 + 16;
            total_pointers_ += targets.size();
            total_bytes_ += size;
        }
    }

    std::uint32_t blocks_;
    std::vector<std::uint32_t> parent_;
    std::vector<std::uint64_t> first_child_;
    std::vector<std::uint32_t> children_;
    std::vector<std::uint32_t> size_;
    std::vector<std::uint64_t> address_;
    std::uint64_t total_pointers_ = 0;
    std::uint64_t total_bytes_ = 0;
};

constexpr std::string_view kExe = "/opt/synthetic/app";
constexpr std::string_view kPreload = "/usr/libexec/valgrind/vgpreload_memattr-amd64-linux.so";

std::string site_function(std::uint32_t site) {
    if (site <= kRootSites) return "Registry::create_root_" + std::to_string(site) + "()";
    if (site < kListSite) return "Tree::add_child_" + std::to_string(site) + "(Node*)";
    if (site < kStringSite) return "List::push_" + std::to_string(site) + "(Item const&)";
    if (site < kLeakSite) return "Config::copy_name_" + std::to_string(site) + "(char const*)";
    return "Parser::scratch_" + std::to_string(site) + "(unsigned long)";
}

class TraceWriter {
public:
    TraceWriter(const Heap& heap, Output& out) : heap_(heap), out_(out) {}

    void write() {
        record() << MA_TAG_HEADER FIELD(MA_KEY_HEADER_VERSION) << std::uint64_t{MA_TRACE_VERSION} << "\n";
        record() << MA_TAG_TOOL FIELD(MA_KEY_TOOL_NAME) MA_WORD_TOOL_NAME_MEMATTR FIELD(MA_KEY_TOOL_VERSION) "synthetic\n";
        record() << MA_TAG_CMD FIELD(MA_KEY_CMD_EXE) << kExe << FIELD(MA_KEY_CMD_ARGS) "--blocks " << std::uint64_t{heap_.blocks()} << "\n";
        record() << MA_TAG_PROCESS FIELD(MA_KEY_PROCESS_PID) "1000" FIELD(MA_KEY_PROCESS_PPID) "1" FIELD(MA_KEY_PROCESS_FORK_OF) "0\n";
        record() << MA_TAG_RUN FIELD(MA_KEY_RUN_MALLOC_MODE) MA_WORD_MALLOC_MODE_REPLACE
                    FIELD(MA_KEY_RUN_TIME_UNIT) MA_WORD_TIME_UNIT_INSTR FIELD(MA_KEY_RUN_ALIGNMENT) "16"
                    FIELD(MA_KEY_RUN_NUM_CALLERS) "24" FIELD(MA_KEY_RUN_ACCESS) MA_WORD_YES_NO_NO
                    FIELD(MA_KEY_RUN_SNAPSHOTS) MA_WORD_YES_NO_YES FIELD(MA_KEY_RUN_SNAPSHOT_GROWTH) "10"
                    FIELD(MA_KEY_RUN_SNAPSHOT_MIN) "1048576" FIELD(MA_KEY_RUN_SNAPSHOT_BUDGET) "0"
                    FIELD(MA_KEY_RUN_PAGES) MA_WORD_YES_NO_NO "\n";
        record() << MA_TAG_DEFINITION FIELD(MA_KEY_DEFINITION_NAME) MA_WORD_DEFINITION_TEMPORARY FIELD(MA_KEY_DEFINITION_TEXT) "freed before any other heap block was "
                    "allocated (heaptrack's definition)\n";
        write_sites();
        const std::uint64_t bytes = heap_.total_bytes();
        const std::uint64_t blocks = heap_.blocks();
        record() << MA_TAG_THREAD FIELD(MA_KEY_THREAD_ID) "1" FIELD(MA_KEY_THREAD_PARENT) "0" FIELD(MA_KEY_THREAD_TB) << bytes << FIELD(MA_KEY_THREAD_TBK) << blocks << FIELD(MA_KEY_THREAD_PB) << bytes
                 << FIELD(MA_KEY_THREAD_PBK) << blocks << FIELD(MA_KEY_THREAD_PT) "900000000" FIELD(MA_KEY_THREAD_EB) "0" FIELD(MA_KEY_THREAD_EBK) "0\n";
        record() << MA_TAG_THREAD FIELD(MA_KEY_THREAD_ID) "2" FIELD(MA_KEY_THREAD_PARENT) "1" FIELD(MA_KEY_THREAD_TB) "0" FIELD(MA_KEY_THREAD_TBK) "0" FIELD(MA_KEY_THREAD_PB) "0" FIELD(MA_KEY_THREAD_PBK) "0" FIELD(MA_KEY_THREAD_PT) "0" FIELD(MA_KEY_THREAD_EB) "0" FIELD(MA_KEY_THREAD_EBK) "0\n";
        record() << MA_TAG_PEAK FIELD(MA_KEY_PEAK_T) "900000000" FIELD(MA_KEY_PEAK_ALLOC) << bytes << FIELD(MA_KEY_PEAK_BYTES) << bytes << FIELD(MA_KEY_PEAK_BLOCKS) << blocks << "\n";
        record() << MA_TAG_TOTALS FIELD(MA_KEY_TOTALS_BYTES) << bytes << FIELD(MA_KEY_TOTALS_BLOCKS) << blocks << FIELD(MA_KEY_TOTALS_FREES) << blocks << FIELD(MA_KEY_TOTALS_BAD_FREES) "0\n";
        record() << MA_TAG_EXIT FIELD(MA_KEY_EXIT_T) "1000000000" FIELD(MA_KEY_EXIT_ALLOC) << bytes << FIELD(MA_KEY_EXIT_BYTES) "0" FIELD(MA_KEY_EXIT_BLOCKS) "0" FIELD(MA_KEY_EXIT_REASON) MA_WORD_EXIT_REASON_EXIT FIELD(MA_KEY_EXIT_CODE) "0\n";
        record() << MA_TAG_TIMELINE FIELD(MA_KEY_TIMELINE_T) "900000000" FIELD(MA_KEY_TIMELINE_ALLOC) << bytes << FIELD(MA_KEY_TIMELINE_BYTES) << bytes << FIELD(MA_KEY_TIMELINE_BLOCKS) << blocks << "\n";
        write_snapshot();
        record() << MA_TAG_SNAPSHOT_COST FIELD(MA_KEY_SNAPSHOT_COST_TAKEN) "12"
                 << FIELD(MA_KEY_SNAPSHOT_COST_SCANNED) << 3 * bytes << FIELD(MA_KEY_SNAPSHOT_COST_REUSED) "0\n";
        write_map_events();
        out_ << MA_TAG_END FIELD(MA_KEY_END_RECORDS) << records_ << "\n";
    }

private:
    Output& record() {
        ++records_;
        return out_;
    }

    void write_frame(std::uint64_t id, std::string_view function, std::string_view file,
                     std::uint64_t line, std::string_view object) {
        record() << MA_TAG_FRAME FIELD(MA_KEY_FRAME_ID) << id << FIELD(MA_KEY_FRAME_IP) "0x";
        out_.hex(0x400000 + id * 64) << FIELD(MA_KEY_FRAME_INLINED) "0" FIELD(MA_KEY_FRAME_FN) << function << FIELD(MA_KEY_FRAME_FILE) << file
                                     << FIELD(MA_KEY_FRAME_DIR) << (file.empty() ? "" : "/opt/synthetic/src")
                                     << FIELD(MA_KEY_FRAME_LINE) << line << FIELD(MA_KEY_FRAME_OBJ) << object << "\n";
    }

    // Frames 1 (malloc) and 2 (main), then per site one frame, one stack, the site.
    void write_sites() {
        write_frame(1, "malloc", "", 0, kPreload);
        write_frame(2, "main", "main.cpp", 40, kExe);
        std::vector<std::uint64_t> bytes(kSites + 1), blocks(kSites + 1);
        for (std::uint32_t block = 0; block < heap_.blocks(); ++block) {
            bytes[heap_.site(block)] += heap_.size(block);
            ++blocks[heap_.site(block)];
        }
        for (std::uint32_t site = 1; site <= kSites; ++site) {
            write_frame(2 + site, site_function(site), "app.cpp", 100 + site, kExe);
            record() << MA_TAG_STACK FIELD(MA_KEY_STACK_ID) << std::uint64_t{site} << FIELD(MA_KEY_STACK_FRAMES) "1," << std::uint64_t{2 + site} << ",2\n";
            const std::uint64_t b = bytes[site], n = blocks[site];
            record() << MA_TAG_SITE FIELD(MA_KEY_SITE_ID) << std::uint64_t{site} << FIELD(MA_KEY_SITE_STACK) << std::uint64_t{site} << FIELD(MA_KEY_SITE_TB) << b
                     << FIELD(MA_KEY_SITE_TBK) << n << FIELD(MA_KEY_SITE_PB) << b << FIELD(MA_KEY_SITE_PBK) << n << FIELD(MA_KEY_SITE_MB) << b << FIELD(MA_KEY_SITE_MBK) << n
                     << FIELD(MA_KEY_SITE_EB) "0" FIELD(MA_KEY_SITE_EBK) "0" FIELD(MA_KEY_SITE_FBK) << n << FIELD(MA_KEY_SITE_LTMIN) "0" FIELD(MA_KEY_SITE_LTMAX) "1000" FIELD(MA_KEY_SITE_LTSUM) << n * 500
                     << FIELD(MA_KEY_SITE_TMPBK) "0" FIELD(MA_KEY_SITE_TMPB) "0" FIELD(MA_KEY_SITE_RBK) "0" FIELD(MA_KEY_SITE_KIND) MA_WORD_SITE_KIND_MALLOC FIELD(MA_KEY_SITE_RD) "0" FIELD(MA_KEY_SITE_WR) "0" FIELD(MA_KEY_SITE_NRBK) "0" FIELD(MA_KEY_SITE_NRB) "0" FIELD(MA_KEY_SITE_NABK) "0" FIELD(MA_KEY_SITE_NAB) "0\n";
        }
    }

    void write_snapshot() {
        record() << MA_TAG_SNAPSHOT FIELD(MA_KEY_SNAPSHOT_ID) "1" FIELD(MA_KEY_SNAPSHOT_NAME) "peak" FIELD(MA_KEY_SNAPSHOT_KINDS) MA_WORD_SNAPSHOT_KIND_PEAK FIELD(MA_KEY_SNAPSHOT_T) "899000000" FIELD(MA_KEY_SNAPSHOT_ALLOC) << heap_.total_bytes()
                 << FIELD(MA_KEY_SNAPSHOT_BYTES) << heap_.total_bytes() << FIELD(MA_KEY_SNAPSHOT_BLOCKS) << std::uint64_t{heap_.blocks()}
                 << FIELD(MA_KEY_SNAPSHOT_EDGES) << heap_.total_pointers() << FIELD(MA_KEY_SNAPSHOT_ROOTS) << std::uint64_t{kRoots}
                 << FIELD(MA_KEY_SNAPSHOT_SCANNED) << heap_.total_bytes() + 65536 << FIELD(MA_KEY_SNAPSHOT_REUSED) "0\n";
        for (std::uint32_t first = 0; first < heap_.blocks();) first = write_blocks(first);
        write_roots();
    }

    // One `blocks` record from block `first` on, cut as the tool cuts them (at most
    // MA_COMPACT_BLOCKS_PER_RECORD blocks, no more blocks once it holds
    // MA_COMPACT_POINTERS_PER_RECORD pointers); returns where the next one starts.
    std::uint32_t write_blocks(std::uint32_t first) {
        std::string data;
        std::vector<std::uint32_t> targets;
        std::uint32_t end = first;
        std::uint64_t pointers = 0;
        char digits[MA_COMPACT_MAX_HEAD_CHARS];
        MaCompactSites recent{};
        while (end < heap_.blocks() && end - first < MA_COMPACT_BLOCKS_PER_RECORD &&
               pointers < MA_COMPACT_POINTERS_PER_RECORD) {
            const std::uint32_t block = end++;
            const bool first_in_record = block == first;
            heap_.pointers(block, targets);
            pointers += targets.size();
            data.append(digits, ma_compact_put_block(
                                    digits,
                                    heap_.address(block) - (first_in_record ? 0 : heap_.address(block - 1)),
                                    ma_compact_site_code(&recent, heap_.site(block)), heap_.size(block),
                                    heap_.hash(block), targets.size()));
            for (std::size_t k = 0; k < targets.size(); ++k) {
                // An interior pointer now and then: 8 bytes into its target.
                const bool interior = draw(block, 900 + k) % 16 == 0 && heap_.size(targets[k]) > 8;
                data.append(digits, ma_compact_put_pointer(digits, 0, std::uint64_t{block} + 1,
                                                           std::uint64_t{targets[k]} + 1,
                                                           interior ? 8 : 0));
            }
        }
        record() << MA_TAG_BLOCKS FIELD(MA_KEY_BLOCKS_FIRST) << std::uint64_t{first + 1}
                 << FIELD(MA_KEY_BLOCKS_N) << std::uint64_t{end - first}
                 << FIELD(MA_KEY_BLOCKS_DATA) << data << "\n";
        return end;
    }

    static constexpr std::uint32_t kRoots = 11;

    void write_roots() {
        const std::string_view exe = kExe;
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_GLOBAL FIELD(MA_KEY_ROOT_TO) "1" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_NAME) "g_index" FIELD(MA_KEY_ROOT_SYM_OFF) "0" FIELD(MA_KEY_ROOT_OBJ) << exe << FIELD(MA_KEY_ROOT_ADDR) "0x601000\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_GLOBAL FIELD(MA_KEY_ROOT_TO) "2" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_NAME) "g_cache" FIELD(MA_KEY_ROOT_SYM_OFF) "0" FIELD(MA_KEY_ROOT_OBJ) << exe << FIELD(MA_KEY_ROOT_ADDR) "0x601040\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_GLOBAL FIELD(MA_KEY_ROOT_TO) "2" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_NAME) "g_cache" FIELD(MA_KEY_ROOT_SYM_OFF) "8" FIELD(MA_KEY_ROOT_OBJ) << exe << FIELD(MA_KEY_ROOT_ADDR) "0x601048\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_GLOBAL FIELD(MA_KEY_ROOT_TO) "3" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_NAME) "g_sessions" FIELD(MA_KEY_ROOT_SYM_OFF) "0" FIELD(MA_KEY_ROOT_OBJ) << exe << FIELD(MA_KEY_ROOT_ADDR) "0x601080\n";
        write_frame(1000, "main", "main.cpp", 52, kExe);
        record() << MA_TAG_STACK FIELD(MA_KEY_STACK_ID) "1000" FIELD(MA_KEY_STACK_FRAMES) "1000\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_STACK FIELD(MA_KEY_ROOT_TO) "4" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_THREAD) "1" FIELD(MA_KEY_ROOT_STACK) "1000" FIELD(MA_KEY_ROOT_ADDR) "0x1ffefff100\n";
        write_frame(1001, "Worker::run()", "worker.cpp", 77, kExe);
        record() << MA_TAG_STACK FIELD(MA_KEY_STACK_ID) "1001" FIELD(MA_KEY_STACK_FRAMES) "1001\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_STACK FIELD(MA_KEY_ROOT_TO) "5" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_THREAD) "2" FIELD(MA_KEY_ROOT_STACK) "1001" FIELD(MA_KEY_ROOT_ADDR) "0x7f0000001000\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_REGISTER FIELD(MA_KEY_ROOT_TO) "6" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_THREAD) "1" FIELD(MA_KEY_ROOT_REG) "rbx\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_MAPPING FIELD(MA_KEY_ROOT_TO) "7" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_OBJ) FIELD(MA_KEY_ROOT_ADDR) "0x7f1000000000\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_MAPPING FIELD(MA_KEY_ROOT_TO) "8" FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_OBJ) "/opt/synthetic/cache.db" FIELD(MA_KEY_ROOT_ADDR) "0x7f2000000000\n";
        const std::uint32_t some_string = string_block();
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_REGISTER FIELD(MA_KEY_ROOT_TO) << std::uint64_t{some_string + 1} << FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_THREAD) "2" FIELD(MA_KEY_ROOT_REG) "rax\n";
        record() << MA_TAG_ROOT FIELD(MA_KEY_ROOT_KIND) MA_WORD_ROOT_KIND_STACK FIELD(MA_KEY_ROOT_TO) << std::uint64_t{some_string + 1}
                 << FIELD(MA_KEY_ROOT_TOFF) "0" FIELD(MA_KEY_ROOT_THREAD) "2" FIELD(MA_KEY_ROOT_STACK) "1001" FIELD(MA_KEY_ROOT_ADDR) "0x7f0000001008\n";
    }

    // Version 4 ends with the memory maps; the synthetic run made no mapping call, and has
    // no memory map.
    void write_map_events() {
        record() << MA_TAG_MAP_EVENTS;
#define MA_SYNTHETIC_ZERO(RECORD, KEY) out_ << FIELD(MA_KEY_##RECORD##_##KEY) "0";
        MA_TRACE_KEYS_MAP_EVENTS(MA_SYNTHETIC_ZERO)
#undef MA_SYNTHETIC_ZERO
        out_ << "\n";
    }

    std::uint32_t string_block() const {
        for (std::uint32_t block = heap_.blocks() / 2; block < heap_.blocks(); ++block)
            if (kind_of(block) == Kind::string) return block;
        return 0;
    }

    const Heap& heap_;
    Output& out_;
    std::uint64_t records_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: synthetic-trace BLOCKS OUTPUT\n");
        return 2;
    }
    const unsigned long long blocks = std::strtoull(argv[1], nullptr, 10);
    if (blocks < 100 || blocks > 100'000'000) {
        std::fprintf(stderr, "synthetic-trace: BLOCKS must be from 100 to 100000000\n");
        return 2;
    }
    std::FILE* file = std::fopen(argv[2], "wb");
    if (file == nullptr) {
        std::perror(argv[2]);
        return 1;
    }
    const Heap heap(static_cast<std::uint32_t>(blocks));
    {
        Output out(file);
        TraceWriter(heap, out).write();
    }
    if (std::fclose(file) != 0) {
        std::perror(argv[2]);
        return 1;
    }
    return 0;
}
