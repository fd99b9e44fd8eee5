/*--------------------------------------------------------------------*/
/*--- memattr: who is responsible for the memory at the peak.      ---*/
/*---                                                    ma_main.c ---*/
/*--------------------------------------------------------------------*/

/* The tool's entry points: registration with the core, command-line
   options, client requests, and the moments the trace is written
   (exit, fatal signal, exec).

   Files, each module calling only those below it in this list's
   order of layers (docs/architecture.md):
     ma_main.c      this file
     ma_progress.c  progress lines while the program runs (--progress)
     ma_trace.c     the trace file (docs/trace-format.md); only writes
     ma_exec.c      whether an execve will run, and be traced
     ma_custom.c    custom allocators and mempools (valgrind.h requests)
     ma_heap.c      the heap's figures, peak; malloc replacement
     ma_events.c    each block allocation and release, to the modules
                    that keep something per block, in a fixed order
     ma_instrument.c  the instrumentation loop and the instruction clock
     ma_access.c    reads, writes and copies of heap blocks: the heap map,
                    load/store helpers, the preload's bulk copies
     ma_lineage.c   copy pairs between blocks, folded into copy groups
     ma_snapshot.c  heap snapshots: when, taking, keeping (ma_snap_scan.h:
                    ma_snap_blocks.c the blocks, pointers and content hashes,
                    ma_snap_roots.c the roots, ma_snap_arrays.c the arrays)
     ma_regions.c   the memory map: mappings, the blocks in them
     ma_pages.c     pages written (store instrumentation), the footprint
     ma_exit_stack.c  the exit path's stack words written since their frame
                    was made (stale slots are not roots)
     ma_blocks.c    the tables of live blocks, sites and threads
     ma_phase.c     phases, iterations (--phase-fn) and marks
     ma_symbols.c   function symbols of the loaded objects (--phase-fn's check)
     ma_names.c     names kept for the run (interned), client strings
     ma_timeline.c  bounded samples of live heap over time
     ma_preload_heap.c, ma_preload_copy.c
                    code loaded into the client (replacement functions)
     ma_requests.h  the requests the preload makes to the tool
     memattr.h      the requests programs make (installed for users)

   memattr records facts; memattr-graph (postproc/) interprets them. */

#include "pub_tool_basics.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vkiscnums.h"
#include "pub_tool_xarray.h"

#include "ma_access.h"
#include "ma_custom.h"
#include "ma_heap.h"
#include "ma_instrument.h"
#include "ma_lineage.h"
#include "ma_names.h"
#include "ma_pages.h"
#include "ma_exec.h"
#include "ma_phase.h"
#include "ma_progress.h"
#include "ma_regions.h"
#include "ma_requests.h"
#include "ma_snapshot.h"
#include "ma_thread_sites.h"
#include "memattr.h"
#include "ma_timeline.h"
#include "ma_trace.h"

/*------------------------------------------------------------*/
/*--- Options                                              ---*/
/*------------------------------------------------------------*/

static const HChar* clo_out_file        = "memattr.out.%p";
static Long         clo_timeline_points = 500;
static Int          clo_track_pages     = -1;   /* -1: as --track-access */

/* Not in the tool headers, but a global of the core: a tool whose name
   is not one of the five built in gets inline-frame reading off by
   default, and memattr wants it on (a user's --read-inline-info=no
   still wins, being parsed after pre_clo_init). */
extern Bool VG_(clo_read_inline_info);

/* Also a core global: the --fullpath-after prefixes.  VG_(describe_IP)
   prints a source file's directory only when there is one, and it is
   the only source of file names for inlined frames; the empty prefix
   means "the whole directory".  Without directories, memattr-graph
   cannot tell an inlined "alloc.rs" of Rust's standard library from a
   program's own. */
extern XArray* VG_(clo_fullpath_after);

