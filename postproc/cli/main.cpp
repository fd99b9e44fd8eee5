// memattr-graph: the command line. Everything but argument handling and error reporting
// lives in libmemattrgraph (trace_reader, site_folding, analysis, the reporters and the
// lineage graph).
//
// Exit status: 0 on success, 1 when the trace cannot be read or the report cannot be
// written, 2 for a usage error (CLI11's message).

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/analysis.h"
#include "report/lineage_reporter.h"
#include "cli/native_rss.h"
#include "report/ownership_reporter.h"
#include "report/reporter.h"
#include "analysis/site_folding.h"
#include "trace/trace_reader.h"
#include "support/units.h"

// The build defines it from configure's PACKAGE_VERSION (postproc/local.mk).
#ifndef MEMATTR_GRAPH_VERSION
#error "MEMATTR_GRAPH_VERSION must be defined by the build"
#endif

namespace {

constexpr int kUsageError = 2;
constexpr int kRunError = 1;

struct CommandOptions {
    std::string trace_path;
    std::string format = "text";  // a reporter_formats() name; "lineage" or "dot" for those
                                  // commands
    std::string output_path;      // empty: standard output
    memattr::AnalysisOptions analysis;
};

// --ignore-fn patterns are checked while parsing, so a typo is a usage error, reported
// before the trace is read.
const CLI::Validator regex_validator(
    [](std::string& pattern) -> std::string {
        try {
            memattr::compile_rule_pattern(pattern);
            return {};
        } catch (const std::regex_error& error) {
            return fmt::format("'{}' is not a valid regular expression: {}", pattern,
                               error.what());
        }
    },
    "REGEX", "");

// A count option: a whole number, at least `minimum`. (CLI11's NonNegativeNumber and
// PositiveNumber print their range up to DBL_MAX in the message.)
CLI::Validator count_at_least(std::size_t minimum) {
    return CLI::Validator(
        [minimum](std::string& value) -> std::string {
            std::size_t count = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
            if (value.empty() || error != std::errc{} || end != value.data() + value.size())
                return fmt::format("'{}' is not a whole number", value);
            if (count < minimum) return fmt::format("must be at least {}", minimum);
            return {};
        },
        "", "");
}

// --clone-threshold: the trace's `share` is in tenths, so only multiples of 10 % mean
// something.
const CLI::Validator clone_threshold_validator(
    [](std::string& value) -> std::string {
        unsigned percent = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), percent);
        if (value.empty() || error != std::errc{} || end != value.data() + value.size() ||
            !memattr::is_valid_clone_threshold(percent))
            return fmt::format("'{}' is not a multiple of 10 from 10 to 100", value);
        return {};
    },
    "PCT", "");

// Help texts are wrapped by hand: CLI11 indents the lines after a '\n' but does not wrap.
// The options every command has; each adds its own --top.
void add_common_options(CLI::App& command, CommandOptions& options) {
    const memattr::AnalysisOptions defaults;
    command.add_option("TRACE", options.trace_path,
                       "The trace written by 'valgrind --tool=memattr',\n"
                       "memattr.out.<pid>.")
        ->required()
        ->type_name("FILE");
    command.add_option("-o,--output", options.output_path,
                       "Write the report to FILE instead of standard output.")
        ->option_text("FILE");
    command.add_option("--clone-threshold", options.analysis.clone_threshold,
                       "A copy filling at least PCT % of its destination\n"
                       "is a clone (a multiple of 10 from 10 to 100).\n"
                       "Clones whose original was never used afterwards\n"
                       "are reported as copies that could be moves.")
        ->check(clone_threshold_validator)
        ->option_text(fmt::format("PCT (default {})", defaults.clone_threshold));
    command.add_option("--frames", options.analysis.folding.max_frames,
                       "Frames shown of each allocation stack, counted from\n"
                       "the site's own frame outward, once allocator and\n"
                       "library frames have been folded away.")
        ->check(count_at_least(1))
        ->option_text(fmt::format("N (default {})", defaults.folding.max_frames));
    command.add_option("--ignore-fn", options.analysis.folding.extra_wrapper_patterns,
                       "Also fold away frames whose demangled function\n"
                       "name matches REGEX, as allocator frames like\n"
                       "malloc are, so the site is found further out.\n"
                       "ECMAScript syntax, searched anywhere in the name\n"
                       "(anchor it with ^). Repeatable: one REGEX each.")
        ->check(regex_validator)
        ->allow_extra_args(false)
        ->option_text("REGEX");
}

