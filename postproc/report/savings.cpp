// Savings: see savings.h.
#include "report/savings.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/stable_key.h"
#include "report/layout.h"
#include "report/names.h"
#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

// The words the text report prints, and the identifiers of the JSON report.
constexpr EnumName<SavingKind> kSavingKindNames[] = {
    {SavingKind::movable_clone, "copy that could be a move"},
    {SavingKind::duplicate, "duplicate contents"},
    {SavingKind::never_read, "never read"},
    {SavingKind::unreachable, "unreachable"},
    {SavingKind::leak, "leak"},
    {SavingKind::growth, "growth per iteration"},
    {SavingKind::unused_mapping, "written, unused"},
    {SavingKind::never_written, "reserved, never written"},
};
constexpr EnumName<SavingKind> kSavingKindWords[] = {
    {SavingKind::movable_clone, "movable_clone"}, {SavingKind::duplicate, "duplicate"},
    {SavingKind::never_read, "never_read"},       {SavingKind::unreachable, "unreachable"},
    {SavingKind::leak, "leak"},                   {SavingKind::growth, "growth"},
    {SavingKind::unused_mapping, "unused_mapping"},
    {SavingKind::never_written, "never_written"},
};

// "keep_backup (word_index.cpp:66) [site 13] and load_documents (word_index.cpp:35) [site 5]".
std::string site_names(const ReportModel& model, const BlocksBySite& sites) {
    std::vector<std::string> names;
    for (const auto& [site, count] : sites) names.push_back(site_name(model, site));
    if (names.size() <= 2) return fmt::format("{}", fmt::join(names, " and "));
    return fmt::format("{} and {} other sites", fmt::join(names.begin(), names.begin() + 2, ", "),
                       names.size() - 2);
}

void add_movable_clones(const ReportModel& model, std::vector<Saving>& findings) {
    for (const MovableCloneRow& row : model.copies.movable_clones) {
        std::vector<std::string> destinations;
        for (const std::size_t site : row.destination_sites)
            destinations.push_back(fmt::format("site {}", site_id(model, site)));
        std::vector<std::size_t> sites{row.source_site};
        sites.insert(sites.end(), row.destination_sites.begin(), row.destination_sites.end());
        findings.push_back({
            .kind = SavingKind::movable_clone,
            .bytes = row.figures.peak_source_bytes,
            .key = movable_clone_key(model, row),
            .location = row.location,
            .sites = std::move(sites),
            .evidence = fmt::format(
                "{} cloned here from {} into {}, the originals never used again ({} copied)",
                count_of(row.figures.pairs, "block"), site_name(model, row.source_site),
                fmt::join(destinations, ", "), human_bytes(row.figures.bytes)),
        });
    }
}

void add_duplicates(const ReportModel& model, std::vector<Saving>& findings) {
    if (model.ownership.missing) return;
    for (const DuplicateSitesRow& row : model.ownership.duplicates.by_sites) {
        if (row.sites.empty()) continue;
        std::vector<std::size_t> sites;
        for (const auto& [site, count] : row.sites) sites.push_back(site);
        findings.push_back({
            .kind = SavingKind::duplicate,
            .bytes = row.wasted,
            .key = duplicate_set_key(model, row.sites),
            .location = model.sites[sites.front()].location,
            .sites = std::move(sites),
            .evidence = fmt::format("{} of equal contents ({}) between {}",
                                    count_of(row.groups, "group"), blocks(row.blocks),
                                    site_names(model, row.sites)),
        });
    }
}

// A finding about one site's blocks, at its line, keyed by `key_kind` and the site's key.
Saving site_saving(const ReportModel& model, SavingKind kind, std::string_view key_kind,
                   std::size_t site, std::uint64_t bytes, std::string evidence) {
    return {.kind = kind,
            .bytes = bytes,
            .key = finding_key(key_kind, {model.sites[site].key}),
            .location = model.sites[site].location,
            .sites = {site},
            .evidence = std::move(evidence)};
}

