// The report's sections, each in a file of its own (report/sections/<name>.cpp: its text and
// JSON writers), and their order.
//
// The section files are compiled here, as one unit, not one by one: each instantiates
// nlohmann-json's and fmt's templates for its writers, and twelve units doing so took most of
// a clean build's time (54 s of CPU against 11 s as one). So the names in their anonymous
// namespaces must differ from file to file: a section's writers are write_<file>_text and
// write_<file>_json. To add a section: its file, its #include and its line in the list
// below, the file in postproc/local.mk's EXTRA_DIST, and its golden files.
#include "report/section.h"

#include "report/sections/copies.cpp"       // copies_section
#include "report/sections/duplicates.cpp"   // duplicates_section
#include "report/sections/savings.cpp"     // savings_section
#include "report/sections/header.cpp"       // header_section
#include "report/sections/leaks.cpp"        // leaks_section
#include "report/sections/memory_map.cpp"   // memory_map_section
#include "report/sections/owners.cpp"       // owners_section
#include "report/sections/phases.cpp"       // phases_section
#include "report/sections/summary.cpp"      // summary_section
#include "report/sections/threads.cpp"      // threads_section
#include "report/sections/timeline.cpp"     // timeline_section
#include "report/sections/top_sites.cpp"    // top_at_peak, top_by_total, temporaries and
                                            // live_at_exit sections
#include "report/sections/unreachable.cpp"  // unreachable_section

namespace memattr {

const std::vector<ReportSection>& report_sections() {
    static const std::vector<ReportSection> sections = {
        header_section(),
        summary_section(),
        savings_section(),
        timeline_section(),
        phases_section(),
        top_at_peak_section(),
        owners_section(),
        duplicates_section(),
        unreachable_section(),
        top_by_total_section(),
        temporaries_section(),
        live_at_exit_section(),
        leaks_section(),
        copies_section(),
        memory_map_section(),
        threads_section(),
    };
    return sections;
}

}  // namespace memattr
