/*--------------------------------------------------------------------*/
/*--- memattr: reads, writes and copies of heap blocks. ma_access.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_access.h.  Three parts: the heap map (address -> live block),
   the IR instrumentation and its helpers, and the bulk copies the
   preload hands over.

   What counts as a *use* of a block (the 'use' definition in the
   trace): any read, except one that only copies the block's bytes
   into another heap block -- an intercepted memcpy-family call, or a
   load whose value is only stored (or only kept in a register) within
   its superblock.  A copy out of the heap into the stack, a global or
   any other memory counts as a use: the program now holds the data. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"

#include "ma_access.h"
#include "ma_blocks.h"
#include "ma_exit_stack.h"
#include "ma_lineage.h"
#include "ma_pages.h"
#include "ma_requests.h"

Bool         ma_track_access = True;
AccessTotals ma_access_totals;

/*------------------------------------------------------------*/
/*--- The heap map                                         ---*/
/*------------------------------------------------------------*/

/* Finding the block that contains an address must be cheap: it runs
   for every load and store that may touch the heap.  The map is a
   two-level page table over the 48-bit address space.  Each 4 KiB
   page's entry is
     0             no live block touches the page,
     Block* | 1    one block covers the whole page,
     GranuleMap*   blocks cover parts of it: the map names, for each
                   16-byte granule, the block's slot (0 = none).
   Heap blocks are 16-byte aligned and never share a granule, so the
   granule map is exact.  Memory: 8 bytes per heap page, plus 1 KiB
   per page that holds small blocks (a quarter of those pages' size).

   In front of it, a filter read by the inline IR: one byte per page
   (hashed over 64 GiB), set when a page first holds a block and never
   cleared.  Accesses to pages that never held a block (stacks,
   globals, code, other mappings) cost a load and a compare, no
   helper call.  Filter hits that are not heap (a hash alias, a freed
   block) are sorted out by the helper, which always checks bounds. */

#define PAGE_BITS        12
#define GRANULE_BITS     4
#define GRANULES         (1 << (PAGE_BITS - GRANULE_BITS))
#define L2_BITS          16
#define L1_BITS          20                /* 12 + 16 + 20 = 48 address bits */
#define FILTER_BITS      24

typedef struct { UInt slot[GRANULES]; } GranuleMap;

static UWord** page_table;        /* [1 << L1_BITS] of UWord[1 << L2_BITS] */
static UChar*  heap_page_filter;  /* [1 << FILTER_BITS] */

/* Slots give small blocks a 4-byte name in granule maps.  Slot 0 is
   never used; freed slots are reused. */
static Block** slots;
static UInt    slots_used, slots_capacity;
static UInt*   free_slots;
static UInt    n_free_slots, free_slots_capacity;

static UInt take_slot(Block* bk)
{
   UInt s;
   if (n_free_slots > 0) {
      s = free_slots[--n_free_slots];
   } else {
      if (slots_used == slots_capacity) {
         slots_capacity = slots_capacity ? 2 * slots_capacity : 4096;
         slots = VG_(realloc)("ma.slots", slots, slots_capacity * sizeof(Block*));
      }
      s = slots_used++;
   }
   slots[s] = bk;
   return s;
}

static void give_back_slot(UInt s)
{
   if (n_free_slots == free_slots_capacity) {
      free_slots_capacity = free_slots_capacity ? 2 * free_slots_capacity : 4096;
      free_slots = VG_(realloc)("ma.free_slots", free_slots,
                                free_slots_capacity * sizeof(UInt));
   }
   slots[s] = NULL;
   free_slots[n_free_slots++] = s;
}

static UWord* page_entry(Addr a, Bool create)
{
   UWord** l2 = &page_table[(a >> (PAGE_BITS + L2_BITS)) & ((1UL << L1_BITS) - 1)];
   if (*l2 == NULL) {
      if (!create) return NULL;
      *l2 = VG_(am_shadow_alloc)(sizeof(UWord) << L2_BITS);
      if (*l2 == NULL) VG_(out_of_memory_NORETURN)("ma.page_table", sizeof(UWord) << L2_BITS);
   }
   return &(*l2)[(a >> PAGE_BITS) & ((1UL << L2_BITS) - 1)];
}

