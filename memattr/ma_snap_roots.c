/*--------------------------------------------------------------------*/
/*--- memattr: a snapshot's roots.                  ma_snap_roots.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snap_scan.h and ma_snapshot.c (step 3): the words outside the
   heap that point into a block -- registers, stacks, the data of loaded
   objects and other mappings -- each named as a report names it. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacehl.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcsetjmp.h"
#include "pub_tool_libcsignal.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_signals.h"
#include "pub_tool_stacktrace.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_vki.h"

#include "ma_blocks.h"
#include "ma_exit_stack.h"
#include "ma_heap.h"
#include "ma_names.h"
#include "ma_pages.h"
#include "ma_release_chain.h"
#include "ma_root_cache.h"
#include "ma_snap_scan.h"

/*------------------------------------------------------------*/
/*--- Roots                                                ---*/
/*------------------------------------------------------------*/

/* A root word at 'addr' holding 'value', if it points into a block. */
static SnapRoot* root_if_pointer(Scan* sc, RootKind kind, Addr addr, UWord value)
{
   Int to = ma_snap_block_containing(sc, value);
   if (to < 0) return NULL;
   SnapRoot* r = ma_snap_new_root(sc);
   r->kind = kind;
   r->addr = addr;
   r->target = (UInt)to;
   r->target_offset = ma_snap_interior_offset(value - sc->s->blocks[to].addr);
   return r;
}

/* --- The release a snapshot is taken at --- */

/* The peak snapshot is taken at the first release after the peak, from
   inside that release's calls: the program called free, operator
   delete, a container's destructor, and the snapshot runs in the
   tool's replacement, below the frames of those calls.  Roots are
   taken as they were at the program's call.
   - The releasing thread's stack is read from the stack pointer of the
     program's frame that made the call (release_chain_top): the frames
     below it are the release chain's (ma_release_chain.h: the tool's
     preload code and the runtime's deallocation code), and hold what
     the release works on (the container being destroyed, the node being
     freed), nothing the program held at the call that its own frames do
     not.  Its red zone is below that pointer too: a function that calls
     keeps nothing there across the call.
   - Of that thread's registers, only the callee-saved ones (amd64: rbx,
     rbp, r12-r15) are roots: the caller-saved ones (rax, rcx, rdx, rsi,
     rdi, r8-r11) are dead across the program's call by the ABI, and at
     the snapshot they hold the chain's values (the pointer being freed).
     A callee-saved register is taken with the value it had at the call:
     where a chain function reused it (a destructor keeping the object
     it deletes in rbx), from the slot its prologue pushed the program's
     value to (ma_release_chain_registers); when a chain function's
     prologue cannot be read, the callee-saved registers not yet found
     are left out rather than taken with a chain's value.
   Other threads, snapshots taken at exit or on request, and a release
   the program asked for by a client request (its own allocator: no
   call, so no chain) are read as they are.  The chain is found once per
   snapshot: a stack walk and a name lookup per frame of the chain. */
static ThreadId       release_tid = VG_INVALID_THREADID;
static Addr           release_chain_top;   /* 0: no chain (see above) */
static ChainRegisters release_registers;   /* at the call, when there is a chain */

#define MAX_FRAMES 256

void ma_snap_find_release_chain(ThreadId tid)
{
   static Addr ips[MAX_FRAMES], sps[MAX_FRAMES];   /* static: the tool's stack is small */
   UInt n = VG_(get_StackTrace)(tid, ips, MAX_FRAMES, sps, NULL, 0);
   UInt chain = ma_release_chain_frames(ips, n);
   release_tid = tid;
   release_chain_top = chain > 0 ? sps[chain] : 0;
   if (chain > 0) ma_release_chain_registers(ips, sps, chain, &release_registers);
}

void ma_snap_forget_release_chain(void)
{
   release_tid = VG_INVALID_THREADID;
   release_chain_top = 0;
}

/* --- Registers: VG_(apply_to_GP_regs) takes no context. --- */

static Scan* register_scan;

static void register_root(ThreadId tid, const HChar* regname, UWord value)
{
   HChar lower[16];   /* "RAX" -> "rax", as assemblers and debuggers write them */
   SizeT n = 0;
   for (; regname[n] && n + 1 < sizeof lower; n++) lower[n] = VG_(tolower)(regname[n]);
   lower[n] = 0;
   if (tid == release_tid && release_chain_top != 0
       && !ma_release_chain_register_at_call(&release_registers, lower, &value))
      return;   /* dead across the program's call, or unknown (see above) */
   SnapRoot* r = root_if_pointer(register_scan, ROOT_REGISTER, 0, value);
   if (!r) return;
   r->thread = ma_blocks_thread_number(tid);
   r->name = ma_intern(lower);
}

