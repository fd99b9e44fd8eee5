// The text report: what a person reads in a terminal (docs/memattr-graph.md shows it).
#pragma once

#include "report/reporter.h"

namespace memattr {

class TextReporter : public Reporter {
public:
    void write(const ReportModel& model, std::ostream& out) const override;
};

}  // namespace memattr
