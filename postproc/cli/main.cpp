// memattr-graph: the command line. It only parses, dispatches and reports errors; the
// commands are in cli/command_*.cpp, listed in cli/command_registry.cpp, and everything else
// is in libmemattrgraph.
//
// Exit status: 0 on success, 1 when the trace cannot be read or the report cannot be
// written (or native-rss's program cannot be run, or the history database cannot be used, or
// trend selects no run), 2 for a usage error (CLI11's message), 3 when `check` finds a budget
// broken.

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"

// The build defines it from configure's PACKAGE_VERSION (postproc/local.mk).
#ifndef MEMATTR_GRAPH_VERSION
#error "MEMATTR_GRAPH_VERSION must be defined by the build"
#endif

namespace {

constexpr int kUsageError = 2;
constexpr int kRunError = 1;

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
    "code that made them, pages written and used, and the estimate part by part. For a\n"
    "nightly job it compares two runs by keys that survive a rebuild (diff), holds a\n"
    "run to memory budgets (check) and keeps the runs in a history database (record,\n"
    "trend). For other tools' viewers it writes folded stacks (flame graphs), callgrind\n"
    "and Massif files, and pprof profiles.";

constexpr const char* kFooter =
    "Examples:\n"
    "  valgrind --tool=memattr ./app args\n"
    "  memattr-graph report memattr.out.1234\n"
    "  memattr-graph report memattr.out.1234 --top 20 --ignore-fn '^my_pool_alloc'\n"
    "  memattr-graph json memattr.out.1234 -o report.json\n"
    "  memattr-graph html memattr.out.1234 -o report.html --baseline last-night.json\n"
    "  memattr-graph lineage memattr.out.1234 -o lineage.dot && dot -Tsvg lineage.dot -o "
    "lineage.svg\n"
    "  memattr-graph dot memattr.out.1234 -o owners.dot && dot -Tsvg owners.dot -o owners.svg\n"
    "  memattr-graph dot memattr.out.1234 --blocks 'Cache::insert' -o blocks.dot\n"
    "  memattr-graph folded memattr.out.1234 | flamegraph.pl --countname=bytes > peak.svg\n"
    "  memattr-graph callgrind memattr.out.1234 -o callgrind.out.memattr\n"
    "  memattr-graph massif memattr.out.1234 -o massif.out.memattr && ms_print "
    "massif.out.memattr\n"
    "  memattr-graph pprof memattr.out.1234 -o heap.pb.gz && go tool pprof -top heap.pb.gz\n"
    "  memattr-graph native-rss -- ./app args\n"
    "  memattr-graph report memattr.out.1234 --native-rss=14532K\n"
    "  memattr-graph diff last-night.json memattr.out.1234 --min-delta 4K\n"
    "  memattr-graph check memattr.out.1234 --max-peak 64M --baseline last-night.json "
    "--no-new-leaks\n"
    "  memattr-graph record memattr.out.1234 --db history.db --label workload=parser "
    "--label rev=3f2a1c\n"
    "  memattr-graph trend --db history.db --workload parser --last 7\n"
    "\n"
    "Exit status: 0 on success, 1 when the trace cannot be read, the report written or\n"
    "the history database used, 2 for a usage error, 3 when 'check' finds a budget\n"
    "broken. See docs/memattr-graph.md for what each section means.";

// Runs `command`; reports its failure. Returns the exit status.
int run(const memattr::Command& command, const memattr::CommandOptions& options) {
    try {
        return command.run(options, command.needs);
    } catch (const std::exception& error) {
        fmt::print(stderr, "memattr-graph: error: {}\n", error.what());
        return kRunError;
    }
}

// The command that takes every word after its name as it is (Command::takes_raw_words), when
// the words name it, with its operand in `options`: its words after "--", if that comes
// first, so that the program's own options and a "--" among its arguments are never read as
// memattr-graph's. Nullptr when the words are not such a command or ask for its help, which
// CLI11 then handles.
const memattr::Command* raw_words_command(int argc, char** argv,
                                          memattr::CommandOptions& options) {
    if (argc < 3) return nullptr;
    const memattr::Command* command = memattr::find_command(argv[1]);
    if (command == nullptr || !command->takes_raw_words) return nullptr;
    const std::string_view first = argv[2];
    if (first == "-h" || first == "--help") return nullptr;
    options.program = {argv + (first == "--" ? 3 : 2), argv + argc};
    return command;
}

// Prints what CLI11 has to say (help, version or a usage error); returns the exit status.
int finish_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    // For `memattr-graph repotr x` CLI11 says "A subcommand is required"; naming the word it
    // did not understand is more helpful.
    const bool unknown_command =
        dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && !app.remaining().empty();
    const int status =
        unknown_command
            ? app.exit(CLI::ParseError(fmt::format("unknown command '{}': the commands are {}",
                                                   app.remaining().front(),
                                                   memattr::describe_command_names()),
                                       kUsageError))
            : app.exit(error);
    return status == 0 ? 0 : kUsageError;
}

void describe_program(CLI::App& app) {
    app.set_version_flag("--version", "memattr-graph " MEMATTR_GRAPH_VERSION,
                         "Print the version and exit.");
    app.set_help_flag("-h,--help", "Print this help, or a command's help after its name.");
    app.footer(kFooter);
    app.require_subcommand(1);
    app.failure_message([](const CLI::App*, const CLI::Error& error) {
        return fmt::format("memattr-graph: error: {}\nRun 'memattr-graph --help' for usage.\n",
                           error.what());
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (memattr::CommandOptions raw_options;
        const memattr::Command* command = raw_words_command(argc, argv, raw_options))
        return run(*command, raw_options);

    const std::vector<const memattr::Command*>& commands = memattr::registered_commands();
    // One set of options per command: each sets its own defaults (--top's differ).
    std::vector<memattr::CommandOptions> options(commands.size());
    CLI::App app(kDescription, "memattr-graph");
    describe_program(app);
    std::vector<CLI::App*> parsers;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        parsers.push_back(
            app.add_subcommand(std::string(commands[i]->name), std::string(commands[i]->summary)));
        commands[i]->declare(*parsers.back(), options[i]);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return finish_parse_error(app, error);
    }
    for (std::size_t i = 0; i < commands.size(); ++i)
        if (parsers[i]->parsed()) return run(*commands[i], options[i]);
    return kUsageError;  // unreachable: require_subcommand(1) makes parse() throw
}
