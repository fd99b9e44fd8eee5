#include "trace/trace_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <istream>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trace/object_offsets.h"
#include "trace/read_progress.h"
#include "trace/trace_input.h"
#include "trace/trace_escape.h"
#include "trace/trace_schema.h"
#include "support/units.h"

#include "memattr_trace_compact.h"

namespace memattr {

namespace {

constexpr std::string_view kMagic = MA_TAG_HEADER;

// Version 4 added the memory map; version 3 snapshots; version 2 access tracking and copy
// lineage; version 1 is the format without any of them, read as a run with access=no and
// snapshots=no (and, like versions 2 and 3, pages=no and no memory map).
constexpr std::uint64_t kOldestVersion = MA_TRACE_OLDEST_VERSION;
constexpr std::uint64_t kNewestVersion = MA_TRACE_VERSION;

// A region's `growth` lists at most this many sizes (the last ones).
constexpr std::uint64_t kMaxGrowthSizes = 16;

// The fewest bytes a block and a pointer can take: a `block` record and a `ptrs` entry
// ("block\ti=1\taddr=0x1\tsite=1\tsize=0\thash=" and 16 digits; "0:1,") in versions 3 and
// 4, a block's and a pointer's part of a `blocks` record's data in version 5 (one digit
// for each number and the hash's 11; two digits). With the input's size, they bound how
// many of each a snapshot can really have, whatever its header claims.
constexpr std::uint64_t kMinBlockRecordBytes = 60;
constexpr std::uint64_t kMinPointerBytes = 4;
constexpr std::uint64_t kMinCompactBlockBytes = 4 + MA_COMPACT_HASH_CHARS;
constexpr std::uint64_t kMinCompactPointerBytes = 2;
// The fewest bytes a `root` record takes ("root\tkind=stack\tto=1" and its newline).
constexpr std::uint64_t kMinRootRecordBytes = 21;

// The value of each digit of the compact encoding (format/memattr_trace_compact.h), -1
// for a byte that is not one.
constexpr std::array<std::int8_t, 256> compact_digit_values() {
    std::array<std::int8_t, 256> values{};
    values.fill(-1);
    constexpr std::string_view digits = MA_COMPACT_DIGITS;
    for (std::size_t i = 0; i < digits.size(); ++i)
        values[static_cast<unsigned char>(digits[i])] = static_cast<std::int8_t>(i);
    return values;
}
constexpr std::array<std::int8_t, 256> kCompactDigitValues = compact_digit_values();

// Without the input's size, reservations from a snapshot's header stop here; vectors grow
// past it as records arrive.
constexpr std::uint64_t kMaxBlindReservation = std::uint64_t{1} << 20;

// The header line is short; reading at most this much of it is enough to tell a trace from
// a foreign file without buffering a binary file's first "line".
constexpr std::size_t kMaxFirstLineBytes = 256;

// Offending input quoted in a message is escaped (it may hold control bytes) and cut short
// (it may be a megabyte of garbage), so the message stays on one readable line.
std::string excerpt(std::string_view text) {
    constexpr std::size_t kMaxExcerptBytes = 40;
    if (text.size() <= kMaxExcerptBytes) return escape_value(text);
    return escape_value(text.substr(0, kMaxExcerptBytes)) + "...";
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Tags and keys share the key syntax `[a-z0-9_-]+`.
bool is_name(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text)
        if (!is_name_char(c)) return false;
    return true;
}

// Splits `text` at every `separator`; an empty `text` gives one empty piece.
std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> pieces;
    for (;;) {
        const std::size_t end = text.find(separator);
        pieces.push_back(text.substr(0, end));
        if (end == std::string_view::npos) return pieces;
        text.remove_prefix(end + 1);
    }
}

// Reads '\n'-terminated lines with a length limit, in large chunks (a snapshot makes traces
// of hundreds of megabytes). A line is returned as a view into the chunk buffer, valid until
// the next call; an overlong line is refused as soon as it passes the limit, never buffered
// whole.
class LineSource {
public:
    enum class Status {
        line,          // a complete line, its '\n' removed
        unterminated,  // the input ended inside a line (returned without '\n')
        end_of_input,  // nothing left
        too_long,      // the line exceeds the limit; the rest of it was not read
    };

    // A line's limit: `bytes`, or `long_bytes` for a line that starts with `long_prefix`.
    struct Limit {
        std::size_t bytes;
        std::string_view long_prefix = {};
        std::size_t long_bytes = 0;
    };

    // `on_read`, when set, is told the bytes read so far after each chunk (progress).
    explicit LineSource(std::istream& in, std::function<void(std::uint64_t)> on_read = {})
        : input_(in.rdbuf()), on_read_(std::move(on_read)) {}

    Status next(std::string_view& line, const Limit& limit) {
        line = {};
        std::size_t searched = 0;  // bytes of the pending line known to hold no '\n'
        for (;;) {
            const char* start = buffer_.get() + begin_;
            const std::size_t pending = end_ - begin_;
            // Nothing to search before the first read: the buffer may not exist yet, and
            // memchr must not be given a null pointer even for no bytes.
            const void* newline =
                pending > searched ? std::memchr(start + searched, '\n', pending - searched)
                                   : nullptr;
            if (newline != nullptr) {
                const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
                if (exceeds({start, length}, limit)) return Status::too_long;
                line = {start, length};
                begin_ += length + 1;
                return Status::line;
            }
            searched = pending;
            if (exceeds({start, pending}, limit)) return Status::too_long;
            if (!fill()) {
                if (pending == 0) return Status::end_of_input;
                line = {buffer_.get() + begin_, pending};
                begin_ = end_;
                return Status::unterminated;
            }
        }
    }

    // Whether any byte is left.
    bool at_end() { return begin_ == end_ && !fill(); }

private:
    static constexpr std::size_t kChunkBytes = std::size_t{1} << 22;

    // Whether `text`, a whole line or the part of one read so far, is past its limit. The
    // prefix is looked at once `text` passes the short limit, so it is always in `text`
    // (limits are far longer than prefixes), however the line arrived: whole in the buffer
    // or chunk by chunk.
    static bool exceeds(std::string_view text, const Limit& limit) {
        if (text.size() <= limit.bytes) return false;
        return !text.starts_with(limit.long_prefix) || text.size() > limit.long_bytes;
    }

    // Reads more input after the pending bytes; false when there is none.
    bool fill() {
        if (input_ == nullptr) return false;
        if (begin_ > 0) {
            std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (capacity_ - end_ < kChunkBytes) grow(std::max(end_ + kChunkBytes, 2 * end_));
        const std::streamsize read = input_->sgetn(
            buffer_.get() + end_, static_cast<std::streamsize>(capacity_ - end_));
        if (read <= 0) {
            input_ = nullptr;
            return false;
        }
        end_ += static_cast<std::size_t>(read);
        bytes_read_ += static_cast<std::uint64_t>(read);
        if (on_read_) on_read_(bytes_read_);
        return true;
    }

    std::streambuf* input_;
    std::function<void(std::uint64_t)> on_read_;
    std::uint64_t bytes_read_ = 0;
    // Moves the pending bytes (at the start, after fill's move) to a buffer of `capacity`
    // bytes. Not zero-filled: only bytes read are ever looked at, and zeroing megabytes per
    // trace read dominated reading a small trace.
    void grow(std::size_t capacity) {
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        if (end_ > 0) std::memcpy(bigger.get(), buffer_.get(), end_);
        buffer_ = std::move(bigger);
        capacity_ = capacity;
    }

    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;  // the pending (not yet returned) bytes are [begin_, end_)
    std::size_t end_ = 0;
};

struct Field {
    std::string_view key;
    std::string_view value;  // still escaped
};

// One line split into its tag and fields; views into the line being parsed.
struct Record {
    std::string_view tag;
    std::vector<Field> fields;
};

// Where an id was defined: the index of its record in the Trace vector, and its line for
// messages about duplicates.
struct IdDefinition {
    std::size_t index;
    std::uint64_t line;
};

class TraceParser {
public:
    TraceParser(std::istream& in, std::string source, std::optional<std::uint64_t> input_bytes,
                std::function<void(std::uint64_t)> on_read = {})
        : lines_(in, std::move(on_read)), input_bytes_(input_bytes) {
        trace_.source = std::move(source);
    }

    Trace parse() {
        read_header_line();
        for (;;) {
            const LineSource::Status status = read_line();
            if (status == LineSource::Status::end_of_input ||
                status == LineSource::Status::unterminated)
                fail_truncated();
            if (is_block_record(line_)) {
                parse_block_record(line_);
                continue;
            }
            const Record record = split_record(line_);
            if (record.tag == MA_TAG_END) {
                finish(record);
                return std::move(trace_);
            }
            dispatch(record);
        }
    }

private:
    using Handler = void (TraceParser::*)(const Record&);

    enum class Occurrence {
        any,           // any number of records
        once,          // exactly one
        at_most_once,  // optional, but never two
    };

    // The record kinds this reader understands. In a trace older than `since`, the tag is
    // unknown and skipped, as a reader of that version would.
    struct RecordKind {
        std::string_view tag;
        Handler handler;
        Occurrence occurrence;
        std::uint64_t since = kOldestVersion;
        bool in_memory_maps = false;  // may come after `map-events`, in the memory maps
    };
    static std::span<const RecordKind> record_kinds();

    [[noreturn]] void fail(const std::string& message) const {
        throw TraceError(trace_.source, line_number_, message);
    }

    // Reported at the last line there is, which tells how far the writer got.
    // Records numbered from 1 in order: `number` must follow the `count` before it.
    void require_next(std::string_view what, std::uint64_t number, std::size_t count,
                      std::string_view numbering) const {
        if (number != count + 1)
            fail(fmt::format("{}{} out of order: {}, so this one should be {}", what, number,
                             numbering, count + 1));
    }

    [[noreturn]] void fail_truncated() const {
        fail("trace is truncated: it ends here without the 'end' record; the profiled program "
             "was probably killed before Valgrind could finish writing");
    }

    LineSource::Status read_line() {
        const LineSource::Status status =
            lines_.next(line_, {kMaxLineBytes, kLongRecordPrefix, kMaxBlockLineBytes});
        if (status == LineSource::Status::end_of_input) return status;
        ++line_number_;
        if (status == LineSource::Status::too_long)
            fail(fmt::format("line is longer than {} bytes ({} for a 'block' or 'blocks' "
                             "record): this is not a memattr trace, or it is corrupt",
                             kMaxLineBytes, kMaxBlockLineBytes));
        return status;
    }

    void read_header_line() {
        const LineSource::Status status = lines_.next(line_, {kMaxFirstLineBytes});
        if (status == LineSource::Status::end_of_input)
            throw TraceError(trace_.source, 0,
                             "trace is empty: the profiled program was probably killed before "
                             "Valgrind could write anything");
        line_number_ = 1;
        const bool has_magic = line_.starts_with(kMagic) &&
                               (line_.size() == kMagic.size() || line_[kMagic.size()] == '\t');
        if (status == LineSource::Status::too_long || !has_magic)
            fail("not a memattr trace: the file does not begin with 'memattr-trace'");
        if (status == LineSource::Status::unterminated) fail_truncated();
        check_version(split_record(line_));
    }

    void check_version(const Record& header) {
        const std::string version = text(header, MA_KEY_HEADER_VERSION);
        std::uint64_t number = 0;
        for (std::uint64_t supported = kOldestVersion; supported <= kNewestVersion; ++supported)
            if (version == std::to_string(supported)) number = supported;
        if (number == 0)
            fail(fmt::format("unsupported trace version '{}': this memattr-graph reads versions "
                             "{} to {}",
                             excerpt(version), kOldestVersion, kNewestVersion));
        if (line_ !=
            std::string_view(fmt::format("{}\t{}={}", kMagic, MA_KEY_HEADER_VERSION, number)))
            fail(fmt::format("malformed header line '{}' (expected 'memattr-trace\\tversion={}')",
                             excerpt(line_), number));
        trace_.header.version = number;
    }

    // Lexical analysis of one line: tag, then TAB-separated key=value fields.
    Record split_record(std::string_view line) const {
        if (line.empty()) fail("empty line: every line of a trace is a record");
        for (const char c : line) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte < 0x20 && c != '\t')
                fail(fmt::format("unescaped control byte 0x{:02x}: binary data, or a corrupt "
                                 "trace",
                                 byte));
        }
        const std::vector<std::string_view> pieces = split(line, '\t');
        Record record;
        record.tag = pieces.front();
        if (!is_name(record.tag))
            fail(fmt::format("malformed record tag '{}'", excerpt(record.tag)));
        for (std::size_t i = 1; i < pieces.size(); ++i) {
            const std::size_t equals = pieces[i].find('=');
            const Field field{pieces[i].substr(0, equals),
                              equals == std::string_view::npos ? std::string_view{}
                                                               : pieces[i].substr(equals + 1)};
            if (equals == std::string_view::npos || !is_name(field.key))
                fail(fmt::format("malformed field '{}' in the '{}' record (expected key=value)",
                                 excerpt(pieces[i]), record.tag));
            for (const Field& earlier : record.fields)
                if (earlier.key == field.key)
                    fail(fmt::format("field '{}' appears twice in the '{}' record", field.key,
                                     record.tag));
            record.fields.push_back(field);
        }
        return record;
    }