// --native-rss: a size with an optional unit, checked while parsing like the other values.
const CLI::Validator size_validator(
    [](std::string& value) -> std::string {
        try {
            memattr::parse_size(value);
            return {};
        } catch (const std::invalid_argument& error) {
            return error.what();
        }
    },
    "SIZE", "");

// --memory-map: the report's and the graph's (whose arena links come from it).
void add_memory_map_option(CLI::App& command, CommandOptions& options) {
    command.add_option("--memory-map", options.analysis.memory_map,
                       "The memory map the memory map section (and the\n"
                       "arenas of the graph) describe: peak or exit. By\n"
                       "default the one at the footprint's peak.")
        ->check(CLI::IsMember({"peak", "exit"}))
        ->option_text("peak|exit");
}

// --snapshot: the report's and the graph's.
void add_snapshot_option(CLI::App& command, CommandOptions& options) {
    command.add_option("--snapshot", options.analysis.snapshot,
                       "The heap snapshot the ownership sections describe:\n"
                       "its id or its name (MEMATTR_SNAPSHOT's). By default\n"
                       "the peak snapshot, or the exit one without it.")
        ->option_text("NAME|ID");
}

void add_report_options(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    command
        .add_option_function<std::string>(
            "--native-rss",
            [&options](const std::string& value) {
                options.analysis.native_rss = memattr::parse_size(value);
            },
            "The peak resident set of a native run (not under\n"
            "Valgrind), to set beside memattr's estimate: bytes,\n"
            "or with K, M, G (KiB, MiB, GiB), e.g. 14532K, as\n"
            "'memattr-graph native-rss -- PROGRAM' prints it.")
        ->check(size_validator)
        ->option_text("SIZE");
    command.add_option("--top", options.analysis.top,
                       "Rows listed in each ranking of the text report;\n"
                       "0 lists them all. (The JSON report always has\n"
                       "every row.)")
        ->check(count_at_least(0))
        ->option_text(fmt::format("N (default {})", memattr::AnalysisOptions{}.top));
}

void add_lineage_options(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    options.analysis.top = memattr::kDefaultLineageEdges;
    command.add_option("--top", options.analysis.top,
                       "Edges drawn: those with the most bytes copied;\n"
                       "0 draws every edge.")
        ->check(count_at_least(0))
        ->option_text(fmt::format("N (default {})", memattr::kDefaultLineageEdges));
}

void add_dot_options(CLI::App& command, CommandOptions& options) {
    add_common_options(command, options);
    add_snapshot_option(command, options);
    add_memory_map_option(command, options);
    options.analysis.top = memattr::kDefaultGraphSites;
    options.analysis.site_graph = true;
    command.add_option("--top", options.analysis.top,
                       "Sites drawn: those retaining the most bytes; the\n"
                       "others are one node. 0 draws every site.")
        ->check(count_at_least(0))
        ->option_text(fmt::format("N (default {})", memattr::kDefaultGraphSites));
    command.add_option("--blocks", options.analysis.blocks_site,
                       "Draw blocks instead of sites: the dominator\n"
                       "subtrees under the blocks of SITE, a site id or a\n"
                       "part of its folded frame's name that only one site\n"
                       "has.")
        ->option_text("SITE");
    command.add_option("--max-nodes", options.analysis.max_nodes,
                       "With --blocks: the most blocks drawn; a note says\n"
                       "how many more there are.")
        ->check(count_at_least(1))
        ->option_text(fmt::format("N (default {})", memattr::kDefaultMaxBlockNodes));
}

