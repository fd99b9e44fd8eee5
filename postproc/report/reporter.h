// The reporter interface: one ReportModel, several output formats.
//
// Each format is a Reporter subclass in its own file and registered in reporter.cpp; the
// command line only knows format names. A new format (DOT, HTML, ...) is a new subclass and
// one line in the registry. The text and JSON reporters walk the report's sections
// (report/section.h), each of which writes itself in both formats. The lineage graph
// (lineage_reporter.h) and the profiles (profiles/: folded stacks, callgrind, massif, pprof)
// are Reporters too, but other views rather than formats of the report: their own commands
// write them.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

namespace memattr {

class Reporter {
public:
    virtual ~Reporter() = default;

    // Renders `model` to `out`. Does not check `out` for errors: the caller does, once.
    virtual void write(const ReportModel& model, std::ostream& out) const = 0;
};

// The profiled command line on one line: the executable and its arguments, escaped as
// escape_value does, for every reporter that shows it to a person.
std::string describe_command(const CommandLine& command);

// The names make_reporter accepts, in the order help texts list them.
std::vector<std::string> reporter_formats();

// The reporter for `format`; throws std::invalid_argument for a name not in
// reporter_formats().
std::unique_ptr<Reporter> make_reporter(std::string_view format);

}  // namespace memattr
