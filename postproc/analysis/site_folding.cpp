#include "analysis/site_folding.h"

#include <map>
#include <set>
#include <unordered_map>

#include <algorithm>

#include <fmt/format.h>

#include "analysis/stable_key.h"
#include "trace/trace_escape.h"

namespace memattr {

const std::vector<RoleRule>& default_role_rules() {
    using enum FrameRole;
    using Field = RoleRule::Field;
    // Rust paths may carry a crate disambiguator (`alloc[1a2b3c4d]::raw_vec`) depending on
    // the demangler, hence the optional `\[[0-9a-f]+\]` after crate names. Non-inlined frames
    // carry full demangled names (function templates with their return type, hence the
    // optional leading words in the C++ namespace rule); inlined frames only their
    // unqualified name and a bare file name, hence the file rules.
    static const std::vector<RoleRule> rules = {
        // ---- the allocator
        // The tool's malloc replacement, whatever its functions are called.
        {allocator, Field::object, R"((^|/)vgpreload_[^/]*$)"},
        // C allocation functions (libc's own, when a program is linked statically).
        {allocator, Field::function,
         R"(^(malloc|calloc|realloc|reallocarray|free|memalign|posix_memalign|aligned_alloc|valloc|pvalloc)(\(|$))"},
        // C++ global operators new and delete: every overload, array forms included.
        {allocator, Field::function, R"(^operator (new|delete)\b)"},
        // libstdc++'s allocators and the allocation helpers of std::vector and std::string.
        {allocator, Field::function,
         R"(^(std::allocator|std::__new_allocator|__gnu_cxx::new_allocator|__gnu_cxx::__new_allocator)<)"},
        {allocator, Field::function, R"(^std::allocator_traits<.*>::allocate\b)"},
        {allocator, Field::function, R"(^std::_Vector_base<.*>::_M_allocate\b)"},
        {allocator, Field::function, R"(^std::(__cxx11::)?basic_string<.*>::_M_create\b)"},
        {allocator, Field::file, R"(^(new_allocator|alloc_traits|allocator)\.h$)"},
        // Rust's global allocator entry points, with or without the `__rustc::` prefix of
        // newer compilers.
        {allocator, Field::function, R"(^(__rustc::)?__(rust|rdl|rg)_(alloc|alloc_zeroed|realloc|dealloc)\b)"},
        // Rust's alloc::alloc (alloc, exchange_malloc, Global) and alloc::raw_vec (RawVec,
        // RawVecInner, finish_grow), as paths or qualified types such as
        // `<alloc::raw_vec::RawVecInner<A>>::grow_amortized`; std::alloc re-exports them.
        {allocator, Field::function, R"(^<?alloc(\[[0-9a-f]+\])?::(alloc|raw_vec)::)"},
        {allocator, Field::function, R"(^<?std(\[[0-9a-f]+\])?::alloc::)"},
        {allocator, Field::path, R"((^|/)library/alloc/src/(alloc\.rs|raw_vec))"},
        // Implementations of Rust's allocator traits: the #[global_allocator] (System,
        // jemalloc, ...) and Allocator for Global, in both demanglings' spellings.
        {allocator, Field::function,
         R"(^<.* as core(\[[0-9a-f]+\])?::alloc::(global::GlobalAlloc|Allocator)>::)"},
        {allocator, Field::function,
         R"(<impl core(\[[0-9a-f]+\])?::alloc::(global::GlobalAlloc|Allocator) for )"},

        // ---- libraries that allocate on the program's behalf
        // The C library, the dynamic loader and the C++ runtime (fopen's buffer,
        // pthread_create's thread-local storage, exception objects).
        {library, Field::object,
         R"((^|/)(libc|ld-linux[-_a-z0-9]*|libstdc\+\+|libc\+\+(abi)?|libgcc_s|libm|libpthread|libdl)\.so[.0-9]*$)"},
        // The C library's copy functions by name, for when they are not in a shared libc or
        // the tool's preload object (a statically linked program): copy stacks start with
        // them. Their internal variants (__memmove_avx_unaligned_erms) too.
        {library, Field::function,
         R"(^(__)?(mem(cpy|move|pcpy)|bcopy|wmem(cpy|move|pcpy)|st[rp]n?cpy|strn?cat|strn?dup)(_chk)?(@|\(|$))"},
        {library, Field::function,
         R"(^__(mem(cpy|move|pcpy)|wmem(cpy|move)|st[rp]n?cpy|strn?cat)_[a-z0-9_]+$)"},
        // The C++ standard library: its namespaces, and its headers for inlined frames
        // (libstdc++ names its internal headers stl_*.h and *.tcc).
        {library, Field::function, R"(^(([A-Za-z_][A-Za-z0-9_:]*[*&]* )+)?(std|__gnu_cxx|__cxxabiv1)::)"},
        {library, Field::path, R"((^|/)(include/c\+\+|c\+\+/v1)/|^__[a-z_]+/)"},
        {library, Field::file,
         R"(^(stl_[a-z_]+\.h|[a-z_]+\.tcc|(basic|cow)_string\.h|char_traits\.h|unique_ptr\.h|shared_ptr(_base|_atomic)?\.h|hashtable(_policy)?\.h|unordered_(map|set)\.h|std_function\.h|std_thread\.h|invoke\.h|move\.h|ptr_traits\.h|node_handle\.h|functional_hash\.h|regex[a-z_]*\.h|locale_[a-z_]+\.h)$)"},
        {library, Field::file,
         R"(^(algorithm|any|array|deque|forward_list|fstream|functional|future|list|map|memory|optional|queue|regex|set|sstream|stack|string|thread|tuple|unordered_map|unordered_set|variant|vector)$)"},
        // The Rust standard library: its crates, its traits implemented for primitive types
        // (`<str as alloc::string::ToString>`, not `<myapp::Tree as core::clone::Clone>`),
        // and its sources for inlined frames.
        {library, Field::function, R"(^<?(alloc|core|std)(\[[0-9a-f]+\])?::)"},
        {library, Field::function, R"(^<[^<>: ]+ as (alloc|core|std)(\[[0-9a-f]+\])?::)"},
        {library, Field::path, R"((^|/)library/(alloc|core|std)/src/)"},

        // ---- code generated for one of the program's types (copy stacks fold it)
        // Rust's Clone implementations: #[derive(Clone)]'s, whose debug lines are the derive's
        // and the fields', or a hand-written one; `<alloc::vec::Vec<T> as Clone>` and the
        // like are library code by the rules above. Non-inlined frames by their qualified
        // name in both demanglings' spellings, inlined ones by their bare name (`clone`,
        // `clone<T>`: a library's own is placed by its file).
        {generated, Field::function, R"( as core(\[[0-9a-f]+\])?::clone::Clone>::clone$)"},
        {generated, Field::function, R"(<impl core(\[[0-9a-f]+\])?::clone::Clone for .*>::clone$)"},
        {generated, Field::function, R"(^clone(<.*>)?$)"},
        // C++ copy constructors and copy assignments, implicit (the class's line) or written:
        // `ns::Rec::Rec(ns::Rec const&)`, `Box<int>::operator=(Box<int> const&)`. The standard
        // library's are library code by the rules above.
        {generated, Field::function,
         R"(^((?:[^(]*::)?([A-Za-z_]\w*)(?:<[^()]*>)?)::(?:\2|operator=)\(\1 const&\)$)"},
    };
    return rules;
}

std::regex compile_rule_pattern(const std::string& pattern) {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
}

namespace {

struct CompiledRule {
    FrameRole role;
    RoleRule::Field field;
    std::regex pattern;
    bool anchored;  // the pattern can only match at the subject's start (anchored_at_start)
};

// Whether every match of `pattern` starts at the subject's start: it begins with '^' and has
// no alternative outside a group that could match elsewhere (`^a|b`). std::regex_search
// otherwise tries every position of the subject, each failing at once on the '^': told that
// a match starts at the start, it tries one, which makes such rules tens of times cheaper on
// long C++ names.
bool anchored_at_start(const std::string& pattern) {
    if (pattern.empty() || pattern.front() != '^') return false;
    int depth = 0;
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') ++i;
        else if (in_class) in_class = c != ']';
        else if (c == '[') in_class = true;
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (c == '|' && depth == 0) return false;
    }
    return true;
}

CompiledRule compile_rule(FrameRole role, RoleRule::Field field, const std::string& pattern) {
    return {role, field, compile_rule_pattern(pattern), anchored_at_start(pattern)};
}

// The default rules, compiled once per process: compiling them costs more than classifying
// a small trace's frames, and the unit tests analyse thousands of small traces.
const std::vector<CompiledRule>& compiled_default_rules() {
    static const std::vector<CompiledRule> compiled = [] {
        std::vector<CompiledRule> rules;
        for (const RoleRule& rule : default_role_rules())
            rules.push_back(compile_rule(rule.role, rule.field, rule.pattern));
        return rules;
    }();
    return compiled;
}

std::vector<CompiledRule> compile_rules(const FoldingOptions& options) {
    std::vector<CompiledRule> compiled = compiled_default_rules();
    for (const std::string& pattern : options.extra_wrapper_patterns)
        compiled.push_back(compile_rule(FrameRole::allocator, RoleRule::Field::function, pattern));
    return compiled;
}

std::string field_of(const Frame& frame, RoleRule::Field field) {
    switch (field) {
    case RoleRule::Field::function: return frame.function;
    case RoleRule::Field::file: return frame.file;
    case RoleRule::Field::path: return source_path(frame);
    case RoleRule::Field::object: return frame.object;
    }
    return frame.function;
}

bool matches(const std::string& subject, const CompiledRule& rule) {
    const auto end =
        subject.begin() + static_cast<std::ptrdiff_t>(std::min(subject.size(), kMaxMatchedBytes));
    return std::regex_search(subject.begin(), end, rule.pattern,
                             rule.anchored ? std::regex_constants::match_continuous
                                           : std::regex_constants::match_default);
}

// A frame in no object and without a symbol: a word of the stack past its outermost real
// frame (the loader's start-up code leaves such words behind `_start`), or code generated at
// run time. Never the best name of a site while a frame with an object is on the stack, so it
// counts as a library's: a stack of loader and library frames alone is named after its
// innermost library frame ("libstdc++.so.6+0x9e7b9"), not "???".
bool outside_every_object(const Frame& frame) {
    return frame.function == "???" && frame.object.empty();
}

FrameRole classify(const Frame& frame, const std::vector<CompiledRule>& rules) {
    FrameRole role = FrameRole::program;
    for (const CompiledRule& rule : rules) {
        if (rule.role <= role || !matches(field_of(frame, rule.field), rule)) continue;
        role = rule.role;
        if (role == FrameRole::allocator) break;
    }
    return role;
}

}  // namespace