static void scan_registers(Scan* sc)
{
   register_scan = sc;
   VG_(apply_to_GP_regs)(register_root);
   register_scan = NULL;
}

/* --- Reading memory that may fault --- */

/* Root memory is read through this, one range at a time.  A fault
   (a file mapping past the end of its file, a page made inaccessible
   behind the address-space manager's back) longjmps back to
   read_range, which skips the page and goes on. */
static VG_MINIMAL_JMP_BUF(fault_jmpbuf);

static void on_fault(Int sig, Addr addr)
{
   if (sig == VKI_SIGSEGV || sig == VKI_SIGBUS) VG_MINIMAL_LONGJMP(fault_jmpbuf);
}

typedef void (*RootVisitor)(Scan* sc, Addr addr, UWord value, void* ctx);

static volatile Addr read_cursor;

/* The first block ending above a, or n_blocks. */
static UInt first_block_after(const Scan* sc, Addr a)
{
   const SnapBlock* b = sc->s->blocks;
   UInt lo = 0, hi = sc->s->n_blocks;
   while (lo < hi) {
      UInt mid = lo + (hi - lo) / 2;
      if (ma_block_end(&b[mid]) <= a) lo = mid + 1; else hi = mid;
   }
   return lo;
}

/* Faults caught so far: a range read without one was read whole. */
static ULong faults_caught;

/* Root memory may hold blocks: custom blocks in an arena the program
   mapped, and with --malloc=wrap all of glibc's heap.  Their words are
   the blocks' own pointers, not roots, so reading skips them.  Visits
   the words whose value lies in [want_lo, want_hi). */
static void read_words(Scan* sc, Addr lo, Addr hi, Addr want_lo, Addr want_hi,
                       RootVisitor visit, void* ctx)
{
   lo = VG_ROUNDUP(lo, sizeof(UWord));
   hi = VG_ROUNDDN(hi, sizeof(UWord));
   if (lo >= hi) return;
   const SnapBlock* blocks = sc->s->blocks;
   volatile UInt skip = first_block_after(sc, lo);   /* volatile: kept across a fault */
   vki_sigset_t mask;
   VG_(sigprocmask)(VKI_SIG_SETMASK, NULL, &mask);
   fault_catcher_t previous = VG_(set_fault_catcher)(on_fault);
   read_cursor = lo;
   if (VG_MINIMAL_SETJMP(fault_jmpbuf) != 0) {
      VG_(sigprocmask)(VKI_SIG_SETMASK, &mask, NULL);   /* unblock the signal */
      faults_caught++;
      read_cursor = VG_PGROUNDDN(read_cursor) + VKI_PAGE_SIZE;
   }
   while (read_cursor < hi) {
      Addr a = read_cursor;
      if (UNLIKELY(skip < sc->s->n_blocks && a >= blocks[skip].addr)) {
         Addr past = VG_ROUNDUP(ma_block_end(&blocks[skip]), sizeof(UWord));
         if (a < past) read_cursor = past;
         skip = skip + 1;
         continue;
      }
      if ((a & (VKI_PAGE_SIZE - 1)) == 0 || a == lo) {
         if (!VG_(am_is_valid_for_client)(a, sizeof(UWord), VKI_PROT_READ)) {
            read_cursor = VG_PGROUNDDN(a) + VKI_PAGE_SIZE;
            continue;
         }
      }
      UWord value = *(volatile UWord*)a;
      if (UNLIKELY(value - want_lo < want_hi - want_lo))
         visit(sc, a, value, ctx);
      read_cursor = a + sizeof(UWord);
   }
   VG_(set_fault_catcher)(previous);
   sc->s->scanned += hi - lo;
}

/* Visit each aligned word of [lo, hi) that points into a block. */
static void read_range(Scan* sc, Addr lo, Addr hi, RootVisitor visit, void* ctx)
{
   read_words(sc, lo, hi, sc->finder.lowest, sc->finder.highest, visit, ctx);
}

/* --- Stacks --- */

