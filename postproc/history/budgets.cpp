#include "history/budgets.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "history/diff.h"
#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

constexpr std::size_t kMaxCulprits = 5;

constexpr const char* kNoNewLeaks = "no leak the baseline does not have";

// How a budget reads its value and checks a run; one row per budget, in budget_names() order.
struct BudgetRule {
    const char* name;
    void (*set)(Budgets& budgets, const std::string& value);
    bool (*is_set)(const Budgets& budgets);
};

double parse_percent(const std::string& value) {
    std::string digits = value;
    if (!digits.empty() && digits.back() == '%') digits.pop_back();
    std::size_t end = 0;
    double percent = -1;
    try {
        percent = std::stod(digits, &end);
    } catch (const std::exception&) {
        end = 0;
    }
    if (digits.empty() || end != digits.size() || !std::isfinite(percent) || percent < 0)
        throw std::invalid_argument(
            fmt::format("'{}' is not a percentage (a number from 0 up, e.g. 5 or 2.5%)", value));
    return percent;
}

bool parse_yes_no(const std::string& value) {
    if (value == "yes" || value == "true" || value == "1") return true;
    if (value == "no" || value == "false" || value == "0") return false;
    throw std::invalid_argument(fmt::format("'{}' is not yes or no", value));
}

const BudgetRule kRules[] = {
    {"max-peak", [](Budgets& b, const std::string& v) { b.max_peak = parse_size(v); },
     [](const Budgets& b) { return b.max_peak.has_value(); }},
    {"max-peak-growth",
     [](Budgets& b, const std::string& v) { b.max_peak_growth_percent = parse_percent(v); },
     [](const Budgets& b) { return b.max_peak_growth_percent.has_value(); }},
    {"max-leaked", [](Budgets& b, const std::string& v) { b.max_leaked = parse_size(v); },
     [](const Budgets& b) { return b.max_leaked.has_value(); }},
    {"no-new-leaks", [](Budgets& b, const std::string& v) { b.no_new_leaks = parse_yes_no(v); },
     [](const Budgets& b) { return b.no_new_leaks; }},
    {"max-growth-per-iteration",
     [](Budgets& b, const std::string& v) { b.max_growth_per_iteration = parse_size(v); },
     [](const Budgets& b) { return b.max_growth_per_iteration.has_value(); }},
    {"max-clone-bytes", [](Budgets& b, const std::string& v) { b.max_clone_bytes = parse_size(v); },
     [](const Budgets& b) { return b.max_clone_bytes.has_value(); }},
    {"max-duplicate-bytes",
     [](Budgets& b, const std::string& v) { b.max_duplicate_bytes = parse_size(v); },
     [](const Budgets& b) { return b.max_duplicate_bytes.has_value(); }},
};

const BudgetRule& rule_named(const std::string& name) {
    for (const BudgetRule& rule : kRules)
        if (name == rule.name) return rule;
    throw std::invalid_argument(fmt::format("there is no budget '{}'; the budgets are {}", name,
                                            fmt::join(budget_names(), ", ")));
}

