// The summary: the peak, the totals, what was temporary, what is live at exit.
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

void write_summary_text(const ReportModel& model, std::ostream& out) {
    const Summary& summary = model.summary;
    write_title(out, "Summary");
    write_row(out, "Peak live heap", fmt::format("{} in {}", bytes_with_exact(summary.peak.bytes),
                                                 blocks(summary.peak.blocks)));
    write_row(out, "", fmt::format("at {}, after {} had been allocated",
                                   time_of(model, summary.peak.time),
                                   bytes_with_exact(summary.peak.allocated)));
    write_row(out, "Allocated", fmt::format("{} in {}, {} {}",
                                            bytes_with_exact(summary.totals.bytes),
                                            blocks(summary.totals.blocks),
                                            group_digits(summary.totals.frees),
                                            summary.totals.frees == 1 ? "free" : "frees"));
    if (summary.totals.bad_frees != 0)
        write_row(out, "Bad frees",
                  fmt::format("{} free/realloc {} on pointers that were not live heap blocks "
                              "(double or wild frees), ignored",
                              group_digits(summary.totals.bad_frees),
                              summary.totals.bad_frees == 1 ? "call" : "calls"));
    write_row(out, "Live at exit", fmt::format("{} in {}", bytes_with_exact(summary.exit.bytes),
                                               blocks(summary.exit.blocks)));
    write_row(out, "Temporary", fmt::format("{} ({} of all blocks), {}",
                                            blocks(summary.temporary_blocks),
                                            format_percent(summary.temporary_percent),
                                            bytes_with_exact(summary.temporary_bytes)));
    if (const std::string* definition = model.header.definition("temporary"))
        write_row(out, "", fmt::format("temporary: {}", escape_value(*definition)));
    write_row(out, "Executed", fmt::format("{} ({} {})", time_of(model, summary.exit.time),
                                           group_digits(summary.exit.time),
                                           escape_value(model.header.run.time_unit)));
}

// The `access` record's totals, or null when the trace has none.
Json access_json(const std::optional<AccessTotals>& access) {
    if (!access) return nullptr;
    return {
        {"reads", access->reads},
        {"writes", access->writes},
        {"bulk_copies", access->bulk_copies},
        {"bulk_bytes", access->bulk_bytes},
        {"inline_copy_bytes", access->inline_copy_bytes},
        {"pairs", access->pairs},
        {"extra_source_bytes", access->extra_source_bytes},
    };
}

void write_summary_json(const ReportModel& model, Json& report) {
    const Summary& summary = model.summary;
    report["summary"] = {
        {"peak",
         {{"bytes", summary.peak.bytes},
          {"blocks", summary.peak.blocks},
          {"t", summary.peak.time},
          {"alloc", summary.peak.allocated}}},
        {"total",
         {{"bytes", summary.totals.bytes},
          {"blocks", summary.totals.blocks},
          {"frees", summary.totals.frees},
          {"bad_frees", summary.totals.bad_frees}}},
        {"exit",
         {{"bytes", summary.exit.bytes},
          {"blocks", summary.exit.blocks},
          {"t", summary.exit.time},
          {"alloc", summary.exit.allocated}}},
        {"temporary",
         {{"blocks", summary.temporary_blocks},
          {"bytes", summary.temporary_bytes},
          {"percent_of_blocks", summary.temporary_percent}}},
        {"instructions", summary.exit.time},
        {"never_read", blocks_and_bytes(summary.never_read_blocks, summary.never_read_bytes)},
        {"never_accessed",
         blocks_and_bytes(summary.never_accessed_blocks, summary.never_accessed_bytes)},
        {"access", access_json(summary.access)},
    };
}

}  // namespace

ReportSection summary_section() { return {"summary", write_summary_text, write_summary_json}; }

}  // namespace memattr
