// The pprof profile (report/profiles/pprof_reporter.h), decoded here field by field with a
// reader of its own (gunzip, then protobuf's wire format by the field numbers of pprof's
// profile.proto), and checked against what pprof's reader requires (its CheckValid) and the
// model's figures. `go tool pprof` itself reads it in tests/tool/cases/profiles.py.

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "analysis/analysis.h"
#include "command_line.h"
#include "report/profiles/pprof_reporter.h"
#include "report/profiles/profile_stacks.h"
#include "trace_fixtures.h"

namespace memattr {
namespace pprof_tests {

// ---------------------------------------------------------------- a small protobuf reader

std::string gunzip(const std::string& compressed) {
    z_stream stream{};
    EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);  // gzip wrapper only
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    std::string bytes;
    char buffer[4096];
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        bytes.append(buffer, sizeof buffer - stream.avail_out);
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) throw std::runtime_error("not a whole gzip stream");
    return bytes;
}

// One field of a message: its number and its value, a varint (wire type 0) or bytes (2).
struct Field {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    std::uint64_t varint = 0;
    std::string bytes;
};

std::uint64_t read_varint(std::string_view message, std::size_t& at) {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (at >= message.size()) throw std::runtime_error("varint runs past the message");
        const auto byte = static_cast<unsigned char>(message[at++]);
        value |= std::uint64_t{byte & 0x7fu} << shift;
        if ((byte & 0x80) == 0) return value;
    }
    throw std::runtime_error("varint longer than 10 bytes");
}

// The fields of `message`, in order. Throws on anything but wire types 0 and 2 (the only two
// profile.proto's fields use) or on a length past the end.
std::vector<Field> fields_of(std::string_view message) {
    std::vector<Field> fields;
    for (std::size_t at = 0; at < message.size();) {
        const std::uint64_t key = read_varint(message, at);
        Field field;
        field.number = static_cast<std::uint32_t>(key >> 3);
        field.wire_type = static_cast<std::uint32_t>(key & 7);
        if (field.number == 0) throw std::runtime_error("field number 0");
        if (field.wire_type == 0) {
            field.varint = read_varint(message, at);
        } else if (field.wire_type == 2) {
            const std::uint64_t length = read_varint(message, at);
            if (length > message.size() - at) throw std::runtime_error("length past the end");
            field.bytes = message.substr(at, length);
            at += length;
        } else {
            throw std::runtime_error("unexpected wire type " + std::to_string(field.wire_type));
        }
        fields.push_back(std::move(field));
    }
    return fields;
}

// A repeated integer's entries in `field`: packed (wire type 2) or one (wire type 0).
void add_varints(const Field& field, std::vector<std::uint64_t>& values) {
    if (field.wire_type == 0) {
        values.push_back(field.varint);
        return;
    }
    for (std::size_t at = 0; at < field.bytes.size();) values.push_back(read_varint(field.bytes, at));
}

// ---------------------------------------------------------------- the profile, decoded

struct Sample {
    std::vector<std::uint64_t> locations;  // leaf first
    std::vector<std::uint64_t> values;
};

struct Location {
    std::uint64_t mapping = 0;
    std::uint64_t address = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> lines;  // (function id, line)
};

struct Function {
    std::uint64_t name = 0, system_name = 0, filename = 0;  // string indexes
};

struct Mapping {
    std::uint64_t filename = 0;
    bool has_functions = false, has_filenames = false, has_line_numbers = false;
};

struct Profile {
    std::vector<std::string> strings;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sample_types;  // (type, unit)
    std::vector<Sample> samples;
    std::vector<std::uint64_t> location_order;  // ids as they come, to find duplicates
    std::map<std::uint64_t, Location> locations;
    std::vector<std::uint64_t> function_order;
    std::map<std::uint64_t, Function> functions;
    std::vector<std::uint64_t> mapping_order;
    std::map<std::uint64_t, Mapping> mappings;
    std::pair<std::uint64_t, std::uint64_t> period_type;
    std::uint64_t period = 0;
    std::vector<std::uint64_t> comments;
    std::uint64_t default_sample_type = 0;