std::string trim(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// ---------------------------------------------------------------- verdicts

// The run's figure, or an error saying what the recording needs for it.
std::uint64_t required(const RunFigures& run, RunFigure figure, const char* budget) {
    if (const std::optional<std::uint64_t> value = run.total(figure)) return *value;
    throw std::runtime_error(fmt::format("budget {} needs {}, which {} does not have: {}", budget,
                                         figure_name(figure), run.source,
                                         figure_requirement(figure)));
}

// The findings of `kind` in `run` whose key `baseline` does not have (all when it is null),
// most bytes first.
std::vector<const Finding*> findings_of(const RunFigures& run, FindingKind kind,
                                        const RunFigures* not_in = nullptr) {
    std::set<std::string_view> old_keys;
    if (not_in != nullptr)
        for (const Finding& old : not_in->findings)
            if (old.kind == kind) old_keys.insert(old.key);
    std::vector<const Finding*> found;
    for (const Finding& finding : run.findings)
        if (finding.kind == kind && !old_keys.contains(finding.key)) found.push_back(&finding);
    return found;  // run.findings come by kind, then bytes descending
}

std::vector<std::string> finding_lines(const std::vector<const Finding*>& findings,
                                       std::size_t most = kMaxCulprits) {
    std::vector<std::string> lines;
    for (const Finding* finding : findings) {
        if (lines.size() == most) break;
        lines.push_back(fmt::format("{}: {}", finding->label, bytes_with_exact(finding->bytes)));
    }
    return lines;
}

// The sites that explain a peak: those that grew most against the baseline, or without one
// the largest at the peak.
std::vector<std::string> peak_culprits(const RunFigures& run, const RunFigures* baseline) {
    std::vector<std::string> lines;
    if (baseline != nullptr) {
        for (const RowChange& row : diff_runs(*baseline, run, SiteMetric::peak, 1).sites) {
            if (lines.size() == kMaxCulprits) break;
            if (row.delta() > 0)
                lines.push_back(fmt::format("{}: {} ({})", row.label, signed_bytes(row.delta()),
                                            change_kind_name(row.change)));
        }
        return lines;
    }
    for (const SiteFigures& site : run.sites) {
        if (lines.size() == kMaxCulprits) break;
        const std::uint64_t peak = site.bytes[static_cast<std::size_t>(SiteMetric::peak)];
        if (peak > 0) lines.push_back(fmt::format("{}: {} at the peak", site.label, human_bytes(peak)));
    }
    return lines;
}

BudgetVerdict verdict_of(std::string name, std::string limit, std::string figure, bool held) {
    BudgetVerdict verdict;
    verdict.name = std::move(name);
    verdict.limit = std::move(limit);
    verdict.figure = std::move(figure);
    verdict.held = held;
    return verdict;
}

BudgetVerdict limit_verdict(const char* name, std::uint64_t figure, std::uint64_t limit,
                            std::vector<std::string> culprits) {
    BudgetVerdict verdict = verdict_of(name, bytes_with_exact(limit), bytes_with_exact(figure), figure <= limit);
    if (!verdict.held) verdict.culprits = std::move(culprits);
    return verdict;
}

const RunFigures& require_baseline(const RunFigures* baseline, const char* budget) {
    if (baseline == nullptr)
        throw std::runtime_error(fmt::format(
            "budget {} compares with a baseline: give one with --baseline or --baseline-db",
            budget));
    return *baseline;
}

BudgetVerdict peak_growth_verdict(double limit, const RunFigures& run, const RunFigures* baseline) {
    const RunFigures& base = require_baseline(baseline, "max-peak-growth");
    const std::uint64_t now = required(run, RunFigure::peak_bytes, "max-peak-growth");
    const std::uint64_t before = required(base, RunFigure::peak_bytes, "max-peak-growth");
    const double growth = before == 0 ? (now == 0 ? 0.0 : INFINITY)
                                      : 100.0 * (static_cast<double>(now) - static_cast<double>(before)) /
                                            static_cast<double>(before);
    BudgetVerdict verdict = verdict_of("max-peak-growth", fmt::format("+{:.1f}%", limit),
                          fmt::format("{:+.1f}% ({} -> {})", growth, human_bytes(before), human_bytes(now)),
                          growth <= limit);
    if (!verdict.held) verdict.culprits = peak_culprits(run, baseline);
    return verdict;
}

BudgetVerdict new_leaks_verdict(const RunFigures& run, const RunFigures* baseline) {
    const RunFigures& base = require_baseline(baseline, "no-new-leaks");
    required(run, RunFigure::leaked_bytes, "no-new-leaks");
    required(base, RunFigure::leaked_bytes, "no-new-leaks");
    const std::vector<const Finding*> fresh = findings_of(run, FindingKind::leak, &base);
    BudgetVerdict verdict = verdict_of("no-new-leaks", kNoNewLeaks,
                                       count_of(fresh.size(), "new leak", "new leaks"),
                                       fresh.empty());
    verdict.culprits = finding_lines(fresh, fresh.size());
    return verdict;
}

BudgetVerdict growth_verdict(std::uint64_t limit, const RunFigures& run) {
    const std::uint64_t steepest =
        required(run, RunFigure::growth_per_iteration_bytes, "max-growth-per-iteration");
    std::vector<const Finding*> faster;
    for (const Finding* finding : findings_of(run, FindingKind::growth))
        if (finding->bytes > limit) faster.push_back(finding);
    BudgetVerdict verdict = limit_verdict("max-growth-per-iteration", steepest, limit,
                                          finding_lines(faster));
    verdict.limit += " per iteration";
    verdict.figure += " per iteration";
    return verdict;
}

}  // namespace

