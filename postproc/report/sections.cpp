#include "report/section.h"

namespace memattr {

// Each defined in report/sections/<its file>.cpp.
ReportSection header_section();
ReportSection summary_section();
ReportSection timeline_section();
ReportSection phases_section();
ReportSection top_at_peak_section();   // top_sites.cpp
ReportSection owners_section();
ReportSection duplicates_section();
ReportSection unreachable_section();
ReportSection top_by_total_section();  // top_sites.cpp
ReportSection temporaries_section();   // top_sites.cpp
ReportSection live_at_exit_section();  // top_sites.cpp
ReportSection leaks_section();
ReportSection copies_section();
ReportSection memory_map_section();
ReportSection threads_section();

const std::vector<ReportSection>& report_sections() {
    static const std::vector<ReportSection> sections = {
        header_section(),
        summary_section(),
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
