// Site folding: which frame becomes the site for C, C++ and Rust allocation stacks (as
// Valgrind reports them: full names for real frames, bare names and files for inlined
// ones), what --ignore-fn and --frames change, and how frames and locations print.

#include <gtest/gtest.h>

#include "analysis/site_folding.h"
#include "analysis/site_rows.h"
#include "trace_fixtures.h"

namespace memattr {

// Readable roles in failure messages.
void PrintTo(FrameRole role, std::ostream* out) {
    switch (role) {
    case FrameRole::program: *out << "program"; break;
    case FrameRole::generated: *out << "generated"; break;
    case FrameRole::library: *out << "library"; break;
    case FrameRole::allocator: *out << "allocator"; break;
    }
}

namespace site_folding_tests {

constexpr const char* kPreload = "/usr/libexec/valgrind/vgpreload_memattr-amd64-linux.so";
constexpr const char* kApp = "/home/dev/app";
constexpr const char* kLibc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

Frame make_frame(std::string function, std::string object = kApp, std::string file = "app.cpp",
                 std::uint64_t line = 10, bool inlined = false) {
    Frame frame;
    frame.function = std::move(function);
    frame.object = std::move(object);
    frame.file = std::move(file);
    frame.line = line;
    frame.inlined = inlined;
    return frame;
}

Frame inlined_frame(std::string function, std::string file) {
    return make_frame(std::move(function), kApp, std::move(file), 10, true);
}

// A trace whose only stack is `frames`, innermost first.
Trace trace_with_stack(std::vector<Frame> frames) {
    Trace trace;
    Stack stack;
    stack.id = 1;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        frames[i].id = i + 1;
        stack.frames.push_back(i);
    }
    trace.frames = std::move(frames);
    trace.stacks.push_back(stack);
    return trace;
}

std::string site_function(const Trace& trace, const FoldingOptions& options = {}) {
    const FoldedStack folded = SiteFolder(trace, options).fold(trace.stacks.front());
    return trace.frames[folded.site_frame].function;
}

FrameRole role_of(const Frame& frame) {
    const Trace trace = trace_with_stack({frame});
    return SiteFolder(trace, {}).role(0);
}

FrameRole role_of_function(const std::string& function) { return role_of(make_frame(function)); }

TEST(SiteFolding, MallocInThePreloadObjectIsFolded) {
    const Trace trace = trace_with_stack({make_frame("malloc", kPreload, "", 0),
                                          make_frame("make_buffer(int)"), make_frame("main")});
    EXPECT_EQ(site_function(trace), "make_buffer(int)");
}

// A custom allocator's request stack starts in the allocator, the program's own code: its
// first frame folds away as malloc's does, so the site is who asked for the memory.
TEST(SiteFolding, CustomAllocatorFramesAreFoldedWhenAsked) {
    const Trace trace = trace_with_stack({make_frame("arena_alloc"), make_frame("parse_tokens"),
                                          make_frame("main")});
    const SiteFolder folder(trace, {});
    EXPECT_EQ(trace.frames[folder.fold(trace.stacks[0]).site_frame].function, "arena_alloc");
    const FoldedStack folded = folder.fold(trace.stacks[0], 1);
    EXPECT_EQ(trace.frames[folded.site_frame].function, "parse_tokens");
    EXPECT_FALSE(folded.through_allocator);  // only the rules' allocator frames say that
    const Trace alone = trace_with_stack({make_frame("arena_alloc")});
    EXPECT_EQ(alone.frames[SiteFolder(alone, {}).fold(alone.stacks[0], 1).site_frame].function,
              "arena_alloc");  // nothing else to show
}

// A mapping made through malloc (glibc's heap in wrap mode) says so.
TEST(SiteFolding, FoldingSaysWhetherTheAllocatorWasPassed) {
    const Trace trace = trace_with_stack({make_frame("mmap", kLibc, "", 0),
                                          make_frame("malloc", kLibc, "", 0),
                                          make_frame("load_blob"), make_frame("main")});
    const FoldedStack folded = SiteFolder(trace, {}).fold(trace.stacks[0]);
    EXPECT_EQ(trace.frames[folded.site_frame].function, "load_blob");
    EXPECT_TRUE(folded.through_allocator);
    const Trace direct = trace_with_stack({make_frame("mmap", kLibc, "", 0),
                                           make_frame("arena_grow"), make_frame("main")});
    EXPECT_FALSE(SiteFolder(direct, {}).fold(direct.stacks[0]).through_allocator);
}

TEST(SiteFolding, AnyFrameOfThePreloadObjectIsTheAllocator) {
    // Whatever the tool's replacement functions are called, they live in vgpreload_*.
    EXPECT_EQ(role_of(make_frame("_vgr10010ZU_libcZdsoZa_malloc", kPreload, "", 0)),
              FrameRole::allocator);
    EXPECT_EQ(role_of(make_frame("???", "vgpreload_core-amd64-linux.so", "", 0)),
              FrameRole::allocator);
    EXPECT_EQ(role_of(make_frame("f", "/home/dev/vgpreload_x/app", "", 0)), FrameRole::program);
    EXPECT_EQ(role_of(make_frame("f", "/usr/lib/libvgpreload_x.so", "", 0)), FrameRole::program);
}

TEST(SiteFolding, OperatorNewAndVectorInternalsAreFolded) {
    // small.trace stack 1, as at -O2: operator new (preload); inlined "allocate"
    // (new_allocator.h), "allocate" (alloc_traits.h), "_M_allocate" (stl_vector.h) inside
    // the real function std::vector::_M_realloc_insert; inlined "push_back" inside the
    // program's fill_samples.
    const Trace trace = test::small_trace();
    const FoldedStack folded = SiteFolder(trace, {}).fold(trace.stacks[0]);
    EXPECT_EQ(trace.frames[folded.site_frame].function,
              "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)");
    EXPECT_EQ(folded.frames, (std::vector<std::size_t>{6, 7, 8, 9}));
    EXPECT_EQ(folded.omitted_frames, 0u);
}

TEST(SiteFolding, UnoptimisedCxxStacksFoldToTheProgram) {
    // At -O0 every libstdc++ function is a real frame with its full name.
    const Trace trace = trace_with_stack({
        make_frame("operator new(unsigned long)", kPreload, "", 0),
        make_frame("std::__new_allocator<long>::allocate(unsigned long, void const*)", kApp,
                   "new_allocator.h", 137),
        make_frame("std::allocator_traits<std::allocator<long> >::allocate(std::allocator<long>&, "
                   "unsigned long)",
                   kApp, "alloc_traits.h", 464),
        make_frame("std::_Vector_base<long, std::allocator<long> >::_M_allocate(unsigned long)",
                   kApp, "stl_vector.h", 378),
        make_frame("std::vector<long, std::allocator<long> >::reserve(unsigned long)", kApp,
                   "vector.tcc", 79),
        make_frame("main", kApp, "cxx_alloc.cpp", 27),
    });
    EXPECT_EQ(site_function(trace), "main");

    const Trace string_stack = trace_with_stack({
        make_frame("operator new(unsigned long)", kPreload, "", 0),
        make_frame("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> "
                   ">::_M_construct(unsigned long, char)",
                   "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "", 0),
        make_frame("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> "
                   ">::basic_string<std::allocator<char> >(unsigned long, char, "
                   "std::allocator<char> const&)",
                   kApp, "basic_string.h", 659),
        make_frame("main", kApp, "cxx_alloc.cpp", 28),
    });
    EXPECT_EQ(site_function(string_stack), "main");
}

TEST(SiteFolding, RustRawVecChainIsFolded) {
    // small.trace stack 3: realloc; __rdl_realloc with "realloc" (alloc.rs) inlined;
    // __rust_realloc; finish_grow with "realloc" and "grow_impl" (alloc.rs) inlined;
    // RawVecInner::grow_one with "grow_amortized" inlined; the program's parse_records with
    // Vec's "push" (library/alloc/src/vec/mod.rs) inlined.
    const Trace trace = test::small_trace();
    const FoldedStack folded = SiteFolder(trace, {}).fold(trace.stacks[2]);
    EXPECT_EQ(trace.frames[folded.site_frame].function, "rsparse::parse_records");
    ASSERT_EQ(folded.frames.size(), 3u);
    EXPECT_EQ(trace.frames[folded.frames.back()].function, "start_thread");
}

TEST(SiteFolding, RustInlinedStandardLibraryFoldsToTheProgram) {
    // Vec::with_capacity at opt-level=1, as Valgrind reports it.
    const Trace trace = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        make_frame("<alloc::raw_vec::RawVecInner>::try_allocate_in", kApp, "", 0),
        inlined_frame("with_capacity_in<alloc::alloc::Global>", "library/alloc/src/raw_vec/mod.rs"),
        inlined_frame("with_capacity_in<u64, alloc::alloc::Global>", "library/alloc/src/vec/mod.rs"),
        inlined_frame("with_capacity<u64>", "library/alloc/src/vec/mod.rs"),
        make_frame("rust_alloc::main", kApp, "rust_alloc.rs", 7),
    });
    EXPECT_EQ(site_function(trace), "rust_alloc::main");
}

