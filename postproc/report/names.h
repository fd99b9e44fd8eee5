// Name tables: the one place an enum's values get the words the reports print.
//
// A table lists every value of its enum with its name, e.g.
//   constexpr EnumName<CopyClass> kCopyClassNames[] = {{CopyClass::relocation, "relocation"}, ...};
// and name_of(kCopyClassNames, copy_class) looks a value up. Each table lives in the file of
// the section that prints it (or in report/layout.cpp when several do), so the text and the
// JSON of a section cannot spell a value two ways. Values that are the trace's own words
// (copy, root and region kinds, how phases were delimited and ended) are printed with the
// trace schema's words instead (schema::word_of, trace/trace_schema.h): one spelling from
// the tool to the JSON.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

namespace memattr {

// One row of a name table: an enum value and the word the reports print for it.
template <typename Enum>
struct EnumName {
    Enum value;
    std::string_view name;
};

// The name of `value` in `table`. A value missing from its table is a programming error (a
// new enumerator without its name), not bad input: it throws std::logic_error.
template <typename Enum, std::size_t N>
constexpr std::string_view name_of(const EnumName<Enum> (&table)[N], Enum value) {
    for (const EnumName<Enum>& entry : table)
        if (entry.value == value) return entry.name;
    throw std::logic_error("an enum value without a name in its name table");
}

}  // namespace memattr
