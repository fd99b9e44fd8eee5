// The report's sections, and the one ordered list of them that the text and JSON reporters
// walk (report_sections(), in report/sections.cpp).
//
// A section is one part of the report, e.g. "Top sites at peak" or "Memory map at peak". Its
// file, report/sections/<file>.cpp, holds both its text writer and its JSON writer, so the two
// formats of a section are read and changed together. To add a section: its file, one line in
// report/sections.cpp, the file in postproc/local.mk, and its golden files (tests/golden/).
#pragma once

#include <iosfwd>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/analysis.h"

namespace memattr {

// ordered_json keeps keys in the order they are first set, which is the order of
// docs/json-schema.md: a person comparing the two finds fields where the document says.
using Json = nlohmann::ordered_json;

// One section of the report. Either writer may be null: the site rankings after the first
// have no JSON of their own (the site table the first one writes holds their figures).
struct ReportSection {
    // Names the section in the golden files (tests/golden/<trace>.<name>.expected).
    std::string_view name;
    // Writes the section of the text report, its title first.
    void (*write_text)(const ReportModel& model, std::ostream& out);
    // Sets the section's keys in the JSON report object (or in an object of it). `rows` is
    // the report's cut (0: every row): json_report cuts every list to it afterwards, so a
    // section need only heed it where its full list would be too big to make (the sites).
    void (*write_json)(const ReportModel& model, std::size_t rows, Json& report);
};

// Every section, in the order the text report shows them: it leads with its answer (the
// peak, what holds it, what need not be there) and ends with the details.
const std::vector<ReportSection>& report_sections();

}  // namespace memattr
