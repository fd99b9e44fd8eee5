/*--------------------------------------------------------------------*/
/*--- memattr: phases, iterations and marks.             ma_phase.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_phase.h.

   Open instances form a stack (phases nest).  Every allocation and
   release while one is open updates each open instance's totals, and
   the per-site figures of each: a site keeps one slot per nesting
   depth, stamped with the instance that last used it, so an instance
   only ever touches the sites that had events while it was open and
   ending it costs the number of those sites, not of all sites.  A
   slot met for the first time in an instance records the site's live
   bytes then as its live bytes at the instance's begin: nothing of
   that site changed since the begin, or the slot would be stamped.

   A --phase-fn instance begins when its function's first instruction
   runs (an instrumented call, with the stack pointer, which then points
   at the return address) and ends when the function has returned: the
   thread's stack pointer is above its value at the entry, or the word
   that held the return address holds something else (a later call from
   the caller overwrote it: during that call the stack pointer is below
   the entry value again).  The return itself is seen as it happens:
   with --phase-fn the core reports every rise of a stack pointer
   (track_die_mem_stack), and the rise above the entry value is the
   function's `ret` (or an unwind or longjmp out of it), so an
   iteration's end is the heap as the function left it, not as the next
   allocation found it.  A rise the core does not report (a longjmp
   that the core takes for a switch of stacks) is still caught at the
   next heap event, the next entry, or the end of the run, by the
   checks above.  An entry at the same
   stack pointer as an open iteration's is the next iteration (a loop
   calling the function); one below it is a recursive call, part of the
   open iteration. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_vki.h"
#include "pub_tool_wordfm.h"
#include "pub_tool_xarray.h"

#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_names.h"
#include "ma_phase.h"
#include "ma_symbols.h"

/* Deeper nesting is not recorded (the instance is counted as dropped):
   per-site slots are per depth. */
#define MAX_DEPTH 16

/* Instances kept in the trace; beyond this many, further ones are only
   counted (a --phase-fn function called millions of times). */
#define MAX_INSTANCES 100000

UInt ma_phase_open_count = 0;

/*------------------------------------------------------------*/
/*--- Names                                                ---*/
/*------------------------------------------------------------*/

static XArray* functions;       /* --phase-fn names (interned HChar*) */

Bool ma_phase_add_function(const HChar* name)
{
   if (!name[0]) return False;
   const HChar* interned = ma_intern(name);   /* the same pointer as a requested phase's */
   VG_(addToXA)(functions, &interned);
   return True;
}

Bool ma_phase_functions_given(void)
{
   return VG_(sizeXA)(functions) > 0;
}

/*------------------------------------------------------------*/
/*--- Instances                                            ---*/
/*------------------------------------------------------------*/

/* Per site, one slot per depth (allocated on the site's first event
   inside a phase). */
typedef struct _SiteSlot {
   UInt             instance;   /* id of the instance that last used it */
   PhaseSiteFigures figures;
} SiteSlot;

/* The state of an open instance. */
typedef struct {
   PhaseInstance* instance;
   XArray*        touched;      /* Site* with a slot stamped by it */
   Addr           entry_sp;     /* by_function: SP at the function's entry */
   Addr           return_addr;  /* by_function: the word at entry_sp then */
   ThreadId       tid;
} OpenPhase;

static XArray*   instances;            /* PhaseInstance*, [id - 1] */
/* The lowest entry stack pointer of the open --phase-fn instances (any
   thread), or ~0 with none: a stack rise to or below it returns from
   none of them, and that one comparison is all most rises cost. */
static Addr      lowest_entry_sp = ~(Addr)0;
static OpenPhase open_phases[MAX_DEPTH];
static ULong     dropped;              /* begun but not kept */
static UInt      dropped_open;         /* of the open ones, how many (not on the stack) */
static WordFM*   iterations;           /* name -> instances begun so far */
static XArray*   marks;                /* Mark */

static HeapMoment heap_now(void)
{
   HeapMoment m = { ma_instrs, ma_heap.total_bytes, ma_heap.curr_bytes, ma_heap.curr_blocks };
   return m;
}

static UInt next_iteration(const HChar* name)
{
   UWord key, count = 0;
   VG_(lookupFM)(iterations, &key, &count, (UWord)name);
   VG_(addToFM)(iterations, (UWord)name, count + 1);
   return (UInt)count + 1;
}