constexpr const char* kDescription =
    "memattr-graph reads a trace written by the memattr Valgrind tool and reports who\n"
    "is responsible for the heap at its peak: allocation sites ranked by bytes live at\n"
    "the peak, by bytes allocated over the run, by temporary allocations and by bytes\n"
    "still live at exit, with per-thread figures and a timeline of the live heap; and\n"
    "how much need not be there: copies that could be moves, relocation churn and\n"
    "memory never read, with a graph of copy lineage between allocation sites. From\n"
    "the heap snapshot at the peak it says who keeps the memory alive: the bytes each\n"
    "site and each owner retains (dominator tree), with the pointer path from a root,\n"
    "duplicate contents and unreachable blocks, and draws the ownership graph. From the\n"
    "memory map it says why resident memory is bigger than the heap: mappings by the\n"
    "code that made them, pages written and used, and the estimate part by part.";

constexpr const char* kFooter =
    "Examples:\n"
    "  valgrind --tool=memattr ./app args\n"
    "  memattr-graph report memattr.out.1234\n"
    "  memattr-graph report memattr.out.1234 --top 20 --ignore-fn '^my_pool_alloc'\n"
    "  memattr-graph json memattr.out.1234 -o report.json\n"
    "  memattr-graph lineage memattr.out.1234 -o lineage.dot && dot -Tsvg lineage.dot -o "
    "lineage.svg\n"
    "  memattr-graph dot memattr.out.1234 -o owners.dot && dot -Tsvg owners.dot -o owners.svg\n"
    "  memattr-graph dot memattr.out.1234 --blocks 'Cache::insert' -o blocks.dot\n"
    "  memattr-graph native-rss -- ./app args\n"
    "  memattr-graph report memattr.out.1234 --native-rss=14532K\n"
    "\n"
    "Exit status: 0 on success, 1 when the trace cannot be read or the report written,\n"
    "2 for a usage error. See docs/memattr-graph.md for what each section means.";

std::unique_ptr<memattr::Reporter> reporter_for(const std::string& format) {
    if (format == "lineage") return std::make_unique<memattr::LineageReporter>();
    if (format == "dot") return std::make_unique<memattr::OwnershipReporter>();
    return memattr::make_reporter(format);
}

void write_report(const CommandOptions& options) {
    const auto reporter = reporter_for(options.format);
    const memattr::Trace trace = memattr::read_trace(options.trace_path);
    const memattr::ReportModel model = memattr::analyse(trace, options.analysis);

    // Rendered in memory first, so a failure never leaves half a report in the output file.
    std::ostringstream report;
    reporter->write(model, report);

    if (options.output_path.empty()) {
        std::cout << report.view() << std::flush;
        if (!std::cout)
            throw std::runtime_error(fmt::format("cannot write the report to standard output: {}",
                                                 std::strerror(errno)));
        return;
    }
    std::ofstream output(options.output_path, std::ios::binary | std::ios::trunc);
    if (!output)
        throw std::runtime_error(
            fmt::format("cannot open '{}' for writing: {}", options.output_path,
                        std::strerror(errno)));
    output << report.view() << std::flush;
    if (!output)
        throw std::runtime_error(fmt::format("cannot write '{}': {}", options.output_path,
                                             std::strerror(errno)));
}

// Prints what CLI11 has to say (help, version or a usage error); returns the exit status.
int finish_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    // For `memattr-graph repotr x` CLI11 says "A subcommand is required"; naming the word it
    // did not understand is more helpful.
    const bool unknown_command =
        dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && !app.remaining().empty();
    const int status =
        unknown_command
            ? app.exit(CLI::ParseError(fmt::format("unknown command '{}': the commands are "
                                                   "'report', 'json', 'lineage', 'dot' and "
                                                   "'native-rss'",
                                                   app.remaining().front()),
                                       kUsageError))
            : app.exit(error);
    return status == 0 ? 0 : kUsageError;
}

// native-rss: runs the program and prints its peak resident set, on standard error (like
// time(1), so that the program's own output stays as it was). The program's exit status is
// reported, not passed on: memattr-graph succeeds when it measured.
int measure_native_rss(const std::vector<std::string>& command) {
    try {
        for (const std::string& line : memattr::describe_native_run(memattr::run_native(command)))
            fmt::print(stderr, "memattr-graph: {}\n", line);
        return 0;
    } catch (const std::exception& error) {
        fmt::print(stderr, "memattr-graph: error: {}\n", error.what());
        return kRunError;
    }
}