TEST(SiteFolding, RustStandardLibraryIsKnownByItsSourceDirectory) {
    // Debian's rustc 1.63 at opt-level=1: std's code inlined into the program's main, with
    // bare short names and bare file names; only the directory (which the tool records
    // for inlined frames too) says it is the standard library's.
    const std::string std_src = "/usr/src/rustc-1.63.0/library/alloc/src";
    auto inlined_in = [](std::string function, std::string dir, std::string file) {
        Frame frame = inlined_frame(std::move(function), std::move(file));
        frame.dir = std::move(dir);
        return frame;
    };
    const Trace trace = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        inlined_in("alloc", std_src, "alloc.rs"),
        inlined_in("allocate_in<u64, alloc::alloc::Global>", std_src, "raw_vec.rs"),
        inlined_in("with_capacity<u64>", std_src + "/vec", "mod.rs"),
        make_frame("rust_alloc::main", kApp, "rust_alloc.rs", 16),
    });
    EXPECT_EQ(site_function(trace), "rust_alloc::main");
    // Without the directories the same frames would be taken for the program's own code.
    EXPECT_EQ(role_of(inlined_in("alloc", std_src, "alloc.rs")), FrameRole::allocator);
    EXPECT_EQ(role_of(inlined_in("with_capacity<u64>", std_src + "/vec", "mod.rs")),
              FrameRole::library);
}