SiteFolder::SiteFolder(const Trace& trace, const FoldingOptions& options)
    : trace_(trace), frames_(std::make_shared<const std::vector<Frame>>(trace.frames)),
      max_frames_(options.max_frames) {
    const std::vector<CompiledRule> rules = compile_rules(options);
    // Frames of one function differ only in their address and line: classify each distinct
    // (object, file, function) once, since the rules read nothing else.
    std::unordered_map<std::string, FrameRole> role_of_place;
    roles_.reserve(trace.frames.size());
    for (const Frame& frame : trace.frames) {
        const std::string place = fmt::format("{}\x1f{}\x1f{}\x1f{}", frame.object, frame.dir,
                                              frame.file, frame.function);
        const auto [known, added] = role_of_place.try_emplace(place, FrameRole::program);
        if (added) known->second = outside_every_object(frame) ? FrameRole::library
                                                               : classify(frame, rules);
        roles_.push_back(known->second);
    }
    if (options.find_wrappers) find_wrappers();
}

namespace {

// What the sites whose site frame is one function say about it, for find_wrappers: a chain of
// calls, from that function outward, that every one of its sites shares, line for line, and
// the functions calling the chain's outermost frame.
// A frame's identity for find_wrappers: its function's name, or for a frame without a
// symbol (a stripped library's) its object and address, since every such frame of an object
// has the same name.
std::string wrapper_identity(const Frame& frame) {
    if (frame.function != "???") return frame.function;
    return fmt::format("{}@{:#x}", frame.object, frame.ip);
}

// A frame's place in a chain: a symbol's place, or an unnamed frame's identity.
PlaceKey chain_place(const Frame& frame) {
    if (frame.function != "???") return place_of(frame);
    return {wrapper_identity(frame), {}, {}, 0, frame.object};
}

struct WrapperEvidence {
    std::vector<PlaceKey> chain;         // the shared frames, site frame first
    std::size_t site_frame = 0;          // a frame index of the site frame
    std::set<std::string> callers;       // the functions calling chain.back()
    std::size_t sites = 0;
    bool shared = true;                  // every site had the same chain
};

}  // namespace

