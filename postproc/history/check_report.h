// `memattr-graph check`'s output: the budgets' verdicts (budgets.h) as text lines, one per
// budget (a broken one names what broke it), as JUnit XML (one test case per budget) for a
// CI's test view, and as Markdown for a CI summary page.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "history/budgets.h"

namespace memattr {

// What was checked: the run, and the baseline it was compared with (empty without one).
struct CheckSubject {
    std::string run;
    std::string baseline;
    std::string baseline_missing;  // why a baseline asked for is not there yet, if it is not
};

void write_check_text(const CheckSubject& subject, const std::vector<BudgetVerdict>& verdicts,
                      std::ostream& out);

void write_check_junit(const CheckSubject& subject, const std::vector<BudgetVerdict>& verdicts,
                       std::ostream& out);

void write_check_markdown(const CheckSubject& subject,
                          const std::vector<BudgetVerdict>& verdicts, std::ostream& out);

}  // namespace memattr