bool Budgets::any() const {
    return std::any_of(std::begin(kRules), std::end(kRules),
                       [this](const BudgetRule& rule) { return rule.is_set(*this); });
}

bool Budgets::needs_baseline() const { return max_peak_growth_percent.has_value() || no_new_leaks; }

const std::vector<std::string>& budget_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all;
        for (const BudgetRule& rule : kRules) all.emplace_back(rule.name);
        return all;
    }();
    return names;
}

void set_budget(Budgets& budgets, const std::string& name, const std::string& value) {
    rule_named(name).set(budgets, value);
}

void read_budget_file(const std::string& path, Budgets& budgets) {
    std::ifstream file(path);
    if (!file)
        throw std::runtime_error(
            fmt::format("cannot open budget file '{}': {}", path, std::strerror(errno)));
    // The command line's budgets win over the file's.
    std::vector<const BudgetRule*> from_command_line;
    for (const BudgetRule& rule : kRules)
        if (rule.is_set(budgets)) from_command_line.push_back(&rule);
    std::string line;
    for (std::size_t number = 1; std::getline(file, line); ++number) {
        line = trim(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        const std::size_t name_end = line.find_first_of("= \t");
        const std::string name = line.substr(0, name_end);
        std::string value = name_end == std::string::npos ? "" : trim(line.substr(name_end));
        if (!value.empty() && value.front() == '=') value = trim(value.substr(1));
        try {
            if (value.empty())
                throw std::invalid_argument("it has no value");
            const BudgetRule& rule = rule_named(name);
            if (std::find(from_command_line.begin(), from_command_line.end(), &rule) ==
                from_command_line.end())
                set_budget(budgets, name, value);
        } catch (const std::invalid_argument& error) {
            throw std::runtime_error(
                fmt::format("{}:{}: budget '{}': {}", path, number, name, error.what()));
        }
    }
    if (file.bad())
        throw std::runtime_error(fmt::format("cannot read budget file '{}'", path));
}

std::vector<BudgetVerdict> check_budgets(const Budgets& budgets, const RunFigures& run,
                                         const RunFigures* baseline,
                                         std::string_view no_baseline_reason) {
    std::vector<BudgetVerdict> verdicts;
    const bool skip_comparisons = baseline == nullptr && !no_baseline_reason.empty();
    auto skipped = [&](const char* name, std::string limit) {
        BudgetVerdict verdict =
            verdict_of(name, std::move(limit), fmt::format("no baseline: {}", no_baseline_reason), true);
        verdict.skipped = true;
        return verdict;
    };
    if (budgets.max_peak)
        verdicts.push_back(limit_verdict("max-peak", required(run, RunFigure::peak_bytes, "max-peak"),
                                         *budgets.max_peak, peak_culprits(run, baseline)));
    if (budgets.max_peak_growth_percent)
        verdicts.push_back(
            skip_comparisons
                ? skipped("max-peak-growth", fmt::format("+{:.1f}%", *budgets.max_peak_growth_percent))
                : peak_growth_verdict(*budgets.max_peak_growth_percent, run, baseline));
    if (budgets.max_leaked)
        verdicts.push_back(limit_verdict(
            "max-leaked", required(run, RunFigure::leaked_bytes, "max-leaked"), *budgets.max_leaked,
            finding_lines(findings_of(run, FindingKind::leak))));
    if (budgets.no_new_leaks)
        verdicts.push_back(skip_comparisons ? skipped("no-new-leaks", kNoNewLeaks)
                                            : new_leaks_verdict(run, baseline));
    if (budgets.max_growth_per_iteration)
        verdicts.push_back(growth_verdict(*budgets.max_growth_per_iteration, run));
    if (budgets.max_clone_bytes)
        verdicts.push_back(limit_verdict(
            "max-clone-bytes", required(run, RunFigure::clone_bytes, "max-clone-bytes"),
            *budgets.max_clone_bytes, finding_lines(findings_of(run, FindingKind::clone))));
    if (budgets.max_duplicate_bytes)
        verdicts.push_back(limit_verdict(
            "max-duplicate-bytes",
            required(run, RunFigure::duplicate_bytes, "max-duplicate-bytes"),
            *budgets.max_duplicate_bytes, finding_lines(findings_of(run, FindingKind::duplicate))));
    return verdicts;
}

}  // namespace memattr
