// Stable keys (analysis/stable_key.h): what a rebuild changes in a frame (addresses,
// directories, lines, inlining, clone suffixes) leaves the key alone; what changes the code's
// shape (another function, another file, another caller) changes it. The tool tests check
// the same on real builds at -O1 and -O2 (tests/tool/cases/history.py).

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "analysis/stable_key.h"
#include "trace_fixtures.h"

namespace memattr {
namespace stable_key_tests {

Frame frame(std::string function, std::string file, std::uint64_t line = 10,
            std::string dir = "/src", std::uint64_t ip = 0x401000) {
    Frame made;
    made.function = std::move(function);
    made.file = std::move(file);
    made.dir = std::move(dir);
    made.line = line;
    made.ip = ip;
    made.object = "/build/app";
    return made;
}

TEST(StableKey, FrameTextIsBaseFunctionNameAndBaseFileName) {
    EXPECT_EQ(stable_frame_text(frame("load_documents", "doc_store.cpp")),
              "load_documents@doc_store.cpp");
    EXPECT_EQ(stable_frame_text(frame("load_documents(int)", "src/doc_store.cpp")),
              "load_documents@doc_store.cpp");
}

TEST(StableKey, InlinedAndOutOfLineNamesOfOneFunctionAgree) {
    // Valgrind names an out-of-line function by its symbol, an inlined one by its DWARF name.
    const std::string symbol = stable_frame_text(frame(
        "std::_Rb_tree_iterator<std::pair<int const, int> > std::_Rb_tree<int, std::pair<int "
        "const, int>, std::_Select1st<std::pair<int const, int> >, std::less<int>, "
        "std::allocator<std::pair<int const, int> > >::_M_emplace_hint_unique<int>(int&&)",
        "stl_tree.h"));
    const std::string dwarf = stable_frame_text(frame("_M_emplace_hint_unique<int>", "stl_tree.h"));
    EXPECT_EQ(symbol, "_M_emplace_hint_unique@stl_tree.h");
    EXPECT_EQ(symbol, dwarf);
}

TEST(StableKey, CompilerCloneSuffixesAndRustHashesAreDropped) {
    EXPECT_EQ(stable_frame_text(frame("parse(char const*) [clone .isra.0] [clone .cold]", "p.c")),
              "parse@p.c");
    EXPECT_EQ(stable_frame_text(frame("app::load::h0123456789abcdef", "main.rs")), "load@main.rs");
}

TEST(StableKey, OperatorsKeepTheirNames) {
    EXPECT_EQ(stable_frame_text(frame("Matrix::operator()(int, int) const", "m.cpp")),
              "operator()@m.cpp");
    EXPECT_EQ(stable_frame_text(frame("operator()", "m.cpp")), "operator()@m.cpp");
    EXPECT_EQ(stable_frame_text(frame("operator<< <char>(std::ostream&, char const*)", "o.h")),
              "operator<< <char>@o.h");
}

TEST(StableKey, WithoutDebugInformationTheObjectNamesTheFrame) {
    Frame unnamed = frame("???", "");
    unnamed.object = "/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1";
    EXPECT_EQ(stable_frame_text(unnamed), "???@liblzma.so.5.4.1");
}

TEST(StableKey, SiteKeyIgnoresLinesDirectoriesAndAddresses) {
    const Frame a1 = frame("make", "a.cpp", 10, "/home/one", 0x401000);
    const Frame a2 = frame("make", "a.cpp", 13, "/tmp/two", 0x402345);
    const Frame m1 = frame("main", "a.cpp", 40, "/home/one", 0x401100);
    const Frame m2 = frame("main", "a.cpp", 43, "/tmp/two", 0x402400);
    EXPECT_EQ(site_key({&a1, &m1}), site_key({&a2, &m2}));
    EXPECT_EQ(site_key({&a1, &m1}).size(), 16u);
}

TEST(StableKey, SiteKeyFollowsTheCallers) {
    const Frame make = frame("make", "a.cpp");
    const Frame main = frame("main", "a.cpp");
    const Frame other = frame("other_caller", "a.cpp");
    EXPECT_NE(site_key({&make, &main}), site_key({&make, &other, &main}));
    EXPECT_NE(site_key({&make, &main}), site_key({&make}));
}

TEST(StableKey, FindingKeysDifferByKindAndParts) {
    EXPECT_EQ(finding_key("leak", {"definitely_lost", "0123"}),
              finding_key("leak", {"definitely_lost", "0123"}));
    EXPECT_NE(finding_key("leak", {"definitely_lost", "0123"}),
              finding_key("leak", {"indirectly_lost", "0123"}));
    EXPECT_NE(finding_key("leak", {"x"}), finding_key("clone", {"x"}));
}

TEST(StableKey, EverySiteRowHasOne) {
    const Trace trace = test::ownership_trace();
    const ReportModel model = analyse(trace, {});
    for (const SiteRow& row : model.sites) {
        EXPECT_EQ(row.key.size(), 16u) << "site " << row.figures.id;
        EXPECT_EQ(row.key.find_first_not_of("0123456789abcdef"), std::string::npos);
    }
}

}  // namespace stable_key_tests
}  // namespace memattr
