#include "history/run_figures.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/analysis.h"
#include "analysis/site_folding.h"
#include "report/json_reporter.h"
#include "report/names.h"
#include "trace/trace_input.h"
#include "trace/trace_reader.h"

namespace memattr {

namespace {

constexpr EnumName<RunFigure> kFigureNames[] = {
    {RunFigure::peak_bytes, "peak_bytes"},
    {RunFigure::peak_blocks, "peak_blocks"},
    {RunFigure::total_bytes, "total_bytes"},
    {RunFigure::total_blocks, "total_blocks"},
    {RunFigure::exit_bytes, "exit_bytes"},
    {RunFigure::exit_blocks, "exit_blocks"},
    {RunFigure::leaked_bytes, "leaked_bytes"},
    {RunFigure::possibly_lost_bytes, "possibly_lost_bytes"},
    {RunFigure::clone_bytes, "clone_bytes"},
    {RunFigure::duplicate_bytes, "duplicate_bytes"},
    {RunFigure::growth_per_iteration_bytes, "growth_per_iteration_bytes"},
    {RunFigure::resident_estimate_bytes, "resident_estimate_bytes"},
};
static_assert(std::size(kFigureNames) == kRunFigures);

constexpr EnumName<SiteMetric> kMetricNames[] = {
    {SiteMetric::peak, "peak"},     {SiteMetric::total, "total"},
    {SiteMetric::exit, "exit"},     {SiteMetric::leaked, "leaked"},
    {SiteMetric::retained, "retained"},
};
static_assert(std::size(kMetricNames) == kSiteMetrics);

constexpr EnumName<FindingKind> kFindingKindNames[] = {
    {FindingKind::clone, "clone"},     {FindingKind::duplicate, "duplicate"},
    {FindingKind::leak, "leak"},       {FindingKind::growth, "growth"},
    {FindingKind::mapping, "mapping"},
};
static_assert(std::size(kFindingKindNames) == kFindingKinds);

// The leak categories that are leaks (Memcheck's "definitely" and "indirectly lost"), by
// their JSON keys.
constexpr const char* kLeakedCategories[] = {"definitely_lost", "indirectly_lost"};

// A report's value at `pointer` (e.g. "/summary/peak/bytes"); the report is not ours when
// it is missing or of another type.
const Json& at(const Json& report, const char* pointer) {
    const Json::json_pointer where(pointer);
    if (!report.contains(where))
        throw std::invalid_argument(fmt::format("the report has no '{}'", pointer));
    return report.at(where);
}

std::uint64_t count_at(const Json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || !found->is_number_unsigned())
        throw std::invalid_argument(
            fmt::format("the report has no count '{}' where one is expected", key));
    return found->get<std::uint64_t>();
}

// How the report names a location (an index into its `frames` table), as its text shows it:
// "fn (file:line)".
std::string describe_location_json(const Json& report, const Json& index) {
    const Json& location = report.at("frames").at(index.get<std::size_t>());
    Frame frame;
    frame.function = location.value("fn", "???");
    frame.file = location.value("file", "");
    frame.line = location.value("line", std::uint64_t{0});
    frame.object = location.value("obj", "");
    return describe_frame(frame);
}

// What the findings need to know of a site, by its id in the report.
struct SiteByIdEntry {
    std::string key;
    std::string label;
};
using SitesById = std::map<std::uint64_t, SiteByIdEntry>;

const SiteByIdEntry& site_of(const SitesById& sites, const Json& id) {
    const auto found = sites.find(id.get<std::uint64_t>());
    if (found == sites.end())
        throw std::invalid_argument(fmt::format("the report refers to site {}, which its "
                                                "'sites' table does not have",
                                                id.dump()));
    return found->second;
}

bool available(const Json& report, const char* section) {
    const auto found = report.find(section);
    return found != report.end() && found->is_object() && found->value("available", false);
}

// ------------------------------------------------------------------------------- totals

void read_totals(const Json& report, RunFigures& run) {
    auto set = [&run](RunFigure figure, std::uint64_t value) {
        run.totals[static_cast<std::size_t>(figure)] = value;
    };
    set(RunFigure::peak_bytes, count_at(at(report, "/summary/peak"), "bytes"));
    set(RunFigure::peak_blocks, count_at(at(report, "/summary/peak"), "blocks"));
    set(RunFigure::total_bytes, count_at(at(report, "/summary/total"), "bytes"));
    set(RunFigure::total_blocks, count_at(at(report, "/summary/total"), "blocks"));
    set(RunFigure::exit_bytes, count_at(at(report, "/summary/exit"), "bytes"));
    set(RunFigure::exit_blocks, count_at(at(report, "/summary/exit"), "blocks"));
    if (available(report, "leaks")) {
        const Json& leaks = report["leaks"];
        std::uint64_t leaked = 0;
        for (const char* category : kLeakedCategories) leaked += count_at(leaks[category], "bytes");
        set(RunFigure::leaked_bytes, leaked);
        set(RunFigure::possibly_lost_bytes, count_at(leaks["possibly_lost"], "bytes"));
    }
    if (!at(report, "/summary/access").is_null())
        set(RunFigure::clone_bytes, count_at(at(report, "/copies/totals/movable_clones"), "bytes"));
    if (available(report, "ownership"))
        set(RunFigure::duplicate_bytes, count_at(at(report, "/ownership/duplicates"), "wasted"));
    const Json& memory_map = at(report, "/memory_map");
    if (memory_map.is_object()) set(RunFigure::resident_estimate_bytes,
                                    count_at(memory_map, "estimate"));
}

// ------------------------------------------------------------------------------- sites

// Every site of the report, keyed, with its peak, total and exit bytes; `by_id` gets each
// site's key and label.
std::map<std::string, SiteFigures> read_sites(const Json& report, SitesById& by_id) {
    std::map<std::string, SiteFigures> sites;
    for (const Json& site : at(report, "/sites")) {
        const std::string key = site.at("key").get<std::string>();
        const std::string label = describe_location_json(report, site.at("location"));
        by_id[site.at("id").get<std::uint64_t>()] = {key, label};
        SiteFigures& figures = sites[key];
        if (figures.key.empty()) figures = {key, label, {}};  // sites come by peak: the first
                                                              // names the key
        auto add = [&figures](SiteMetric metric, std::uint64_t bytes) {
            figures.bytes[static_cast<std::size_t>(metric)] += bytes;
        };
        add(SiteMetric::peak, count_at(site.at("peak"), "bytes"));
        add(SiteMetric::total, count_at(site.at("total"), "bytes"));
        add(SiteMetric::exit, count_at(site.at("exit"), "bytes"));
    }
    return sites;
}

void add_site_metric(std::map<std::string, SiteFigures>& sites, const SitesById& by_id,
                     const Json& id, SiteMetric metric, std::uint64_t bytes) {
    sites[site_of(by_id, id).key].bytes[static_cast<std::size_t>(metric)] += bytes;
}

// The leaked and retained bytes of each site, where the report has them.
void read_site_leaks_and_retained(const Json& report, const SitesById& by_id,
                                  std::map<std::string, SiteFigures>& sites) {
    if (available(report, "leaks"))
        for (const char* category : kLeakedCategories)
            for (const Json& row : report["leaks"][category].at("sites"))
                add_site_metric(sites, by_id, row.at("site"), SiteMetric::leaked,
                                count_at(row, "bytes"));
    if (available(report, "ownership"))
        for (const Json& row : report["ownership"].at("sites"))
            add_site_metric(sites, by_id, row.at("site"), SiteMetric::retained,
                            count_at(row, "retained_bytes"));
}

// ------------------------------------------------------------------------------- findings

void read_clones(const Json& report, const SitesById& by_id, std::vector<Finding>& findings) {
    for (const Json& row : at(report, "/copies/movable_clones"))
        findings.push_back({FindingKind::clone, row.at("key").get<std::string>(),
                            fmt::format("copy at {} of {}'s blocks",
                                        describe_location_json(report, row.at("location")),
                                        site_of(by_id, row.at("source_site")).label),
                            count_at(row, "bytes")});
}

void read_duplicates(const Json& report, const SitesById& by_id, std::vector<Finding>& findings) {
    if (!available(report, "ownership")) return;
    for (const Json& row : at(report, "/ownership/duplicates/by_sites")) {
        std::vector<std::string> labels;
        for (const Json& site : row.at("sites")) labels.push_back(site_of(by_id, site.at("site")).label);
        findings.push_back({FindingKind::duplicate, row.at("key").get<std::string>(),
                            fmt::format("duplicate contents from {}", fmt::join(labels, " + ")),
                            count_at(row, "wasted")});
    }
}

void read_leaks(const Json& report, const SitesById& by_id, std::vector<Finding>& findings) {
    if (!available(report, "leaks")) return;
    for (const char* category : kLeakedCategories) {
        std::string words = category;
        std::replace(words.begin(), words.end(), '_', ' ');
        for (const Json& row : report["leaks"][category].at("sites"))
            findings.push_back({FindingKind::leak, row.at("key").get<std::string>(),
                                fmt::format("{} from {}", words, site_of(by_id, row.at("site")).label),
                                count_at(row, "bytes")});
    }
}

// Bytes per iteration of a fitted slope, rounded to the nearest byte (a slope is exact
// for a site that grows by the same bytes every iteration).
std::uint64_t bytes_per_iteration(const Json& slope) {
    return slope.is_number() ? static_cast<std::uint64_t>(std::llround(std::max(0.0, slope.get<double>())))
                             : 0;
}

// The sites that grow with every iteration (class "leak"), and the steepest of them as the
// run's figure when any phase has iterations enough to tell.
void read_growth(const Json& report, const SitesById& by_id, RunFigures& run) {
    const Json& names = at(report, "/phases/names");
    bool measurable = false;
    std::uint64_t steepest = 0;
    for (const Json& name : names) {
        if (name.at("growth_iterations").size() >= 3) measurable = true;
        for (const Json& row : name.at("growth")) {
            if (row.at("class") != "leak") continue;
            const std::uint64_t bytes = bytes_per_iteration(row.at("slope"));
            steepest = std::max(steepest, bytes);
            run.findings.push_back(
                {FindingKind::growth, row.at("key").get<std::string>(),
                 fmt::format("{} grows with every iteration of {}",
                             site_of(by_id, row.at("site")).label,
                             name.at("name").get<std::string>()),
                 bytes});
        }
    }
    if (measurable)
        run.totals[static_cast<std::size_t>(RunFigure::growth_per_iteration_bytes)] = steepest;
}

void read_mappings(const Json& report, std::vector<Finding>& findings) {
    const Json& memory_map = at(report, "/memory_map");
    if (!memory_map.is_object()) return;
    const bool pages = memory_map.value("pages", false);
    for (const Json& group : memory_map.at("groups"))
        findings.push_back({FindingKind::mapping, group.at("key").get<std::string>(),
                            group.at("name").get<std::string>(),
                            count_at(group, pages ? "written" : "mapped")});
}

// Findings of one kind and key are one: their bytes summed, the first one's label kept.
std::vector<Finding> merge_findings(std::vector<Finding> findings) {
    std::map<std::pair<FindingKind, std::string>, Finding> merged;
    for (Finding& finding : findings) {
        auto [place, inserted] = merged.try_emplace({finding.kind, finding.key}, finding);
        if (!inserted) place->second.bytes += finding.bytes;
    }
    std::vector<Finding> result;
    for (auto& [key, finding] : merged) result.push_back(std::move(finding));
    std::sort(result.begin(), result.end(), [](const Finding& a, const Finding& b) {
        if (a.kind != b.kind) return a.kind < b.kind;
        if (a.bytes != b.bytes) return a.bytes > b.bytes;
        return a.key < b.key;
    });
    return result;
}

std::string program_of(const Json& report) {
    const Json& command = at(report, "/trace/cmd");
    std::string program = command.value("exe", "");
    const std::string arguments = command.value("args", "");
    if (!arguments.empty()) program += " " + arguments;
    return program;
}

// The JSON report in `input`, or nothing when it is not JSON (a trace starts with its
// header's tag, a report with '{'): then nothing of it has been read.
std::optional<Json> read_json_report(TraceInput& input) {
    std::istream& stream = input.stream();
    if (stream.peek() != '{') return std::nullopt;
    try {
        return Json::parse(stream);
    } catch (const Json::parse_error& error) {
        throw std::invalid_argument(
            fmt::format("'{}' is not valid JSON: {}", input.name(), error.what()));
    }
}

}  // namespace

