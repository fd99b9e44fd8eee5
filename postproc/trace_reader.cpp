#include "trace_reader.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <istream>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trace_escape.h"

namespace memattr {

namespace {

constexpr std::string_view kMagic = "memattr-trace";

// Version 2 added access tracking and copy lineage; version 1 is the same format without
// them, read as a run with access=no.
constexpr std::uint64_t kOldestVersion = 1;
constexpr std::uint64_t kNewestVersion = 2;

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

// Reads '\n'-terminated lines with a length limit. It reads the stream buffer directly so
// that an overlong line is refused as soon as it passes the limit, never buffered whole.
class LineSource {
public:
    enum class Status {
        line,          // a complete line, its '\n' removed
        unterminated,  // the input ended inside a line (returned without '\n')
        end_of_input,  // nothing left
        too_long,      // the line exceeds the limit; the rest of it was not read
    };

    explicit LineSource(std::istream& in) : buffer_(in.rdbuf()) {}

    Status next(std::string& line, std::size_t max_bytes) {
        line.clear();
        if (buffer_ == nullptr) return Status::end_of_input;
        for (;;) {
            const int c = buffer_->sbumpc();
            if (c == std::char_traits<char>::eof())
                return line.empty() ? Status::end_of_input : Status::unterminated;
            if (c == '\n') return Status::line;
            if (line.size() == max_bytes) return Status::too_long;
            line.push_back(static_cast<char>(c));
        }
    }

private:
    std::streambuf* buffer_;
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
    TraceParser(std::istream& in, std::string source) : lines_(in) {
        trace_.source = std::move(source);
    }

