// What the profile formats share (folded stacks, callgrind, massif and pprof files; the
// commands `memattr-graph folded`, `callgrind`, `massif` and `pprof`): the metrics a profile
// weighs stacks by, the stacks of a ReportModel with their figures, and how a frame is named
// in a profile.
//
// A profile's stack is a site's folded stack (SiteRow::stack: allocator and library frames
// folded away as the text report does), so a profile and the report agree on who allocated
// what. Stacks are not merged here: two sites whose stacks print the same are two stacks, and
// each writer sums what its format shows as one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

namespace memattr {

// The figure a folded profile weighs each stack by. Every one is additive over stacks, so the
// widths of a flame graph's frames are sums of what is under them.
enum class ProfileMetric {
    peak,       // bytes live at the global peak (Site::peak_bytes): sums to the peak
    total,      // bytes allocated over the run (Site::total_bytes)
    exit,       // bytes still live at exit (Site::exit_bytes)
    leaked,     // definitely and indirectly lost bytes at exit (LeakReport), by the site of
                // each lost block
    retained,   // reachable bytes of the snapshot, each counted once: under the site of the
                // outermost block that keeps it alive (see retained_by_site in the .cpp)
    temporary,  // bytes of temporary blocks (Site::temporary_bytes)
    copies,     // bytes copied, by copy stack (CopyAnalysis::by_stack), not by site
};

// "peak", "total", "exit", "leaked", "retained", "temporary", "copies", in that order.
const std::vector<std::string>& profile_metric_names();

// The metric called `name`; throws std::invalid_argument for a name not in
// profile_metric_names().
ProfileMetric profile_metric_named(std::string_view name);

// The parts of the ReportModel `metric` reads.
AnalysisNeeds profile_metric_needs(ProfileMetric metric);

// One stack of a profile and its figure.
struct WeightedStack {
    const FrameList* frames = nullptr;           // innermost first, as SiteRow::stack: the
                                                 // site frame (or the copy location), then its
                                                 // callers; points into the ReportModel
    std::uint64_t value = 0;
};

// Every stack of `model` with a non-zero figure for `metric`, in the order of the model's
// sites (or copy stacks). Throws std::runtime_error, saying why, when the model cannot have
// the figure: no exit snapshot for leaked, no snapshot for retained, no access tracking for
// copies. `model` must hold the parts profile_metric_needs(metric) names.
std::vector<WeightedStack> weighted_stacks(const ReportModel& model, ProfileMetric metric);

// Each site's figure for `metric` (not copies: those are by copy stack), indexed like
// ReportModel::sites; throws as weighted_stacks does when the model cannot have it. The HTML
// report's site table takes its leaked and additive retained bytes from here.
std::vector<std::uint64_t> site_figures(const ReportModel& model, ProfileMetric metric);

// A frame's name in a profile: its function, or for a frame without a symbol ("???") its
// object's file name in brackets ("[libstdc++.so.6.0.30]", as perf's stack collapsing names
// them), so that unknown code of different libraries stays apart. Control bytes are escaped
// (escape_value), so a name is always one line.
std::string profile_frame_name(const Frame& frame);

}  // namespace memattr
