// The rankings of allocation sites: at the peak, by total allocated (churn), by temporary
// blocks, and live at exit; four sections of the text report. In JSON, one table of every
// site with all of its figures ("sites"), which the rankings and other sections refer to by id.
#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

std::string describe_lifetimes(const ReportModel& model, const Site& site, double mean) {
    return fmt::format("lifetime mean {}, min {}, max {}",
                       time_of(model, rounded(mean)),
                       time_of(model, site.lifetime_min), time_of(model, site.lifetime_max));
}

// ", 1,592 bytes usable": what glibc's chunks hold for the blocks, when known (SiteRow).
std::string usable_suffix(const std::optional<std::uint64_t>& usable) {
    return usable ? fmt::format(", {} bytes usable", group_digits(*usable)) : std::string();
}

Json usable_json(const std::optional<std::uint64_t>& usable) {
    return usable ? Json(*usable) : Json(nullptr);
}

void write_top_at_peak(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Top sites at peak", model.rankings.at_peak,
                  "Nothing was live at the peak: the program made no heap allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of the peak{}",
                                          bytes_with_exact(site.peak_bytes),
                                          blocks(site.peak_blocks),
                                          format_percent(row.peak_percent),
                                          usable_suffix(row.peak_usable_bytes))};
                  });
}

void write_top_by_total(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Top sites by total allocated (churn)", model.rankings.by_total,
                  "The program made no heap allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of all bytes allocated",
                                          bytes_with_exact(site.total_bytes),
                                          blocks(site.total_blocks),
                                          format_percent(row.total_percent)),
                              fmt::format("average {} per block, {} temporary, {} by realloc",
                                          human_bytes(rounded(row.average_size)),
                                          group_digits(site.temporary_blocks),
                                          group_digits(site.realloc_blocks)),
                              describe_lifetimes(model, site, row.mean_lifetime)};
                  });
}

void write_temporaries(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Temporary allocations", model.rankings.by_temporary,
                  "No temporary allocations.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} of {} temporary ({}), {}",
                                          group_digits(site.temporary_blocks),
                                          blocks(site.total_blocks),
                                          format_percent(row.temporary_percent),
                                          bytes_with_exact(site.temporary_bytes))};
                  });
}

void write_live_at_exit(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Live at exit", model.rankings.at_exit,
                  "Nothing is live at exit: every heap block was freed.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {}, {} of what is live at exit{}",
                                          bytes_with_exact(site.exit_bytes),
                                          blocks(site.exit_blocks),
                                          format_percent(row.exit_percent),
                                          usable_suffix(row.exit_usable_bytes))};
                  });
}

Json site_access_json(const SiteRow& row) {
    const Site& site = row.figures;
    return {
        {"read_bytes", site.bytes_read},
        {"written_bytes", site.bytes_written},
        {"never_read",
         {{"blocks", site.never_read_blocks},
          {"bytes", site.never_read_bytes},
          {"percent_of_bytes", row.never_read_percent}}},
        {"written_never_read",
         blocks_and_bytes(row.written_unread_blocks, row.written_unread_bytes)},
        {"never_accessed",
         blocks_and_bytes(site.never_accessed_blocks, site.never_accessed_bytes)},
    };
}

Json site_json(const SiteRow& row) {
    const Site& site = row.figures;
    return {
        {"id", site.id},
        {"key", row.key},
        {"kind", site_kind_name(site.kind)},
        {"location", location_json(row.location)},
        {"via", row.told_apart_by ? location_json(*row.told_apart_by) : Json(nullptr)},
        {"stack", stack_json(row.stack)},
        {"omitted_frames", row.omitted_frames},
        {"total",
         {{"bytes", site.total_bytes},
          {"blocks", site.total_blocks},
          {"percent", row.total_percent},
          {"average_size", row.average_size}}},
        {"peak",
         {{"bytes", site.peak_bytes},
          {"blocks", site.peak_blocks},
          {"percent", row.peak_percent},
          {"usable_bytes", usable_json(row.peak_usable_bytes)}}},
        {"max", {{"bytes", site.max_bytes}, {"blocks", site.max_blocks}}},
        {"exit",
         {{"bytes", site.exit_bytes},
          {"blocks", site.exit_blocks},
          {"percent", row.exit_percent},
          {"usable_bytes", usable_json(row.exit_usable_bytes)}}},
        {"freed_blocks", site.freed_blocks},
        {"lifetime",
         {{"min", site.lifetime_min}, {"mean", row.mean_lifetime}, {"max", site.lifetime_max}}},
        {"temporary",
         {{"blocks", site.temporary_blocks},
          {"bytes", site.temporary_bytes},
          {"percent_of_blocks", row.temporary_percent}}},
        {"realloc_blocks", site.realloc_blocks},
        {"access", site_access_json(row)},
    };
}

// The site table, by peak bytes (model.sites' order). Only the rows kept are made: a
// compiler's 74,000 sites as JSON would take a gigabyte to be cut afterwards; json_report
// says how many there were in `truncated`, as it does for every list cut.
void write_sites_json(const ReportModel& model, std::size_t rows, Json& report) {
    const std::size_t kept = rows == 0 ? model.sites.size() : std::min(rows, model.sites.size());
    Json sites = Json::array();
    for (std::size_t row = 0; row < kept; ++row) sites.push_back(site_json(model.sites[row]));
    report["sites"] = std::move(sites);
}

}  // namespace

ReportSection top_at_peak_section() { return {"top_at_peak", write_top_at_peak, write_sites_json}; }
ReportSection top_by_total_section() { return {"top_by_total", write_top_by_total, nullptr}; }
ReportSection temporaries_section() { return {"temporaries", write_temporaries, nullptr}; }
ReportSection live_at_exit_section() { return {"live_at_exit", write_live_at_exit, nullptr}; }

}  // namespace memattr