    Trace parse() {
        read_header_line();
        for (;;) {
            const LineSource::Status status = read_line();
            if (status == LineSource::Status::end_of_input ||
                status == LineSource::Status::unterminated)
                fail_truncated();
            const Record record = split_record(line_);
            if (record.tag == "end") {
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
    };
    static std::span<const RecordKind> record_kinds();

    [[noreturn]] void fail(const std::string& message) const {
        throw TraceError(trace_.source, line_number_, message);
    }

    // Reported at the last line there is, which tells how far the writer got.
    [[noreturn]] void fail_truncated() const {
        fail("trace is truncated: it ends here without the 'end' record; the profiled program "
             "was probably killed before Valgrind could finish writing");
    }

    LineSource::Status read_line() {
        const LineSource::Status status = lines_.next(line_, kMaxLineBytes);
        if (status == LineSource::Status::end_of_input) return status;
        ++line_number_;
        if (status == LineSource::Status::too_long)
            fail(fmt::format("line is longer than {} bytes: this is not a memattr trace, or it "
                             "is corrupt",
                             kMaxLineBytes));
        return status;
    }

    void read_header_line() {
        const LineSource::Status status = lines_.next(line_, kMaxFirstLineBytes);
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
        const std::string version = text(header, "version");
        std::uint64_t number = 0;
        for (std::uint64_t supported = kOldestVersion; supported <= kNewestVersion; ++supported)
            if (version == std::to_string(supported)) number = supported;
        if (number == 0)
            fail(fmt::format("unsupported trace version '{}': this memattr-graph reads versions "
                             "{} to {}",
                             excerpt(version), kOldestVersion, kNewestVersion));
        if (line_ != fmt::format("{}\tversion={}", kMagic, number))
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
        const std::string_view value = raw(record, key);
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

    // The value of an enumerated field: the index of its word in `words`.
    std::size_t choice(const Record& record, std::string_view key,
                       std::initializer_list<std::string_view> words) const {
        const std::string_view value = raw(record, key);
        std::size_t index = 0;
        for (const std::string_view word : words) {
            if (value == word) return index;
            ++index;
        }
        fail(fmt::format("field '{}' must be one of {}, not '{}'", key, fmt::join(words, ", "),
                         excerpt(value)));
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

    // ---------------------------------------------------------------- records

    void parse_tool(const Record& record) {
        trace_.header.tool = {text(record, "name"), text(record, "version")};
    }

    void parse_cmd(const Record& record) {
        trace_.header.command = {text(record, "exe"), text(record, "args")};
    }

    void parse_process(const Record& record) {
        trace_.header.process = {integer(record, "pid"), integer(record, "ppid"),
                          integer(record, "fork-of")};
    }

    void parse_run(const Record& record) {
        const bool access =
            trace_.header.version >= 2 && choice(record, "access", {"no", "yes"}) == 1;
        trace_.header.run = {text(record, "malloc-mode"), text(record, "time-unit"),
                             integer(record, "alignment"), integer(record, "num-callers"), access};
    }

    void parse_definition(const Record& record) {
        Definition definition{text(record, "name"), text(record, "text")};
        const auto [seen, inserted] = definition_lines_.emplace(definition.name, line_number_);
        if (!inserted)
            fail(fmt::format("second definition of '{}' (the first is at line {})",
                             excerpt(definition.name), seen->second));
        trace_.header.definitions.push_back(std::move(definition));
    }

    void parse_frame(const Record& record) {
        Frame frame;
        frame.id = integer(record, "id");
        frame.ip = address(record, "ip");
        frame.inlined = flag(record, "inlined");
        frame.function = text(record, "fn");
        frame.file = text(record, "file");
        // `dir` is given only for non-inlined frames, so it is the one optional key.
        if (has_field(record, "dir")) frame.dir = text(record, "dir");
        frame.line = integer(record, "line");
        frame.object = text(record, "obj");
        define_id(frame_ids_, "frame", frame.id, trace_.frames.size());
        trace_.frames.push_back(std::move(frame));
    }

    static bool has_field(const Record& record, std::string_view key) {
        for (const Field& field : record.fields)
            if (field.key == key) return true;
        return false;
    }

    void parse_stack(const Record& record) {
        Stack stack;
        stack.id = integer(record, "id");
        const std::string_view frame_list = raw(record, "frames");
        if (frame_list.empty()) fail("stack has no frames ('frames' is empty)");
        for (const std::string_view frame_id : split(frame_list, ','))
            stack.frames.push_back(
                resolve(frame_ids_, "stack", "frame", parse_integer(frame_id, "frames")));
        define_id(stack_ids_, "stack", stack.id, trace_.stacks.size());
        trace_.stacks.push_back(std::move(stack));
    }

    void parse_site(const Record& record) {
        Site site;
        site.id = integer(record, "id");
        site.stack = resolve(stack_ids_, "site", "stack", integer(record, "stack"));
        site.total_bytes = integer(record, "tb");
        site.total_blocks = integer(record, "tbk");
        site.peak_bytes = integer(record, "pb");
        site.peak_blocks = integer(record, "pbk");
        site.max_bytes = integer(record, "mb");
        site.max_blocks = integer(record, "mbk");
        site.exit_bytes = integer(record, "eb");
        site.exit_blocks = integer(record, "ebk");
        site.freed_blocks = integer(record, "fbk");
        site.lifetime_min = integer(record, "ltmin");
        site.lifetime_max = integer(record, "ltmax");
        site.lifetime_sum = integer(record, "ltsum");
        site.temporary_blocks = integer(record, "tmpbk");
        site.temporary_bytes = integer(record, "tmpb");
        site.realloc_blocks = integer(record, "rbk");
        site.bytes_read = integer_since_v2(record, "rd");
        site.bytes_written = integer_since_v2(record, "wr");
        site.never_read_blocks = integer_since_v2(record, "nrbk");
        site.never_read_bytes = integer_since_v2(record, "nrb");
        site.never_accessed_blocks = integer_since_v2(record, "nabk");
        site.never_accessed_bytes = integer_since_v2(record, "nab");
        // Reports subtract these (written but never read = never read - never accessed).
        if (site.never_accessed_blocks > site.never_read_blocks ||
            site.never_accessed_bytes > site.never_read_bytes)
            fail(fmt::format("site {}: more never accessed than never read (nabk={} nrbk={}, "
                             "nab={} nrb={}); never accessed blocks are never read too",
                             site.id, site.never_accessed_blocks, site.never_read_blocks,
                             site.never_accessed_bytes, site.never_read_bytes));
        define_id(site_ids_, "site", site.id, trace_.sites.size());
        trace_.sites.push_back(site);
    }

    // Copy and access records describe access tracking: a trace that says it did not track
    // (or that has not said so yet: `run` comes first) cannot have them.
    void require_access_tracking(std::string_view tag) const {
        if (!single_record_lines_.contains("run"))
            fail(fmt::format("'{}' record before the 'run' record", tag));
        if (!trace_.header.run.access)
            fail(fmt::format("'{}' record in a trace without access tracking (the 'run' record "
                             "says access=no)",
                             tag));
    }

    void parse_copy(const Record& record) {
        require_access_tracking(record.tag);
        CopyGroup copy;
        copy.kind = static_cast<CopyKind>(choice(record, "kind", {"copy", "realloc"}));
        copy.stack = resolve(stack_ids_, "copy", "stack", integer(record, "stack"));
        copy.from = resolve(site_ids_, "copy", "site", integer(record, "from"));
        copy.to = resolve(site_ids_, "copy", "site", integer(record, "to"));
        const std::uint64_t share = integer(record, "share");
        if (share > 10)
            fail(fmt::format("field 'share' is in tenths, from 0 to 10, not {}", share));
        copy.share = static_cast<unsigned>(share);
        copy.source_used = flag(record, "src-used");
        copy.source_fate =
            static_cast<SourceFate>(choice(record, "src-fate", {"prompt", "later", "live"}));
        copy.pairs = integer(record, "n");
        copy.bytes = integer(record, "bytes");
        copy.source_bytes = integer(record, "src-bytes");
        copy.destination_bytes = integer(record, "dst-bytes");
        copy.peak_source_bytes = integer(record, "peak-src-bytes");
        copy.overlap = integer(record, "overlap");
        trace_.copies.push_back(copy);
    }

    void parse_access(const Record& record) {
        require_access_tracking(record.tag);
        trace_.access = AccessTotals{integer(record, "reads"),
                                     integer(record, "writes"),
                                     integer(record, "bulk-copies"),
                                     integer(record, "bulk-bytes"),
                                     integer(record, "inline-copy-bytes"),
                                     integer(record, "pairs"),
                                     integer(record, "extra-source-bytes")};
    }

    void parse_thread(const Record& record) {
        Thread thread;
        thread.id = integer(record, "id");
        if (thread.id == 0) fail("thread id 0 is not allowed (threads are numbered from 1)");
        thread.parent = integer(record, "parent");
        thread.total_bytes = integer(record, "tb");
        thread.total_blocks = integer(record, "tbk");
        thread.peak_bytes = integer(record, "pb");
        thread.peak_blocks = integer(record, "pbk");
        thread.peak_time = integer(record, "pt");
        thread.exit_bytes = integer(record, "eb");
        thread.exit_blocks = integer(record, "ebk");
        define_id(thread_ids_, "thread", thread.id, trace_.threads.size());
        trace_.threads.push_back(thread);
    }

    void parse_peak(const Record& record) {
        trace_.peak = {integer(record, "t"), integer(record, "alloc"), integer(record, "bytes"),
                       integer(record, "blocks")};
    }

    void parse_totals(const Record& record) {
        trace_.totals = {integer(record, "bytes"), integer(record, "blocks"),
                         integer(record, "frees"), integer(record, "bad-frees")};
    }

    void parse_exit(const Record& record) {
        trace_.exit = {integer(record, "t"),     integer(record, "alloc"),
                       integer(record, "bytes"), integer(record, "blocks"),
                       text(record, "reason"),   integer(record, "code")};
    }

    void parse_timeline(const Record& record) {
        const TimelinePoint point{integer(record, "t"), integer(record, "alloc"),
                                  integer(record, "bytes"), integer(record, "blocks")};
        if (!trace_.timeline.empty() && point.time < trace_.timeline.back().time)
            fail(fmt::format("timeline sample at t={} comes after one at t={}: samples must be "
                             "in increasing time",
                             point.time, trace_.timeline.back().time));
        trace_.timeline.push_back(point);
    }

    // ---------------------------------------------------------------- the end

    void finish(const Record& end) {
        const std::uint64_t counted = integer(end, "records");
        trace_.record_count = line_number_ - 1;
        if (counted != trace_.record_count)
            fail(fmt::format("the 'end' record counts {} records but {} precede it: lines were "
                             "lost or added, the trace is corrupt",
                             counted, trace_.record_count));
        std::string rest;
        if (lines_.next(rest, 1) != LineSource::Status::end_of_input) {
            ++line_number_;
            fail("unexpected data after the 'end' record");
        }
        for (const RecordKind& kind : record_kinds())
            if (kind.occurrence == Occurrence::once && !single_record_lines_.contains(kind.tag))
                fail(fmt::format("the trace has no '{}' record", kind.tag));
        check_thread_parents();
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

    LineSource lines_;
    std::string line_;               // the line being parsed; Record views point into it
    std::uint64_t line_number_ = 0;  // 1-based number of line_
    Trace trace_;

    std::unordered_map<std::uint64_t, IdDefinition> frame_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> stack_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> site_ids_;
    std::unordered_map<std::uint64_t, IdDefinition> thread_ids_;
    std::unordered_map<std::string_view, std::uint64_t> single_record_lines_;  // tag -> line
    std::unordered_map<std::string, std::uint64_t> definition_lines_;          // name -> line
};

std::span<const TraceParser::RecordKind> TraceParser::record_kinds() {
    using enum Occurrence;
    static constexpr RecordKind kinds[] = {
        {"tool", &TraceParser::parse_tool, once},
        {"cmd", &TraceParser::parse_cmd, once},
        {"process", &TraceParser::parse_process, once},
        {"run", &TraceParser::parse_run, once},
        {"definition", &TraceParser::parse_definition, any},
        {"frame", &TraceParser::parse_frame, any},
        {"stack", &TraceParser::parse_stack, any},
        {"site", &TraceParser::parse_site, any},
        {"copy", &TraceParser::parse_copy, any, 2},
        {"access", &TraceParser::parse_access, at_most_once, 2},
        {"thread", &TraceParser::parse_thread, any},
        {"peak", &TraceParser::parse_peak, once},
        {"totals", &TraceParser::parse_totals, once},
        {"exit", &TraceParser::parse_exit, once},
        {"timeline", &TraceParser::parse_timeline, any},
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

Trace parse_trace(std::istream& in, const std::string& source) {
    return TraceParser(in, source).parse();
}

Trace read_trace(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        throw TraceError(path, 0, "is a directory, not a trace file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TraceError(path, 0, fmt::format("cannot open: {}", std::strerror(errno)));
    return parse_trace(in, path);
}

}  // namespace memattr
