#include "cli/write_report.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "trace/trace_reader.h"

namespace memattr {

void write_output(std::string_view report, const std::string& output_path) {
    if (output_path.empty()) {
        std::cout << report << std::flush;
        if (!std::cout)
            throw std::runtime_error(fmt::format("cannot write the report to standard output: {}",
                                                 std::strerror(errno)));
        return;
    }
    std::ofstream output(output_path, std::ios::binary | std::ios::trunc);
    if (!output)
        throw std::runtime_error(
            fmt::format("cannot open '{}' for writing: {}", output_path, std::strerror(errno)));
    output << report << std::flush;
    if (!output)
        throw std::runtime_error(
            fmt::format("cannot write '{}': {}", output_path, std::strerror(errno)));
}

ReportModel read_model(const std::string& path, const AnalysisOptions& options,
                       const AnalysisNeeds& needs) {
    return analyse(read_trace(path), options, needs);
}

void write_report(const CommandOptions& options, const AnalysisNeeds& needs,
                  const Reporter& reporter) {
    const ReportModel model = read_model(options.trace_path, options.analysis, needs);
    std::ostringstream report;
    reporter.write(model, report);
    write_output(report.view(), options.output_path);
}

}  // namespace memattr
