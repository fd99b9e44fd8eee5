#include "trace/trace_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <streambuf>
#include <vector>

#include <fmt/format.h>

#include "trace/trace_reader.h"

namespace memattr {

namespace {

constexpr std::array<unsigned char, 2> kGzipMagic = {0x1f, 0x8b};
constexpr std::array<unsigned char, 4> kZstdMagic = {0x28, 0xb5, 0x2f, 0xfd};

template <std::size_t N>
bool starts_with(const std::vector<char>& bytes, std::size_t size,
                 const std::array<unsigned char, N>& magic) {
    return size >= N && std::memcmp(bytes.data(), magic.data(), N) == 0;
}

std::string_view compression_name(Compression compression) {
    return compression == Compression::gzip ? "gzip" : "zstd";
}

}  // namespace

// Reads the input's raw bytes in chunks into `in_` and hands out decompressed ones from
// `out_` (std::streambuf's get area). For uncompressed input, "decompressing" is a copy.
// Errors are thrown as TraceError from underflow(): the reader calls the streambuf directly
// (and nlohmann::json too), so they reach the caller unchanged.
class TraceInput::Buffer : public std::streambuf {
public:
    Buffer(int fd, bool owns_fd, std::string name)
        : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), in_(kInBytes), out_(kOutBytes) {
        while (in_end_ < kZstdMagic.size() && read_more()) {
        }
        if (starts_with(in_, in_end_, kGzipMagic)) start_gzip();
        else if (starts_with(in_, in_end_, kZstdMagic)) start_zstd();
        setg(out_.data(), out_.data(), out_.data());
    }

    ~Buffer() override {
        if (compression_ == Compression::gzip) inflateEnd(&zlib_);
        if (zstd_ != nullptr) ZSTD_freeDStream(zstd_);
        if (owns_fd_) close(fd_);
    }

    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    Compression compression() const { return compression_; }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        for (;;) {
            if (in_begin_ == in_end_ && !at_end_) read_more();
            const bool no_input = in_begin_ == in_end_;
            // With no input left, a compressor may still hold output; none at all inside a
            // stream means the input was cut short.
            if (no_input && at_end_ && !in_stream_) return traits_type::eof();
            const std::size_t produced = decode();
            if (produced > 0) {
                setg(out_.data(), out_.data(), out_.data() + produced);
                return traits_type::to_int_type(*gptr());
            }
            if (no_input && at_end_) fail("is truncated: the compressed data ends early");
        }
    }