static Bool ma_process_cmd_line_option(const HChar* arg)
{
   const HChar* phase_fn;
   if VG_STR_CLO(arg, "--memattr-out-file", clo_out_file) {}
   else if VG_BINT_CLO(arg, "--timeline-points", clo_timeline_points, 100, 100000) {}
   else if VG_BOOL_CLO(arg, "--track-access", ma_track_access) {}
   else if VG_XACT_CLO(arg, "--track-pages=yes", clo_track_pages, 1) {}
   else if VG_XACT_CLO(arg, "--track-pages=no",  clo_track_pages, 0) {}
   else if VG_XACT_CLO(arg, "--malloc=replace", ma_malloc_wrapped, False) {}
   else if VG_XACT_CLO(arg, "--malloc=wrap",    ma_malloc_wrapped, True) {}
   else if VG_BOOL_CLO(arg, "--snapshots", ma_snapshots_on) {}
   else if VG_BINT_CLO(arg, "--snapshot-growth", ma_snapshot_growth_pct, 0, 1000) {}
   else if VG_BINT_CLO(arg, "--snapshot-min", ma_snapshot_min_bytes, 0, 1LL << 50) {}
   else if VG_BINT_CLO(arg, "--snapshot-budget", ma_snapshot_budget, 0, 1000000) {}
   else if VG_BOOL_CLO(arg, "--snapshot-check", ma_snapshot_check) {}
   else if VG_STR_CLO(arg, "--phase-fn", phase_fn) {
      if (!ma_phase_add_function(phase_fn))
         VG_(fmsg_bad_option)(arg, "--phase-fn needs a function name\n");
   }
   else if (ma_progress_process_option(arg)) {}
   else return VG_(replacement_malloc_process_cmd_line_option)(arg);
   return True;
}

static void ma_print_usage(void)
{
   VG_(printf)(
"    --memattr-out-file=<file>   trace file to write [memattr.out.%%p]\n"
"                                %%p is the pid, %%q{VAR} the value of $VAR;\n"
"                                read it with: memattr-graph report <file>\n"
"    --timeline-points=<n>       keep between n and 2n samples of live heap\n"
"                                over time, plus the exact peak [500]\n"
"                                (100..100000; the trace size does not grow\n"
"                                with the number of allocations)\n"
"    --track-access=no|yes       track every read, write and copy of heap\n"
"                                blocks: copy lineage (clones that could be\n"
"                                moves, relocation churn) and never-read\n"
"                                blocks [yes].  'no' records allocations\n"
"                                only, at about Massif's speed\n"
"    --track-pages=no|yes        instrument stores to find the pages the program\n"
"                                writes, for the memory map (mapped versus\n"
"                                written versus used, per mapping) [the value\n"
"                                of --track-access]\n"
"    --malloc=replace|wrap       replace: Valgrind's allocator replaces the\n"
"                                program's, as in Massif and DHAT [replace].\n"
"                                wrap: glibc's malloc runs and is wrapped, so\n"
"                                its brk heap, per-thread arenas, top pad and\n"
"                                fragmentation show in the memory map (glibc's\n"
"                                malloc then runs simulated: about 1.6 times\n"
"                                the time on malloc-heavy code)\n"
"    --snapshots=no|yes          take heap snapshots (blocks, pointers between\n"
"                                them, roots, content hashes) near the peak,\n"
"                                at exit and on MEMATTR_SNAPSHOT requests, for\n"
"                                ownership (retained sizes), duplicate contents\n"
"                                and unreachable blocks [yes]\n"
"    --snapshot-growth=<pct>     retake the peak snapshot once the heap grows\n"
"                                more than pct %% past the last one, so it lies\n"
"                                within pct %% of the true peak [2] (0..1000;\n"
"                                0 = at every new peak, exact but slowest); on\n"
"                                a heap of over 65,536 blocks (any, with\n"
"                                --track-access=no), where the heap falls\n"
"                                pct/2 %% below its peak, unless it only grew\n"
"                                since the last (docs/accuracy.md, \"When\")\n"
"    --snapshot-min=<bytes>      no peak snapshot below this live heap [65536]\n"
"    --snapshot-budget=<k>       retaken peak snapshots read at most k times\n"
"                                the live heap in all [20; 10 with\n"
"                                --track-access=no] (root pages read\n"
"                                again because written are not counted); when\n"
"                                that binds, the last one is further from the\n"
"                                peak than --snapshot-growth (the report says\n"
"                                how far).\n"
"                                0 = no budget\n"
"    --phase-fn=<function>       each call of the function is one iteration of\n"
"                                a phase named after it (repeatable): what\n"
"                                each call allocated, freed and left behind,\n"
"                                and the growth per iteration, by site.  The\n"
"                                name is matched against the demangled name,\n"
"                                with or without its parameter list (C++:\n"
"                                'process_batch' or 'ns::process_batch(int)';\n"
"                                Rust: 'crate::module::process_batch').\n"
"                                Programs can also use MEMATTR_PHASE_BEGIN/END\n"
"                                and MEMATTR_MARK from memattr.h\n"
   );
   ma_progress_print_usage();
   VG_(printf)(
"\n"
"    memattr replaces the client's allocator (like Massif and DHAT): every\n"
"    malloc/calloc/realloc/free, memalign/posix_memalign/aligned_alloc/valloc\n"
"    and C++ new/delete (sized, aligned, nothrow) is recorded with its stack\n"
"    (--malloc=wrap: glibc's own allocator runs instead).  Blocks of a\n"
"    program's own allocators count too when it announces them with\n"
"    valgrind.h's VALGRIND_MALLOCLIKE_BLOCK/FREELIKE_BLOCK/RESIZEINPLACE_BLOCK\n"
"    or the VALGRIND_MEMPOOL_* requests.\n"
"    With --track-access=yes, memcpy/memmove/mempcpy/bcopy/wmemcpy/wmemmove,\n"
"    the str[n]cpy/stp[n]cpy/str[n]cat family, strdup/strndup and their _chk\n"
"    forms are intercepted in libc and the executable, and copies the\n"
"    compiler inlined (loops, rep movs, vector moves) are seen as loads\n"
"    feeding stores.\n"
"    Useful core options: --num-callers=<n> (stack depth; memattr's default\n"
"    is 24), --read-inline-info=no (memattr turns inline frames on),\n"
"    --alignment=<n>, --soname-synonyms=somalloc=<lib> for a statically\n"
"    linked or non-libc allocator.\n"
   );
}