/* The word at the stack address a, or 0 if it is not readable. */
static Addr stack_word(Addr a)
{
   return VG_(am_is_valid_for_client)(a, sizeof(Addr), VKI_PROT_READ) ? *(const Addr*)a : 0;
}

/* lowest_entry_sp again, after an instance began or ended. */
static void watch_returns(void)
{
   lowest_entry_sp = ~(Addr)0;
   for (UInt d = 0; d < ma_phase_open_count; d++)
      if (open_phases[d].instance->by_function && open_phases[d].entry_sp < lowest_entry_sp)
         lowest_entry_sp = open_phases[d].entry_sp;
}

static void begin(const HChar* name, ThreadId tid, Bool by_function, Addr sp)
{
   UInt iteration = next_iteration(name);
   if (ma_phase_open_count == MAX_DEPTH || VG_(sizeXA)(instances) == MAX_INSTANCES) {
      dropped++;
      if (!by_function) dropped_open++;
      return;
   }
   PhaseInstance* in = VG_(malloc)("ma.phase", sizeof *in);
   VG_(memset)(in, 0, sizeof *in);
   in->id = (UInt)VG_(sizeXA)(instances) + 1;
   in->name = name;
   in->iteration = iteration;
   in->parent = ma_phase_open_count ? open_phases[ma_phase_open_count - 1].instance->id : 0;
   in->thread = ma_blocks_thread_number(tid);
   in->by_function = by_function;
   in->end_kind = PHASE_OPEN;
   in->begin = in->end = heap_now();
   in->peak_bytes = ma_heap.curr_bytes;
   in->peak_time = ma_instrs;
   in->sites = VG_(newXA)(VG_(malloc), "ma.phase.sites", VG_(free), sizeof(PhaseSiteFigures));
   VG_(addToXA)(instances, &in);

   OpenPhase* op = &open_phases[ma_phase_open_count++];
   op->instance = in;
   op->touched = VG_(newXA)(VG_(malloc), "ma.phase.touched", VG_(free), sizeof(Site*));
   op->entry_sp = sp;
   op->return_addr = by_function ? stack_word(sp) : 0;
   op->tid = tid;
   watch_returns();
}

static SiteSlot* slots_of(Site* site)
{
   if (!site->phase.slots) {
      site->phase.slots = VG_(malloc)("ma.phase.slots", MAX_DEPTH * sizeof(SiteSlot));
      VG_(memset)(site->phase.slots, 0, MAX_DEPTH * sizeof(SiteSlot));
   }
   return site->phase.slots;
}

/* The open instance at 'depth' reads its sites' figures into rows. */
static void collect_site_rows(UInt depth)
{
   OpenPhase* op = &open_phases[depth];
   VG_(deleteXA)(op->instance->sites);
   op->instance->sites = VG_(newXA)(VG_(malloc), "ma.phase.sites", VG_(free),
                                    sizeof(PhaseSiteFigures));
   for (Word i = 0; i < VG_(sizeXA)(op->touched); i++) {
      Site* site = *(Site**)VG_(indexXA)(op->touched, i);
      SiteSlot* slot = &slots_of(site)[depth];
      slot->figures.live_end = site->curr_bytes;
      VG_(addToXA)(op->instance->sites, &slot->figures);
   }
}

/* End the open instances from 'depth' up, innermost first. */
static void end_from(UInt depth, PhaseEnd how)
{
   while (ma_phase_open_count > depth) {
      UInt d = ma_phase_open_count - 1;
      collect_site_rows(d);
      open_phases[d].instance->end = heap_now();
      open_phases[d].instance->end_kind = how;
      VG_(deleteXA)(open_phases[d].touched);
      ma_phase_open_count--;
   }
   watch_returns();
}

static Bool has_returned(const OpenPhase* op)
{
   return VG_(get_SP)(op->tid) > op->entry_sp || stack_word(op->entry_sp) != op->return_addr;
}

/* --phase-fn instances whose function has returned. */
static void end_returned(void)
{
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      const OpenPhase* op = &open_phases[d];
      if (op->instance->by_function && has_returned(op)) {
         end_from(d, PHASE_RETURN);
         return;
      }
   }
}

/* The core's report of a stack pointer rise (track_die_mem_stack): the
   bytes [a, a + len) are the ones the rise released (a `ret` from a
   frame entered at SP gives [SP, SP + 8)), so the new stack pointer is
   a + len; the thread's saved SP is not updated yet, so it is not
   read.  The
   innermost instance of this thread entered below it has returned, and
   with it everything opened inside it. */