std::string_view figure_name(RunFigure figure) { return name_of(kFigureNames, figure); }

std::string_view figure_requirement(RunFigure figure) {
    switch (figure) {
    case RunFigure::leaked_bytes:
    case RunFigure::possibly_lost_bytes:
        return "it needs the exit snapshot (record without --snapshots=no)";
    case RunFigure::clone_bytes:
        return "it needs access tracking (record without --track-access=no)";
    case RunFigure::duplicate_bytes:
        return "it needs a heap snapshot (record without --snapshots=no)";
    case RunFigure::growth_per_iteration_bytes:
        return "it needs a phase with 3 or more ended iterations (record with "
               "--phase-fn=FUNCTION, or mark them with MEMATTR_PHASE_BEGIN/END)";
    case RunFigure::resident_estimate_bytes:
        return "it needs the memory map (a trace of format version 4)";
    default:
        return "every trace has it";
    }
}

std::string_view metric_name(SiteMetric metric) { return name_of(kMetricNames, metric); }

std::string_view finding_kind_name(FindingKind kind) { return name_of(kFindingKindNames, kind); }

RunFigures run_figures_from_report(const Json& report, std::string source) {
    if (!report.is_object() || report.value("schema", "") != kJsonSchemaName)
        throw std::invalid_argument(
            fmt::format("'{}' is not a memattr-graph JSON report (no \"schema\": \"{}\")", source,
                        kJsonSchemaName));
    if (report.value("schema_version", 0) != kJsonSchemaVersion)
        throw std::invalid_argument(fmt::format(
            "'{}' is a JSON report of schema version {}, this memattr-graph compares version "
            "{}; write it again with 'memattr-graph json --top 0'",
            source, report.value("schema_version", 0), kJsonSchemaVersion));
    if (const auto cut = report.find("truncated"); cut != report.end() && !cut->empty())
        throw std::invalid_argument(fmt::format(
            "'{}' is a JSON report cut to its top rows ({} lists cut), which cannot be compared "
            "site by site; write it with 'memattr-graph json --top 0'",
            source, cut->size()));
    try {
        RunFigures run;
        run.source = source;
        run.program = program_of(report);
        read_totals(report, run);
        SitesById by_id;
        std::map<std::string, SiteFigures> sites = read_sites(report, by_id);
        read_site_leaks_and_retained(report, by_id, sites);
        for (auto& [key, figures] : sites) run.sites.push_back(std::move(figures));
        std::sort(run.sites.begin(), run.sites.end(), [](const SiteFigures& a, const SiteFigures& b) {
            const auto peak = static_cast<std::size_t>(SiteMetric::peak);
            if (a.bytes[peak] != b.bytes[peak]) return a.bytes[peak] > b.bytes[peak];
            return a.key < b.key;
        });
        read_clones(report, by_id, run.findings);
        read_duplicates(report, by_id, run.findings);
        read_leaks(report, by_id, run.findings);
        read_growth(report, by_id, run);
        read_mappings(report, run.findings);
        run.findings = merge_findings(std::move(run.findings));
        return run;
    } catch (const Json::exception& error) {
        // A key of the wrong type or missing in a row: the file was not written by us, or
        // by a memattr-graph too old to key its sites.
        throw std::invalid_argument(fmt::format(
            "'{}' is not a JSON report this memattr-graph can compare ({}); write it again "
            "with 'memattr-graph json'",
            source, error.what()));
    }
}

RunFigures load_run_figures(const std::string& path, const AnalysisOptions& options) {
    TraceInput input(path);
    if (const std::optional<Json> report = read_json_report(input))
        return run_figures_from_report(*report, input.name());
    const Trace trace = parse_trace(input.stream(), input.name(), input.size());
    return run_figures_from_report(json_report(analyse(trace, options)), input.name());
}

}  // namespace memattr