static UWord filter_index(Addr a)
{
   return (a >> PAGE_BITS) & ((1UL << FILTER_BITS) - 1);
}

/* A two-entry most-recently-used cache in front of the map: copies go
   back and forth between two blocks. */
static Block* cached[2];

static Block* block_at(Addr a)
{
   Block* bk = cached[0];
   if (bk && a - bk->payload < bk->req_szB) return bk;
   bk = cached[1];
   if (bk && a - bk->payload < bk->req_szB) {
      cached[1] = cached[0];
      cached[0] = bk;
      return bk;
   }
   UWord* entry = page_entry(a, False);
   if (entry == NULL || *entry == 0) return NULL;
   if (*entry & 1) {
      bk = (Block*)(*entry - 1);
   } else {
      UInt s = ((GranuleMap*)*entry)->slot[(a >> GRANULE_BITS) & (GRANULES - 1)];
      if (s == 0) return NULL;
      bk = slots[s];
   }
   if (a - bk->payload >= bk->req_szB) return NULL;   /* slop, or a hash alias */
   cached[1] = cached[0];
   cached[0] = bk;
   return bk;
}

/* Set (bk) or clear (NULL) the map over [start, end). */
static void map_range(Addr start, Addr end, Block* bk)
{
   const Addr page_size = 1UL << PAGE_BITS;
   for (Addr page = start & ~(page_size - 1); page < end; page += page_size) {
      UWord* entry = page_entry(page, True);
      Addr lo = start > page ? start : page;
      Addr hi = end < page + page_size ? end : page + page_size;
      if (lo == page && hi == page + page_size) {         /* whole page */
         if (*entry && !(*entry & 1)) VG_(free)((GranuleMap*)*entry);
         *entry = bk ? (UWord)bk | 1 : 0;
      } else {
         if (*entry == 0) {
            if (!bk) continue;
            *entry = (UWord)VG_(calloc)("ma.granules", 1, sizeof(GranuleMap));
         }
         tl_assert(!(*entry & 1));   /* no block covers a page another shares */
         GranuleMap* g = (GranuleMap*)*entry;
         UInt slot = bk ? bk->access.map_slot : 0;
         for (Addr a = lo; a < hi; a += 1UL << GRANULE_BITS)
            g->slot[(a >> GRANULE_BITS) & (GRANULES - 1)] = slot;
      }
      if (bk) heap_page_filter[filter_index(page)] = 1;
   }
}

static Addr block_end(const Block* bk)
{
   /* A malloc(0) block still occupies one byte of the arena. */
   return bk->payload + (bk->req_szB ? bk->req_szB : 1);
}

/* Does any live block of the map overlap [start, end)?  Only custom
   and pool blocks can: a pool carved out of a malloc'd block. */
static Bool overlaps_mapped_block(Addr start, Addr end)
{
   const Addr page_size = 1UL << PAGE_BITS;
   for (Addr page = start & ~(page_size - 1); page < end; page += page_size) {
      UWord* entry = page_entry(page, False);
      if (entry == NULL || *entry == 0) continue;
      if (*entry & 1) return True;
      Addr lo = start > page ? start : page;
      Addr hi = end < page + page_size ? end : page + page_size;
      const GranuleMap* g = (const GranuleMap*)*entry;
      for (Addr a = lo & ~((1UL << GRANULE_BITS) - 1); a < hi; a += 1UL << GRANULE_BITS) {
         UInt s = g->slot[(a >> GRANULE_BITS) & (GRANULES - 1)];
         if (s && slots[s]->payload < end && block_end(slots[s]) > start) return True;
      }
   }
   return False;
}