typedef struct {
   UInt  thread;
   UInt  n_frames;
   UInt  first_client;               /* see first_client_frame */
   Addr  ips[MAX_FRAMES], sps[MAX_FRAMES];
   ExeContext* frames[MAX_FRAMES];   /* made on first use */
} StackWalk;

/* The innermost frame of the program's own code (0 when there is none).
   Words in the frames of the tool's replacement functions (a thread
   other than the releasing one stopped inside malloc or free) belong to
   the call the program made: they are named by that caller's frame,
   never by the tool's code, which a user cannot change and which says
   nothing about who holds the memory. */
static UInt first_client_frame(const StackWalk* w)
{
   UInt i = 0;
   while (i < w->n_frames && ma_release_chain_preload_code(w->ips[i])) i++;
   return i < w->n_frames ? i : 0;
}

/* Frame i occupies [sps[i], sps[i+1]): its callee's frame lies below
   it.  A word below frame 0's SP (the red zone) belongs to frame 0; one
   above the outermost frame found, to that frame. */
static UInt frame_holding(const StackWalk* w, Addr a)
{
   UInt i = 0;
   while (i + 1 < w->n_frames && w->sps[i + 1] <= a) i++;
   return i;
}

static void visit_stack_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   StackWalk* w = ctx;
   /* A slot of the exit path's frames never written there holds what a
      dead frame left: not a root (Memcheck knows it undefined). */
   if (!ma_exit_stack_word_written(addr)) return;
   SnapRoot* r = root_if_pointer(sc, ROOT_STACK, addr, value);
   if (!r) return;
   r->thread = w->thread;
   if (w->n_frames == 0) return;
   UInt i = frame_holding(w, addr);
   if (i < w->first_client) i = w->first_client;
   /* The frame holding the word and its callers: memattr-graph names the
      root by the innermost of them that is the program's own code.  The
      walk goes deeper than --num-callers (to find the frame holding any
      word), but a stack the core keeps may not: the outermost callers
      of a deep recursion are left out. */
   if (!w->frames[i]) {
      UInt n = w->n_frames - i;
      if (n > (UInt)VG_(clo_backtrace_size)) n = VG_(clo_backtrace_size);
      w->frames[i] = VG_(make_ExeContext_from_StackTrace)(&w->ips[i], n);
   }
   r->frame = w->frames[i];
}

typedef struct { Addr lo, hi; } Range;   /* [lo, hi] inclusive */

/* A thread's stack: its stack pointer, extent and frames, and where
   its roots start: below the stack pointer by the red zone, or, on the
   releasing thread, at the program's frame (release_chain_top). */
typedef struct {
   Addr      sp, min, max;
   Addr      roots_from;
   StackWalk walk;
} ThreadStack;

/* The stacks of the threads alive when the program called exit (see
   ma_snapshot_note_exit): by the time the exit snapshot is taken, the
   core no longer lists them. */
static ThreadStack* exit_stacks;
static UInt         n_exit_stacks;

/* The stacks of the threads alive now; returns how many (VG_(malloc)ed
   array in *out). */
static UInt capture_stacks(ThreadStack** out)
{
   ThreadId tid;
   Addr min, max;
   UInt n = 0;
   VG_(thread_stack_reset_iter)(&tid);
   while (VG_(thread_stack_next)(&tid, &min, &max)) n++;
   ThreadStack* stacks = VG_(malloc)("ma.snap.stacks", (n ? n : 1) * sizeof(ThreadStack));
   UInt i = 0;
   VG_(thread_stack_reset_iter)(&tid);
   while (i < n && VG_(thread_stack_next)(&tid, &min, &max)) {
      ThreadStack* t = &stacks[i++];
      t->sp = VG_(get_SP)(tid);
      t->min = min;
      t->max = max;
      VG_(memset)(t->walk.frames, 0, sizeof t->walk.frames);
      t->walk.thread = ma_blocks_thread_number(tid);
      t->walk.n_frames = VG_(get_StackTrace)(tid, t->walk.ips, MAX_FRAMES, t->walk.sps, NULL, 0);
      t->walk.first_client = first_client_frame(&t->walk);
      t->roots_from = tid == release_tid && release_chain_top != 0
                      ? release_chain_top : t->sp - VG_STACK_REDZONE_SZB;
   }
   *out = stacks;
   return i;
}

void ma_snapshot_note_exit(void)
{
   if (!ma_snapshots_on) return;
   VG_(free)(exit_stacks);
   n_exit_stacks = capture_stacks(&exit_stacks);
}

