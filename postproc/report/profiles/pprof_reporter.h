// A pprof profile (`memattr-graph pprof`): pprof's profile.proto, gzip-compressed, for
// `go tool pprof` and the viewers that read it. Its figures are those of Go's heap profiles,
// in their order, so that pprof's heap options (-sample_index=alloc_space, ...) work as
// they do on a Go program's profile, then the bytes still live at exit:
//   alloc_objects/count, alloc_space/bytes   allocated over the run (Site::total_blocks,
//                                            total_bytes)
//   inuse_objects/count, inuse_space/bytes   live at the global peak (peak_blocks,
//                                            peak_bytes): pprof shows inuse_space by default
//   exit_objects/count, exit_space/bytes     still live at exit (exit_blocks, exit_bytes)
//
// One sample per site, its locations the site's folded stack (profile_stacks.h), innermost
// first. A location is a distinct frame (function, source file, line, object), at the first
// such frame's address; a function is a name and source file; a mapping is an object file,
// its address range unknown (0): the functions, files and lines are all in the profile, so
// pprof never needs the binaries to symbolise. Comments name the writer, the profiled command
// and the trace.
#pragma once

#include <string>
#include <utility>

#include "report/reporter.h"

namespace memattr {

class PprofReporter : public Reporter {
public:
    // `generator` names the writer in the profile's comments: "memattr-graph 0.1.0".
    explicit PprofReporter(std::string generator) : generator_(std::move(generator)) {}

    // Writes the gzip-compressed profile: binary, whatever `out` is.
    void write(const ReportModel& model, std::ostream& out) const override;

private:
    std::string generator_;
};

}  // namespace memattr
