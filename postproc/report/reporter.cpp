#include "report/reporter.h"

#include <functional>
#include <stdexcept>

#include <fmt/format.h>

#include "report/json_reporter.h"
#include "report/text_reporter.h"
#include "trace/trace_escape.h"

namespace memattr {

namespace {

struct RegisteredFormat {
    std::string_view name;
    std::function<std::unique_ptr<Reporter>()> create;
};

const std::vector<RegisteredFormat>& registered_formats() {
    static const std::vector<RegisteredFormat> formats = {
        {"text", [] { return std::make_unique<TextReporter>(); }},
        {"json", [] { return std::make_unique<JsonReporter>(); }},
    };
    return formats;
}

}  // namespace

std::string describe_command(const CommandLine& command) {
    if (command.args.empty()) return escape_value(command.exe);
    return escape_value(command.exe + " " + command.args);
}

std::vector<std::string> reporter_formats() {
    std::vector<std::string> names;
    for (const RegisteredFormat& format : registered_formats()) names.emplace_back(format.name);
    return names;
}

std::unique_ptr<Reporter> make_reporter(std::string_view format) {
    for (const RegisteredFormat& registered : registered_formats())
        if (registered.name == format) return registered.create();
    throw std::invalid_argument(fmt::format("unknown report format '{}'", format));
}

}  // namespace memattr