/* bk's own figures, added into *f (bk gone, or measured live). */
static void add_block_figures(const Block* bk, AccessFigures* f)
{
   f->bytes_read    += bk->access.bytes_read;
   f->bytes_written += bk->access.bytes_written;
   if (bk->access.bytes_read == 0) {
      f->never_read_blocks++;
      f->never_read_bytes += bk->req_szB;
      if (bk->access.bytes_written == 0) {
         f->never_accessed_blocks++;
         f->never_accessed_bytes += bk->req_szB;
      }
   }
}

static void map_block(Block* bk)
{
   /* A block nested in another (a pool chunk in a malloc'd superblock)
      stays out of the map: its accesses count for the outer block. */
   if (bk->kind != BLOCK_MALLOC && overlaps_mapped_block(bk->payload, block_end(bk)))
      return;
   bk->access.map_slot = take_slot(bk);
   map_range(bk->payload, block_end(bk), bk);
}

static void unmap_block(Block* bk)
{
   if (bk->access.map_slot == 0) return;   /* never mapped (nested) */
   map_range(bk->payload, block_end(bk), NULL);
   give_back_slot(bk->access.map_slot);
   bk->access.map_slot = 0;
   if (cached[0] == bk) cached[0] = NULL;
   if (cached[1] == bk) cached[1] = NULL;
}

void ma_access_block_allocated(Block* bk, Block* predecessor)
{
   bk->access.bytes_read = bk->access.bytes_written = 0;
   bk->access.map_slot = 0;
   map_block(bk);
   if (predecessor) {   /* the bytes carry on, and so does what was done with them */
      bk->access.bytes_read    = predecessor->access.bytes_read;
      bk->access.bytes_written = predecessor->access.bytes_written;
   }
}

void ma_access_block_releasing(Block* bk, Bool replaced)
{
   unmap_block(bk);
   if (!replaced) add_block_figures(bk, &bk->site->access.gone);
}

void ma_access_measure_live_blocks(void)
{
   Site* s;
   ma_blocks_sites_reset_iter();
   while ((s = ma_blocks_sites_next()))
      VG_(memset)(&s->access.live, 0, sizeof s->access.live);
   if (!ma_track_access) return;
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) add_block_figures(bk, &bk->site->access.live);
}

ULong ma_access_bytes_written(const Block* bk)
{
   return ma_track_access ? bk->access.bytes_written : 0;
}

void ma_access_init(void)
{
   VG_(memset)(&ma_access_totals, 0, sizeof ma_access_totals);
   if (!ma_track_access) return;
   page_table = VG_(am_shadow_alloc)(sizeof(UWord*) << L1_BITS);
   heap_page_filter = VG_(am_shadow_alloc)(1UL << FILTER_BITS);
   if (!page_table || !heap_page_filter)
      VG_(out_of_memory_NORETURN)("ma.heap_map", (sizeof(UWord*) << L1_BITS)
                                                 + (1UL << FILTER_BITS));
   (void)take_slot(NULL);   /* slot 0 means "no block" */
}

/*------------------------------------------------------------*/
/*--- Helpers called from instrumented code                ---*/
/*------------------------------------------------------------*/

/* The one place reads and writes are counted. */
static void count_read(Block* bk, SizeT n, Bool use)
{
   bk->access.bytes_read += n;
   ma_access_totals.bytes_read += n;
   if (use) ma_lineage_note_use(&bk->lineage);
}

static void count_write(Block* bk, SizeT n)
{
   bk->access.bytes_written += n;
   ma_access_totals.bytes_written += n;
}

static VG_REGPARM(2) void on_read(Addr a, UWord size)
{
   Block* bk = block_at(a);
   if (bk) count_read(bk, size, True);
}

static VG_REGPARM(2) void on_write(Addr a, UWord size)
{
   Block* bk = block_at(a);
   if (bk) count_write(bk, size);
}

/* The copy helper's third argument packs what the IR knows. */
#define COPY_STORE_SIZE(desc)   ((desc) & 0xff)
#define COPY_BYTES(desc)        (((desc) >> 8) & 0xff)
#define COPY_READ_COUNTED(desc) (((desc) >> 16) & 1)

