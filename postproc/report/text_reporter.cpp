#include "report/text_reporter.h"

#include "report/section.h"

namespace memattr {

void TextReporter::write(const ReportModel& model, std::ostream& out) const {
    for (const ReportSection& section : report_sections())
        if (section.write_text) section.write_text(model, out);
}

}  // namespace memattr