static void stack_rose(Addr a, SizeT len)
{
   Addr sp = a + len;
   if (LIKELY(sp <= lowest_entry_sp)) return;
   ThreadId tid = VG_(get_running_tid)();
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      const OpenPhase* op = &open_phases[d];
      if (op->instance->by_function && op->tid == tid && sp > op->entry_sp) {
         end_from(d, PHASE_RETURN);
         return;
      }
   }
}

/*------------------------------------------------------------*/
/*--- Heap events                                          ---*/
/*------------------------------------------------------------*/

/* 'live_before': the site's live bytes before the event being counted. */
static PhaseSiteFigures* figures_in(UInt depth, Site* site, ULong live_before)
{
   SiteSlot* slot = &slots_of(site)[depth];
   OpenPhase* op = &open_phases[depth];
   if (slot->instance != op->instance->id) {
      slot->instance = op->instance->id;
      VG_(memset)(&slot->figures, 0, sizeof slot->figures);
      slot->figures.site = site;
      slot->figures.live_begin = live_before;
      VG_(addToXA)(op->touched, &site);
   }
   return &slot->figures;
}

/* After the allocation is counted in the heap figures: the site's
   bytes before it are curr_bytes less the block. */
void ma_phase_allocated(Block* bk)
{
   end_returned();
   bk->phase.instance = ma_phase_open_count ? open_phases[ma_phase_open_count - 1].instance->id : 0;
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      PhaseInstance* in = open_phases[d].instance;
      PhaseSiteFigures* f = figures_in(d, bk->site, bk->site->curr_bytes - bk->req_szB);
      f->alloc_bytes += bk->req_szB;
      f->alloc_blocks++;
      in->alloc_bytes += bk->req_szB;
      in->alloc_blocks++;
      if (ma_heap.curr_bytes > in->peak_bytes) {
         in->peak_bytes = ma_heap.curr_bytes;
         in->peak_time = ma_instrs;
      }
   }
}

/* Before the release changes the heap figures. */
void ma_phase_releasing(Block* bk)
{
   end_returned();
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      PhaseInstance* in = open_phases[d].instance;
      PhaseSiteFigures* f = figures_in(d, bk->site, bk->site->curr_bytes);
      f->freed_bytes += bk->req_szB;
      f->freed_blocks++;
      in->freed_bytes += bk->req_szB;
      in->freed_blocks++;
   }
}

/*------------------------------------------------------------*/
/*--- Still live when the trace is written                 ---*/
/*------------------------------------------------------------*/

/* The (instance, site) key: sites are 8-byte aligned tool-heap
   addresses below 2^48, instance ids below 2^17 (MAX_INSTANCES). */
static UWord instance_site_key(UInt id, const Site* site)
{
   tl_assert((UWord)site >> 48 == 0 && id < (1u << 17));
   return ((UWord)id << 45) | ((UWord)site >> 3);
}

static void count_still_live(StillLive* live, UInt id, const Block* bk)
{
   for (; id; id = ma_phase_instance(id)->parent) {
      live->by_instance[id - 1].bytes += bk->req_szB;
      live->by_instance[id - 1].blocks++;
      UWord key = instance_site_key(id, bk->site), k, v;
      LiveFigures* f;
      if (VG_(lookupFM)(live->by_instance_site, &k, &v, key)) f = (LiveFigures*)v;
      else {
         f = VG_(calloc)("ma.phase.live", 1, sizeof *f);
         VG_(addToFM)(live->by_instance_site, key, (UWord)f);
      }
      f->bytes += bk->req_szB;
      f->blocks++;
   }
}

StillLive ma_phase_measure_still_live(void)
{
   UInt n = ma_phase_n_instances();
   StillLive live = { VG_(calloc)("ma.phase.live", n ? n : 1, sizeof(LiveFigures)),
                      VG_(newFM)(VG_(malloc), "ma.phase.live", VG_(free), NULL) };
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next()))
      if (bk->phase.instance) count_still_live(&live, bk->phase.instance, bk);
   return live;
}

const LiveFigures* ma_phase_still_live_of_site(const StillLive* live, UInt id,
                                               const Site* site)
{
   UWord k, v;
   return VG_(lookupFM)(live->by_instance_site, &k, &v, instance_site_key(id, site))
          ? (const LiveFigures*)v : NULL;
}

