// Site folding: from a raw allocation stack to the code a person should look at.
//
// The tool records every frame, the allocator's own included (docs/trace-format.md,
// `stack`). A report that said "malloc", "operator new" or "std::vector::_M_realloc_insert"
// for every site would not say who is responsible, so memattr-graph gives each frame a
// FrameRole and skips the allocator and library frames at the inner end of each stack: the
// first frame of the program's own code is the site's frame, and the stack shown starts
// there (the way Massif's --alloc-fn works, with the usual suspects built in).
//
// Copy stacks fold the same way, to the program code that made the copy: they start with the
// tool's memcpy-family replacement (in its preload object, so an allocator frame) or with
// library code (Vec::clone, std::string's constructor, libc's memcpy in a static program),
// then often with code generated for one of the program's types (a #[derive(Clone)], a C++
// implicit copy constructor), which every copy of the type runs: copy stacks fold that too
// (fold_copy), so a copy is the line that asked for it.
//
// Roles come from rules (default_role_rules(), plus --ignore-fn patterns as allocator
// rules) matched against a frame's demangled function name, its source file or its object
// file. Names alone do not suffice: Valgrind names inlined frames with their unqualified
// DWARF name ("allocate", "with_capacity_in<u64, alloc::alloc::Global>"), so the source
// file ("new_allocator.h", "library/alloc/src/raw_vec/mod.rs") has to say where the code
// came from.
#pragma once

#include <cstddef>
#include <limits>
#include <regex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "analysis/frame_list.h"
#include "trace/trace.h"

namespace memattr {

// Only this many leading bytes of a name or path are matched against the rules.
// libstdc++'s std::regex recurses once per character a repetition consumes: a pattern like
// `(a|b)*` overflows an 8 MiB stack on subjects of about 16 KiB, and of about 4 KiB under
// AddressSanitizer. Names this long are rare, and the default rules decide on the start of
// a name, so a prefix loses nothing that matters.
inline constexpr std::size_t kMaxMatchedBytes = 1024;

// What a frame is to folding. The order matters: folding skips allocator frames, then
// library frames, then (copy stacks only) generated frames, and stops at the program's own
// code; a frame that several rules match has the latest of their roles in this order.
enum class FrameRole {
    program,    // the program's own code: where sites are
    generated,  // the program's code that copies one of its types, which the compiler wrote or
                // every copy of the type runs: Rust's Clone implementations (#[derive(Clone)]
                // among them), C++ copy constructors and copy assignments. Copy stacks fold
                // it; allocation stacks keep it as the program's (a site is its allocating
                // line, and its stable key must not move)
    library,    // standard and system libraries allocating on the program's behalf
                // (std::vector::push_back, Vec::with_capacity, fopen, pthread_create)
    allocator,  // the allocator and its direct wrappers (malloc in the tool's preload
                // object, operator new, std::allocator, __rust_alloc, RawVec); --ignore-fn
};

// One classification rule: frames whose `field` matches the ECMAScript regex `pattern`
// (searched anywhere, so patterns anchor themselves) have at least `role`.
struct RoleRule {
    // `path` is the source file with its directory (`dir/file`, or `file` alone when the
    // trace gives no directory): rules about where code lives (a standard library's source
    // tree) look at it; `file` is the bare name.
    enum class Field { function, file, path, object };
    FrameRole role;
    Field field;
    std::string pattern;
};

// FoldingOptions::max_frames for every frame: the profile commands' default, so that a flame
// graph or a call tree reaches the program's entry points.
inline constexpr std::size_t kAllFrames = std::numeric_limits<std::size_t>::max();

struct FoldingOptions {
    std::vector<std::string> extra_wrapper_patterns;  // --ignore-fn: allocator function rules
    std::size_t max_frames = 6;                       // --frames: frames kept per stack
    bool find_wrappers = true;                        // --find-wrappers: fold the allocation
                                                      // wrappers SiteFolder finds (below)
};

// Callers from which a function (or a chain of them) must be called, each allocating from one
// line, for SiteFolder to take it as an allocation wrapper.
inline constexpr std::size_t kWrapperCallers = 4;
// The longest chain of wrappers found (sqlite3Malloc -> mallocWithAlarm -> sqlite3MemMalloc).
inline constexpr std::size_t kWrapperChain = 4;

// An allocation wrapper SiteFolder found and folded away as the allocator.
struct FoundWrapper {
    Frame frame;              // its frame at the allocating line (the chain's innermost)
    std::size_t callers = 0;  // the distinct functions that call it (or the chain it ends)
    std::size_t sites = 0;    // the sites it was the site frame of
};

// A stack after folding. Indexes are into Trace::frames.
struct FoldedStack {
    std::size_t site_frame = 0;       // see SiteFolder::fold
    std::size_t site_position = 0;    // the site frame's position in the stack: the folded
                                      // stack is the stack's frames from here on, all of them
    std::size_t library_position = 0; // the first frame past the allocator's: with the site
                                      // frame, or before it the library code the site called
                                      // (std::string, std::vector<char>::assign, fopen)
    std::vector<std::size_t> frames;  // from site_frame outward, at most max_frames
    std::size_t omitted_frames = 0;   // frames beyond max_frames, not in `frames`
    bool through_allocator = false;   // a frame the rules call the allocator was folded away:
                                      // the call went through it (a mapping glibc's malloc
                                      // made)
};

// A frame's place as a map key: function, file, directory, line and object, not its
// address, so that several instructions of one source line are one place.
using PlaceKey = std::tuple<std::string, std::string, std::string, std::uint64_t, std::string>;

PlaceKey place_of(const Frame& frame);

// The built-in rules; docs/memattr-graph.md lists them in words.
const std::vector<RoleRule>& default_role_rules();

// Compiles a rule pattern the way SiteFolder uses it; throws std::regex_error when it is not
// a valid ECMAScript regex (the command line validates --ignore-fn with this).
std::regex compile_rule_pattern(const std::string& pattern);

class SiteFolder {
public:
    // Classifies every frame of `trace` once, so folding a stack costs no regex matching.
    // `trace` must outlive the folder.
    SiteFolder(const Trace& trace, const FoldingOptions& options);

