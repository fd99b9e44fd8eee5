#include "report/profiles/massif_reporter.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

// Massif's default --threshold: tree entries below this share of the snapshot are merged.
constexpr double kThresholdPercent = 1.0;

constexpr const char* kRootLabel =
    "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.";

// ---------------------------------------------------------------- snapshots

// The samples of the live heap a Massif file can show: the timeline, with the global peak
// among them at `peak`.
struct Samples {
    std::vector<TimelinePoint> points;  // in time order
    std::size_t peak = 0;               // index into points
};

Samples samples_of(const ReportModel& model) {
    if (model.timeline_peak) return {model.timeline, *model.timeline_peak};
    // The tool always samples the peak; a trace without it (an empty timeline, a forged
    // trace) gets it where its time puts it.
    const Peak& peak = model.summary.peak;
    Samples samples{model.timeline, 0};
    const auto after = std::upper_bound(
        samples.points.begin(), samples.points.end(), peak.time,
        [](std::uint64_t time, const TimelinePoint& point) { return time < point.time; });
    samples.peak = static_cast<std::size_t>(after - samples.points.begin());
    samples.points.insert(after, {peak.time, peak.allocated, peak.bytes, peak.blocks});
    return samples;
}

// The samples written, by index: all when they are few enough, otherwise the peak and
// kMaxMassifSnapshots - 1 evenly spread from the first to the last.
std::vector<std::size_t> chosen_samples(const Samples& samples) {
    const std::size_t count = samples.points.size();
    std::vector<std::size_t> chosen(std::min(count, kMaxMassifSnapshots));
    if (count <= kMaxMassifSnapshots) {
        std::iota(chosen.begin(), chosen.end(), 0);
        return chosen;
    }
    const std::size_t spread = kMaxMassifSnapshots - 1;
    chosen.resize(spread);
    for (std::size_t i = 0; i < spread; ++i) chosen[i] = i * (count - 1) / (spread - 1);
    chosen.push_back(samples.peak);
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    return chosen;
}

// ---------------------------------------------------------------- the peak tree

// One entry of the heap tree: a code location on the way from allocation sites to their
// callers.
struct TreeNode {
    std::string label;        // "0xADDR: function (file:line)", as Massif labels its entries
    std::uint64_t bytes = 0;  // peak bytes of the sites whose stacks pass through here
    std::map<std::string, std::size_t> children;  // by label: index into PeakTree's nodes
};

// The sites' folded stacks at the peak as Massif's tree: under the root the site frames,
// under each its callers. Stacks that share a first frame share an entry, and so on down.
class PeakTree {
public:
    explicit PeakTree(const ReportModel& model)
        : nodes_{{kRootLabel, model.summary.peak.bytes, {}}} {
        for (const SiteRow& site : model.sites)
            if (site.figures.peak_bytes != 0) add(site.stack, site.figures.peak_bytes);
    }

    void write(std::ostream& out) const { write_node(0, 0, out); }

private:
    void add(const FrameList& stack, std::uint64_t bytes) {
        std::size_t node = 0;
        for (const Frame& frame : stack) {
            std::string label = fmt::format("0x{:X}: {}", frame.ip, describe_frame(frame));
            const auto [found, inserted] = nodes_[node].children.emplace(label, nodes_.size());
            if (inserted) nodes_.push_back({std::move(label), 0, {}});
            node = found->second;
            nodes_[node].bytes = saturating_add(nodes_[node].bytes, bytes);
        }
    }

    bool below_threshold(std::uint64_t bytes) const {
        return static_cast<double>(bytes) * 100.0 <
               static_cast<double>(nodes_[0].bytes) * kThresholdPercent;
    }

    // The children of `node` above the threshold, most bytes first (ties by label).
    std::vector<std::size_t> shown_children(const TreeNode& node) const {
        std::vector<std::size_t> shown;
        for (const auto& [label, child] : node.children)
            if (!below_threshold(nodes_[child].bytes)) shown.push_back(child);
        std::stable_sort(shown.begin(), shown.end(), [&](std::size_t a, std::size_t b) {
            return nodes_[a].bytes > nodes_[b].bytes;
        });
        return shown;
    }

    // `nK` must be the exact count of the lines below at depth + 1: ms_print fails otherwise.
    void write_node(std::size_t index, std::size_t depth, std::ostream& out) const {
        const TreeNode& node = nodes_[index];
        const std::vector<std::size_t> shown = shown_children(node);
        const std::size_t below = node.children.size() - shown.size();
        std::uint64_t below_bytes = 0;
        for (const auto& [label, child] : node.children)
            if (below_threshold(nodes_[child].bytes))
                below_bytes = saturating_add(below_bytes, nodes_[child].bytes);
        out << fmt::format("{}n{}: {} {}\n", std::string(depth, ' '),
                           shown.size() + (below > 0 ? 1 : 0), node.bytes, node.label);
        for (const std::size_t child : shown) write_node(child, depth + 1, out);
        if (below == 0) return;
        out << fmt::format("{}n0: {} in {}, {}below massif's threshold ({:.2f}%)\n",
                           std::string(depth + 1, ' '), below_bytes,
                           below == 1 ? "1 place" : fmt::format("{} places", below),
                           below == 1 ? "" : "all ", kThresholdPercent);
    }

    std::vector<TreeNode> nodes_;  // [0] is the root
};

// ---------------------------------------------------------------- the file

void write_snapshot(std::size_t number, std::uint64_t time, std::uint64_t bytes,
                    const PeakTree* tree, std::ostream& out) {
    out << fmt::format("#-----------\nsnapshot={}\n#-----------\n", number);
    out << fmt::format("time={}\nmem_heap_B={}\nmem_heap_extra_B=0\nmem_stacks_B=0\n", time,
                       bytes);
    out << fmt::format("heap_tree={}\n", tree != nullptr ? "peak" : "empty");
    if (tree != nullptr) tree->write(out);
}

}  // namespace

void MassifReporter::write(const ReportModel& model, std::ostream& out) const {
    // Massif counts time in instructions ("i") or in bytes allocated so far ("B").
    const bool instructions = model.header.run.time_unit == MA_WORD_TIME_UNIT_INSTR;
    // ms_print shows desc: as "Massif arguments": here, what made the file.
    out << fmt::format("desc: memattr-graph massif {}\n", escape_value(model.source));
    out << fmt::format("cmd: {}\ntime_unit: {}\n", describe_command(model.header.command),
                       instructions ? "i" : "B");
    const Samples samples = samples_of(model);
    const PeakTree tree(model);
    const std::vector<std::size_t> chosen = chosen_samples(samples);
    for (std::size_t number = 0; number < chosen.size(); ++number) {
        const TimelinePoint& point = samples.points[chosen[number]];
        // The peak snapshot's bytes are the tree's root: the peak's, whatever the sample says.
        const bool peak = chosen[number] == samples.peak;
        write_snapshot(number, instructions ? point.time : point.allocated,
                       peak ? model.summary.peak.bytes : point.bytes, peak ? &tree : nullptr,
                       out);
    }
}

}  // namespace memattr
