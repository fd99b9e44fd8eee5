// `memattr-graph diff`'s output: the comparison of two runs (diff.h) as text for people, JSON
// for scripts, or GitHub-flavoured Markdown for a CI summary page. Each leads with the
// totals side by side, then the rows that changed most.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "history/diff.h"

namespace memattr {

// "text", "json", "markdown".
const std::vector<std::string>& diff_formats();

// Writes `diff` in `format` (one of diff_formats()); at most `top` rows of each table in
// text and Markdown (0: every row), every row in JSON.
void write_diff(const RunDiff& diff, const std::string& format, std::size_t top, std::ostream& out);

}  // namespace memattr
