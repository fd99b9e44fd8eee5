#include "trace/trace_escape.h"

#include <fmt/format.h>

namespace memattr {

namespace {

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes the `\xHH` escape whose two digits start at `digits`; returns the byte.
char decode_hex_escape(std::string_view digits) {
    if (digits.size() < 2) throw MalformedEscape("incomplete '\\x' escape at the end of a value");
    const int high = hex_digit_value(digits[0]);
    const int low = hex_digit_value(digits[1]);
    if (high < 0 || low < 0)
        throw MalformedEscape(fmt::format("malformed escape '\\x{}' (expected two hex digits)",
                                          escape_value(digits.substr(0, 2))));
    const int byte = high * 16 + low;
    if (byte >= 0x20)
        throw MalformedEscape(fmt::format(
            "escape '\\x{}' is not allowed: '\\xHH' is only for bytes below 0x20",
            digits.substr(0, 2)));
    return static_cast<char>(byte);
}

}  // namespace

std::string escape_value(std::string_view raw) {
    std::string escaped;
    escaped.reserve(raw.size());
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '\\': escaped += "\\\\"; break;
        case '\t': escaped += "\\t"; break;
        case '\n': escaped += "\\n"; break;
        case '\r': escaped += "\\r"; break;
        default:
            if (byte < 0x20)
                escaped += fmt::format("\\x{:02x}", byte);
            else
                escaped += c;
        }
    }
    return escaped;
}

std::string unescape_value(std::string_view escaped) {
    std::string raw;
    raw.reserve(escaped.size());
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] != '\\') {
            raw += escaped[i];
            continue;
        }
        if (++i == escaped.size()) throw MalformedEscape("lone backslash at the end of a value");
        switch (escaped[i]) {
        case '\\': raw += '\\'; break;
        case 't': raw += '\t'; break;
        case 'n': raw += '\n'; break;
        case 'r': raw += '\r'; break;
        case 'x':
            raw += decode_hex_escape(escaped.substr(i + 1));
            i += 2;
            break;
        default:
            throw MalformedEscape(fmt::format("unknown escape '\\{}'",
                                              escape_value(escaped.substr(i, 1))));
        }
    }
    return raw;
}

}  // namespace memattr