TEST(SiteFolding, BareInlinedFramesBelongWithTheirContainer) {
    // Code inlined into the precompiled standard library has only a bare file name.
    const Trace in_library = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        inlined_frame("alloc", "alloc.rs"),
        inlined_frame("insert<usize, u32>", "map.rs"),
        make_frame("std::sys::thread_info::set_current_info", kApp, "thread_info.rs", 122),
        make_frame("start_program", kApp, "main.rs", 3),
    });
    EXPECT_EQ(site_function(in_library), "start_program");

    // ...while the program's own inlined code stays the program's.
    const Trace in_program = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        inlined_frame("make_node", "tree.c"),
        make_frame("build_tree", kApp, "tree.c", 40),
    });
    EXPECT_EQ(site_function(in_program), "make_node");
}

TEST(SiteFolding, CLibraryInternalsFoldToTheCaller) {
    const Trace trace = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        make_frame("_IO_file_doallocate", kLibc, "filedoalloc.c", 101),
        make_frame("printf", kLibc, "printf.c", 33),
        make_frame("main", kApp, "report.c", 11),
    });
    EXPECT_EQ(site_function(trace), "main");
}

TEST(SiteFolding, AllocationsInsideLibrariesStopAtTheFirstLibraryFrame) {
    // The C++ runtime's start-up buffer: no program frame at all.
    const Trace trace = trace_with_stack({
        make_frame("malloc", kPreload, "", 0),
        make_frame("???", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "", 0),
        make_frame("call_init", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "dl-init.c", 74),
    });
    const FoldedStack folded = SiteFolder(trace, {}).fold(trace.stacks.front());
    EXPECT_EQ(folded.site_frame, 1u);
}

TEST(SiteFolding, AllocatorOnlyStackUsesTheOutermostFrame) {
    const Trace trace = trace_with_stack({make_frame("malloc", kPreload, "", 0),
                                          make_frame("__rdl_alloc"), make_frame("__rust_alloc")});
    const FoldedStack folded = SiteFolder(trace, {}).fold(trace.stacks.front());
    EXPECT_EQ(folded.site_frame, 2u);
    EXPECT_EQ(folded.frames, (std::vector<std::size_t>{2}));
}

TEST(SiteFolding, CopyStacksFoldToTheProgram) {
    // A clone in Rust: the tool's memcpy replacement, then the standard library.
    const Trace clone = trace_with_stack({
        make_frame("memcpy", kPreload, "", 0),
        make_frame("<alloc::vec::Vec<T> as core::clone::Clone>::clone", kApp,
                   "library/alloc/src/vec/mod.rs", 3168),
        make_frame("group::write_groups", kApp, "src/main.rs", 42),
        make_frame("main", kApp, "src/main.rs", 80),
    });
    EXPECT_EQ(site_function(clone), "group::write_groups");

    // An inline copy loop: the first frame is already the program's code.
    const Trace inline_copy = trace_with_stack(
        {make_frame("blob::make(char const*)", kApp, "blob.cpp", 16), make_frame("main")});
    EXPECT_EQ(site_function(inline_copy), "blob::make(char const*)");

    // A statically linked program: libc's own memmove variant, not the tool's.
    const Trace static_copy = trace_with_stack({
        make_frame("__memmove_avx_unaligned_erms", kApp, "memmove-vec-unaligned-erms.S", 300),
        make_frame("copy_rows(Table&)", kApp, "table.cpp", 7),
        make_frame("main"),
    });
    EXPECT_EQ(site_function(static_copy), "copy_rows(Table&)");
}

// A #[derive(Clone)] struct cloned by group::first: Vec's clone copies its bytes inside the
// clone the compiler wrote for the struct, whose debug line is the derive's.
std::vector<Frame> derived_clone_stack(Frame clone) {
    return {make_frame("memcpy", kPreload, "", 0),
            make_frame("<alloc::vec::Vec<T,A> as core::clone::Clone>::clone", kApp,
                       "library/alloc/src/vec/mod.rs", 3749),
            std::move(clone), make_frame("group::first", kApp, "src/main.rs", 42),
            make_frame("main", kApp, "src/main.rs", 80)};
}