// The program native-rss runs: every word after "native-rss" (after "--", if that comes
// first), taken as it is, so that the program's own options and a "--" among its arguments
// are never read as memattr-graph's. Empty when the words are not that command or ask for
// its help, which CLI11 then handles.
std::vector<std::string> native_rss_words(int argc, char** argv) {
    if (argc < 3 || std::string_view(argv[1]) != "native-rss") return {};
    const std::string_view first = argv[2];
    if (first == "-h" || first == "--help") return {};
    return {argv + (first == "--" ? 3 : 2), argv + argc};
}

CLI::App* add_native_rss_command(CLI::App& app, std::vector<std::string>& command) {
    CLI::App* native = app.add_subcommand(
        "native-rss", "Run PROGRAM natively (not under Valgrind) and print\n"
                      "its peak resident set (VmHWM), to compare with the\n"
                      "report's estimate: 'report --native-rss=...'.");
    native->add_option("PROGRAM", command,
                       "The program and its arguments: every word after\n"
                       "'native-rss' (and after '--', which is optional)\n"
                       "is the program's, its options included.")
        ->required()
        ->type_name("");
    native->footer("Example:\n  memattr-graph native-rss -- ./app --input data.txt\n"
                   "Prints, on standard error, e.g.:\n"
                   "  memattr-graph: peak RSS (VmHWM) of a native run: 14,532 KiB  (use: "
                   "memattr-graph report TRACE --native-rss=14532K)\n"
                   "  memattr-graph: the program exited with status 0\n"
                   "Exit status: 0 when the program ran (whatever its own status), 1 when it "
                   "could not be run.");
    return native;
}

}  // namespace

int main(int argc, char** argv) {
    if (const std::vector<std::string> command = native_rss_words(argc, argv); !command.empty())
        return measure_native_rss(command);
    CommandOptions options;
    CommandOptions lineage_options;  // apart: its --top has another default
    CommandOptions dot_options;      // likewise
    CLI::App app(kDescription, "memattr-graph");
    app.set_version_flag("--version", "memattr-graph " MEMATTR_GRAPH_VERSION,
                         "Print the version and exit.");
    app.set_help_flag("-h,--help", "Print this help, or a command's help after its name.");
    app.footer(kFooter);
    app.require_subcommand(1);
    app.failure_message([](const CLI::App*, const CLI::Error& error) {
        return fmt::format("memattr-graph: error: {}\nRun 'memattr-graph --help' for usage.\n",
                           error.what());
    });

    CLI::App* report = app.add_subcommand(
        "report", "Write the report for TRACE: text for reading (the\n"
                  "default), or JSON.");
    add_report_options(*report, options);
    const std::vector<std::string> formats = memattr::reporter_formats();
    report->add_option("--format", options.format,
                       fmt::format("Output format: {}.", fmt::join(formats, " or ")))
        ->check(CLI::IsMember(formats))
        ->option_text(fmt::format("FORMAT (default {})", options.format));

    CLI::App* json = app.add_subcommand(
        "json", "Write the JSON report for TRACE, the same as\n"
                "'report --format json' (schema: docs/json-schema.md).");
    add_report_options(*json, options);

    CLI::App* lineage = app.add_subcommand(
        "lineage", "Write the copy lineage of TRACE as a Graphviz DOT\n"
                   "graph: allocation sites, and the copies between\n"
                   "them (render it with 'dot -Tsvg').");
    add_lineage_options(*lineage, lineage_options);

    CLI::App* dot = app.add_subcommand(
        "dot", "Write the ownership graph of TRACE's peak snapshot\n"
               "as a Graphviz DOT graph: who keeps which sites'\n"
               "blocks alive (render it with 'dot -Tsvg').");
    add_dot_options(*dot, dot_options);

    std::vector<std::string> native_command;
    CLI::App* native = add_native_rss_command(app, native_command);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return finish_parse_error(app, error);
    }
    if (native->parsed()) return measure_native_rss(native_command);
    if (json->parsed()) options.format = "json";
    if (lineage->parsed()) {
        options = lineage_options;
        options.format = "lineage";
    }
    if (dot->parsed()) {
        options = dot_options;
        options.format = "dot";
    }

    try {
        write_report(options);
        return 0;
    } catch (const std::exception& error) {
        fmt::print(stderr, "memattr-graph: error: {}\n", error.what());
        return kRunError;
    }
}
