// Threads: each thread's part of the global peak, its own peak and the sites holding it, its
// total and what it left live at exit.
#include <ostream>
#include <string>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

// A single thread's own peak is the global peak (both the latest of equal maxima), whose sites
// the other sections show.
bool own_peak_is_global(const ReportModel& model) { return model.threads.size() == 1; }

// The sites holding a thread's own peak, one line each, largest first, then the others.
void write_own_peak_sites(const ReportModel& model, const Thread& thread, std::ostream& out) {
    if (!thread.own_peak_rest) return;
    std::string label = "  its sites";
    for (const ThreadPeakSite& top : thread.own_peak_sites) {
        write_row(out, label, fmt::format("{} in {}: {}", bytes_with_exact(top.bytes),
                                          blocks(top.blocks), site_name(model, top.site)));
        label.clear();
    }
    const ThreadPeakRest& rest = *thread.own_peak_rest;
    if (rest.sites != 0)
        write_row(out, label, fmt::format("and {}: {} in {}",
                                          count_of(rest.sites, "other site", "other sites"),
                                          bytes_with_exact(rest.bytes), blocks(rest.blocks)));
}

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
        write_row(out, "  own peak", fmt::format("{} in {} at {}{}", bytes_with_exact(thread.peak_bytes),
                                             blocks(thread.peak_blocks),
                                             time_of(model, thread.peak_time),
                                             own_peak_is_global(model)
                                                 ? ", same as the global peak"
                                                 : ""));
        write_own_peak_sites(model, thread, out);
        write_row(out, "  allocated", fmt::format("{} in {}", bytes_with_exact(thread.total_bytes),
                                                  blocks(thread.total_blocks)));
        write_row(out, "  live at exit", fmt::format("{} in {}",
                                                     bytes_with_exact(thread.exit_bytes),
                                                     blocks(thread.exit_blocks)));
    }
}

// threads[].own_peak: whether it is the global peak, else its top sites and the others.
Json own_peak_json(const ReportModel& model, const Thread& thread) {
    Json top_sites = nullptr;
    Json other_sites = nullptr;
    if (thread.own_peak_rest) {
        top_sites = Json::array();
        for (const ThreadPeakSite& top : thread.own_peak_sites)
            top_sites.push_back(
                {{"site", site_id(model, top.site)}, {"bytes", top.bytes}, {"blocks", top.blocks}});
        const ThreadPeakRest& rest = *thread.own_peak_rest;
        other_sites = {{"sites", rest.sites}, {"bytes", rest.bytes}, {"blocks", rest.blocks}};
    }
    return {{"same_as_global_peak", own_peak_is_global(model)},
            {"top_sites", std::move(top_sites)},
            {"other_sites", std::move(other_sites)}};
}

Json thread_json(const ReportModel& model, const Thread& thread) {
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
        {"own_peak", own_peak_json(model, thread)},
    };
}

void write_threads_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    Json threads = Json::array();
    for (const Thread& thread : model.threads) threads.push_back(thread_json(model, thread));
    report["threads"] = std::move(threads);
}

}  // namespace

ReportSection threads_section() { return {"threads", write_threads_text, write_threads_json}; }

}  // namespace memattr