// Allocation wrappers are the program's own functions that only pass on what the allocator
// returned: xmalloc, jv_mem_alloc, sqlite3Malloc. Every site they serve would otherwise be
// named after them. The trace shows one by its shape: all of its sites allocate from the
// same line of it and it is called from many functions (at least kWrapperCallers), or it
// ends a chain of such calls. Such functions become allocator frames, as --ignore-fn would
// make them, and the report lists them.
void SiteFolder::find_wrappers() {
    // The sites whose frame may be a wrapper's: a function of the program (with a symbol, or
    // in a known object) that calls the allocator itself, not through library code.
    struct Candidate {
        std::string identity;  // wrapper_identity of the site frame
        const Stack* stack;
        std::size_t position;  // the site frame's in `stack`
    };
    std::vector<Candidate> candidates;
    std::map<std::string, WrapperEvidence> by_function;
    for (const Site& site : trace_.sites) {
        if (site.kind != SiteKind::malloc) continue;  // a custom allocator's stack starts in it
        const Stack& stack = trace_.stacks[site.stack];
        const FoldedStack folded = fold(stack);
        const Frame& frame = trace_.frames[folded.site_frame];
        if (roles_[folded.site_frame] > FrameRole::generated ||
            outside_every_object(frame) ||
            folded.library_position != folded.site_position || frame.inlined)
            continue;
        candidates.push_back({wrapper_identity(frame), &stack, folded.site_position});
        std::vector<PlaceKey> chain;
        for (std::size_t position = folded.site_position;
             position < stack.frames.size() && chain.size() < kWrapperChain; ++position)
            chain.push_back(chain_place(trace_.frames[stack.frames[position]]));
        WrapperEvidence& evidence = by_function[candidates.back().identity];
        if (evidence.sites++ == 0) {
            evidence.chain = chain;
            evidence.site_frame = folded.site_frame;
        }
        // Keep the part of the chain this site shares.
        std::size_t common = 0;
        while (common < chain.size() && common < evidence.chain.size() &&
               chain[common] == evidence.chain[common])
            ++common;
        evidence.chain.resize(common);
        if (common == 0) evidence.shared = false;
    }
    // Now that the shared chains are known: who calls each chain's links.
    std::map<std::string, std::vector<std::set<std::string>>> callers_by_depth;
    for (const Candidate& candidate : candidates) {
        const WrapperEvidence& evidence = by_function[candidate.identity];
        if (!evidence.shared) continue;
        auto& depths = callers_by_depth[candidate.identity];
        depths.resize(evidence.chain.size());
        const std::vector<std::uint32_t>& frames = candidate.stack->frames;
        for (std::size_t depth = 0; depth < depths.size(); ++depth) {
            const std::size_t caller = candidate.position + depth + 1;
            depths[depth].insert(caller < frames.size() ? wrapper_identity(trace_.frames[frames[caller]])
                                                        : std::string());
        }
    }
    std::set<std::string> wrapper_functions;
    for (const auto& [function, depths] : callers_by_depth) {
        const WrapperEvidence& evidence = by_function[function];
        for (std::size_t depth = 0; depth < depths.size(); ++depth) {
            if (depths[depth].size() < kWrapperCallers) continue;
            // The chain's links up to `depth` are wrappers: the outermost is called from many
            // places, the inner ones only through it.
            for (std::size_t link = 0; link <= depth; ++link)
                wrapper_functions.insert(std::get<0>(evidence.chain[link]));
            wrappers_.push_back(
                {trace_.frames[evidence.site_frame], depths[depth].size(), evidence.sites});
            break;
        }
    }
    if (wrapper_functions.empty()) return;
    for (std::size_t index = 0; index < trace_.frames.size(); ++index)
        if (wrapper_functions.count(wrapper_identity(trace_.frames[index])) != 0)
            roles_[index] = FrameRole::allocator;
    std::stable_sort(wrappers_.begin(), wrappers_.end(),
                     [](const FoundWrapper& a, const FoundWrapper& b) { return a.sites > b.sites; });
}

