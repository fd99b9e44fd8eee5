#include "support/units.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace memattr {

std::string group_digits(std::uint64_t value) {
    const std::string digits = std::to_string(value);
    std::string grouped;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
        grouped += digits[i];
    }
    return grouped;
}

std::string count_of(std::uint64_t count, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", group_digits(count), count == 1 ? singular : plural);
}

std::string count_of(std::uint64_t count, std::string_view noun) {
    return count_of(count, noun, fmt::format("{}s", noun));
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr std::array<std::string_view, 6> kPrefixes = {"KiB", "MiB", "GiB",
                                                                  "TiB", "PiB", "EiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double scaled = static_cast<double>(bytes) / 1024;
    std::size_t prefix = 0;
    // Compare with the rounding threshold so that 1048575 bytes reads "1.00 MiB", not
    // "1024.00 KiB"; likewise in human_time.
    while (scaled >= 1023.995 && prefix + 1 < kPrefixes.size()) {
        scaled /= 1024;
        ++prefix;
    }
    return fmt::format("{:.2f} {}", scaled, kPrefixes[prefix]);
}

std::string short_bytes(std::uint64_t bytes) {
    std::string text = human_bytes(bytes);
    const std::size_t point = text.find('.');
    if (point == std::string::npos) return text;
    const std::size_t space = text.find(' ', point);
    std::size_t end = space;
    while (text[end - 1] == '0') --end;
    if (text[end - 1] == '.') --end;
    return text.erase(end, space - end);
}

namespace {

// How many bytes one unit of `suffix` is ("K", "KiB", "kb", ...); 0 for an unknown suffix.
std::uint64_t unit_multiplier(std::string_view suffix) {
    std::string lower;
    for (const char c : suffix) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.empty() || lower == "b") return 1;
    static constexpr std::string_view kPrefixes = "kmgt";
    const std::size_t prefix = kPrefixes.find(lower.front());
    if (prefix == std::string_view::npos) return 0;
    const std::string_view rest = std::string_view(lower).substr(1);
    if (!rest.empty() && rest != "b" && rest != "ib") return 0;
    return std::uint64_t{1} << (10 * (prefix + 1));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
    const auto invalid = [&](std::string_view why) {
        return std::invalid_argument(fmt::format("'{}' is not a size: {}", text, why));
    };
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (end == text.data() || (error != std::errc{} && error != std::errc::result_out_of_range))
        throw invalid("expected a whole number of bytes, or of K, M or G (KiB, MiB, GiB), "
                      "such as 14532K");
    std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (suffix.starts_with(' ')) suffix.remove_prefix(1);
    const std::uint64_t multiplier = unit_multiplier(suffix);
    if (multiplier == 0)
        throw invalid(fmt::format("unknown unit '{}' (use K, M, G or T, or KiB, MiB, GiB, TiB)",
                                  suffix));
    if (error == std::errc::result_out_of_range || number > UINT64_MAX / multiplier)
        throw invalid("too large");
    return number * multiplier;
}

std::string bytes_with_exact(std::uint64_t bytes) { return bytes_with_exact("", bytes); }

std::string bytes_with_exact(std::string_view sign, std::uint64_t bytes) {
    if (bytes < 1024) return fmt::format("{}{} {}", sign, bytes, bytes == 1 ? "byte" : "bytes");
    return fmt::format("{0}{1} ({0}{2} bytes)", sign, human_bytes(bytes), group_digits(bytes));
}

std::string human_time(std::uint64_t time, std::string_view unit) {
    static constexpr std::array<std::string_view, 6> kPrefixes = {"k", "M", "G", "T", "P", "E"};
    if (time < 1000) return fmt::format("{} {}", time, unit);
    double scaled = static_cast<double>(time) / 1000;
    std::size_t prefix = 0;
    while (scaled >= 999.95 && prefix + 1 < kPrefixes.size()) {
        scaled /= 1000;
        ++prefix;
    }
    return fmt::format("{:.1f} {}{}", scaled, kPrefixes[prefix], unit);
}

std::string human_byte_time(std::uint64_t byte_time, std::string_view time_unit) {
    return human_time(byte_time, fmt::format("B-{}", time_unit));
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

std::uint64_t absolute_difference(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

std::int64_t signed_change(std::uint64_t after, std::uint64_t before) {
    constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
    if (after >= before) return static_cast<std::int64_t>(std::min(after - before, kMax));
    return -static_cast<std::int64_t>(std::min(before - after, kMax));
}

double ratio(std::uint64_t numerator, std::uint64_t denominator) {
    return denominator == 0 ? 0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

double percent_of(std::uint64_t part, std::uint64_t whole) { return 100 * ratio(part, whole); }

std::string format_percent(double percent) {
    // A share that rounds to 0.0% is still not nothing.
    if (percent > 0 && percent < 0.05) return "<0.1%";
    return fmt::format("{:.1f}%", percent);
}

}  // namespace memattr