static void free_live_figures(UWord figures)
{
   VG_(free)((void*)figures);
}

void ma_phase_free_still_live(StillLive* live)
{
   VG_(free)(live->by_instance);
   VG_(deleteFM)(live->by_instance_site, NULL, free_live_figures);
}

/*------------------------------------------------------------*/
/*--- Client requests                                      ---*/
/*------------------------------------------------------------*/

void ma_phase_begin_requested(ThreadId tid, Addr name)
{
   end_returned();
   begin(ma_intern_client_string(name), tid, False, 0);
}

/* Ends the innermost open phase of that name, and any opened inside it
   and not ended (the program forgot, or returned early). */
void ma_phase_end_requested(ThreadId tid, Addr name)
{
   end_returned();
   const HChar* wanted = ma_intern_client_string(name);
   for (Int d = (Int)ma_phase_open_count - 1; d >= 0; d--) {
      if (open_phases[d].instance->name == wanted && !open_phases[d].instance->by_function) {
         end_from((UInt)d, PHASE_REQUEST);
         return;
      }
   }
   if (dropped_open > 0) { dropped_open--; return; }   /* its begin was not kept */
   static Bool warned = False;
   if (!warned) {
      VG_(umsg)("memattr: warning: MEMATTR_PHASE_END(\"%s\") without a matching "
                "MEMATTR_PHASE_BEGIN; ignored (further ones are ignored silently)\n", wanted);
      warned = True;
   }
}

void ma_phase_mark_requested(ThreadId tid, Addr label)
{
   Mark m = { heap_now(), ma_intern_client_string(label) };
   VG_(addToXA)(marks, &m);
}

/*------------------------------------------------------------*/
/*--- --phase-fn: instrumentation                          ---*/
/*------------------------------------------------------------*/

static VG_REGPARM(2) void function_entered(UWord fn_index, Addr sp)
{
   ThreadId tid = VG_(get_running_tid)();
   end_returned();
   const HChar* name = *(const HChar**)VG_(indexXA)(functions, fn_index);
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      const OpenPhase* op = &open_phases[d];
      if (!op->instance->by_function || op->instance->name != name || op->tid != tid)
         continue;
      if (sp < op->entry_sp) return;        /* a recursive call: the same iteration */
      end_from(d, PHASE_RETURN);            /* the next call at the same depth */
      break;
   }
   begin(name, tid, True, sp);
}

/* The --phase-fn index of the function starting at 'addr', or -1.  A
   name matches the function's demangled name exactly, or up to its
   parameter list ("process_batch" matches "process_batch(int)"). */
static Int phase_function_at(Addr addr)
{
   const HChar* fn;
   if (!VG_(get_fnname_if_entry)(VG_(current_DiEpoch)(), addr, &fn)) return -1;
   for (Word i = 0; i < VG_(sizeXA)(functions); i++) {
      const HChar* want = *(const HChar**)VG_(indexXA)(functions, i);
      SizeT n = VG_(strlen)(want);
      if (VG_(strncmp)(fn, want, n) == 0 && (fn[n] == 0 || fn[n] == '(')) return (Int)i;
   }
   return -1;
}

/*------------------------------------------------------------*/
/*--- --phase-fn: names that match no function             ---*/
/*------------------------------------------------------------*/

/* A mistyped --phase-fn would otherwise show only as "no phases" in the
   report after the whole run.  At main's entry the program and the
   libraries it links are loaded: a name that matches none of their
   functions is reported then; a library opened later (dlopen) may still
   have it, so the run goes on. */
static Bool symbols_checked = False;

static Bool note_wanted_function(Addr entry, void* found)
{
   Int fn = phase_function_at(entry);
   if (fn >= 0) ((Bool*)found)[fn] = True;
   return False;
}

static void check_functions_exist(void)
{
   Word n = VG_(sizeXA)(functions);
   Bool* found = VG_(calloc)("ma.phase.found", n, sizeof(Bool));
   ma_symbols_each_function(note_wanted_function, found);
   for (Word i = 0; i < n; i++)
      if (!found[i])
         VG_(umsg)("memattr: warning: --phase-fn=%s matches no function in the symbol tables of "
                   "the program and the libraries loaded at start-up: no iteration will be "
                   "recorded unless a library loaded later has it\n",
                   *(const HChar**)VG_(indexXA)(functions, i));
   VG_(free)(found);
}

