#include "report/profiles/folded_reporter.h"

#include <algorithm>
#include <array>
#include <map>
#include <ostream>
#include <string>

#include "support/units.h"

namespace memattr {

namespace {

// A frame's name as one folded frame: ';' would split it in two (flamegraph.pl splits the
// stack on every ';'), so it becomes ':'. Line breaks are escaped already.
std::string folded_frame(const Frame& frame) {
    std::string name = profile_frame_name(frame);
    std::replace(name.begin(), name.end(), ';', ':');
    return name;
}

// `frames` (innermost first) as a folded stack: outermost first, joined by ';'. A stack
// without frames still needs a name: a line without one is dropped by flamegraph.pl.
std::string folded_stack(const FrameList& frames) {
    if (frames.empty()) return "[no stack]";
    std::string stack;
    for (auto frame = frames.rbegin(); frame != frames.rend(); ++frame) {
        if (!stack.empty()) stack += ';';
        stack += folded_frame(*frame);
    }
    return stack;
}

// The figures by stack text: [0] the base run's, [1] the run's. An ordered map, so that the
// output is sorted by stack, as stackcollapse scripts write theirs.
using FoldedFigures = std::map<std::string, std::array<std::uint64_t, 2>>;

void add_stacks(const ReportModel& model, ProfileMetric metric, std::size_t column,
                FoldedFigures& figures) {
    for (const WeightedStack& stack : weighted_stacks(model, metric)) {
        std::uint64_t& sum = figures[folded_stack(*stack.frames)][column];
        sum = saturating_add(sum, stack.value);
    }
}

}  // namespace

void FoldedReporter::write(const ReportModel& model, std::ostream& out) const {
    FoldedFigures figures;
    if (base_ != nullptr) add_stacks(*base_, metric_, 0, figures);
    add_stacks(model, metric_, 1, figures);
    for (const auto& [stack, values] : figures) {
        out << stack << ' ';
        if (base_ != nullptr) out << values[0] << ' ';
        out << values[1] << '\n';
    }
}

}  // namespace memattr
