#include "report/json_reporter.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/units.h"

namespace memattr {

namespace {

// ordered_json keeps keys in the order written here, which is the order of
// docs/json-schema.md: a person comparing the two finds fields where the document says.
using Json = nlohmann::ordered_json;

std::string hex_address(std::uint64_t address) { return fmt::format("{:#x}", address); }

Json trace_json(const ReportModel& model) {
    const TraceHeader& header = model.header;
    return {
        {"file", model.source},
        {"complete", true},  // the reader refuses traces without their 'end' record
        {"records", model.record_count},
        {"format_version", header.version},
        {"tool", header.tool.name},
        {"tool_version", header.tool.version},
        {"cmd", {{"exe", header.command.exe}, {"args", header.command.args}}},
        {"pid", header.process.pid},
        {"ppid", header.process.ppid},
        {"fork_of", header.process.fork_of},
        {"malloc_mode", header.run.malloc_mode},
        {"time_unit", header.run.time_unit},
        {"alignment", header.run.alignment},
        {"num_callers", header.run.num_callers},
        {"access", header.run.access},
        {"snapshots", header.run.snapshots},
        {"snapshot_growth", header.run.snapshot_growth},
        {"snapshot_min", header.run.snapshot_min},
        {"pages", header.run.pages},
        {"exit_reason", model.summary.exit.reason},
        {"exit_code", model.summary.exit.code},
    };
}

Json options_json(const AnalysisOptions& options) {
    return {
        {"frames", options.folding.max_frames},
        {"ignore_fn", options.folding.extra_wrapper_patterns},
        {"clone_threshold", options.clone_threshold},
        {"snapshot", options.snapshot.empty() ? Json(nullptr) : Json(options.snapshot)},
        {"memory_map", options.memory_map.empty() ? Json(nullptr) : Json(options.memory_map)},
        {"native_rss", options.native_rss ? Json(*options.native_rss) : Json(nullptr)},
    };
}

Json definitions_json(const TraceHeader& header) {
    Json definitions = Json::object();
    for (const Definition& definition : header.definitions)
        definitions[definition.name] = definition.text;
    return definitions;
}

Json blocks_and_bytes(std::uint64_t blocks, std::uint64_t bytes) {
    return {{"blocks", blocks}, {"bytes", bytes}};
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

Json summary_json(const Summary& summary) {
    return {
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

Json frame_json(const Frame& frame) {
    return {
        {"fn", frame.function},   {"file", frame.file},           {"dir", frame.dir},
        {"line", frame.line},     {"obj", frame.object},          {"ip", hex_address(frame.ip)},
        {"inlined", frame.inlined},
    };
}

// A site's or a copy's location: the first four keys of frame_json.
Json location_json(const Frame& frame) {
    return {{"fn", frame.function}, {"file", frame.file}, {"line", frame.line},
            {"obj", frame.object}};
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

Json stack_json(const std::vector<Frame>& frames) {
    Json stack = Json::array();
    for (const Frame& frame : frames) stack.push_back(frame_json(frame));
    return stack;
}

Json site_json(const SiteRow& row) {
    const Site& site = row.figures;
    return {
        {"id", site.id},
        {"kind", site_kind_name(site.kind)},
        {"location", location_json(row.location)},
        {"stack", stack_json(row.stack)},
        {"omitted_frames", row.omitted_frames},
        {"total",
         {{"bytes", site.total_bytes},
          {"blocks", site.total_blocks},
          {"percent", row.total_percent},
          {"average_size", row.average_size}}},
        {"peak",
         {{"bytes", site.peak_bytes}, {"blocks", site.peak_blocks}, {"percent", row.peak_percent}}},
        {"max", {{"bytes", site.max_bytes}, {"blocks", site.max_blocks}}},
        {"exit",
         {{"bytes", site.exit_bytes}, {"blocks", site.exit_blocks}, {"percent", row.exit_percent}}},
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

// ---------------------------------------------------------------- copies

// `figures`' keys appended to `object`, so that each row reads flat.
Json with_figures(Json object, const CopyFigures& figures) {
    object["pairs"] = figures.pairs;
    object["bytes"] = figures.bytes;
    object["source_bytes"] = figures.source_bytes;
    object["destination_bytes"] = figures.destination_bytes;
    object["peak_source_bytes"] = figures.peak_source_bytes;
    object["overlap"] = figures.overlap;
    return object;
}

std::string_view class_name(CopyClass kind) {
    switch (kind) {
    case CopyClass::relocation: return "relocation";
    case CopyClass::movable_clone: return "movable_clone";
    case CopyClass::clone: return "clone";
    case CopyClass::partial: return "partial";
    }
    return "partial";
}

std::uint64_t site_id(const ReportModel& model, std::size_t row) {
    return model.sites[row].figures.id;
}

Json movable_clone_json(const ReportModel& model, const MovableCloneRow& row) {
    Json destinations = Json::array();
    for (const std::size_t site : row.destination_sites)
        destinations.push_back(site_id(model, site));
    return with_figures({{"location", location_json(row.location)},
                         {"source_site", site_id(model, row.source_site)},
                         {"destination_sites", std::move(destinations)}},
                        row.figures);
}

Json relocation_json(const RelocationRow& row) {
    return with_figures({{"location", location_json(row.location)},
                         {"kind", row.kind == CopyKind::realloc ? "realloc" : "copy"}},
                        row.figures);
}

Json lineage_edge_json(const ReportModel& model, const LineageEdge& edge) {
    Json locations = Json::array();
    for (const Frame& location : edge.locations) locations.push_back(location_json(location));
    return with_figures({{"from", site_id(model, edge.from)},
                         {"to", site_id(model, edge.to)},
                         {"class", class_name(edge.kind)},
                         {"locations", std::move(locations)}},
                        edge.figures);
}

Json copies_json(const ReportModel& model) {
    const CopyAnalysis& copies = model.copies;
    Json movable = Json::array();
    for (const MovableCloneRow& row : copies.movable_clones)
        movable.push_back(movable_clone_json(model, row));
    Json relocations = Json::array();
    for (const RelocationRow& row : copies.relocations) relocations.push_back(relocation_json(row));
    Json lineage = Json::array();
    for (const LineageEdge& edge : copies.lineage)
        lineage.push_back(lineage_edge_json(model, edge));
    return {
        {"totals",
         {{"movable_clones", with_figures(Json::object(), copies.totals.movable_clones)},
          {"relocations", with_figures(Json::object(), copies.totals.relocations)},
          {"clones", with_figures(Json::object(), copies.totals.clones)},
          {"partial", with_figures(Json::object(), copies.totals.partial)}}},
        {"movable_clones", std::move(movable)},
        {"relocations", std::move(relocations)},
        {"lineage", std::move(lineage)},
    };
}

// ---------------------------------------------------------------- ownership

std::string_view choice_name(SnapshotChoice choice) {
    switch (choice) {
    case SnapshotChoice::peak: return "peak";
    case SnapshotChoice::exit: return "exit";
    case SnapshotChoice::requested: return "requested";
    }
    return "peak";
}

std::string_view missing_name(NoSnapshotReason reason) {
    switch (reason) {
    case NoSnapshotReason::old_trace: return "old_trace";
    case NoSnapshotReason::snapshots_off: return "snapshots_off";
    case NoSnapshotReason::none_taken: return "none_taken";
    }
    return "none_taken";
}

std::string_view root_kind_name(RootKind kind) {
    switch (kind) {
    case RootKind::register_word: return "register";
    case RootKind::stack: return "stack";
    case RootKind::global: return "global";
    case RootKind::mapping: return "mapping";
    }
    return "global";
}

Json snapshot_json(const SnapshotSummary& snapshot) {
    Json kinds = Json::array();
    if (snapshot.kinds.peak) kinds.push_back("peak");
    if (snapshot.kinds.request) kinds.push_back("request");
    if (snapshot.kinds.exit) kinds.push_back("exit");
    return {
        {"id", snapshot.id},         {"name", snapshot.name},   {"kinds", std::move(kinds)},
        {"t", snapshot.time},        {"alloc", snapshot.allocated},
        {"bytes", snapshot.bytes},   {"blocks", snapshot.blocks},
        {"pointers", snapshot.pointers}, {"roots", snapshot.roots},
        {"scanned", snapshot.scanned},
    };
}

Json root_json(const RootOwner& root) {
    return {
        {"kind", root_kind_name(root.kind)},
        {"name", describe_root(root)},
        {"thread", root.thread},
        {"register", root.register_name},
        {"function", root.function ? location_json(*root.function) : Json(nullptr)},
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
    switch (owner.kind) {
    case Owner::Kind::site: return {{"kind", "site"}, {"site", site_id(model, owner.site)}};
    case Owner::Kind::root: return {{"kind", "root"}, {"root", owner.root}};
    case Owner::Kind::several: break;
    }
    return {{"kind", "several"}};
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
        rows.push_back({{"sites", blocks_by_site_json(model, row.sites, "blocks")},
                        {"groups", row.groups},
                        {"blocks", row.blocks},
                        {"wasted", row.wasted}});
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
            {"by_sites", duplicates_by_sites_json(model)},
            {"rows", std::move(rows)}};
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
        {"missing_reason", ownership.missing ? Json(missing_name(*ownership.missing)) : Json(nullptr)},
        {"snapshots", std::move(snapshots)},
        {"cost", std::move(cost)},
    };
    if (ownership.missing) return report;
    Json snapshot = snapshot_json(ownership.snapshot);
    snapshot["choice"] = choice_name(ownership.choice);
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
    Json unreachable = Json::array();
    for (const UnreachableRow& row : ownership.unreachable)
        unreachable.push_back(
            {{"site", site_id(model, row.site)}, {"bytes", row.bytes}, {"blocks", row.blocks}});
    report["unreachable"] = std::move(unreachable);
    report["duplicates"] = duplicates_json(model);
    return report;
}

// ---------------------------------------------------------------- leaks at exit

std::string_view leak_missing_name(NoLeakCheckReason reason) {
    switch (reason) {
    case NoLeakCheckReason::old_trace: return "old_trace";
    case NoLeakCheckReason::snapshots_off: return "snapshots_off";
    case NoLeakCheckReason::no_exit_snapshot: return "no_exit_snapshot";
    }
    return "no_exit_snapshot";
}

// "definitely lost" -> "definitely_lost".
std::string leak_kind_key(LeakKind kind) {
    std::string key(leak_kind_name(kind));
    std::replace(key.begin(), key.end(), ' ', '_');
    return key;
}

Json leak_category_json(const ReportModel& model, const LeakCategory& category) {
    Json sites = Json::array();
    for (const LeakRow& row : category.sites)
        sites.push_back({{"site", site_id(model, row.site)},
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
        {"missing_reason", leaks.missing ? Json(leak_missing_name(*leaks.missing)) : Json(nullptr)},
    };
    if (leaks.missing) return report;
    report["snapshot"] = snapshot_json(leaks.snapshot);
    for (const LeakKind kind : kAllLeakKinds)
        report[leak_kind_key(kind)] = leak_category_json(model, leaks[kind]);
    return report;
}

Json thread_json(const Thread& thread) {
    return {
        {"id", thread.id},
        {"parent", thread.parent},
        {"total", {{"bytes", thread.total_bytes}, {"blocks", thread.total_blocks}}},
        {"peak",
         {{"bytes", thread.peak_bytes}, {"blocks", thread.peak_blocks}, {"t", thread.peak_time}}},
        {"exit", {{"bytes", thread.exit_bytes}, {"blocks", thread.exit_blocks}}},
    };
}

Json timeline_json(const ReportModel& model) {
    Json timeline = Json::array();
    for (std::size_t i = 0; i < model.timeline.size(); ++i) {
        const TimelinePoint& point = model.timeline[i];
        timeline.push_back({{"t", point.time},
                            {"alloc", point.allocated},
                            {"bytes", point.bytes},
                            {"blocks", point.blocks},
                            {"peak", model.timeline_peak == i}});
    }
    return timeline;
}

// ---------------------------------------------------------------- phases

std::string_view delimiter_name(PhaseDelimiter by) {
    return by == PhaseDelimiter::request ? "request" : "function";
}

std::string_view ending_name(PhaseEnding ended) {
    switch (ended) {
    case PhaseEnding::request: return "request";
    case PhaseEnding::returned: return "return";
    case PhaseEnding::open: return "open";
    }
    return "open";
}

std::string_view growth_class_name(GrowthClass kind) {
    switch (kind) {
    case GrowthClass::leak: return "leak";
    case GrowthClass::irregular: return "irregular";
    case GrowthClass::bounded: return "bounded";
    case GrowthClass::steady: return "steady";
    }
    return "steady";
}

Json moment_json(const TimelinePoint& point) {
    return {{"t", point.time}, {"alloc", point.allocated}, {"bytes", point.bytes},
            {"blocks", point.blocks}};
}

Json phase_site_json(const ReportModel& model, const PhaseSiteRow& row) {
    const PhaseSite& figures = row.figures;
    return {
        {"site", site_id(model, row.site)},
        {"allocated", blocks_and_bytes(figures.allocated_blocks, figures.allocated_bytes)},
        {"freed", blocks_and_bytes(figures.freed_blocks, figures.freed_bytes)},
        {"live_begin", figures.live_begin},
        {"live_end", figures.live_end},
        {"growth", row.growth},
        {"exit", blocks_and_bytes(figures.exit_blocks, figures.exit_bytes)},
    };
}

Json phase_instance_json(const ReportModel& model, const PhaseInstanceRow& row) {
    const PhaseInstance& instance = row.instance;
    Json sites = Json::array();
    for (const PhaseSiteRow& site : row.sites) sites.push_back(phase_site_json(model, site));
    return {
        {"id", instance.id},
        {"name", instance.name},
        {"iteration", instance.iteration},
        {"parent", instance.parent},
        {"thread", instance.thread},
        {"by", delimiter_name(instance.by)},
        {"ended", ending_name(instance.ended)},
        {"begin", moment_json(instance.begin)},
        {"end", moment_json(instance.end)},
        {"allocated", blocks_and_bytes(instance.allocated_blocks, instance.allocated_bytes)},
        {"freed", blocks_and_bytes(instance.freed_blocks, instance.freed_bytes)},
        {"peak", {{"bytes", instance.peak_bytes}, {"t", instance.peak_time}}},
        {"retained", row.retained},
        {"exit", blocks_and_bytes(instance.exit_blocks, instance.exit_bytes)},
        {"sites", std::move(sites)},
    };
}

Json growth_json(const ReportModel& model, const SiteGrowth& growth) {
    const GrowthFit& fit = growth.fit;
    const bool fitted = fit.kind == GrowthClass::leak || fit.kind == GrowthClass::irregular;
    const bool bounded = fit.kind == GrowthClass::bounded;
    return {
        {"site", site_id(model, growth.site)},
        {"class", growth_class_name(fit.kind)},
        {"net_growth", fit.net_growth},
        {"slope", fitted ? Json(fit.slope) : Json(nullptr)},
        {"exact", fitted && fit.exact},
        {"bound", bounded ? Json(fit.bound) : Json(nullptr)},
        {"stopped_at", bounded ? Json(fit.stopped_at) : Json(nullptr)},
        {"first_iteration", fit.first_iteration},
        {"last_iteration", fit.last_iteration},
    };
}

Json phase_name_json(const ReportModel& model, const PhaseNameSummary& name) {
    Json instances = Json::array();
    for (const std::size_t index : name.instances)
        instances.push_back(model.phases.instances[index].instance.id);
    Json growth = Json::array();
    for (const SiteGrowth& row : name.growth) growth.push_back(growth_json(model, row));
    return {
        {"name", name.name},
        {"by", delimiter_name(name.by)},
        {"iterations", name.instances.size()},
        {"instances", std::move(instances)},
        {"nested_in_same_name", name.nested_in_same_name},
        {"open", name.open},
        {"allocated", blocks_and_bytes(name.allocated_blocks, name.allocated_bytes)},
        {"freed", blocks_and_bytes(name.freed_blocks, name.freed_bytes)},
        {"peak",
         {{"bytes", name.peak_bytes}, {"t", name.peak_time}, {"iteration", name.peak_iteration}}},
        {"retained", name.retained},
        {"exit", blocks_and_bytes(name.exit_blocks, name.exit_bytes)},
        {"growth_iterations", name.growth_iterations},
        {"growth", std::move(growth)},
    };
}

Json phases_json(const ReportModel& model) {
    const PhaseReport& phases = model.phases;
    Json names = Json::array();
    for (const PhaseNameSummary& name : phases.names) names.push_back(phase_name_json(model, name));
    Json instances = Json::array();
    for (const PhaseInstanceRow& row : phases.instances)
        instances.push_back(phase_instance_json(model, row));
    Json marks = Json::array();
    for (const Mark& mark : phases.marks) {
        Json entry = {{"label", mark.label}};
        entry.update(moment_json(mark.at));
        marks.push_back(std::move(entry));
    }
    return {
        {"recorded", phases.recorded},
        {"kept", phases.instances.size()},
        {"dropped", phases.counts ? phases.counts->dropped : 0},
        {"names", std::move(names)},
        {"instances", std::move(instances)},
        {"marks", std::move(marks)},
    };
}

std::string_view event_kind_name(TimelineEventKind kind) {
    switch (kind) {
    case TimelineEventKind::phase_begin: return "phase_begin";
    case TimelineEventKind::phase_end: return "phase_end";
    case TimelineEventKind::mark: return "mark";
    }
    return "mark";
}

Json timeline_events_json(const ReportModel& model) {
    Json events = Json::array();
    for (const TimelineEvent& event : model.phases.events) {
        Json entry = {{"kind", event_kind_name(event.kind)}};
        entry.update(moment_json(event.at));
        if (event.kind == TimelineEventKind::mark) {
            entry["phase"] = nullptr;
            entry["name"] = model.phases.marks[event.index].label;
            entry["iteration"] = nullptr;
        } else {
            const PhaseInstance& instance = model.phases.instances[event.index].instance;
            entry["phase"] = instance.id;
            entry["name"] = instance.name;
            entry["iteration"] = instance.iteration;
        }
        events.push_back(std::move(entry));
    }
    return events;
}

// ---------------------------------------------------------------- memory map

std::string_view region_kind_name(RegionKind kind) {
    switch (kind) {
    case RegionKind::anon: return "anon";
    case RegionKind::shm: return "shm";
    case RegionKind::file: return "file";
    case RegionKind::brk: return "brk";
    case RegionKind::stack: return "stack";
    }
    return "anon";
}

std::string_view group_kind_name(MappingGroupKind kind) {
    switch (kind) {
    case MappingGroupKind::mapping_site: return "mapping_site";
    case MappingGroupKind::brk_heap: return "brk_heap";
    case MappingGroupKind::thread_stacks: return "thread_stacks";
    case MappingGroupKind::startup: return "startup";
    case MappingGroupKind::no_stack: return "no_stack";
    }
    return "no_stack";
}

std::string_view part_kind_name(TotalPartKind kind) {
    switch (kind) {
    case TotalPartKind::heap: return "heap";
    case TotalPartKind::thread_stacks: return "thread_stacks";
    case TotalPartKind::mapping: return "mapping";
    case TotalPartKind::startup: return "startup";
    case TotalPartKind::outside: return "outside";
    }
    return "mapping";
}

std::string_view explanation_kind_name(ExplanationKind kind) {
    switch (kind) {
    case ExplanationKind::allocator_slop: return "allocator_slop";
    case ExplanationKind::used_by_blocks: return "used_by_blocks";
    case ExplanationKind::written_unused: return "written_unused";
    case ExplanationKind::written: return "written";
    case ExplanationKind::outside: return "outside";
    }
    return "written";
}

std::string_view map_choice_name(MapChoice choice) {
    switch (choice) {
    case MapChoice::peak: return "peak";
    case MapChoice::exit: return "exit";
    case MapChoice::requested: return "requested";
    }
    return "peak";
}

Json optional_index(const std::optional<std::size_t>& index) {
    return index ? Json(*index) : Json(nullptr);
}

Json region_json(const ReportModel& model, const Region& region) {
    Json uses = Json::array();
    for (const RegionUse& use : region.uses)
        uses.push_back({{"site", site_id(model, use.site)}, {"bytes", use.bytes}, {"blocks", use.blocks}});
    return {
        {"id", region.id},
        {"kind", region_kind_name(region.kind)},
        {"start", hex_address(region.start)},
        {"size", region.size},
        {"accessible", region.accessible},
        {"written", region.written},
        {"used", region.used},
        {"used_blocks", region.used_blocks},
        {"prot", region.prot},
        {"shared", region.shared},
        {"startup", region.startup},
        {"file", region.file},
        {"thread", region.thread},
        {"growth", region.growth},
        {"growths", region.growths},
        {"uses", std::move(uses)},
    };
}

Json mapping_group_json(const ReportModel& model, const MappingGroup& group) {
    Json regions = Json::array();
    for (const std::size_t index : group.regions)
        regions.push_back(region_json(model, model.memory_map.map.regions[index]));
    return {
        {"name", group.name},
        {"kind", group_kind_name(group.kind)},
        {"region_kind", region_kind_name(group.region_kind)},
        {"location", group.location ? location_json(*group.location) : Json(nullptr)},
        {"stack", stack_json(group.stack)},
        {"made_by_allocator", group.made_by_allocator},
        {"mapped", group.mapped},
        {"anonymous_mapped", group.anonymous_mapped},
        {"accessible", group.accessible},
        {"written", group.written},
        {"used", group.used},
        {"used_blocks", group.used_blocks},
        {"custom_bytes", group.custom_bytes},
        {"custom_blocks", group.custom_blocks},
        {"never_written", group.never_written},
        {"in_use", group.in_use},
        {"written_unused", group.written_unused},
        {"growth", group.growth},
        {"regions", std::move(regions)},
    };
}

Json memory_map_total_json(const MemoryMapReport& report) {
    Json parts = Json::array();
    for (const TotalPart& part : report.parts)
        parts.push_back({{"kind", part_kind_name(part.kind)},
                         {"name", part.name},
                         {"group", optional_index(part.group)},
                         {"bytes", part.bytes}});
    return {{"parts", std::move(parts)},
            {"estimate", report.estimate},
            {"footprint", report.map.footprint},
            {"discrepancy", report.discrepancy}};
}

Json map_events_json(const std::optional<MapEvents>& events) {
    if (!events) return nullptr;
    return {
        {"mmap", events->mmap},
        {"munmap", events->munmap},
        {"mremap", events->mremap},
        {"mremap_moved", events->mremap_moved},
        {"brk_grow", events->brk_grow},
        {"brk_shrink", events->brk_shrink},
        {"shmat", events->shmat},
        {"shmdt", events->shmdt},
        {"madvise_free", events->madvise_free},
        {"mprotect", events->mprotect},
        {"custom_requests", events->custom_requests},
        {"bad_requests", events->bad_requests},
    };
}

Json memory_map_rankings_json(const MemoryMapReport& report, Json object) {
    Json explanations = Json::array();
    for (const GapExplanation& row : report.explanations)
        explanations.push_back({{"kind", explanation_kind_name(row.kind)},
                                {"group", optional_index(row.group)},
                                {"bytes", row.bytes},
                                {"text", row.text}});
    Json never_written = Json::array();
    for (const NeverWrittenRow& row : report.never_written)
        never_written.push_back({{"group", row.group}, {"bytes", row.bytes}, {"text", row.text}});
    object["explanations"] = std::move(explanations);
    object["never_written"] = std::move(never_written);
    return object;
}

Json memory_map_json(const ReportModel& model) {
    const MemoryMapReport& report = model.memory_map;
    if (report.missing) return nullptr;
    const MemoryMap& map = report.map;
    Json groups = Json::array();
    for (const MappingGroup& group : report.groups) groups.push_back(mapping_group_json(model, group));
    Json links = Json::array();
    for (const ArenaLink& link : report.arena_links)
        links.push_back({{"group", link.group},
                         {"site", site_id(model, link.site)},
                         {"bytes", link.bytes},
                         {"blocks", link.blocks}});
    Json object = {
        {"name", map.name},
        {"choice", map_choice_name(report.choice)},
        {"available", report.available},
        {"t", map.time},
        {"pages", report.pages},
        {"footprint", map.footprint},
        {"heap",
         {{"bytes", map.heap_bytes},
          {"blocks", map.heap_blocks},
          {"usable", map.heap_usable},
          {"inside_regions", report.wrap}}},
        {"custom",
         {{"bytes", map.custom_bytes}, {"blocks", map.custom_blocks}, {"in_heap", map.custom_in_heap}}},
        {"written_outside", map.written_outside},
        {"groups", std::move(groups)},
        {"total", memory_map_total_json(report)},
        {"estimate", report.estimate},
        {"gap", report.gap},
        {"explained", report.explained},
        {"unexplained", report.unexplained},
    };
    object = memory_map_rankings_json(report, std::move(object));
    object["arena_links"] = std::move(links);
    object["native_rss"] = report.native_rss ? Json{{"bytes", *report.native_rss},
                                                    {"difference", report.native_difference}}
                                             : Json(nullptr);
    object["map_events"] = map_events_json(report.events);
    return object;
}

}  // namespace

void JsonReporter::write(const ReportModel& model, std::ostream& out) const {
    Json sites = Json::array();
    for (const SiteRow& row : model.sites) sites.push_back(site_json(row));
    Json threads = Json::array();
    for (const Thread& thread : model.threads) threads.push_back(thread_json(thread));

    const Json report = {
        {"schema", kJsonSchemaName},
        {"schema_version", kJsonSchemaVersion},
        {"trace", trace_json(model)},
        {"options", options_json(model.options)},
        {"definitions", definitions_json(model.header)},
        {"summary", summary_json(model.summary)},
        {"sites", std::move(sites)},
        {"copies", copies_json(model)},
        {"ownership", ownership_json(model)},
        {"leaks", leaks_json(model)},
        {"threads", std::move(threads)},
        {"timeline", timeline_json(model)},
        {"timeline_events", timeline_events_json(model)},
        {"phases", phases_json(model)},
        {"memory_map", memory_map_json(model)},
    };
    // Symbol and file names are bytes, not necessarily UTF-8; invalid sequences become
    // U+FFFD instead of making the whole report fail.
    out << report.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace memattr