    // The string at `index`; fails the test on one past the table, as pprof refuses it.
    std::string text(std::uint64_t index) const {
        EXPECT_LT(index, strings.size());
        return index < strings.size() ? strings[index] : "<bad string index>";
    }

    std::vector<std::string> sample_type_names() const {
        std::vector<std::string> names;
        for (const auto& [type, unit] : sample_types) names.push_back(text(type) + "/" + text(unit));
        return names;
    }

    std::size_t sample_index(const std::string& type) const {
        for (std::size_t i = 0; i < sample_types.size(); ++i)
            if (text(sample_types[i].first) == type) return i;
        ADD_FAILURE() << "no sample type " << type;
        return 0;
    }

    std::uint64_t sum(const std::string& type) const {
        const std::size_t index = sample_index(type);
        std::uint64_t total = 0;
        for (const Sample& sample : samples) total += sample.values.at(index);
        return total;
    }

    // The function names of a sample's locations, leaf first.
    std::vector<std::string> stack(const Sample& sample) const {
        std::vector<std::string> names;
        for (const std::uint64_t id : sample.locations)
            names.push_back(text(functions.at(locations.at(id).lines.at(0).first).name));
        return names;
    }
};

std::pair<std::uint64_t, std::uint64_t> value_type(const Field& field) {
    std::pair<std::uint64_t, std::uint64_t> type;
    for (const Field& part : fields_of(field.bytes))
        (part.number == 1 ? type.first : type.second) = part.varint;
    return type;
}

Sample sample_of(const Field& field) {
    Sample sample;
    for (const Field& part : fields_of(field.bytes))
        add_varints(part, part.number == 1 ? sample.locations : sample.values);
    return sample;
}

void add_location(const Field& field, Profile& profile) {
    std::uint64_t id = 0;
    Location location;
    for (const Field& part : fields_of(field.bytes)) {
        if (part.number == 1) id = part.varint;
        if (part.number == 2) location.mapping = part.varint;
        if (part.number == 3) location.address = part.varint;
        if (part.number != 4) continue;
        std::pair<std::uint64_t, std::uint64_t> line;
        for (const Field& of_line : fields_of(part.bytes))
            (of_line.number == 1 ? line.first : line.second) = of_line.varint;
        location.lines.push_back(line);
    }
    profile.location_order.push_back(id);
    profile.locations[id] = location;
}

void add_function(const Field& field, Profile& profile) {
    std::uint64_t id = 0;
    Function function;
    for (const Field& part : fields_of(field.bytes)) {
        if (part.number == 1) id = part.varint;
        if (part.number == 2) function.name = part.varint;
        if (part.number == 3) function.system_name = part.varint;
        if (part.number == 4) function.filename = part.varint;
    }
    profile.function_order.push_back(id);
    profile.functions[id] = function;
}

void add_mapping(const Field& field, Profile& profile) {
    std::uint64_t id = 0;
    Mapping mapping;
    for (const Field& part : fields_of(field.bytes)) {
        if (part.number == 1) id = part.varint;
        if (part.number == 5) mapping.filename = part.varint;
        if (part.number == 7) mapping.has_functions = part.varint != 0;
        if (part.number == 8) mapping.has_filenames = part.varint != 0;
        if (part.number == 9) mapping.has_line_numbers = part.varint != 0;
    }
    profile.mapping_order.push_back(id);
    profile.mappings[id] = mapping;
}

Profile decode(const std::string& compressed) {
    Profile profile;
    for (const Field& field : fields_of(gunzip(compressed))) {
        switch (field.number) {
        case 1: profile.sample_types.push_back(value_type(field)); break;
        case 2: profile.samples.push_back(sample_of(field)); break;
        case 3: add_mapping(field, profile); break;
        case 4: add_location(field, profile); break;
        case 5: add_function(field, profile); break;
        case 6: profile.strings.push_back(field.bytes); break;
        case 11: profile.period_type = value_type(field); break;
        case 12: profile.period = field.varint; break;
        case 13: add_varints(field, profile.comments); break;
        case 14: profile.default_sample_type = field.varint; break;
        default: break;
        }
    }
    return profile;
}