/* Bytes of one block were read and, for 'copied' of them, written
   somewhere else.  Heap to heap is lineage and not a use; heap to
   anywhere else is a use. */
static void account_copy(Block* src, Block* dst, SizeT copied, Bool read_counted)
{
   if (src && !read_counted) count_read(src, copied, False);
   if (src && !dst) ma_lineage_note_use(&src->lineage);
   if (src && dst && src != dst) ma_lineage_note_copy(src, dst, copied);
}

/* A store whose data came straight from a load. */
static VG_REGPARM(3) void on_copy(Addr dst, Addr src, UWord desc)
{
   Block* to   = block_at(dst);
   Block* from = block_at(src);
   if (to) {
      count_write(to, COPY_STORE_SIZE(desc));
      if (from && from != to) ma_access_totals.inline_copy_bytes += COPY_BYTES(desc);
   }
   account_copy(from, to, COPY_BYTES(desc), COPY_READ_COUNTED(desc));
}

/* Of len bytes from a (inside bk), those inside bk. */
static SizeT bytes_within(const Block* bk, Addr a, SizeT len)
{
   SizeT left = bk->payload + bk->req_szB - a;
   return len < left ? len : left;
}

/* The kernel reads and writes client memory for system calls (write(2)
   reads a stdio buffer, read(2) fills one); the core reports those
   ranges.  A kernel read is a use: the data left the program. */
static void on_kernel_read(CorePart part, ThreadId tid, const HChar* what, Addr a, SizeT size)
{
   Block* bk = ma_track_access && size ? block_at(a) : NULL;
   if (bk) count_read(bk, bytes_within(bk, a, size), True);
}

static void on_kernel_read_string(CorePart part, ThreadId tid, const HChar* what, Addr a)
{
   if (!ma_track_access) return;
   UWord len = ma_access_strnlen(a, 1 << 16);
   if (len != MA_STRLEN_UNREADABLE) on_kernel_read(part, tid, what, a, len + 1);
}

static void on_kernel_write(CorePart part, ThreadId tid, Addr a, SizeT size)
{
   ma_pages_kernel_wrote(a, size);
   ma_exit_stack_kernel_wrote(a, size);
   Block* bk = ma_track_access && size ? block_at(a) : NULL;
   if (bk) count_write(bk, bytes_within(bk, a, size));
}

void ma_access_register_kernel_accesses(void)
{
   VG_(track_pre_mem_read)(on_kernel_read);
   VG_(track_pre_mem_read_asciiz)(on_kernel_read_string);
   VG_(track_post_mem_write)(on_kernel_write);
}

/*------------------------------------------------------------*/
/*--- Instrumentation                                      ---*/
/*------------------------------------------------------------*/

/* Flat IR assigns each temporary once, so a store's data can be traced
   back to the load that produced it (through width conversions, which
   keep the loaded bits).  For each temporary, 'origin' is the load
   temporary its value comes from, or -1.  A load is *copy-only* when
   its value is stored and otherwise only written to guest registers
   (which is how every load looks in IR: the register write of 'mov
   (%rsi),%rax' sits beside the store of 'mov %rax,(%rdi)').  A value
   that stays in a register and is used in a later superblock is not
   seen as a use: the documented blind spot of this method. */
typedef struct {
   IRExpr* addr;    /* of the load; an atom, valid for the whole superblock */
   IRExpr* guard;   /* LoadG's guard, or NULL */
   Int     size;    /* bytes loaded */
   Int     uses;    /* uses other than stores and register writes */
   Int     stores;
} LoadFacts;

typedef struct {
   IRTypeEnv* tyenv;
   Int*       origin;   /* [types_used] */
   LoadFacts* loads;    /* [types_used], meaningful where origin[t] == t */
} CopyAnalysis;