std::string copy_function(const Trace& trace) {
    const FoldedStack folded = SiteFolder(trace, {}).fold_copy(trace.stacks.front());
    return trace.frames[folded.site_frame].function;
}

TEST(SiteFolding, CopyStacksFoldCodeGeneratedForATypeSiteStacksKeepIt) {
    const Trace derived = trace_with_stack(derived_clone_stack(
        make_frame("<group::Record as core::clone::Clone>::clone", kApp, "src/main.rs", 7)));
    EXPECT_EQ(copy_function(derived), "group::first");
    const FoldedStack folded = SiteFolder(derived, {}).fold_copy(derived.stacks.front());
    EXPECT_EQ(folded.site_position, 3u);
    EXPECT_EQ(folded.frames, (std::vector<std::size_t>{3, 4}));
    // An allocation there is the clone's: the site and its key stay where they were.
    EXPECT_EQ(site_function(derived), "<group::Record as core::clone::Clone>::clone");

    // Inlined (rustc -O): Valgrind names the derive's code by its bare name.
    EXPECT_EQ(copy_function(trace_with_stack(
                  derived_clone_stack(make_frame("clone", kApp, "src/main.rs", 8, true)))),
              "group::first");

    // C++: a std::vector<std::string> member copied by the implicit copy constructor.
    const Trace cxx = trace_with_stack({
        make_frame("memcpy", kPreload, "", 0),
        make_frame("std::__cxx11::basic_string<char, std::char_traits<char>, "
                   "std::allocator<char> >::basic_string(std::__cxx11::basic_string<char, "
                   "std::char_traits<char>, std::allocator<char> > const&)",
                   kApp, "basic_string.h", 557),
        make_frame("std::vector<std::__cxx11::basic_string<char, std::char_traits<char>, "
                   "std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, "
                   "std::char_traits<char>, std::allocator<char> > > >::vector(std::vector<"
                   "std::__cxx11::basic_string<char, std::char_traits<char>, "
                   "std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, "
                   "std::char_traits<char>, std::allocator<char> > > > const&)",
                   kApp, "stl_vector.h", 603),
        make_frame("roster::Roster::Roster(roster::Roster const&)", kApp, "roster.cpp", 9),
        make_frame("main", kApp, "roster.cpp", 30),
    });
    EXPECT_EQ(copy_function(cxx), "main");
    EXPECT_EQ(site_function(cxx), "roster::Roster::Roster(roster::Roster const&)");

    // A copy made all inside generated and library code is named by the generated code.
    const Trace no_program = trace_with_stack(
        {make_frame("memcpy", kPreload, "", 0),
         make_frame("<group::Record as core::clone::Clone>::clone", kApp, "src/main.rs", 7),
         make_frame("core::ops::function::FnOnce::call_once", kApp, "function.rs", 250)});
    EXPECT_EQ(copy_function(no_program), "<group::Record as core::clone::Clone>::clone");
}