    void dispatch(const Record& record) {
        for (const RecordKind& kind : record_kinds()) {
            if (kind.tag != record.tag || trace_.header.version < kind.since) continue;
            if (map_events_line_ != 0 && !kind.in_memory_maps)
                fail(fmt::format("'{}' record after the 'map-events' record (line {}): the "
                                 "memory maps come last",
                                 kind.tag, map_events_line_));
            if (kind.occurrence != Occurrence::any) note_single_record(kind.tag);
            (this->*kind.handler)(record);
            return;
        }
        // Unknown tags are later additions to the format: skipped, as the format asks.
    }

    void note_single_record(std::string_view tag) {
        const auto [seen, inserted] = single_record_lines_.emplace(tag, line_number_);
        if (!inserted)
            fail(fmt::format("second '{}' record (the first is at line {})", tag,
                             seen->second));
    }

    // ---------------------------------------------------------------- field access

    std::string_view raw(const Record& record, std::string_view key) const {
        for (const Field& field : record.fields)
            if (field.key == key) return field.value;
        fail(fmt::format("the '{}' record lacks the '{}' field", record.tag, key));
    }

    std::string text(const Record& record, std::string_view key) const {
        try {
            return unescape_value(raw(record, key));
        } catch (const MalformedEscape& error) {
            fail(fmt::format("field '{}': {}", key, error.what()));
        }
    }

    std::uint64_t parse_integer(std::string_view value, std::string_view key) const {
        std::uint64_t number = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
        if (error == std::errc::result_out_of_range)
            fail(fmt::format("field '{}' does not fit in 64 bits: '{}'", key, excerpt(value)));
        if (value.empty() || error != std::errc{} || end != value.data() + value.size())
            fail(fmt::format("field '{}' is not an unsigned decimal integer: '{}'", key,
                             excerpt(value)));
        return number;
    }

    std::uint64_t integer(const Record& record, std::string_view key) const {
        return parse_integer(raw(record, key), key);
    }

    std::uint64_t address(const Record& record, std::string_view key) const {
        return parse_address(raw(record, key), key);
    }

    std::uint64_t parse_address(std::string_view value, std::string_view key) const {
        const std::string_view digits = value.substr(value.starts_with("0x") ? 2 : 0);
        const bool well_formed =
            value.starts_with("0x") && !digits.empty() && digits.size() <= 16 &&
            digits.find_first_not_of("0123456789abcdef") == std::string_view::npos;
        if (!well_formed)
            fail(fmt::format("field '{}' is not an address ('0x' and lowercase hex): '{}'", key,
                             excerpt(value)));
        std::uint64_t number = 0;
        std::from_chars(digits.data(), digits.data() + digits.size(), number, 16);
        return number;
    }

    bool flag(const Record& record, std::string_view key) const {
        const std::string_view value = raw(record, key);
        if (value != "0" && value != "1")
            fail(fmt::format("field '{}' must be 0 or 1, not '{}'", key, excerpt(value)));
        return value == "1";
    }

    // The value of an enumerated field: what its word means in `words`, a table of the
    // schema (trace/trace_schema.h) that pairs each word with its value by name.
    template <typename Value, std::size_t N>
    Value word(const Record& record, std::string_view key,
               const schema::Word<Value> (&words)[N]) const {
        const std::string_view value = raw(record, key);
        if (const std::optional<Value> meaning = schema::value_of(words, value)) return *meaning;
        std::vector<std::string_view> texts;
        for (const schema::Word<Value>& word : words) texts.push_back(word.text);
        fail(fmt::format("field '{}' must be one of {}, not '{}'", key, fmt::join(texts, ", "),
                         excerpt(value)));
    }

    // A figure that traces written before its key existed lack (no report reads it yet):
    // 0 when absent, checked when present.
    std::uint64_t optional_integer(const Record& record, std::string_view key) const {
        return has_field(record, key) ? integer(record, key) : 0;
    }

    // A key version 2 added: required from version 2 on, 0 in older traces (where an
    // unknown key of that name means nothing).
    std::uint64_t integer_since_v2(const Record& record, std::string_view key) const {
        return trace_.header.version >= 2 ? integer(record, key) : 0;
    }

    // Records `id` of a `kind` record about to be appended at `index`; refuses duplicates.
    void define_id(std::unordered_map<std::uint64_t, IdDefinition>& ids, std::string_view kind,
                   std::uint64_t id, std::size_t index) const {
        const auto [existing, inserted] = ids.emplace(id, IdDefinition{index, line_number_});
        if (!inserted)
            fail(fmt::format("duplicate {} id {} (first defined at line {})", kind, id,
                             existing->second.line));
    }

    std::size_t resolve(const std::unordered_map<std::uint64_t, IdDefinition>& ids,
                        std::string_view referrer, std::string_view kind, std::uint64_t id) const {
        const auto found = ids.find(id);
        if (found == ids.end()) fail(fmt::format("{} refers to unknown {} {}", referrer, kind, id));
        return found->second.index;
    }

    // resolve() for sites, through a dense table when ids are small (they count from 1), so
    // that millions of `block` records cost no hashing.
    std::size_t resolve_site(std::uint64_t id, std::string_view referrer) {
        constexpr std::size_t kNoSite = std::numeric_limits<std::size_t>::max();
        if (dense_sites_for_ != trace_.sites.size()) {
            dense_site_index_.assign(std::min<std::size_t>(trace_.sites.size() * 2 + 1, 1 << 24),
                                     kNoSite);
            for (const auto& [site_id, definition] : site_ids_)
                if (site_id < dense_site_index_.size()) dense_site_index_[site_id] = definition.index;
            dense_sites_for_ = trace_.sites.size();
        }
        if (id < dense_site_index_.size() && dense_site_index_[id] != kNoSite)
            return dense_site_index_[id];
        return resolve(site_ids_, referrer, MA_TAG_SITE, id);
    }

    // ---------------------------------------------------------------- records

    void parse_tool(const Record& record) {
        trace_.header.tool = {text(record, MA_KEY_TOOL_NAME), text(record, MA_KEY_TOOL_VERSION)};
    }

    void parse_cmd(const Record& record) {
        trace_.header.command = {text(record, MA_KEY_CMD_EXE), text(record, MA_KEY_CMD_ARGS)};
    }

    void parse_process(const Record& record) {
        trace_.header.process = {integer(record, MA_KEY_PROCESS_PID),
                                 integer(record, MA_KEY_PROCESS_PPID),
                                 integer(record, MA_KEY_PROCESS_FORK_OF)};
    }

    void parse_run(const Record& record) {
        RunInfo& run = trace_.header.run;
        run.malloc_mode = text(record, MA_KEY_RUN_MALLOC_MODE);
        run.time_unit = text(record, MA_KEY_RUN_TIME_UNIT);
        run.alignment = integer(record, MA_KEY_RUN_ALIGNMENT);
        run.num_callers = integer(record, MA_KEY_RUN_NUM_CALLERS);
        run.access = trace_.header.version >= 2 && word(record, MA_KEY_RUN_ACCESS, schema::kYesNo);
        if (trace_.header.version >= 3) {
            run.snapshots = word(record, MA_KEY_RUN_SNAPSHOTS, schema::kYesNo);
            run.snapshot_growth = integer(record, MA_KEY_RUN_SNAPSHOT_GROWTH);
            run.snapshot_min = integer(record, MA_KEY_RUN_SNAPSHOT_MIN);
            run.snapshot_budget = optional_integer(record, MA_KEY_RUN_SNAPSHOT_BUDGET);
        }
        // Older versions wrote only "replace"; their value is kept as it was, unchecked.
        if (trace_.header.version >= 4) {
            word(record, MA_KEY_RUN_MALLOC_MODE, schema::kMallocModes);
            run.pages = word(record, MA_KEY_RUN_PAGES, schema::kYesNo);
        }
    }

    void parse_definition(const Record& record) {
        Definition definition{text(record, MA_KEY_DEFINITION_NAME),
                              text(record, MA_KEY_DEFINITION_TEXT)};
        const auto [seen, inserted] = definition_lines_.emplace(definition.name, line_number_);
        if (!inserted)
            fail(fmt::format("second definition of '{}' (the first is at line {})",
                             excerpt(definition.name), seen->second));
        trace_.header.definitions.push_back(std::move(definition));
    }

    void parse_frame(const Record& record) {
        Frame frame;
        frame.id = integer(record, MA_KEY_FRAME_ID);
        frame.ip = address(record, MA_KEY_FRAME_IP);
        frame.inlined = flag(record, MA_KEY_FRAME_INLINED);
        frame.function = text(record, MA_KEY_FRAME_FN);
        frame.file = text(record, MA_KEY_FRAME_FILE);
        // `dir` is given only for non-inlined frames, so it is the one optional key.
        if (has_field(record, MA_KEY_FRAME_DIR)) frame.dir = text(record, MA_KEY_FRAME_DIR);
        frame.line = integer(record, MA_KEY_FRAME_LINE);
        frame.object = text(record, MA_KEY_FRAME_OBJ);
        // Stacks hold 32-bit frame indexes (trace.h).
        if (trace_.frames.size() >= std::numeric_limits<std::uint32_t>::max())
            fail(fmt::format("more than {} frames", std::numeric_limits<std::uint32_t>::max()));
        define_id(frame_ids_, MA_TAG_FRAME, frame.id, trace_.frames.size());
        trace_.frames.push_back(std::move(frame));
    }

    static bool has_field(const Record& record, std::string_view key) {
        for (const Field& field : record.fields)
            if (field.key == key) return true;
        return false;
    }

    void parse_stack(const Record& record) {
        Stack stack;
        stack.id = integer(record, MA_KEY_STACK_ID);
        const std::string_view frame_list = raw(record, MA_KEY_STACK_FRAMES);
        if (frame_list.empty()) fail("stack has no frames ('frames' is empty)");
        // Exactly (one more id than commas): 80,000 stacks of up to 24 frames in a compiler.
        stack.frames.reserve(
            static_cast<std::size_t>(std::count(frame_list.begin(), frame_list.end(), ',')) + 1);
        for (const std::string_view frame_id : split(frame_list, ','))
            stack.frames.push_back(static_cast<std::uint32_t>(
                resolve(frame_ids_, MA_TAG_STACK, MA_TAG_FRAME,
                        parse_integer(frame_id, MA_KEY_STACK_FRAMES))));
        define_id(stack_ids_, MA_TAG_STACK, stack.id, trace_.stacks.size());
        trace_.stacks.push_back(std::move(stack));
    }

    void parse_site(const Record& record) {
        Site site;
        site.id = integer(record, MA_KEY_SITE_ID);
        site.stack =
            resolve(stack_ids_, MA_TAG_SITE, MA_TAG_STACK, integer(record, MA_KEY_SITE_STACK));
        site.total_bytes = integer(record, MA_KEY_SITE_TB);
        site.total_blocks = integer(record, MA_KEY_SITE_TBK);
        site.peak_bytes = integer(record, MA_KEY_SITE_PB);
        site.peak_blocks = integer(record, MA_KEY_SITE_PBK);
        site.max_bytes = integer(record, MA_KEY_SITE_MB);
        site.max_blocks = integer(record, MA_KEY_SITE_MBK);
        site.exit_bytes = integer(record, MA_KEY_SITE_EB);
        site.exit_blocks = integer(record, MA_KEY_SITE_EBK);
        site.freed_blocks = integer(record, MA_KEY_SITE_FBK);
        site.lifetime_min = integer(record, MA_KEY_SITE_LTMIN);
        site.lifetime_max = integer(record, MA_KEY_SITE_LTMAX);
        site.lifetime_sum = integer(record, MA_KEY_SITE_LTSUM);
        site.temporary_blocks = integer(record, MA_KEY_SITE_TMPBK);
        site.temporary_bytes = integer(record, MA_KEY_SITE_TMPB);
        site.realloc_blocks = integer(record, MA_KEY_SITE_RBK);
        site.bytes_read = integer_since_v2(record, MA_KEY_SITE_RD);
        site.bytes_written = integer_since_v2(record, MA_KEY_SITE_WR);
        site.never_read_blocks = integer_since_v2(record, MA_KEY_SITE_NRBK);
        site.never_read_bytes = integer_since_v2(record, MA_KEY_SITE_NRB);
        site.never_accessed_blocks = integer_since_v2(record, MA_KEY_SITE_NABK);
        site.never_accessed_bytes = integer_since_v2(record, MA_KEY_SITE_NAB);
        // `kind` is optional: absent means malloc, as for every site of an older trace.
        if (trace_.header.version >= 4 && has_field(record, MA_KEY_SITE_KIND))
            site.kind = word(record, MA_KEY_SITE_KIND, schema::kSiteKinds);
        // Reports subtract these (written but never read = never read - never accessed).
        if (site.never_accessed_blocks > site.never_read_blocks ||
            site.never_accessed_bytes > site.never_read_bytes)
            fail(fmt::format("site {}: more never accessed than never read (nabk={} nrbk={}, "
                             "nab={} nrb={}); never accessed blocks are never read too",
                             site.id, site.never_accessed_blocks, site.never_read_blocks,
                             site.never_accessed_bytes, site.never_read_bytes));
        define_id(site_ids_, MA_TAG_SITE, site.id, trace_.sites.size());
        trace_.sites.push_back(site);
    }

