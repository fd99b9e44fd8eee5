#include "history/markdown.h"

#include <algorithm>

namespace memattr {

std::string markdown_cell(std::string_view text) {
    std::string cell;
    for (const char c : text) {
        if (c == '|')
            cell += "\\|";
        else if (c == '\n' || c == '\r')
            cell += ' ';
        else
            cell += c;
    }
    return cell;
}

std::string markdown_code_cell(std::string_view text) {
    std::string code(text);
    std::replace(code.begin(), code.end(), '`', '\'');
    return '`' + markdown_cell(code) + '`';
}

}  // namespace memattr
