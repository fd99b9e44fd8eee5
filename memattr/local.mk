# memattr/: the Valgrind tool (memattr-amd64-linux) and the object it preloads into the
# client (vgpreload_memattr-amd64-linux.so), built out of tree against Debian's SDK.
# Flags follow Valgrind's own Makefile.all.am / Makefile.tool.am for amd64-linux
# (see ../shared/reference/valgrind-tool-notes.md section 1).

MA_PLATFORM_DEFS = -DVGA_amd64=1 -DVGO_linux=1 -DVGP_amd64_linux=1 -DVGPV_amd64_linux_vanilla=1 \
                   -DMEMATTR_VERSION=\"$(PACKAGE_VERSION)\"
MA_SDK_CPPFLAGS  = $(VALGRIND_CFLAGS) $(MA_PLATFORM_DEFS)

valgrindtool_PROGRAMS = memattr/memattr-amd64-linux memattr/vgpreload_memattr-amd64-linux.so \
	memattr/vgpreload_memattr-heap.so memattr/vgpreload_memattr-wrap.so
valgrindtooldir = $(valgrind_tooldir)

memattr_memattr_amd64_linux_SOURCES = \
	memattr/ma_main.c memattr/ma_heap.c memattr/ma_heap.h \
	memattr/ma_blocks.c memattr/ma_blocks.h memattr/ma_events.h \
	memattr/ma_instrument.c memattr/ma_instrument.h memattr/ma_clock.h memattr/ma_ir_writes.h \
	memattr/ma_pages.c memattr/ma_pages.h \
	memattr/ma_access.c memattr/ma_access.h \
	memattr/ma_lineage.c memattr/ma_lineage.h memattr/ma_requests.h \
	memattr/ma_snapshot.c memattr/ma_snapshot.h memattr/memattr.h memattr/ma_snap_scan.h \
	memattr/ma_snap_blocks.c memattr/ma_snap_roots.c memattr/ma_snap_arrays.c \
	memattr/ma_bigmem.c memattr/ma_bigmem.h \
	memattr/ma_block_index.c memattr/ma_block_index.h \
	memattr/ma_root_cache.c memattr/ma_root_cache.h \
	memattr/ma_layouts.c memattr/ma_layouts.h memattr/ma_release_chain.c memattr/ma_release_chain.h \
	memattr/ma_exit_stack.c memattr/ma_exit_stack.h \
	memattr/ma_regions.c memattr/ma_regions.h memattr/ma_custom.c memattr/ma_custom.h \
	memattr/ma_phase.c memattr/ma_phase.h memattr/ma_symbols.c memattr/ma_symbols.h memattr/ma_names.c memattr/ma_names.h \
	memattr/ma_timeline.c memattr/ma_timeline.h memattr/ma_thread_sites.c memattr/ma_thread_sites.h \
	memattr/ma_trace.c memattr/ma_trace.h memattr/ma_exec.c memattr/ma_exec.h \
	memattr/ma_progress.c memattr/ma_progress.h \
	format/memattr_trace_schema.h format/memattr_trace_compact.h format/memattr_glibc_chunk.h
memattr_memattr_amd64_linux_CPPFLAGS = $(MA_SDK_CPPFLAGS) $(MA_TRACE_SCHEMA_CPPFLAGS)
memattr_memattr_amd64_linux_CFLAGS = -m64 -O2 -g -std=gnu11 -Wall -Wno-unused-parameter \
	-fno-strict-aliasing -fno-builtin -fno-stack-protector -fomit-frame-pointer
# Valgrind links tools static, at its load address, without libc (link_tool_exe_linux).
memattr_memattr_amd64_linux_LDFLAGS = -m64 -static -nodefaultlibs -nostartfiles -u _start \
	-Wl,-Ttext-segment=0x58000000