void add_never_read(const ReportModel& model, std::vector<Saving>& findings) {
    for (std::size_t index = 0; index < model.sites.size(); ++index) {
        const SiteRow& site = model.sites[index];
        const Site& figures = site.figures;
        if (figures.peak_bytes == 0 || figures.never_read_bytes == 0) continue;
        // The trace counts never-read bytes over the run, not at the peak: when some of the
        // site's blocks were read, its share of never-read bytes is the best estimate of the
        // part of its peak bytes that was never read.
        const bool whole = figures.never_read_bytes >= figures.total_bytes;
        const std::uint64_t bytes =
            whole ? figures.peak_bytes
                  : rounded(static_cast<double>(figures.peak_bytes) *
                            ratio(figures.never_read_bytes, figures.total_bytes));
        if (bytes == 0) continue;
        Saving finding = site_saving(
            model, SavingKind::never_read, "never-read", index, bytes,
            fmt::format("{} of the {} allocated here [site {}] never read ({} of it in blocks "
                        "written, then never read); {} live at the peak",
                        whole ? "all" : format_percent(site.never_read_percent),
                        human_bytes(figures.total_bytes), figures.id,
                        human_bytes(site.written_unread_bytes), human_bytes(figures.peak_bytes)));
        finding.estimate = !whole;
        findings.push_back(std::move(finding));
    }
}

void add_unreachable(const ReportModel& model, std::vector<Saving>& findings) {
    if (model.ownership.missing) return;
    for (const UnreachableRow& row : model.ownership.unreachable) {
        findings.push_back(site_saving(
            model, SavingKind::unreachable, "unreachable", row.site, row.bytes,
            fmt::format("{} from {} live at the {} that no root reaches", blocks(row.blocks),
                        site_name(model, row.site), snapshot_moment(model.ownership))));
    }
}

void add_leaks(const ReportModel& model, std::vector<Saving>& findings) {
    if (model.leaks.missing) return;
    for (const LeakRow& row : model.leaks[LeakKind::definitely_lost].sites) {
        const std::string indirect =
            row.indirect_blocks == 0
                ? std::string()
                : fmt::format(", and {} ({}) indirectly lost through them",
                              blocks(row.indirect_blocks), human_bytes(row.indirect_bytes));
        findings.push_back({
            .kind = SavingKind::leak,
            .moment = SavingMoment::exit,
            .bytes = row.total_bytes(),
            .key = leak_key(model, LeakKind::definitely_lost, row.site),
            .location = model.sites[row.site].location,
            .sites = {row.site},
            .evidence = fmt::format("{} from {} definitely lost at exit{}", blocks(row.own.blocks),
                                    site_name(model, row.site), indirect),
        });
    }
}

void add_growth(const ReportModel& model, std::vector<Saving>& findings) {
    for (const PhaseNameSummary& name : model.phases.names)
        for (const SiteGrowth& growth : name.growth) {
            const GrowthFit& fit = growth.fit;
            if (fit.kind != GrowthClass::leak || fit.net_growth <= 0) continue;
            findings.push_back({
                .kind = SavingKind::growth,
                .moment = SavingMoment::exit,
                .bytes = static_cast<std::uint64_t>(fit.net_growth),
                .key = growth_key(model, name.name, growth.site),
                .location = model.sites[growth.site].location,
                .sites = {growth.site},
                .evidence = fmt::format(
                    "{} grows by {} per iteration of '{}' (iterations {} to {})",
                    site_name(model, growth.site), human_bytes(rounded(fit.slope)),
                    escape_value(name.name), fit.first_iteration, fit.last_iteration),
            });
        }
}

// Pages an arena (a mapping holding custom or pool blocks) wrote and no live block holds:
// the arena reserved them for blocks it no longer has, and they stay resident.
void add_unused_mappings(const ReportModel& model, std::vector<Saving>& findings) {
    if (model.memory_map.missing) return;
    for (const MappingGroup& group : model.memory_map.groups) {
        if (group.custom_blocks == 0 || group.written_unused == 0) continue;
        const std::string where =
            group.location ? stable_frame_text(*group.location) : std::string(group.name);
        findings.push_back({
            .kind = SavingKind::unused_mapping,
            .bytes = group.written_unused,
            .key = finding_key("unused-mapping", {where}),
            .location = group.location,
            .sites = {},
            .evidence = fmt::format(
                "{}: {} mapped, {} written, of which live blocks hold {}", escape_value(group.name),
                human_bytes(group.mapped), human_bytes(group.written), human_bytes(group.in_use)),
        });
    }
}

