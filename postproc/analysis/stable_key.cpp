#include "analysis/stable_key.h"

#include <cstdint>

#include <fmt/format.h>

namespace memattr {

namespace {

// The function's name without what the compiler adds to a copy of the same function:
// GCC's clones ("f(int) [clone .isra.0] [clone .cold]") and Rust's legacy symbol hash
// ("app::load::h0123456789abcdef").
std::string_view without_build_suffixes(std::string_view function) {
    const std::size_t clone = function.find(" [clone ");
    if (clone != std::string_view::npos) function = function.substr(0, clone);
    constexpr std::size_t kRustHash = 19;  // "::h" and 16 hex digits
    if (function.size() > kRustHash) {
        const std::string_view tail = function.substr(function.size() - kRustHash);
        if (tail.starts_with("::h") &&
            tail.substr(3).find_first_not_of("0123456789abcdef") == std::string_view::npos)
            function = function.substr(0, function.size() - kRustHash);
    }
    return function;
}

// Where `text` would end without its trailing parameter list, e.g. "ns::f<int>(long) const"
// -> "ns::f<int>". Only a last ')' closing a group that does not follow "operator" (the name
// of operator() itself) is a parameter list.
std::string_view without_parameters(std::string_view text) {
    const std::size_t close = text.rfind(')');
    if (close == std::string_view::npos) return text;
    int depth = 0;
    for (std::size_t i = close + 1; i-- > 0;) {
        if (text[i] == ')') ++depth;
        if (text[i] == '(' && --depth == 0) {
            if (text.substr(0, i).ends_with("operator")) return text;
            return text.substr(0, i);
        }
    }
    return text;
}

// The unqualified name of a function without its template arguments, parameters or
// return type: "std::_Rb_tree<...>::_M_emplace_hint_unique<...>(...)" and the DWARF name
// of the same function inlined, "_M_emplace_hint_unique<...>", are both
// "_M_emplace_hint_unique". Valgrind names a function one way or the other depending on
// whether the compiler inlined it, which an optimisation level changes.
std::string_view function_base_name(std::string_view function) {
    const std::string_view name = without_parameters(without_build_suffixes(function));
    // The last component at template depth 0: after the last "::" or space (a return type).
    std::size_t start = 0;
    int depth = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (name.substr(start, i - start).starts_with("operator")) break;  // "operator<"
        if (c == '<') ++depth;
        else if (c == '>' && depth > 0) --depth;
        else if (depth == 0 && c == ' ') start = i + 1;
        else if (depth == 0 && c == ':' && i + 1 < name.size() && name[i + 1] == ':') start = i + 2;
    }
    std::string_view base = name.substr(start);
    if (!base.starts_with("operator")) base = base.substr(0, base.find('<'));
    return base.empty() ? name : base;
}

// 64-bit FNV-1a: small, fixed across platforms and releases (a key stored in the history
// database must mean the same thing to the next version of memattr-graph).
std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char byte : text) {
        hash ^= static_cast<unsigned char>(byte);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string hex_key(std::string_view text) { return fmt::format("{:016x}", fnv1a(text)); }

}  // namespace

std::string_view base_name(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string stable_frame_text(const Frame& frame) {
    const std::string_view where = frame.file.empty() ? frame.object : frame.file;
    return fmt::format("{}@{}", function_base_name(frame.function), base_name(where));
}

std::string site_key(const std::vector<const Frame*>& frames) {
    std::string text = "site";
    for (const Frame* frame : frames) {
        text += '\n';  // a separator no demangled name or file name holds
        text += stable_frame_text(*frame);
    }
    return hex_key(text);
}

std::string finding_key(std::string_view kind, std::initializer_list<std::string_view> parts) {
    std::string text(kind);
    for (const std::string_view part : parts) {
        text += '\n';
        text += part;
    }
    return hex_key(text);
}

}  // namespace memattr