    // A record that only a run with an option on writes (copy and access records need access
    // tracking, snapshot records need snapshots): a trace whose `run` record says it was off,
    // or that has not said so yet (`run` comes first), cannot have it.
    void require_run_option(std::string_view tag, bool on, std::string_view what,
                            std::string_view key) const {
        if (!single_record_lines_.contains(MA_TAG_RUN))
            fail(fmt::format("'{}' record before the 'run' record", tag));
        if (!on)
            fail(fmt::format("'{}' record in a trace without {} (the 'run' record says {}=no)",
                             tag, what, key));
    }

    void require_access_tracking(std::string_view tag) const {
        require_run_option(tag, trace_.header.run.access, "access tracking", MA_KEY_RUN_ACCESS);
    }

    void parse_copy(const Record& record) {
        require_access_tracking(record.tag);
        CopyGroup copy;
        copy.kind = word(record, MA_KEY_COPY_KIND, schema::kCopyKinds);
        copy.stack =
            resolve(stack_ids_, MA_TAG_COPY, MA_TAG_STACK, integer(record, MA_KEY_COPY_STACK));
        copy.from = resolve(site_ids_, MA_TAG_COPY, MA_TAG_SITE, integer(record, MA_KEY_COPY_FROM));
        copy.to = resolve(site_ids_, MA_TAG_COPY, MA_TAG_SITE, integer(record, MA_KEY_COPY_TO));
        const std::uint64_t share = integer(record, MA_KEY_COPY_SHARE);
        if (share > 10)
            fail(fmt::format("field 'share' is in tenths, from 0 to 10, not {}", share));
        copy.share = static_cast<unsigned>(share);
        copy.source_used = flag(record, MA_KEY_COPY_SRC_USED);
        copy.source_fate = word(record, MA_KEY_COPY_SRC_FATE, schema::kSourceFates);
        copy.pairs = integer(record, MA_KEY_COPY_N);
        copy.bytes = integer(record, MA_KEY_COPY_BYTES);
        copy.source_bytes = integer(record, MA_KEY_COPY_SRC_BYTES);
        copy.destination_bytes = integer(record, MA_KEY_COPY_DST_BYTES);
        copy.peak_source_bytes = integer(record, MA_KEY_COPY_PEAK_SRC_BYTES);
        copy.overlap = integer(record, MA_KEY_COPY_OVERLAP);
        trace_.copies.push_back(copy);
    }

    void parse_access(const Record& record) {
        require_access_tracking(record.tag);
        trace_.access = AccessTotals{integer(record, MA_KEY_ACCESS_READS),
                                     integer(record, MA_KEY_ACCESS_WRITES),
                                     integer(record, MA_KEY_ACCESS_BULK_COPIES),
                                     integer(record, MA_KEY_ACCESS_BULK_BYTES),
                                     integer(record, MA_KEY_ACCESS_INLINE_COPY_BYTES),
                                     integer(record, MA_KEY_ACCESS_PAIRS),
                                     integer(record, MA_KEY_ACCESS_EXTRA_SOURCE_BYTES)};
    }

    void parse_thread(const Record& record) {
        Thread thread;
        thread.id = integer(record, MA_KEY_THREAD_ID);
        if (thread.id == 0) fail("thread id 0 is not allowed (threads are numbered from 1)");
        thread.parent = integer(record, MA_KEY_THREAD_PARENT);
        thread.total_bytes = integer(record, MA_KEY_THREAD_TB);
        thread.total_blocks = integer(record, MA_KEY_THREAD_TBK);
        thread.peak_bytes = integer(record, MA_KEY_THREAD_PB);
        thread.peak_blocks = integer(record, MA_KEY_THREAD_PBK);
        thread.peak_time = integer(record, MA_KEY_THREAD_PT);
        thread.exit_bytes = integer(record, MA_KEY_THREAD_EB);
        thread.exit_blocks = integer(record, MA_KEY_THREAD_EBK);
        if (has_field(record, MA_KEY_THREAD_GPB)) {
            thread.global_peak_bytes = integer(record, MA_KEY_THREAD_GPB);
            thread.global_peak_blocks = integer(record, MA_KEY_THREAD_GPBK);
        }
        if (has_field(record, MA_KEY_THREAD_PRS))
            thread.own_peak_rest = ThreadPeakRest{integer(record, MA_KEY_THREAD_PRS),
                                                  integer(record, MA_KEY_THREAD_PRB),
                                                  integer(record, MA_KEY_THREAD_PRBK)};
        define_id(thread_ids_, MA_TAG_THREAD, thread.id, trace_.threads.size());
        trace_.threads.push_back(thread);
    }

    // A thread's top sites follow its `thread` record, which says how much the others held;
    // with those they make up the thread's own peak.
    void parse_thread_site(const Record& record) {
        const std::uint64_t id = integer(record, MA_KEY_THREAD_SITE_THREAD);
        if (trace_.threads.empty() || trace_.threads.back().id != id)
            fail(fmt::format("'thread-site' record for thread {} does not follow that thread's "
                             "'thread' record",
                             id));
        Thread& thread = trace_.threads.back();
        if (!thread.own_peak_rest)
            fail(fmt::format("'thread-site' record for thread {}, whose 'thread' record has no "
                             "'{}'",
                             id, MA_KEY_THREAD_PRS));
        ThreadPeakSite row;
        row.site = resolve_site(integer(record, MA_KEY_THREAD_SITE_SITE), MA_TAG_THREAD_SITE);
        for (const ThreadPeakSite& earlier : thread.own_peak_sites)
            if (earlier.site == row.site)
                fail(fmt::format("second 'thread-site' record for site {} in thread {}",
                                 trace_.sites[row.site].id, id));
        row.bytes = integer(record, MA_KEY_THREAD_SITE_BYTES);
        row.blocks = integer(record, MA_KEY_THREAD_SITE_BLOCKS);
        thread.own_peak_sites.push_back(row);
    }

    void parse_peak(const Record& record) {
        trace_.peak = {integer(record, MA_KEY_PEAK_T), integer(record, MA_KEY_PEAK_ALLOC),
                       integer(record, MA_KEY_PEAK_BYTES), integer(record, MA_KEY_PEAK_BLOCKS)};
    }

    void parse_totals(const Record& record) {
        trace_.totals = {
            integer(record, MA_KEY_TOTALS_BYTES), integer(record, MA_KEY_TOTALS_BLOCKS),
            integer(record, MA_KEY_TOTALS_FREES), integer(record, MA_KEY_TOTALS_BAD_FREES)};
    }

    void parse_exit(const Record& record) {
        trace_.exit = {integer(record, MA_KEY_EXIT_T),     integer(record, MA_KEY_EXIT_ALLOC),
                       integer(record, MA_KEY_EXIT_BYTES), integer(record, MA_KEY_EXIT_BLOCKS),
                       text(record, MA_KEY_EXIT_REASON),   integer(record, MA_KEY_EXIT_CODE)};
    }

    void parse_timeline(const Record& record) {
        const TimelinePoint point{
            integer(record, MA_KEY_TIMELINE_T), integer(record, MA_KEY_TIMELINE_ALLOC),
            integer(record, MA_KEY_TIMELINE_BYTES), integer(record, MA_KEY_TIMELINE_BLOCKS)};
        if (!trace_.timeline.empty() && point.time < trace_.timeline.back().time)
            fail(fmt::format("timeline sample at t={} comes after one at t={}: samples must be "
                             "in increasing time",
                             point.time, trace_.timeline.back().time));
        trace_.timeline.push_back(point);
    }

    // ---------------------------------------------------------------- phases

    // Phase records come after the timeline and before the snapshots: each `phase` followed
    // by its `phase-site` records, then the `mark` records, then one `phases` record.
    void require_phase_section(std::string_view tag, bool before_marks) const {
        if (!trace_.snapshots.empty())
            fail(fmt::format("'{}' record after a snapshot: phases come before the snapshots",
                             tag));
        if (phase_counts_line_ != 0)
            fail(fmt::format("'{}' record after the 'phases' record (line {})", tag,
                             phase_counts_line_));
        if (before_marks && !trace_.marks.empty())
            fail(fmt::format("'{}' record after a 'mark' record: marks follow the phases",
                             tag));
    }

    // The moment keys `PREFIXt`, `PREFIXalloc`, `PREFIXbytes`, `PREFIXblocks`.
    TimelinePoint moment(const Record& record, std::string_view prefix) const {
        const auto key = [&](std::string_view name) { return fmt::format("{}{}", prefix, name); };
        return {integer(record, key(MA_KEY_MOMENT_T)), integer(record, key(MA_KEY_MOMENT_ALLOC)),
                integer(record, key(MA_KEY_MOMENT_BYTES)),
                integer(record, key(MA_KEY_MOMENT_BLOCKS))};
    }

    // `what` is allocated `allocated`, of which `still_live` is still live at exit: the
    // second cannot exceed the first.
    void check_still_live(std::string_view what, std::uint64_t allocated,
                          std::uint64_t still_live, std::string_view keys) const {
        if (still_live > allocated)
            fail(fmt::format("{}: {} says more is still live at exit ({}) than was allocated "
                             "({})",
                             what, keys, still_live, allocated));
    }

    void parse_phase(const Record& record) {
        require_phase_section(record.tag, true);
        PhaseInstance phase;
        phase.id = integer(record, MA_KEY_PHASE_ID);
        require_next("phase id ", phase.id, trace_.phases.size(),
                     "phases are numbered from 1 in the order they began");
        phase.name = text(record, MA_KEY_PHASE_NAME);
        phase.iteration = integer(record, MA_KEY_PHASE_ITERATION);
        std::uint64_t& last_iteration = last_iteration_of_[phase.name];
        // Dropped instances leave gaps, so iterations only have to increase.
        if (phase.iteration <= last_iteration)
            fail(fmt::format("phase {} is iteration {} of '{}', but iteration {} came before "
                             "it: iterations increase in the order instances began",
                             phase.id, phase.iteration, excerpt(phase.name), last_iteration));
        last_iteration = phase.iteration;
        phase.parent = integer(record, MA_KEY_PHASE_PARENT);
        if (phase.parent >= phase.id)
            fail(fmt::format("phase {} is nested in phase {}, which did not begin before it",
                             phase.id, phase.parent));
        phase.thread = integer(record, MA_KEY_PHASE_THREAD);
        if (!thread_ids_.contains(phase.thread))
            fail(fmt::format("phase refers to unknown thread {}", phase.thread));
        phase.by = word(record, MA_KEY_PHASE_BY, schema::kPhaseDelimiters);
        phase.ended = word(record, MA_KEY_PHASE_ENDED, schema::kPhaseEndings);
        phase.begin = moment(record, MA_PHASE_MOMENT_BEGIN "-");
        phase.end = moment(record, MA_PHASE_MOMENT_END "-");
        if (phase.end.time < phase.begin.time || phase.end.allocated < phase.begin.allocated)
            fail(fmt::format("phase {} ends (t={}, alloc={}) before it begins (t={}, alloc={})",
                             phase.id, phase.end.time, phase.end.allocated, phase.begin.time,
                             phase.begin.allocated));
        if (!trace_.phases.empty() && phase.begin.time < trace_.phases.back().begin.time)
            fail(fmt::format("phase {} begins at t={}, before phase {} (t={}): phases are "
                             "numbered in the order they began",
                             phase.id, phase.begin.time, phase.id - 1,
                             trace_.phases.back().begin.time));
        phase.allocated_bytes = integer(record, MA_KEY_PHASE_AB);
        phase.allocated_blocks = integer(record, MA_KEY_PHASE_ABK);
        phase.freed_bytes = integer(record, MA_KEY_PHASE_FB);
        phase.freed_blocks = integer(record, MA_KEY_PHASE_FBK);
        phase.peak_bytes = integer(record, MA_KEY_PHASE_PEAK);
        phase.peak_time = integer(record, MA_KEY_PHASE_PEAK_T);
        phase.exit_bytes = integer(record, MA_KEY_PHASE_XB);
        phase.exit_blocks = integer(record, MA_KEY_PHASE_XBK);
        check_still_live(fmt::format("phase {}", phase.id), phase.allocated_bytes,
                         phase.exit_bytes, MA_KEY_PHASE_XB);
        check_still_live(fmt::format("phase {}", phase.id), phase.allocated_blocks,
                         phase.exit_blocks, MA_KEY_PHASE_XBK);
        trace_.phases.push_back(std::move(phase));
    }