AnalysisOptions all_frames() {
    AnalysisOptions options;
    options.folding.max_frames = kAllFrames;
    return options;
}

std::string pprof_bytes(const ReportModel& model) {
    std::ostringstream out;
    PprofReporter{"memattr-graph test-version"}.write(model, out);
    return out.str();
}

// ---------------------------------------------------------------- the tests

TEST(PprofProfile, IsGzipWithAnEmptyFirstString) {
    const std::string bytes = pprof_bytes(analyse(test::small_trace(), all_frames()));
    ASSERT_GE(bytes.size(), 3u);
    EXPECT_EQ(bytes.substr(0, 3), std::string("\x1f\x8b\x08"));  // gzip, deflate
    const Profile profile = decode(bytes);
    ASSERT_FALSE(profile.strings.empty());
    EXPECT_EQ(profile.strings[0], "");
    const std::set<std::string> distinct(profile.strings.begin(), profile.strings.end());
    EXPECT_EQ(distinct.size(), profile.strings.size()) << "a string twice";
}

TEST(PprofProfile, GoHeapProfileSampleTypesShowingInuseSpace) {
    const Profile profile = decode(pprof_bytes(analyse(test::small_trace(), all_frames())));
    EXPECT_EQ(profile.sample_type_names(),
              (std::vector<std::string>{"alloc_objects/count", "alloc_space/bytes",
                                        "inuse_objects/count", "inuse_space/bytes",
                                        "exit_objects/count", "exit_space/bytes"}));
    EXPECT_EQ(profile.text(profile.default_sample_type), "inuse_space");
    EXPECT_EQ(profile.text(profile.period_type.first), "space");
    EXPECT_EQ(profile.text(profile.period_type.second), "bytes");
    EXPECT_EQ(profile.period, 1u);
    std::vector<std::string> comments;
    for (const std::uint64_t comment : profile.comments) comments.push_back(profile.text(comment));
    ASSERT_EQ(comments.size(), 3u);
    EXPECT_EQ(comments[0], "memattr-graph test-version");
    EXPECT_EQ(comments[1], "command: ./demo --size 3");
    EXPECT_EQ(comments[2], "trace: " + std::string(POSTPROC_TEST_DATA) + "/small.trace");
}

TEST(PprofProfile, OneSamplePerSiteAddingUpToTheReportsFigures) {
    const ReportModel model = analyse(test::small_trace(), all_frames());
    const Profile profile = decode(pprof_bytes(model));
    EXPECT_EQ(profile.samples.size(), model.sites.size());
    for (const Sample& sample : profile.samples)
        EXPECT_EQ(sample.values.size(), profile.sample_types.size());  // else pprof refuses it
    EXPECT_EQ(profile.sum("inuse_space"), model.summary.peak.bytes);
    EXPECT_EQ(profile.sum("inuse_space"), 2101312u);
    EXPECT_EQ(profile.sum("inuse_objects"), model.summary.peak.blocks);
    EXPECT_EQ(profile.sum("alloc_space"), model.summary.totals.bytes);
    EXPECT_EQ(profile.sum("alloc_objects"), model.summary.totals.blocks);
    EXPECT_EQ(profile.sum("exit_space"), model.summary.exit.bytes);
    EXPECT_EQ(profile.sum("exit_objects"), model.summary.exit.blocks);
}

TEST(PprofProfile, EveryIdIsNonZeroUniqueAndResolves) {
    const Profile profile = decode(pprof_bytes(analyse(test::small_trace(), all_frames())));
    for (const auto* ids : {&profile.location_order, &profile.function_order,
                            &profile.mapping_order}) {
        ASSERT_FALSE(ids->empty());
        EXPECT_EQ(std::set<std::uint64_t>(ids->begin(), ids->end()).size(), ids->size());
        EXPECT_EQ(std::count(ids->begin(), ids->end(), 0u), 0);
    }
    for (const Sample& sample : profile.samples) {
        ASSERT_FALSE(sample.locations.empty());
        for (const std::uint64_t id : sample.locations) EXPECT_EQ(profile.locations.count(id), 1u);
    }
    for (const auto& [id, location] : profile.locations) {
        EXPECT_TRUE(location.mapping == 0 || profile.mappings.count(location.mapping) == 1) << id;
        ASSERT_EQ(location.lines.size(), 1u) << id;
        EXPECT_EQ(profile.functions.count(location.lines[0].first), 1u) << id;
        EXPECT_NE(location.address, 0u) << id;
    }
}

