#include "history/diff.h"

#include <algorithm>
#include <map>

#include "report/names.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr EnumName<ChangeKind> kChangeKindNames[] = {
    {ChangeKind::appeared, "appeared"},
    {ChangeKind::disappeared, "disappeared"},
    {ChangeKind::grew, "grew"},
    {ChangeKind::shrank, "shrank"},
};

// One row of either run under its key: its label and figure, in the base run and the new.
struct KeyedFigure {
    std::string label;
    std::uint64_t bytes = 0;
};
struct BothRuns {
    std::optional<KeyedFigure> base;
    std::optional<KeyedFigure> now;
};

// Every row of both runs under its kind ("site", or the finding's kind) and its key: a key is
// unique within its kind.
using BothRunsByKey = std::map<std::pair<std::string, std::string>, BothRuns>;

// The rows that changed by `min_delta` or more (and by something), most first; the others
// that changed are counted in `below_floor`.
std::vector<RowChange> changed_rows(const BothRunsByKey& rows, std::uint64_t min_delta,
                                    std::size_t& below_floor) {
    std::vector<RowChange> changes;
    for (const auto& [kind_and_key, both] : rows) {
        const auto& [kind, key] = kind_and_key;
        RowChange change{kind, key, both.now ? both.now->label : both.base->label,
                         both.base ? both.base->bytes : 0, both.now ? both.now->bytes : 0};
        if (change.now == change.base) continue;  // unchanged, or came or went with nothing
        change.change = !both.base  ? ChangeKind::appeared
                        : !both.now ? ChangeKind::disappeared
                        : change.now > change.base ? ChangeKind::grew
                                                   : ChangeKind::shrank;
        if (change.size() < min_delta) {
            ++below_floor;
            continue;
        }
        changes.push_back(std::move(change));
    }
    std::sort(changes.begin(), changes.end(), [](const RowChange& a, const RowChange& b) {
        if (a.size() != b.size()) return a.size() > b.size();
        if (a.kind != b.kind) return a.kind < b.kind;
        return a.key < b.key;
    });
    return changes;
}

BothRunsByKey sites_of_both(const RunFigures& base, const RunFigures& now, SiteMetric metric) {
    const auto index = static_cast<std::size_t>(metric);
    BothRunsByKey rows;
    for (const SiteFigures& site : base.sites)
        rows[{"site", site.key}].base = {site.label, site.bytes[index]};
    for (const SiteFigures& site : now.sites)
        rows[{"site", site.key}].now = {site.label, site.bytes[index]};
    return rows;
}

BothRunsByKey findings_of_both(const RunFigures& base, const RunFigures& now) {
    BothRunsByKey rows;
    for (const Finding& finding : base.findings)
        rows[{std::string(finding_kind_name(finding.kind)), finding.key}].base = {finding.label,
                                                                                  finding.bytes};
    for (const Finding& finding : now.findings)
        rows[{std::string(finding_kind_name(finding.kind)), finding.key}].now = {finding.label,
                                                                                 finding.bytes};
    return rows;
}

}  // namespace

std::string_view change_kind_name(ChangeKind kind) { return name_of(kChangeKindNames, kind); }

std::int64_t RowChange::delta() const { return signed_change(now, base); }

std::uint64_t RowChange::size() const { return absolute_difference(now, base); }

RunDiff diff_runs(const RunFigures& base, const RunFigures& now, SiteMetric metric,
                  std::uint64_t min_delta) {
    RunDiff diff;
    diff.base_source = base.source;
    diff.new_source = now.source;
    diff.metric = metric;
    diff.min_delta = min_delta;
    for (std::size_t i = 0; i < kRunFigures; ++i)
        diff.totals.push_back({static_cast<RunFigure>(i), base.totals[i], now.totals[i]});
    diff.sites = changed_rows(sites_of_both(base, now, metric), min_delta, diff.sites_below_floor);
    diff.findings =
        changed_rows(findings_of_both(base, now), min_delta, diff.findings_below_floor);
    return diff;
}

}  // namespace memattr
