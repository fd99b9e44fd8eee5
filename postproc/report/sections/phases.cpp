// Phases: what each named phase of the run allocated, kept and left behind, how it grows per
// iteration, and the marks. In JSON: "timeline_events" (phase begins, ends and marks on the
// timeline) and "phases".
#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "analysis/stable_key.h"
#include "report/savings.h"
#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"
#include "trace/trace_schema.h"

namespace memattr {

namespace {

// How a site's live bytes grow per iteration, as JSON's "class".
constexpr EnumName<GrowthClass> kGrowthClassNames[] = {
    {GrowthClass::leak, "leak"},
    {GrowthClass::irregular, "irregular"},
    {GrowthClass::bounded, "bounded"},
    {GrowthClass::steady, "steady"},
};

// What a timeline event is, as JSON's "kind".
constexpr EnumName<TimelineEventKind> kEventKindNames[] = {
    {TimelineEventKind::phase_begin, "phase_begin"},
    {TimelineEventKind::phase_end, "phase_end"},
    {TimelineEventKind::mark, "mark"},
};

// Phases with at most this many instances list them one line each.
constexpr std::size_t kMaxIterationLines = 10;

std::string iteration_range(std::uint64_t first, std::uint64_t last) {
    return first == last ? fmt::format("iteration {}", first)
                         : fmt::format("iterations {}-{}", first, last);
}

std::string describe_slope(const GrowthFit& fit) {
    if (fit.exact)
        return fmt::format("{} per iteration (exact)",
                           signed_bytes(static_cast<std::int64_t>(fit.slope)));
    return fmt::format("about {}{} per iteration", fit.slope < 0 ? "-" : "+",
                       human_bytes(rounded(std::abs(fit.slope))));
}

std::string describe_growth(const GrowthFit& fit) {
    switch (fit.kind) {
    case GrowthClass::leak:
        return fmt::format("leak: {}, fitted on {}", describe_slope(fit),
                           iteration_range(fit.first_iteration, fit.last_iteration));
    case GrowthClass::bounded:
        return fmt::format("bounded: {}, reached at iteration {}", bytes_with_exact(
                               static_cast<std::uint64_t>(fit.bound)), fit.stopped_at);
    case GrowthClass::steady:
        if (fit.net_growth == 0)
            return fmt::format("steady: no net growth over {}",
                               iteration_range(fit.first_iteration, fit.last_iteration));
        return fmt::format("steady: no growth after the first iteration; net {} over {}",
                           signed_bytes(fit.net_growth),
                           iteration_range(fit.first_iteration, fit.last_iteration));
    case GrowthClass::irregular:
        return fmt::format("irregular: {} over {}, neither linear nor bounded ({})",
                           signed_bytes(fit.net_growth),
                           iteration_range(fit.first_iteration, fit.last_iteration),
                           describe_slope(fit));
    }
    return "";
}

std::string describe_delimiter(PhaseDelimiter by) {
    return by == PhaseDelimiter::request ? "MEMATTR_PHASE_BEGIN/END" : "--phase-fn";
}

void write_growth(const ReportModel& model, const PhaseNameSummary& name, std::ostream& out) {
    const std::vector<std::uint64_t>& iterations = name.growth_iterations;
    if (name.growth.empty()) {
        if (iterations.size() < kMinGrowthIterations && name.instances.size() > 1)
            out << fmt::format("  No growth per iteration: it needs {} ended iterations.\n",
                               kMinGrowthIterations);
        return;
    }
    out << fmt::format("  Growth per iteration by site, over {} ({} iterations):\n",
                       iteration_range(iterations.front(), iterations.back()),
                       group_digits(iterations.size()));
    const std::size_t shown = shown_rows(model, name.growth.size());
    write_top_note(out, shown, name.growth.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const SiteGrowth& growth = name.growth[rank];
        write_entry(out, rank, {describe_growth(growth.fit), describe_site(model, growth.site)});
    }
}

// A phase run once: what it left behind, by site (what "the load phase" kept).
void write_left_behind(const ReportModel& model, const PhaseInstanceRow& row, std::ostream& out) {
    std::vector<const PhaseSiteRow*> grown;
    for (const PhaseSiteRow& site : row.sites)
        if (site.growth > 0) grown.push_back(&site);  // rows come by growth, descending
    if (grown.empty()) return;
    out << "  Left behind, by site (its live bytes at the end minus at the begin):\n";
    const std::size_t shown = shown_rows(model, grown.size());
    write_top_note(out, shown, grown.size(), "sites");
    for (std::size_t rank = 0; rank < shown; ++rank)
        write_entry(out, rank,
                    {fmt::format("{}, {} of what it allocated still live at exit",
                                 signed_bytes(grown[rank]->growth),
                                 bytes_with_exact(grown[rank]->figures.exit_bytes)),
                     describe_site(model, grown[rank]->site)});
}

void write_iteration_lines(const ReportModel& model, const PhaseNameSummary& name,
                           std::ostream& out) {
    if (name.instances.size() == 1) {
        write_left_behind(model, model.phases.instances[name.instances.front()], out);
        return;
    }
    if (name.instances.size() > kMaxIterationLines) return;
    for (const std::size_t index : name.instances) {
        const PhaseInstanceRow& row = model.phases.instances[index];
        const PhaseInstance& instance = row.instance;
        out << fmt::format("  #{:<3} allocated {}, freed {}, retained {}, peak {}, still live "
                           "at exit {}{}\n",
                           instance.iteration, human_bytes(instance.allocated_bytes),
                           human_bytes(instance.freed_bytes),
                           signed_size(row.retained, human_bytes),
                           human_bytes(instance.peak_bytes), human_bytes(instance.exit_bytes),
                           instance.ended == PhaseEnding::open ? " (open at exit)" : "");
    }
}

void write_phase_name(const ReportModel& model, const PhaseNameSummary& name, std::ostream& out) {
    out << fmt::format("{}: {}, by {}\n", escape_value(name.name),
                       count_of(name.instances.size(), "iteration"), describe_delimiter(name.by));
    write_row(out, "  allocated", fmt::format("{} in {}; freed {} in {}",
                                              bytes_with_exact(name.allocated_bytes),
                                              blocks(name.allocated_blocks),
                                              bytes_with_exact(name.freed_bytes),
                                              blocks(name.freed_blocks)));
    write_row(out, "  peak", fmt::format("{} in iteration {} at {}",
                                         bytes_with_exact(name.peak_bytes), name.peak_iteration,
                                         time_of(model, name.peak_time)));
    write_row(out, "  retained",
              fmt::format("{} (the live heap at each iteration's end minus at its begin, "
                          "summed)",
                          signed_bytes(name.retained)));
    write_row(out, "", fmt::format("{} in {} still live at exit",
                                   bytes_with_exact(name.exit_bytes), blocks(name.exit_blocks)));
    if (name.nested_in_same_name != 0)
        write_row(out, "  note", fmt::format("{} nested in an iteration of the same name, "
                                             "counted in that one",
                                             count_of(name.nested_in_same_name, "iteration")));
    if (name.open != 0)
        write_row(out, "  note", fmt::format("{} still open at exit, left out of the growth",
                                             count_of(name.open, "iteration")));
    write_iteration_lines(model, name, out);
    write_growth(model, name, out);
}

void write_marks(const ReportModel& model, std::ostream& out) {
    for (std::size_t i = 0; i < model.phases.marks.size(); ++i) {
        const Mark& mark = model.phases.marks[i];
        write_row(out, i == 0 ? "Marks" : "",
                  fmt::format("'{}' at {}, {} live", escape_value(mark.label),
                              time_of(model, mark.at.time), bytes_with_exact(mark.at.bytes)));
    }
}

std::string no_phases_reason(const ReportModel& model) {
    const std::string how = "bracket parts of the run with MEMATTR_PHASE_BEGIN(\"name\") and "
                            "MEMATTR_PHASE_END(\"name\") from memattr.h, or run memattr with "
                            "--phase-fn=FUNCTION to make each call of FUNCTION an iteration.";
    if (!model.phases.recorded)
        return fmt::format("No phases: the trace is version {}, written by a memattr that "
                           "recorded none. To get them, {}",
                           model.header.version, how);
    return "No phases. To get them, " + how;
}

void write_phases(const ReportModel& model, std::ostream& out) {
    write_title(out, "Phases");
    const PhaseReport& phases = model.phases;
    if (phases.names.empty()) out << no_phases_reason(model) << '\n';
    write_marks(model, out);
    if (phases.counts && phases.counts->dropped != 0)
        out << fmt::format("{} more were begun but not recorded (over the tool's limit of "
                           "instances, or nested too deeply): the figures below leave them "
                           "out.\n",
                           count_of(phases.counts->dropped, "phase instance", "phase instances"));
    // A blank line between the names, and between the lines above and the first name.
    bool first = phases.marks.empty() && !(phases.counts && phases.counts->dropped != 0);
    for (const PhaseNameSummary& name : phases.names) {
        if (!first) out << '\n';
        first = false;
        write_phase_name(model, name, out);
    }
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
        {"by", schema::word_of(schema::kPhaseDelimiters, instance.by)},
        {"ended", schema::word_of(schema::kPhaseEndings, instance.ended)},
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

Json growth_json(const ReportModel& model, const PhaseNameSummary& name,
                 const SiteGrowth& growth) {
    const GrowthFit& fit = growth.fit;
    const bool fitted = fit.kind == GrowthClass::leak || fit.kind == GrowthClass::irregular;
    const bool bounded = fit.kind == GrowthClass::bounded;
    return {
        {"key", growth_key(model, name.name, growth.site)},
        {"site", site_id(model, growth.site)},
        {"class", name_of(kGrowthClassNames, fit.kind)},
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
    for (const SiteGrowth& row : name.growth) growth.push_back(growth_json(model, name, row));
    return {
        {"name", name.name},
        {"by", schema::word_of(schema::kPhaseDelimiters, name.by)},
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

Json timeline_events_json(const ReportModel& model) {
    Json events = Json::array();
    for (const TimelineEvent& event : model.phases.events) {
        Json entry = {{"kind", name_of(kEventKindNames, event.kind)}};
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

void write_phases_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    report["timeline_events"] = timeline_events_json(model);
    report["phases"] = phases_json(model);
}

}  // namespace

ReportSection phases_section() { return {"phases", write_phases, write_phases_json}; }

}  // namespace memattr
