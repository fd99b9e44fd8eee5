#include "report/lineage_reporter.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report/dot.h"
#include "trace/trace_escape.h"
#include "support/units.h"

namespace memattr {

namespace {

// ---------------------------------------------------------------- the graph's label

// Why there is no edge, when there is none.
std::string no_edges_reason(const ReportModel& model) {
    if (model.header.version < 2)
        return "No copy lineage: the trace is version 1, written by a memattr that did not track "
               "accesses.";
    if (!model.header.run.access)
        return "No copy lineage: the trace was recorded with --track-access=no.";
    return "No copies between heap blocks.";
}

std::vector<std::string> graph_label(const ReportModel& model, std::size_t drawn) {
    const std::vector<LineageEdge>& edges = model.copies.lineage;
    std::vector<std::string> lines = {
        fmt::format("Copy lineage of {}", describe_command(model.header.command)),
        fmt::format("{}, clone threshold {}%", escape_value(model.source),
                    model.options.clone_threshold)};
    if (edges.empty()) {
        lines.push_back(no_edges_reason(model));
        return lines;
    }
    lines.push_back("red: clones that could be moves; dashed grey: relocations; plain: other "
                    "copies");
    if (drawn < edges.size()) {
        CopyFigures left_out;
        for (std::size_t i = drawn; i < edges.size(); ++i) left_out.add(edges[i].figures);
        lines.push_back(fmt::format("{} of {} edges drawn; {} more ({} copied in {}) left out: "
                                    "--top 0 draws all",
                                    drawn, edges.size(), edges.size() - drawn,
                                    human_bytes(left_out.bytes),
                                    count_of(left_out.pairs, "copy", "copies")));
    }
    return lines;
}

// ---------------------------------------------------------------- nodes

std::vector<std::string> node_label(const SiteRow& site) {
    std::vector<std::string> label = site_heading(site);
    label.push_back(fmt::format("site {}, {} allocated", site.figures.id,
                                human_bytes(site.figures.total_bytes)));
    return label;
}

void write_nodes(const ReportModel& model, std::size_t drawn, std::ostream& out) {
    std::vector<std::size_t> sites;
    for (std::size_t i = 0; i < drawn; ++i) {
        sites.push_back(model.copies.lineage[i].from);
        sites.push_back(model.copies.lineage[i].to);
    }
    std::sort(sites.begin(), sites.end(), [&](std::size_t a, std::size_t b) {
        return model.sites[a].figures.id < model.sites[b].figures.id;
    });
    sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
    for (const std::size_t site : sites)
        write_site_node(out, model.sites[site], node_label(model.sites[site]));
}

// ---------------------------------------------------------------- edges

std::vector<std::string> edge_label(const LineageEdge& edge) {
    const CopyFigures& figures = edge.figures;
    std::string count;
    switch (edge.kind) {
    case CopyClass::relocation: count = count_of(figures.pairs, "relocation"); break;
    case CopyClass::partial:
        count = count_of(figures.pairs, "partial copy", "partial copies");
        break;
    case CopyClass::movable_clone:
    case CopyClass::clone: count = count_of(figures.pairs, "clone"); break;
    }
    std::vector<std::string> lines = {
        fmt::format("{} copied in {}", human_bytes(figures.bytes), count),
        edge.locations.size() == 1 ? fmt::format("at {}", describe_location(edge.locations[0]))
                                   : fmt::format("at {} places", edge.locations.size())};
    if (edge.kind == CopyClass::movable_clone)
        lines.push_back(fmt::format("could be a move: {} at the peak",
                                    human_bytes(figures.peak_source_bytes)));
    if (edge.kind == CopyClass::clone) lines.push_back("original used afterwards");
    return lines;
}

std::string_view edge_style(CopyClass kind) {
    switch (kind) {
    case CopyClass::movable_clone:
        return ", color=\"red\", fontcolor=\"red\", style=\"bold\", penwidth=3";
    case CopyClass::relocation:
        return ", color=\"gray50\", fontcolor=\"gray40\", style=\"dashed\"";
    case CopyClass::clone:
    case CopyClass::partial: return "";
    }
    return "";
}

void write_edges(const ReportModel& model, std::size_t drawn, std::ostream& out) {
    for (std::size_t i = 0; i < drawn; ++i) {
        const LineageEdge& edge = model.copies.lineage[i];
        out << fmt::format("  {} -> {} [label={}{}];\n", site_node_name(model.sites[edge.from]),
                           site_node_name(model.sites[edge.to]), dot_string(edge_label(edge)),
                           edge_style(edge.kind));
    }
}

}  // namespace

void LineageReporter::write(const ReportModel& model, std::ostream& out) const {
    const std::size_t edges = model.copies.lineage.size();
    const std::size_t drawn = model.options.top == 0 ? edges : std::min(edges, model.options.top);
    write_graph_start(out, "memattr_lineage", graph_label(model, drawn), "");
    write_nodes(model, drawn, out);
    write_edges(model, drawn, out);
    out << "}\n";
}

}  // namespace memattr
