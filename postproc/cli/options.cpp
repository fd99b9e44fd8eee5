#include "cli/options.h"

#include <charconv>
#include <regex>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/leaks.h"
#include "analysis/site_folding.h"
#include "support/units.h"

namespace memattr {

namespace {

// --ignore-fn patterns are checked while parsing, so a typo is a usage error, reported
// before the trace is read.
const CLI::Validator regex_validator(
    [](std::string& pattern) -> std::string {
        try {
            compile_rule_pattern(pattern);
            return {};
        } catch (const std::regex_error& error) {
            return fmt::format("'{}' is not a valid regular expression: {}", pattern,
                               error.what());
        }
    },
    "REGEX", "");

// --clone-threshold: the trace's `share` is in tenths, so only multiples of 10 % mean
// something.
const CLI::Validator clone_threshold_validator(
    [](std::string& value) -> std::string {
        unsigned percent = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), percent);
        if (value.empty() || error != std::errc{} || end != value.data() + value.size() ||
            !is_valid_clone_threshold(percent))
            return fmt::format("'{}' is not a multiple of 10 from 10 to 100", value);
        return {};
    },
    "PCT", "");

// --label: NAME=VALUE with a name; the value may be empty.
const CLI::Validator label_validator(
    [](std::string& word) -> std::string {
        const std::size_t equals = word.find('=');
        if (equals == std::string::npos)
            return fmt::format("'{}' is not NAME=VALUE: it has no '='", word);
        if (equals == 0) return fmt::format("'{}' is not NAME=VALUE: the NAME is empty", word);
        return {};
    },
    "NAME=VALUE", "");

// --frames's default as its help shows it: "all" for kAllFrames.
std::string describe_frames(const CommandOptions& options) {
    const std::size_t frames = options.analysis.folding.max_frames;
    return frames == kAllFrames ? "all" : std::to_string(frames);
}

}  // namespace

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

CLI::Validator size_validator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            try {
                parse_size(value);
                return {};
            } catch (const std::invalid_argument& error) {
                return error.what();
            }
        },
        "SIZE", "");
}

// Help texts are wrapped by hand: CLI11 indents the lines after a '\n' but does not wrap.
void add_common_options(CLI::App& command, CommandOptions& options) {
    add_run_operand(command, "TRACE", options.trace_path,
                    "The trace written by 'valgrind --tool=memattr',\n"
                    "memattr.out.<pid>.")
        ->required();
    add_analysis_options(command, options);
}

void add_profile_options(CLI::App& command, CommandOptions& options) {
    options.analysis.folding.max_frames = kAllFrames;
    add_common_options(command, options);
}

CLI::Option* add_run_operand(CLI::App& command, const std::string& name, std::string& path,
                             const std::string& help) {
    return command.add_option(name, path, help)->type_name("FILE");
}

void add_analysis_options(CLI::App& command, CommandOptions& options) {
    const AnalysisOptions defaults;
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
        ->option_text(fmt::format("N (default {})", describe_frames(options)));
    command.add_option("--find-wrappers", options.analysis.folding.find_wrappers,
                       "Fold away the allocation wrappers the trace shows\n"
                       "(functions all of whose blocks come from one line,\n"
                       "called from many places: xmalloc), as --ignore-fn\n"
                       "would; the summary lists them.")
        ->option_text(fmt::format("yes|no (default {})",
                                  options.analysis.folding.find_wrappers ? "yes" : "no"));
    command
        .add_option_function<std::string>(
            "--leak-check-heuristics",
            [&options](const std::string& value) {
                const std::optional<std::uint8_t> bits = parse_leak_heuristics(value);
                if (!bits)
                    throw CLI::ValidationError(
                        "--leak-check-heuristics",
                        fmt::format("'{}' is not all, none or a comma-separated list of "
                                    "stdstring, length64, newarray, multipleinheritance",
                                    value));
                options.analysis.leak_heuristics = *bits;
            },
            "Memcheck's heuristics for the leak check: an interior\n"
            "pointer into a block of a known layout counts as a\n"
            "pointer to its start (still reachable, not possibly\n"
            "lost). As Memcheck's option of that name.")
        ->option_text("all|none|LIST (default all)");
    command.add_option("--ignore-fn,--alloc-fn", options.analysis.folding.extra_wrapper_patterns,
                       "Also fold away frames whose demangled function\n"
                       "name matches REGEX, as allocator frames like\n"
                       "malloc are, so the site is found further out.\n"
                       "ECMAScript syntax, searched anywhere in the name\n"
                       "(anchor it with ^). Repeatable: one REGEX each.\n"
                       "--alloc-fn is the same, by Massif's name.")
        ->check(regex_validator)
        ->allow_extra_args(false)
        ->option_text("REGEX");
}