    void parse_phase_site(const Record& record) {
        require_phase_section(record.tag, true);
        const std::uint64_t id = integer(record, MA_KEY_PHASE_SITE_PHASE);
        if (trace_.phases.empty() || trace_.phases.back().id != id)
            fail(fmt::format("'phase-site' record for phase {} does not follow that phase's "
                             "'phase' record",
                             id));
        PhaseInstance& phase = trace_.phases.back();
        PhaseSite row;
        row.site = resolve_site(integer(record, MA_KEY_PHASE_SITE_SITE), MA_TAG_PHASE_SITE);
        for (const PhaseSite& earlier : phase.sites)
            if (earlier.site == row.site)
                fail(fmt::format("second 'phase-site' record for site {} in phase {}",
                                 trace_.sites[row.site].id, id));
        row.allocated_bytes = integer(record, MA_KEY_PHASE_SITE_AB);
        row.allocated_blocks = integer(record, MA_KEY_PHASE_SITE_ABK);
        row.freed_bytes = integer(record, MA_KEY_PHASE_SITE_FB);
        row.freed_blocks = integer(record, MA_KEY_PHASE_SITE_FBK);
        row.live_begin = integer(record, MA_KEY_PHASE_SITE_LIVE_BEGIN);
        row.live_end = integer(record, MA_KEY_PHASE_SITE_LIVE_END);
        row.exit_bytes = integer(record, MA_KEY_PHASE_SITE_XB);
        row.exit_blocks = integer(record, MA_KEY_PHASE_SITE_XBK);
        const std::string what = fmt::format("phase {}, site {}", id, trace_.sites[row.site].id);
        check_still_live(what, row.allocated_bytes, row.exit_bytes, MA_KEY_PHASE_SITE_XB);
        check_still_live(what, row.allocated_blocks, row.exit_blocks, MA_KEY_PHASE_SITE_XBK);
        phase.sites.push_back(row);
    }

    void parse_mark(const Record& record) {
        require_phase_section(record.tag, false);
        Mark mark{moment(record, ""), text(record, MA_KEY_MARK_LABEL)};
        if (!trace_.marks.empty() && mark.at.time < trace_.marks.back().at.time)
            fail(fmt::format("mark at t={} comes after one at t={}: marks are in increasing time",
                             mark.at.time, trace_.marks.back().at.time));
        trace_.marks.push_back(std::move(mark));
    }

    void parse_phase_counts(const Record& record) {
        require_phase_section(record.tag, false);
        trace_.phase_counts = PhaseCounts{integer(record, MA_KEY_PHASES_KEPT),
                                          integer(record, MA_KEY_PHASES_DROPPED)};
        if (trace_.phase_counts->kept != trace_.phases.size())
            fail(fmt::format("'phases' says kept={} but {} 'phase' records precede it: records "
                             "were lost or added, the trace is corrupt",
                             trace_.phase_counts->kept, trace_.phases.size()));
        phase_counts_line_ = line_number_;
    }

    // ---------------------------------------------------------------- snapshots

    void require_snapshots(std::string_view tag) const {
        require_run_option(tag, trace_.header.run.snapshots, "snapshots", MA_KEY_RUN_SNAPSHOTS);
    }

    // As many elements as the header claims, but no more than the rest of the input could
    // describe at `min_record_bytes` each: a forged count must not reserve gigabytes.
    std::uint64_t trusted_count(std::uint64_t claimed, std::uint64_t min_record_bytes) const {
        const std::uint64_t limit =
            input_bytes_ ? *input_bytes_ / min_record_bytes : kMaxBlindReservation;
        return std::min(claimed, limit);
    }

    SnapshotKinds parse_kinds(std::string_view value) const {
        SnapshotKinds kinds;
        for (const std::string_view word : split(value, ',')) {
            const std::optional<bool SnapshotKinds::*> kind =
                schema::value_of(schema::kSnapshotKinds, word);
            if (!kind)
                fail(fmt::format("field 'kinds' is a comma-separated list of peak, request and "
                                 "exit, not '{}'",
                                 excerpt(value)));
            kinds.*(*kind) = true;
        }
        return kinds;
    }

    void parse_snapshot(const Record& record) {
        require_snapshots(record.tag);
        close_snapshot();
        Snapshot snapshot;
        snapshot.id = integer(record, MA_KEY_SNAPSHOT_ID);
        require_next("snapshot id ", snapshot.id, trace_.snapshots.size(),
                     "snapshots are numbered from 1 in trace order");
        snapshot.name = text(record, MA_KEY_SNAPSHOT_NAME);
        snapshot.kinds = parse_kinds(raw(record, MA_KEY_SNAPSHOT_KINDS));
        snapshot.time = integer(record, MA_KEY_SNAPSHOT_T);
        snapshot.allocated = integer(record, MA_KEY_SNAPSHOT_ALLOC);
        snapshot.bytes = integer(record, MA_KEY_SNAPSHOT_BYTES);
        snapshot.scanned = integer(record, MA_KEY_SNAPSHOT_SCANNED);
        snapshot.reused = optional_integer(record, MA_KEY_SNAPSHOT_REUSED);
        snapshot.unreadable_blocks = optional_integer(record, MA_KEY_SNAPSHOT_UNREADABLE_BLOCKS);
        snapshot.unreadable_bytes = optional_integer(record, MA_KEY_SNAPSHOT_UNREADABLE_BYTES);
        snapshot.in_place_blocks = optional_integer(record, MA_KEY_SNAPSHOT_IN_PLACE_BLOCKS);
        open_ = OpenSnapshot{line_number_, integer(record, MA_KEY_SNAPSHOT_BLOCKS),
                             integer(record, MA_KEY_SNAPSHOT_EDGES),
                             integer(record, MA_KEY_SNAPSHOT_ROOTS)};
        if (open_->blocks > std::numeric_limits<std::uint32_t>::max())
            fail(fmt::format("snapshot {} has {} blocks; memattr-graph reads at most {} per "
                             "snapshot",
                             snapshot.id, open_->blocks, std::numeric_limits<std::uint32_t>::max()));
        for (const Snapshot& earlier : trace_.snapshots)
            if ((earlier.kinds.peak && snapshot.kinds.peak) ||
                (earlier.kinds.exit && snapshot.kinds.exit))
                fail(fmt::format("snapshot {} is a second {} snapshot (snapshot {} is one)",
                                 snapshot.id, snapshot.kinds.peak ? "peak" : "exit", earlier.id));
        const bool compact = trace_.header.version >= schema::since(MA_TAG_BLOCKS);
        snapshot.blocks.reserve(trusted_count(
            open_->blocks, compact ? kMinCompactBlockBytes : kMinBlockRecordBytes));
        snapshot.first_pointer.reserve(snapshot.blocks.capacity() + 1);
        snapshot.pointers.reserve(
            trusted_count(open_->edges, compact ? kMinCompactPointerBytes : kMinPointerBytes));
        // Exactly: a root is 150 bytes, and a compiler's snapshot has 40,000 of them.
        snapshot.roots.reserve(trusted_count(open_->roots, kMinRootRecordBytes));
        trace_.snapshots.push_back(std::move(snapshot));
    }

    // The snapshot whose `block` or `root` record this is.
    Snapshot& open_snapshot(std::string_view tag) {
        require_snapshots(tag);
        if (!open_)
            fail(fmt::format("'{}' record outside a snapshot (it must follow a 'snapshot' "
                             "record and its blocks)",
                             tag));
        return trace_.snapshots.back();
    }

    // A block record's values, still unparsed: views into the line.
    struct BlockFields {
        std::string_view number;   // i
        std::string_view address;  // addr
        std::string_view site;     // site
        std::string_view size;     // size
        std::string_view hash;     // hash
        std::optional<std::string_view> pointers;  // ptrs, absent without pointers
        std::optional<std::string_view> layouts;   // heur, absent without layout matches
    };

    static bool is_block_record(std::string_view line) { return line.starts_with(kBlockPrefix); }

    void parse_block_record(std::string_view line) {
        // A version 1 or 2 reader does not know the tag: skipped, as the format asks, once
        // it is known to be a record at all.
        if (trace_.header.version < 3) {
            split_record(line);
            return;
        }
        if (trace_.header.version > schema::until(MA_TAG_BLOCK))
            fail(fmt::format("'block' record in a version {} trace: since version 5 a "
                             "snapshot's blocks are in 'blocks' records",
                             trace_.header.version));
        BlockFields fields;
        if (!split_canonical_block(line, fields)) fields = block_fields(split_record(line));
        add_block(fields);
    }

    // The fast path: `line` in the layout the tool writes (i, addr, site, size, hash, then
    // ptrs when there are pointers). False for any other layout, which then takes the
    // general path.
    static bool split_canonical_block(std::string_view line, BlockFields& fields) {
        line.remove_prefix(kBlockPrefix.size());
        const std::pair<std::string_view, std::string_view*> expected[] = {
            {MA_KEY_BLOCK_I "=", &fields.number}, {MA_KEY_BLOCK_ADDR "=", &fields.address},
            {MA_KEY_BLOCK_SITE "=", &fields.site}, {MA_KEY_BLOCK_SIZE "=", &fields.size},
            {MA_KEY_BLOCK_HASH "=", &fields.hash}};
        for (const auto& [key, value] : expected) {
            if (!line.starts_with(key)) return false;
            line.remove_prefix(key.size());
            const std::size_t tab = line.find('\t');
            *value = line.substr(0, tab);
            line = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
            if (tab == std::string_view::npos && value != &fields.hash) return false;
            if (tab != std::string_view::npos && line.empty()) return false;
        }
        if (line.empty()) return true;
        constexpr std::string_view kPointers = MA_KEY_BLOCK_PTRS "=";
        if (line.starts_with(kPointers)) {
            const std::size_t tab = line.find('\t');
            fields.pointers = line.substr(kPointers.size(), tab - kPointers.size());
            if (tab == std::string_view::npos) return true;
            line.remove_prefix(tab + 1);
        }
        constexpr std::string_view kLayouts = MA_KEY_BLOCK_HEUR "=";
        if (!line.starts_with(kLayouts) || line.find('\t') != std::string_view::npos) return false;
        fields.layouts = line.substr(kLayouts.size());
        return true;
    }

    BlockFields block_fields(const Record& record) const {
        BlockFields fields{raw(record, MA_KEY_BLOCK_I),    raw(record, MA_KEY_BLOCK_ADDR),
                           raw(record, MA_KEY_BLOCK_SITE), raw(record, MA_KEY_BLOCK_SIZE),
                           raw(record, MA_KEY_BLOCK_HASH), std::nullopt, std::nullopt};
        if (has_field(record, MA_KEY_BLOCK_PTRS)) fields.pointers = raw(record, MA_KEY_BLOCK_PTRS);
        if (has_field(record, MA_KEY_BLOCK_HEUR)) fields.layouts = raw(record, MA_KEY_BLOCK_HEUR);
        return fields;
    }

    void add_block(const BlockFields& fields) {
        Snapshot& snapshot = open_snapshot(MA_TAG_BLOCK);
        if (open_->roots_seen)
            fail("'block' record after the snapshot's 'root' records: blocks come first");
        const std::uint64_t number = parse_integer(fields.number, MA_KEY_BLOCK_I);
        require_next("block i=", number, snapshot.blocks.size(),
                     "the blocks of a snapshot are numbered from 1");
        if (number > open_->blocks)
            fail(fmt::format("block i={} is more than the snapshot's blocks={}", number,
                             open_->blocks));
        SnapshotBlock block;
        block.address = parse_address(fields.address, MA_KEY_BLOCK_ADDR);
        block.site = static_cast<std::uint32_t>(
            resolve_site(parse_integer(fields.site, MA_KEY_BLOCK_SITE), MA_TAG_BLOCK));
        block.size = parse_integer(fields.size, MA_KEY_BLOCK_SIZE);
        block.hash = parse_hash(fields.hash);
        if (!snapshot.blocks.empty())
            check_after(snapshot.blocks.back(), block, number, open_->blocks_end);
        open_->blocks_end = std::max(open_->blocks_end, block_end(block));
        if (fields.pointers) parse_pointers(*fields.pointers, block.size, snapshot);
        if (fields.layouts) parse_layouts(*fields.layouts, block.size, snapshot);
        commit_block(snapshot, block);
    }

