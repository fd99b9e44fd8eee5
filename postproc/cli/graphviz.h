// Drawing a DOT graph with Graphviz's `dot`, for the HTML report's graphs. Graphviz is an
// optional program, not a library: without it the page lists the graphs' edges instead.
#pragma once

#include <string>

namespace memattr {

// The drawing of `dot_text` as SVG by `dot -Tsvg`. On failure (no `dot` on PATH, or it
// failed) returns an empty string and sets `why_not` to a sentence for the page.
std::string draw_svg(const std::string& dot_text, std::string& why_not);

}  // namespace memattr