void add_database_option(CLI::App& command, CommandOptions& options, const std::string& help) {
    command.add_option("--db", options.database_path, help)->required()->option_text("FILE");
}

void add_label(Labels& labels, std::string_view option, std::string name, std::string value) {
    for (const auto& [known, known_value] : labels)
        if (known == name)
            throw CLI::ValidationError(std::string(option),
                                       fmt::format("label '{}' is given twice", name));
    labels.emplace_back(std::move(name), std::move(value));
}

CLI::Option* add_label_option(CLI::App& command, const std::string& option, Labels& labels,
                              const std::string& help) {
    return command
        .add_option_function<std::vector<std::string>>(
            option,
            [&labels, option](const std::vector<std::string>& words) {
                for (const std::string& word : words) {
                    const std::size_t equals = word.find('=');
                    add_label(labels, option, word.substr(0, equals), word.substr(equals + 1));
                }
            },
            help)
        ->check(label_validator)
        ->allow_extra_args(false)
        ->option_text("NAME=VALUE");
}

void add_baseline_db_options(CLI::App& command, CommandOptions& options) {
    CLI::Option* database =
        command
            .add_option("--baseline-db", options.baseline_database_path,
                        "Take the baseline from this history database\n"
                        "('memattr-graph record'): its latest run with every\n"
                        "--baseline-label.")
            ->option_text("FILE");
    add_label_option(command, "--baseline-label", options.baseline_labels,
                     "With --baseline-db: a label the baseline run must\n"
                     "have, e.g. workload=parse. Repeatable.")
        ->needs(database);
}

void add_baseline_options(CLI::App& command, CommandOptions& options, const std::string& help) {
    CLI::Option* baseline =
        command.add_option("--baseline", options.baseline_path, help)->option_text("FILE");
    add_baseline_db_options(command, options);
    baseline->excludes("--baseline-db");
}

void add_snapshot_option(CLI::App& command, CommandOptions& options) {
    command.add_option("--snapshot", options.analysis.snapshot,
                       "The heap snapshot the ownership sections describe:\n"
                       "its id or its name (MEMATTR_SNAPSHOT's). By default\n"
                       "the peak snapshot, or the exit one without it.")
        ->option_text("NAME|ID");
}

void add_memory_map_option(CLI::App& command, CommandOptions& options) {
    command.add_option("--memory-map", options.analysis.memory_map,
                       "The memory map the memory map section (and the\n"
                       "arenas of the graph) describe: peak or exit. By\n"
                       "default the one at the footprint's peak.")
        ->check(CLI::IsMember({"peak", "exit"}))
        ->option_text("peak|exit");
}

void add_native_rss_option(CLI::App& command, CommandOptions& options) {
    command
        .add_option_function<std::string>(
            "--native-rss",
            [&options](const std::string& value) {
                options.analysis.native_rss = parse_size(value);
            },
            "The peak resident set of a native run (not under\n"
            "Valgrind), to set beside memattr's estimate: bytes,\n"
            "or with K, M, G (KiB, MiB, GiB), e.g. 14532K, as\n"
            "'memattr-graph native-rss -- PROGRAM' prints it.")
        ->check(size_validator())
        ->option_text("SIZE");
}

void add_top_option(CLI::App& command, CommandOptions& options, std::size_t default_top,
                    const std::string& help) {
    options.analysis.top = default_top;
    command.add_option("--top", options.analysis.top, help)
        ->check(count_at_least(0))
        ->option_text(fmt::format("N (default {})", default_top));
}

}  // namespace memattr
