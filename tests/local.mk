# tests/: GoogleTest unit tests of memattr-graph (tests/postproc/) and the tool regression
# tests (tests/tool/: small programs with known figures, checked through memattr-graph and
# against DHAT and Massif, their leaks at exit against Memcheck's). `make check` runs them
# all and ends with "N passed, N failed".
include tests/postproc/local.mk

# Everything the tests need from the source tree; tests/dist-check.sh fails `make check`
# when a file in git is missing from the tarball and not excluded on purpose.
EXTRA_DIST += tests/run-all.sh tests/dist-check.sh tests/check-layering.py \
	tests/tool/test_tool.py tests/tool/fixtures.py tests/tool/raw_trace.py \
	tests/tool/cases/__init__.py tests/tool/cases/peak_and_totals.py \
	tests/tool/cases/bad_input.py tests/tool/cases/copies.py tests/tool/cases/ownership.py \
	tests/tool/cases/agreement.py tests/tool/cases/leaks.py tests/tool/cases/phases.py \
	tests/tool/cases/memory_map.py tests/tool/cases/allocators.py tests/tool/cases/history.py \
	tests/tool/cases/html.py tests/tool/cases/profiles.py tests/tool/chromium_cdp.py \
	tests/tool/cases/real_programs.py tests/tool/cases/snapshots.py tests/tool/cases/progress.py \
	tests/tool/cases/trace_input.py \
	tests/tool/c_basic_peak.c tests/tool/c_alloc_family.c tests/tool/c_threads.c tests/tool/c_thread_peaks.c \
	tests/tool/c_reserved_buffers.c tests/tool/c_large_unwritten.c tests/tool/c_usable_sizes.c \
	tests/tool/c_code_pages.c tests/tool/c_readonly_pages.c \
	tests/tool/cxx_alloc.cpp tests/tool/rust_alloc.rs tests/tool/c_many_allocs.c \
	tests/tool/c_fatal_signal.c tests/tool/c_signals.c tests/tool/c_fork.c tests/tool/c_exec.c tests/tool/c_exec_path.c \
	tests/tool/c_clone_memcpy.c tests/tool/c_copy_fanout.c tests/tool/cxx_clone_vs_move.cpp \
	tests/tool/rust_clone_vs_move.rs \
	tests/tool/cxx_copy_constructed.cpp tests/tool/rust_derive_clone.rs \
	tests/tool/cxx_vector_of_records.cpp tests/tool/rust_vec_of_records_clone.rs \
	tests/tool/cxx_owner_tree.cpp tests/tool/cxx_duplicate_strings.cpp tests/tool/cxx_release_chain_roots.cpp \
	tests/tool/c_leaks.c tests/tool/c_release_wrapper.c tests/tool/c_leak_cycles.c tests/tool/cxx_leak_tree.cpp \
	tests/tool/c_phases.c tests/tool/c_phase_return.c tests/tool/c_leak_dead_frames.c tests/tool/c_leak_metapool.c \
	tests/tool/c_leak_exit_stale.c tests/tool/c_leak_exit_register.c tests/tool/cxx_leak_exit_stale.cpp \
	tests/tool/cxx_leak_heuristics.cpp tests/tool/c_leak_realloc_in_place.c \
	tests/tool/c_mremap_arena.c tests/tool/c_mempool.c tests/tool/c_file_mmap.c \
	tests/tool/c_wrap_arenas.c tests/tool/c_own_allocator.c tests/tool/c_own_allocator_lib.c \
	tests/tool/c_bad_requests.c tests/tool/c_mapped_gap.c tests/tool/c_trace_sabotage.c \
	tests/tool/c_mprotect_heap.c tests/tool/c_reserved_deep.c tests/tool/c_brk_overflow.c \
	tests/tool/c_many_pointers.c tests/tool/c_recycled_block.c tests/tool/c_sparse_frees.c \
	tests/tool/c_heap_mutations.c tests/tool/c_snapshot_churn.c tests/tool/c_huge_pages.c tests/tool/c_long_run.c \
	tests/tool/c_deep_stack.c \
	tests/tool/c_map_history.c

check-local: memattr-overlay
	@$(abs_top_srcdir)/tests/run-all.sh $(abs_top_srcdir) $(abs_top_builddir)

clean-local: clean-test-work
clean-test-work:
	rm -rf tests/work
.PHONY: clean-test-work
