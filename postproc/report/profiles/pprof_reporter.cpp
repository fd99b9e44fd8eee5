#include "report/profiles/pprof_reporter.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <zlib.h>

#include "analysis/site_folding.h"
#include "report/profiles/profile_stacks.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

// profile.proto's field numbers (github.com/google/pprof, proto/profile.proto; the reader's
// own list is its encode.go), by message.
namespace profile_field {
constexpr std::uint32_t sample_type = 1, sample = 2, mapping = 3, location = 4, function = 5,
                        string_table = 6, period_type = 11, period = 12, comment = 13,
                        default_sample_type = 14;
}
namespace value_type_field {
constexpr std::uint32_t type = 1, unit = 2;
}
namespace sample_field {
constexpr std::uint32_t location_id = 1, value = 2;
}
namespace mapping_field {
constexpr std::uint32_t id = 1, filename = 5, has_functions = 7, has_filenames = 8,
                        has_line_numbers = 9;
}
namespace location_field {
constexpr std::uint32_t id = 1, mapping_id = 2, address = 3, line = 4;
}
namespace line_field {
constexpr std::uint32_t function_id = 1, line = 2;
}
namespace function_field {
constexpr std::uint32_t id = 1, name = 2, system_name = 3, filename = 4;
}

// One protobuf message as it is encoded: each field a key (its number and wire type), then
// its value. Fields are appended in the order written; a message inside another is its
// encoding, length-delimited.
class Message {
public:
    // An integer or bool (wire type 0). Zero is proto3's default, which a reader assumes for
    // a field that is not there, so it is left out as protobuf's own writers do.
    void varint(std::uint32_t field, std::uint64_t value) {
        if (value == 0) return;
        key(field, 0);
        put_varint(value);
    }

    // A string, bytes or a message (wire type 2); written even when empty, as
    // string_table[0] must be.
    void bytes(std::uint32_t field, std::string_view value) {
        key(field, 2);
        put_varint(value.size());
        encoded_ += value;
    }

    void message(std::uint32_t field, const Message& value) { bytes(field, value.encoded_); }

    // The fields of `fields`, as fields of this message (a repeated field's entries).
    void append(const Message& fields) { encoded_ += fields.encoded_; }

    // A repeated integer, packed (one length-delimited run of varints, zeros included): a
    // sample's values must be as many as the sample types.
    void packed(std::uint32_t field, const std::vector<std::uint64_t>& values) {
        Message run;
        for (const std::uint64_t value : values) run.put_varint(value);
        message(field, run);
    }

    const std::string& encoded() const { return encoded_; }

private:
    void key(std::uint32_t field, std::uint32_t wire_type) {
        put_varint(std::uint64_t{field} << 3 | wire_type);
    }

    void put_varint(std::uint64_t value) {
        for (; value >= 0x80; value >>= 7) encoded_ += static_cast<char>((value & 0x7f) | 0x80);
        encoded_ += static_cast<char>(value);
    }

    std::string encoded_;
};

// A sample type: its name and unit, and the site figure a sample's value of it is.
struct SampleType {
    std::string_view type;
    std::string_view unit;
    std::uint64_t Site::*figure;
};

constexpr SampleType kSampleTypes[] = {
    {"alloc_objects", "count", &Site::total_blocks}, {"alloc_space", "bytes", &Site::total_bytes},
    {"inuse_objects", "count", &Site::peak_blocks},  {"inuse_space", "bytes", &Site::peak_bytes},
    {"exit_objects", "count", &Site::exit_blocks},   {"exit_space", "bytes", &Site::exit_bytes},
};
constexpr std::string_view kDefaultSampleType = "inuse_space";

// A site's values, one per sample type. They are int64 in profile.proto: a figure above its
// maximum (no real site's) is capped rather than read back negative.
std::vector<std::uint64_t> sample_values(const Site& site) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::vector<std::uint64_t> values;
    for (const SampleType& type : kSampleTypes) values.push_back(std::min(site.*type.figure, kMax));
    return values;
}

// The profile's strings, each once, by index; entry 0 is "", as pprof requires.
class StringTable {
public:
    StringTable() { index(""); }

    std::uint64_t index(std::string_view text) {
        const auto [found, inserted] = indexes_.emplace(std::string(text), strings_.size());
        if (inserted) strings_.push_back(found->first);
        return found->second;
    }

    const std::vector<std::string>& strings() const { return strings_; }

private:
    std::map<std::string, std::uint64_t> indexes_;
    std::vector<std::string> strings_;
};

// A site without a stack still needs a location, so that the samples add up to the peak.
Frame no_stack_frame() {
    Frame frame;
    frame.function = "[no stack]";
    return frame;
}

// The profile's tables, filled site by site; ids count from 1 (0 is "none" in pprof).
class PprofProfile {
public:
    PprofProfile(const ReportModel& model, const std::string& generator) {
        for (const SampleType& type : kSampleTypes)
            sample_types_.message(profile_field::sample_type, value_type(type.type, type.unit));
        for (const SiteRow& site : model.sites) add_site(site);
        period_type_ = value_type("space", "bytes");
        default_sample_type_ = strings_.index(kDefaultSampleType);
        comment(generator);
        comment("command: " + describe_command(model.header.command));
        comment("trace: " + escape_value(model.source));
    }

