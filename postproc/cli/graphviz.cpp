#include "cli/graphviz.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace memattr {

namespace {

// A file of our own in the temporary directory, removed when it goes out of scope.
class TemporaryFile {
public:
    TemporaryFile() {
        std::string pattern = (std::filesystem::temp_directory_path() / "memattr-dot-XXXXXX").string();
        const int fd = mkstemp(pattern.data());
        if (fd >= 0) {
            close(fd);
            path_ = pattern;
        }
    }
    ~TemporaryFile() {
        if (!path_.empty()) std::filesystem::remove(path_);
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;  // empty when it could not be made
};

}  // namespace

std::string draw_svg(const std::string& dot_text, std::string& why_not) {
    TemporaryFile input;
    if (input.path().empty()) {
        why_not = "no temporary file could be made for Graphviz";
        return {};
    }
    std::ofstream(input.path(), std::ios::binary) << dot_text;
    // The path is mkstemp's, of letters, digits and '/', '-': safe inside single quotes.
    FILE* pipe = popen(fmt::format("dot -Tsvg '{}' 2>/dev/null", input.path()).c_str(), "r");
    if (pipe == nullptr) {
        why_not = "Graphviz's dot could not be started";
        return {};
    }
    std::string svg;
    char buffer[65536];
    for (std::size_t read; (read = fread(buffer, 1, sizeof buffer, pipe)) > 0;) svg.append(buffer, read);
    const int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        why_not = WIFEXITED(status) && WEXITSTATUS(status) == 127
                      ? "Graphviz is not installed (apt-get install graphviz)"
                      : "Graphviz's dot failed on the graph";
        return {};
    }
    return svg;
}

}  // namespace memattr
