// The trace format's one source (format/memattr_trace_schema.h) in C++ terms: every record's
// tag, first version and keys as a table, and every enumerated field's words paired with
// the values they stand for.
//
// The pairs are written by name ({MA_WORD_SITE_KIND_CUSTOM, SiteKind::custom}), never by
// position, so reordering a word list or an enum changes no meaning; a static_assert below
// each table checks that it has every word of its schema list and nothing else, so a word
// added to the schema does not compile until the reader knows what it means.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "memattr_trace_schema.h"
#include "trace/trace.h"

namespace memattr::schema {

// One record of the format: its tag, the first and the last version that have it (until
// 0: every version from since on), and its keys in the order the tool writes them.
struct RecordSchema {
    std::string_view tag;
    std::uint64_t since;
    std::uint64_t until;
    std::span<const std::string_view> keys;

    bool in_version(std::uint64_t version) const {
        return version >= since && (until == 0 || version <= until);
    }
};

// Expands a key list into string literals, for the arrays below.
#define MA_SCHEMA_KEY_TEXT(RECORD, KEY) MA_KEY_##RECORD##_##KEY,
#define MA_SCHEMA_WORD_TEXT(GROUP, WORD) MA_WORD_##GROUP##_##WORD,

namespace keys {
// keys::SITE etc.: one array per record.
#define MA_SCHEMA_KEY_ARRAY(RECORD, SINCE, UNTIL) \
    inline constexpr std::string_view RECORD[] = {MA_TRACE_KEYS_##RECORD(MA_SCHEMA_KEY_TEXT)};
MA_TRACE_RECORDS(MA_SCHEMA_KEY_ARRAY)
#undef MA_SCHEMA_KEY_ARRAY
}  // namespace keys

// A root's keys after kind, to and toff, which depend on its kind (keys::ROOT lists them
// all, for the document; these give the order within one root).
namespace keys {
inline constexpr std::string_view ROOT_REGISTER[] = {
    MA_TRACE_ROOT_KEYS_REGISTER(MA_SCHEMA_KEY_TEXT)};
inline constexpr std::string_view ROOT_STACK[] = {MA_TRACE_ROOT_KEYS_STACK(MA_SCHEMA_KEY_TEXT)};
inline constexpr std::string_view ROOT_GLOBAL[] = {MA_TRACE_ROOT_KEYS_GLOBAL(MA_SCHEMA_KEY_TEXT)};
inline constexpr std::string_view ROOT_MAPPING[] = {MA_TRACE_ROOT_KEYS_MAPPING(MA_SCHEMA_KEY_TEXT)};
}  // namespace keys

// Every record, in the order of the format document.
#define MA_SCHEMA_RECORD(RECORD, SINCE, UNTIL) \
    RecordSchema{MA_TAG_##RECORD, SINCE, UNTIL, keys::RECORD},
inline constexpr RecordSchema kRecords[] = {MA_TRACE_RECORDS(MA_SCHEMA_RECORD)};
#undef MA_SCHEMA_RECORD

// The first version that has the record `tag` (a tag the schema lacks is a compile error
// where this is evaluated at compile time).
consteval std::uint64_t since(std::string_view tag) {
    for (const RecordSchema& record : kRecords)
        if (record.tag == tag) return record.since;
    throw "not a record tag of the schema";
}

// The last version that has the record `tag`; 0 when every version since its first does.
consteval std::uint64_t until(std::string_view tag) {
    for (const RecordSchema& record : kRecords)
        if (record.tag == tag) return record.until;
    throw "not a record tag of the schema";
}

// One word of an enumerated field and the value it stands for.
template <typename Value>
struct Word {
    std::string_view text;
    Value value;
};

// Whether `table` pairs exactly the words of `words` (its schema list), each once.
template <typename Value, std::size_t N>
consteval bool pairs_exactly(const Word<Value> (&table)[N],
                             std::initializer_list<std::string_view> words) {
    if (words.size() != N) return false;
    for (const std::string_view word : words) {
        std::size_t found = 0;
        for (const Word<Value>& entry : table) found += entry.text == word;
        if (found != 1) return false;
    }
    return true;
}

#define MA_SCHEMA_CHECK(TABLE, GROUP)                                                  \
    static_assert(pairs_exactly(TABLE, {MA_TRACE_WORDS_##GROUP(MA_SCHEMA_WORD_TEXT)}), \
                  #TABLE " must pair every word of MA_TRACE_WORDS_" #GROUP " once")

// The value `text` stands for in `table`; nullopt for a word the table lacks.
template <typename Value, std::size_t N>
constexpr std::optional<Value> value_of(const Word<Value> (&table)[N], std::string_view text) {
    for (const Word<Value>& entry : table)
        if (entry.text == text) return entry.value;
    return std::nullopt;
}

// The word for `value` in `table` (every value of these enums has one).
template <typename Value, std::size_t N>
constexpr std::string_view word_of(const Word<Value> (&table)[N], Value value) {
    for (const Word<Value>& entry : table)
        if (entry.value == value) return entry.text;
    return {};
}

// run: access, snapshots and pages.
inline constexpr Word<bool> kYesNo[] = {{MA_WORD_YES_NO_NO, false}, {MA_WORD_YES_NO_YES, true}};
MA_SCHEMA_CHECK(kYesNo, YES_NO);

// run: malloc-mode; true when glibc's allocator was wrapped.
inline constexpr Word<bool> kMallocModes[] = {{MA_WORD_MALLOC_MODE_REPLACE, false},
                                              {MA_WORD_MALLOC_MODE_WRAP, true}};
MA_SCHEMA_CHECK(kMallocModes, MALLOC_MODE);

inline constexpr Word<SiteKind> kSiteKinds[] = {{MA_WORD_SITE_KIND_MALLOC, SiteKind::malloc},
                                                {MA_WORD_SITE_KIND_CUSTOM, SiteKind::custom},
                                                {MA_WORD_SITE_KIND_POOL, SiteKind::pool}};
MA_SCHEMA_CHECK(kSiteKinds, SITE_KIND);

inline constexpr Word<CopyKind> kCopyKinds[] = {{MA_WORD_COPY_KIND_COPY, CopyKind::copy},
                                                {MA_WORD_COPY_KIND_REALLOC, CopyKind::realloc}};
MA_SCHEMA_CHECK(kCopyKinds, COPY_KIND);

inline constexpr Word<SourceFate> kSourceFates[] = {{MA_WORD_SRC_FATE_PROMPT, SourceFate::prompt},
                                                    {MA_WORD_SRC_FATE_LATER, SourceFate::later},
                                                    {MA_WORD_SRC_FATE_LIVE, SourceFate::live}};
MA_SCHEMA_CHECK(kSourceFates, SRC_FATE);

inline constexpr Word<PhaseDelimiter> kPhaseDelimiters[] = {
    {MA_WORD_PHASE_BY_REQUEST, PhaseDelimiter::request},
    {MA_WORD_PHASE_BY_FUNCTION, PhaseDelimiter::function}};
MA_SCHEMA_CHECK(kPhaseDelimiters, PHASE_BY);

inline constexpr Word<PhaseEnding> kPhaseEndings[] = {
    {MA_WORD_PHASE_ENDED_REQUEST, PhaseEnding::request},
    {MA_WORD_PHASE_ENDED_RETURN, PhaseEnding::returned},
    {MA_WORD_PHASE_ENDED_OPEN, PhaseEnding::open}};
MA_SCHEMA_CHECK(kPhaseEndings, PHASE_ENDED);

// snapshot: kinds, each word one flag of SnapshotKinds.
inline constexpr Word<bool SnapshotKinds::*> kSnapshotKinds[] = {
    {MA_WORD_SNAPSHOT_KIND_PEAK, &SnapshotKinds::peak},
    {MA_WORD_SNAPSHOT_KIND_REQUEST, &SnapshotKinds::request},
    {MA_WORD_SNAPSHOT_KIND_EXIT, &SnapshotKinds::exit}};
MA_SCHEMA_CHECK(kSnapshotKinds, SNAPSHOT_KIND);

inline constexpr Word<RootKind> kRootKinds[] = {
    {MA_WORD_ROOT_KIND_REGISTER, RootKind::register_word},
    {MA_WORD_ROOT_KIND_STACK, RootKind::stack},
    {MA_WORD_ROOT_KIND_GLOBAL, RootKind::global},
    {MA_WORD_ROOT_KIND_MAPPING, RootKind::mapping}};
MA_SCHEMA_CHECK(kRootKinds, ROOT_KIND);

// memory-map: name. MemoryMap keeps the word itself.
inline constexpr Word<std::string_view> kMapNames[] = {
    {MA_WORD_MAP_NAME_PEAK, MA_WORD_MAP_NAME_PEAK}, {MA_WORD_MAP_NAME_EXIT, MA_WORD_MAP_NAME_EXIT}};
MA_SCHEMA_CHECK(kMapNames, MAP_NAME);

inline constexpr Word<RegionKind> kRegionKinds[] = {{MA_WORD_REGION_KIND_ANON, RegionKind::anon},
                                                    {MA_WORD_REGION_KIND_SHM, RegionKind::shm},
                                                    {MA_WORD_REGION_KIND_FILE, RegionKind::file},
                                                    {MA_WORD_REGION_KIND_BRK, RegionKind::brk},
                                                    {MA_WORD_REGION_KIND_STACK, RegionKind::stack}};
MA_SCHEMA_CHECK(kRegionKinds, REGION_KIND);

inline constexpr Word<RegionChangeKind> kRegionChangeKinds[] = {
    {MA_WORD_REGION_CHANGE_MAPPED, RegionChangeKind::mapped},
    {MA_WORD_REGION_CHANGE_RESERVED, RegionChangeKind::reserved},
    {MA_WORD_REGION_CHANGE_ATTACHED, RegionChangeKind::attached},
    {MA_WORD_REGION_CHANGE_BRK, RegionChangeKind::brk},
    {MA_WORD_REGION_CHANGE_TRIMMED_HEAD, RegionChangeKind::trimmed_head},
    {MA_WORD_REGION_CHANGE_TRIMMED_TAIL, RegionChangeKind::trimmed_tail},
    {MA_WORD_REGION_CHANGE_TRIMMED_MIDDLE, RegionChangeKind::trimmed_middle},
    {MA_WORD_REGION_CHANGE_GROWN, RegionChangeKind::grown},
    {MA_WORD_REGION_CHANGE_SHRUNK, RegionChangeKind::shrunk},
    {MA_WORD_REGION_CHANGE_MOVED, RegionChangeKind::moved},
    {MA_WORD_REGION_CHANGE_PROTECTED, RegionChangeKind::protection}};
MA_SCHEMA_CHECK(kRegionChangeKinds, REGION_CHANGE);

#undef MA_SCHEMA_CHECK

}  // namespace memattr::schema
