#include "history/markdown.h"

namespace memattr {

std::string markdown_code_cell(std::string_view text) {
    std::string cell = "`";
    for (const char c : text) {
        if (c == '|')
            cell += "\\|";
        else if (c == '\n' || c == '\r')
            cell += ' ';
        else if (c == '`')
            cell += '\'';
        else
            cell += c;
    }
    return cell + '`';
}

}  // namespace memattr
