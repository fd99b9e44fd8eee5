// A Massif file (`memattr-graph massif`), for ms_print and massif-visualizer: the live heap
// over time from the trace's timeline, and the heap tree at the global peak.
//
// Snapshots are at most kMaxMassifSnapshots timeline samples, evenly spread, the peak sample
// always among them. The peak's is the one detailed snapshot (heap_tree=peak): its tree is
// the sites' folded stacks at the peak, the site frame under the root and its callers below,
// as Massif draws its own; at each level the entries below 1% of the peak are one "in N
// places, all below massif's threshold (1.00%)" entry. Its root is the peak's bytes, which
// the sites' peak bytes add up to. Times are instructions (time_unit: i) when the trace's are,
// and bytes allocated so far (time_unit: B) otherwise.
#pragma once

#include <cstddef>

#include "report/reporter.h"

namespace memattr {

// Snapshots written at most: about what Massif itself keeps (--max-snapshots=100).
inline constexpr std::size_t kMaxMassifSnapshots = 100;

class MassifReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
