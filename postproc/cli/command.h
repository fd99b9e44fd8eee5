// The commands of memattr-graph and their registry. A command is one file
// (cli/command_<name>.cpp) defining a Command, and one line in command_registry.cpp; main.cpp
// knows commands only through the registry: it adds each to the command line, parses, and
// runs the one named.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"
#include "cli/options.h"

namespace CLI {
class App;
}  // namespace CLI

namespace memattr {

// The exit status of a command whose verdict went against the run (`check`: a budget is
// broken), as opposed to 1 (it could not run) and 2 (a usage error).
inline constexpr int kVerdictFailed = 3;

// One command: what the user types, what it takes and what it does. Plain constants (every
// command is a constant of its own file), so the registry can list them without running
// any code.
struct Command {
    std::string_view name;     // the word after 'memattr-graph'
    std::string_view summary;  // its line in 'memattr-graph --help', at the top of its own
                               // help too; wrapped by hand like the options' help texts
    AnalysisNeeds needs;       // the parts of the ReportModel it reads (none: it reads no
                               // trace)
    bool takes_raw_words = false;  // every word after its name is the command's operand, taken
                                   // as it is, its options included (native-rss's PROGRAM):
                                   // main.cpp hands them over before CLI11 parses anything
    void (*declare)(CLI::App& command, CommandOptions& options) = nullptr;  // adds its options
                               // and footer to `command`, and sets its defaults in `options`
    int (*run)(const CommandOptions& options, const AnalysisNeeds& needs) = nullptr;  // does
                               // it and returns the exit status (0, or kVerdictFailed for a
                               // verdict that failed: `check`'s broken budget); throws
                               // std::exception (its what() for the user) on failure
};

// Every command, in the order 'memattr-graph --help' lists them.
const std::vector<const Command*>& registered_commands();

// The command named `name`; nullptr when there is none.
const Command* find_command(std::string_view name);

// The commands' names quoted, for a message: "'report', 'json', ... and 'native-rss'".
std::string describe_command_names();

}  // namespace memattr