/* Scans every thread's live stack, from its stack pointer (less the red
   zone) up, and returns the extents the segment scan must leave out:
   each stack and everything below it in its segment (dead frames; the
   main stack's segment reaches below the extent the core reports).
   n in *n_out. */
static Range* scan_stacks(Scan* sc, UInt* n_out)
{
   ThreadStack* stacks;
   UInt n = capture_stacks(&stacks);
   Bool at_exit = n == 0 && n_exit_stacks > 0;
   const ThreadStack* list = at_exit ? exit_stacks : stacks;
   if (at_exit) n = n_exit_stacks;
   Range* extents = VG_(malloc)("ma.snap.extents", (n ? n : 1) * sizeof(Range));
   for (UInt i = 0; i < n; i++) {
      const ThreadStack* t = &list[i];
      const NSegment* seg = VG_(am_find_nsegment)(t->min);
      extents[i].lo = seg && seg->start < t->min ? seg->start : t->min;
      extents[i].hi = t->max;
      Addr lo = t->roots_from;
      if (lo < t->min || lo > t->max) lo = t->min;
      read_range(sc, lo, t->max + 1, visit_stack_word, (void*)&t->walk);
   }
   VG_(free)(stacks);
   *n_out = n;
   return extents;
}

/* --- Data of loaded objects and other mappings --- */

/* The core's demangler (pub_core_demangle.h; not in the tool headers,
   but a global of libcoregrind, as VG_(clo_read_inline_info) is):
   data symbols come mangled ("_Z9g_stringsB5cxx11"), and reports show
   the name the program's source uses.  It honours --demangle=no. */
extern void VG_(demangle)(Bool do_cxx_demangling, Bool do_z_demangling,
                          const HChar* orig, const HChar** result);
extern Bool VG_(clo_demangle);

static const HChar* demangled(const HChar* symbol)
{
   const HChar* result = symbol;
   VG_(demangle)(VG_(clo_demangle), False, symbol, &result);
   return result ? result : symbol;
}

static void visit_segment_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   const NSegment* seg = ctx;
   const HChar* object = NULL;
   VgSectKind section = VG_(DebugInfo_sect_kind)(&object, addr);
   Bool is_data = section == Vg_SectData || section == Vg_SectBSS
                  || section == Vg_SectGOT || section == Vg_SectGOTPLT;
   SnapRoot* r = root_if_pointer(sc, is_data ? ROOT_GLOBAL : ROOT_MAPPING, addr, value);
   if (!r) return;
   if (is_data) {
      const HChar* symbol = NULL;
      PtrdiffT offset = 0;
      if (VG_(get_datasym_and_offset)(VG_(current_DiEpoch)(), addr, &symbol, &offset)) {
         r->name = ma_intern(demangled(symbol));
         r->symbol_offset = (ULong)offset;
      }
      r->object = ma_intern(object);
   } else if (seg->kind == SkFileC) {
      r->object = ma_intern(VG_(am_get_filename)(seg));
   }
}

static Bool is_device(const NSegment* seg)
{
   if (seg->kind != SkFileC) return False;
   if (!VKI_S_ISCHR(seg->mode) && !VKI_S_ISBLK(seg->mode)) return False;
   const HChar* name = VG_(am_get_filename)(seg);
   return !(name && VG_(strcmp)(name, "/dev/zero") == 0);
}

/* [lo, hi] less the stack extents (which are few: one per thread). */
static void read_outside_stacks(Scan* sc, Addr lo, Addr hi, const Range* stacks, UInt n,
                                const NSegment* seg)
{
   for (UInt i = 0; i < n; i++) {
      if (stacks[i].hi < lo || stacks[i].lo > hi) continue;
      if (stacks[i].lo > lo)
         read_outside_stacks(sc, lo, stacks[i].lo - 1, stacks, n, seg);
      if (stacks[i].hi < hi)
         read_outside_stacks(sc, stacks[i].hi + 1, hi, stacks, n, seg);
      return;
   }
   read_range(sc, lo, hi + 1, visit_segment_word, (void*)seg);
}

/* --- Root mappings read once, again only where written --- */

/* Root mappings without a stack in them go through ma_root_cache.c:
   their pages are read again only where written since the last
   snapshot. */
static void keep_root_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   ma_root_cache_keep(ctx, addr, value);
}

