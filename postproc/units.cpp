#include "units.h"

#include <array>

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

std::string bytes_with_exact(std::uint64_t bytes) {
    if (bytes < 1024) return fmt::format("{} {}", bytes, bytes == 1 ? "byte" : "bytes");
    return fmt::format("{} ({} bytes)", human_bytes(bytes), group_digits(bytes));
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
