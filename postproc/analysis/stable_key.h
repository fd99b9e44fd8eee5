// Stable keys: a name for a site or a finding that survives a rebuild of the program, so
// that a nightly job can match tonight's sites with last night's.
//
// Site ids are the tool's numbering of one run; addresses move with every link; directories
// differ between build trees; lines shift with every edit above them. What stays is the
// code's shape: which functions called which, in which source files or objects. A site's key
// is therefore built from its folded stack (the site's frame and all its callers, however
// many --frames shows), with the library frames folding removed before it (they tell a
// std::string built on a line from a std::vector grown on the next), as function names and the base names of their files (or objects,
// without debug information), and a finding's key from its kind and the keys or frames it
// is about. The text is hashed to 16 hex digits: the keys are identifiers, the labels beside
// them are for people.
//
// What a key cannot survive: a change of the stack itself (a function renamed or moved to
// another file, a call added or removed on the way to the allocation), and frames that an
// optimisation level adds or removes (a tail call turned into a jump drops its caller's
// frame). Inlined frames are kept as frames (the tool reads inline information), so inlining
// alone changes no key; GCC's clone suffixes (" [clone .constprop.0]") and Rust's symbol
// hashes ("::h0123456789abcdef") are dropped.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "trace/trace.h"

namespace memattr {

// A file's or an object's name without its directory: "/usr/lib/libz.so.1" -> "libz.so.1".
std::string_view base_name(std::string_view path);

// The part of a frame that survives a rebuild: "function@file" (base names; the object's
// base name when the frame has no file). E.g. "Cache::insert(Doc const&)@cache.cpp".
std::string stable_frame_text(const Frame& frame);

// The key of the sites whose stacks, from the first frame past the allocator's to the
// outermost, are `frames`.
std::string site_key(const std::vector<const Frame*>& frames);

// The key of a finding of `kind` (e.g. "leak", "clone") about `parts`: other keys, the
// stable text of frames, category words.
std::string finding_key(std::string_view kind, std::initializer_list<std::string_view> parts);

}  // namespace memattr
