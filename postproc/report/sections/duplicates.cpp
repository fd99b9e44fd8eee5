// Duplicate contents (from a heap snapshot): live blocks with byte-identical contents, by the
// set of sites they come from and by group. In JSON: "duplicates" in "ownership".
#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/stable_key.h"
#include "report/savings.h"
#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

// One row per set of sites: thousands of groups between the same sites (a backup copy of
// every string) read as the one pattern they are.
void write_duplicates_by_sites(const ReportModel& model, std::ostream& out) {
    const std::vector<DuplicateSitesRow>& rows = model.ownership.duplicates.by_sites;
    out << "By site: the groups summed by the set of sites their blocks come from.\n";
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "sets of sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const DuplicateSitesRow& row = rows[rank];
        std::vector<std::string> lines = {fmt::format(
            "{} wasted in {} of equal blocks ({}), {}", bytes_with_exact(row.wasted),
            count_of(row.groups, "group"), blocks(row.blocks),
            row.sites.size() == 1 ? "from one site" : "between")};
        // indented under the headline's end, like a list it introduces
        for (const auto& [site, site_blocks] : row.sites)
            lines.push_back(fmt::format("  {} from {}", blocks(site_blocks), site_name(model, site)));
        write_entry(out, rank, lines);
    }
}

// One row per site, over every group: how much of each site's memory is copies.
void write_duplicates_by_site(const ReportModel& model, std::ostream& out) {
    const std::vector<DuplicateSiteRow>& rows = model.ownership.duplicates.by_site;
    out << "\nBy site alone: each site's blocks in the groups, whatever the other copies' sites.\n";
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const DuplicateSiteRow& row = rows[rank];
        write_entry(out, rank,
                    {fmt::format("{} in {} of {} from {}", bytes_with_exact(row.bytes),
                                 blocks(row.blocks), count_of(row.groups, "group"),
                                 site_name(model, row.site))});
    }
}

void write_largest_duplicates(const ReportModel& model, std::ostream& out) {
    const DuplicateSummary& duplicates = model.ownership.duplicates;
    out << "\nBy group: the largest groups, each with the sites its copies come from.\n";
    const std::size_t shown = shown_rows(model, duplicates.rows.size());
    write_top_note(out, shown, duplicates.groups, "groups");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const DuplicateRow& row = duplicates.rows[rank];
        std::vector<std::string> lines = {fmt::format("{} copies of {}: {} wasted",
                                                      group_digits(row.count),
                                                      bytes_with_exact(row.size),
                                                      bytes_with_exact(row.wasted))};
        for (const auto& [site, copies] : row.sites)
            lines.push_back(fmt::format("{} from {}", group_digits(copies), site_name(model, site)));
        write_entry(out, rank, lines);
    }
}

void write_duplicates(const ReportModel& model, std::ostream& out) {
    if (!write_snapshot_title(model, out, "Duplicate contents")) return;
    const DuplicateSummary& duplicates = model.ownership.duplicates;
    if (duplicates.rows.empty()) {
        out << "None found: no two live blocks of the same size have equal contents.\n";
        return;
    }
    out << fmt::format("{} of live blocks with equal contents, {} in all: keeping one copy of "
                       "each would save {}.\n",
                       count_of(duplicates.groups, "group", "groups"),
                       blocks(duplicates.blocks), bytes_with_exact(duplicates.wasted));
    write_duplicates_by_sites(model, out);
    write_duplicates_by_site(model, out);
    write_largest_duplicates(model, out);
}

// `count_key` names what is counted per site: "copies" in a group, "blocks" in a set.
Json blocks_by_site_json(const ReportModel& model, const BlocksBySite& sites,
                         const char* count_key) {
    Json rows = Json::array();
    for (const auto& [site, count] : sites)
        rows.push_back({{"site", site_id(model, site)}, {count_key, count}});
    return rows;
}

Json duplicates_by_sites_json(const ReportModel& model) {
    Json rows = Json::array();
    for (const DuplicateSitesRow& row : model.ownership.duplicates.by_sites)
        rows.push_back({{"key", duplicate_set_key(model, row.sites)},
                        {"sites", blocks_by_site_json(model, row.sites, "blocks")},
                        {"groups", row.groups},
                        {"blocks", row.blocks},
                        {"wasted", row.wasted}});
    return rows;
}

Json duplicates_by_site_json(const ReportModel& model) {
    Json rows = Json::array();
    for (const DuplicateSiteRow& row : model.ownership.duplicates.by_site)
        rows.push_back({{"site", site_id(model, row.site)},
                        {"groups", row.groups},
                        {"blocks", row.blocks},
                        {"bytes", row.bytes}});
    return rows;
}

Json duplicates_json(const ReportModel& model) {
    const DuplicateSummary& duplicates = model.ownership.duplicates;
    Json rows = Json::array();
    for (const DuplicateRow& row : duplicates.rows)
        rows.push_back({{"size", row.size},
                        {"hash", fmt::format("{:016x}", row.hash)},
                        {"copies", row.count},
                        {"wasted", row.wasted},
                        {"sites", blocks_by_site_json(model, row.sites, "copies")}});
    return {{"groups", duplicates.groups},
            {"blocks", duplicates.blocks},
            {"wasted", duplicates.wasted},
            {"by_site", duplicates_by_site_json(model)},
            {"by_sites", duplicates_by_sites_json(model)},
            {"rows", std::move(rows)}};
}

void write_duplicates_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    if (!model.ownership.missing) report["ownership"]["duplicates"] = duplicates_json(model);
}

}  // namespace

ReportSection duplicates_section() { return {"duplicates", write_duplicates, write_duplicates_json}; }

}  // namespace memattr