    // The Profile message, its fields in field-number order.
    std::string encoded() const {
        Message profile;
        for (const Message* repeated :
             {&sample_types_, &samples_, &mappings_, &locations_, &functions_})
            profile.append(*repeated);
        for (const std::string& text : strings_.strings())
            profile.bytes(profile_field::string_table, text);
        // time_nanos and duration_nanos stay 0 (unknown): the trace has no wall-clock time.
        profile.message(profile_field::period_type, period_type_);
        profile.varint(profile_field::period, 1);  // every block counted, none sampled
        for (const std::uint64_t text : comments_) profile.varint(profile_field::comment, text);
        profile.varint(profile_field::default_sample_type, default_sample_type_);
        return profile.encoded();
    }

private:
    Message value_type(std::string_view type, std::string_view unit) {
        Message value;
        value.varint(value_type_field::type, strings_.index(type));
        value.varint(value_type_field::unit, strings_.index(unit));
        return value;
    }

    void comment(const std::string& text) { comments_.push_back(strings_.index(text)); }

    void add_site(const SiteRow& site) {
        const std::vector<std::uint64_t> values = sample_values(site.figures);
        if (std::all_of(values.begin(), values.end(), [](std::uint64_t v) { return v == 0; }))
            return;
        static const FrameList no_stack(std::vector<Frame>{no_stack_frame()});
        std::vector<std::uint64_t> locations;  // innermost first, as pprof wants them
        for (const Frame& frame : site.stack.empty() ? no_stack : site.stack)
            locations.push_back(location_of(frame));
        Message sample;
        sample.packed(sample_field::location_id, locations);
        sample.packed(sample_field::value, values);
        samples_.message(profile_field::sample, sample);
    }

    std::uint64_t location_of(const Frame& frame) {
        const std::string name = profile_frame_name(frame);
        const std::string file = frame.file.empty() ? "" : escape_value(source_path(frame));
        const auto [found, inserted] = location_ids_.emplace(
            std::tuple(name, file, frame.line, frame.object), location_ids_.size() + 1);
        if (!inserted) return found->second;
        Message location;
        location.varint(location_field::id, found->second);
        location.varint(location_field::mapping_id, mapping_of(frame.object));
        location.varint(location_field::address, frame.ip);
        Message line;
        line.varint(line_field::function_id, function_of(name, file));
        line.varint(line_field::line, frame.line);
        location.message(location_field::line, line);
        locations_.message(profile_field::location, location);
        return found->second;
    }

    std::uint64_t function_of(const std::string& name, const std::string& file) {
        const auto [found, inserted] =
            function_ids_.emplace(std::pair(name, file), function_ids_.size() + 1);
        if (!inserted) return found->second;
        Message function;
        function.varint(function_field::id, found->second);
        function.varint(function_field::name, strings_.index(name));
        function.varint(function_field::system_name, strings_.index(name));
        function.varint(function_field::filename, strings_.index(file));
        functions_.message(profile_field::function, function);
        return found->second;
    }

    // The mapping of an object file; 0 (none) for a frame whose object is unknown.
    std::uint64_t mapping_of(const std::string& object) {
        if (object.empty()) return 0;
        const auto [found, inserted] = mapping_ids_.emplace(object, mapping_ids_.size() + 1);
        if (!inserted) return found->second;
        Message mapping;
        mapping.varint(mapping_field::id, found->second);
        mapping.varint(mapping_field::filename, strings_.index(escape_value(object)));
        mapping.varint(mapping_field::has_functions, 1);
        mapping.varint(mapping_field::has_filenames, 1);
        mapping.varint(mapping_field::has_line_numbers, 1);
        mappings_.message(profile_field::mapping, mapping);
        return found->second;
    }

    StringTable strings_;
    // The repeated fields of the Profile message, each encoded as its fields already.
    Message sample_types_;
    Message samples_;
    Message mappings_;
    Message locations_;
    Message functions_;
    Message period_type_;
    std::uint64_t default_sample_type_ = 0;
    std::vector<std::uint64_t> comments_;  // string indexes
    std::map<std::tuple<std::string, std::string, std::uint64_t, std::string>, std::uint64_t>
        location_ids_;  // (name, file, line, object)
    std::map<std::pair<std::string, std::string>, std::uint64_t> function_ids_;  // (name, file)
    std::map<std::string, std::uint64_t> mapping_ids_;                           // object
};

// `bytes` gzip-compressed: deflate in a gzip wrapper (windowBits 15 + 16), the .pb.gz that
// pprof's readers expect.
std::string gzip(std::string_view bytes) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("cannot compress the profile: zlib would not start");
    std::string compressed;
    char buffer[1 << 16];
    std::size_t at = 0;
    int flush = Z_NO_FLUSH;
    while (flush != Z_FINISH) {
        // zlib counts input in uInt: at most 1 GiB at a time.
        const std::size_t chunk = std::min<std::size_t>(bytes.size() - at, std::size_t{1} << 30);
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + at));
        stream.avail_in = static_cast<uInt>(chunk);
        at += chunk;
        flush = at == bytes.size() ? Z_FINISH : Z_NO_FLUSH;
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof buffer;
            if (deflate(&stream, flush) == Z_STREAM_ERROR) {
                deflateEnd(&stream);
                throw std::runtime_error("cannot compress the profile: zlib failed");
            }
            compressed.append(buffer, sizeof buffer - stream.avail_out);
        } while (stream.avail_out == 0);
    }
    deflateEnd(&stream);
    return compressed;
}

}  // namespace

void PprofReporter::write(const ReportModel& model, std::ostream& out) const {
    out << gzip(PprofProfile(model, generator_).encoded());
}

}  // namespace memattr
