/*--------------------------------------------------------------------*/
/*--- memattr: the memory one IR statement writes.   ma_ir_writes.h ---*/
/*--------------------------------------------------------------------*/

/* Which bytes a statement of a superblock stores to: its address
   expression, its size, and the guard under which it writes (NULL:
   always).  One decoder for every module that instruments writes
   (ma_pages.c marks their pages, ma_exit_stack.c the exit path's stack
   words), so that a statement kind is never known to one and missed by
   another.  A compare-and-swap counts as a write of its whole size
   (one that fails writes nothing, but its memory is writable and in
   use); a load-linked (no store data) writes nothing. */

#ifndef MA_IR_WRITES_H
#define MA_IR_WRITES_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

typedef struct {
   IRExpr* addr;
   Int     size;    /* bytes */
   IRExpr* guard;   /* NULL: unconditional */
} IRWrite;

static inline Int ma_ir_size_of(IRTypeEnv* tyenv, IRExpr* data)
{
   return sizeofIRType(typeOfIRExpr(tyenv, data));
}

/* Whether 'st' writes memory; if so, what in *w. */
static inline Bool ma_ir_statement_writes(IRTypeEnv* tyenv, const IRStmt* st, IRWrite* w)
{
   switch (st->tag) {
      case Ist_Store:
         *w = (IRWrite){ st->Ist.Store.addr, ma_ir_size_of(tyenv, st->Ist.Store.data), NULL };
         return True;
      case Ist_StoreG: {
         const IRStoreG* sg = st->Ist.StoreG.details;
         *w = (IRWrite){ sg->addr, ma_ir_size_of(tyenv, sg->data), sg->guard };
         return True;
      }
      case Ist_CAS: {
         const IRCAS* cas = st->Ist.CAS.details;
         *w = (IRWrite){ cas->addr, ma_ir_size_of(tyenv, cas->dataLo) * (cas->dataHi ? 2 : 1),
                         NULL };
         return True;
      }
      case Ist_LLSC:
         if (!st->Ist.LLSC.storedata) return False;
         *w = (IRWrite){ st->Ist.LLSC.addr, ma_ir_size_of(tyenv, st->Ist.LLSC.storedata), NULL };
         return True;
      case Ist_Dirty: {
         const IRDirty* d = st->Ist.Dirty.details;
         if ((d->mFx != Ifx_Write && d->mFx != Ifx_Modify) || d->mSize <= 0) return False;
         *w = (IRWrite){ d->mAddr, d->mSize, d->guard };
         return True;
      }
      default:
         return False;
   }
}

#endif /* MA_IR_WRITES_H */
