// Unreachable at the peak (from a heap snapshot): live blocks no root reaches, by site. In
// JSON: "unreachable" in "ownership".
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

void write_unreachable(const ReportModel& model, std::ostream& out) {
    if (!write_snapshot_title(
            model, out, fmt::format("Unreachable at {}", snapshot_moment(model.ownership))))
        return;
    const OwnershipReport& ownership = model.ownership;
    if (ownership.unreachable.empty()) {
        out << "None: every live block is reachable from a root.\n";
        return;
    }
    out << fmt::format("{} in {} that no root reaches: leaked already, unless the program "
                       "hides its pointers (tagged or encoded).\n",
                       bytes_with_exact(ownership.unreachable_bytes),
                       blocks(ownership.unreachable_blocks));
    const std::size_t shown = shown_rows(model, ownership.unreachable.size());
    write_top_note(out, shown, ownership.unreachable.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const UnreachableRow& row = ownership.unreachable[rank];
        write_entry(out, rank, {fmt::format("{} in {}", bytes_with_exact(row.bytes), blocks(row.blocks)),
                                fmt::format("site {}: {}", model.sites[row.site].figures.id,
                                            describe_frame(model.sites[row.site].location))});
    }
}

void write_unreachable_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    const OwnershipReport& ownership = model.ownership;
    if (ownership.missing) return;
    Json unreachable = Json::array();
    for (const UnreachableRow& row : ownership.unreachable)
        unreachable.push_back(
            {{"site", site_id(model, row.site)}, {"bytes", row.bytes}, {"blocks", row.blocks}});
    report["ownership"]["unreachable"] = std::move(unreachable);
}

}  // namespace

ReportSection unreachable_section() { return {"unreachable", write_unreachable, write_unreachable_json}; }

}  // namespace memattr
