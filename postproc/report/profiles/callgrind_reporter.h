// A callgrind file (`memattr-graph callgrind`), for callgrind_annotate and KCachegrind: the
// sites' figures as costs, one event per additive figure (PeakBytes, PeakBlocks, TotalBytes,
// TotalBlocks, ExitBytes, ExitBlocks, TemporaryBytes, TemporaryBlocks).
//
// A site's figures are the self cost of its site frame's function, at the site frame's line
// ("positions: line"); each caller on its folded stack has a call to the next frame inward
// whose cost is the site's figures, so that inclusive costs (callgrind_annotate
// --inclusive=yes, KCachegrind's "Incl.") are what the function's callees allocated. A
// function is its name and source file (fl= and fn=, each name written once and then by id).
// `summary:` is the sum of the self costs, the figures of all sites; for PeakBytes, the
// peak.
#pragma once

#include "report/reporter.h"

namespace memattr {

class CallgrindReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
