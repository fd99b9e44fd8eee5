// Parsing a command line the way memattr-graph does, one command at a time, for the tests of
// the commands' options (test_command_registry.cpp, test_trend.cpp).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "cli/command.h"

namespace memattr::test {

// Parses `words` (after the command's name) with `name`'s options alone; throws
// CLI::ParseError as main() would see it.
inline CommandOptions parse_command(std::string_view name, std::vector<std::string> words) {
    const Command* command = find_command(name);
    EXPECT_NE(command, nullptr);
    CommandOptions options;
    CLI::App app;
    command->declare(app, options);
    std::reverse(words.begin(), words.end());  // CLI11 takes them last first
    app.parse(words);
    return options;
}

}  // namespace memattr::test