    // Adds `block`, whose pointers are the last ones added, to the snapshot.
    void commit_block(Snapshot& snapshot, const SnapshotBlock& block) {
        if (block.size > std::numeric_limits<std::uint64_t>::max() - open_->bytes)
            fail("the snapshot's block sizes add up to more than 64 bits can hold");
        open_->bytes += block.size;
        snapshot.blocks.push_back(block);
        snapshot.first_pointer.push_back(snapshot.pointers.size());
    }

    // Blocks come in increasing address order and do not overlap (a block of size 0 takes
    // one byte, as pointers into it count), except that blocks may lie wholly inside an
    // earlier one: a metapool's chunk and the custom blocks carved out of it, which
    // Memcheck's leak check keeps both. `enclosing_end` is the farthest end of the blocks
    // before this one.
    void check_after(const SnapshotBlock& previous, const SnapshotBlock& block,
                     std::uint64_t number, std::uint64_t enclosing_end) const {
        const std::uint64_t previous_extent = std::max<std::uint64_t>(previous.size, 1);
        const bool after = block.address >= previous.address &&
                           block.address - previous.address >= previous_extent;
        const bool nested = block.address > previous.address &&
                            block_end(block) <= enclosing_end;
        if (!after && !nested)
            fail(fmt::format("block i={} at {:#x} is not after block i={} ({:#x}, {} bytes): "
                             "blocks come in increasing address order and do not overlap "
                             "unless one lies inside another",
                             number, block.address, number - 1, previous.address, previous.size));
    }

    static std::uint64_t block_end(const SnapshotBlock& block) {
        const std::uint64_t extent = std::max<std::uint64_t>(block.size, 1);
        return block.address > std::numeric_limits<std::uint64_t>::max() - extent
                   ? std::numeric_limits<std::uint64_t>::max()
                   : block.address + extent;
    }

