#include "report/ownership_reporter.h"

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

const OwnershipReport& ownership_of(const ReportModel& model) { return model.ownership; }


std::string graph_node_name(const ReportModel& model, const GraphNode& node) {
    switch (node.kind) {
    case GraphNode::Kind::site: return site_node_name(model.sites[node.index]);
    case GraphNode::Kind::other_sites: return "other_sites";
    case GraphNode::Kind::root: return fmt::format("root{}", node.index);
    case GraphNode::Kind::several: return "several_roots";
    }
    return "several_roots";
}


void write_root_nodes(const ReportModel& model, const std::vector<bool>& used, std::ostream& out) {
    const std::vector<RootOwner>& roots = ownership_of(model).roots;
    for (std::size_t root = 0; root < roots.size(); ++root)
        if (used[root])
            out << fmt::format("  root{} [shape=\"house\", style=\"filled\", fillcolor=\"#fff3c4\", "
                               "label={}];\n",
                               root, dot_string({shortened(describe_root(roots[root]), 80)}));
}

constexpr std::string_view kSeveralRootsNode =
    "  several_roots [shape=\"house\", style=\"filled,dashed\", fillcolor=\"#fff3c4\", "
    "label=\"several roots together\\n(reached along separate paths)\"];\n";

// ---------------------------------------------------------------- the graph by site

std::vector<std::string> graph_label(const ReportModel& model, std::vector<std::string> lines) {
    const OwnershipReport& ownership = ownership_of(model);
    std::vector<std::string> label = {
        fmt::format("Ownership of {}", describe_command(model.header.command)),
        escape_value(model.source)};
    if (ownership.missing) {
        label.push_back("No heap snapshot: nothing to draw (memattr-graph report says why).");
        return label;
    }
    label.push_back(fmt::format("{}: {} in {}", describe_snapshot(ownership.snapshot),
                                human_bytes(ownership.snapshot.bytes),
                                count_of(ownership.snapshot.blocks, "block")));
    label.insert(label.end(), lines.begin(), lines.end());
    return label;
}

void write_site_nodes(const ReportModel& model, const SiteGraph& graph, std::ostream& out) {
    const OwnershipReport& ownership = ownership_of(model);
    for (const std::size_t index : graph.sites) {
        const OwnedSite& owned = ownership.sites[index];
        const SiteRow& site = model.sites[owned.site];
        std::vector<std::string> label = site_heading(site);
        label.push_back(fmt::format("site {}: itself {} in {}", site.figures.id,
                                    human_bytes(owned.self_bytes), count_of(owned.blocks, "block")));
        label.push_back(fmt::format("retains {}", human_bytes(owned.retained_bytes)));
        write_site_node(out, site, label);
    }
    if (graph.other_sites != 0)
        out << fmt::format("  other_sites [style=\"rounded,dashed\", label={}];\n",
                           dot_string({count_of(graph.other_sites, "other site"),
                                       fmt::format("itself {} in {}", human_bytes(graph.other_bytes),
                                                   count_of(graph.other_blocks, "block"))}));
}

// ---------------------------------------------------------------- arenas (memory map)

// The memory map's links from the drawn sites (custom and pool ones) to their arenas.
std::vector<const ArenaLink*> drawn_arena_links(const ReportModel& model, const SiteGraph& graph) {
    std::vector<const ArenaLink*> links;
    for (const std::size_t index : graph.sites)
        for (const ArenaLink& link : model.memory_map.arena_links)
            if (link.site == ownership_of(model).sites[index].site) links.push_back(&link);
    return links;
}

void write_arena_node(const ReportModel& model, std::size_t index, std::ostream& out) {
    const MappingGroup& group = model.memory_map.groups[index];
    std::vector<std::string> tooltip = {group.name};
    for (std::size_t i = 0; i < group.stack.size(); ++i)
        tooltip.push_back(fmt::format("{} {}", i == 0 ? "at" : "by", describe_frame(group.stack[i])));
    out << fmt::format(
        "  arena{} [shape=\"cylinder\", style=\"filled\", fillcolor=\"#e3f1e3\", label={}, "
        "tooltip={}];\n",
        index,
        dot_string({shortened(group.name, kMaxLabelNameBytes),
                    fmt::format("mapped {}, written {}", human_bytes(group.mapped),
                                human_bytes(group.written)),
                    fmt::format("used {} in {}", human_bytes(group.used),
                                count_of(group.used_blocks, "block"))}),
        dot_string(tooltip));
}

// A custom or pool site's blocks lie in an arena (a region the program mapped itself): a
// dashed "inside" edge from the site to the arena, which is drawn once.
void write_arena_links(const ReportModel& model, const SiteGraph& graph, std::ostream& out) {
    std::vector<bool> drawn(model.memory_map.groups.size(), false);
    for (const ArenaLink* link : drawn_arena_links(model, graph)) {
        if (!drawn[link->group]) write_arena_node(model, link->group, out);
        drawn[link->group] = true;
        out << fmt::format("  {} -> arena{} [style=\"dashed\", color=\"#3a7d3a\", label={}];\n",
                           site_node_name(model.sites[link->site]), link->group,
                           dot_string({"inside", fmt::format("{} in {}", human_bytes(link->bytes),
                                                             count_of(link->blocks, "block"))}));
    }
}

