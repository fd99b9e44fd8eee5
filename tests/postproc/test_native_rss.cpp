// `memattr-graph native-rss`: running a program natively and reading its peak resident set
// (run_native), what is printed for it, and --native-rss's sizes (parse_size) that take the
// printed figure back.

#include <stdexcept>

#include <gtest/gtest.h>

#include "cli/native_rss.h"
#include "support/units.h"

namespace memattr {
namespace native_rss_tests {

TEST(NativeRss, ReportsTheExitStatus) {
    const NativeRun run = run_native({"/bin/sh", "-c", "exit 3"});
    EXPECT_FALSE(run.signalled);
    EXPECT_EQ(run.status, 3);
    EXPECT_GT(run.peak_rss_kib, 0u);
}

TEST(NativeRss, ReportsAFatalSignal) {
    const NativeRun run = run_native({"/bin/sh", "-c", "kill -9 $$"});
    EXPECT_TRUE(run.signalled);
    EXPECT_EQ(run.status, 9);
}

// dd's buffer is written whole by read(2): 64 MiB resident at once.
TEST(NativeRss, MeasuresThePeakResidentSet) {
    const NativeRun run =
        run_native({"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1", "status=none"});
    EXPECT_EQ(run.status, 0);
    EXPECT_GE(run.peak_rss_kib, 65536u);
}

TEST(NativeRss, ProgramThatCannotRunIsAnError) {
    try {
        run_native({"/nonexistent/program", "--flag"});
        ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(),
                     "cannot run '/nonexistent/program': No such file or directory");
    }
    EXPECT_THROW(run_native({"/dev/null"}), std::runtime_error);  // not executable
    EXPECT_THROW(run_native({}), std::runtime_error);
}

TEST(NativeRss, PrintsAFigureNativeRssAccepts) {
    const std::vector<std::string> lines = describe_native_run({14532, false, 0});
    EXPECT_EQ(lines, (std::vector<std::string>{
                         "peak RSS (VmHWM) of a native run: 14,532 KiB  (use: memattr-graph "
                         "report TRACE --native-rss=14532K)",
                         "the program exited with status 0"}));
    EXPECT_EQ(parse_size("14532K"), 14532u * 1024);
    EXPECT_EQ(describe_native_run({100, true, 9})[1], "the program was killed by signal 9 (Killed)");
}

// ------------------------------------------------------------------ --native-rss sizes

TEST(NativeRssOption, PlainBytesAndBinaryUnits) {
    EXPECT_EQ(parse_size("1048576"), 1048576u);
    EXPECT_EQ(parse_size("0"), 0u);
    EXPECT_EQ(parse_size("512B"), 512u);
    EXPECT_EQ(parse_size("14532K"), 14880768u);
    EXPECT_EQ(parse_size("14532k"), 14880768u);
    EXPECT_EQ(parse_size("14532KiB"), 14880768u);
    EXPECT_EQ(parse_size("14532 kB"), 14880768u);  // as /proc/PID/status writes VmHWM
    EXPECT_EQ(parse_size("20M"), 20971520u);
    EXPECT_EQ(parse_size("20MiB"), 20971520u);
    EXPECT_EQ(parse_size("2G"), 2147483648u);
    EXPECT_EQ(parse_size("2gib"), 2147483648u);
    EXPECT_EQ(parse_size("1T"), 1099511627776u);
}

void expect_refused(const std::string& text, const std::string& message) {
    try {
        parse_size(text);
        ADD_FAILURE() << "'" << text << "' accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(std::string(error.what()), message);
    }
}

TEST(NativeRssOption, ErrorsQuoteTheValue) {
    const std::string expected = "expected a whole number of bytes, or of K, M or G (KiB, MiB, "
                                 "GiB), such as 14532K";
    expect_refused("", "'' is not a size: " + expected);
    expect_refused("K", "'K' is not a size: " + expected);
    expect_refused("-5", "'-5' is not a size: " + expected);
    expect_refused(" 5", "' 5' is not a size: " + expected);
    expect_refused("12X", "'12X' is not a size: unknown unit 'X' (use K, M, G or T, or KiB, MiB, "
                          "GiB, TiB)");
    expect_refused("1.5G", "'1.5G' is not a size: unknown unit '.5G' (use K, M, G or T, or KiB, "
                           "MiB, GiB, TiB)");
    expect_refused("12 MiBs", "'12 MiBs' is not a size: unknown unit 'MiBs' (use K, M, G or T, "
                              "or KiB, MiB, GiB, TiB)");
    expect_refused("99999999999999999999", "'99999999999999999999' is not a size: too large");
    expect_refused("18014398509481984K", "'18014398509481984K' is not a size: too large");
}

}  // namespace native_rss_tests
}  // namespace memattr