    std::uint64_t parse_hash(std::string_view value) const {
        std::uint64_t hash = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), hash, 16);
        if (value.size() != 16 || error != std::errc{} || end != value.data() + value.size() ||
            value.find_first_not_of("0123456789abcdef") != std::string_view::npos)
            fail(fmt::format("field 'hash' is not 16 lowercase hex digits: '{}'", excerpt(value)));
        return hash;
    }

    // `ptrs`: OFF:TO or OFF:TO+TOFF entries, comma-separated, in increasing OFF, each a whole
    // word of the block pointing into one of the snapshot's blocks.
    void parse_pointers(std::string_view list, std::uint64_t block_size, Snapshot& snapshot) {
        if (list.empty()) fail("field 'ptrs' is empty: a block without pointers has no 'ptrs'");
        const char* at = list.data();
        const char* const end = list.data() + list.size();
        std::optional<std::uint64_t> previous_offset;
        for (;;) {
            BlockPointer pointer;
            pointer.offset = pointer_number(at, end, list, ':');
            ++at;  // the ':'
            const std::uint64_t target = pointer_number(at, end, list, '+', ',');
            if (at != end && *at == '+') {
                ++at;
                const std::uint64_t target_offset = pointer_number(at, end, list, ',');
                if (target_offset > kFarInteriorOffset)
                    fail(fmt::format("field 'ptrs': interior offset {} is more than {} (which "
                                     "stands for 4 GiB or more)",
                                     target_offset, kFarInteriorOffset));
                pointer.target_offset = static_cast<std::uint32_t>(target_offset);
            }
            add_pointer(snapshot, pointer, target, previous_offset, block_size, MA_KEY_BLOCK_PTRS);
            previous_offset = pointer.offset;
            if (at == end) return;
            ++at;  // the ',' pointer_number stopped at
        }
    }

    // `heur` of a `block` record (version 4): OFF:MASK entries, comma-separated, in
    // increasing OFF, each an interior offset of the block (being read: the next of
    // `snapshot`'s blocks) and the layouts of Memcheck's leak heuristics it matches there.
    void parse_layouts(std::string_view list, std::uint64_t block_size, Snapshot& snapshot) {
        if (list.empty()) fail("field 'heur' is empty: a block without layouts has no 'heur'");
        const auto block = static_cast<std::uint32_t>(snapshot.blocks.size());
        const char* at = list.data();
        const char* const end = list.data() + list.size();
        std::optional<LayoutMatch> previous;
        for (;;) {
            const std::uint64_t offset = pointer_number(at, end, list, ':', '\0', kLayoutsSyntax);
            ++at;  // the ':'
            const std::uint64_t mask = pointer_number(at, end, list, ',', '\0', kLayoutsSyntax);
            previous = add_layout(snapshot, block, block_size, offset, mask, previous);
            if (at == end) return;
            ++at;  // the ',' pointer_number stopped at
        }
    }

    // `heur` of a `blocks` record (version 5): N:OFF:MASK entries, comma-separated, in
    // increasing N then OFF, N one of the record's blocks [first, first + count).
    void parse_numbered_layouts(std::string_view list, std::uint64_t first, std::uint64_t count,
                                Snapshot& snapshot) {
        if (list.empty()) fail("field 'heur' is empty: a record without layouts has no 'heur'");
        const char* at = list.data();
        const char* const end = list.data() + list.size();
        std::optional<LayoutMatch> previous;
        for (;;) {
            const std::uint64_t number =
                pointer_number(at, end, list, ':', '\0', kNumberedLayoutsSyntax);
            ++at;  // the ':'
            const std::uint64_t offset =
                pointer_number(at, end, list, ':', '\0', kNumberedLayoutsSyntax);
            ++at;
            const std::uint64_t mask =
                pointer_number(at, end, list, ',', '\0', kNumberedLayoutsSyntax);
            if (number < first || number - first >= count)
                fail(fmt::format("field 'heur': block {} is not one of the record's blocks {} "
                                 "to {}",
                                 number, first, first + count - 1));
            const auto block = static_cast<std::uint32_t>(number - 1);
            if (previous && previous->block > block)
                fail(fmt::format("field 'heur': block {} after block {}: blocks come in "
                                 "increasing order",
                                 number, previous->block + 1));
            if (previous && previous->block != block) previous.reset();
            previous = add_layout(snapshot, block, snapshot.blocks[block].size, offset, mask,
                                  previous);
            if (at == end) return;
            ++at;  // the ',' pointer_number stopped at
        }
    }

    // Checks one layout entry of block number `block` (from 0) against the block's size and
    // the entry before it in the same block, and adds it.
    LayoutMatch add_layout(Snapshot& snapshot, std::uint32_t block, std::uint64_t block_size,
                           std::uint64_t offset, std::uint64_t mask,
                           std::optional<LayoutMatch> previous) {
        if (offset == 0 || offset >= block_size)
            fail(fmt::format("field 'heur': offset {} is not inside the block of {} bytes "
                             "past its start",
                             offset, block_size));
        if (previous && offset <= previous->offset)
            fail(fmt::format("field 'heur': offset {} after offset {}: offsets come in "
                             "increasing order",
                             offset, previous->offset));
        if (mask == 0 || mask > kAllLeakHeuristics)
            fail(fmt::format("field 'heur': mask {} at offset {} is not a set of the "
                             "heuristics 1 to {}",
                             mask, offset, kAllLeakHeuristics));
        const LayoutMatch match{block, static_cast<std::uint32_t>(offset),
                                static_cast<std::uint8_t>(mask)};
        snapshot.layouts.push_back(match);
        return match;
    }

    // Adds the pointer whose target is block number `target` (from 1) to the block being
    // read, of `block_size` bytes, after checking it: `field` names its part of the record.
    void add_pointer(Snapshot& snapshot, BlockPointer pointer, std::uint64_t target,
                     std::optional<std::uint64_t> previous_offset, std::uint64_t block_size,
                     std::string_view field) {
        if (target == 0 || target > open_->blocks)
            fail(fmt::format("field '{}': pointer at offset {} to block {}, but the "
                             "snapshot's blocks are numbered 1 to {}",
                             field, pointer.offset, target, open_->blocks));
        pointer.target = static_cast<std::uint32_t>(target - 1);
        if (previous_offset && pointer.offset <= *previous_offset)
            fail(fmt::format("field '{}': offset {} after offset {}: pointers come in "
                             "increasing offset",
                             field, pointer.offset, *previous_offset));
        if (block_size < 8 || pointer.offset > block_size - 8)
            fail(fmt::format("field '{}': a word at offset {} is not inside the block of "
                             "{} bytes",
                             field, pointer.offset, block_size));
        if (snapshot.pointers.size() == open_->edges)
            fail(fmt::format("the blocks hold more pointers than the snapshot's edges={}",
                             open_->edges));
        snapshot.pointers.push_back(pointer);
    }

    // ---------------------------------------------------------------- compact blocks

    // A `blocks` record (version 5): `n` blocks from number `first` on, encoded in `data`
    // (format/memattr_trace_compact.h; docs/trace-format.md says what each number is).
    void parse_blocks(const Record& record) {
        Snapshot& snapshot = open_snapshot(record.tag);
        if (open_->roots_seen)
            fail("'blocks' record after the snapshot's 'root' records: blocks come first");
        const std::uint64_t first = integer(record, MA_KEY_BLOCKS_FIRST);
        require_next("blocks first=", first, snapshot.blocks.size(),
                     "the blocks of a snapshot are numbered from 1");
        const std::uint64_t count = integer(record, MA_KEY_BLOCKS_N);
        if (count == 0 || count > MA_COMPACT_BLOCKS_PER_RECORD)
            fail(fmt::format("'blocks' record with n={}: a record holds 1 to {} blocks", count,
                             MA_COMPACT_BLOCKS_PER_RECORD));
        if (count > open_->blocks - snapshot.blocks.size())
            fail(fmt::format("blocks first={} n={} goes past the snapshot's blocks={}", first,
                             count, open_->blocks));
        CompactData data{raw(record, MA_KEY_BLOCKS_DATA)};
        for (std::uint64_t number = first; number < first + count; ++number)
            read_compact_block(data, snapshot, number);
        if (data.at < data.text.size())
            fail(fmt::format("field 'data': {} characters left after its n={} blocks",
                             data.text.size() - data.at, count));
        if (has_field(record, MA_KEY_BLOCKS_HEUR))
            parse_numbered_layouts(raw(record, MA_KEY_BLOCKS_HEUR), first, count, snapshot);
    }

    // What is left of a `blocks` record's data, and what its blocks so far carry on to the
    // next one (each record starts afresh).
    struct CompactData {
        std::string_view text;
        std::size_t at = 0;            // the next character to read
        std::uint64_t address = 0;     // the previous block's address (0 before the first)
        MaCompactSites recent{};       // the record's recent site ids (ma_compact_site_code)
    };

    void read_compact_block(CompactData& data, Snapshot& snapshot, std::uint64_t number) {
        SnapshotBlock block;
        const std::uint64_t gap = compact_address_gap(data);
        if (gap > std::numeric_limits<std::uint64_t>::max() - data.address)
            fail(fmt::format("field 'data': block {}'s address does not fit in 64 bits", number));
        block.address = data.address + gap;
        block.site = static_cast<std::uint32_t>(
            resolve_site(compact_site(data, number), MA_TAG_BLOCKS));
        block.size = compact_number(data, "size");
        block.hash = compact_hash(data);
        if (!snapshot.blocks.empty())
            check_after(snapshot.blocks.back(), block, number, open_->blocks_end);
        open_->blocks_end = std::max(open_->blocks_end, block_end(block));
        const std::uint64_t pointers = compact_number(data, "pointer count");
        if (pointers > open_->edges - snapshot.pointers.size())
            fail(fmt::format("the blocks hold more pointers than the snapshot's edges={}",
                             open_->edges));
        std::optional<std::uint64_t> previous_offset;
        for (std::uint64_t i = 0; i < pointers; ++i) {
            BlockPointer pointer;
            pointer.offset = compact_offset(data, previous_offset);
            const std::uint64_t target = compact_target(data, number, pointer);
            add_pointer(snapshot, pointer, target, previous_offset, block.size, MA_KEY_BLOCKS_DATA);
            previous_offset = pointer.offset;
        }
        commit_block(snapshot, block);
        data.address = block.address;
    }

    // The address's distance from the previous block's (ma_compact_address_code): even
    // codes count units, odd ones bytes that are not a multiple of one.
    std::uint64_t compact_address_gap(CompactData& data) const {
        const std::uint64_t code = compact_number(data, "address");
        const std::uint64_t half = code / 2;
        if (code % 2 == 0) {
            if (half > std::numeric_limits<std::uint64_t>::max() / MA_COMPACT_ADDRESS_UNIT)
                fail("field 'data': a block's address does not fit in 64 bits");
            return half * MA_COMPACT_ADDRESS_UNIT;
        }
        if (half % MA_COMPACT_ADDRESS_UNIT == 0)
            fail(fmt::format("field 'data': an address distance of {} bytes is written in bytes, "
                             "not in units of {}",
                             half, MA_COMPACT_ADDRESS_UNIT));
        return half;
    }

    // The block's site id, from its place among the record's recent sites or given anew
    // (ma_compact_site_code, whose list this keeps the same way).
    std::uint64_t compact_site(CompactData& data, std::uint64_t number) const {
        const std::uint64_t code = compact_number(data, "site");
        MaCompactSites& recent = data.recent;
        if (code < MA_COMPACT_RECENT_SITES && code >= recent.n)
            fail(fmt::format("field 'data': block {} has the record's recent site {}, but the "
                             "record has had {} sites so far",
                             number, code, recent.n));
        const std::uint64_t id =
            code < MA_COMPACT_RECENT_SITES ? recent.ids[code] : code - (MA_COMPACT_RECENT_SITES - 1);
        if (code >= MA_COMPACT_RECENT_SITES &&
            std::find(recent.ids, recent.ids + recent.n, id) != recent.ids + recent.n)
            fail(fmt::format("field 'data': block {} gives site {} anew, but it is one of the "
                             "record's recent sites",
                             number, id));
        ma_compact_site_code(&recent, id);
        return id;
    }

    // A pointer's offset: the first one's as it is, each later one's as the whole words
    // skipped since the previous one.
    std::uint64_t compact_offset(CompactData& data, std::optional<std::uint64_t> previous) const {
        const std::uint64_t gap = compact_number(data, "pointer offset");
        if (!previous) return gap;
        constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
        if (gap >= kMax / 8 || 8 * (gap + 1) > kMax - *previous)
            fail("field 'data': a pointer's offset does not fit in 64 bits");
        return *previous + 8 * (gap + 1);
    }

    // A pointer's target (ma_compact_target): the block number it points into, and in
    // `pointer` its interior offset.
    std::uint64_t compact_target(CompactData& data, std::uint64_t holder, BlockPointer& pointer) const {
        const std::uint64_t code = compact_number(data, "pointer target");
        const std::uint64_t folded = code >> 1;
        // Even: the target is that many blocks on; odd: (folded + 1) / 2 blocks back.
        const std::uint64_t back = folded % 2 == 1 ? folded / 2 + 1 : 0;
        if (back >= holder)
            fail(fmt::format("field 'data': block {} points {} blocks back, before block 1",
                             holder, back));
        const std::uint64_t target = back > 0 ? holder - back : holder + folded / 2;
        if ((code & 1) == 0) return target;
        const std::uint64_t offset = compact_number(data, "interior offset");
        if (offset == 0 || offset > kFarInteriorOffset)
            fail(fmt::format("field 'data': interior offset {} is not from 1 to {} (which "
                             "stands for 4 GiB or more)",
                             offset, kFarInteriorOffset));
        pointer.target_offset = static_cast<std::uint32_t>(offset);
        return target;
    }

    // One varint: 5 bits a digit, least significant first, in its shortest form.
    std::uint64_t compact_number(CompactData& data, std::string_view what) const {
        std::uint64_t value = 0;
        for (unsigned shift = 0;; shift += MA_COMPACT_PAYLOAD_BITS) {
            const int digit = compact_digit(data, what);
            const std::uint64_t payload = static_cast<unsigned>(digit) & (MA_COMPACT_MORE - 1);
            if (shift >= 64 || (shift > 0 && (payload >> (64 - shift)) != 0))
                fail(fmt::format("field 'data': the {} does not fit in 64 bits", what));
            value |= payload << shift;
            if ((static_cast<unsigned>(digit) & MA_COMPACT_MORE) != 0) continue;
            if (payload == 0 && shift > 0)
                fail(fmt::format("field 'data': the {} is not in its shortest form", what));
            return value;
        }
    }

    // The hash: MA_COMPACT_HASH_CHARS digits of 6 bits, most significant first.
    std::uint64_t compact_hash(CompactData& data) const {
        std::uint64_t hash = 0;
        for (unsigned i = 0; i < MA_COMPACT_HASH_CHARS; ++i) {
            const int digit = compact_digit(data, "hash");
            if (i == 0 && digit >= 16)
                fail("field 'data': a hash is more than 64 bits (its first digit is past 'P')");
            hash = hash << 6 | static_cast<unsigned>(digit);
        }
        return hash;
    }

    int compact_digit(CompactData& data, std::string_view what) const {
        if (data.at == data.text.size())
            fail(fmt::format("field 'data' ends inside a block's {}", what));
        const char c = data.text[data.at++];
        const int digit = kCompactDigitValues[static_cast<unsigned char>(c)];
        if (digit < 0)
            fail(fmt::format("field 'data': '{}' at character {} is not a digit of the compact "
                             "encoding (A-Z, a-z, 0-9, '-', '_')",
                             excerpt(std::string_view(&c, 1)), data.at));
        return digit;
    }

    // The decimal number at `at` in `list`, which must end at `end` or at one of the
    // `terminators`; leaves `at` on the terminator (or `end`).
    static constexpr std::string_view kPointersSyntax =
        "field 'ptrs' is not a list of OFF:TO or OFF:TO+TOFF entries";
    static constexpr std::string_view kLayoutsSyntax =
        "field 'heur' is not a list of OFF:MASK entries";
    static constexpr std::string_view kNumberedLayoutsSyntax =
        "field 'heur' is not a list of N:OFF:MASK entries";

    std::uint64_t pointer_number(const char*& at, const char* end, std::string_view list,
                                 char terminator, char other_terminator = '\0',
                                 std::string_view syntax = kPointersSyntax) const {
        std::uint64_t number = 0;
        const auto [stop, error] = std::from_chars(at, end, number);
        const bool terminated = stop == end || *stop == terminator ||
                                (other_terminator != '\0' && *stop == other_terminator);
        // A ',' ends an entry, never its first number; a ':' only the first.
        const bool last_allowed = terminator != ':' || stop != end;
        if (error != std::errc{} || stop == at || !terminated || !last_allowed ||
            (stop != end && stop + 1 == end))
            fail(fmt::format("{}: '{}' near byte {}", syntax, excerpt(list), at - list.data()));
        at = stop;
        return number;
    }

    void parse_root(const Record& record) {
        Snapshot& snapshot = open_snapshot(record.tag);
        if (!open_->roots_seen) {
            check_block_count(snapshot);
            open_->roots_seen = true;
        }
        if (snapshot.roots.size() == open_->roots)
            fail(fmt::format("more 'root' records than the snapshot's roots={}", open_->roots));
        SnapshotRoot root;
        root.kind = word(record, MA_KEY_ROOT_KIND, schema::kRootKinds);
        const std::uint64_t target = integer(record, MA_KEY_ROOT_TO);
        if (target == 0 || target > snapshot.blocks.size())
            fail(fmt::format("root points to block {}, but the snapshot's blocks are numbered "
                             "1 to {}",
                             target, snapshot.blocks.size()));
        root.block = static_cast<std::uint32_t>(target - 1);
        root.block_offset = integer(record, MA_KEY_ROOT_TOFF);
        const std::uint64_t extent = std::max<std::uint64_t>(snapshot.blocks[root.block].size, 1);
        if (root.block_offset >= extent)
            fail(fmt::format("root points {} bytes into block {} of {} bytes", root.block_offset,
                             target, snapshot.blocks[root.block].size));
        switch (root.kind) {
        case RootKind::register_word:
            root.thread = root_thread(record);
            root.register_name = text(record, MA_KEY_ROOT_REG);
            break;
        case RootKind::stack:
            root.thread = root_thread(record);
            root.stack =
                resolve(stack_ids_, MA_TAG_ROOT, MA_TAG_STACK, integer(record, MA_KEY_ROOT_STACK));
            root.address = address(record, MA_KEY_ROOT_ADDR);
            break;
        case RootKind::global:
            root.symbol = text(record, MA_KEY_ROOT_NAME);
            root.symbol_offset = integer(record, MA_KEY_ROOT_SYM_OFF);
            root.object = text(record, MA_KEY_ROOT_OBJ);
            root.address = address(record, MA_KEY_ROOT_ADDR);
            break;
        case RootKind::mapping:
            root.object = text(record, MA_KEY_ROOT_OBJ);
            root.address = address(record, MA_KEY_ROOT_ADDR);
            break;
        }
        snapshot.roots.push_back(std::move(root));
    }

    // Threads are written before the snapshots, so a root's thread is already known.
    std::uint64_t root_thread(const Record& record) const {
        const std::uint64_t thread = integer(record, MA_KEY_ROOT_THREAD);
        if (!thread_ids_.contains(thread))
            fail(fmt::format("root refers to unknown thread {}", thread));
        return thread;
    }

    void parse_snapshot_cost(const Record& record) {
        close_snapshot();
        trace_.snapshot_cost = SnapshotCost{integer(record, MA_KEY_SNAPSHOT_COST_TAKEN),
                                            integer(record, MA_KEY_SNAPSHOT_COST_SCANNED),
                                            optional_integer(record, MA_KEY_SNAPSHOT_COST_REUSED)};
        if (trace_.snapshot_cost->taken < trace_.snapshots.size())
            fail(fmt::format("'snapshot-cost' counts {} snapshots taken, but the trace has {}",
                             trace_.snapshot_cost->taken, trace_.snapshots.size()));
    }

    // A count of the open snapshot that does not match what followed is reported at the
    // snapshot's own line: that is where the claim is.
    [[noreturn]] void fail_snapshot_count(const Snapshot& snapshot, std::string_view key,
                                          std::uint64_t claimed, std::uint64_t found,
                                          std::string_view what) const {
        throw TraceError(trace_.source, open_->line,
                         fmt::format("snapshot {} says {}={} but {} {} follow: records were "
                                     "lost or added, the trace is corrupt",
                                     snapshot.id, key, claimed, found, what));
    }

    void check_block_count(const Snapshot& snapshot) const {
        if (snapshot.blocks.size() != open_->blocks)
            fail_snapshot_count(snapshot, MA_KEY_SNAPSHOT_BLOCKS, open_->blocks,
                                snapshot.blocks.size(), "block records");
        if (open_->bytes != snapshot.bytes)
            fail_snapshot_count(snapshot, MA_KEY_SNAPSHOT_BYTES, snapshot.bytes, open_->bytes,
                                "bytes of blocks");
        if (snapshot.pointers.size() != open_->edges)
            fail_snapshot_count(snapshot, MA_KEY_SNAPSHOT_EDGES, open_->edges,
                                snapshot.pointers.size(), "pointers");
    }

    // The open snapshot is complete when the next snapshot, the 'snapshot-cost' record or
    // the end comes: its counts must match by then.
    void close_snapshot() {
        if (!open_) return;
        Snapshot& snapshot = trace_.snapshots.back();
        if (!open_->roots_seen) check_block_count(snapshot);
        if (snapshot.roots.size() != open_->roots)
            fail_snapshot_count(snapshot, MA_KEY_SNAPSHOT_ROOTS, open_->roots,
                                snapshot.roots.size(), "root records");
        open_.reset();
    }

    // ---------------------------------------------------------------- memory maps

    void parse_map_events(const Record& record) {
        close_snapshot();
        MapEvents events;
        events.mmap = integer(record, MA_KEY_MAP_EVENTS_MMAP);
        events.munmap = integer(record, MA_KEY_MAP_EVENTS_MUNMAP);
        events.mremap = integer(record, MA_KEY_MAP_EVENTS_MREMAP);
        events.mremap_moved = integer(record, MA_KEY_MAP_EVENTS_MREMAP_MOVED);
        events.brk_grow = integer(record, MA_KEY_MAP_EVENTS_BRK_GROW);
        events.brk_shrink = integer(record, MA_KEY_MAP_EVENTS_BRK_SHRINK);
        events.brk_refused = optional_integer(record, MA_KEY_MAP_EVENTS_BRK_REFUSED);
        events.shmat = integer(record, MA_KEY_MAP_EVENTS_SHMAT);
        events.shmdt = integer(record, MA_KEY_MAP_EVENTS_SHMDT);
        events.madvise_free = integer(record, MA_KEY_MAP_EVENTS_MADVISE_FREE);
        events.mprotect = integer(record, MA_KEY_MAP_EVENTS_MPROTECT);
        events.custom_requests = integer(record, MA_KEY_MAP_EVENTS_CUSTOM_REQUESTS);
        events.bad_requests = integer(record, MA_KEY_MAP_EVENTS_BAD_REQUESTS);
        if (events.mremap_moved > events.mremap)
            fail(fmt::format("'map-events' counts {} mremap calls that moved a region but only "
                             "{} mremap calls",
                             events.mremap_moved, events.mremap));
        if (events.bad_requests > events.custom_requests)
            fail(fmt::format("'map-events' counts {} bad custom requests but only {} custom "
                             "requests",
                             events.bad_requests, events.custom_requests));
        trace_.map_events = events;
        map_events_line_ = line_number_;
    }

    void parse_memory_map(const Record& record) {
        if (map_events_line_ == 0)
            fail("'memory-map' record before the 'map-events' record");
        close_memory_map();
        MemoryMap map;
        map.name = word(record, MA_KEY_MEMORY_MAP_NAME, schema::kMapNames);
        for (const MemoryMap& earlier : trace_.memory_maps)
            if (earlier.name == map.name)
                fail(fmt::format("second '{}' memory map", map.name));
        map.time = integer(record, MA_KEY_MEMORY_MAP_T);
        map.footprint = integer(record, MA_KEY_MEMORY_MAP_FOOTPRINT);
        map.heap_bytes = integer(record, MA_KEY_MEMORY_MAP_HEAP_BYTES);
        map.heap_blocks = integer(record, MA_KEY_MEMORY_MAP_HEAP_BLOCKS);
        map.heap_usable = integer(record, MA_KEY_MEMORY_MAP_HEAP_USABLE);
        map.heap_unwritten = optional_integer(record, MA_KEY_MEMORY_MAP_HEAP_UNWRITTEN);
        if (map.heap_unwritten > map.heap_usable)
            fail(fmt::format("memory map '{}': heap-unwritten={} is more than heap-usable={}",
                             map.name, map.heap_unwritten, map.heap_usable));
        map.heap_headers = optional_integer(record, MA_KEY_MEMORY_MAP_HEAP_HEADERS);
        if (map.heap_headers > 16 * std::min(map.heap_blocks, UINT64_MAX / 16))
            fail(fmt::format("memory map '{}': heap-headers={} is more than 16 bytes for each "
                             "of its heap-blocks={}",
                             map.name, map.heap_headers, map.heap_blocks));
        map.custom_bytes = integer(record, MA_KEY_MEMORY_MAP_CUSTOM_BYTES);
        map.custom_blocks = integer(record, MA_KEY_MEMORY_MAP_CUSTOM_BLOCKS);
        map.custom_in_heap = integer(record, MA_KEY_MEMORY_MAP_CUSTOM_IN_HEAP);
        map.written_outside = integer(record, MA_KEY_MEMORY_MAP_WRITTEN_OUTSIDE);
        map.read_seen = has_field(record, MA_KEY_MEMORY_MAP_READ_SEEN) &&
                        flag(record, MA_KEY_MEMORY_MAP_READ_SEEN);
        if (map.custom_in_heap > map.custom_bytes)
            fail(fmt::format("memory map '{}': custom-in-heap={} is more than custom-bytes={}",
                             map.name, map.custom_in_heap, map.custom_bytes));
        if (has_field(record, MA_KEY_MEMORY_MAP_UNWRITTEN_SITES))
            map.unwritten_by_site.emplace();
        open_map_ = OpenMemoryMap{line_number_, integer(record, MA_KEY_MEMORY_MAP_REGIONS),
                                  optional_integer(record, MA_KEY_MEMORY_MAP_UNWRITTEN_SITES)};
        trace_.memory_maps.push_back(std::move(map));
    }

    // The memory map whose `region` or `region-use` record this is.
    MemoryMap& open_memory_map(std::string_view tag) {
        if (!open_map_)
            fail(fmt::format("'{}' record outside a memory map (it must follow a 'memory-map' "
                             "record)",
                             tag));
        return trace_.memory_maps.back();
    }

    // `rwx` with `-` for a missing right, in that order.
    void check_protection(std::string_view prot) const {
        const bool valid = prot.size() == 3 && (prot[0] == 'r' || prot[0] == '-') &&
                           (prot[1] == 'w' || prot[1] == '-') && (prot[2] == 'x' || prot[2] == '-');
        if (!valid)
            fail(fmt::format("field 'prot' is three characters from r, w, x and -, like 'rw-', "
                             "not '{}'",
                             excerpt(prot)));
    }

    // `growth`: the region's size when made, then after each growth, comma-separated;
    // empty when it never grew. It holds the last min(growths + 1, 16) of them.
    std::vector<std::uint64_t> parse_growth(const Record& record, std::uint64_t growths) const {
        std::vector<std::uint64_t> sizes;
        const std::string_view list = raw(record, MA_KEY_REGION_GROWTH);
        if (!list.empty())
            for (const std::string_view size : split(list, ','))
                sizes.push_back(parse_integer(size, "growth"));
        const std::uint64_t expected =
            growths == 0 ? 0 : std::min(growths, kMaxGrowthSizes - 1) + 1;
        if (sizes.size() != expected)
            fail(fmt::format("field 'growth' lists {} sizes but growths={}: it holds the size "
                             "when made and after each growth, the last {} at most",
                             sizes.size(), growths, kMaxGrowthSizes));
        return sizes;
    }

    // A thread's stack names its thread; no other region names one.
    void check_region_thread(const Region& region) const {
        if (region.kind == RegionKind::stack && !thread_ids_.contains(region.thread))
            fail(fmt::format("stack region refers to unknown thread {}", region.thread));
        if (region.kind != RegionKind::stack && region.thread != 0)
            fail(fmt::format("region of kind '{}' has thread={}: only stack regions belong to "
                             "a thread",
                             schema::word_of(schema::kRegionKinds, region.kind), region.thread));
    }

    void check_region_extent(const MemoryMap& map, const Region& region) const {
        if (region.size > std::numeric_limits<std::uint64_t>::max() - region.start)
            fail(fmt::format("region {} at {:#x} of {} bytes ends beyond the address space",
                             region.id, region.start, region.size));
        if (region.accessible > region.size || region.written > region.size)
            fail(fmt::format("region {}: accessible={} and written={} cannot exceed its size={}",
                             region.id, region.accessible, region.written, region.size));
        if (map.regions.empty()) return;
        const Region& previous = map.regions.back();
        if (region.start < previous.start + previous.size)
            fail(fmt::format("region {} at {:#x} is not after region {} ({:#x}, {} bytes): "
                             "regions come in increasing address order and do not overlap",
                             region.id, region.start, previous.id, previous.start, previous.size));
    }

    void parse_region(const Record& record) {
        MemoryMap& map = open_memory_map(record.tag);
        if (map.regions.size() == open_map_->regions)
            fail(fmt::format("more 'region' records than the memory map's regions={}",
                             open_map_->regions));
        Region region;
        region.id = integer(record, MA_KEY_REGION_ID);
        require_next("region id ", region.id, map.regions.size(),
                     "the regions of a memory map are numbered from 1");
        region.kind = word(record, MA_KEY_REGION_KIND, schema::kRegionKinds);
        region.start = address(record, MA_KEY_REGION_START);
        region.size = integer(record, MA_KEY_REGION_SIZE);
        region.accessible = integer(record, MA_KEY_REGION_ACCESSIBLE);
        region.written = integer(record, MA_KEY_REGION_WRITTEN);
        region.used = integer(record, MA_KEY_REGION_USED);
        region.used_blocks = integer(record, MA_KEY_REGION_USED_BLOCKS);
        region.prot = text(record, MA_KEY_REGION_PROT);
        check_protection(region.prot);
        region.shared = flag(record, MA_KEY_REGION_SHARED);
        region.startup = flag(record, MA_KEY_REGION_STARTUP);
        if (const std::uint64_t stack = integer(record, MA_KEY_REGION_STACK); stack != 0)
            region.stack = resolve(stack_ids_, MA_TAG_REGION, MA_TAG_STACK, stack);
        region.thread = integer(record, MA_KEY_REGION_THREAD);
        region.file = text(record, MA_KEY_REGION_FILE);
        region.growths = integer(record, MA_KEY_REGION_GROWTHS);
        region.growth = parse_growth(record, region.growths);
        region.changes = optional_integer(record, MA_KEY_REGION_CHANGES);
        region.executed = optional_integer(record, MA_KEY_REGION_EXECUTED);
        region.executed_around = optional_integer(record, MA_KEY_REGION_EXECUTED_AROUND);
        if (region.executed > region.executed_around || region.executed_around > region.size)
            fail(fmt::format("region {}: executed={} and executed-around={} must satisfy "
                             "executed <= executed-around <= size={}",
                             region.id, region.executed, region.executed_around, region.size));
        region.read = optional_integer(record, MA_KEY_REGION_READ);
        if (region.read > region.size - region.executed_around)
            fail(fmt::format("region {}: executed-around={} and read={} are more than size={}",
                             region.id, region.executed_around, region.read, region.size));
        check_region_thread(region);
        check_region_extent(map, region);
        if (!map.regions.empty()) check_region_history(map.regions.back());
        region_use_sites_.clear();
        region_use_bytes_ = region_use_blocks_ = 0;
        map.regions.push_back(std::move(region));
    }

    void parse_region_use(const Record& record) {
        MemoryMap& map = open_memory_map(record.tag);
        if (map.regions.empty())
            fail("'region-use' record before the memory map's first 'region' record");
        Region& region = map.regions.back();
        RegionUse use;
        use.site = resolve_site(integer(record, MA_KEY_REGION_USE_SITE), MA_TAG_REGION_USE);
        use.bytes = integer(record, MA_KEY_REGION_USE_BYTES);
        use.blocks = integer(record, MA_KEY_REGION_USE_BLOCKS);
        const Site& site = trace_.sites[use.site];
        if (site.kind == SiteKind::malloc)
            fail(fmt::format("region-use for site {}, a malloc site: region-use lists custom "
                             "and pool blocks only",
                             site.id));
        if (!region_use_sites_.insert(use.site).second)
            fail(fmt::format("second 'region-use' record for site {} in region {}", site.id,
                             region.id));
        // Saturating: a forged count must not wrap round and pass the check.
        region_use_bytes_ = std::min(region_use_bytes_, UINT64_MAX - use.bytes) + use.bytes;
        region_use_blocks_ = std::min(region_use_blocks_, UINT64_MAX - use.blocks) + use.blocks;
        if (region_use_bytes_ > region.used || region_use_blocks_ > region.used_blocks)
            fail(fmt::format("region {}: its 'region-use' records add up to {} bytes in {} "
                             "blocks, more than its used={} in used-blocks={}",
                             region.id, region_use_bytes_, region_use_blocks_, region.used,
                             region.used_blocks));
        region.uses.push_back(use);
    }

    // A region's history keeps all its changes, or the first and the last ones.
    static std::size_t kept_changes(const Region& region) {
        return static_cast<std::size_t>(
            std::min<std::uint64_t>(region.changes, kRegionChangesFirst + kRegionChangesLast));
    }

    // Checked when the next region or the end of the memory map comes.
    void check_region_history(const Region& region) const {
        if (region.history.size() != kept_changes(region))
            fail(fmt::format("region {} has changes={} but {} 'region-change' records follow it "
                             "(all of them up to {}, else the first {} and the last {})",
                             region.id, region.changes, region.history.size(),
                             kRegionChangesFirst + kRegionChangesLast, kRegionChangesFirst,
                             kRegionChangesLast));
    }

    void parse_region_change(const Record& record) {
        MemoryMap& map = open_memory_map(record.tag);
        if (map.regions.empty())
            fail("'region-change' record before the memory map's first 'region' record");
        Region& region = map.regions.back();
        if (region.history.size() == kept_changes(region))
            fail(fmt::format("more 'region-change' records than region {}'s changes={} allow",
                             region.id, region.changes));
        RegionChange change;
        change.kind = word(record, MA_KEY_REGION_CHANGE_KIND, schema::kRegionChangeKinds);
        change.size = integer(record, MA_KEY_REGION_CHANGE_SIZE);
        change.prot = text(record, MA_KEY_REGION_CHANGE_PROT);
        check_protection(change.prot);
        if (const std::uint64_t stack = integer(record, MA_KEY_REGION_CHANGE_STACK); stack != 0)
            change.stack = resolve(stack_ids_, MA_TAG_REGION_CHANGE, MA_TAG_STACK, stack);
        region.history.push_back(std::move(change));
    }

    // The open memory map is complete when the next one or the end comes: its region count
    // must match by then. Reported at the memory map's own line: that is where the claim is.
    // After the map's regions: the part of its heap-unwritten in one site's large blocks.
    void parse_heap_unwritten(const Record& record) {
        MemoryMap& map = open_memory_map(record.tag);
        if (!map.unwritten_by_site)
            fail("'heap-unwritten' record in a memory map without 'unwritten-sites'");
        if (map.regions.size() != open_map_->regions)
            fail(fmt::format("'heap-unwritten' record before the last of the memory map's {} "
                             "'region' records",
                             open_map_->regions));
        SiteUnwritten unwritten;
        unwritten.site = resolve_site(integer(record, MA_KEY_HEAP_UNWRITTEN_SITE),
                                      MA_TAG_HEAP_UNWRITTEN);
        unwritten.bytes = integer(record, MA_KEY_HEAP_UNWRITTEN_BYTES);
        unwritten.blocks = integer(record, MA_KEY_HEAP_UNWRITTEN_BLOCKS);
        const Site& site = trace_.sites[unwritten.site];
        if (site.kind != SiteKind::malloc)
            fail(fmt::format("heap-unwritten for site {}, not a malloc site", site.id));
        if (unwritten.bytes == 0 || unwritten.blocks == 0)
            fail(fmt::format("heap-unwritten for site {} with bytes={} blocks={}: a site is "
                             "listed only with unwritten bytes",
                             site.id, unwritten.bytes, unwritten.blocks));
        for (const SiteUnwritten& earlier : *map.unwritten_by_site)
            if (earlier.site == unwritten.site)
                fail(fmt::format("second 'heap-unwritten' record for site {}", site.id));
        map.unwritten_by_site->push_back(unwritten);
    }

    void close_memory_map() {
        if (!open_map_) return;
        const MemoryMap& map = trace_.memory_maps.back();
        if (!map.regions.empty()) check_region_history(map.regions.back());
        if (map.regions.size() != open_map_->regions)
            throw TraceError(trace_.source, open_map_->line,
                             fmt::format("memory map '{}' says regions={} but {} region records "
                                         "follow: records were lost or added, the trace is "
                                         "corrupt",
                                         map.name, open_map_->regions, map.regions.size()));
        if (map.unwritten_by_site) check_unwritten_by_site(map);
        open_map_.reset();
    }

    // The heap-unwritten records: as many as the map says, adding up to its heap-unwritten.
    void check_unwritten_by_site(const MemoryMap& map) const {
        const std::vector<SiteUnwritten>& sites = *map.unwritten_by_site;
        if (sites.size() != open_map_->unwritten_sites)
            throw TraceError(trace_.source, open_map_->line,
                             fmt::format("memory map '{}' says unwritten-sites={} but {} "
                                         "'heap-unwritten' records follow: the trace is corrupt",
                                         map.name, open_map_->unwritten_sites, sites.size()));
        std::uint64_t bytes = 0;
        for (const SiteUnwritten& site : sites)
            bytes = saturating_add(bytes, site.bytes);
        if (bytes != map.heap_unwritten)
            throw TraceError(trace_.source, open_map_->line,
                             fmt::format("memory map '{}': its 'heap-unwritten' records add up "
                                         "to {} bytes, not its heap-unwritten={}",
                                         map.name, bytes, map.heap_unwritten));
    }

    // ---------------------------------------------------------------- the end

    void finish(const Record& end) {
        close_snapshot();
        close_memory_map();
        const std::uint64_t counted = integer(end, MA_KEY_END_RECORDS);
        trace_.record_count = line_number_ - 1;
        if (counted != trace_.record_count)
            fail(fmt::format("the 'end' record counts {} records but {} precede it: lines were "
                             "lost or added, the trace is corrupt",
                             counted, trace_.record_count));
        if (!lines_.at_end()) {
            ++line_number_;
            fail("unexpected data after the 'end' record");
        }
        for (const RecordKind& kind : record_kinds())
            if (kind.occurrence == Occurrence::once && !single_record_lines_.contains(kind.tag))
                fail(fmt::format("the trace has no '{}' record", kind.tag));
        if (!trace_.phases.empty() && !trace_.phase_counts)
            fail("the trace has 'phase' records but no 'phases' record");
        if (trace_.header.run.snapshots && !trace_.snapshot_cost)
            fail("the trace has no 'snapshot-cost' record, though the 'run' record says "
                 "snapshots=yes");
        if (trace_.header.version >= 4 && !trace_.map_events)
            fail("the trace has no 'map-events' record (a version 4 trace ends with its memory "
                 "maps)");
        check_thread_parents();
        // The tables grown one record at a time, at their size: a compiler's 75,000 sites
        // would otherwise keep up to twice their 15 MB through the analysis.
        trace_.sites.shrink_to_fit();
        trace_.stacks.shrink_to_fit();
        trace_.copies.shrink_to_fit();
        check_thread_peak_sites();
    }

    // A thread's top sites and the rest hold its own peak, exactly (checked at the end: the
    // `thread-site` records come after the `thread` record).
    void check_thread_peak_sites() const {
        for (const Thread& thread : trace_.threads) {
            if (!thread.own_peak_rest) continue;
            std::uint64_t bytes = thread.own_peak_rest->bytes;
            std::uint64_t blocks = thread.own_peak_rest->blocks;
            for (const ThreadPeakSite& top : thread.own_peak_sites) {
                bytes = saturating_add(bytes, top.bytes);
                blocks = saturating_add(blocks, top.blocks);
            }
            if (bytes != thread.peak_bytes || blocks != thread.peak_blocks)
                throw TraceError(
                    trace_.source, thread_ids_.at(thread.id).line,
                    fmt::format("thread {}'s sites at its own peak hold {} bytes in {} blocks, "
                                "not its peak's {} bytes in {} blocks",
                                thread.id, bytes, blocks, thread.peak_bytes, thread.peak_blocks));
        }
    }

    // Thread parents are checked at the end because the format does not order thread records.
    void check_thread_parents() const {
        for (const Thread& thread : trace_.threads) {
            if (thread.parent == 0 || thread_ids_.contains(thread.parent)) continue;
            throw TraceError(trace_.source, thread_ids_.at(thread.id).line,
                             fmt::format("thread {} refers to unknown parent thread {}",
                                         thread.id, thread.parent));
        }
    }

    // What the snapshot being read claims, and what has been seen of it so far.
    struct OpenSnapshot {
        std::uint64_t line = 0;    // its `snapshot` record's line
        std::uint64_t blocks = 0;  // blocks=
        std::uint64_t edges = 0;   // edges=
        std::uint64_t roots = 0;   // roots=
        bool roots_seen = false;   // a `root` record has come: no more blocks
        std::uint64_t bytes = 0;   // the sizes of its blocks so far
        std::uint64_t blocks_end = 0;  // the farthest end of its blocks so far
    };

    // What the memory map being read claims.
    struct OpenMemoryMap {
        std::uint64_t line = 0;     // its `memory-map` record's line
        std::uint64_t regions = 0;  // regions=
        std::uint64_t unwritten_sites = 0;  // unwritten-sites=, when given
    };

    static constexpr std::string_view kBlockPrefix = MA_TAG_BLOCK "\t";
    // What `block` (versions 3 and 4) and `blocks` (version 5) records begin with: they may
    // be longer than other lines.
    static constexpr std::string_view kLongRecordPrefix = MA_TAG_BLOCK;
    static_assert(std::string_view(MA_TAG_BLOCKS).starts_with(kLongRecordPrefix));

    LineSource lines_;
    std::optional<std::uint64_t> input_bytes_;  // the input's size, when known
    std::string_view line_;          // the line being parsed (in lines_' buffer); Record
                                     // views point into it
    std::uint64_t line_number_ = 0;  // 1-based number of line_
    Trace trace_;
    std::optional<OpenSnapshot> open_;  // the snapshot whose blocks and roots are being read
    std::vector<std::size_t> dense_site_index_;  // site id -> index into Trace::sites
    std::size_t dense_sites_for_ = 0;  // the number of sites dense_site_index_ was made for

    std::unordered_map<std::uint64_t, IdDefinition> frame_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> stack_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> site_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> thread_ids_;
    std::unordered_map<std::string_view, std::uint64_t> single_record_lines_;  // tag -> line
    std::unordered_map<std::string, std::uint64_t> definition_lines_;          // name -> line
    std::unordered_map<std::string, std::uint64_t> last_iteration_of_;  // phase name -> the
                                                                         // last iteration read
    std::uint64_t phase_counts_line_ = 0;  // the `phases` record's line, 0 before it
    std::uint64_t map_events_line_ = 0;    // the `map-events` record's line, 0 before it
    std::optional<OpenMemoryMap> open_map_;  // the memory map whose regions are being read
    std::unordered_set<std::size_t> region_use_sites_;  // sites of the last region's uses
    std::uint64_t region_use_bytes_ = 0;   // their bytes, summed
    std::uint64_t region_use_blocks_ = 0;  // and blocks
};

