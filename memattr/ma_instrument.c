/*--------------------------------------------------------------------*/
/*--- memattr: instrumentation.                    ma_instrument.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_instrument.h.  Each superblock is copied statement by
   statement; before each statement the access hook adds its helper
   calls and the pages hook the page marks due there, so both kinds of
   instrumentation see the statements in one pass and in the same
   order whichever options are on; after it, the exit path's hooks
   (ma_exit_stack.c: none until exit is entered). */

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

#include "ma_access.h"
#include "ma_clock.h"
#include "ma_exit_stack.h"
#include "ma_instrument.h"
#include "ma_pages.h"
#include "ma_phase.h"

ULong ma_instrs = 0;

/* Add 'n' to ma_instrs: a load, an add and a store in IR, no helper
   call. */
static void add_instr_count(IRSB* sb, Int n)
{
   IRTemp  old  = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp  sum  = newIRTemp(sb->tyenv, Ity_I64);
   IRExpr* addr = mkIRExpr_HWord((HWord)&ma_instrs);
   addStmtToIRSB(sb, IRStmt_WrTmp(old, IRExpr_Load(Iend_LE, Ity_I64, addr)));
   addStmtToIRSB(sb, IRStmt_WrTmp(sum, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(old),
                                                    IRExpr_Const(IRConst_U64(n)))));
   addStmtToIRSB(sb, IRStmt_Store(Iend_LE, addr, IRExpr_RdTmp(sum)));
}

/* Copy sb_in's statements from 'first' on into sb_out, with the access
   and page hooks' code before each, the exit path's after each, and the
   pages' due at the end. */
static void copy_instrumented(IRSB* sb_out, IRSB* sb_in, Int first,
                              const VexGuestLayout* layout)
{
   ma_exit_stack_new_superblock();
   AccessPlan* access = ma_access_plan(sb_in, first);
   PagePlan*   pages  = ma_pages_plan(sb_in, first);
   for (Int i = first; i < sb_in->stmts_used; i++) {
      IRStmt* st = sb_in->stmts[i];
      if (!st || st->tag == Ist_NoOp) continue;
      ma_access_instrument_before(access, sb_out, st);
      ma_pages_mark_before(pages, sb_out, sb_in, i);
      addStmtToIRSB(sb_out, st);
      ma_exit_stack_instrument_after(sb_out, st, layout);
   }
   ma_pages_mark_before(pages, sb_out, sb_in, sb_in->stmts_used);
   ma_pages_plan_done(pages);
   ma_access_plan_done(access);
}

/* The clock advances by a superblock's guest instructions when the
   superblock is entered, as Massif's does: one update per superblock.
   Updating before every side exit instead (exact even when an exit
   skips the superblock's tail, as DHAT does) cost 4-5 % more on
   allocation-heavy code; the clock is deterministic either way and
   docs/accuracy.md says what it counts. */
IRSB* ma_instrument(VgCallbackClosure* closure, IRSB* sb_in,
                    const VexGuestLayout* layout,
                    const VexGuestExtents* vge,
                    const VexArchInfo* archinfo_host,
                    IRType gWordTy, IRType hWordTy)
{
   if (ma_phase_functions_given()) sb_in = ma_phase_instrument(sb_in, layout);
   IRSB* sb_out = deepCopyIRSBExceptStmts(sb_in);
   Int   i = 0;

   /* The preamble before the first IMark is copied as it is. */
   for (; i < sb_in->stmts_used && sb_in->stmts[i]->tag != Ist_IMark; i++)
      addStmtToIRSB(sb_out, sb_in->stmts[i]);

   Int n_instrs = 0;
   for (Int j = i; j < sb_in->stmts_used; j++)
      if (sb_in->stmts[j] && sb_in->stmts[j]->tag == Ist_IMark) n_instrs++;
   if (n_instrs > 0) add_instr_count(sb_out, n_instrs);

   copy_instrumented(sb_out, sb_in, i, layout);

   /* The code's pages are resident natively: noted once per
      translation, nothing added to the code. */
   for (UInt e = 0; e < vge->n_used; e++) ma_pages_executed(vge->base[e], vge->len[e]);
   return sb_out;
}
