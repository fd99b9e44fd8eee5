// How quantities are written in the text report.

#include <cstdint>

#include <gtest/gtest.h>

#include "report/layout.h"
#include "support/glibc_chunk.h"
#include "support/units.h"

namespace memattr {
namespace units_tests {

// The values malloc_usable_size gives under glibc 2.36 on x86-64 (docs/accuracy.md).
TEST(Units, GlibcUsableSizeIsTheChunkLessItsHeader) {
    EXPECT_EQ(glibc_usable_size(0), 24u);     // the smallest chunk, 32 bytes
    EXPECT_EQ(glibc_usable_size(1), 24u);
    EXPECT_EQ(glibc_usable_size(24), 24u);
    EXPECT_EQ(glibc_usable_size(25), 40u);    // 25 + 8 rounded up to 48
    EXPECT_EQ(glibc_usable_size(40), 40u);
    EXPECT_EQ(glibc_usable_size(41), 56u);
    EXPECT_EQ(glibc_usable_size(1024), 1032u);
    EXPECT_EQ(glibc_usable_size(4096), 4104u);
    EXPECT_EQ(glibc_usable_size(100000), 100008u);
    // from 128 KiB, a mapping of its own: whole pages less a 16-byte header
    EXPECT_EQ(glibc_usable_size(200000), 200688u);
    EXPECT_EQ(glibc_usable_size(135145), 139248u);  // its chunk, 135,168, + 8 passes a page
}

TEST(Units, GroupsDigits) {
    EXPECT_EQ(group_digits(0), "0");
    EXPECT_EQ(group_digits(999), "999");
    EXPECT_EQ(group_digits(1000), "1,000");
    EXPECT_EQ(group_digits(1572864), "1,572,864");
    EXPECT_EQ(group_digits(UINT64_MAX), "18,446,744,073,709,551,615");
}

TEST(Units, HumanBytes) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
    EXPECT_EQ(human_bytes(1024), "1.00 KiB");
    EXPECT_EQ(human_bytes(1572864), "1.50 MiB");
    EXPECT_EQ(human_bytes(1048575), "1.00 MiB");  // not "1024.00 KiB"
    EXPECT_EQ(human_bytes(UINT64_MAX), "16.00 EiB");
}

TEST(Units, ShortBytesDropTrailingZeros) {
    EXPECT_EQ(short_bytes(0), "0 B");
    EXPECT_EQ(short_bytes(512), "512 B");
    EXPECT_EQ(short_bytes(4194304), "4 MiB");
    EXPECT_EQ(short_bytes(13107200), "12.5 MiB");
    EXPECT_EQ(short_bytes(16909312), "16.13 MiB");
    EXPECT_EQ(short_bytes(1048575), "1 MiB");
    EXPECT_EQ(short_bytes(10240), "10 KiB");  // the integer part keeps its zero
}

TEST(Units, SaturatingAndSignedArithmetic) {
    EXPECT_EQ(saturating_add(2, 3), 5u);
    EXPECT_EQ(saturating_add(UINT64_MAX - 1, 3), UINT64_MAX);
    EXPECT_EQ(signed_change(5, 3), 2);
    EXPECT_EQ(signed_change(3, 5), -2);
    EXPECT_EQ(signed_change(UINT64_MAX, 0), INT64_MAX);
    EXPECT_EQ(signed_change(0, UINT64_MAX), -INT64_MAX);
}

TEST(Units, BytesWithExact) {
    EXPECT_EQ(bytes_with_exact(1), "1 byte");
    EXPECT_EQ(bytes_with_exact(512), "512 bytes");
    EXPECT_EQ(bytes_with_exact(1572864), "1.50 MiB (1,572,864 bytes)");
}

// A change's exact figure carries its sign too: "-27.34 MiB (28,662,935 bytes)" read as a
// loss of 27 MiB next to a gain of 28 million bytes.
TEST(Units, SignedBytesSignBothFigures) {
    EXPECT_EQ(signed_bytes(-28662935), "-27.34 MiB (-28,662,935 bytes)");
    EXPECT_EQ(signed_bytes(1048576), "+1.00 MiB (+1,048,576 bytes)");
    EXPECT_EQ(signed_bytes(-512), "-512 bytes");
    EXPECT_EQ(signed_bytes(0), "0 bytes");
    EXPECT_EQ(signed_bytes(INT64_MIN), "-8.00 EiB (-9,223,372,036,854,775,808 bytes)");
    EXPECT_EQ(signed_size(-1572864, human_bytes), "-1.50 MiB");
}

TEST(Units, HumanTime) {
    EXPECT_EQ(human_time(0, "instr"), "0 instr");
    EXPECT_EQ(human_time(999, "instr"), "999 instr");
    EXPECT_EQ(human_time(1000, "instr"), "1.0 kinstr");
    EXPECT_EQ(human_time(12345678, "instr"), "12.3 Minstr");
    EXPECT_EQ(human_time(999950, "instr"), "1.0 Minstr");  // not "1000.0 kinstr"
    EXPECT_EQ(human_time(UINT64_MAX, "instr"), "18.4 Einstr");
}

TEST(Units, HumanByteTime) {
    EXPECT_EQ(human_byte_time(512, "instr"), "512 B-instr");
    EXPECT_EQ(human_byte_time(2100000000000, "instr"), "2.1 TB-instr");
    EXPECT_EQ(human_byte_time(UINT64_MAX, "instr"), "18.4 EB-instr");
}

TEST(Units, CountOf) {
    EXPECT_EQ(count_of(1, "block"), "1 block");
    EXPECT_EQ(count_of(0, "block"), "0 blocks");
    EXPECT_EQ(count_of(1000, "clone"), "1,000 clones");
    EXPECT_EQ(count_of(1, "partial copy", "partial copies"), "1 partial copy");
    EXPECT_EQ(count_of(2, "partial copy", "partial copies"), "2 partial copies");
}

TEST(Units, Percentages) {
    EXPECT_EQ(format_percent(74.94), "74.9%");
    EXPECT_EQ(format_percent(100), "100.0%");
    EXPECT_EQ(format_percent(0), "0.0%");
    EXPECT_EQ(format_percent(0.003), "<0.1%");
}

}  // namespace units_tests
}  // namespace memattr
