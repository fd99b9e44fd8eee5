// The value escaping of the trace format (docs/trace-format.md, "Lexical rules").
//
// Trace values are data (symbol names, file names, the command line) and may hold any byte;
// only the bytes that would break the line/field structure are escaped. The same escaping
// makes a value safe to print on one line of a text report, which is why the text reporter
// uses escape_value too.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace memattr {

// Thrown by unescape_value; the trace reader adds the file and line.
class MalformedEscape : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// `\\` for a backslash, `\t`, `\n`, `\r`, and `\xHH` (lowercase) for other bytes below 0x20.
std::string escape_value(std::string_view raw);

// The inverse of escape_value. Accepts exactly the escapes the format defines (`\xHH` only
// for bytes below 0x20, in either case of hex digit) and throws MalformedEscape otherwise.
std::string unescape_value(std::string_view escaped);

}  // namespace memattr