void write_site_graph(const ReportModel& model, std::ostream& out) {
    const SiteGraph& graph = *ownership_of(model).site_graph;
    std::vector<bool> used_roots(ownership_of(model).roots.size(), false);
    bool several = false;
    for (const GraphEdge& edge : graph.edges) {
        if (edge.from.kind == GraphNode::Kind::root) used_roots[edge.from.index] = true;
        several = several || edge.from.kind == GraphNode::Kind::several;
    }
    write_site_nodes(model, graph, out);
    write_root_nodes(model, used_roots, out);
    if (several) out << kSeveralRootsNode;
    for (const GraphEdge& edge : graph.edges)
        out << fmt::format("  {} -> {} [label={}];\n", graph_node_name(model, edge.from),
                           graph_node_name(model, edge.to),
                           dot_string({human_bytes(edge.retained_bytes),
                                       count_of(edge.blocks, "block")}));
    write_arena_links(model, graph, out);
}

std::vector<std::string> site_graph_lines(const ReportModel& model) {
    const SiteGraph& graph = *ownership_of(model).site_graph;
    std::vector<std::string> lines = {
        "boxes: sites (their own bytes, and the bytes they retain); houses: roots",
        "edge: owner -> owned site, with the bytes the owned blocks retain"};
    if (graph.other_sites != 0)
        lines.push_back(fmt::format("{} of {} sites drawn, the rest in one node: --top 0 draws "
                                    "all",
                                    graph.sites.size(), graph.sites.size() + graph.other_sites));
    if (!drawn_arena_links(model, graph).empty())
        lines.push_back(fmt::format("cylinders: arenas of the memory map at the {}; dashed "
                                    "'inside': custom or pool site -> the arena its blocks lie in",
                                    model.memory_map.map.name));
    return lines;
}

// ---------------------------------------------------------------- the graph by block

void write_block_tree(const ReportModel& model, std::ostream& out) {
    const BlockTree& tree = *ownership_of(model).block_tree;
    std::vector<bool> used_roots(ownership_of(model).roots.size(), false);
    bool several = false;
    for (std::size_t n = 0; n < tree.nodes.size(); ++n) {
        const BlockNode& node = tree.nodes[n];
        const SiteRow& site = model.sites[node.site];
        std::vector<std::string> label = {
            fmt::format("{:#x}: {}", node.address, human_bytes(node.size)),
            fmt::format("retains {}", human_bytes(node.retained))};
        if (node.site != tree.site)
            label.push_back(fmt::format("site {}: {}", site.figures.id,
                                        shortened(escape_value(site.location->function),
                                                  kMaxLabelNameBytes)));
        if (node.hidden_children != 0)
            label.push_back(fmt::format("+{} not drawn ({})",
                                        count_of(node.hidden_children, "child", "children"),
                                        human_bytes(node.hidden_bytes)));
        out << fmt::format("  b{} [label={}, tooltip={}{}];\n", n, dot_string(label),
                           dot_string(site_stack_lines(site)),
                           node.site == tree.site ? ", style=\"rounded,filled\", fillcolor=\"#dbe9ff\"" : "");
    }
    // Owners of the top blocks: one node per distinct owner.
    std::vector<std::string> owner_nodes;
    for (std::size_t top = 0; top < tree.top_owners.size(); ++top) {
        const Owner& owner = tree.top_owners[top];
        std::string name;
        if (owner.kind == Owner::Kind::root) {
            used_roots[owner.root] = true;
            name = fmt::format("root{}", owner.root);
        } else if (owner.kind == Owner::Kind::several) {
            several = true;
            name = "several_roots";
        } else {
            name = fmt::format("owner_site{}", model.sites[owner.site].figures.id);
            if (std::find(owner_nodes.begin(), owner_nodes.end(), name) == owner_nodes.end()) {
                owner_nodes.push_back(name);
                out << fmt::format("  {} [style=\"rounded,dashed\", label={}, tooltip={}];\n", name,
                                   dot_string(site_heading(model.sites[owner.site])),
                                   dot_string(site_stack_lines(model.sites[owner.site])));
            }
        }
        out << fmt::format("  {} -> b{} [style=\"dashed\"];\n", name, top);
    }
    write_root_nodes(model, used_roots, out);
    if (several) out << kSeveralRootsNode;
    for (std::size_t n = 0; n < tree.nodes.size(); ++n)
        if (tree.nodes[n].dominator)
            out << fmt::format("  b{} -> b{} [color=\"gray40\"];\n", *tree.nodes[n].dominator, n);
    if (tree.left_out != 0)
        out << fmt::format("  left_out [shape=\"note\", label={}];\n",
                           dot_string({fmt::format("{} of these subtrees not drawn",
                                                   count_of(tree.left_out, "more block")),
                                       "--max-nodes draws more"}));
}

std::vector<std::string> block_tree_lines(const ReportModel& model) {
    const BlockTree& tree = *ownership_of(model).block_tree;
    const SiteRow& site = model.sites[tree.site];
    return {fmt::format("blocks of site {} ({}) and the blocks they dominate (retain)",
                        site.figures.id, describe_frame(site.location)),
            fmt::format("{} of the site's are not dominated by another of its blocks; edge: "
                        "dominator -> dominated",
                        count_of(tree.top_blocks, "block"))};
}

}  // namespace

void OwnershipReporter::write(const ReportModel& model, std::ostream& out) const {
    const OwnershipReport& ownership = ownership_of(model);
    std::vector<std::string> lines;
    if (!ownership.missing)
        lines = ownership.block_tree ? block_tree_lines(model) : site_graph_lines(model);
    write_graph_start(out, "memattr_ownership", graph_label(model, lines), ", rankdir=\"LR\"");
    if (!ownership.missing) {
        if (ownership.block_tree)
            write_block_tree(model, out);
        else if (ownership.site_graph)
            write_site_graph(model, out);
    }
    out << "}\n";
}

}  // namespace memattr
