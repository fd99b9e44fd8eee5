// `memattr-graph native-rss -- PROGRAM ARGS...`: runs a program natively (not under
// Valgrind) and measures its peak resident set, the figure to set beside memattr's estimate
// of resident memory with `report --native-rss=...` (docs/memattr-graph.md, "Memory map").
//
// The peak comes from wait4(2)'s ru_maxrss: the kernel's high-water mark of the process's
// resident set (VmHWM in /proc/PID/status), in KiB on Linux. Nothing is sampled, so it costs
// the program nothing and misses no short-lived peak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memattr {

struct NativeRun {
    std::uint64_t peak_rss_kib = 0;  // ru_maxrss
    bool signalled = false;          // killed by a signal, rather than exited
    int status = 0;                  // its exit status, or the signal's number
};

// Runs `command` (its first word looked up in PATH, as a shell does), with the standard
// streams and environment inherited, and waits for it. SIGINT and SIGQUIT are ignored while
// it runs, as system(3) does, so Ctrl-C stops the program and the measurement is still
// printed. Throws std::runtime_error, naming the program, when it cannot be run.
NativeRun run_native(const std::vector<std::string>& command);

// What native-rss prints: the peak, in a form --native-rss accepts, and how the program
// ended, e.g. "peak RSS (VmHWM) of a native run: 14,532 KiB  (use: memattr-graph report
// TRACE --native-rss=14532K)" and "the program exited with status 0".
std::vector<std::string> describe_native_run(const NativeRun& run);

}  // namespace memattr
