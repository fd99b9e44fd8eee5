// What need not be there: the findings of every analysis in one ranking, most bytes saved
// first (report/savings.h), right after the summary so that the report leads with them. In
// JSON: "findings".
#include <ostream>

#include <fmt/format.h>

#include "report/savings.h"
#include "report/layout.h"
#include "support/units.h"

namespace memattr {

namespace {

// What the ranking cannot include, because the trace lacks what it rests on.
std::vector<std::string> savings_not_looked_for(const ReportModel& model) {
    std::vector<std::string> missing;
    if (!model.header.run.access) missing.push_back("never read (run with --track-access=yes)");
    if (model.ownership.missing)
        missing.push_back("duplicates and unreachable blocks (no heap snapshot)");
    if (model.leaks.missing) missing.push_back("leaks (no exit snapshot)");
    return missing;
}

std::string saving(const Saving& finding) {
    return fmt::format("{}{} at {}", finding.estimate ? "about " : "",
                       bytes_with_exact(finding.bytes),
                       finding.moment == SavingMoment::peak ? "the peak" : "exit");
}

void write_savings_text(const ReportModel& model, std::ostream& out) {
    write_title(out, "What need not be there");
    const std::vector<Saving> findings = rank_savings(model);
    if (findings.empty()) {
        out << "Nothing found: no copy that could be a move, no duplicate contents, no block "
               "never read, unreachable or leaked, no growth per iteration, no unused arena "
               "pages.\n";
    } else {
        out << "What each fix would save, most bytes first (the sections below give the "
               "details):\n";
        const std::size_t shown = shown_rows(model, findings.size());
        write_top_note(out, shown, findings.size(), "findings");
        for (std::size_t rank = 0; rank < shown; ++rank) {
            const Saving& finding = findings[rank];
            std::vector<std::string> lines{
                fmt::format("{}: {}", saving(finding), saving_kind_name(finding.kind))};
            if (finding.location) lines.push_back("at " + describe_frame(*finding.location));
            lines.push_back(finding.evidence);
            write_entry(out, rank, lines);
        }
    }
    for (const std::string& missing : savings_not_looked_for(model))
        out << "Not looked for: " << missing << ".\n";
}

void write_savings_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    Json rows = Json::array();
    for (const Saving& finding : rank_savings(model)) {
        Json sites = Json::array();
        for (const std::size_t site : finding.sites) sites.push_back(site_id(model, site));
        rows.push_back({
            {"kind", saving_kind_word(finding.kind)},
            {"key", finding.key},
            {"bytes", finding.bytes},
            {"moment", finding.moment == SavingMoment::peak ? "peak" : "exit"},
            {"estimate", finding.estimate},
            {"location", finding.location ? location_json(*finding.location) : Json(nullptr)},
            {"sites", std::move(sites)},
            {"evidence", finding.evidence},
        });
    }
    report["findings"] = std::move(rows);
}

}  // namespace

ReportSection savings_section() {
    return {"findings", write_savings_text, write_savings_json};
}

}  // namespace memattr