static void ma_print_debug_usage(void)
{
   VG_(printf)(
"    --snapshot-check=no|yes     compare every snapshot retaken from the last\n"
"                                one with a full scan at the same moment, and\n"
"                                report differences on stderr (for testing:\n"
"                                about doubles the snapshots' cost) [no]\n");
}

/*------------------------------------------------------------*/
/*--- Writing the trace: exit, exec, fork                  ---*/
/*------------------------------------------------------------*/

static Int fork_of = 0;   /* parent pid, in a fork child */

/* The core passes fini no useful status (always 0), so the exit
   syscalls are watched: exit_group, or exit of the last thread, gives
   the status; a run that ends with neither was ended by a signal. */
static Bool saw_exit    = False;
static Int  exit_status = 0;
static UInt living_threads = 1;

static void ma_thread_created(ThreadId parent, ThreadId child)
{
   living_threads++;
   ma_blocks_thread_created(parent, child);
   /* The second thread: from now on each thread's own peak needs its
      own sites (ma_thread_sites.h). */
   if (ma_blocks_n_threads() == 2 && parent != VG_INVALID_THREADID) {
      /* The sites' figures at the global peak are the first thread's at
         its own: record the peak first if the heap is still at it. */
      ma_heap_capture_peak_if_at_peak();
      ma_thread_sites_start(ma_blocks_thread(parent));
   }
}

static void ma_thread_exited(ThreadId tid)
{
   if (living_threads > 0) living_threads--;
}

/* Returns whether the trace was written. */
static Bool write_trace(ExitReason reason, Int exit_code)
{
   TraceRequest req = { clo_out_file, fork_of, reason, exit_code };
   HChar* name = ma_trace_write(&req);
   if (!name) return False;
   if (VG_(clo_verbosity) > 0) {
      VG_(umsg)("Peak live heap: %'llu bytes in %'llu blocks; "
                "total: %'llu bytes in %'llu blocks\n",
                ma_heap.peak_bytes, ma_heap.peak_blocks,
                ma_heap.total_bytes, ma_heap.total_blocks);
      VG_(umsg)("Trace written to %s; read it with: memattr-graph report %s\n",
                name, name);
   }
   VG_(free)(name);
   return True;
}

/* A run that leaves no trace must not pass for a profiled one in a
   script: exit status 0 becomes 1 (any other is kept).  A tool cannot
   set the status the core exits with, so the process ends here; all
   the core has left to do is statistics and gdbserver's farewell. */
static void fail_without_trace(void)
{
   VG_(umsg)("memattr: error: no trace was written%s\n",
             exit_status == 0 ? "; exit status 1 instead of the program's 0" : "");
   if (exit_status != 0) return;
   VG_(message_flush)();
   VG_(exit)(1);
}

/* Runs on normal exit, exit() from any thread and death by a fatal
   signal; not on SIGKILL (nothing runs then).  After a fatal signal
   the process dies of it, which a missing trace does not change. */
static void ma_fini(Int unused_exit_code)
{
   ma_phase_report_unrun();
   if (!write_trace(saw_exit ? MA_EXIT_NORMAL : MA_EXIT_SIGNAL, exit_status) && saw_exit)
      fail_without_trace();
   ma_snapshot_check_summary();
}

