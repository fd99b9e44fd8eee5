// Folded stacks (`memattr-graph folded`), the input of flamegraph.pl, inferno and speedscope:
// one line per distinct stack, the outermost frame first, frames joined by ';', then a space
// and the stack's figure in bytes:
//   main;load_documents 695352
// Stacks that print the same are summed; stacks whose figure is 0 are left out. With a base
// model the lines have two figures, before and after (difffolded.pl's form, for a
// differential flame graph), stacks being matched by their text.
#pragma once

#include "report/profiles/profile_stacks.h"
#include "report/reporter.h"

namespace memattr {

class FoldedReporter : public Reporter {
public:
    // `base`, when given, must outlive the reporter: the run the lines' first figure is of.
    explicit FoldedReporter(ProfileMetric metric, const ReportModel* base = nullptr)
        : metric_(metric), base_(base) {}

    void write(const ReportModel& model, std::ostream& out) const override;

private:
    ProfileMetric metric_;
    const ReportModel* base_;
};

}  // namespace memattr