// An inlined frame whose file has no directory (debug information without one, or a trace
// written with a --fullpath-after that strips it) cannot be placed by its file: "alloc.rs"
// may be anyone's. Such a frame is taken to belong with the function it was inlined into,
// the next non-inlined frame of the stack: code inlined into the Rust standard library's
// precompiled functions is the library's own.
FrameRole SiteFolder::role_in_stack(const Stack& stack, std::size_t position) const {
    const std::size_t frame_index = stack.frames[position];
    const Frame& frame = trace_.frames[frame_index];
    const bool bare_file =
        !frame.file.empty() && frame.dir.empty() && frame.file.find('/') == std::string::npos;
    if (!frame.inlined || !bare_file) return roles_[frame_index];
    for (std::size_t outer = position + 1; outer < stack.frames.size(); ++outer) {
        if (trace_.frames[stack.frames[outer]].inlined) continue;
        return std::max(roles_[frame_index], roles_[stack.frames[outer]]);
    }
    return roles_[frame_index];
}

FoldedStack SiteFolder::fold(const Stack& stack, std::size_t allocator_frames) const {
    return fold_stack(stack, allocator_frames, false);
}

FoldedStack SiteFolder::fold_copy(const Stack& stack) const { return fold_stack(stack, 0, true); }

FoldedStack SiteFolder::fold_stack(const Stack& stack, std::size_t allocator_frames,
                                   bool fold_generated) const {
    FoldedStack folded;
    if (stack.frames.empty()) return folded;
    std::vector<FrameRole> roles;
    for (std::size_t position = 0; position < stack.frames.size(); ++position) {
        FrameRole role = position < allocator_frames ? FrameRole::allocator
                                                     : role_in_stack(stack, position);
        if (role == FrameRole::generated && !fold_generated) role = FrameRole::program;
        roles.push_back(role);
    }

    auto site = std::find(roles.begin(), roles.end(), FrameRole::program);
    // A copy made all inside libraries and generated code (a clone the runtime asked for) is
    // best named by the type's code.
    if (site == roles.end()) site = std::find(roles.begin(), roles.end(), FrameRole::generated);
    if (site == roles.end())
        site = std::find_if(roles.begin(), roles.end(),
                            [](FrameRole role) { return role != FrameRole::allocator; });
    if (site == roles.end()) site = std::prev(roles.end());

    const auto site_position = static_cast<std::size_t>(site - roles.begin());
    folded.site_frame = stack.frames[site_position];
    folded.site_position = site_position;
    const auto past_allocator = std::find_if(roles.begin(), site + 1, [](FrameRole role) {
        return role != FrameRole::allocator;
    });
    folded.library_position =
        std::min(site_position, static_cast<std::size_t>(past_allocator - roles.begin()));
    // Frames taken as the allocator by the caller's word do not count: only the rules say
    // that a call went through malloc.
    const auto first_ruled = roles.begin() + static_cast<std::ptrdiff_t>(
                                                 std::min(allocator_frames, site_position));
    folded.through_allocator = std::find(first_ruled, site, FrameRole::allocator) != site;
    const std::size_t available = stack.frames.size() - site_position;
    const std::size_t kept = std::min(available, max_frames_);
    const auto first = stack.frames.begin() + static_cast<std::ptrdiff_t>(site_position);
    folded.frames.assign(first, first + static_cast<std::ptrdiff_t>(kept));
    folded.omitted_frames = available - kept;
    return folded;
}