/* The superblock starting at 'addr' is main's first. */
static Bool is_main_entry(Addr addr)
{
   const HChar* fn;
   return VG_(get_fnname_if_entry)(VG_(current_DiEpoch)(), addr, &fn)
          && VG_(get_fnname_kind)(fn) == Vg_FnNameMain;
}

void ma_phase_report_unrun(void)
{
   for (Word i = 0; i < VG_(sizeXA)(functions); i++) {
      const HChar* name = *(const HChar**)VG_(indexXA)(functions, i);
      UWord key, count = 0;
      VG_(lookupFM)(iterations, &key, &count, (UWord)name);
      if (count == 0)
         VG_(umsg)("memattr: warning: --phase-fn=%s never ran: the trace has no iteration of "
                   "it\n", name);
   }
}

IRSB* ma_phase_instrument(IRSB* sb_in, const VexGuestLayout* layout)
{
   if (!symbols_checked && sb_in->stmts_used > 0) {
      for (Int i = 0; i < sb_in->stmts_used; i++) {
         const IRStmt* st = sb_in->stmts[i];
         if (!st || st->tag != Ist_IMark) continue;
         if (is_main_entry(st->Ist.IMark.addr)) {
            symbols_checked = True;
            check_functions_exist();
         }
         break;   /* only the superblock's first instruction */
      }
   }
   Bool any = False;
   for (Int i = 0; i < sb_in->stmts_used && !any; i++) {
      IRStmt* st = sb_in->stmts[i];
      any = st && st->tag == Ist_IMark && phase_function_at(st->Ist.IMark.addr) >= 0;
   }
   if (!any) return sb_in;

   IRSB* sb = deepCopyIRSBExceptStmts(sb_in);
   for (Int i = 0; i < sb_in->stmts_used; i++) {
      IRStmt* st = sb_in->stmts[i];
      addStmtToIRSB(sb, st);
      if (!st || st->tag != Ist_IMark) continue;
      Int fn = phase_function_at(st->Ist.IMark.addr);
      if (fn < 0) continue;
      IRTemp sp = newIRTemp(sb->tyenv, Ity_I64);
      addStmtToIRSB(sb, IRStmt_WrTmp(sp, IRExpr_Get(layout->offset_SP, Ity_I64)));
      IRDirty* di = unsafeIRDirty_0_N(2, "function_entered",
                                      VG_(fnptr_to_fnentry)(&function_entered),
                                      mkIRExprVec_2(mkIRExpr_HWord((HWord)fn),
                                                    IRExpr_RdTmp(sp)));
      addStmtToIRSB(sb, IRStmt_Dirty(di));
   }
   return sb;
}

/*------------------------------------------------------------*/
/*--- For the trace                                        ---*/
/*------------------------------------------------------------*/

/* Open instances get their figures as of now (ended: PHASE_OPEN); they
   stay open, so a later trace (after a failed exec) sees them grow. */
void ma_phase_settle_open(void)
{
   end_returned();
   for (UInt d = 0; d < ma_phase_open_count; d++) {
      collect_site_rows(d);
      open_phases[d].instance->end = heap_now();
   }
}

UInt ma_phase_n_instances(void) { return (UInt)VG_(sizeXA)(instances); }

const PhaseInstance* ma_phase_instance(UInt id)
{
   return *(PhaseInstance**)VG_(indexXA)(instances, id - 1);
}

UInt ma_phase_n_marks(void) { return (UInt)VG_(sizeXA)(marks); }

const Mark* ma_phase_mark(UInt i) { return VG_(indexXA)(marks, i); }

ULong ma_phase_dropped(void) { return dropped; }

/* Stack rises are reported only when --phase-fn asks for them: the
   core then calls the tool at every `ret`, `pop` and frame release
   (docs/accuracy.md has what it cost on xz). */
void ma_phase_start(void)
{
   if (ma_phase_functions_given()) VG_(track_die_mem_stack)(stack_rose);
}

void ma_phase_init(void)
{
   functions  = VG_(newXA)(VG_(malloc), "ma.phase.fns", VG_(free), sizeof(HChar*));
   instances  = VG_(newXA)(VG_(malloc), "ma.phases", VG_(free), sizeof(PhaseInstance*));
   iterations = VG_(newFM)(VG_(malloc), "ma.phase.iters", VG_(free), NULL);
   marks      = VG_(newXA)(VG_(malloc), "ma.marks", VG_(free), sizeof(Mark));
}
