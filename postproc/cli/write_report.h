// What the commands that write a report or a graph share: read the trace, analyse what the
// command needs, render, write.
#pragma once

#include <string>
#include <string_view>

#include "analysis/analysis.h"
#include "cli/options.h"
#include "report/reporter.h"

namespace memattr {


// Reads the trace at `path` and analyses the parts `needs` names: the model a command writes,
// or one it compares with (folded --diff's BASE). Throws std::exception with a message for
// the user when the trace cannot be read.
ReportModel read_model(const std::string& path, const AnalysisOptions& options,
                       const AnalysisNeeds& needs);

// Reads options.trace_path, analyses the parts `needs` names, and writes what `reporter`
// renders of them to options.output_path (standard output when it is empty). The report is
// rendered in memory first, so a failure never leaves half a report in the output file.
// Throws std::exception with a message for the user when the trace cannot be read or the
// report cannot be written.
void write_report(const CommandOptions& options, const AnalysisNeeds& needs,
                  const Reporter& reporter);

// Writes `text` to `output_path`, or to standard output when it is empty. Throws
// std::runtime_error naming the file when it cannot.
void write_output(std::string_view text, const std::string& output_path);

}  // namespace memattr