TEST(SiteFolding, GeneratedFunctionNames) {
    for (const char* function : {
             "<myapp::Tree as core::clone::Clone>::clone",
             "<myapp::tree::Tree<u32> as core::clone::Clone>::clone",
             "<myapp::Tree as core[1a2b3c4d5e6f7a8b]::clone::Clone>::clone",
             "myapp::tree::<impl core::clone::Clone for myapp::tree::Tree>::clone",
             "clone", "clone<u32>",
             "Roster::Roster(Roster const&)", "roster::Roster::Roster(roster::Roster const&)",
             "Box<int>::Box(Box<int> const&)",
             "ns::Box<std::vector<int, std::allocator<int> > >::operator=(ns::Box<std::vector<"
             "int, std::allocator<int> > > const&)",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::generated) << function;
    // The standard library's own are library code; other functions of a type are not copies.
    for (const char* function : {
             "<alloc::vec::Vec<T,A> as core::clone::Clone>::clone",
             "<alloc::string::String as core::clone::Clone>::clone",
             "<u8 as core::clone::Clone>::clone",
             "std::vector<int, std::allocator<int> >::vector(std::vector<int, "
             "std::allocator<int> > const&)",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::library) << function;
    for (const char* function : {
             "Roster::Roster(Other const&)", "Roster::Roster(Roster&&)", "Roster::Roster()",
             "Roster::merge(Roster const&)", "Roster::Roster(Roster const&, int)",
             "Shape::clone() const", "clone_all(int)", "myapp::clone_tree",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::program) << function;
}

TEST(SiteFolding, CopyFunctionNames) {
    for (const char* function : {"memcpy", "memmove", "mempcpy", "__memcpy_chk", "bcopy",
                                 "wmemcpy", "strcpy", "__strcpy_chk", "stpncpy", "strncat",
                                 "strdup", "strndup", "memcpy@GLIBC_2.2.5",
                                 "__memmove_avx_unaligned_erms", "__memcpy_sse2_unaligned",
                                 "__strcpy_evex"})
        EXPECT_EQ(role_of_function(function), FrameRole::library) << function;
    for (const char* function : {"memcpy_rows(int)", "my_memcpy", "memcpy_fast", "mem_copy",
                                 "strdup_or_die(char const*)", "Buffer::memcpy(void*)"})
        EXPECT_EQ(role_of_function(function), FrameRole::program) << function;
}

TEST(SiteFolding, AllocatorFunctionNames) {
    for (const char* function : {
             "malloc", "calloc", "realloc", "free", "memalign", "posix_memalign",
             "aligned_alloc", "valloc",
             "operator new(unsigned long)", "operator new[](unsigned long)",
             "operator new(unsigned long, std::align_val_t)",
             "operator new[](unsigned long, std::nothrow_t const&)",
             "operator delete(void*, unsigned long)", "operator delete[](void*)",
             "std::allocator<char>::allocate(unsigned long)",
             "std::__new_allocator<int>::allocate(unsigned long, void const*)",
             "__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)",
             "std::allocator_traits<std::allocator<std::pair<int const, std::string> > >::"
             "allocate(std::allocator<std::pair<int const, std::string> >&, unsigned long)",
             "std::_Vector_base<double, std::allocator<double> >::_M_allocate(unsigned long)",
             "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::"
             "_M_create(unsigned long&, unsigned long)",
             "__rust_alloc", "__rust_alloc_zeroed", "__rust_realloc", "__rust_dealloc",
             "__rdl_alloc", "__rg_alloc", "__rustc::__rust_alloc", "__rustc::__rdl_realloc",
             "alloc::alloc::alloc", "alloc::alloc::exchange_malloc",
             "alloc::alloc::Global::alloc_impl", "alloc::raw_vec::finish_grow",
             "alloc::raw_vec::RawVec<T,A>::allocate_in",
             "alloc::raw_vec::RawVecInner<A>::try_allocate_in",
             "<alloc::raw_vec::RawVecInner<A>>::grow_amortized",
             "<alloc::raw_vec::RawVecInner>::grow_one",
             "alloc[4d8e2f7a91b0c3d5]::raw_vec::finish_grow",
             "<alloc[4d8e2f7a91b0c3d5]::raw_vec::RawVecInner<A>>::reserve::do_reserve_and_handle",
             "<alloc::alloc::Global as core::alloc::Allocator>::allocate",
             "<std::alloc::System as core::alloc::global::GlobalAlloc>::alloc",
             "std::sys::pal::unix::alloc::<impl core::alloc::global::GlobalAlloc for "
             "std::alloc::System>::alloc",
             "<tikv_jemallocator::Jemalloc as core::alloc::global::GlobalAlloc>::alloc",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::allocator) << function;
}

TEST(SiteFolding, StandardLibraryFunctionNames) {
    for (const char* function : {
             "std::vector<int, std::allocator<int> >::push_back(int const&)",
             "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>("
             "__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, "
             "int const&)",
             "char* std::__cxx11::basic_string<char>::_M_construct<char const*>(char const*)",
             "unsigned long std::__detail::_Hash_code_base<int>::_M_hash_code(int const&)",
             "__gnu_cxx::__normal_iterator<int*, std::vector<int> > std::copy<int*>(int*)",
             "<alloc::vec::Vec<T,A>>::push", "alloc::vec::Vec<T,A>::with_capacity",
             "<alloc::string::String as core::convert::From<&str>>::from",
             "<str as alloc::string::ToString>::to_string",
             "<[T] as alloc::slice::hack::ConvertVec>::to_vec", "std::rt::lang_start_internal",
             "core::ops::function::FnOnce::call_once",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::library) << function;
}

TEST(SiteFolding, ProgramFunctionNames) {
    for (const char* function : {
             "main", "fill_samples(std::vector<int, std::allocator<int> >&, unsigned long)",
             "malloc_trim", "my_malloc(unsigned long)", "operator newline_helper()",
             "operator<<(std::ostream&, Point const&)", "mystd::copy(int)",
             "myns::Widget<int, std::string>::build()", "label[abi:cxx11](int)",
             "(anonymous namespace)::Registry::add(std::string const&)",
             "myapp::alloc::raw_vec::helper", "myapp::Tree::clone_into(myapp::Tree&)",
             "__rust_alloc_error_handler", "allocate_buffer(unsigned long)", "???",
         })
        EXPECT_EQ(role_of_function(function), FrameRole::program) << function;
}

TEST(SiteFolding, SourceFilesAndObjects) {
    EXPECT_EQ(role_of(inlined_frame("allocate", "new_allocator.h")), FrameRole::allocator);
    EXPECT_EQ(role_of(inlined_frame("_M_allocate", "stl_vector.h")), FrameRole::library);
    EXPECT_EQ(role_of(inlined_frame("_M_insert", "vector.tcc")), FrameRole::library);
    EXPECT_EQ(role_of(inlined_frame("basic_string<>", "basic_string.h")), FrameRole::library);
    EXPECT_EQ(role_of(inlined_frame("f", "/usr/include/c++/12/bits/ranges_base.h")),
              FrameRole::library);
    EXPECT_EQ(role_of(inlined_frame("grow_one", "library/alloc/src/raw_vec/mod.rs")),
              FrameRole::allocator);
    EXPECT_EQ(role_of(inlined_frame(
                  "f", "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/io.rs")),
              FrameRole::library);
    EXPECT_EQ(role_of(inlined_frame("helper", "src/vector.cpp")), FrameRole::program);
    EXPECT_EQ(role_of(inlined_frame("helper", "mylibrary/alloc/src/x.rs")), FrameRole::program);
    EXPECT_EQ(role_of(make_frame("pthread_create@@GLIBC_2.34", kLibc, "", 0)), FrameRole::library);
    EXPECT_EQ(role_of(make_frame("_dl_allocate_tls", "/lib64/ld-linux-x86-64.so.2", "", 0)),
              FrameRole::library);
    EXPECT_EQ(role_of(make_frame("f", "/home/dev/libcore.so", "", 0)), FrameRole::program);
}

TEST(SiteFolding, IgnoreFnAddsAllocatorPatterns) {
    const Trace trace = trace_with_stack({make_frame("malloc", kPreload, "", 0),
                                          make_frame("pool_alloc(Pool&, unsigned long)"),
                                          make_frame("make_node(Pool&)"), make_frame("main")});
    EXPECT_EQ(site_function(trace), "pool_alloc(Pool&, unsigned long)");
    FoldingOptions options;
    options.extra_wrapper_patterns = {"^pool_"};
    EXPECT_EQ(site_function(trace, options), "make_node(Pool&)");
    options.extra_wrapper_patterns = {"alloc\\(Pool", "make_node"};  // searched anywhere
    EXPECT_EQ(site_function(trace, options), "main");
}

TEST(SiteFolding, AnAlternativeOutsideTheAnchorMatchesAnywhere) {
    // `^` anchors only the first alternative: the second may match within a name.
    FoldingOptions options;
    options.extra_wrapper_patterns = {"^pool_|arena_alloc", "^(slab_get|cache_get)"};
    const Trace trace = trace_with_stack({make_frame("my::arena_alloc(int)"),
                                          make_frame("pool_get"), make_frame("cache_get"),
                                          make_frame("my_cache_get"), make_frame("main")});
    const SiteFolder folder(trace, options);
    EXPECT_EQ(folder.role(0), FrameRole::allocator);
    EXPECT_EQ(folder.role(1), FrameRole::allocator);
    EXPECT_EQ(folder.role(2), FrameRole::allocator);
    EXPECT_EQ(folder.role(3), FrameRole::program);
}

TEST(SiteFolding, FramesLimitTruncatesTheFoldedStack) {
    const Trace trace = test::small_trace();
    FoldingOptions options;
    options.max_frames = 2;
    const FoldedStack two = SiteFolder(trace, options).fold(trace.stacks[0]);
    EXPECT_EQ(two.frames, (std::vector<std::size_t>{6, 7}));
    EXPECT_EQ(two.omitted_frames, 2u);

    options.max_frames = 1;
    const FoldedStack one = SiteFolder(trace, options).fold(trace.stacks[0]);
    EXPECT_EQ(one.frames, (std::vector<std::size_t>{6}));
    EXPECT_EQ(one.omitted_frames, 3u);
}

TEST(SiteFolding, HugeNamesDoNotOverflowTheRegexEngine) {
    // std::regex recurses per character; names are matched on a bounded prefix.
    const std::string huge = "my::Allocator<" + std::string(1 << 20, 'a') + ">::allocate";
    FoldingOptions options;
    options.extra_wrapper_patterns = {"(a|b)*x"};
    const Trace trace = trace_with_stack(
        {make_frame(huge, std::string(1 << 20, 'o'), std::string(1 << 20, 'f')), make_frame("main")});
    const FoldedStack folded = SiteFolder(trace, options).fold(trace.stacks.front());
    EXPECT_EQ(folded.site_frame, 0u);
}

TEST(SiteFolding, InvalidPatternIsRefused) {
    EXPECT_THROW(compile_rule_pattern("("), std::regex_error);
    EXPECT_NO_THROW(compile_rule_pattern("^my_pool_alloc$"));
    for (const RoleRule& rule : default_role_rules())
        EXPECT_NO_THROW(compile_rule_pattern(rule.pattern)) << rule.pattern;
}

TEST(SiteFolding, DescribesFramesAndLocations) {
    EXPECT_EQ(describe_frame(make_frame("fill(int)", kApp, "demo.cpp", 21)),
              "fill(int) (demo.cpp:21)");
    EXPECT_EQ(describe_location(make_frame("fill(int)", kApp, "demo.cpp", 21)), "demo.cpp:21");
    EXPECT_EQ(describe_frame(make_frame("start_thread", kLibc, "", 0)),
              "start_thread (in /usr/lib/x86_64-linux-gnu/libc.so.6)");
    EXPECT_EQ(describe_location(make_frame("start_thread", kLibc, "", 0)), "start_thread");
    EXPECT_EQ(describe_frame(make_frame("f", kApp, "gen.c", 0)), "f (gen.c)");
    EXPECT_EQ(describe_frame(make_frame("???", "", "", 0)), "???");
    // Names are data: control bytes must not break the one-line layout.
    EXPECT_EQ(describe_frame(make_frame("scratch\tcopy\n", kApp, "a\x01.c", 7)),
              "scratch\\tcopy\\n (a\\x01.c:7)");
}

// A trace of one site per caller: each caller calls `chain` (outermost last), whose innermost
// function calls malloc from `line`.
Trace trace_with_wrapper(const std::vector<std::string>& callers,
                         const std::vector<std::string>& chain, bool same_line = true) {
    Trace trace;
    const auto add_frame = [&](Frame frame) {
        frame.id = trace.frames.size() + 1;
        trace.frames.push_back(std::move(frame));
        return trace.frames.size() - 1;
    };
    const std::size_t malloc_frame = add_frame(make_frame("malloc", kPreload, "", 0));
    for (std::size_t i = 0; i < callers.size(); ++i) {
        Stack stack;
        stack.id = i + 1;
        stack.frames.push_back(malloc_frame);
        for (std::size_t link = 0; link < chain.size(); ++link)
            stack.frames.push_back(add_frame(make_frame(
                chain[link], kApp, "alloc.c", link == 0 && !same_line ? 10 + i : 10 + link)));
        stack.frames.push_back(add_frame(make_frame(callers[i], kApp, "app.c", 100 + i)));
        stack.frames.push_back(add_frame(make_frame("main", kApp, "app.c", 5)));
        trace.stacks.push_back(stack);
        Site site;
        site.id = i + 1;
        site.stack = i;
        trace.sites.push_back(site);
    }
    return trace;
}

std::vector<std::string> site_functions(const Trace& trace, const FoldingOptions& options = {}) {
    const SiteFolder folder(trace, options);
    std::vector<std::string> functions;
    for (const Stack& stack : trace.stacks)
        functions.push_back(trace.frames[folder.fold(stack).site_frame].function);
    return functions;
}

TEST(SiteFolding, AWrapperCalledFromManyPlacesIsFoldedAndListed) {
    const Trace trace = trace_with_wrapper({"parse", "load", "index", "save"}, {"xmalloc"});
    EXPECT_EQ(site_functions(trace),
              (std::vector<std::string>{"parse", "load", "index", "save"}));
    const SiteFolder folder(trace, {});
    ASSERT_EQ(folder.wrappers().size(), 1u);
    EXPECT_EQ(folder.wrappers()[0].frame.function, "xmalloc");
    EXPECT_EQ(folder.wrappers()[0].callers, 4u);
    EXPECT_EQ(folder.wrappers()[0].sites, 4u);
}

TEST(SiteFolding, AChainOfWrappersFoldsWhole) {
    const Trace trace = trace_with_wrapper({"parse", "load", "index", "save", "print"},
                                           {"mem_malloc", "malloc_with_alarm", "db_malloc"});
    EXPECT_EQ(site_functions(trace),
              (std::vector<std::string>{"parse", "load", "index", "save", "print"}));
}

TEST(SiteFolding, FewCallersOrSeveralLinesAreNoWrapper) {
    const Trace few = trace_with_wrapper({"parse", "load", "index"}, {"make_table"});
    EXPECT_EQ(site_functions(few),
              (std::vector<std::string>{"make_table", "make_table", "make_table"}));
    EXPECT_TRUE(SiteFolder(few, {}).wrappers().empty());
    // A function allocating from a different line for each caller does its own work.
    const Trace lines = trace_with_wrapper({"parse", "load", "index", "save"}, {"build"}, false);
    EXPECT_EQ(site_functions(lines), (std::vector<std::string>(4, "build")));
}

TEST(SiteFolding, FindWrappersNoKeepsThem) {
    const Trace trace = trace_with_wrapper({"parse", "load", "index", "save"}, {"xmalloc"});
    FoldingOptions options;
    options.find_wrappers = false;
    EXPECT_EQ(site_functions(trace, options), (std::vector<std::string>(4, "xmalloc")));
    EXPECT_TRUE(SiteFolder(trace, options).wrappers().empty());
}

TEST(SiteRows, SitesThatPrintAlikeAreToldApartByACaller) {
    // make_table's one line, called from three places: three rows "make_table (alloc.c:10)".
    const Trace trace = trace_with_wrapper({"parse", "load", "index"}, {"make_table"});
    const std::vector<SiteRow> rows = make_site_rows(trace, SiteFolder(trace, {}));
    std::vector<std::string> callers;
    for (const SiteRow& row : rows) {
        ASSERT_TRUE(row.told_apart_by.has_value()) << row.figures.id;
        callers.push_back(row.told_apart_by->function);
    }
    std::sort(callers.begin(), callers.end());
    EXPECT_EQ(callers, (std::vector<std::string>{"index", "load", "parse"}));
}

TEST(SiteRows, SitesThatDifferOnlyFarOutAreToldApartThere) {
    // A compiler's stacks: make_table called through 2000 frames of one recursive function
    // before the callers differ. The caller found is the first that differs, however deep.
    std::vector<std::string> chain = {"make_table"};
    chain.insert(chain.end(), 2000, "descend(tree_node*)");
    const Trace trace = trace_with_wrapper({"parse", "load", "index"}, chain);
    const std::vector<SiteRow> rows = make_site_rows(trace, SiteFolder(trace, {}));
    std::vector<std::string> callers;
    for (const SiteRow& row : rows) {
        ASSERT_TRUE(row.told_apart_by.has_value()) << row.figures.id;
        callers.push_back(row.told_apart_by->function);
    }
    std::sort(callers.begin(), callers.end());
    EXPECT_EQ(callers, (std::vector<std::string>{"index", "load", "parse"}));
}

TEST(SiteRows, ASiteAloneAtItsLineNeedsNoCaller) {
    const Trace trace = trace_with_stack({make_frame("malloc", kPreload, "", 0),
                                          make_frame("parse"), make_frame("main")});
    Trace with_site = trace;
    Site site;
    site.id = 1;
    with_site.sites.push_back(site);
    const std::vector<SiteRow> rows = make_site_rows(with_site, SiteFolder(with_site, {}));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_FALSE(rows[0].told_apart_by.has_value());
}

TEST(ReadableFunction, ALongSignatureLosesTemplateArgumentsAndParameters) {
    EXPECT_EQ(readable_function("llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 4096ul, 4096ul, "
                                "128ul>::Allocate(unsigned long, llvm::Align)"),
              "llvm::BumpPtrAllocatorImpl<…>::Allocate(…)");
    EXPECT_EQ(readable_function("std::map<std::__cxx11::basic_string<char>, int, std::less<void> >"
                                "::operator[](std::__cxx11::basic_string<char>&&)"),
              "std::map<…>::operator[](…)");
    EXPECT_EQ(readable_function("(anonymous namespace)::Arena<std::pair<unsigned long, unsigned "
                                "long> >::grow(unsigned long) const"),
              "(anonymous namespace)::Arena<…>::grow(…) const");
    EXPECT_EQ(readable_function("bool std::operator< <char, std::char_traits<char> >(std::basic_"
                                "string<char> const&, char const*)"),
              "bool std::operator< <…>(…)");
}

TEST(ReadableFunction, ShortNamesAndPlainCAreKeptWhole) {
    EXPECT_EQ(readable_function("std::vector<int>::push_back(int const&)"),
              "std::vector<int>::push_back(int const&)");
    EXPECT_EQ(readable_function("xmalloc"), "xmalloc");
}

TEST(ReadableFunction, ALocationWithoutAFileIsReadable) {
    Frame frame = make_frame("llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 4096ul, 4096ul, "
                             "128ul>::Allocate(unsigned long, llvm::Align)",
                             "/usr/lib/libLLVM-14.so.1", "", 0);
    EXPECT_EQ(describe_location(frame), "llvm::BumpPtrAllocatorImpl<…>::Allocate(…)");
    EXPECT_EQ(describe_frame(frame).find("llvm::MallocAllocator") != std::string::npos, true);
}

TEST(SiteRows, RowsShareTheirFramesInsteadOfCopyingThem) {
    // A compiler's 75,000 site rows, each with copies of its frames, took 180 MB for a 40 MB
    // trace: two sites of the same frames must show the very same Frame objects.
    Trace trace = trace_with_stack({make_frame("malloc", kPreload, "", 0), make_frame("parse"),
                                    make_frame("main")});
    Stack second = trace.stacks[0];
    second.id = 2;
    trace.stacks.push_back(second);
    for (std::size_t i = 0; i < 2; ++i) {
        Site site;
        site.id = i + 1;
        site.stack = i;
        trace.sites.push_back(site);
    }
    const std::vector<SiteRow> rows = make_site_rows(trace, SiteFolder(trace, {}));
    ASSERT_EQ(rows.size(), 2u);
    const Frame& first = rows[0].location;
    const Frame& other = rows[1].location;
    EXPECT_EQ(first.function, "parse");
    EXPECT_EQ(&first, &other);
    ASSERT_EQ(rows[0].stack.size(), 2u);
    ASSERT_EQ(rows[1].stack.size(), 2u);
    EXPECT_EQ(&rows[0].stack[1], &rows[1].stack[1]);
    EXPECT_EQ(rows[1].stack[1].function, "main");
}

}  // namespace site_folding_tests
}  // namespace memattr