    // The role the rules give the frame at `frame_index` in Trace::frames.
    FrameRole role(std::size_t frame_index) const { return roles_[frame_index]; }

    // Trace::frames, copied once and shared by every row that names a frame (frame_list.h).
    const SharedFrames& shared_frames() const { return frames_; }

    // The allocation wrappers found (FoldingOptions::find_wrappers), most sites first.
    const std::vector<FoundWrapper>& wrappers() const { return wrappers_; }

    // The site frame is the first frame of the program's own code; failing that (an
    // allocation made entirely inside libraries, such as the C++ runtime's start-up), the
    // first frame that is not the allocator; failing that, the outermost frame.
    // The first `allocator_frames` frames count as allocator frames whatever the rules say:
    // a custom allocator's request stack starts in the custom allocator (trace format,
    // `site` `kind`), which is the program's own code.
    FoldedStack fold(const Stack& stack, std::size_t allocator_frames = 0) const;

    // A copy's stack folded as fold does, generated frames folded away too: the site frame
    // is the first frame of the program's own code that is not code generated for a type.
    FoldedStack fold_copy(const Stack& stack) const;

private:
    FrameRole role_in_stack(const Stack& stack, std::size_t position) const;
    FoldedStack fold_stack(const Stack& stack, std::size_t allocator_frames,
                           bool fold_generated) const;

    void find_wrappers();

    const Trace& trace_;
    SharedFrames frames_;
    std::vector<FrameRole> roles_;  // by index into Trace::frames
    std::size_t max_frames_;
    std::vector<FoundWrapper> wrappers_;
};

// The frame's source file with its directory: "dir/file", or "file" alone when the trace
// gives no directory (RoleRule::Field::path; callgrind's fl=). Not escaped.
std::string source_path(const Frame& frame);

// How a frame reads in a report: "fn (file:line)", or "fn (in /path/obj)" without debug
// information. Control bytes are escaped so a frame always prints on one line.
std::string describe_frame(const Frame& frame);

// A site's location in one short string: "file:line", or the function name without debug
// information (made readable). Escaped like describe_frame.
std::string describe_location(const Frame& frame);

// A function name fit for one line of a table: a long C++ signature loses its template
// arguments and parameters, "llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 4096ul,
// 4096ul, 128ul>::Allocate(unsigned long, llvm::Align)" -> "llvm::BumpPtrAllocatorImpl<…>::
// Allocate(…)"; names of up to 60 bytes are kept whole. Stacks and JSON keep the whole name.
std::string readable_function(std::string_view function);

}  // namespace memattr
