/*--------------------------------------------------------------------*/
/*--- memattr: the stack of the exit path.          ma_exit_stack.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_exit_stack.h.  Until exit is entered this module costs one
   symbol look-up per instruction translated and nothing at run time.
   At the entry, every word below the stack pointer is dead (Memcheck:
   the call's red-zone hint made the 128 bytes below undefined, and
   anything lower is not addressable), so "written since its frame was
   made" starts empty there.  From then on the exiting thread's stack
   below that stack pointer is followed, one bit per byte, over a
   window of WINDOW_BYTES: what lies deeper (an exit handler recursing
   that far) is taken as written, as before this module, a root rather
   than a missed one. */

#include "pub_tool_basics.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"

#include "ma_exit_stack.h"
#include "ma_ir_writes.h"

/* The core's discard (pub_core_transtab.h; a global of libcoregrind,
   as VG_(demangle) is for ma_snap_roots.c).  The tool-facing
   VG_(discard_translations_safely) asserts it is called from a client
   request; the entry helper runs in translated code, whose own block
   stays valid until it ends (a discard only unchains and forgets
   translations; their code is reused only when a new one is made,
   which cannot happen inside a helper). */
extern void VG_(discard_translations)(Addr guest_start, ULong range, const HChar* who);

#define WINDOW_BYTES (256 * 1024)

/* Every client address lies below this (amd64's 47-bit user space): the
   range of the discard. */
#define CLIENT_SPACE (1ULL << 47)

static Bool     exit_entered;   /* exit's first instruction has run */
static ThreadId exit_thread;    /* the thread that ran it */
static Addr     entry_sp;       /* its stack pointer then: the return address's word */
static Addr     window_lo;      /* entry_sp - WINDOW_BYTES: the lowest byte followed */
/* written[i]: bit k set when byte window_lo + 8 * i + k has been
   written since its frame was made (WINDOW_BYTES / 8 bytes). */
static UChar*   written;
/* No bit is set below this (entry_sp when none is): what a rise of the
   stack pointer must clear starts here, so each byte written is
   cleared once, not the whole window at each move. */
static Addr     lowest_set;

/* Sets (or clears) the bits of [lo, hi), clipped to the window. */
static void set_written(Addr lo, Addr hi, Bool on)
{
   if (lo < window_lo) lo = window_lo;
   if (hi > entry_sp) hi = entry_sp;
   for (Addr a = lo; a < hi;) {
      UWord i = (a - window_lo) >> 3;
      if ((a & 7) == 0 && hi - a >= 8) {   /* whole words: a byte of bits each */
         UWord words = (hi - a) >> 3;
         VG_(memset)(&written[i], on ? 0xFF : 0, words);
         a += words << 3;
         continue;
      }
      UChar bit = (UChar)(1 << (a & 7));
      written[i] = on ? (written[i] | bit) : (written[i] & ~bit);
      a++;
   }
   if (on && lo < hi && lo < lowest_set) lowest_set = lo;
}

static VG_REGPARM(2) void stored(Addr a, UWord size)
{
   if (a + size > window_lo && a < entry_sp) set_written(a, a + size, True);
}

/* The exiting thread's stack pointer became `sp`: as with Memcheck's
   stack tracking, the bytes more than a red zone below it are dead. */
static VG_REGPARM(1) void stack_moved(Addr sp)
{
   if (VG_(get_running_tid)() != exit_thread) return;
   Addr dead_end = sp - VG_STACK_REDZONE_SZB;
   if (dead_end > entry_sp) dead_end = entry_sp;
   if (dead_end <= lowest_set) return;
   set_written(lowest_set, dead_end, False);
   lowest_set = dead_end;
}

/* A call or return said [base, base + len) is dead (IR's AbiHint: the
   red zone below the new stack pointer); Memcheck makes it undefined. */
static VG_REGPARM(2) void red_zone_dead(Addr base, UWord len)
{
   if (VG_(get_running_tid)() != exit_thread) return;
   if (base + len > window_lo && base < entry_sp) set_written(base, base + len, False);
}