static Bool is_width_conversion(IROp op)
{
   switch (op) {
      case Iop_8Uto16: case Iop_8Uto32: case Iop_8Uto64: case Iop_16Uto32:
      case Iop_16Uto64: case Iop_32Uto64: case Iop_8Sto16: case Iop_8Sto32:
      case Iop_8Sto64: case Iop_16Sto32: case Iop_16Sto64: case Iop_32Sto64:
      case Iop_64to8: case Iop_64to16: case Iop_64to32: case Iop_32to8:
      case Iop_32to16: case Iop_16to8: case Iop_64UtoV128: case Iop_32UtoV128:
      case Iop_V128to64: case Iop_V128to32: case Iop_ReinterpF64asI64:
      case Iop_ReinterpI64asF64: case Iop_ReinterpF32asI32: case Iop_ReinterpI32asF32:
         return True;
      default:
         return False;
   }
}

static Int origin_of_atom(const CopyAnalysis* ca, IRExpr* e)
{
   return e && e->tag == Iex_RdTmp ? ca->origin[e->Iex.RdTmp.tmp] : -1;
}

static void count_uses(CopyAnalysis* ca, IRExpr* e)
{
   if (!e) return;
   switch (e->tag) {
      case Iex_RdTmp: {
         Int o = ca->origin[e->Iex.RdTmp.tmp];
         if (o >= 0) ca->loads[o].uses++;
         break;
      }
      case Iex_Load:  count_uses(ca, e->Iex.Load.addr); break;
      case Iex_Unop:  count_uses(ca, e->Iex.Unop.arg); break;
      case Iex_Binop: count_uses(ca, e->Iex.Binop.arg1);
                      count_uses(ca, e->Iex.Binop.arg2); break;
      case Iex_Triop: count_uses(ca, e->Iex.Triop.details->arg1);
                      count_uses(ca, e->Iex.Triop.details->arg2);
                      count_uses(ca, e->Iex.Triop.details->arg3); break;
      case Iex_Qop:   count_uses(ca, e->Iex.Qop.details->arg1);
                      count_uses(ca, e->Iex.Qop.details->arg2);
                      count_uses(ca, e->Iex.Qop.details->arg3);
                      count_uses(ca, e->Iex.Qop.details->arg4); break;
      case Iex_ITE:   count_uses(ca, e->Iex.ITE.cond);
                      count_uses(ca, e->Iex.ITE.iftrue);
                      count_uses(ca, e->Iex.ITE.iffalse); break;
      case Iex_CCall:
         for (Int i = 0; e->Iex.CCall.args[i]; i++)
            count_uses(ca, e->Iex.CCall.args[i]);
         break;
      case Iex_GetI:  count_uses(ca, e->Iex.GetI.ix); break;
      default: break;   /* Get, Const, VECRET, GSPTR */
   }
}

/* A store's data: a copy if it comes from a load, else an ordinary use. */
static void count_store_data(CopyAnalysis* ca, IRExpr* data)
{
   Int o = origin_of_atom(ca, data);
   if (o >= 0) ca->loads[o].stores++;
   else count_uses(ca, data);
}

static void new_load(CopyAnalysis* ca, IRTemp t, IRExpr* addr, IRExpr* guard, IRType ty)
{
   ca->origin[t] = t;
   ca->loads[t] = (LoadFacts){ addr, guard, sizeofIRType(ty), 0, 0 };
}

