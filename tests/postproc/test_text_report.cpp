// The text report of small.trace: its sections, figures and layout, and the one-line
// messages that replace sections with nothing to show.

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "report/text_reporter.h"
#include "trace_fixtures.h"

namespace memattr {
namespace text_report_tests {

std::string render(const ReportModel& model) {
    std::ostringstream out;
    TextReporter().write(model, out);
    return out.str();
}

std::string render(const Trace& trace, const AnalysisOptions& options = {}) {
    return render(analyse(trace, options));
}

// The text of the section titled `title`, up to the next section.
std::string section(const std::string& report, const std::string& title) {
    const std::string heading = "\n" + title + "\n" + std::string(title.size(), '=') + "\n";
    const std::size_t start = report.find(heading);
    if (start == std::string::npos) return "";
    const std::size_t body = start + heading.size();
    const std::size_t next = report.find("\n\n", body);
    return report.substr(body, next == std::string::npos ? std::string::npos : next - body);
}

TEST(TextReport, Header) {
    const std::string report = render(test::small_trace());
    EXPECT_TRUE(report.starts_with("memattr-graph report for "));
    EXPECT_CONTAINS(report, "\nCommand         ./demo --size 3\n");
    EXPECT_CONTAINS(report, "\nProcess         pid 4242, parent pid 4000\n");
    EXPECT_CONTAINS(report, "\nTrace           complete, 52 records, written by memattr 0.1.0\n");
    EXPECT_CONTAINS(report, "\nEnded           exit status 0 after 12.5 Minstr\n");
    EXPECT_EQ(report.find("Note"), std::string::npos);
}

TEST(TextReport, SectionsInOrder) {
    const std::string report = render(test::small_trace());
    std::size_t previous = 0;
    for (const char* title : {"Summary", "Live heap over time", "Top sites at peak",
                              "Top sites by total allocated (churn)", "Temporary allocations",
                              "Live at exit", "Threads"}) {
        const std::size_t at = report.find(std::string("\n") + title + "\n=");
        ASSERT_NE(at, std::string::npos) << title;
        EXPECT_GT(at, previous) << title;
        previous = at;
    }
}

TEST(TextReport, Summary) {
    const std::string summary = section(render(test::small_trace()), "Summary");
    EXPECT_EQ(summary,
              "Peak live heap  2.00 MiB (2,101,312 bytes) in 5 blocks\n"
              "                at 8.4 Minstr, after 2.38 MiB (2,500,000 bytes) had been allocated\n"
              "Top culprits      1.50 MiB  live heap from fill_samples(std::vector<int, std::allocator<int> >&, "
              "unsigned long) (demo.cpp:21) [site 1]\n"
              "                512.00 KiB  live heap from rsparse::parse_records (src/lib.rs:44) [site 3]\n"
              "                  4.00 KiB  live heap from operator\"\" _kb(unsigned long long) (literals.cpp:12) "
              "[site 4]\n"
              "                      64 B  live heap from scratch\\tcopy (odd.c:7) [site 2]\n"
              "Allocated       3.92 MiB (4,108,288 bytes) in 662 blocks, 660 frees\n"
              "Live at exit    4.00 KiB (4,096 bytes) in 2 blocks\n"
              "Temporary       600 blocks (90.6% of all blocks), 37.50 KiB (38,400 bytes)\n"
              "                temporary: freed before any other heap block was allocated "
              "(heaptrack's definition)\n"
              "Executed        12.5 Minstr (12,500,000 instr)");
}

TEST(TextReport, HeapByCodeWhenNoSiteHoldsHalf) {
    // small.trace with its two largest sites in two libraries, each a third of the heap: the
    // summary names the libraries whose code holds it; as it is (one object, a site of 75 %)
    // it does not.
    EXPECT_EQ(section(render(test::small_trace()), "Summary").find("Heap by code"),
              std::string::npos);
    Trace trace = test::small_trace();
    for (Frame& frame : trace.frames) {
        if (frame.function.starts_with("fill_samples")) frame.object = "/usr/lib/libsamples.so.2";
        if (frame.function.starts_with("rsparse::")) frame.object = "/usr/lib/librsparse.so.1";
    }
    for (Site& site : trace.sites)
        if (site.peak_bytes == 1572864) site.peak_bytes = 524288;
    const std::string summary = section(render(trace), "Summary");
    EXPECT_CONTAINS(summary,
                    "\nHeap by code    512.00 KiB in librsparse.so.1 (49.8% of the heap, 1 site); "
                    "512.00 KiB in libsamples.so.2 (49.8% of the heap, 1 site); 4.06 KiB in demo "
                    "(0.4% of the heap, 2 sites)\n");
}

TEST(TextReport, TopSitesAtPeak) {
    const std::string top = section(render(test::small_trace()), "Top sites at peak");
    EXPECT_TRUE(top.starts_with(
        "  1. 1.50 MiB (1,572,864 bytes) in 1 block, 74.9% of the peak\n"
        "     site 1: demo.cpp:21\n"
        "        at fill_samples(std::vector<int, std::allocator<int> >&, unsigned long) "
        "(demo.cpp:21)\n"
        "        by run_pipeline(Config const&) (demo.cpp:40)\n"
        "        by main (demo.cpp:58)\n"
        "        by (below main) (in /usr/lib/x86_64-linux-gnu/libc.so.6)\n"
        "  2. 512.00 KiB (524,288 bytes) in 1 block, 25.0% of the peak\n"
        "     site 3: src/lib.rs:44\n"
        "        at rsparse::parse_records (src/lib.rs:44)\n"
        "        by rsparse::worker_main (src/lib.rs:80)\n"
        "        by start_thread (in /usr/lib/x86_64-linux-gnu/libc.so.6)\n"))
        << top;
    EXPECT_CONTAINS(top, "  4. 64 bytes in 1 block, <0.1% of the peak\n");
    // Allocator and standard library frames are folded away.
    for (const char* folded : {"operator new", "allocate", "_M_realloc_insert", "push_back",
                               "raw_vec", "realloc", "push<u32"})
        EXPECT_EQ(top.find(folded), std::string::npos) << folded;
}

TEST(TextReport, ChurnTemporariesAndExit) {
    const std::string report = render(test::small_trace());
    const std::string churn = section(report, "Top sites by total allocated (churn)");
    EXPECT_TRUE(churn.starts_with(
        "  1. 3.00 MiB (3,145,728 bytes) in 12 blocks, 76.6% of all bytes allocated\n"
        "     average 256.00 KiB per block, 0 temporary, 0 by realloc\n"
        "     lifetime mean 500.0 kinstr, min 1.2 kinstr, max 2.5 Minstr\n"))
        << churn;
    EXPECT_CONTAINS(churn, "average 112.00 KiB per block, 0 temporary, 7 by realloc\n");

    EXPECT_TRUE(section(report, "Temporary allocations")
                    .starts_with("  1. 600 of 640 blocks temporary (93.8%), 37.50 KiB (38,400 bytes)\n"
                                 "     site 2: odd.c:7\n"
                                 "        at scratch\\tcopy (odd.c:7)\n"));
    EXPECT_TRUE(section(report, "Live at exit")
                    .starts_with("  1. 4.00 KiB (4,096 bytes) in 2 blocks, 100.0% of what is "
                                 "live at exit\n"
                                 "     site 4: literals.cpp:12\n"
                                 "        at operator\"\" _kb(unsigned long long) (literals.cpp:12)\n"));
}

TEST(TextReport, Threads) {
    EXPECT_EQ(section(render(test::small_trace()), "Threads"),
              "thread 1 (main)\n"
              "  own peak      1.50 MiB (1,577,024 bytes) in 4 blocks at 8.4 Minstr\n"
              "  allocated     3.04 MiB (3,190,784 bytes) in 654 blocks\n"
              "  live at exit  4.00 KiB (4,096 bytes) in 2 blocks\n"
              "thread 2 (started by thread 1)\n"
              "  own peak      512.00 KiB (524,288 bytes) in 1 block at 8.1 Minstr\n"
              "  allocated     896.00 KiB (917,504 bytes) in 8 blocks\n"
              "  live at exit  0 bytes in 0 blocks\n");
}

TEST(TextReport, TimelineChartMarksThePeak) {
    const std::string chart = section(render(test::small_trace()), "Live heap over time");
    std::vector<std::string> lines;
    std::istringstream in(chart);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 13u) << chart;  // 10 rows, axis, time labels, legend
    EXPECT_TRUE(lines[0].starts_with("2.00 MiB |")) << lines[0];
    EXPECT_EQ(std::count(chart.begin(), chart.end(), '*'), 2) << chart;  // mark and legend
    // The peak (8.4 of 12.5 Minstr) is in column 40 of 60, on the top row.
    EXPECT_EQ(lines[0].find('*'), std::string("2.00 MiB |").size() + 40);
    EXPECT_TRUE(lines[10].starts_with("     0 B +-----")) << lines[10];
    EXPECT_TRUE(lines[11].ends_with("12.5 Minstr"));
    EXPECT_CONTAINS(lines[12], "* = the peak, 2.00 MiB at 8.4 Minstr (6 timeline samples)");
    // Before the first sample's column, nothing is live; the bottom row shows any live heap.
    EXPECT_EQ(lines[9], "         |" + std::string(60, '#'));
}

TEST(TextReport, NamesAreEscapedOntoOneLine) {
    const std::string report = render(test::small_trace());
    EXPECT_CONTAINS(report, "at scratch\\tcopy (odd.c:7)");
    EXPECT_EQ(report.find('\t'), std::string::npos);
    EXPECT_EQ(report.find('\r'), std::string::npos);
}

TEST(TextReport, EmptySectionsSaySo) {
    Trace trace = test::small_trace();
    for (Site& site : trace.sites) {
        site.temporary_blocks = site.temporary_bytes = 0;
        site.exit_bytes = site.exit_blocks = 0;
    }
    const std::string report = render(trace);
    EXPECT_EQ(section(report, "Temporary allocations"), "No temporary allocations.");
    EXPECT_EQ(section(report, "Live at exit"),
              "Nothing is live at exit: every heap block was freed.");
}

TEST(TextReport, ProgramWithoutAllocations) {
    const Trace trace = test::allocation_free_trace();
    const std::string report = render(trace);
    EXPECT_EQ(section(report, "Live heap over time"),
              "No timeline samples: the program made no heap allocations.");
    EXPECT_EQ(section(report, "Top sites at peak"),
              "Nothing was live at the peak: the program made no heap allocations.");
    EXPECT_EQ(section(report, "Top sites by total allocated (churn)"),
              "The program made no heap allocations.");
    EXPECT_EQ(section(report, "Threads"), "The trace records no threads.\n");
}

TEST(TextReport, ForkChildAndExec) {
    Trace trace = test::small_trace();
    trace.header.process.fork_of = 4000;
    trace.exit.reason = "exec";
    const std::string report = render(trace);
    EXPECT_CONTAINS(report, "\nNote            fork child of pid 4000: the figures include the "
                            "heap history inherited from it up to the fork\n");
    EXPECT_CONTAINS(report, "\nEnded           execve after 12.5 Minstr: the new program is not "
                            "in this trace\n");
}

TEST(TextReport, FatalSignalAndBadFrees) {
    Trace trace = test::small_trace();
    trace.exit.reason = "signal";
    trace.totals.bad_frees = 3;
    const std::string report = render(trace);
    EXPECT_CONTAINS(report, "\nEnded           killed by a fatal signal after 12.5 Minstr\n");
    EXPECT_CONTAINS(report, "\nBad frees       3 free/realloc calls on pointers that were not live "
                            "heap blocks (double or wild frees), ignored\n");
    EXPECT_EQ(render(test::small_trace()).find("Bad frees"), std::string::npos);
}

TEST(TextReport, TopAndFramesOptions) {
    AnalysisOptions options;
    options.top = 1;
    options.folding.max_frames = 2;
    const std::string top = section(render(test::small_trace(), options), "Top sites at peak");
    EXPECT_TRUE(top.starts_with("The top 1 of 4 sites (--top shows more).\n")) << top;
    EXPECT_EQ(top.find("  2. "), std::string::npos);
    EXPECT_CONTAINS(top, "        by run_pipeline(Config const&) (demo.cpp:40)\n"
                         "        ... 2 more callers (--frames shows more)");
}

// ------------------------------------------------------------------ copies and access

TEST(TextReport, CopySectionsComeAfterTheSiteRankings) {
    const std::string report = render(test::lineage_trace());
    std::size_t previous = 0;
    for (const char* title : {"Summary", "Live heap over time", "Top sites at peak",
                              "Top sites by total allocated (churn)", "Temporary allocations",
                              "Live at exit", "Copies that could be moves", "Relocation churn",
                              "Never read", "Threads"}) {
        const std::size_t at = report.find(std::string("\n") + title + "\n=");
        ASSERT_NE(at, std::string::npos) << title;
        EXPECT_GT(at, previous) << title;
        previous = at;
    }
    EXPECT_EQ(report.find("Copies and access"), std::string::npos);
}

TEST(TextReport, CopiesThatCouldBeMoves) {
    EXPECT_EQ(section(render(test::lineage_trace()), "Copies that could be moves"),
              "Clones (copies of 90%+ of a block) whose original was never used afterwards, yet "
              "stayed allocated.\n"
              "  1. 4 clones, 1.00 MiB (1,048,576 bytes) at the peak, 3.94 MiB (4,128,768 bytes) "
              "copied\n"
              "     originals kept beside their clones: 4.2 TB-instr (bytes x time)\n"
              "     copied at group::write_groups (src/main.rs:42)\n"
              "     originals from site 1: load::read_records (src/load.rs:18)\n"
              "     clones in site 2: group::write_groups (src/main.rs:42)\n"
              "  2. 2 clones, 64.00 KiB (65,536 bytes) at the peak, 128.00 KiB (131,072 bytes) "
              "copied\n"
              "     originals kept beside their clones: 5.0 GB-instr (bytes x time)\n"
              "     copied at blob::make<\"a\\\\b\">(char const*) (blob.cpp:16)\n"
              "     originals from site 5: blob::read_blob(char const*) (blob.cpp:8)\n"
              "     clones in site 7: blob::make<\"a\\\\b\">(char const*) (blob.cpp:14)\n"
              "  3. 1 clone, 64.00 KiB (65,536 bytes) at the peak, 64.00 KiB (65,536 bytes) "
              "copied\n"
              "     originals kept beside their clones: 1.0 GB-instr (bytes x time)\n"
              "     copied at group::snapshot (src/main.rs:70)\n"
              "     originals from site 5: blob::read_blob(char const*) (blob.cpp:8)\n"
              "     clones in site 6: group::build_header (src/main.rs:58)\n"
              "In all          7 clones, 1.12 MiB (1,179,648 bytes) at the peak\n"
              "                4.12 MiB (4,325,376 bytes) copied, 4.2 TB-instr (bytes x time)\n"
              "Not flagged     40 clones whose originals were used afterwards, 1.25 KiB "
              "(1,280 bytes) copied\n"
              "                1 partial copy (under 90% of the destination), 52.00 KiB "
              "(53,248 bytes) copied");
}

TEST(TextReport, RelocationChurn) {
    EXPECT_EQ(section(render(test::lineage_trace()), "Relocation churn"),
              "Blocks copied into a new block and freed at once (vector growth, realloc): "
              "copying time, not memory.\n"
              "  1. 2 relocations by copy, 2.00 MiB (2,097,152 bytes) copied\n"
              "     at group::take (src/main.rs:50)\n"
              "  2. 7 relocations by copy, 508.00 KiB (520,192 bytes) copied\n"
              "     at names::fill(std::vector<Name, std::allocator<Name> >&) (names.cpp:12)\n"
              "  3. 6 relocations by realloc, 252.00 KiB (258,048 bytes) copied\n"
              "     at group::collect (src/main.rs:25)\n"
              "In all          15 relocations, 2.74 MiB (2,875,392 bytes) copied");
}

TEST(TextReport, NeverRead) {
    const std::string never_read = section(render(test::lineage_trace()), "Never read");
    EXPECT_TRUE(never_read.starts_with(
        "Blocks never read from allocation to free or exit: written for nothing, or not "
        "touched at all.\n"
        "  1. 1.00 MiB (1,048,576 bytes) in 1 block never read, 16.7% of the bytes allocated "
        "here\n"
        "     written but never read: 1.00 MiB (1,048,576 bytes) in 1 block; never accessed: "
        "0 bytes in 0 blocks\n"
        "     site 2: src/main.rs:42\n"
        "        at group::write_groups (src/main.rs:42)\n"))
        << never_read;
    EXPECT_CONTAINS(never_read,
                    "  3. 12.00 KiB (12,288 bytes) in 3 blocks never read, 100.0% of the bytes "
                    "allocated here\n"
                    "     written but never read: 4.00 KiB (4,096 bytes) in 1 block; never "
                    "accessed: 8.00 KiB (8,192 bytes) in 2 blocks\n"
                    "     site 9: src/main.rs:90\n");
}

TEST(TextReport, TopLimitsTheCopySections) {
    AnalysisOptions options;
    options.top = 1;
    const std::string report = render(test::lineage_trace(), options);
    const std::string moves = section(report, "Copies that could be moves");
    EXPECT_CONTAINS(moves, "\nThe top 1 of 3 rows (--top shows more).\n  1. 4 clones");
    EXPECT_EQ(moves.find("  2. "), std::string::npos);
    EXPECT_CONTAINS(moves, "In all          7 clones");  // totals are over every row
    const std::string churn = section(report, "Relocation churn");
    EXPECT_CONTAINS(churn, "The top 1 of 3 rows (--top shows more).\n");
    EXPECT_EQ(churn.find("  2. "), std::string::npos);
    EXPECT_CONTAINS(section(report, "Never read"), "The top 1 of 3 sites (--top shows more).\n");
}

TEST(TextReport, CloneThresholdChangesTheSections) {
    AnalysisOptions options;
    options.clone_threshold = 100;
    const std::string moves = section(render(test::lineage_trace(), options),
                                      "Copies that could be moves");
    EXPECT_TRUE(moves.starts_with("Clones (copies of 100%+ of a block)")) << moves;
    EXPECT_CONTAINS(moves, "  1. 3 clones, 1.00 MiB (1,048,576 bytes) at the peak");
    EXPECT_CONTAINS(moves, "2 partial copies (under 100% of the destination)");
}

TEST(TextReport, CopySectionsWithNothingToReport) {
    Trace trace = test::lineage_trace();
    trace.copies.clear();
    for (Site& site : trace.sites) site.never_read_blocks = site.never_read_bytes = 0;
    const std::string report = render(trace);
    EXPECT_EQ(section(report, "Copies that could be moves"),
              "None found: no heap block was cloned.");
    EXPECT_EQ(section(report, "Relocation churn"),
              "None found: no heap block was copied and then freed at once.");
    EXPECT_EQ(section(report, "Never read"), "None found: every heap block was read.");

    Trace one_legitimate = test::lineage_trace();
    one_legitimate.copies[3].pairs = 1;
    EXPECT_CONTAINS(section(render(one_legitimate), "Copies that could be moves"),
                    "Not flagged     1 clone whose original was used afterwards, 1.25 KiB");

    Trace legitimate = test::lineage_trace();
    std::erase_if(legitimate.copies, [](const CopyGroup& copy) {
        return classify_copy(copy, kDefaultCloneThreshold) == CopyClass::movable_clone;
    });
    EXPECT_EQ(section(render(legitimate), "Copies that could be moves"),
              "None found; not flagged: 40 clones whose originals were used afterwards, 1.25 KiB "
              "(1,280 bytes) copied; 1 partial copy (under 90% of the destination), 52.00 KiB "
              "(53,248 bytes) copied.");
}

TEST(TextReport, OneLineWhenAccessTrackingWasOff) {
    const std::string report = render(test::parse_text(test::no_access_trace_text()));
    EXPECT_EQ(section(report, "Copies and access"),
              "Copy and access analysis is off: the trace was recorded with --track-access=no.");
    for (const char* title : {"Copies that could be moves", "Relocation churn", "Never read"})
        EXPECT_EQ(report.find(title), std::string::npos) << title;
    EXPECT_LT(report.find("\nLive at exit\n"), report.find("\nCopies and access\n"));
    EXPECT_LT(report.find("\nCopies and access\n"), report.find("\nThreads\n"));
}

TEST(TextReport, OneLineForAVersionOneTrace) {
    EXPECT_EQ(section(render(test::small_trace()), "Copies and access"),
              "Copy and access analysis is off: the trace is version 1, written by a memattr "
              "that did not track accesses.");
}

}  // namespace text_report_tests
}  // namespace memattr
