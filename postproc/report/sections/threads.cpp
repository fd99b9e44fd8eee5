// Threads: each thread's part of the global peak, its own peak, its total and what it left
// live at exit.
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

void write_threads_text(const ReportModel& model, std::ostream& out) {
    write_title(out, "Threads");
    if (model.threads.empty()) {
        out << "The trace records no threads.\n";
        return;
    }
    for (const Thread& thread : model.threads) {
        out << (thread.parent == 0
                    ? fmt::format("thread {} (main)\n", thread.id)
                    : fmt::format("thread {} (started by thread {})\n", thread.id, thread.parent));
        if (thread.global_peak_bytes)
            write_row(out, "  at the peak",
                      fmt::format("{} in {} live at the global peak ({} of it)",
                                  bytes_with_exact(*thread.global_peak_bytes),
                                  blocks(*thread.global_peak_blocks),
                                  format_percent(percent_of(*thread.global_peak_bytes,
                                                            model.summary.peak.bytes))));
        write_row(out, "  own peak", fmt::format("{} in {} at {}", bytes_with_exact(thread.peak_bytes),
                                             blocks(thread.peak_blocks),
                                             time_of(model, thread.peak_time)));
        write_row(out, "  allocated", fmt::format("{} in {}", bytes_with_exact(thread.total_bytes),
                                                  blocks(thread.total_blocks)));
        write_row(out, "  live at exit", fmt::format("{} in {}",
                                                     bytes_with_exact(thread.exit_bytes),
                                                     blocks(thread.exit_blocks)));
    }
}

Json thread_json(const Thread& thread) {
    return {
        {"id", thread.id},
        {"parent", thread.parent},
        {"total", {{"bytes", thread.total_bytes}, {"blocks", thread.total_blocks}}},
        {"peak",
         {{"bytes", thread.peak_bytes}, {"blocks", thread.peak_blocks}, {"t", thread.peak_time}}},
        {"exit", {{"bytes", thread.exit_bytes}, {"blocks", thread.exit_blocks}}},
        {"at_global_peak", thread.global_peak_bytes
                               ? Json{{"bytes", *thread.global_peak_bytes},
                                      {"blocks", *thread.global_peak_blocks}}
                               : Json(nullptr)},
    };
}

void write_threads_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    Json threads = Json::array();
    for (const Thread& thread : model.threads) threads.push_back(thread_json(thread));
    report["threads"] = std::move(threads);
}

}  // namespace

ReportSection threads_section() { return {"threads", write_threads_text, write_threads_json}; }

}  // namespace memattr
