// Leaks at exit (from the exit snapshot), classified as Memcheck's leak check does: the four
// totals, then the sites of each kind. In JSON: "leaks".
#include <algorithm>
#include <cctype>
#include <ostream>

#include <fmt/format.h>

#include "analysis/stable_key.h"
#include "report/savings.h"
#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

// Why there is no leak check, as JSON's "missing_reason".
constexpr EnumName<NoLeakCheckReason> kNoLeakCheckReasonNames[] = {
    {NoLeakCheckReason::old_trace, "old_trace"},
    {NoLeakCheckReason::snapshots_off, "snapshots_off"},
    {NoLeakCheckReason::no_exit_snapshot, "no_exit_snapshot"},
};

std::string bytes_in_blocks(const LeakFigures& figures) {
    return fmt::format("{} in {}", count_of(figures.bytes, "byte"), blocks(figures.blocks));
}

// The four totals, worded and aligned as Memcheck's LEAK SUMMARY, so the two read side by
// side.
void write_leak_summary(const LeakReport& leaks, std::ostream& out) {
    for (const LeakKind kind : kAllLeakKinds)
        out << fmt::format("{:>18}: {}\n", leak_kind_name(kind), bytes_in_blocks(leaks[kind].total));
    const auto& via = leaks.via_heuristic;
    if (std::all_of(via.begin(), via.end(), [](const LeakFigures& f) { return f.blocks == 0; }))
        return;
    out << fmt::format("{:>20}of which reachable via heuristic:\n", "");
    for (std::size_t k = 0; k < via.size(); ++k)
        if (via[k].blocks != 0)
            out << fmt::format("{:>22}{:<19}: {}\n", "", kLeakHeuristicNames[k].name,
                               bytes_in_blocks(via[k]));
}

// The heuristics applied, as --leak-check-heuristics names them.
std::string heuristics_applied(std::uint8_t bits) {
    if (bits == kAllLeakHeuristics) return "all";
    std::string names;
    for (const LeakHeuristicName& heuristic : kLeakHeuristicNames)
        if (bits & heuristic.bit) names += (names.empty() ? "" : ",") + std::string(heuristic.name);
    return names.empty() ? "none" : names;
}

std::string describe_leak_row(LeakKind kind, const LeakRow& row) {
    if (kind != LeakKind::definitely_lost || row.indirect_blocks == 0)
        return bytes_in_blocks(row.own);
    return fmt::format("{} ({} direct, {} indirect) bytes in {}, and {} indirectly lost "
                       "through them",
                       group_digits(row.total_bytes()), group_digits(row.own.bytes),
                       group_digits(row.indirect_bytes), blocks(row.own.blocks),
                       blocks(row.indirect_blocks));
}

void write_leak_sites(const ReportModel& model, LeakKind kind, std::ostream& out) {
    const std::vector<LeakRow>& rows = model.leaks[kind].sites;
    if (rows.empty()) return;
    std::string title(leak_kind_name(kind));
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    out << fmt::format("\n{}, by site:\n", title);
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const SiteRow& site = model.sites[rows[rank].site];
        write_entry(out, rank, {describe_leak_row(kind, rows[rank]),
                                fmt::format("site {}: {}", site.figures.id,
                                            describe_location(site.location))});
        write_stack(site, out);
    }
}

void write_leaks(const ReportModel& model, std::ostream& out) {
    write_title(out, "Leaks at exit");
    const LeakReport& leaks = model.leaks;
    if (leaks.missing) {
        out << no_leak_check_reason(model) << '\n';
        return;
    }
    write_row(out, "Snapshot", fmt::format("{}: {} in {}", describe_snapshot(leaks.snapshot),
                                           bytes_with_exact(leaks.snapshot.bytes),
                                           blocks(leaks.snapshot.blocks)));
    out << fmt::format("Classified as Memcheck's leak check does (valgrind --leak-check=full "
                       "--leak-check-heuristics={}), in requested bytes:\n",
                       heuristics_applied(leaks.heuristics));
    write_leak_summary(leaks, out);
    if (leaks.in_place_blocks != 0)
        out << fmt::format("Resized in place by realloc: {}. Memcheck's realloc always moves a "
                           "block, so a pointer the program kept from before such a realloc "
                           "dangles under Memcheck but reaches the block here: blocks it reaches "
                           "may be still reachable or possibly lost here and possibly or "
                           "definitely lost in Memcheck.\n",
                           blocks(leaks.in_place_blocks));
    for (const LeakKind kind : kAllLeakKinds) write_leak_sites(model, kind, out);
}

Json leak_category_json(const ReportModel& model, LeakKind kind) {
    const LeakCategory& category = model.leaks[kind];
    Json sites = Json::array();
    for (const LeakRow& row : category.sites)
        sites.push_back({{"key", leak_key(model, kind, row.site)},
                         {"site", site_id(model, row.site)},
                         {"bytes", row.own.bytes},
                         {"blocks", row.own.blocks},
                         {"indirect_bytes", row.indirect_bytes},
                         {"indirect_blocks", row.indirect_blocks}});
    return {{"bytes", category.total.bytes},
            {"blocks", category.total.blocks},
            {"sites", std::move(sites)}};
}

Json leaks_json(const ReportModel& model) {
    const LeakReport& leaks = model.leaks;
    Json report = {
        {"available", !leaks.missing},
        {"missing_reason", leaks.missing ? Json(name_of(kNoLeakCheckReasonNames, *leaks.missing)) : Json(nullptr)},
    };
    if (leaks.missing) return report;
    report["snapshot"] = snapshot_json(leaks.snapshot);
    report["in_place_blocks"] = leaks.in_place_blocks;
    for (const LeakKind kind : kAllLeakKinds)
        report[leak_kind_key(kind)] = leak_category_json(model, kind);
    Json heuristics = Json::object();
    for (std::size_t k = 0; k < kLeakHeuristicNames.size(); ++k)
        heuristics[std::string(kLeakHeuristicNames[k].name)] = {
            {"applied", (leaks.heuristics & kLeakHeuristicNames[k].bit) != 0},
            {"bytes", leaks.via_heuristic[k].bytes},
            {"blocks", leaks.via_heuristic[k].blocks}};
    report["still_reachable"]["via_heuristic"] = std::move(heuristics);
    return report;
}

void write_leaks_json(const ReportModel& model, std::size_t /*rows*/, Json& report) { report["leaks"] = leaks_json(model); }

}  // namespace

ReportSection leaks_section() { return {"leaks", write_leaks, write_leaks_json}; }

}  // namespace memattr
