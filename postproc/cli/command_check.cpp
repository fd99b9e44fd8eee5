// `check`: a run held to its memory budgets (history/budgets.h). Exit 0 when every budget
// holds, 3 when one is broken; 1 and 2 keep their meaning (the run or a figure a budget
// needs is missing; a usage error).

#include <sstream>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/baseline.h"
#include "cli/command.h"
#include "cli/write_report.h"
#include "history/check_report.h"

namespace memattr {

namespace {

// One option per budget, named as in budget files. `help` and `value` per budget name.
struct BudgetOption {
    const char* name;
    const char* value;
    const char* help;
};

constexpr BudgetOption kBudgetOptions[] = {
    {"max-peak", "SIZE", "The peak of live heap bytes is at most SIZE."},
    {"max-peak-growth", "PCT",
     "The peak grew by at most PCT % over the baseline's\n(needs --baseline or --baseline-db)."},
    {"max-leaked", "SIZE",
     "Bytes definitely and indirectly lost at exit (as\nMemcheck counts them) are at most SIZE."},
    {"max-growth-per-iteration", "SIZE",
     "No site grows by more than SIZE with every iteration\nof a phase (--phase-fn, or "
     "MEMATTR_PHASE_BEGIN/END)."},
    {"max-clone-bytes", "SIZE", "Bytes copied by copies that could be moves are at\nmost SIZE."},
    {"max-duplicate-bytes", "SIZE",
     "Bytes that keeping one copy of each duplicate block\nwould save are at most SIZE."},
};

void add_budget_options(CLI::App& command, CommandOptions& options) {
    for (const BudgetOption& budget : kBudgetOptions)
        command
            .add_option_function<std::string>(
                fmt::format("--{}", budget.name),
                [&options, name = std::string(budget.name)](const std::string& value) {
                    set_budget(options.budgets, name, value);
                },
                budget.help)
            ->check(CLI::Validator(
                [name = std::string(budget.name)](std::string& value) -> std::string {
                    try {
                        Budgets scratch;
                        set_budget(scratch, name, value);
                        return {};
                    } catch (const std::invalid_argument& error) {
                        return error.what();
                    }
                },
                budget.value, ""))
            ->option_text(budget.value);
    command
        .add_flag_function(
            "--no-new-leaks", [&options](std::int64_t) { options.budgets.no_new_leaks = true; },
            "No site leaks (definitely or indirectly lost) that\ndid not leak in the baseline "
            "(needs --baseline or\n--baseline-db).");
}

void declare_check(CLI::App& command, CommandOptions& options) {
    add_run_operand(command, "TRACE", options.trace_path,
                    "The run checked: a trace, or a JSON report\n('memattr-graph json').")
        ->required();
    add_baseline_options(command, options,
                         "The run the budgets about change compare with: a\n"
                         "trace or a JSON report.");
    add_budget_options(command, options);
    // Budgets that compare, asked for on the command line without a baseline: a usage error
    // now rather than after reading the trace. (A budget file's are checked when it is read.)
    command.callback([&options] {
        if (options.budgets.needs_baseline() && options.baseline_path.empty() &&
            options.baseline_database_path.empty())
            throw CLI::ValidationError(
                "--max-peak-growth/--no-new-leaks",
                "they compare with a baseline: give --baseline or --baseline-db");
    });
    command.add_option("--budgets", options.budget_file,
                       "Read budgets from FILE, kept in the program's\n"
                       "repository: one 'NAME = VALUE' a line (e.g.\n"
                       "'max-peak = 64M', 'no-new-leaks = yes'), '#'\n"
                       "comments. Budgets on the command line win.")
        ->check(CLI::ExistingFile)
        ->option_text("FILE");
    command.add_option("--junit", options.junit_path,
                       "Also write JUnit XML to FILE: one test case per\nbudget, failed when broken.")
        ->option_text("FILE");
    command.add_option("--markdown", options.markdown_path,
                       "Also write a Markdown summary to FILE (e.g.\n$GITHUB_STEP_SUMMARY).")
        ->option_text("FILE");
    add_analysis_options(command, options);
    command.footer(
        "Exit status: 0 when every budget holds, 3 when one is broken, 1 when a run\n"
        "cannot be read or lacks a figure a budget needs (the message says which\n"
        "recording option gives it), 2 for a usage error.");
}

int run_check(const CommandOptions& options, const AnalysisNeeds&) {
    Budgets budgets = options.budgets;
    if (!options.budget_file.empty()) read_budget_file(options.budget_file, budgets);
    if (!budgets.any())
        throw std::invalid_argument(
            "no budget to check: give one (e.g. --max-peak 64M) or a --budgets file");
    const Baseline baseline = load_baseline(options);
    if (budgets.needs_baseline() && !baseline.run && baseline.missing.empty())
        throw std::invalid_argument(
            "max-peak-growth and no-new-leaks compare with a baseline: give --baseline or "
            "--baseline-db");
    const RunFigures run = load_run(options);
    const std::vector<BudgetVerdict> verdicts = check_budgets(
        budgets, run, baseline.run ? &*baseline.run : nullptr, baseline.missing);
    const CheckSubject subject{run.source, baseline.run ? baseline.run->source : "",
                               baseline.missing};

    std::ostringstream text, junit, markdown;
    write_check_text(subject, verdicts, text);
    if (!options.junit_path.empty()) {
        write_check_junit(subject, verdicts, junit);
        write_output(junit.view(), options.junit_path);
    }
    if (!options.markdown_path.empty()) {
        write_check_markdown(subject, verdicts, markdown);
        write_output(markdown.view(), options.markdown_path);
    }
    write_output(text.view(), options.output_path);
    const bool all_held = std::all_of(verdicts.begin(), verdicts.end(),
                                      [](const BudgetVerdict& verdict) { return verdict.held; });
    return all_held ? 0 : kVerdictFailed;
}

}  // namespace

extern const Command check_command{
    .name = "check",
    .summary = "Check a run against memory budgets (peak, leaks,\n"
               "growth per iteration, clones, duplicates), alone or\n"
               "against a baseline; exit 3 when one is broken.",
    .needs = {},
    .declare = declare_check,
    .run = run_check,
};

}  // namespace memattr