private:
    static constexpr std::size_t kInBytes = std::size_t{1} << 20;
    static constexpr std::size_t kOutBytes = std::size_t{4} << 20;

    [[noreturn]] void fail(std::string_view what) const {
        throw TraceError(name_, 0,
                         fmt::format("the {}-compressed input {}", compression_name(compression_),
                                     what));
    }

    // Reads more raw input after what is pending; false at the end of the input.
    bool read_more() {
        if (at_end_) return false;
        if (in_begin_ > 0) {
            std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
            in_end_ -= in_begin_;
            in_begin_ = 0;
        }
        for (;;) {
            const ssize_t got = ::read(fd_, in_.data() + in_end_, in_.size() - in_end_);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0)
                throw TraceError(name_, 0, fmt::format("cannot read: {}", std::strerror(errno)));
            if (got == 0) at_end_ = true;
            in_end_ += static_cast<std::size_t>(got);
            return got > 0;
        }
    }

    void start_gzip() {
        compression_ = Compression::gzip;
        // 16 + MAX_WBITS: a gzip header and trailer (with its CRC) are required.
        if (inflateInit2(&zlib_, 16 + MAX_WBITS) != Z_OK)
            throw TraceError(name_, 0, "cannot start gzip decompression: out of memory");
        in_stream_ = true;
    }

    void start_zstd() {
        compression_ = Compression::zstd;
        zstd_ = ZSTD_createDStream();
        if (zstd_ == nullptr || ZSTD_isError(ZSTD_initDStream(zstd_)))
            throw TraceError(name_, 0, "cannot start zstd decompression: out of memory");
        in_stream_ = true;
    }

    // Decompresses pending input into out_; returns the bytes made (may be 0 when more input
    // is needed).
    std::size_t decode() {
        switch (compression_) {
        case Compression::none: return copy_plain();
        case Compression::gzip: return inflate_gzip();
        case Compression::zstd: return decompress_zstd();
        }
        return 0;
    }

    std::size_t copy_plain() {
        const std::size_t bytes = std::min(in_end_ - in_begin_, out_.size());
        std::memcpy(out_.data(), in_.data() + in_begin_, bytes);
        in_begin_ += bytes;
        return bytes;
    }

    std::size_t inflate_gzip() {
        // A gzip file may hold several members one after the other (as `cat a.gz b.gz`
        // makes, and gzip reads): each ends its stream, and more input starts the next.
        if (!in_stream_) {
            inflateReset(&zlib_);
            in_stream_ = true;
        }
        zlib_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_begin_);
        zlib_.avail_in = static_cast<uInt>(in_end_ - in_begin_);
        zlib_.next_out = reinterpret_cast<Bytef*>(out_.data());
        zlib_.avail_out = static_cast<uInt>(out_.size());
        const int status = inflate(&zlib_, Z_NO_FLUSH);
        in_begin_ = in_end_ - zlib_.avail_in;
        if (status == Z_STREAM_END) in_stream_ = false;
        else if (status != Z_OK && status != Z_BUF_ERROR)
            fail(fmt::format("is corrupt: {}", zlib_.msg != nullptr ? zlib_.msg : zError(status)));
        return out_.size() - zlib_.avail_out;
    }

    std::size_t decompress_zstd() {
        ZSTD_inBuffer input{in_.data() + in_begin_, in_end_ - in_begin_, 0};
        ZSTD_outBuffer output{out_.data(), out_.size(), 0};
        const std::size_t status = ZSTD_decompressStream(zstd_, &output, &input);
        if (ZSTD_isError(status))
            fail(fmt::format("is corrupt: {}", ZSTD_getErrorName(status)));
        in_begin_ += input.pos;
        // 0: a frame ended and all of it was flushed; the next bytes may start another.
        in_stream_ = status != 0;
        return output.pos;
    }

    int fd_;
    bool owns_fd_;
    std::string name_;
    Compression compression_ = Compression::none;
    z_stream zlib_{};               // gzip's state, when compression_ is gzip
    ZSTD_DStream* zstd_ = nullptr;  // zstd's, when it is zstd
    bool in_stream_ = false;        // inside a compressed stream (gzip member, zstd frame)
    std::vector<char> in_;          // raw input; pending bytes are [in_begin_, in_end_)
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    bool at_end_ = false;           // the raw input has no more bytes
    std::vector<char> out_;         // decompressed bytes: the get area
};

TraceInput::TraceInput(const std::string& path)
    : name_(path == "-" ? std::string(kStdinName) : path), stream_(nullptr) {
    int fd = STDIN_FILENO;
    if (path != "-") {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw TraceError(name_, 0, fmt::format("cannot open: {}", std::strerror(errno)));
    }
    struct stat status {};
    const bool known = fstat(fd, &status) == 0;
    if (known && S_ISDIR(status.st_mode)) {
        if (path != "-") close(fd);
        throw TraceError(name_, 0, "is a directory, not a trace file");
    }
    buffer_ = std::make_unique<Buffer>(fd, path != "-", name_);
    stream_.rdbuf(buffer_.get());
    // Only a regular file read as it is has a size worth trusting before reading.
    if (known && S_ISREG(status.st_mode) && buffer_->compression() == Compression::none)
        size_ = static_cast<std::uint64_t>(status.st_size);
}

TraceInput::~TraceInput() = default;

Compression TraceInput::compression() const { return buffer_->compression(); }

}  // namespace memattr
