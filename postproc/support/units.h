// How quantities read in the text report: sizes in binary units next to exact byte counts,
// times with a decimal prefix on the trace's time unit, percentages with one decimal.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memattr {

// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t value);

// (1, "partial copy", "partial copies") -> "1 partial copy", (1000, ...) -> "1,000 partial
// copies".
std::string count_of(std::uint64_t count, std::string_view singular, std::string_view plural);

// (1, "block") -> "1 block", (2, "block") -> "2 blocks": nouns whose plural takes an "s".
std::string count_of(std::uint64_t count, std::string_view noun);

// 512 -> "512 B", 1572864 -> "1.50 MiB" (binary prefixes, two decimals).
std::string human_bytes(std::uint64_t bytes);

// human_bytes without trailing zeros, for sizes inside a sentence or a list: 4194304 ->
// "4 MiB", 13107200 -> "12.5 MiB", 1572864 -> "1.5 MiB", 512 -> "512 B".
std::string short_bytes(std::uint64_t bytes);

// A size as a person writes it: a whole number of bytes, or of KiB, MiB, GiB or TiB with the
// suffix K, M, G, T (also KiB, KB, kB, ...; case-insensitive; binary multiples, as ps and
// /proc/PID/status mean "kB"), optionally after one space: "14532K", "14532 kB", "2GiB",
// "1048576". Throws std::invalid_argument, with a message quoting `text`, for anything
// else or for a size beyond 64 bits.
std::uint64_t parse_size(std::string_view text);

// 512 -> "512 bytes", 1572864 -> "1.50 MiB (1,572,864 bytes)": the readable size and the
// exact one, so a reader can both skim and compare against other tools.
std::string bytes_with_exact(std::uint64_t bytes);

// bytes_with_exact of a change's magnitude with its sign before both figures, so that the
// exact one cannot be read as a change the other way: ("-", 28662935) -> "-27.34 MiB
// (-28,662,935 bytes)", ("+", 512) -> "+512 bytes".
std::string bytes_with_exact(std::string_view sign, std::uint64_t bytes);

// (12345678, "instr") -> "12.3 Minstr", (850, "instr") -> "850 instr" (decimal prefixes).
std::string human_time(std::uint64_t time, std::string_view unit);

// Bytes x time, the cost of keeping memory for a while, read the way "GB-hours" are:
// (2100000000000, "instr") -> "2.1 TB-instr", (512, "instr") -> "512 B-instr". Decimal
// prefixes, as the time axis has them.
std::string human_byte_time(std::uint64_t byte_time, std::string_view time_unit);

// a + b, or the largest value when that does not fit: sums of figures from a genuine trace
// stay far below it, but a forged trace must give a wrong figure, never a wrapped one.
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);

// |a - b|, without going through a signed type.
std::uint64_t absolute_difference(std::uint64_t a, std::uint64_t b);

// after - before as a signed figure, held at the int64 limits.
std::int64_t signed_change(std::uint64_t after, std::uint64_t before);

// numerator / denominator, and 0 when there is nothing to divide by (a site without
// blocks has no mean, an empty program no shares).
double ratio(std::uint64_t numerator, std::uint64_t denominator);

// `part` as a percentage of `whole`; 0 for an empty whole.
double percent_of(std::uint64_t part, std::uint64_t whole);

// 74.94 -> "74.9%"; a share too small to show, 0.003 -> "<0.1%".
std::string format_percent(double percent);

}  // namespace memattr
