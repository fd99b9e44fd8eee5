// The trace schema (format/memattr_trace_schema.h) against its users: a trace that uses
// every record and key of the schema survives reading and writing back unchanged, and the
// format document describes every tag, key and enum word the schema has.
//
// data/every_record.trace is a complete current-version trace laid out as the schema-driven
// writer (schema_writer.h) lays one out: all frames and stacks first. It is memory_map.trace
// with access tracking (site access figures, a realloc copy, the access totals), a phase with
// one phase-site, a mark and the phase counts, one root of each kind, an interior pointer,
// non-zero reused figures, an inlined frame and an exit by signal.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "schema_writer.h"
#include "trace/trace_schema.h"
#include "trace_fixtures.h"

namespace memattr {
namespace trace_schema_tests {

using test::data_text;
using test::parse_text;
using test::write_trace;

TEST(TraceSchema, EveryRecordAndKeyRoundTrips) {
    const std::string original = data_text("every_record.trace");
    const test::WrittenTrace written = write_trace(parse_text(original));
    // Written back unchanged: every figure read was kept and is written as it was read.
    EXPECT_EQ(written.text, original);
    // And what is written reads back to the same figures.
    EXPECT_EQ(write_trace(parse_text(written.text)).text, written.text);

    // Records of older versions only (`block`) have their keys tested with those versions'
    // fixtures.
    for (const schema::RecordSchema& record : schema::kRecords) {
        if (!record.in_version(MA_TRACE_VERSION)) continue;
        for (const std::string_view key : record.keys)
            EXPECT_TRUE(written.keys.contains({std::string(record.tag), std::string(key)}))
                << "every_record.trace has no '" << key << "' in a '" << record.tag << "' record";
    }
}

TEST(TraceSchema, TagsAndKeysAreUnique) {
    std::set<std::string_view> tags;
    for (const schema::RecordSchema& record : schema::kRecords) {
        EXPECT_TRUE(tags.insert(record.tag).second) << "tag " << record.tag << " twice";
        std::set<std::string_view> keys;
        for (const std::string_view key : record.keys)
            EXPECT_TRUE(keys.insert(key).second) << record.tag << " has " << key << " twice";
        EXPECT_GE(record.since, std::uint64_t{MA_TRACE_OLDEST_VERSION});
        EXPECT_LE(record.since, std::uint64_t{MA_TRACE_VERSION});
        if (record.until != 0) {
            EXPECT_LE(record.since, record.until);
        }
    }
}

// docs/trace-format.md, from the source tree.
std::string format_document() {
    std::ifstream in(std::string(POSTPROC_TEST_DATA) + "/../../../docs/trace-format.md");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The part of the document about record `tag`: its own section ("### `tag`", up to the
// next heading), or its row of the header table, or the paragraph that gives its line.
std::string_view section_of(std::string_view document, std::string_view tag) {
    const std::string heading = "### `" + std::string(tag) + "`";
    const std::string row = "| `" + std::string(tag) + "` |";
    const std::string line = "`" + std::string(tag) + "\\t";
    for (const std::string& start : {heading, row, line}) {
        const std::size_t at = document.find(start);
        if (at == std::string_view::npos) continue;
        const std::size_t end =
            start == row ? document.find('\n', at) : document.find("\n#", at + start.size());
        return document.substr(at, end == std::string_view::npos ? end : end - at);
    }
    return {};
}

// A key is documented in a record's section as `key`, or as key= in the record's line.
bool documents_key(std::string_view section, std::string_view key) {
    const std::string k(key);
    return section.find("`" + k + "`") != std::string_view::npos ||
           section.find("\t" + k + "=") != std::string_view::npos ||
           section.find("\\t" + k + "=") != std::string_view::npos;
}

TEST(TraceSchema, FormatDocumentDescribesEveryTagAndKey) {
    const std::string document = format_document();
    ASSERT_FALSE(document.empty()) << "docs/trace-format.md not found";
    for (const schema::RecordSchema& record : schema::kRecords) {
        const std::string_view section = section_of(document, record.tag);
        ASSERT_FALSE(section.empty())
            << "docs/trace-format.md has no section for '" << record.tag << "'";
        for (const std::string_view key : record.keys)
            EXPECT_TRUE(documents_key(section, key)) << "docs/trace-format.md does not describe '"
                                                     << key << "' of '" << record.tag << "'";
    }
}

TEST(TraceSchema, FormatDocumentNamesEveryEnumWord) {
    const std::string document = format_document();
#define MA_SCHEMA_WORD_CHECK(GROUP, WORD)                                               \
    EXPECT_TRUE(document.find("`" MA_WORD_##GROUP##_##WORD "`") != std::string::npos || \
                document.find("=" MA_WORD_##GROUP##_##WORD) != std::string::npos)       \
        << "docs/trace-format.md does not name the word '" MA_WORD_##GROUP##_##WORD "'";
#define MA_SCHEMA_GROUP_CHECK(GROUP) MA_TRACE_WORDS_##GROUP(MA_SCHEMA_WORD_CHECK)
    MA_TRACE_WORD_GROUPS(MA_SCHEMA_GROUP_CHECK)
#undef MA_SCHEMA_GROUP_CHECK
#undef MA_SCHEMA_WORD_CHECK
}

TEST(TraceSchema, DocumentTitlesTheCurrentVersion) {
    EXPECT_NE(format_document().find("# memattr trace format, version " +
                                     std::to_string(MA_TRACE_VERSION)),
              std::string::npos);
}

}  // namespace trace_schema_tests
}  // namespace memattr
