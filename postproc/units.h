// How quantities read in the text report: sizes in binary units next to exact byte counts,
// times with a decimal prefix on the trace's time unit, percentages with one decimal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace memattr {

// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t value);

// 512 -> "512 B", 1572864 -> "1.50 MiB" (binary prefixes, two decimals).
std::string human_bytes(std::uint64_t bytes);

// 512 -> "512 bytes", 1572864 -> "1.50 MiB (1,572,864 bytes)": the readable size and the
// exact one, so a reader can both skim and compare against other tools.
std::string bytes_with_exact(std::uint64_t bytes);

// (12345678, "instr") -> "12.3 Minstr", (850, "instr") -> "850 instr" (decimal prefixes).
std::string human_time(std::uint64_t time, std::string_view unit);

// 74.94 -> "74.9%"; a share too small to show, 0.003 -> "<0.1%".
std::string format_percent(double percent);

}  // namespace memattr