static VG_REGPARM(1) void exit_function_entered(Addr sp)
{
   if (exit_entered) return;   /* _exit called by exit, or exit by a handler */
   exit_entered = True;
   exit_thread  = VG_(get_running_tid)();
   entry_sp     = sp;
   window_lo    = sp > WINDOW_BYTES ? sp - WINDOW_BYTES : 0;
   lowest_set   = entry_sp;
   written      = VG_(calloc)("ma.exitstack.written", (entry_sp - window_lo) / 8 + 1, 1);
   /* Code translated before has no hooks: translate everything again. */
   VG_(discard_translations)(0, CLIENT_SPACE, "memattr exit path");
}

Bool ma_exit_stack_word_written(Addr a)
{
   if (!exit_entered || a + 8 <= window_lo || a >= entry_sp) return True;
   for (Addr b = a; b < a + 8; b++) {
      if (b < window_lo || b >= entry_sp) continue;
      if (!(written[(b - window_lo) >> 3] & (1 << (b & 7)))) return False;
   }
   return True;
}

void ma_exit_stack_kernel_wrote(Addr a, SizeT size)
{
   if (exit_entered) stored(a, size);
}

/*------------------------------------------------------------*/
/*--- Instrumentation                                      ---*/
/*------------------------------------------------------------*/

/* The first instruction of glibc's exit or _exit (_Exit is _exit). */
static Bool is_exit_entry(Addr addr)
{
   const HChar* fn;
   if (!VG_(get_fnname_if_entry)(VG_(current_DiEpoch)(), addr, &fn)) return False;
   return VG_(strcmp)(fn, "exit") == 0 || VG_(strcmp)(fn, "_exit") == 0
          || VG_(strcmp)(fn, "_Exit") == 0;
}

static void add_call(IRSB* sb, const HChar* name, void* fn, IRExpr** args, IRExpr* guard)
{
   Int regparms = 0;
   while (args[regparms]) regparms++;
   IRDirty* di = unsafeIRDirty_0_N(regparms, name, VG_(fnptr_to_fnentry)(fn), args);
   if (guard) di->guard = guard;
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

/* The hooks of one statement once exit has been entered: what it
   writes, and what it says of the stack. */
static void add_exit_path_hooks(IRSB* sb, const IRStmt* st, const VexGuestLayout* layout)
{
   IRWrite w;
   if (st->tag == Ist_Put && st->Ist.Put.offset == layout->offset_SP)
      add_call(sb, "stack_moved", stack_moved, mkIRExprVec_1(st->Ist.Put.data), NULL);
   else if (st->tag == Ist_AbiHint)
      add_call(sb, "red_zone_dead", red_zone_dead,
               mkIRExprVec_2(st->Ist.AbiHint.base, mkIRExpr_HWord((HWord)st->Ist.AbiHint.len)),
               NULL);
   else if (ma_ir_statement_writes(sb->tyenv, st, &w))
      add_call(sb, "stored", stored, mkIRExprVec_2(w.addr, mkIRExpr_HWord((HWord)w.size)),
               w.guard);
}

/* The superblock being instrumented holds exit's entry (the translator
   may follow the call into exit, and on into __run_exit_handlers): its
   statements after the entry run after it, and this translation is the
   one running then, so they get the hooks too. */
static Bool entry_in_this_superblock;

/* The next instruction mark may be a function's entry: the superblock's
   first one, or the one after a call's red-zone hint (a call the
   translator followed).  Only those are looked up: a symbol look-up at
   every instruction translated cost 6-9 % of a short run's time. */
static Bool may_be_entry;

void ma_exit_stack_new_superblock(void)
{
   entry_in_this_superblock = False;
   may_be_entry = True;
}

void ma_exit_stack_instrument_after(IRSB* sb, const IRStmt* st, const VexGuestLayout* layout)
{
   if (exit_entered || entry_in_this_superblock) {
      add_exit_path_hooks(sb, st, layout);
      return;
   }
   if (st->tag == Ist_AbiHint) {
      may_be_entry = True;
      return;
   }
   if (st->tag != Ist_IMark || !may_be_entry) return;
   may_be_entry = False;
   if (is_exit_entry(st->Ist.IMark.addr)) {
      entry_in_this_superblock = True;
      IRTemp sp = newIRTemp(sb->tyenv, Ity_I64);
      addStmtToIRSB(sb, IRStmt_WrTmp(sp, IRExpr_Get(layout->offset_SP, Ity_I64)));
      add_call(sb, "exit_function_entered", exit_function_entered,
               mkIRExprVec_1(IRExpr_RdTmp(sp)), NULL);
   }
}
