// What the Graphviz DOT writers (the lineage graph, the ownership graph) share: the graph's
// opening lines, a site's node, and strings: every label and tooltip they emit goes through
// dot_string.
//
// Symbol and file names are data (design.md): whatever bytes they hold, they must neither
// end a quoted string early, nor be read by Graphviz as one of its escapes (`\N`, `\l`,
// `\n`), nor as an HTML entity (`&lt;`: Graphviz decodes entities in plain labels too), nor
// make Graphviz give up on the file's encoding (it reads UTF-8 and falls back to Latin-1,
// with a warning, at the first invalid sequence).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

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

// Function names longer than this are cut in node labels (C++ templates run to kilobytes);
// the node's tooltip has them whole.
inline constexpr std::size_t kMaxLabelNameBytes = 60;

// Opens digraph `name`: its label (`label`'s lines, at the top), then the fonts and shapes
// both graphs draw with. `graph_attributes`, when not empty, are more attributes of the
// graph, e.g. ", rankdir=\"LR\"". The caller writes the nodes and edges, then "}\n".
void write_graph_start(std::ostream& out, std::string_view name,
                       const std::vector<std::string>& label, std::string_view graph_attributes);

// The node of a site: "site3" for site id 3.
std::string site_node_name(const SiteRow& site);

// A site's node: `label`'s lines, and the site's stack as its tooltip.
void write_site_node(std::ostream& out, const SiteRow& site, const std::vector<std::string>& label);

// The first lines of a site's label: its function, cut short, and where it is.
std::vector<std::string> site_heading(const SiteRow& site);

}  // namespace memattr
