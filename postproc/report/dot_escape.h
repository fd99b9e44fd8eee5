// Strings in Graphviz DOT: every label and tooltip a DOT writer emits goes through here.
//
// Symbol and file names are data (design.md): whatever bytes they hold, they must neither
// end a quoted string early, nor be read by Graphviz as one of its escapes (`\N`, `\l`,
// `\n`), nor as an HTML entity (`&lt;`: Graphviz decodes entities in plain labels too), nor
// make Graphviz give up on the file's encoding (it reads UTF-8 and falls back to Latin-1,
// with a warning, at the first invalid sequence).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memattr {

// `text` made safe inside a DOT quoted string, shown as it reads in the text report: `"`
// and `\` are escaped, `&` becomes `&amp;`, control bytes and DEL show as `\t`, `\n`, `\r`
// or `\xHH`, as do bytes that are not part of valid UTF-8. Valid UTF-8 passes unchanged.
std::string dot_escape(std::string_view text);

// `text` cut to about `limit` bytes with "...", never inside a UTF-8 sequence: C++ template
// names run to kilobytes, too long for a node's label (its tooltip has them whole).
std::string shortened(std::string text, std::size_t limit);

// A quoted DOT string showing `lines` one under the other (centred): each escaped with
// dot_escape, joined by DOT's `\n` line break.
std::string dot_string(const std::vector<std::string>& lines);

}  // namespace memattr
