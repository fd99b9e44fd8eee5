// Copies and access: clones that could be moves, relocation churn, and blocks never read.
// In JSON: "copies" (with the lineage edges the `lineage` graph draws); the never-read
// figures are in the site table.
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/stable_key.h"
#include "report/savings.h"
#include "report/layout.h"
#include "support/units.h"
#include "trace/trace_escape.h"
#include "trace/trace_schema.h"

namespace memattr {

namespace {

// What a copy was found to be, as the lineage edges' "class".
constexpr EnumName<CopyClass> kCopyClassNames[] = {
    {CopyClass::relocation, "relocation"},
    {CopyClass::movable_clone, "movable_clone"},
    {CopyClass::clone, "clone"},
    {CopyClass::partial, "partial"},
};

// One line instead of the copy and access sections, saying why they are missing.
void write_access_off(const ReportModel& model, std::ostream& out) {
    write_title(out, "Copies and access");
    if (model.header.version < 2)
        out << "Copy and access analysis is off: the trace is version 1, written by a memattr "
               "that did not track accesses.\n";
    else
        out << "Copy and access analysis is off: the trace was recorded with "
               "--track-access=no.\n";
}

std::string describe_byte_time(const ReportModel& model, std::uint64_t byte_time) {
    return human_byte_time(byte_time, escape_value(model.header.run.time_unit));
}

std::vector<std::string> describe_movable_clone(const ReportModel& model,
                                                const MovableCloneRow& row) {
    const CopyFigures& figures = row.figures;
    std::vector<std::string> destinations;
    for (const std::size_t site : row.destination_sites)
        destinations.push_back(describe_site(model, site));
    return {fmt::format("{}, {} at the peak, {} copied", count_of(figures.pairs, "clone"),
                        bytes_with_exact(figures.peak_source_bytes),
                        bytes_with_exact(figures.bytes)),
            fmt::format("originals kept beside their clones: {} (bytes x time)",
                        describe_byte_time(model, figures.overlap)),
            fmt::format("copied at {}", describe_frame(row.location)),
            fmt::format("originals from {}", describe_site(model, row.source_site)),
            fmt::format("clones in {}", fmt::join(destinations, "; "))};
}

// The clones and partial copies the section does not flag, e.g. "40 clones whose originals
// were used afterwards, 1 partial copy"; empty when there are none.
std::vector<std::string> describe_not_flagged(const ReportModel& model) {
    const CopyTotals& totals = model.copies.totals;
    std::vector<std::string> parts;
    if (totals.clones.pairs != 0)
        parts.push_back(fmt::format("{} used afterwards, {} copied",
                                    count_of(totals.clones.pairs, "clone whose original was",
                                             "clones whose originals were"),
                                    bytes_with_exact(totals.clones.bytes)));
    if (totals.partial.pairs != 0)
        parts.push_back(fmt::format("{} (under {}% of the destination), {} copied",
                                    count_of(totals.partial.pairs, "partial copy",
                                             "partial copies"),
                                    model.options.clone_threshold,
                                    bytes_with_exact(totals.partial.bytes)));
    return parts;
}

void write_movable_clones(const ReportModel& model, std::ostream& out) {
    write_title(out, "Copies that could be moves");
    const std::vector<MovableCloneRow>& rows = model.copies.movable_clones;
    const std::vector<std::string> not_flagged = describe_not_flagged(model);
    if (rows.empty()) {
        if (not_flagged.empty())
            out << "None found: no heap block was cloned.\n";
        else
            out << fmt::format("None found; not flagged: {}.\n", fmt::join(not_flagged, "; "));
        return;
    }
    out << fmt::format("Clones (copies of {}%+ of a block) whose original was never used "
                       "afterwards, yet stayed allocated.\n",
                       model.options.clone_threshold);
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "rows");
    for (std::size_t rank = 0; rank < shown; ++rank)
        write_entry(out, rank, describe_movable_clone(model, rows[rank]));
    const CopyFigures& total = model.copies.totals.movable_clones;
    write_row(out, "In all", fmt::format("{}, {} at the peak", count_of(total.pairs, "clone"),
                                         bytes_with_exact(total.peak_source_bytes)));
    write_row(out, "", fmt::format("{} copied, {} (bytes x time)", bytes_with_exact(total.bytes),
                                   describe_byte_time(model, total.overlap)));
    for (std::size_t i = 0; i < not_flagged.size(); ++i)
        write_row(out, i == 0 ? "Not flagged" : "", not_flagged[i]);
}

void write_relocations(const ReportModel& model, std::ostream& out) {
    write_title(out, "Relocation churn");
    const std::vector<RelocationRow>& rows = model.copies.relocations;
    if (rows.empty()) {
        out << "None found: no heap block was copied and then freed at once.\n";
        return;
    }
    out << "Blocks copied into a new block and freed at once (vector growth, realloc): copying "
           "time, not memory.\n";
    const std::size_t shown = shown_rows(model, rows.size());
    write_top_note(out, shown, rows.size(), "rows");
    for (std::size_t rank = 0; rank < shown; ++rank) {
        const RelocationRow& row = rows[rank];
        write_entry(out, rank,
                    {fmt::format("{} by {}, {} copied", count_of(row.figures.pairs, "relocation"),
                                 schema::word_of(schema::kCopyKinds, row.kind),
                                 bytes_with_exact(row.figures.bytes)),
                     fmt::format("at {}", describe_frame(row.location))});
    }
    const CopyFigures& total = model.copies.totals.relocations;
    write_row(out, "In all", fmt::format("{}, {} copied", count_of(total.pairs, "relocation"),
                                         bytes_with_exact(total.bytes)));
}

void write_never_read(const ReportModel& model, std::ostream& out) {
    write_ranking(model, out, "Never read", model.rankings.never_read,
                  "None found: every heap block was read.",
                  [&](const SiteRow& row) -> std::vector<std::string> {
                      const Site& site = row.figures;
                      return {fmt::format("{} in {} never read, {} of the bytes allocated here",
                                          bytes_with_exact(site.never_read_bytes),
                                          blocks(site.never_read_blocks),
                                          format_percent(row.never_read_percent)),
                              fmt::format("written but never read: {} in {}; never accessed: "
                                          "{} in {}",
                                          bytes_with_exact(row.written_unread_bytes),
                                          blocks(row.written_unread_blocks),
                                          bytes_with_exact(site.never_accessed_bytes),
                                          blocks(site.never_accessed_blocks))};
                  },
                  "Blocks never read from allocation to free or exit: written for nothing, or "
                  "not touched at all.");
}

void write_copies_and_access(const ReportModel& model, std::ostream& out) {
    if (!model.header.run.access) {
        write_access_off(model, out);
        return;
    }
    write_movable_clones(model, out);
    write_relocations(model, out);
    write_never_read(model, out);
}

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

// `stack`'s keys appended to a copy row: its frames, the position among them of the row's
// location, and the callers --frames left out.
Json with_stack(Json object, const CopyStack& stack) {
    object["stack"] = stack_json(stack.frames);
    object["location_in_stack"] = stack.location_position;
    object["omitted_frames"] = stack.omitted_frames;
    return object;
}

Json movable_clone_json(const ReportModel& model, const MovableCloneRow& row) {
    Json destinations = Json::array();
    for (const std::size_t site : row.destination_sites)
        destinations.push_back(site_id(model, site));
    Json object = with_stack({{"key", movable_clone_key(model, row)},
                              {"location", location_json(row.location)}},
                             row.stack);
    object["source_site"] = site_id(model, row.source_site);
    object["destination_sites"] = std::move(destinations);
    return with_figures(std::move(object), row.figures);
}

Json relocation_json(const RelocationRow& row) {
    Json object = with_stack({{"location", location_json(row.location)}}, row.stack);
    object["kind"] = schema::word_of(schema::kCopyKinds, row.kind);
    return with_figures(std::move(object), row.figures);
}

Json lineage_edge_json(const ReportModel& model, const LineageEdge& edge) {
    Json locations = Json::array();
    for (const Frame& location : edge.locations) locations.push_back(location_json(location));
    return with_figures({{"from", site_id(model, edge.from)},
                         {"to", site_id(model, edge.to)},
                         {"class", name_of(kCopyClassNames, edge.kind)},
                         {"locations", std::move(locations)}},
                        edge.figures);
}

void write_copies_json(const ReportModel& model, std::size_t /*rows*/, Json& report) {
    const CopyAnalysis& copies = model.copies;
    Json movable = Json::array();
    for (const MovableCloneRow& row : copies.movable_clones)
        movable.push_back(movable_clone_json(model, row));
    Json relocations = Json::array();
    for (const RelocationRow& row : copies.relocations) relocations.push_back(relocation_json(row));
    Json lineage = Json::array();
    for (const LineageEdge& edge : copies.lineage)
        lineage.push_back(lineage_edge_json(model, edge));
    report["copies"] = {
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

}  // namespace

ReportSection copies_section() { return {"copies", write_copies_and_access, write_copies_json}; }

}  // namespace memattr
