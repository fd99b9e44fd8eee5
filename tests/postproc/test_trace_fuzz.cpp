// Robustness: damaged versions of small.trace (version 1), lineage.trace (version 2, with
// copy records), ownership.trace (version 3, with snapshots), phases.trace (version 3,
// with phases), memory_map.trace and memory_map_wrap.trace (version 4, with memory maps),
// and ownership_v5.trace and every_record.trace (version 5, compact `blocks` records)
// either parse or raise
// TraceError, never anything else (no crash, no other exception, no hang); and whatever
// parses can be analysed and rendered in every format, the lineage and ownership graphs
// included, whose DOT must stay well-formed. The mutations are seeded, so a
// failure reproduces.

#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "dot_checker.h"
#include "report/lineage_reporter.h"
#include "report/ownership_reporter.h"
#include "report/reporter.h"
#include "trace_fixtures.h"
#include "trace/trace_reader.h"

namespace memattr {
namespace trace_fuzz_tests {

class Mutator {
public:
    explicit Mutator(unsigned seed) : random_(seed) {}

    std::string truncate(const std::string& text) { return text.substr(0, below(text.size())); }

    std::string flip_bytes(std::string text) {
        for (int flips = 1 + static_cast<int>(below(4)); flips > 0; --flips)
            text[below(text.size())] = static_cast<char>(below(256));
        return text;
    }

    // Byte flips alone mostly break the 'end' count; editing records and then writing a
    // correct 'end' reaches the checks behind it (references, ids, values).
    std::string edit_records(std::vector<std::string> records) {
        switch (below(4)) {
        case 0:
            records.erase(records.begin() + static_cast<std::ptrdiff_t>(below(records.size())));
            break;
        case 1:
            records.push_back(records[below(records.size())]);
            break;
        case 2:
            std::swap(records[below(records.size())], records[below(records.size())]);
            break;
        default: {
            std::string& record = records[below(records.size())];
            if (!record.empty()) record[below(record.size())] = printable_byte();
        }
        }
        return test::with_end_record(records);
    }

private:
    std::size_t below(std::size_t bound) {
        return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
    }

    // Mostly characters that keep a line lexically valid, so that semantic checks run
    // (digits of version 5's compact data among them: A, P, Q, g, _).
    char printable_byte() {
        static const std::string alphabet = "0123456789=,\\x-abcdefz \tAPQg_";
        return alphabet[below(alphabet.size())];
    }

    std::mt19937 random_;
};

// Parses `text`; on success, also analyses and renders it, and returns true. Fails the
// test on anything but success or TraceError.
bool expect_parse_or_trace_error(const std::string& text, const std::string& what) {
    try {
        const Trace trace = test::parse_text(text);
        for (const std::size_t frames : {1u, 6u}) {
            AnalysisOptions options;
            options.folding.max_frames = frames;
            options.site_graph = true;
            const ReportModel model = analyse(trace, options);
            for (const std::string& format : reporter_formats()) {
                std::ostringstream out;
                make_reporter(format)->write(model, out);
                EXPECT_FALSE(out.str().empty());
            }
            for (const bool ownership : {false, true}) {
                std::ostringstream dot;
                if (ownership)
                    OwnershipReporter().write(model, dot);
                else
                    LineageReporter().write(model, dot);
                try {
                    test::parse_dot(dot.str());
                } catch (const test::DotError& error) {
                    ADD_FAILURE() << what << ": malformed DOT: " << error.what() << "\n"
                                  << dot.str();
                }
            }
        }
        return true;
    } catch (const TraceError&) {
        return false;  // the expected outcome for most mutations
    } catch (const std::exception& error) {
        ADD_FAILURE() << what << ": unexpected exception: " << error.what();
        return false;
    }
}

// Each test runs on both sample traces.
class TraceFuzz : public testing::TestWithParam<const char*> {
protected:
    std::string text() const { return test::data_text(GetParam()); }
    std::vector<std::string> records() const { return test::data_records(GetParam()); }
};

// Test names end in the trace's name without ".trace".
std::string trace_name(const testing::TestParamInfo<const char*>& info) {
    const std::string name = info.param;
    return name.substr(0, name.find('.'));
}

INSTANTIATE_TEST_SUITE_P(SampleTraces, TraceFuzz,
                         testing::Values("small.trace", "lineage.trace", "ownership.trace",
                                         "phases.trace", "memory_map.trace",
                                         "memory_map_wrap.trace", "ownership_v5.trace",
                                         "every_record.trace"),
                         trace_name);

TEST_P(TraceFuzz, RandomTruncationsParseOrThrowTraceError) {
    const std::string text = this->text();
    Mutator mutator(1);
    for (int round = 0; round < 500; ++round)
        expect_parse_or_trace_error(mutator.truncate(text), "truncation " + std::to_string(round));
}

TEST_P(TraceFuzz, RandomByteFlipsParseOrThrowTraceError) {
    const std::string text = this->text();
    Mutator mutator(2);
    for (int round = 0; round < 2000; ++round)
        expect_parse_or_trace_error(mutator.flip_bytes(text), "byte flips " + std::to_string(round));
}

TEST_P(TraceFuzz, RandomRecordEditsParseOrThrowTraceError) {
    const std::vector<std::string> records = this->records();
    Mutator mutator(3);
    int parsed = 0;
    for (int round = 0; round < 2000; ++round)
        parsed += expect_parse_or_trace_error(mutator.edit_records(records),
                                              "record edit " + std::to_string(round));
    // Some edits leave a valid trace (a changed count, a reordered timeline-free region...);
    // those must also analyse and render, so make sure that path was taken.
    EXPECT_GT(parsed, 50);
}

}  // namespace trace_fuzz_tests
}  // namespace memattr
