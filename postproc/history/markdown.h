// What the Markdown outputs (diff, check, trend) share: GitHub-flavoured Markdown, as a CI
// summary page ($GITHUB_STEP_SUMMARY) shows it.
#pragma once

#include <string>
#include <string_view>

namespace memattr {

// `text` as a table cell: a '|' would end the cell and a newline the row, so the first is
// escaped and the second becomes a space.
std::string markdown_cell(std::string_view text);

// `text` as a table cell in code style, so that C++ names such as std::vector<int> are not
// taken for HTML: "`std::vector<int>`". A '|' would end the cell and a newline the row, so
// the first is escaped and the second becomes a space; a backtick, which would end the code
// span, becomes a quote.
std::string markdown_code_cell(std::string_view text);

}  // namespace memattr