static void analyse_statement(CopyAnalysis* ca, IRStmt* st)
{
   switch (st->tag) {
      case Ist_WrTmp: {
         IRTemp  t = st->Ist.WrTmp.tmp;
         IRExpr* e = st->Ist.WrTmp.data;
         if (e->tag == Iex_Load) {
            count_uses(ca, e->Iex.Load.addr);
            new_load(ca, t, e->Iex.Load.addr, NULL, e->Iex.Load.ty);
         } else if (e->tag == Iex_Unop && is_width_conversion(e->Iex.Unop.op)
                    && origin_of_atom(ca, e->Iex.Unop.arg) >= 0) {
            ca->origin[t] = origin_of_atom(ca, e->Iex.Unop.arg);
         } else if (e->tag == Iex_RdTmp && origin_of_atom(ca, e) >= 0) {
            ca->origin[t] = origin_of_atom(ca, e);
         } else {
            count_uses(ca, e);
         }
         break;
      }
      case Ist_LoadG: {
         IRLoadG* lg = st->Ist.LoadG.details;
         IRType wide, loaded;
         typeOfIRLoadGOp(lg->cvt, &wide, &loaded);
         count_uses(ca, lg->addr);
         count_uses(ca, lg->alt);
         count_uses(ca, lg->guard);
         new_load(ca, lg->dst, lg->addr, lg->guard, loaded);
         break;
      }
      case Ist_Store:
         count_uses(ca, st->Ist.Store.addr);
         count_store_data(ca, st->Ist.Store.data);
         break;
      case Ist_StoreG:
         count_uses(ca, st->Ist.StoreG.details->addr);
         count_uses(ca, st->Ist.StoreG.details->guard);
         count_store_data(ca, st->Ist.StoreG.details->data);
         break;
      case Ist_Put:
         break;   /* a register write is not a use (see above) */
      case Ist_PutI:
         count_uses(ca, st->Ist.PutI.details->ix);
         break;
      case Ist_CAS: {
         IRCAS* cas = st->Ist.CAS.details;
         count_uses(ca, cas->addr);
         count_uses(ca, cas->expdHi); count_uses(ca, cas->expdLo);
         count_uses(ca, cas->dataHi); count_uses(ca, cas->dataLo);
         break;
      }
      case Ist_LLSC:
         count_uses(ca, st->Ist.LLSC.addr);
         count_uses(ca, st->Ist.LLSC.storedata);
         break;
      case Ist_Dirty: {
         IRDirty* d = st->Ist.Dirty.details;
         count_uses(ca, d->guard);
         for (Int i = 0; d->args[i]; i++)
            if (!is_IRExpr_VECRET_or_GSPTR(d->args[i])) count_uses(ca, d->args[i]);
         count_uses(ca, d->mAddr);
         break;
      }
      case Ist_Exit:
         count_uses(ca, st->Ist.Exit.guard);
         break;
      case Ist_AbiHint:
         count_uses(ca, st->Ist.AbiHint.base);
         count_uses(ca, st->Ist.AbiHint.nia);
         break;
      default:
         break;   /* IMark, NoOp, MBE */
   }
}

/* IR: does 'addr' lie in a page that may hold heap blocks?  An Ity_I1
   temporary. */