std::string source_path(const Frame& frame) {
    return frame.dir.empty() ? frame.file : frame.dir + "/" + frame.file;
}

PlaceKey place_of(const Frame& frame) {
    return {frame.function, frame.file, frame.dir, frame.line, frame.object};
}

// A frame without a symbol, by its place in its object: "libz.so.1+0x3f2a".
std::string object_place(const Frame& frame) {
    return fmt::format("{}+{:#x}", escape_value(base_name(frame.object)), frame.object_offset);
}

std::string describe_frame(const Frame& frame) {
    const std::string function = escape_value(frame.function);
    if (!frame.file.empty()) return fmt::format("{} ({})", function, describe_location(frame));
    if (frame.object_offset != 0)
        return fmt::format("{} (in {})", object_place(frame), escape_value(frame.object));
    if (!frame.object.empty())
        return fmt::format("{} (in {})", function, escape_value(frame.object));
    return function;
}

namespace {

// Function names up to this many bytes are shown whole in a one-line location.
constexpr std::size_t kReadableFunctionBytes = 60;

// Whether text[i] opens the symbol of an operator ("operator<", "operator()", "operator<<"):
// those brackets are the name, not arguments.
bool opens_operator_symbol(std::string_view text, std::size_t i) {
    std::string_view before = text.substr(0, i);
    while (!before.empty() && (before.back() == '<' || before.back() == '(' ||
                               before.back() == '=' || before.back() == '>'))
        before.remove_suffix(1);
    return before.ends_with("operator");
}

// The end of the bracket group that opens at text[open], or text.size() when unbalanced.
std::size_t matching_close(std::string_view text, std::size_t open) {
    const char open_char = text[open];
    const char close_char = open_char == '<' ? '>' : ')';
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        if (text[i] == open_char) ++depth;
        else if (text[i] == close_char && --depth == 0) return i;
    }
    return text.size();
}

}  // namespace

std::string readable_function(std::string_view function) {
    if (function.size() <= kReadableFunctionBytes) return std::string(function);
    std::string readable;
    for (std::size_t i = 0; i < function.size(); ++i) {
        const char c = function[i];
        const bool bracket = c == '<' || c == '(';
        if (!bracket || opens_operator_symbol(function, i) ||
            function.substr(i).starts_with("(anonymous namespace)")) {
            readable += c;
            continue;
        }
        readable += c == '<' ? "<…>" : "(…)";
        i = matching_close(function, i);
    }
    return readable;
}

std::string describe_location(const Frame& frame) {
    if (frame.file.empty() && frame.object_offset != 0) return object_place(frame);
    if (frame.file.empty()) return escape_value(readable_function(frame.function));
    if (frame.line == 0) return escape_value(frame.file);
    return fmt::format("{}:{}", escape_value(frame.file), frame.line);
}

}  // namespace memattr
