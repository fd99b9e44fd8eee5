#include "cli/native_rss.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "trace/trace_escape.h"
#include "support/units.h"

namespace memattr {

namespace {

std::runtime_error run_error(const std::string& program, int error) {
    return std::runtime_error(
        fmt::format("cannot run '{}': {}", escape_value(program), std::strerror(error)));
}

// In the child: becomes `command`, or reports execvp's errno through `report` (closed on a
// successful exec, so the parent reads nothing then).
[[noreturn]] void exec_child(const std::vector<std::string>& command, int report) {
    std::vector<char*> argv;
    for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    const int error = errno;
    [[maybe_unused]] const ssize_t written = write(report, &error, sizeof error);
    _exit(127);
}

// The errno the child sent before dying, or 0 when it ran the program.
int exec_error(int report) {
    int error = 0;
    ssize_t got = 0;
    do got = read(report, &error, sizeof error);
    while (got < 0 && errno == EINTR);
    return got == static_cast<ssize_t>(sizeof error) ? error : 0;
}

// Ignores SIGINT and SIGQUIT for its lifetime, as system(3) does while it waits: a Ctrl-C
// meant for the program must not kill the one measuring it.
class IgnoreInterrupts {
public:
    IgnoreInterrupts() {
        struct sigaction ignore = {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGINT, &ignore, &saved_int_);
        sigaction(SIGQUIT, &ignore, &saved_quit_);
    }
    ~IgnoreInterrupts() {
        sigaction(SIGINT, &saved_int_, nullptr);
        sigaction(SIGQUIT, &saved_quit_, nullptr);
    }
    IgnoreInterrupts(const IgnoreInterrupts&) = delete;
    IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

private:
    struct sigaction saved_int_ = {};
    struct sigaction saved_quit_ = {};
};

NativeRun wait_for(pid_t child) {
    int status = 0;
    struct rusage usage = {};
    pid_t waited = 0;
    do waited = wait4(child, &status, 0, &usage);
    while (waited < 0 && errno == EINTR);
    if (waited < 0) throw std::runtime_error(fmt::format("wait4: {}", std::strerror(errno)));
    NativeRun run;
    run.peak_rss_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
    run.signalled = WIFSIGNALED(status);
    run.status = run.signalled ? WTERMSIG(status) : WEXITSTATUS(status);
    return run;
}

}  // namespace

NativeRun run_native(const std::vector<std::string>& command) {
    if (command.empty()) throw std::runtime_error("no program to run");
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) throw run_error(command.front(), errno);
    const pid_t child = fork();
    if (child < 0) {
        const int error = errno;
        close(report[0]);
        close(report[1]);
        throw run_error(command.front(), error);
    }
    if (child == 0) {
        close(report[0]);
        exec_child(command, report[1]);
    }
    const IgnoreInterrupts ignore;
    close(report[1]);
    const int error = exec_error(report[0]);
    close(report[0]);
    const NativeRun run = wait_for(child);
    if (error != 0) throw run_error(command.front(), error);
    return run;
}

std::vector<std::string> describe_native_run(const NativeRun& run) {
    std::vector<std::string> lines = {
        fmt::format("peak RSS (VmHWM) of a native run: {} KiB  (use: memattr-graph report TRACE "
                    "--native-rss={}K)",
                    group_digits(run.peak_rss_kib), run.peak_rss_kib)};
    if (run.signalled) {
        const char* name = strsignal(run.status);
        lines.push_back(fmt::format("the program was killed by signal {} ({})", run.status,
                                    name != nullptr ? name : "unknown signal"));
    } else {
        lines.push_back(fmt::format("the program exited with status {}", run.status));
    }
    return lines;
}

}  // namespace memattr
