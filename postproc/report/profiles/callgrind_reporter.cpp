#include "report/profiles/callgrind_reporter.h"

#include <algorithm>
#include <array>
#include <compare>
#include <iterator>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/profiles/profile_stacks.h"
#include "support/units.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

// One event per additive site figure: inclusive costs are sums over callees, so a maximum
// (Site::max_bytes) or a lifetime would make no sense as one.
struct Event {
    std::string_view name;         // `events:`'s short name
    std::string_view description;  // its `event:` line's long name
    std::uint64_t Site::*figure;
};

constexpr Event kEvents[] = {
    {"PeakBytes", "Bytes live at the global peak", &Site::peak_bytes},
    {"PeakBlocks", "Blocks live at the global peak", &Site::peak_blocks},
    {"TotalBytes", "Bytes allocated over the run", &Site::total_bytes},
    {"TotalBlocks", "Blocks allocated over the run", &Site::total_blocks},
    {"ExitBytes", "Bytes still live at exit", &Site::exit_bytes},
    {"ExitBlocks", "Blocks still live at exit", &Site::exit_blocks},
    {"TemporaryBytes", "Bytes of temporary blocks", &Site::temporary_bytes},
    {"TemporaryBlocks", "Temporary blocks", &Site::temporary_blocks},
};

// A cost line's figures, one per event of kEvents.
using Costs = std::array<std::uint64_t, std::size(kEvents)>;

Costs costs_of(const Site& site) {
    Costs costs{};
    for (std::size_t event = 0; event < costs.size(); ++event)
        costs[event] = site.*kEvents[event].figure;
    return costs;
}

void add_costs(Costs& sum, const Costs& costs) {
    for (std::size_t event = 0; event < sum.size(); ++event)
        sum[event] = saturating_add(sum[event], costs[event]);
}

// Where a call is and what it calls: lines are the call's (the caller frame's line) and the
// callee frame's, callgrind's "call position" and "target position".
struct CallKey {
    std::size_t callee = 0;  // index into CallGraph::functions
    std::uint64_t line = 0;
    std::uint64_t callee_line = 0;

    friend auto operator<=>(const CallKey&, const CallKey&) = default;
};

// A call summed over the sites whose stacks pass through it.
struct Call {
    std::uint64_t count = 0;  // calls=: the blocks allocated through it
    Costs inclusive{};        // what the callee and its callees allocated through it
};

// One function of the file: callgrind tells functions apart by source file and name.
struct Function {
    std::string file;                     // fl=: source_path, or "???" without one
    std::string name;                     // fn=: profile_frame_name
    std::map<std::uint64_t, Costs> self;  // by line: the figures of the sites whose site
                                          // frame is on it
    std::map<CallKey, Call> calls;
};

// The functions of every site's folded stack, their self costs and their calls, in order of
// first appearance (the sites come by peak bytes, so the biggest come first).
class CallGraph {
public:
    explicit CallGraph(const ReportModel& model) {
        for (const SiteRow& site : model.sites) add_site(site);
    }

    const std::vector<Function>& functions() const { return functions_; }
    const Costs& total() const { return total_; }  // the sum of every self cost

private:
    std::size_t function_of(std::string file, std::string name) {
        const auto [found, inserted] = index_.emplace(std::pair(file, name), functions_.size());
        if (inserted) functions_.push_back({std::move(file), std::move(name), {}, {}});
        return found->second;
    }

    std::size_t function_of(const Frame& frame) {
        return function_of(frame.file.empty() ? "???" : escape_value(source_path(frame)),
                           profile_frame_name(frame));
    }

    void add_site(const SiteRow& site) {
        const Costs costs = costs_of(site.figures);
        if (costs == Costs{}) return;
        add_costs(total_, costs);
        if (site.stack.empty()) {
            add_costs(functions_[function_of("???", "[no stack]")].self[0], costs);
            return;
        }
        std::vector<std::size_t> functions;  // of site.stack's frames, innermost first
        for (const Frame& frame : site.stack) functions.push_back(function_of(frame));
        add_costs(functions_[functions.front()].self[site.stack.front().line], costs);
        for (std::size_t caller = 1; caller < functions.size(); ++caller)
            add_call(site, functions, caller, costs);
    }

    // The call from stack position `caller` to the frame inside it. A function that recurses
    // is on the stack more than once; only its innermost place calls, so that its inclusive
    // cost (self plus calls) counts the site once.
    void add_call(const SiteRow& site, const std::vector<std::size_t>& functions,
                  std::size_t caller, const Costs& costs) {
        const auto inner = functions.begin() + static_cast<std::ptrdiff_t>(caller);
        if (std::find(functions.begin(), inner, functions[caller]) != inner) return;
        Call& call = functions_[functions[caller]].calls[{
            functions[caller - 1], site.stack[caller].line, site.stack[caller - 1].line}];
        call.count = saturating_add(call.count, site.figures.total_blocks);
        add_costs(call.inclusive, costs);
    }

    std::vector<Function> functions_;
    std::map<std::pair<std::string, std::string>, std::size_t> index_;  // (file, name) ->
                                                                          // functions_ index
    Costs total_{};
};

// Callgrind's name compression: a name's first use defines its id, "(3) main"; later uses
// are the id alone, "(3)". Files (fl=, cfl=) and functions (fn=, cfn=) each have their own.
class CompressedNames {
public:
    std::string operator()(const std::string& name) {
        const auto [found, inserted] = ids_.emplace(name, ids_.size() + 1);
        return inserted ? fmt::format("({}) {}", found->second, name)
                        : fmt::format("({})", found->second);
    }

private:
    std::map<std::string, std::size_t> ids_;
};

void write_header(const ReportModel& model, const Costs& total, std::ostream& out) {
    out << "# callgrind format\nversion: 1\n";
    out << fmt::format("creator: memattr-graph, from a trace of {} {}\n",
                       escape_value(model.header.tool.name),
                       escape_value(model.header.tool.version));
    out << fmt::format("pid: {}\ncmd: {}\npart: 1\n", model.header.process.pid,
                       describe_command(model.header.command));
    out << fmt::format("desc: Trace: {}\n\npositions: line\n", escape_value(model.source));
    std::string names;
    for (const Event& event : kEvents) {
        out << fmt::format("event: {} : {}\n", event.name, event.description);
        names += fmt::format(" {}", event.name);
    }
    out << fmt::format("events:{}\nsummary: {}\n", names, fmt::join(total, " "));
}

void write_costs(std::uint64_t line, const Costs& costs, std::ostream& out) {
    out << fmt::format("{} {}\n", line, fmt::join(costs, " "));
}

void write_function(const std::vector<Function>& functions, const Function& function,
                    CompressedNames& files, CompressedNames& names, std::ostream& out) {
    out << fmt::format("\nfl={}\nfn={}\n", files(function.file), names(function.name));
    for (const auto& [line, costs] : function.self) write_costs(line, costs, out);
    for (const auto& [key, call] : function.calls) {
        const Function& callee = functions[key.callee];
        out << fmt::format("cfl={}\ncfn={}\ncalls={} {}\n", files(callee.file), names(callee.name),
                           call.count, key.callee_line);
        write_costs(key.line, call.inclusive, out);
    }
}

}  // namespace

void CallgrindReporter::write(const ReportModel& model, std::ostream& out) const {
    const CallGraph graph(model);
    write_header(model, graph.total(), out);
    CompressedNames files;
    CompressedNames names;
    for (const Function& function : graph.functions())
        write_function(graph.functions(), function, files, names, out);
}

}  // namespace memattr