/* The core never calls fini when the client execs: the trace is written
   just before, once per program that ran.  Not for an exec the kernel
   will refuse (a PATH search tries a name in each directory): the
   program goes on.  Not in a fork child whose exec memattr traces too:
   the child ran no program of its own (the parent's code between fork
   and exec), and the new program's trace has its pid, so its name.  If
   an exec fails all the same, the program goes on and the trace is
   written again at its exit, replacing this one. */
static void trace_before_exec(UInt syscallno, UWord* args)
{
   ExecCall call;
   ma_exec_call(&call, syscallno, args);
   if (!ma_exec_may_run(&call)) return;
   if (fork_of && ma_exec_is_traced(&call)) return;
   write_trace(MA_EXIT_EXEC, 0);
}

static void ma_pre_syscall(ThreadId tid, UInt syscallno, UWord* args, UInt nArgs)
{
   ma_regions_pre_syscall(tid, syscallno, args, nArgs);
   if (syscallno == __NR_execve || syscallno == __NR_execveat) {
      trace_before_exec(syscallno, args);
   } else if (syscallno == __NR_exit_group
              || (syscallno == __NR_exit && living_threads <= 1)) {
      saw_exit    = True;
      exit_status = (Int)(args[0] & 0xff);
      ma_snapshot_note_exit();
   }
}

static void ma_post_syscall(ThreadId tid, UInt syscallno, UWord* args,
                            UInt nArgs, SysRes res)
{
   ma_regions_post_syscall(tid, syscallno, args, nArgs, res);
}

/* A fork child inherits the parent's heap and history; its trace says
   so, and gets the child's own pid in its name. */
static void ma_atfork_child(ThreadId tid)
{
   fork_of = VG_(getppid)();
   ma_pages_forked();
}

/*------------------------------------------------------------*/
/*--- Client requests                                      ---*/
/*------------------------------------------------------------*/

static Bool ma_handle_client_request(ThreadId tid, UWord* args, UWord* ret)
{
   if (!VG_IS_TOOL_USERREQ('M', 'A', args[0]))
      return ma_custom_handle_request(tid, args, ret);
   switch (args[0]) {
      case MA_REQ_WRAP_ALLOC:
         ma_heap_wrapped_alloc(tid, args[1], args[2]);
         *ret = 0;
         return True;
      case MA_REQ_WRAP_FREE:
         ma_heap_wrapped_free(tid, args[1]);
         *ret = 0;
         return True;
      case MA_REQ_WRAP_REALLOC:
         ma_heap_wrapped_realloc(tid, args[1], args[2], args[3]);
         *ret = 0;
         return True;
      case MA_REQ_COPY:
         *ret = ma_access_bulk_copy(args[1], args[2], args[3]);
         return True;
      case MA_REQ_STRNLEN:
         *ret = ma_access_strnlen(args[1], args[2]);
         return True;
      case MA_REQ_TRACKING:
         *ret = ma_track_access;
         return True;
      case MEMATTR_USERREQ__SNAPSHOT:
         ma_snapshot_requested(tid, args[1]);
         *ret = 0;
         return True;
      case MEMATTR_USERREQ__PHASE_BEGIN:
         ma_phase_begin_requested(tid, args[1]);
         *ret = 0;
         return True;
      case MEMATTR_USERREQ__PHASE_END:
         ma_phase_end_requested(tid, args[1]);
         *ret = 0;
         return True;
      case MEMATTR_USERREQ__MARK:
         ma_phase_mark_requested(tid, args[1]);
         *ret = 0;
         return True;
      default:
         return False;
   }
}

/*------------------------------------------------------------*/
/*--- Initialisation                                       ---*/
/*------------------------------------------------------------*/

/* The core puts the usual preload object (malloc replacements and
   copy interception) in LD_PRELOAD; two options want another one.
   Without access tracking the copy replacements would only cost time
   (vgpreload_memattr-heap.so); --malloc=wrap wants glibc's malloc
   wrapped, not replaced (vgpreload_memattr-wrap.so).  The other name is
   written over the usual one, padded with spaces (ld.so separates
   entries by spaces too).  This is Massif's way of dropping its own
   preload for --pages-as-heap=yes: LD_PRELOAD is set up before the
   tool's initialisation.  The name must not be longer than the usual. */
