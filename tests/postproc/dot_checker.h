// A strict reader for the DOT that memattr-graph writes, for tests: it accepts the subset the
// lineage and ownership writers use (one digraph of node, edge and default-attribute
// statements), checks what Graphviz would otherwise misread, and returns the graph with its
// strings decoded.
//
// Checked, beyond balanced braces and brackets and terminated statements: every string is
// quoted and closed on its line; it holds no control byte and no invalid UTF-8; its only
// backslash escapes are `\"`, `\\` and the line break `\n` (Graphviz would expand `\N`, `\G`,
// `\L`... to names); its only `&` is `&amp;` (Graphviz decodes entities in labels); edges
// join declared nodes.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace memattr::test {

using DotAttributes = std::map<std::string, std::string>;  // name -> decoded value

struct DotEdge {
    std::string from;
    std::string to;
    DotAttributes attributes;
};

struct DotGraph {
    std::string name;
    DotAttributes graph;                         // `graph [...]`
    DotAttributes node_defaults;                 // `node [...]`
    DotAttributes edge_defaults;                 // `edge [...]`
    std::map<std::string, DotAttributes> nodes;  // by node name
    std::vector<DotEdge> edges;                  // in order
};

// Thrown with what is wrong and where (the byte offset).
class DotError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

DotGraph parse_dot(const std::string& text);

// `value`'s lines (split at the decoded line breaks).
std::vector<std::string> dot_lines(const std::string& value);

// Renders `dot_text` with Graphviz's `dot -Tsvg`; returns what it wrote on standard error
// (its warnings), or nullopt when it failed.
std::optional<std::string> render_with_graphviz(const std::string& dot_text);

}  // namespace memattr::test