// Memory reserved and never written: not resident, but live heap (the peak DHAT and Massif
// measure counts it) or address space and commit charge. Allocating what is used saves it.
// A site's large blocks whose pages were never written, and the anonymous mappings the
// program made itself whose accessible pages were never written (an arena that reserved
// 32 MiB and used 12). Not thread stacks, the loader's and the start-up segments, nor
// PROT_NONE reservations (address space only).
void add_never_written(const ReportModel& model, std::vector<Saving>& findings) {
    const MemoryMapReport& map = model.memory_map;
    if (map.missing) return;
    const std::string moment = map.choice == MapChoice::exit ? "at exit" : "at the footprint's peak";
    if (map.unwritten_sites)
        for (const SiteUnwritten& unwritten : *map.unwritten_sites)
            findings.push_back(site_saving(
                model, SavingKind::never_written, "never-written", unwritten.site,
                unwritten.bytes,
                fmt::format("{} of the {} live in {} from {} on pages never written {}: "
                            "allocate what is used",
                            human_bytes(unwritten.bytes),
                            human_bytes(model.sites[unwritten.site].figures.peak_bytes),
                            count_of(unwritten.blocks, "large block"),
                            site_name(model, unwritten.site), moment)));
    for (const MappingGroup& group : map.groups) {
        if (group.kind != MappingGroupKind::mapping_site || group.made_by_allocator ||
            group.anonymous_mapped != group.mapped || group.accessible <= group.written)
            continue;
        const std::string where =
            group.location ? stable_frame_text(*group.location) : std::string(group.name);
        findings.push_back({
            .kind = SavingKind::never_written,
            .bytes = group.accessible - group.written,
            .key = finding_key("never-written", {where}),
            .location = group.location,
            .sites = {},
            .evidence = fmt::format(
                "{}: {} mapped{}, {} written {}", escape_value(group.name),
                human_bytes(group.mapped),
                group.accessible == group.mapped
                    ? std::string()
                    : fmt::format(" ({} of it accessible)", human_bytes(group.accessible)),
                human_bytes(group.written), moment),
        });
    }
}

}  // namespace

std::string_view saving_kind_name(SavingKind kind) { return name_of(kSavingKindNames, kind); }

std::string_view saving_kind_word(SavingKind kind) { return name_of(kSavingKindWords, kind); }

std::vector<Saving> rank_savings(const ReportModel& model) {
    std::vector<Saving> findings;
    add_movable_clones(model, findings);
    add_duplicates(model, findings);
    add_never_read(model, findings);
    add_unreachable(model, findings);
    add_leaks(model, findings);
    add_growth(model, findings);
    add_unused_mappings(model, findings);
    add_never_written(model, findings);
    std::erase_if(findings, [](const Saving& finding) { return finding.bytes == 0; });
    std::stable_sort(findings.begin(), findings.end(), [](const Saving& a, const Saving& b) {
        return std::tie(b.bytes, a.kind, a.key) < std::tie(a.bytes, b.kind, b.key);
    });
    return findings;
}

std::string movable_clone_key(const ReportModel& model, const MovableCloneRow& row) {
    return finding_key("clone", {stable_frame_text(row.location), model.sites[row.source_site].key});
}

// A set of sites' key: the same set of sites, in whichever order, has the same key.
std::string duplicate_set_key(const ReportModel& model, const BlocksBySite& sites) {
    std::vector<std::string> keys;
    for (const auto& [site, count] : sites) keys.push_back(model.sites[site].key);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return finding_key("duplicate", {fmt::format("{}", fmt::join(keys, ","))});
}

std::string leak_kind_key(LeakKind kind) {
    std::string key(leak_kind_name(kind));
    std::replace(key.begin(), key.end(), ' ', '_');
    return key;
}

std::string leak_key(const ReportModel& model, LeakKind kind, std::size_t site) {
    return finding_key("leak", {leak_kind_key(kind), model.sites[site].key});
}

std::string growth_key(const ReportModel& model, std::string_view phase, std::size_t site) {
    return finding_key("growth", {phase, model.sites[site].key});
}

}  // namespace memattr