static void use_preload(const HChar* instead)
{
   static const HChar usual[] = "vgpreload_memattr-amd64-linux.so";
   SizeT len = VG_(strlen)(instead);
   tl_assert(len < sizeof usual);
   HChar* preload = VG_(getenv)(VG_(LD_PRELOAD_var_name));
   HChar* entry = preload ? VG_(strstr)(preload, usual) : NULL;
   if (!entry) {
      VG_(umsg)("memattr: warning: %s not found in LD_PRELOAD, so %s cannot be "
                "used instead: allocations and copies may be counted as with the "
                "defaults\n", usual, instead);
      return;
   }
   VG_(memcpy)(entry, instead, len);
   VG_(memset)(entry + len, ' ', sizeof usual - 1 - len);
}

static void ma_post_clo_init(void)
{
   /* Found now rather than at exit, after a run that may have taken
      hours and then leaves nothing. */
   if (!ma_trace_destination_ok(clo_out_file)) {
      VG_(umsg)("memattr: the program was not run: give --memattr-out-file a name "
                "memattr can create\n");
      VG_(message_flush)();
      VG_(exit)(1);
   }
   /* --malloc=wrap: the preload that wraps glibc's malloc (and
      intercepts copies) instead of the one that replaces it. */
   if (ma_malloc_wrapped)     use_preload("vgpreload_memattr-wrap.so");
   else if (!ma_track_access) use_preload("vgpreload_memattr-heap.so");
   ma_track_pages = clo_track_pages < 0 ? ma_track_access : clo_track_pages;
   ma_pages_start();
   ma_timeline_init((UInt)clo_timeline_points);
   ma_blocks_start(ma_track_access);
   ma_heap_start(ma_snapshots_on);
   ma_access_init();
   ma_lineage_init();
   ma_snapshot_init();
   ma_phase_start();
   ma_progress_start();
   if (VG_(sizeXA)(VG_(clo_fullpath_after)) == 0) {   /* the user gave none */
      static const HChar* const whole_directory = "";
      VG_(addToXA)(VG_(clo_fullpath_after), &whole_directory);
   }
}

static void ma_pre_clo_init(void)
{
   VG_(details_name)            ("memattr");
   VG_(details_version)         (MEMATTR_VERSION);
   VG_(details_description)     ("who is responsible for the memory at the peak");
   VG_(details_copyright_author)("Copyright (C) 2026, the memattr authors; GNU GPL'd.");
   VG_(details_bug_reports_to)  ("the memattr issue tracker");
   /* Valgrind sizes each translation sector's code cache as this times
      its fixed number of entries, and calls a sector full when either
      fills; the entry table is written whole when the sector is made,
      the code cache only as code goes in.  With access tracking our
      translations average 440-580 bytes (--stats=yes on cc1plus), and
      a sector takes entries only up to about two thirds of its table:
      so a figure this high fills both at once, where 300 left the
      tables more than half empty (on cc1plus: eight sectors instead of
      six, and 21 MB more of the tool's memory).  Too high a figure
      costs nothing: code cache pages never written are never resident.
      (Valgrind refuses more than about 790.) */
   VG_(details_avg_translation_sizeB)(760);

   VG_(basic_tool_funcs)(ma_post_clo_init, ma_instrument, ma_fini);
   VG_(needs_libc_freeres)();
   VG_(needs_cxx_freeres)();
   VG_(needs_command_line_options)(ma_process_cmd_line_option,
                                   ma_print_usage, ma_print_debug_usage);
   VG_(needs_syscall_wrapper)(ma_pre_syscall, ma_post_syscall);
   VG_(needs_client_requests)(ma_handle_client_request);
   VG_(track_pre_thread_ll_create)(ma_thread_created);
   VG_(track_pre_thread_ll_exit)(ma_thread_exited);
   VG_(atfork)(NULL, NULL, ma_atfork_child);

   VG_(clo_read_inline_info) = True;
   /* Allocator chains are deep (Rust: a dozen frames between Vec::push
      and malloc), so the default depth is twice the core's; the
      command line, parsed after this, still overrides it. */
   VG_(clo_backtrace_size) = 24;

   ma_blocks_init();
   ma_heap_init();
   ma_thread_sites_init();
   ma_names_init();
   ma_regions_init();
   ma_custom_init();
   ma_phase_init();   /* before the options: --phase-fn adds to it */
   ma_heap_register_malloc_replacement();
   ma_access_register_kernel_accesses();
}

VG_DETERMINE_INTERFACE_VERSION(ma_pre_clo_init)
