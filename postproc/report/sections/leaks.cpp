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
    out << "Classified as Memcheck's leak check does (valgrind --leak-check=full), in requested "
           "bytes:\n";
    write_leak_summary(leaks, out);
    if (leaks[LeakKind::possibly_lost].total.blocks != 0)
        out << "Memcheck's --leak-check-heuristics are not applied (they read the contents of "
               "the block an interior pointer points into, which the trace does not keep): a "
               "block only they would accept is possibly lost here, still reachable in "
               "Memcheck.\n";
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
    for (const LeakKind kind : kAllLeakKinds)
        report[leak_kind_key(kind)] = leak_category_json(model, kind);
    return report;
}

void write_leaks_json(const ReportModel& model, std::size_t /*rows*/, Json& report) { report["leaks"] = leaks_json(model); }

}  // namespace

ReportSection leaks_section() { return {"leaks", write_leaks, write_leaks_json}; }

}  // namespace memattr
