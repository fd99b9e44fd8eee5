#include "report/profiles/profile_stacks.h"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "report/layout.h"
#include "report/names.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

constexpr EnumName<ProfileMetric> kProfileMetricNames[] = {
    {ProfileMetric::peak, "peak"},         {ProfileMetric::total, "total"},
    {ProfileMetric::exit, "exit"},         {ProfileMetric::leaked, "leaked"},
    {ProfileMetric::retained, "retained"}, {ProfileMetric::temporary, "temporary"},
    {ProfileMetric::copies, "copies"},
};

// A site's own figure for the metrics the trace gives per site.
std::uint64_t Site::*site_figure(ProfileMetric metric) {
    switch (metric) {
    case ProfileMetric::peak: return &Site::peak_bytes;
    case ProfileMetric::total: return &Site::total_bytes;
    case ProfileMetric::exit: return &Site::exit_bytes;
    case ProfileMetric::temporary: return &Site::temporary_bytes;
    default: return nullptr;
    }
}

// Definitely and indirectly lost bytes by site row: each lost block counts for its own site
// (LeakRow::own), not for the definitely lost block that leads its clique, so the figures
// add up to the leaked total.
std::vector<std::uint64_t> leaked_by_site(const ReportModel& model) {
    if (model.leaks.missing) throw std::runtime_error(no_leak_check_reason(model));
    std::vector<std::uint64_t> leaked(model.sites.size());
    for (const LeakKind kind : {LeakKind::definitely_lost, LeakKind::indirectly_lost})
        for (const LeakRow& row : model.leaks[kind].sites) leaked[row.site] += row.own.bytes;
    return leaked;
}

// Retained bytes by site row, additive. A site's retained size (OwnedSite::retained_bytes)
// includes what other sites' blocks below its own hold, so those sizes overlap and their sum
// exceeds the heap. Here each reachable block counts once, for the site of the outermost
// block that dominates it: the owner rows whose owner is a root (or several roots) have
// disjoint dominator subtrees, which together are every reachable block. So a site's figure
// is what freeing its blocks that only roots hold would free, and the figures add up to the
// snapshot's reachable bytes. Unreachable blocks are in no one's.
std::vector<std::uint64_t> retained_by_site(const ReportModel& model) {
    if (model.ownership.missing) throw std::runtime_error(no_snapshot_reason(model));
    std::vector<std::uint64_t> retained(model.sites.size());
    for (const OwnerRow& row : model.ownership.owners)
        if (row.owner.kind != Owner::Kind::site) retained[row.site] += row.retained_bytes;
    return retained;
}

std::vector<WeightedStack> copy_stacks(const ReportModel& model) {
    if (!model.header.run.access)
        throw std::runtime_error("No copy figures: the trace was recorded without access "
                                 "tracking (--track-access=no, or a version 1 trace).");
    std::vector<WeightedStack> stacks;
    for (const CopyStackRow& row : model.copies.by_stack)
        if (row.figures.bytes != 0) stacks.push_back({&row.stack, row.figures.bytes});
    return stacks;
}

// The sites' stacks, each weighed by `figures` (indexed like ReportModel::sites).
std::vector<WeightedStack> site_stacks(const ReportModel& model,
                                       const std::vector<std::uint64_t>& figures) {
    std::vector<WeightedStack> stacks;
    for (std::size_t row = 0; row < model.sites.size(); ++row)
        if (figures[row] != 0) stacks.push_back({&model.sites[row].stack, figures[row]});
    return stacks;
}

}  // namespace

std::vector<std::uint64_t> site_figures(const ReportModel& model, ProfileMetric metric) {
    switch (metric) {
    case ProfileMetric::leaked: return leaked_by_site(model);
    case ProfileMetric::retained: return retained_by_site(model);
    default: break;
    }
    std::vector<std::uint64_t> figures;
    for (const SiteRow& site : model.sites) figures.push_back(site.figures.*site_figure(metric));
    return figures;
}

const std::vector<std::string>& profile_metric_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all;
        for (const auto& [metric, name] : kProfileMetricNames) all.emplace_back(name);
        return all;
    }();
    return names;
}

ProfileMetric profile_metric_named(std::string_view name) {
    for (const auto& [metric, known] : kProfileMetricNames)
        if (known == name) return metric;
    throw std::invalid_argument(fmt::format("unknown metric '{}'", name));
}

AnalysisNeeds profile_metric_needs(ProfileMetric metric) {
    return {.copies = metric == ProfileMetric::copies,
            .ownership = metric == ProfileMetric::retained,
            .leaks = metric == ProfileMetric::leaked};
}

std::vector<WeightedStack> weighted_stacks(const ReportModel& model, ProfileMetric metric) {
    if (metric == ProfileMetric::copies) return copy_stacks(model);
    return site_stacks(model, site_figures(model, metric));
}

std::string profile_frame_name(const Frame& frame) {
    if (frame.function != "???" || frame.object.empty()) return escape_value(frame.function);
    return fmt::format("[{}]",
                       escape_value(std::filesystem::path(frame.object).filename().string()));
}

}  // namespace memattr
