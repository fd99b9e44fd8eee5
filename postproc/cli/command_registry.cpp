#include "cli/command.h"

#include <fmt/format.h>

namespace memattr {

// Each is defined in its own file, cli/command_<name>.cpp.
extern const Command report_command, json_command, lineage_command, dot_command, diff_command,
    check_command, record_command, trend_command, native_rss_command;

const std::vector<const Command*>& registered_commands() {
    static const std::vector<const Command*> commands = {
        &report_command, &json_command,   &lineage_command, &dot_command,        &diff_command,
        &check_command,  &record_command, &trend_command,   &native_rss_command,
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