memattr_memattr_amd64_linux_LDADD = \
	$(VG_SDK_LIBDIR)/libcoregrind-amd64-linux.a \
	$(VG_SDK_LIBDIR)/libvex-amd64-linux.a \
	-lgcc $(VG_SDK_LIBDIR)/libgcc-sup-amd64-linux.a

# Three preload objects (ma_preload_heap.c says why): malloc replacement with
# copy interception, without it (--track-access=no), and glibc's malloc wrapped
# instead of replaced, with copy interception (--malloc=wrap).
MA_PRELOAD_COMPILE = -m64 -O2 -g -fno-omit-frame-pointer \
	-fno-strict-aliasing -fpic -fno-builtin -fno-ipa-icf -fno-stack-protector
# The malloc replacements come whole from Valgrind's libreplacemalloc_toolpreload.
MA_PRELOAD_LINK_PLAIN = -m64 -nodefaultlibs -shared -Wl,-z,interpose,-z,initfirst
MA_PRELOAD_LINK = $(MA_PRELOAD_LINK_PLAIN) \
	-Wl,--whole-archive $(VG_SDK_LIBDIR)/libreplacemalloc_toolpreload-amd64-linux.a \
	-Wl,--no-whole-archive

memattr_vgpreload_memattr_amd64_linux_so_SOURCES = memattr/ma_preload_heap.c \
	memattr/ma_preload_copy.c memattr/ma_requests.h
memattr_vgpreload_memattr_amd64_linux_so_CPPFLAGS = $(MA_SDK_CPPFLAGS)
memattr_vgpreload_memattr_amd64_linux_so_CFLAGS = $(MA_PRELOAD_COMPILE)
memattr_vgpreload_memattr_amd64_linux_so_LDFLAGS = $(MA_PRELOAD_LINK)

memattr_vgpreload_memattr_heap_so_SOURCES = memattr/ma_preload_heap.c
memattr_vgpreload_memattr_heap_so_CPPFLAGS = $(MA_SDK_CPPFLAGS)
memattr_vgpreload_memattr_heap_so_CFLAGS = $(MA_PRELOAD_COMPILE)
memattr_vgpreload_memattr_heap_so_LDFLAGS = $(MA_PRELOAD_LINK)

memattr_vgpreload_memattr_wrap_so_SOURCES = memattr/ma_preload_wrap.c \
	memattr/ma_preload_copy.c memattr/ma_requests.h
memattr_vgpreload_memattr_wrap_so_CPPFLAGS = $(MA_SDK_CPPFLAGS)
memattr_vgpreload_memattr_wrap_so_CFLAGS = $(MA_PRELOAD_COMPILE)
memattr_vgpreload_memattr_wrap_so_LDFLAGS = $(MA_PRELOAD_LINK_PLAIN)

# An overlay library directory for running from the build tree without installing
# (like Valgrind's vg-in-place): every system tool file, plus ours.
all-local: memattr-overlay
MA_TOOL_FILES = memattr-amd64-linux vgpreload_memattr-amd64-linux.so vgpreload_memattr-heap.so \
	vgpreload_memattr-wrap.so
memattr-overlay: $(addprefix memattr/,$(MA_TOOL_FILES))
	$(AM_V_GEN)rm -rf $@.new && mkdir -p $@.new && \
	for f in $(VALGRIND_SYSTEM_LIBDIR)/*; do ln -s "$$f" $@.new/; done && \
	for f in $(MA_TOOL_FILES); do \
	  rm -f $@.new/$$f && ln -s $(abs_top_builddir)/memattr/$$f $@.new/ || exit 1; \
	done && \
	rm -rf $@ && mv $@.new $@
clean-local: clean-memattr-overlay
clean-memattr-overlay:
	rm -rf memattr-overlay memattr-overlay.new
.PHONY: clean-memattr-overlay

# The header programs include to make requests (MEMATTR_SNAPSHOT): #include <memattr.h>.
include_HEADERS += memattr/memattr.h
