// Owners at the peak (from a heap snapshot): the sites retaining the most bytes (their
// dominator subtrees), with a path from a root, and who keeps each site's blocks alive. In
// JSON: "ownership", the snapshot's object, which the duplicates and unreachable sections
// complete.
#include <ostream>

#include <fmt/format.h>

#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"
#include "trace/trace_schema.h"

namespace memattr {

namespace {

// Why there is no snapshot, as JSON's "missing_reason".
constexpr EnumName<NoSnapshotReason> kNoSnapshotReasonNames[] = {
    {NoSnapshotReason::old_trace, "old_trace"},
    {NoSnapshotReason::snapshots_off, "snapshots_off"},
    {NoSnapshotReason::none_taken, "none_taken"},
};

// What keeps a site's blocks alive, as an owner's JSON "kind".
constexpr EnumName<Owner::Kind> kOwnerKindNames[] = {
    {Owner::Kind::site, "site"},
    {Owner::Kind::root, "root"},
    {Owner::Kind::several, "several"},
};

std::string describe_owner(const ReportModel& model, const Owner& owner) {
    switch (owner.kind) {
    case Owner::Kind::site: return site_name(model, owner.site);
    case Owner::Kind::root: return describe_root(model.ownership.roots[owner.root]);
    case Owner::Kind::several: return "several roots together (no single owner)";
    }
    return "";
}

// Where a pointer lies and, for an interior pointer, where it points.
std::string describe_pointer(std::uint64_t offset, std::uint32_t target_offset) {
    std::string text = fmt::format("at +{}", offset);
    if (target_offset == kFarInteriorOffset) return text + " (to 4 GiB or more inside)";
    if (target_offset != 0) text += fmt::format(" (to +{} inside)", target_offset);
    return text;
}

void write_path(const ReportModel& model, const RetainerPath& path, std::ostream& out) {
    std::string root = describe_root(model.ownership.roots[path.root]);
    if (path.root_symbol_offset != 0) root += fmt::format(", word +{}", path.root_symbol_offset);
    out << fmt::format("     path: {}\n", root);
    for (std::size_t k = 0; k < path.steps.size(); ++k) {
        const PathStep& step = path.steps[k];
        const std::string pointer =
            k == 0 ? (step.target_offset == 0 ? std::string()
                                              : fmt::format("(to +{} inside) ", step.target_offset))
                   : describe_pointer(step.offset, step.target_offset) + ": ";
        const std::string run =
            step.blocks == 1 ? human_bytes(step.size)
                             : fmt::format("{} in a row, the first {}", blocks(step.blocks),
                                           human_bytes(step.size));
        out << fmt::format("           -> {}{}, {}\n", pointer, site_name(model, step.site), run);
    }
}

void write_snapshot_lines(const ReportModel& model, std::ostream& out) {
    const OwnershipReport& ownership = model.ownership;
    const SnapshotSummary& snapshot = ownership.snapshot;
    const Peak& peak = model.summary.peak;
    write_row(out, "Snapshot", fmt::format("{}: {} in {} at {}", describe_snapshot(snapshot),
                                           bytes_with_exact(snapshot.bytes),
                                           blocks(snapshot.blocks), time_of(model, snapshot.time)));
    const std::uint64_t apart = absolute_difference(snapshot.time, peak.time);
    write_row(out, "", fmt::format("{} of the true peak ({} at {}), {}",
                                   format_percent(percent_of(snapshot.bytes, peak.bytes)),
                                   bytes_with_exact(peak.bytes), time_of(model, peak.time),
                                   apart == 0 ? std::string("at the same time")
                                   : fmt::format("{} {} it", time_of(model, apart),
                                                 snapshot.time < peak.time ? "before" : "after")));
    if (ownership.choice == SnapshotChoice::exit)
        write_row(out, "", fmt::format("no peak snapshot: the live heap stayed below "
                                       "--snapshot-min ({}); this is the exit snapshot",
                                       bytes_with_exact(model.header.run.snapshot_min)));
    if (snapshot.unreadable_blocks > 0)
        write_row(out, "Unreadable",
                  fmt::format("{} in {} not read: the program had protected or unmapped their "
                              "memory (their pointers are unknown)",
                              bytes_with_exact(snapshot.unreadable_bytes),
                              blocks(snapshot.unreadable_blocks)));
    if (ownership.cost)
        write_row(out, "Cost", fmt::format("{} read {}, {} times the peak's live bytes",
                                           count_of(ownership.cost->taken, "snapshot taken",
                                                    "snapshots taken"),
                                           bytes_with_exact(ownership.cost->scanned),
                                           fmt::format("{:.1f}", ratio(ownership.cost->scanned,
                                                                       peak.bytes))));
    write_row(out, "Reachable", fmt::format("{} in {} from {}; {} in {} unreachable",
                                            bytes_with_exact(ownership.reachable_bytes),
                                            blocks(ownership.reachable_blocks),
                                            count_of(snapshot.roots, "root word"),
                                            bytes_with_exact(ownership.unreachable_bytes),
                                            blocks(ownership.unreachable_blocks)));
}

void write_owners(const ReportModel& model, std::ostream& out) {
    if (!write_snapshot_title(
            model, out, fmt::format("Owners at {} (retained)", snapshot_moment(model.ownership))))
        return;
    const OwnershipReport& ownership = model.ownership;
    write_snapshot_lines(model, out);
    out << "Retained: the requested bytes freeing a site's blocks would free (their dominator "
           "subtrees).\n";
    if (ownership.sites.empty()) {
        out << "The snapshot holds no blocks.\n";
        return;
    }
    const std::size_t shown = shown_rows(model, ownership.sites.size());
    write_top_note(out, shown, ownership.sites.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const OwnedSite& site = ownership.sites[rank];
        write_entry(out, rank,
                    {fmt::format("{} retained, {} of the snapshot; itself {} in {}",
                                 bytes_with_exact(site.retained_bytes),
                                 format_percent(percent_of(site.retained_bytes,
                                                           ownership.snapshot.bytes)),
                                 bytes_with_exact(site.self_bytes), blocks(site.blocks)),
                     fmt::format("site {}: {}", model.sites[site.site].figures.id,
                                 describe_frame(model.sites[site.site].location))});
        if (site.path) write_path(model, *site.path, out);
    }
    out << "\nOwners: who keeps each site's blocks alive (the immediate dominators; a run of "
           "same-site blocks counts once).\n";
    const std::size_t owners = shown_rows(model, ownership.owners.size());
    write_top_note(out, owners, ownership.owners.size(), "owners");
    for (std::size_t rank = 0; rank < owners; ++rank) {
        const OwnerRow& row = ownership.owners[rank];
        write_entry(out, rank,
                    {describe_owner(model, row.owner),
                     fmt::format("keeps {} of {} alive: {} retained", blocks(row.blocks),
                                 site_name(model, row.site), bytes_with_exact(row.retained_bytes))});
    }
}

Json root_json(const RootOwner& root) {
    return {
        {"kind", schema::word_of(schema::kRootKinds, root.kind)},
        {"name", describe_root(root)},
        {"thread", root.thread},
        {"register", root.register_name},
        {"function", root.function ? location_json(*root.function) : Json(nullptr)},
        {"program_function",
         root.program_function ? location_json(*root.program_function) : Json(nullptr)},
        {"symbol", root.symbol},
        {"obj", root.object},
    };
}

Json path_json(const ReportModel& model, const std::optional<RetainerPath>& path) {
    if (!path) return nullptr;
    Json steps = Json::array();
    for (const PathStep& step : path->steps)
        steps.push_back({{"site", site_id(model, step.site)},
                         {"blocks", step.blocks},
                         {"address", hex_address(step.address)},
                         {"size", step.size},
                         {"offset", step.offset},
                         {"target_offset", step.target_offset}});
    return {
        {"root", path->root},
        {"root_address", hex_address(path->root_address)},
        {"root_symbol_offset", path->root_symbol_offset},
        {"blocks", path->blocks},
        {"steps", std::move(steps)},
    };
}

Json owner_json(const ReportModel& model, const Owner& owner) {
    Json json = {{"kind", name_of(kOwnerKindNames, owner.kind)}};
    if (owner.kind == Owner::Kind::site) json["site"] = site_id(model, owner.site);
    if (owner.kind == Owner::Kind::root) json["root"] = owner.root;
    return json;
}

Json ownership_sites_json(const ReportModel& model) {
    Json sites = Json::array();
    for (const OwnedSite& site : model.ownership.sites)
        sites.push_back({
            {"site", site_id(model, site.site)},
            {"self", blocks_and_bytes(site.blocks, site.self_bytes)},
            {"retained_bytes", site.retained_bytes},
            {"retained_percent", percent_of(site.retained_bytes, model.ownership.snapshot.bytes)},
            {"unreachable", blocks_and_bytes(site.unreachable_blocks, site.unreachable_bytes)},
            {"path", path_json(model, site.path)},
        });
    return sites;
}

Json owners_json(const ReportModel& model) {
    Json owners = Json::array();
    for (const OwnerRow& row : model.ownership.owners)
        owners.push_back({
            {"owner", owner_json(model, row.owner)},
            {"site", site_id(model, row.site)},
            {"blocks", row.blocks},
            {"retained_bytes", row.retained_bytes},
            {"path", path_json(model, row.path)},
        });
    return owners;
}

Json largest_blocks_json(const ReportModel& model) {
    Json blocks = Json::array();
    for (const LargestBlock& block : model.ownership.largest_blocks)
        blocks.push_back({
            {"site", site_id(model, block.site)},
            {"address", hex_address(block.address)},
            {"size", block.size},
            {"retained_bytes", block.retained_bytes},
            {"retained_percent", percent_of(block.retained_bytes, model.ownership.snapshot.bytes)},
            {"path", path_json(model, block.path)},
        });
    return blocks;
}

Json ownership_json(const ReportModel& model) {
    const OwnershipReport& ownership = model.ownership;
    Json snapshots = Json::array();
    for (const SnapshotSummary& snapshot : ownership.snapshots)
        snapshots.push_back(snapshot_json(snapshot));
    Json cost = nullptr;
    if (ownership.cost)
        cost = {{"taken", ownership.cost->taken},
                {"scanned", ownership.cost->scanned},
                {"peak_multiple", ratio(ownership.cost->scanned, model.summary.peak.bytes)}};
    Json report = {
        {"available", !ownership.missing},
        {"missing_reason", ownership.missing ? Json(name_of(kNoSnapshotReasonNames, *ownership.missing)) : Json(nullptr)},
        {"snapshots", std::move(snapshots)},
        {"cost", std::move(cost)},
    };
    if (ownership.missing) return report;
    Json snapshot = snapshot_json(ownership.snapshot);
    snapshot["choice"] = name_of(kSnapshotChoiceNames, ownership.choice);
    snapshot["percent_of_peak"] = percent_of(ownership.snapshot.bytes, model.summary.peak.bytes);
    report["snapshot"] = std::move(snapshot);
    report["reachable"] = blocks_and_bytes(ownership.reachable_blocks, ownership.reachable_bytes);
    report["unreachable_total"] =
        blocks_and_bytes(ownership.unreachable_blocks, ownership.unreachable_bytes);
    Json roots = Json::array();
    for (const RootOwner& root : ownership.roots) roots.push_back(root_json(root));
    report["roots"] = std::move(roots);
    report["sites"] = ownership_sites_json(model);
    report["owners"] = owners_json(model);
    report["largest_blocks"] = largest_blocks_json(model);
    // Placed here for the schema's order of keys; the unreachable and duplicates sections,
    // later in report_sections(), set them.
    report["unreachable"] = nullptr;
    report["duplicates"] = nullptr;
    return report;
}

void write_owners_json(const ReportModel& model, std::size_t /*rows*/, Json& report) { report["ownership"] = ownership_json(model); }

}  // namespace

ReportSection owners_section() { return {"owners", write_owners, write_owners_json}; }

}  // namespace memattr
