// Compressed traces and standard input (trace/trace_input.h): a trace compressed with gzip or
// zstd, recognised by its first bytes whatever its name, reads as the same trace; so does
// one given as "-" on standard input; damaged compressed input is one TraceError line.

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "history/run_figures.h"
#include "trace/trace_input.h"
#include "trace/trace_reader.h"
#include "trace_fixtures.h"

namespace memattr {
namespace trace_input_tests {

std::string gzip(const std::string& text) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&stream, text.size()) + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

std::string zstd(const std::string& text) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    const std::size_t size = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
    if (ZSTD_isError(size)) throw std::runtime_error("ZSTD_compress");
    out.resize(size);
    return out;
}

// Writes `bytes` to a file of the test's own, named without any hint of compression.
std::string write_temp(const std::string& bytes, const std::string& name) {
    const std::string path = testing::TempDir() + "trace_input_" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

// The text report of the trace at `path`, without its first line, which names the file.
std::string report_of(const std::string& path) {
    const std::string report = test::text_report(read_trace(path));
    return report.substr(report.find('\n'));
}

// The TraceError's message reading `path` gives; fails the test when it reads.
std::string error_reading(const std::string& path) {
    try {
        read_trace(path);
    } catch (const TraceError& error) {
        EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << error.what();
        return error.what();
    }
    ADD_FAILURE() << path << " was read";
    return {};
}

// Standard input is `path` while it lives.
class StdinFrom {
public:
    explicit StdinFrom(const std::string& path) : saved_(dup(STDIN_FILENO)) {
        const int fd = open(path.c_str(), O_RDONLY);
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    ~StdinFrom() {
        dup2(saved_, STDIN_FILENO);
        close(saved_);
    }

private:
    int saved_;
};

TEST(TraceInput, GzipAndZstdTracesReadAsTheSameTraceWhateverTheirName) {
    const std::string plain = test::data_text("ownership.trace");
    const std::string expected = report_of(test::data_path("ownership.trace"));
    const std::string gz = write_temp(gzip(plain), "ownership.trace");
    const std::string zst = write_temp(zstd(plain), "ownership.txt");
    EXPECT_EQ(report_of(gz), expected);
    EXPECT_EQ(report_of(zst), expected);
    EXPECT_EQ(TraceInput(gz).compression(), Compression::gzip);
    EXPECT_EQ(TraceInput(zst).compression(), Compression::zstd);
    EXPECT_EQ(TraceInput(test::data_path("ownership.trace")).compression(), Compression::none);
}

TEST(TraceInput, ReadsConcatenatedGzipMembersAndZstdFrames) {
    // `cat a.gz b.gz` is a valid gzip file of both texts; zstd likewise.
    const std::string plain = test::data_text("lineage.trace");
    const std::size_t half = plain.size() / 2;
    const std::string expected = report_of(test::data_path("lineage.trace"));
    EXPECT_EQ(report_of(write_temp(gzip(plain.substr(0, half)) + gzip(plain.substr(half)),
                                   "members")),
              expected);
    EXPECT_EQ(report_of(write_temp(zstd(plain.substr(0, half)) + zstd(plain.substr(half)),
                                   "frames")),
              expected);
}

TEST(TraceInput, DashReadsStandardInputCompressedOrNot) {
    const std::string plain = test::data_text("small.trace");
    const std::string expected = report_of(test::data_path("small.trace"));
    for (const std::string& bytes : {plain, gzip(plain), zstd(plain)}) {
        const StdinFrom stdin_from(write_temp(bytes, "stdin"));
        const Trace trace = read_trace("-");
        EXPECT_EQ(trace.source, TraceInput::kStdinName);
        const std::string report = test::text_report(trace);
        EXPECT_EQ(report.substr(report.find('\n')), expected);
    }
}

TEST(TraceInput, TruncatedCompressedInputIsOneLineNamingIt) {
    const std::string plain = test::data_text("ownership.trace");
    for (const auto& [name, bytes] :
         {std::pair{"gzip", gzip(plain)}, std::pair{"zstd", zstd(plain)}}) {
        const std::string path = write_temp(bytes.substr(0, bytes.size() / 2), "cut");
        EXPECT_EQ(error_reading(path),
                  fmt::format("{}: the {}-compressed input is truncated: the compressed data "
                              "ends early",
                              path, name));
    }
}

TEST(TraceInput, CorruptCompressedInputIsOneLineSayingSo) {
    const std::string plain = test::data_text("ownership.trace");
    std::string gz = gzip(plain);
    gz[gz.size() - 6] ^= 0x55;  // the CRC-32 of the trailer
    EXPECT_CONTAINS(error_reading(write_temp(gz, "bad-crc")),
                    "the gzip-compressed input is corrupt: incorrect data check");
    std::string zst = zstd(plain);
    zst[6] = '\xff';  // the frame header's size fields
    EXPECT_CONTAINS(error_reading(write_temp(zst, "bad-frame")),
                    "the zstd-compressed input is corrupt");
}

TEST(TraceInput, ADirectoryOrAMissingFileIsRefused) {
    EXPECT_CONTAINS(error_reading(testing::TempDir()), "is a directory, not a trace file");
    EXPECT_CONTAINS(error_reading(testing::TempDir() + "no-such-trace"),
                    "cannot open: No such file or directory");
}

TEST(TraceInput, RunFiguresReadACompressedTraceOrJsonReport) {
    const std::string plain = test::data_text("small.trace");
    const RunFigures from_plain = load_run_figures(test::data_path("small.trace"), {});
    const RunFigures from_zstd = load_run_figures(write_temp(zstd(plain), "figures"), {});
    EXPECT_EQ(from_zstd.sites.size(), from_plain.sites.size());
    EXPECT_EQ(from_zstd.program, from_plain.program);
}

}  // namespace trace_input_tests
}  // namespace memattr