std::span<const TraceParser::RecordKind> TraceParser::record_kinds() {
    using enum Occurrence;
    using schema::since;
    static constexpr RecordKind kinds[] = {
        {MA_TAG_TOOL, &TraceParser::parse_tool, once, since(MA_TAG_TOOL)},
        {MA_TAG_CMD, &TraceParser::parse_cmd, once, since(MA_TAG_CMD)},
        {MA_TAG_PROCESS, &TraceParser::parse_process, once, since(MA_TAG_PROCESS)},
        {MA_TAG_RUN, &TraceParser::parse_run, once, since(MA_TAG_RUN)},
        {MA_TAG_DEFINITION, &TraceParser::parse_definition, any, since(MA_TAG_DEFINITION)},
        // A region's creating stack is written just before the region: frames and stacks
        // come in the memory maps too.
        {MA_TAG_FRAME, &TraceParser::parse_frame, any, since(MA_TAG_FRAME), true},
        {MA_TAG_STACK, &TraceParser::parse_stack, any, since(MA_TAG_STACK), true},
        {MA_TAG_SITE, &TraceParser::parse_site, any, since(MA_TAG_SITE)},
        {MA_TAG_COPY, &TraceParser::parse_copy, any, since(MA_TAG_COPY)},
        {MA_TAG_ACCESS, &TraceParser::parse_access, at_most_once, since(MA_TAG_ACCESS)},
        {MA_TAG_THREAD, &TraceParser::parse_thread, any, since(MA_TAG_THREAD)},
        {MA_TAG_THREAD_SITE, &TraceParser::parse_thread_site, any, since(MA_TAG_THREAD_SITE)},
        {MA_TAG_PEAK, &TraceParser::parse_peak, once, since(MA_TAG_PEAK)},
        {MA_TAG_TOTALS, &TraceParser::parse_totals, once, since(MA_TAG_TOTALS)},
        {MA_TAG_EXIT, &TraceParser::parse_exit, once, since(MA_TAG_EXIT)},
        {MA_TAG_TIMELINE, &TraceParser::parse_timeline, any, since(MA_TAG_TIMELINE)},
        {MA_TAG_PHASE, &TraceParser::parse_phase, any, since(MA_TAG_PHASE)},
        {MA_TAG_PHASE_SITE, &TraceParser::parse_phase_site, any, since(MA_TAG_PHASE_SITE)},
        {MA_TAG_MARK, &TraceParser::parse_mark, any, since(MA_TAG_MARK)},
        {MA_TAG_PHASES, &TraceParser::parse_phase_counts, at_most_once, since(MA_TAG_PHASES)},
        {MA_TAG_SNAPSHOT, &TraceParser::parse_snapshot, any, since(MA_TAG_SNAPSHOT)},
        {MA_TAG_BLOCKS, &TraceParser::parse_blocks, any, since(MA_TAG_BLOCKS)},
        {MA_TAG_ROOT, &TraceParser::parse_root, any, since(MA_TAG_ROOT)},
        {MA_TAG_SNAPSHOT_COST, &TraceParser::parse_snapshot_cost, at_most_once,
         since(MA_TAG_SNAPSHOT_COST)},
        {MA_TAG_MAP_EVENTS, &TraceParser::parse_map_events, at_most_once, since(MA_TAG_MAP_EVENTS),
         true},
        {MA_TAG_MEMORY_MAP, &TraceParser::parse_memory_map, any, since(MA_TAG_MEMORY_MAP), true},
        {MA_TAG_REGION, &TraceParser::parse_region, any, since(MA_TAG_REGION), true},
        {MA_TAG_REGION_USE, &TraceParser::parse_region_use, any, since(MA_TAG_REGION_USE), true},
        {MA_TAG_REGION_CHANGE, &TraceParser::parse_region_change, any,
         since(MA_TAG_REGION_CHANGE), true},
        {MA_TAG_HEAP_UNWRITTEN, &TraceParser::parse_heap_unwritten, any,
         since(MA_TAG_HEAP_UNWRITTEN), true},
    };
    return kinds;
}

std::string error_prefix(const std::string& file, std::uint64_t line) {
    return line == 0 ? file : fmt::format("{}: line {}", file, line);
}

}  // namespace

TraceError::TraceError(std::string file, std::uint64_t line, std::string message)
    : std::runtime_error(fmt::format("{}: {}", error_prefix(file, line), message)),
      file_(std::move(file)),
      line_(line),
      message_(std::move(message)) {}

Trace parse_trace(std::istream& in, const std::string& source,
                  std::optional<std::uint64_t> input_bytes,
                  std::function<void(std::uint64_t)> on_read) {
    Trace trace = TraceParser(in, source, input_bytes, std::move(on_read)).parse();
    place_unnamed_frames(trace);
    return trace;
}

Trace read_trace(const std::string& path) {
    TraceInput input(path);
    ReadProgress progress(input.name(), input.size());
    return parse_trace(input.stream(), input.name(), input.size(), progress.callback());
}

}  // namespace memattr