/* Reads a root page for ma_root_cache.c (ctx: the scan); False if a
   fault cut it short. */
static Bool read_root_page(PageReading* r, void* ctx)
{
   Scan* sc = ctx;
   ULong faults = faults_caught;
   ULong scanned = sc->s->scanned;
   read_words(sc, r->page, r->page + VKI_PAGE_SIZE, 4096, 1ULL << 47, keep_root_word, r);
   sc->s->kept_roots_read += sc->s->scanned - scanned;
   return faults_caught == faults;
}

static void visit_kept_words(Scan* sc, Addr page, const KeptWords* words, const NSegment* seg)
{
   if (!words) return;
   const UWord* value = words->values;
   for (UInt chunk = 0; chunk < MA_WORDS_PER_PAGE / 64; chunk++)
      for (ULong bits = words->kept[chunk]; bits != 0; bits &= bits - 1, value++)
         if (ma_snap_in_heap_span(sc, *value)) {
            UInt word = chunk * 64 + (UInt)__builtin_ctzll(bits);
            visit_segment_word(sc, page + word * sizeof(UWord), *value, (void*)seg);
         }
}

/* seg's roots, through the cache. */
static void scan_cached_segment(Scan* sc, const NSegment* seg)
{
   for (Addr page = seg->start; page <= seg->end; page += VKI_PAGE_SIZE)
      visit_kept_words(sc, page, ma_root_cache_page(seg, page, read_root_page, sc), seg);
}

static Bool overlaps_a_stack(const NSegment* seg, const Range* stacks, UInt n)
{
   for (UInt i = 0; i < n; i++)
      if (stacks[i].lo <= seg->end && stacks[i].hi >= seg->start) return True;
   return False;
}

/* Whether root words may be kept for the next snapshot: not when
   blocks may lie inside root memory (custom blocks, --malloc=wrap), nor
   without page tracking (--track-pages=no, the default with
   --track-access=no), which sees no store: then every root page is
   read at every snapshot. */
static Bool roots_cacheable(const Scan* sc)
{
   return sc->keep_roots && ma_track_pages && !ma_malloc_wrapped
          && ma_heap.curr_custom_blocks == 0;
}

/* Whether a block lies in a range unmapped (or mapped anew) since the
   kept root words were read: a word pointing there was not kept. */
static Bool heap_where_unmapped(Scan* sc)
{
   const PageRange* ranges;
   UInt n;
   if (!ma_pages_unmapped(&ranges, &n)) return True;
   for (UInt r = 0; r < n; r++) {
      Int i = ma_snap_block_containing(sc, ranges[r].lo);
      if (i >= 0) return True;
      UInt next = first_block_after(sc, ranges[r].lo);
      if (next < sc->s->n_blocks && sc->s->blocks[next].addr < ranges[r].hi) return True;
   }
   return False;
}

static void scan_segments(Scan* sc, const Range* stacks, UInt n_stacks)
{
   Int n = 0;
   Addr* starts = VG_(get_segment_starts)(SkFileC | SkAnonC | SkShmC, &n);
   Bool cacheable = roots_cacheable(sc);
   Bool reuse = cacheable && ma_root_cache_valid() && !ma_pages_all_dirty
                && !heap_where_unmapped(sc);
   if (cacheable) ma_root_cache_begin(reuse);
   for (Int i = 0; i < n; i++) {
      const NSegment* seg = VG_(am_find_nsegment)(starts[i]);
      if (!seg || !seg->hasR || !seg->hasW || seg->isCH || is_device(seg)) continue;
      if (cacheable && !overlaps_a_stack(seg, stacks, n_stacks))
         scan_cached_segment(sc, seg);
      else
         read_outside_stacks(sc, seg->start, seg->end, stacks, n_stacks, seg);
   }
   VG_(free)(starts);
   if (!sc->keep_roots) return;
   /* The words kept become the next snapshot's to reuse; read afresh,
      they were filtered against today's mappings. */
   if (!reuse) ma_pages_unmapped_clear();
   ma_root_cache_end(cacheable);
   if (ma_snapshot_check) ma_root_cache_compact();
}

/* --- All of them --- */

void ma_snap_scan_roots(Scan* sc)
{
   scan_registers(sc);
   UInt n_stacks;
   Range* stacks = scan_stacks(sc, &n_stacks);
   scan_segments(sc, stacks, n_stacks);
   VG_(free)(stacks);
}
