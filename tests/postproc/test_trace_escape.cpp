// The value escaping of docs/trace-format.md: what is escaped, that decoding inverts
// encoding for every byte, and that anything outside the defined escapes is refused.

#include <random>

#include <gtest/gtest.h>

#include "trace/trace_escape.h"

namespace memattr {
namespace trace_escape_tests {

TEST(TraceEscape, EscapesOnlyBackslashAndControlBytes) {
    EXPECT_EQ(escape_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_value("a\tb\nc\rd"), "a\\tb\\nc\\rd");
    EXPECT_EQ(escape_value(std::string("\x01\x1f", 2)), "\\x01\\x1f");
    EXPECT_EQ(escape_value(std::string("nul\0", 4)), "nul\\x00");
    // Everything else is data and passes unchanged: quotes, spaces, '=', DEL, UTF-8.
    const std::string data = "operator\"\" _kb(a=b) \x7f \xc3\xa9";
    EXPECT_EQ(escape_value(data), data);
}

TEST(TraceEscape, DecodesEveryDefinedEscape) {
    EXPECT_EQ(unescape_value("tab\\there"), "tab\there");
    EXPECT_EQ(unescape_value("\\\\\\n\\r"), "\\\n\r");
    EXPECT_EQ(unescape_value("\\x1b[0m"), "\x1b[0m");
    EXPECT_EQ(unescape_value("\\x1F"), "\x1f");  // either case of hex digit
    EXPECT_EQ(unescape_value(""), "");
}

TEST(TraceEscape, RoundTripsEveryByte) {
    std::string all_bytes;
    for (int byte = 0; byte < 256; ++byte) all_bytes += static_cast<char>(byte);
    EXPECT_EQ(unescape_value(escape_value(all_bytes)), all_bytes);

    std::mt19937 random(12345);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 64);
    for (int round = 0; round < 500; ++round) {
        std::string raw;
        for (int i = length(random); i > 0; --i) raw += static_cast<char>(byte(random));
        const std::string escaped = escape_value(raw);
        EXPECT_EQ(escaped.find_first_of("\t\n\r"), std::string::npos);
        EXPECT_EQ(unescape_value(escaped), raw);
    }
}

TEST(TraceEscape, RefusesEscapesTheFormatDoesNotDefine) {
    EXPECT_THROW(unescape_value("\\q"), MalformedEscape);
    EXPECT_THROW(unescape_value("end\\"), MalformedEscape);
    EXPECT_THROW(unescape_value("\\x4"), MalformedEscape);
    EXPECT_THROW(unescape_value("\\xg0"), MalformedEscape);
    EXPECT_THROW(unescape_value("\\x41"), MalformedEscape);  // 'A' is not a control byte
    EXPECT_THROW(unescape_value("\\u0041"), MalformedEscape);
}

TEST(TraceEscape, ErrorMessagesNameTheEscape) {
    try {
        unescape_value("a\\qb");
        FAIL() << "no exception";
    } catch (const MalformedEscape& error) {
        EXPECT_STREQ(error.what(), "unknown escape '\\q'");
    }
}

}  // namespace trace_escape_tests
}  // namespace memattr