TEST(PprofProfile, LocationsAreTheFoldedStackLeafFirst) {
    const ReportModel model = analyse(test::small_trace(), all_frames());
    const Profile profile = decode(pprof_bytes(model));
    ASSERT_EQ(profile.samples.size(), model.sites.size());
    for (std::size_t site = 0; site < model.sites.size(); ++site) {
        std::vector<std::string> expected;
        for (const Frame& frame : model.sites[site].stack)
            expected.push_back(profile_frame_name(frame));
        EXPECT_EQ(profile.stack(profile.samples[site]), expected) << "site row " << site;
    }
    const std::vector<std::string> top = profile.stack(profile.samples.front());
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top.front(), "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)");
    EXPECT_EQ(top.back(), "(below main)");
    // The tab in "scratch\tcopy" is escaped, as the report shows it.
    EXPECT_TRUE(std::any_of(profile.samples.begin(), profile.samples.end(),
                            [&](const Sample& sample) {
                                return profile.stack(sample).front() == "scratch\\tcopy";
                            }));
}

TEST(PprofProfile, FunctionsFilesLinesAndObjects) {
    const ReportModel model = analyse(test::small_trace(), all_frames());
    const Profile profile = decode(pprof_bytes(model));
    const Location& leaf = profile.locations.at(profile.samples.front().locations.front());
    EXPECT_EQ(leaf.address, 0x10a51cu);
    EXPECT_EQ(leaf.lines[0].second, 21u);
    const Function& fill = profile.functions.at(leaf.lines[0].first);
    EXPECT_EQ(profile.text(fill.filename), "/home/dev/demo/src/demo.cpp");
    EXPECT_EQ(fill.system_name, fill.name);
    const Mapping& demo = profile.mappings.at(leaf.mapping);
    EXPECT_EQ(profile.text(demo.filename), "/home/dev/demo/demo");
    EXPECT_TRUE(demo.has_functions && demo.has_filenames && demo.has_line_numbers);

    // main is on three sites' stacks: one location, one function, one mapping for all.
    std::set<std::pair<std::string, std::string>> functions;
    for (const auto& [id, function] : profile.functions)
        EXPECT_TRUE(functions.emplace(profile.text(function.name), profile.text(function.filename))
                        .second)
            << "function twice: " << profile.text(function.name);
    std::set<std::string> objects;
    for (const auto& [id, mapping] : profile.mappings)
        EXPECT_TRUE(objects.insert(profile.text(mapping.filename)).second);
    std::set<std::uint64_t> main_locations;
    for (const Sample& sample : profile.samples)
        for (const std::uint64_t id : sample.locations)
            if (profile.text(profile.functions.at(profile.locations.at(id).lines[0].first).name) ==
                "main")
                main_locations.insert(id);
    EXPECT_EQ(main_locations.size(), 1u);
}

TEST(PprofProfile, FramesLimitTheLocations) {
    AnalysisOptions options = all_frames();
    options.folding.max_frames = 1;
    const Profile profile = decode(pprof_bytes(analyse(test::small_trace(), options)));
    for (const Sample& sample : profile.samples) EXPECT_EQ(sample.locations.size(), 1u);
    EXPECT_EQ(profile.sum("inuse_space"), 2101312u);
}

TEST(PprofCommand, TakesEveryFrameByDefault) {
    const CommandOptions options = test::parse_command("pprof", {"t", "-o", "heap.pb.gz"});
    EXPECT_EQ(options.analysis.folding.max_frames, kAllFrames);
    EXPECT_EQ(options.trace_path, "t");
    EXPECT_EQ(options.output_path, "heap.pb.gz");
}

}  // namespace pprof_tests
}  // namespace memattr