static IRExpr* may_be_heap(IRSB* sb, IRExpr* addr)
{
   IRTemp page  = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp index = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp at    = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp flag  = newIRTemp(sb->tyenv, Ity_I8);
   IRTemp hit   = newIRTemp(sb->tyenv, Ity_I1);
   addStmtToIRSB(sb, IRStmt_WrTmp(page, IRExpr_Binop(Iop_Shr64, addr, IRExpr_Const(IRConst_U8(PAGE_BITS)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(index, IRExpr_Binop(Iop_And64, IRExpr_RdTmp(page),
                     IRExpr_Const(IRConst_U64((1UL << FILTER_BITS) - 1)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(at, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(index),
                     IRExpr_Const(IRConst_U64((ULong)(HWord)heap_page_filter)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(flag, IRExpr_Load(Iend_LE, Ity_I8, IRExpr_RdTmp(at))));
   addStmtToIRSB(sb, IRStmt_WrTmp(hit, IRExpr_Binop(Iop_CmpNE8, IRExpr_RdTmp(flag),
                     IRExpr_Const(IRConst_U8(0)))));
   return IRExpr_RdTmp(hit);
}

static IRExpr* both(IRSB* sb, IRExpr* a, IRExpr* b)
{
   if (!a) return b;
   IRTemp t = newIRTemp(sb->tyenv, Ity_I1);
   addStmtToIRSB(sb, IRStmt_WrTmp(t, IRExpr_Binop(Iop_And1, a, b)));
   return IRExpr_RdTmp(t);
}

static IRExpr* either(IRSB* sb, IRExpr* a, IRExpr* b)
{
   IRTemp t = newIRTemp(sb->tyenv, Ity_I1);
   addStmtToIRSB(sb, IRStmt_WrTmp(t, IRExpr_Binop(Iop_Or1, a, b)));
   return IRExpr_RdTmp(t);
}

static void call_helper(IRSB* sb, const HChar* name, void* fn, Int regparms,
                        IRExpr** args, IRExpr* guard)
{
   IRDirty* di = unsafeIRDirty_0_N(regparms, name, VG_(fnptr_to_fnentry)(fn), args);
   di->guard = guard;
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

static void add_read(IRSB* sb, IRExpr* addr, Int size, IRExpr* guard)
{
   call_helper(sb, "on_read", on_read, 2,
               mkIRExprVec_2(addr, mkIRExpr_HWord(size)),
               both(sb, guard, may_be_heap(sb, addr)));
}

static void add_write(IRSB* sb, IRExpr* addr, Int size, IRExpr* guard)
{
   call_helper(sb, "on_write", on_write, 2,
               mkIRExprVec_2(addr, mkIRExpr_HWord(size)),
               both(sb, guard, may_be_heap(sb, addr)));
}

/* A store of 'data' (of 'store_size' bytes) to 'addr', under 'guard'. */
static void add_store(IRSB* sb, const CopyAnalysis* ca, IRExpr* addr,
                      IRExpr* data, IRExpr* guard)
{
   Int store_size = sizeofIRType(typeOfIRExpr(ca->tyenv, data));
   Int o = origin_of_atom(ca, data);
   if (o < 0) {
      add_write(sb, addr, store_size, guard);
      return;
   }
   const LoadFacts* load = &ca->loads[o];
   Int   copied = load->size < store_size ? load->size : store_size;
   Bool  read_counted = load->uses > 0;    /* its own helper counted the read */
   UWord desc = (UWord)store_size | (UWord)copied << 8 | (UWord)read_counted << 16;
   IRExpr* heap = either(sb, may_be_heap(sb, addr), may_be_heap(sb, load->addr));
   call_helper(sb, "on_copy", on_copy, 3,
               mkIRExprVec_3(addr, load->addr, mkIRExpr_HWord(desc)),
               both(sb, load->guard, both(sb, guard, heap)));
}

static void instrument_statement(IRSB* sb, const CopyAnalysis* ca, IRStmt* st)
{
   switch (st->tag) {
      case Ist_WrTmp: {
         IRExpr* e = st->Ist.WrTmp.data;
         IRTemp  t = st->Ist.WrTmp.tmp;
         if (e->tag == Iex_Load && (ca->loads[t].uses > 0 || ca->loads[t].stores == 0))
            add_read(sb, e->Iex.Load.addr, sizeofIRType(e->Iex.Load.ty), NULL);
         break;
      }
      case Ist_LoadG: {
         IRLoadG* lg = st->Ist.LoadG.details;
         const LoadFacts* load = &ca->loads[lg->dst];
         if (load->uses > 0 || load->stores == 0)
            add_read(sb, lg->addr, load->size, lg->guard);
         break;
      }
      case Ist_Store:
         add_store(sb, ca, st->Ist.Store.addr, st->Ist.Store.data, NULL);
         break;
      case Ist_StoreG:
         add_store(sb, ca, st->Ist.StoreG.details->addr,
                   st->Ist.StoreG.details->data, st->Ist.StoreG.details->guard);
         break;
      case Ist_CAS: {
         IRCAS* cas = st->Ist.CAS.details;
         Int size = sizeofIRType(typeOfIRExpr(ca->tyenv, cas->dataLo)) * (cas->dataHi ? 2 : 1);
         add_read(sb, cas->addr, size, NULL);
         add_write(sb, cas->addr, size, NULL);
         break;
      }
      case Ist_LLSC:
         if (st->Ist.LLSC.storedata == NULL)
            add_read(sb, st->Ist.LLSC.addr,
                     sizeofIRType(typeOfIRTemp(ca->tyenv, st->Ist.LLSC.result)), NULL);
         else
            add_write(sb, st->Ist.LLSC.addr,
                      sizeofIRType(typeOfIRExpr(ca->tyenv, st->Ist.LLSC.storedata)), NULL);
         break;
      case Ist_Dirty: {
         IRDirty* d = st->Ist.Dirty.details;
         if (d->mFx == Ifx_Read || d->mFx == Ifx_Modify)
            add_read(sb, d->mAddr, d->mSize, NULL);
         if (d->mFx == Ifx_Write || d->mFx == Ifx_Modify)
            add_write(sb, d->mAddr, d->mSize, NULL);
         break;
      }
      default:
         break;
   }
}

struct _AccessPlan {
   CopyAnalysis ca;
};

AccessPlan* ma_access_plan(IRSB* sb_in, Int first)
{
   /* One superblock is instrumented at a time: one plan, reused. */
   static AccessPlan the_plan;
   if (!ma_track_access) return NULL;
   Int n_temps = sb_in->tyenv->types_used;
   AccessPlan* plan = &the_plan;
   CopyAnalysis* ca = &plan->ca;
   ca->tyenv  = sb_in->tyenv;
   ca->origin = VG_(malloc)("ma.origin", (n_temps + 1) * sizeof(Int));
   ca->loads  = VG_(malloc)("ma.loads", (n_temps + 1) * sizeof(LoadFacts));
   for (Int t = 0; t < n_temps; t++) ca->origin[t] = -1;
   for (Int i = first; i < sb_in->stmts_used; i++)
      if (sb_in->stmts[i]) analyse_statement(ca, sb_in->stmts[i]);
   count_uses(ca, sb_in->next);
   return plan;
}

/* The instrumentation's own temporaries go into sb_out's type
   environment, a copy of sb_in's; the plan's tyenv keeps describing
   sb_in's. */
void ma_access_instrument_before(AccessPlan* plan, IRSB* sb_out, IRStmt* st)
{
   if (plan) instrument_statement(sb_out, &plan->ca, st);
}

void ma_access_plan_done(AccessPlan* plan)
{
   if (!plan) return;
   VG_(free)(plan->ca.origin);
   VG_(free)(plan->ca.loads);
}

/*------------------------------------------------------------*/
/*--- Bulk copies from the preload                         ---*/
/*------------------------------------------------------------*/

static Bool client_can(Addr a, SizeT len, UInt prot)
{
   return len == 0 || VG_(am_is_valid_for_client)(a, len, prot);
}

UWord ma_access_bulk_copy(Addr dst, Addr src, SizeT len)
{
   if (!client_can(src, len, VKI_PROT_READ) || !client_can(dst, len, VKI_PROT_WRITE))
      return 0;
   VG_(memmove)((void*)dst, (const void*)src, len);
   ma_pages_kernel_wrote(dst, len);   /* the program's stores, natively */
   ma_access_totals.bulk_copies++;
   ma_access_totals.bulk_bytes += len;
   if (!ma_track_access || len == 0) return 1;

   Block* from = block_at(src);
   Block* to   = block_at(dst);
   SizeT  read = from ? bytes_within(from, src, len) : 0;
   if (to) {
      SizeT written = bytes_within(to, dst, len);
      count_write(to, written);
      if (written < read) read = written;
   }
   account_copy(from, to, read, False);
   return 1;
}

UWord ma_access_strnlen(Addr s, SizeT max)
{
   const Addr page_mask = (1UL << PAGE_BITS) - 1;
   SizeT n = 0;
   for (Addr p = s; n < max; p++, n++) {
      if ((n == 0 || (p & page_mask) == 0) && !VG_(am_is_valid_for_client)(p, 1, VKI_PROT_READ))
         return MA_STRLEN_UNREADABLE;
      if (*(const HChar*)p == 0) break;
   }
   return n;
}
