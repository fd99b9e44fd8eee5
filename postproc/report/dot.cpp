#include "report/dot.h"

#include <ostream>

#include <fmt/format.h>

#include "trace/trace_escape.h"

namespace memattr {

namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xc0) == 0x80; }

// The length of the valid UTF-8 sequence starting at `text[at]` (a byte of 0x80 or more),
// or 0 when it is not one: RFC 3629, without overlong forms or surrogates.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) second_min = 0xa0;  // overlong
        if (lead == 0xed) second_max = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) second_min = 0x90;  // overlong
        if (lead == 0xf4) second_max = 0x8f;  // beyond U+10FFFF
    } else {
        return 0;
    }
    if (at + length > text.size() || byte(1) < second_min || byte(1) > second_max) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (!is_continuation(byte(i))) return 0;
    return length;
}

// How a byte that must not appear as itself reads: as in the trace's escaping, with the
// backslash doubled for DOT.
std::string escaped_byte(unsigned char byte) {
    switch (byte) {
    case '\t': return "\\\\t";
    case '\n': return "\\\\n";
    case '\r': return "\\\\r";
    default: return fmt::format("\\\\x{:02x}", byte);
    }
}

}  // namespace

std::string dot_escape(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '"' || byte == '\\') {
            escaped += '\\';
            escaped += text[i];
        } else if (byte == '&') {
            escaped += "&amp;";
        } else if (byte < 0x20 || byte == 0x7f) {
            escaped += escaped_byte(byte);
        } else if (byte < 0x80) {
            escaped += text[i];
        } else if (const std::size_t length = utf8_sequence_length(text, i); length != 0) {
            escaped += text.substr(i, length);
            i += length - 1;
        } else {
            escaped += escaped_byte(byte);
        }
    }
    return escaped;
}

std::string shortened(std::string text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    while (cut > 0 && is_continuation(static_cast<unsigned char>(text[cut]))) --cut;
    text.resize(cut);
    return text + "...";
}

std::string dot_string(const std::vector<std::string>& lines) {
    std::string quoted = "\"";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) quoted += "\\n";
        quoted += dot_escape(lines[i]);
    }
    return quoted + "\"";
}

void write_graph_start(std::ostream& out, std::string_view name,
                       const std::vector<std::string>& label, std::string_view graph_attributes) {
    out << "digraph " << name << " {\n";
    out << fmt::format("  graph [label={}, labelloc=\"t\", fontname=\"Helvetica\", "
                       "fontsize=12{}];\n",
                       dot_string(label), graph_attributes);
    out << "  node [shape=\"box\", style=\"rounded\", fontname=\"Helvetica\", fontsize=10];\n";
    out << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
}

std::string site_node_name(const SiteRow& site) { return fmt::format("site{}", site.figures.id); }

void write_site_node(std::ostream& out, const SiteRow& site, const std::vector<std::string>& label) {
    out << fmt::format("  {} [label={}, tooltip={}];\n", site_node_name(site), dot_string(label),
                       dot_string(site_stack_lines(site)));
}

std::vector<std::string> site_heading(const SiteRow& site) {
    const Frame& frame = site.location;
    return {shortened(escape_value(frame.function), kMaxLabelNameBytes),
            frame.file.empty() ? fmt::format("in {}", escape_value(frame.object))
                               : describe_location(frame)};
}

}  // namespace memattr
