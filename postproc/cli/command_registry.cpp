// Every command of memattr-graph, each in a file of its own (cli/command_<name>.cpp), and
// their order in 'memattr-graph --help'.
//
// The command files are compiled here, as one unit, not one by one: each parses CLI11 (a
// header-only library) and instantiates its templates, and nine units doing so took 45 s of
// CPU on a clean build against 9 s as one. So the names in their anonymous namespaces must
// differ from file to file (declare_<name>, run_<name>). To add a command: its file, its
// #include and its line below, the file in postproc/local.mk's EXTRA_DIST.
#include "cli/command.h"

#include <fmt/format.h>

#include "cli/command_callgrind.cpp"   // callgrind_command
#include "cli/command_check.cpp"       // check_command
#include "cli/command_diff.cpp"        // diff_command
#include "cli/command_dot.cpp"         // dot_command
#include "cli/command_folded.cpp"      // folded_command
#include "cli/command_html.cpp"        // html_command
#include "cli/command_lineage.cpp"     // lineage_command
#include "cli/command_massif.cpp"      // massif_command
#include "cli/command_native_rss.cpp"  // native_rss_command
#include "cli/command_pprof.cpp"       // pprof_command
#include "cli/command_record.cpp"      // record_command
#include "cli/command_report.cpp"      // report_command, json_command
#include "cli/command_trend.cpp"       // trend_command

namespace memattr {

const std::vector<const Command*>& registered_commands() {
    static const std::vector<const Command*> commands = {
        &report_command,  &json_command,      &html_command,   &lineage_command,
        &dot_command,     &folded_command,    &callgrind_command, &massif_command,
        &pprof_command,   &diff_command,      &check_command,  &record_command,
        &trend_command,   &native_rss_command,
    };
    return commands;
}

const Command* find_command(std::string_view name) {
    for (const Command* command : registered_commands())
        if (command->name == name) return command;
    return nullptr;
}

std::string describe_command_names() {
    const std::vector<const Command*>& commands = registered_commands();
    std::string names;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        if (i > 0) names += i + 1 == commands.size() ? " and " : ", ";
        names += fmt::format("'{}'", commands[i]->name);
    }
    return names;
}

}  // namespace memattr
