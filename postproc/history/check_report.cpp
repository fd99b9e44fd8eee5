#include "history/check_report.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "history/markdown.h"
#include "support/units.h"

namespace memattr {

namespace {

std::size_t broken_count(const std::vector<BudgetVerdict>& verdicts) {
    return static_cast<std::size_t>(std::count_if(
        verdicts.begin(), verdicts.end(), [](const BudgetVerdict& verdict) { return !verdict.held; }));
}

std::size_t skipped_count(const std::vector<BudgetVerdict>& verdicts) {
    return static_cast<std::size_t>(std::count_if(
        verdicts.begin(), verdicts.end(), [](const BudgetVerdict& verdict) { return verdict.skipped; }));
}

std::string against(const CheckSubject& subject) {
    if (!subject.baseline.empty()) return fmt::format(" against {}", subject.baseline);
    if (!subject.baseline_missing.empty())
        return fmt::format(" (no baseline: {})", subject.baseline_missing);
    return "";
}

std::string_view verdict_word(const BudgetVerdict& verdict) {
    return verdict.skipped ? "skipped" : verdict.held ? "ok" : "BROKEN";
}

// One line: the verdict, the figure against the limit, and for a broken budget what broke it.
std::string verdict_line(const BudgetVerdict& verdict) {
    std::string line = fmt::format("{:<7} {}: {} (limit {})", verdict_word(verdict),
                                   verdict.name, verdict.figure, verdict.limit);
    if (!verdict.culprits.empty())
        line += fmt::format("; broken by {}", fmt::join(verdict.culprits, "; "));
    return line;
}

// XML 1.0 text: the five markup characters escaped, control characters other than tab and
// newline (not allowed in XML 1.0, and possible in a symbol name) dropped.
std::string xml_text(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        switch (c) {
        case '&': escaped += "&amp;"; break;
        case '<': escaped += "&lt;"; break;
        case '>': escaped += "&gt;"; break;
        case '"': escaped += "&quot;"; break;
        case '\'': escaped += "&apos;"; break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') escaped += c;
        }
    }
    return escaped;
}

}  // namespace

void write_check_text(const CheckSubject& subject, const std::vector<BudgetVerdict>& verdicts,
                      std::ostream& out) {
    const std::size_t broken = broken_count(verdicts);
    out << fmt::format("memattr-graph check: {}{}\n", subject.run, against(subject));
    for (const BudgetVerdict& verdict : verdicts) out << "  " << verdict_line(verdict) << '\n';
    const std::size_t skipped = skipped_count(verdicts);
    out << fmt::format("{}: {} held, {} broken{}\n", count_of(verdicts.size(), "budget"),
                       verdicts.size() - broken - skipped, broken,
                       skipped == 0 ? "" : fmt::format(", {} skipped", skipped));
}

void write_check_junit(const CheckSubject& subject, const std::vector<BudgetVerdict>& verdicts,
                       std::ostream& out) {
    const std::size_t broken = broken_count(verdicts);
    const std::string suite = xml_text(subject.run);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const std::size_t skipped = skipped_count(verdicts);
    out << fmt::format("<testsuites name=\"memattr budgets\" tests=\"{}\" failures=\"{}\" "
                       "errors=\"0\" skipped=\"{}\" time=\"0\">\n",
                       verdicts.size(), broken, skipped);
    out << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                       "skipped=\"{}\" time=\"0\">\n",
                       suite, verdicts.size(), broken, skipped);
    for (const BudgetVerdict& verdict : verdicts) {
        out << fmt::format("    <testcase classname=\"memattr.budgets\" name=\"{}\" time=\"0\"",
                           xml_text(verdict.name));
        if (verdict.skipped) {
            out << fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                               xml_text(verdict.figure));
            continue;
        }
        if (verdict.held) {
            out << "/>\n";
            continue;
        }
        out << fmt::format(">\n      <failure message=\"{} is {} (limit {})\" type=\"BudgetBroken\">",
                           xml_text(verdict.name), xml_text(verdict.figure), xml_text(verdict.limit));
        out << xml_text(fmt::format("{}{}\n{}", subject.run, against(subject),
                                    fmt::join(verdict.culprits, "\n")));
        out << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
}

void write_check_markdown(const CheckSubject& subject,
                          const std::vector<BudgetVerdict>& verdicts, std::ostream& out) {
    const std::size_t broken = broken_count(verdicts);
    out << fmt::format("## memattr budgets: {}\n\n",
                       broken == 0 ? "all held" : fmt::format("{} broken", broken));
    out << fmt::format("Run {}{}.\n\n", markdown_code_cell(subject.run),
                       subject.baseline.empty()
                           ? ""
                           : fmt::format(" against {}", markdown_code_cell(subject.baseline)));
    out << "| budget | result | figure | limit |\n|---|---|---:|---:|\n";
    for (const BudgetVerdict& verdict : verdicts)
        out << fmt::format("| {} | {} | {} | {} |\n", verdict.name,
                           verdict.skipped ? "skipped" : verdict.held ? "held" : "**broken**",
                           markdown_cell(verdict.figure), markdown_cell(verdict.limit));
    for (const BudgetVerdict& verdict : verdicts) {
        if (verdict.culprits.empty()) continue;
        out << fmt::format("\n**{}** broken by:\n\n", verdict.name);
        for (const std::string& culprit : verdict.culprits)
            out << "- " << markdown_code_cell(culprit) << '\n';
    }
}

}  // namespace memattr
