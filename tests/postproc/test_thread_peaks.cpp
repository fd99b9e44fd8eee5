// Each thread's own peak by site (trace version 5: `thread` prs/prb/prbk and `thread-site`
// records): read strictly from a hand-written trace, shown in the text report's threads
// section and in JSON's threads[].own_peak; a single thread's own peak is the global peak.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/analysis.h"
#include "report/json_reporter.h"
#include "trace/trace_reader.h"
#include "trace_fixtures.h"

namespace memattr {
namespace thread_peaks_tests {

using test::parse_text;

// every_record.trace: three threads; thread 1's own peak (17,825,792 bytes in 4,272 blocks)
// is held by site 3 (8 MiB in 2,048 blocks), site 1 (4 MiB in 1,000 blocks) and two other
// sites (5 MiB in 1,224 blocks); threads 2 and 3 allocated nothing.
const std::string kThreads = test::data_text("every_record.trace");

// kThreads with its first line starting with `prefix` replaced by `line` (or removed when
// `line` is empty), and a correct end.
std::string replacing(const std::string& prefix, const std::string& line) {
    std::vector<std::string> records = test::data_records("every_record.trace");
    const std::size_t at = test::find_record(records, prefix);
    if (line.empty())
        records.erase(records.begin() + static_cast<std::ptrdiff_t>(at));
    else
        records[at] = line;
    return test::with_end_record(records);
}

std::string error_of(const std::string& text) {
    try {
        parse_text(text);
    } catch (const TraceError& error) {
        return error.what();
    }
    return "(no error)";
}

std::size_t site_index(const Trace& trace, std::uint64_t id) {
    for (std::size_t i = 0; i < trace.sites.size(); ++i)
        if (trace.sites[i].id == id) return i;
    ADD_FAILURE() << "no site " << id;
    return 0;
}

TEST(ThreadPeaks, ReadsEachThreadsTopSitesAndTheOthers) {
    const Trace trace = parse_text(kThreads);
    ASSERT_EQ(trace.threads.size(), 3u);
    const Thread& main = trace.threads[0];
    ASSERT_EQ(main.own_peak_sites.size(), 2u);
    EXPECT_EQ(main.own_peak_sites[0].site, site_index(trace, 3));
    EXPECT_EQ(main.own_peak_sites[0].bytes, 8388608u);
    EXPECT_EQ(main.own_peak_sites[0].blocks, 2048u);
    EXPECT_EQ(main.own_peak_sites[1].site, site_index(trace, 1));
    EXPECT_EQ(main.own_peak_sites[1].bytes, 4194304u);
    EXPECT_EQ(main.own_peak_sites[1].blocks, 1000u);
    ASSERT_TRUE(main.own_peak_rest);
    EXPECT_EQ(main.own_peak_rest->sites, 2u);
    EXPECT_EQ(main.own_peak_rest->bytes, 5242880u);
    EXPECT_EQ(main.own_peak_rest->blocks, 1224u);
    ASSERT_TRUE(trace.threads[1].own_peak_rest);
    EXPECT_EQ(trace.threads[1].own_peak_rest->sites, 0u);
    EXPECT_TRUE(trace.threads[1].own_peak_sites.empty());
}

TEST(ThreadPeaks, TracesWithoutThemStillRead) {
    // Written before the records existed, or by a single-threaded run.
    for (const char* name : {"memory_map.trace", "small.trace"}) {
        const Trace trace = parse_text(test::data_text(name));
        for (const Thread& thread : trace.threads) {
            EXPECT_FALSE(thread.own_peak_rest) << name;
            EXPECT_TRUE(thread.own_peak_sites.empty()) << name;
        }
    }
}

TEST(ThreadPeaks, TheSitesMustHoldThePeakExactly) {
    const std::string thread1 =
        "thread\tid=1\tparent=0\ttb=19922944\ttbk=4772\tpb=17825792\tpbk=4272\tpt=9000000\t"
        "eb=1048576\tebk=200\tgpb=17825792\tgpbk=4272\t";
    EXPECT_CONTAINS(error_of(replacing("thread\tid=1", thread1 + "prs=2\tprb=5242879\tprbk=1224")),
                    "thread 1's sites at its own peak hold 17825791 bytes in 4272 blocks, not "
                    "its peak's 17825792 bytes in 4272 blocks");
    EXPECT_CONTAINS(error_of(replacing("thread\tid=1", thread1 + "prs=2\tprb=5242880\tprbk=1225")),
                    "hold 17825792 bytes in 4273 blocks");
    // The error names the thread record's line.
    EXPECT_CONTAINS(error_of(replacing("thread-site\tthread=1\tsite=1", "")), "line 34: thread 1");
}

TEST(ThreadPeaks, ThreadSiteRecordsFollowTheirThread) {
    EXPECT_CONTAINS(
        error_of(replacing("thread-site\tthread=1\tsite=1",
                           "thread-site\tthread=2\tsite=1\tbytes=4194304\tblocks=1000")),
        "'thread-site' record for thread 2 does not follow that thread's 'thread' record");
    EXPECT_CONTAINS(
        error_of(replacing("thread-site\tthread=1\tsite=1",
                           "thread-site\tthread=1\tsite=3\tbytes=4194304\tblocks=1000")),
        "second 'thread-site' record for site 3 in thread 1");
    EXPECT_CONTAINS(
        error_of(replacing("thread-site\tthread=1\tsite=1",
                           "thread-site\tthread=1\tsite=9\tbytes=4194304\tblocks=1000")),
        "unknown site 9");
    const std::string without_rest =
        "thread\tid=1\tparent=0\ttb=19922944\ttbk=4772\tpb=17825792\tpbk=4272\tpt=9000000\t"
        "eb=1048576\tebk=200\tgpb=17825792\tgpbk=4272";
    EXPECT_CONTAINS(error_of(replacing("thread\tid=1", without_rest)),
                    "'thread-site' record for thread 1, whose 'thread' record has no 'prs'");
}

// The threads section of a report, up to the next section.
std::string threads_text(const Trace& trace) {
    const std::string report = test::text_report(trace);
    const std::size_t start = report.find("\nThreads\n=======\n");
    EXPECT_NE(start, std::string::npos);
    const std::size_t end = report.find("\n\n", start + 1);
    return report.substr(start, end - start);
}

TEST(ThreadPeaks, TheTextNamesEachThreadsSites) {
    const std::string text = threads_text(parse_text(kThreads));
    EXPECT_CONTAINS(text,
                    "  own peak      17.00 MiB (17,825,792 bytes) in 4,272 blocks at 9.0 Minstr\n"
                    "  its sites     8.00 MiB (8,388,608 bytes) in 2,048 blocks: ");
    EXPECT_CONTAINS(text, "[site 3]\n"
                          "                4.00 MiB (4,194,304 bytes) in 1,000 blocks: ");
    EXPECT_CONTAINS(text, "[site 1]\n"
                          "                and 2 other sites: 5.00 MiB (5,242,880 bytes) in "
                          "1,224 blocks\n");
    // A thread that held nothing has no sites to name.
    EXPECT_CONTAINS(text, "thread 2 (started by thread 1)\n"
                          "  at the peak   0 bytes in 0 blocks live at the global peak (0.0% of "
                          "it)\n"
                          "  own peak      0 bytes in 0 blocks at 0 instr\n"
                          "  allocated");
}

TEST(ThreadPeaks, TheJsonGivesTopSitesBySiteId) {
    const nlohmann::json report = json_report(analyse(parse_text(kThreads), AnalysisOptions{}));
    EXPECT_EQ(report["threads"][0]["own_peak"],
              nlohmann::json({{"same_as_global_peak", false},
                              {"top_sites",
                               {{{"site", 3}, {"bytes", 8388608}, {"blocks", 2048}},
                                {{"site", 1}, {"bytes", 4194304}, {"blocks", 1000}}}},
                              {"other_sites", {{"sites", 2}, {"bytes", 5242880}, {"blocks", 1224}}}}));
    EXPECT_EQ(report["threads"][1]["own_peak"]["top_sites"], nlohmann::json::array());
}

TEST(ThreadPeaks, ASingleThreadsOwnPeakIsTheGlobalPeak) {
    const Trace trace = parse_text(test::data_text("phases.trace"));
    ASSERT_EQ(trace.threads.size(), 1u);
    EXPECT_CONTAINS(threads_text(trace), ", same as the global peak\n  allocated");
    const nlohmann::json report = json_report(analyse(trace, AnalysisOptions{}));
    EXPECT_EQ(report["threads"][0]["own_peak"],
              nlohmann::json({{"same_as_global_peak", true},
                              {"top_sites", nullptr},
                              {"other_sites", nullptr}}));
}

}  // namespace thread_peaks_tests
}  // namespace memattr
