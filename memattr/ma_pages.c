/*--------------------------------------------------------------------*/
/*--- memattr: pages written and the footprint.          ma_pages.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_pages.h.  The pages written (a bitmap over the address space
   behind an inline cache the instrumented stores read), the
   instrumentation that marks them, and the footprint's counters. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"

#include "ma_ir_writes.h"
#include "ma_pages.h"

Bool  ma_track_pages      = True;
ULong ma_footprint_pages  = 0;
ULong ma_footprint_max    = 0;
Bool  ma_footprint_at_max = False;
ULong ma_pages_marked     = 0;
ULong ma_heap_unwritten   = 0;

/*------------------------------------------------------------*/
/*--- Pages written                                        ---*/
/*------------------------------------------------------------*/

/* One bit per 4 KiB page of the 48-bit address space, in chunks of
   2^16 pages (8 KiB of bits) made on first use.  A bit is set at the
   first store to the page and cleared when the page is unmapped or
   given back (madvise), so a page mapped again starts unwritten.
   Pages of Valgrind's own heap (the replacement allocator's blocks,
   counted as heap instead) are set too, but never counted in the
   footprint's pages: they only tell which pages of a large block were
   written (below).

   In front, read by the inline IR of every store: a direct-mapped
   cache of page numbers (2^16 entries, 512 KiB).  A store to a page
   found there costs a shift, a mask, a load and a compare; only the
   first store to a page since it fell out of the cache calls the
   helper.  Entry 0 means empty (page 0 is never client memory). */

#define PAGE_BITS      MA_PAGE_BITS
#define CHUNK_BITS     16
#define L1_BITS        20                 /* 12 + 16 + 20 = 48 */
#define CACHE_BITS     16
#define CHUNK_WORDS    ((1UL << CHUNK_BITS) / (8 * sizeof(UWord)))

static UWord** written_chunks;   /* [1 << L1_BITS] */
static UWord*  page_cache;       /* [1 << CACHE_BITS] */

/* Both bitmaps of pages (written, and dirty below) have two levels:
   a page's chunk in 'map', made when asked for, then its bit. */
static UWord* chunk_in(UWord** map, UWord page, Bool create, const HChar* cc)
{
   UWord** c = &map[(page >> CHUNK_BITS) & ((1UL << L1_BITS) - 1)];
   if (*c == NULL && create) *c = VG_(calloc)(cc, CHUNK_WORDS, sizeof(UWord));
   return *c;
}

#define WORD_BITS (8 * sizeof(UWord))

static inline UWord* bit_word(UWord* chunk, UWord page)
{
   return &chunk[(page & ((1UL << CHUNK_BITS) - 1)) / WORD_BITS];
}

static inline UWord bit_mask(UWord page)
{
   return 1UL << (page % WORD_BITS);
}

static UWord* chunk_of(UWord page, Bool create)
{
   return chunk_in(written_chunks, page, create, "ma.written_pages");
}

static Bool page_written(UWord page)
{
   UWord* c = chunk_of(page, False);
   return c && (*bit_word(c, page) & bit_mask(page));
}

/* Pages set in 'map' in [lo, hi) (page-aligned); with 'clear', also
   clear them.  Whole missing chunks are skipped, so a huge reservation
   that was never written costs next to nothing. */
static ULong scan_bits(UWord** map, Addr lo, Addr hi, Bool clear)
{
   ULong n = 0;
   if (!map) return 0;   /* before ma_pages_start */
   UWord page = lo >> PAGE_BITS, last = hi >> PAGE_BITS;
   while (page < last) {
      UWord* c = chunk_in(map, page, False, NULL);
      if (!c) {
         page = (page | ((1UL << CHUNK_BITS) - 1)) + 1;
         continue;
      }
      UWord* word = bit_word(c, page);
      UWord  mask = bit_mask(page);
      if (*word == 0 && mask == 1 && last - page >= WORD_BITS) {
         page += WORD_BITS;       /* a whole empty word */
         continue;
      }
      if (*word & mask) {
         n++;
         if (clear) *word &= ~mask;
      }
      page++;
   }
   return n;
}

static ULong scan_written(Addr lo, Addr hi, Bool clear)
{
   return scan_bits(written_chunks, lo, hi, clear);
}

/* Forget the cache's entries for [lo, hi): the next store there is
   looked at again (the range was mapped anew, or given back). */
static void invalidate_cache(Addr lo, Addr hi)
{
   if (!ma_track_pages) return;
   UWord first = lo >> PAGE_BITS, last = hi >> PAGE_BITS;
   if (last - first >= (1UL << CACHE_BITS)) {
      VG_(memset)(page_cache, 0, sizeof(UWord) << CACHE_BITS);
      return;
   }
   for (UWord page = first; page < last; page++) {
      UWord* e = &page_cache[page & ((1UL << CACHE_BITS) - 1)];
      if (*e == page) *e = 0;
   }
}

static void set_page(UWord page)
{
   *bit_word(chunk_of(page, True), page) |= bit_mask(page);
}

/*------------------------------------------------------------*/
/*--- Pages written since the last snapshot                ---*/
/*------------------------------------------------------------*/

/* A second bitmap of the same shape: a page's bit is set by any write
   to it (every store, the kernel's writes, the tool's own copies into
   client memory) since ma_pages_dirty_reset, which a snapshot calls.
   Stores find their page in the cache above without calling the
   helper, so the reset also empties the cache: the first store to each
   page afterwards is looked at again (one helper call per page written
   between two snapshots).  The pages set are listed too, so a reset
   costs the pages dirtied, not the address space.  Memory that changes
   without being written -- unmapped, mapped anew, moved by mremap,
   given back by madvise -- is dirty too: page by page, or, for a range
   over 256 MiB, everything (ma_pages_all_dirty).  Such ranges are also
   listed until ma_snap_roots.c clears the list (ma_pages_unmapped): a
   word that pointed into a mapping there may now point where the heap
   has grown. */

static UWord** dirty_chunks;   /* [1 << L1_BITS], made with the first dirty page */
static UWord*  dirty_list;     /* page numbers set since the reset */
static UWord   n_dirty, dirty_capacity;
Bool           ma_pages_all_dirty = True;

static void set_dirty(UWord page)
{
   if (!dirty_chunks) return;   /* no snapshot asked yet */
   UWord* word = bit_word(chunk_in(dirty_chunks, page, True, "ma.dirty_pages"), page);
   UWord  mask = bit_mask(page);
   if (*word & mask) return;
   *word |= mask;
   if (n_dirty == dirty_capacity) {
      dirty_capacity = dirty_capacity ? 2 * dirty_capacity : 4096;
      dirty_list = VG_(realloc)("ma.dirty_list", dirty_list, dirty_capacity * sizeof(UWord));
   }
   dirty_list[n_dirty++] = page;
}

Bool ma_pages_dirty_in(Addr lo, Addr hi)
{
   if (ma_pages_all_dirty || !dirty_chunks) return True;
   if (lo >= hi) hi = lo + 1;
   for (UWord page = lo >> PAGE_BITS; page <= (hi - 1) >> PAGE_BITS; page++) {
      UWord* c = chunk_in(dirty_chunks, page, False, NULL);
      if (c && (*bit_word(c, page) & bit_mask(page))) return True;
   }
   return False;
}

void ma_pages_dirty_reset(void)
{
   if (!ma_track_pages) return;   /* no store is seen: everything stays dirty */
   if (!dirty_chunks) {
      dirty_chunks = VG_(am_shadow_alloc)(sizeof(UWord*) << L1_BITS);
      if (!dirty_chunks) VG_(out_of_memory_NORETURN)("ma.dirty_pages", sizeof(UWord*) << L1_BITS);
   }
   for (UWord i = 0; i < n_dirty; i++) {
      UWord page = dirty_list[i];
      *bit_word(chunk_in(dirty_chunks, page, False, NULL), page) &= ~bit_mask(page);
   }
   n_dirty = 0;
   VG_(memset)(page_cache, 0, sizeof(UWord) << CACHE_BITS);
   ma_pages_all_dirty = False;
}

#define MAX_DIRTY_RANGE_PAGES (1UL << 16)   /* 256 MiB */
#define MAX_UNMAPPED_RANGES   4096

static PageRange* unmapped;
static UInt       n_unmapped, unmapped_capacity;
static Bool       unmapped_overflow;

/* [lo, hi) changed without stores. */
static void changed_unwritten(Addr lo, Addr hi)
{
   if (lo >= hi) return;
   if ((hi - lo) >> PAGE_BITS > MAX_DIRTY_RANGE_PAGES) {
      ma_pages_all_dirty = True;
   } else {
      for (UWord page = lo >> PAGE_BITS; page <= (hi - 1) >> PAGE_BITS; page++)
         set_dirty(page);
   }
   if (n_unmapped > 0 && unmapped[n_unmapped - 1].hi == lo) {   /* one grows: extend it */
      unmapped[n_unmapped - 1].hi = hi;
      return;
   }
   if (n_unmapped == MAX_UNMAPPED_RANGES) {
      unmapped_overflow = True;
      return;
   }
   if (n_unmapped == unmapped_capacity) {
      unmapped_capacity = unmapped_capacity ? 2 * unmapped_capacity : 64;
      unmapped = VG_(realloc)("ma.unmapped", unmapped, unmapped_capacity * sizeof(PageRange));
   }
   unmapped[n_unmapped++] = (PageRange){ lo, hi };
}

Bool ma_pages_unmapped(const PageRange** list, UInt* n)
{
   *list = unmapped;
   *n = n_unmapped;
   return !unmapped_overflow;
}

void ma_pages_unmapped_clear(void)
{
   n_unmapped = 0;
   unmapped_overflow = False;
}

/*------------------------------------------------------------*/
/*--- Large heap blocks                                    ---*/
/*------------------------------------------------------------*/

/* The live large malloc blocks (ma_pages.h, ma_heap_unwritten), in
   address order: their range and how many of their usable bytes lie
   on pages not yet written.  Few (each is 128 KiB or more), so a
   sorted array, searched at the first store to each heap page. */
typedef struct {
   Addr  start, end;
   ULong unwritten;
   Site* site;        /* of the block, for the memory map */
} LargeBlock;

static LargeBlock* large;
static UInt        n_large, large_capacity;

/* The last block starting at or below a, or -1. */
static Int large_at_or_below(Addr a)
{
   Int lo = 0, hi = (Int)n_large - 1, found = -1;
   while (lo <= hi) {
      Int mid = lo + (hi - lo) / 2;
      if (large[mid].start <= a) { found = mid; lo = mid + 1; }
      else hi = mid - 1;
   }
   return found;
}

/* The first store to a heap page: if a large block covers it, one
   page of that block is now resident. */
static void large_page_written(UWord page)
{
   if (n_large == 0) return;
   Addr lo = page << PAGE_BITS, hi = lo + (1UL << PAGE_BITS);
   Int i = large_at_or_below(hi - 1);
   if (i < 0 || large[i].end <= lo || large[i].unwritten == 0) return;
   ULong now = large[i].unwritten < (1UL << PAGE_BITS) ? large[i].unwritten
                                                        : 1UL << PAGE_BITS;
   large[i].unwritten -= now;
   ma_heap_unwritten  -= now;
   ma_footprint_grew();
}

void ma_pages_large_allocated(Addr a, SizeT size, SizeT usable, Bool carried, Site* site)
{
   if (!ma_track_pages || ma_malloc_wrapped || usable < MA_LARGE_BLOCK) return;
   Addr first = VG_PGROUNDDN(a), end = VG_PGROUNDUP(a + size);
   ULong written_pages;
   if (carried) {
      set_page(first >> PAGE_BITS);
      written_pages = scan_written(first, end, False);
   } else {   /* natively a fresh mapping: earlier writes to these pages do not count */
      scan_written(first, end, True);
      invalidate_cache(first, end);
      set_page(first >> PAGE_BITS);   /* glibc's chunk header */
      written_pages = 1;
   }
   ULong written = written_pages << PAGE_BITS;
   ULong unwritten = usable > written ? usable - written : 0;
   if (n_large == large_capacity) {
      large_capacity = large_capacity ? 2 * large_capacity : 64;
      large = VG_(realloc)("ma.large_blocks", large, large_capacity * sizeof(LargeBlock));
   }
   Int at = large_at_or_below(a) + 1;
   VG_(memmove)(&large[at + 1], &large[at], (n_large - at) * sizeof(LargeBlock));
   large[at] = (LargeBlock){a, a + size, unwritten, site};
   n_large++;
   ma_heap_unwritten += unwritten;
}

void ma_pages_large_released(Addr a)
{
   Int i = large_at_or_below(a);
   if (i < 0 || large[i].start != a) return;
   ma_heap_unwritten -= large[i].unwritten;
   VG_(memmove)(&large[i], &large[i + 1], (n_large - i - 1) * sizeof(LargeBlock));
   n_large--;
}

void ma_pages_for_each_unwritten(void (*each)(Site* site, ULong unwritten, void* ctx),
                                 void* ctx)
{
   for (UInt i = 0; i < n_large; i++)
      if (large[i].unwritten > 0) each(large[i].site, large[i].unwritten, ctx);
}

void ma_pages_heap_copied(Addr a, SizeT len)
{
   if (!ma_track_pages || len == 0) return;
   for (UWord page = a >> PAGE_BITS; page <= (a + len - 1) >> PAGE_BITS; page++) {
      set_page(page);
      set_dirty(page);
   }
}

/* Clearing a freed heap block without touching every byte of it.  The
   snapshots need freed heap memory to read as zeros (ma_heap.c,
   give_back); what the program has not written since its block was
   allocated is zero already, by induction, so only the pages written
   since need clearing.  A page wholly inside the block belonged to no
   other block while it lived, so its bit was set by any write to it
   since the allocation (a large allocation clears the bits of its
   range, which only makes that "since the allocation").  The block's
   first and last pages may be shared with neighbours, whose allocation
   may have cleared bits the block's own writes set: they are always
   cleared.  So the cost is the pages the program wrote, not the bytes
   freed. */
void ma_pages_clear_written(Addr a, SizeT len)
{
   if (len == 0) return;
   UWord first = a >> PAGE_BITS, last = (a + len - 1) >> PAGE_BITS;
   for (UWord page = first; page <= last; page++) {
      if (page != first && page != last && !page_written(page)) {
         UWord* c = chunk_of(page, False);
         if (!c) {   /* a whole chunk never written: skip to its end */
            page = (page | ((1UL << CHUNK_BITS) - 1));
            if (page >= last) page = last - 1;
         }
         continue;
      }
      Addr lo = page << PAGE_BITS, hi = lo + (1UL << PAGE_BITS);
      if (lo < a) lo = a;
      if (hi > a + len) hi = a + len;
      VG_(memset)((void*)lo, 0, hi - lo);
   }
}

static void mark_page(UWord page)
{
   page_cache[page & ((1UL << CACHE_BITS) - 1)] = page;
   set_dirty(page);
   if (page_written(page)) return;
   Addr a = page << PAGE_BITS;
   const NSegment* seg = VG_(am_find_nsegment)(a);
   set_page(page);
   if (seg && seg->isCH) {   /* Valgrind's heap: counted as heap bytes */
      large_page_written(page);
      return;
   }
   ma_footprint_pages += 1UL << PAGE_BITS;
   ma_pages_marked++;
   ma_footprint_grew();
}

/* Called by the instrumented store when the cache missed.  A store
   that straddles two pages marks both. */
static VG_REGPARM(2) void on_page_store(Addr a, UWord size)
{
   mark_page(a >> PAGE_BITS);
   if (((a + size - 1) >> PAGE_BITS) != (a >> PAGE_BITS))
      mark_page((a + size - 1) >> PAGE_BITS);
}

void ma_pages_kernel_wrote(Addr a, SizeT len)
{
   if (!ma_track_pages || len == 0) return;
   for (UWord page = a >> PAGE_BITS; page <= (a + len - 1) >> PAGE_BITS; page++)
      mark_page(page);
}

/*------------------------------------------------------------*/
/*--- Instrumentation                                      ---*/
/*------------------------------------------------------------*/

static void add_page_mark(IRSB* sb, IRExpr* addr, Int size, IRExpr* guard)
{
   IRTemp page = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp index = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp slot = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp at   = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp seen = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp miss = newIRTemp(sb->tyenv, Ity_I1);
   addStmtToIRSB(sb, IRStmt_WrTmp(page, IRExpr_Binop(Iop_Shr64, addr,
                     IRExpr_Const(IRConst_U8(PAGE_BITS)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(index, IRExpr_Binop(Iop_And64, IRExpr_RdTmp(page),
                     IRExpr_Const(IRConst_U64((1UL << CACHE_BITS) - 1)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(slot, IRExpr_Binop(Iop_Shl64, IRExpr_RdTmp(index),
                     IRExpr_Const(IRConst_U8(3)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(at, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(slot),
                     IRExpr_Const(IRConst_U64((ULong)(HWord)page_cache)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(seen, IRExpr_Load(Iend_LE, Ity_I64, IRExpr_RdTmp(at))));
   addStmtToIRSB(sb, IRStmt_WrTmp(miss, IRExpr_Binop(Iop_CmpNE64, IRExpr_RdTmp(seen),
                                                     IRExpr_RdTmp(page))));
   IRExpr* when = IRExpr_RdTmp(miss);
   if (guard) {
      IRTemp both = newIRTemp(sb->tyenv, Ity_I1);
      addStmtToIRSB(sb, IRStmt_WrTmp(both, IRExpr_Binop(Iop_And1, guard, when)));
      when = IRExpr_RdTmp(both);
   }
   IRDirty* di = unsafeIRDirty_0_N(2, "on_page_store", VG_(fnptr_to_fnentry)(on_page_store),
                                   mkIRExprVec_2(addr, mkIRExpr_HWord(size)));
   di->guard = when;
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

/* Plain stores are marked in groups: stores whose addresses are one
   base (a temporary, or the constant 0 for absolute addresses) plus
   constant offsets -- pushes, a frame's locals, a struct's fields --
   write bytes [lo, hi) of that base, which touch at most the pages of
   lo and hi - 1 when hi - lo < 4 KiB.  So each group is checked once,
   at the end of its stretch of statements (before the side exit that
   ends the stretch, or the superblock's end: every store of the stretch
   has run by then).  A group spanning 4 KiB or more, and guarded,
   atomic and helper stores, are checked one by one, where they are.
   On python3, the most store-heavy benchmark, it took the cost of
   finding written pages from 12 % of the run to about 8 %
   (bench/README.md). */

#define NO_GROUP      (-1)
#define CONST_BASE    (-1)   /* 'base' of an absolute address */

typedef struct {
   Int   segment;    /* side exits before the stores */
   Int   base;       /* IRTemp, or CONST_BASE */
   Long  lo, hi;     /* offsets from base: bytes [lo, hi) */
   Bool  one_by_one; /* too wide: each store checked itself */
} StoreGroup;

struct _PagePlan {
   Int*        group_of;   /* [stmts_used]: a plain store's group, or NO_GROUP */
   StoreGroup* groups;
   Int         n_groups;
   Int         segment;    /* of the statements being added */
   IRTypeEnv*  tyenv;      /* sb_in's */
};

/* The base and offset of an address atom, following Add64/Sub64 of a
   constant back through the temporaries. */
typedef struct { Int base; Long offset; } BaseOffset;

static BaseOffset base_of(const BaseOffset* temps, IRExpr* addr)
{
   if (addr->tag == Iex_Const)
      return (BaseOffset){ CONST_BASE, (Long)addr->Iex.Const.con->Ico.U64 };
   return temps[addr->Iex.RdTmp.tmp];
}

static void note_temp(BaseOffset* temps, IRStmt* st)
{
   IRTemp  t = st->Ist.WrTmp.tmp;
   IRExpr* e = st->Ist.WrTmp.data;
   temps[t] = (BaseOffset){ (Int)t, 0 };
   if (e->tag == Iex_RdTmp) {
      temps[t] = temps[e->Iex.RdTmp.tmp];
   } else if (e->tag == Iex_Binop && (e->Iex.Binop.op == Iop_Add64 || e->Iex.Binop.op == Iop_Sub64)
              && e->Iex.Binop.arg1->tag == Iex_RdTmp && e->Iex.Binop.arg2->tag == Iex_Const
              && e->Iex.Binop.arg2->Iex.Const.con->tag == Ico_U64) {
      Long c = (Long)e->Iex.Binop.arg2->Iex.Const.con->Ico.U64;
      temps[t] = temps[e->Iex.Binop.arg1->Iex.RdTmp.tmp];
      temps[t].offset += e->Iex.Binop.op == Iop_Add64 ? c : -c;
   }
}

static Int group_for(PagePlan* plan, Int segment, Int base)
{
   for (Int g = plan->n_groups - 1; g >= 0 && plan->groups[g].segment == segment; g--)
      if (plan->groups[g].base == base) return g;
   return NO_GROUP;
}

PagePlan* ma_pages_plan(IRSB* sb_in, Int first)
{
   if (!ma_track_pages) return NULL;
   PagePlan* plan = VG_(malloc)("ma.page_plan", sizeof(PagePlan));
   plan->group_of = VG_(malloc)("ma.page_plan", (sb_in->stmts_used + 1) * sizeof(Int));
   plan->groups   = VG_(malloc)("ma.page_plan", (sb_in->stmts_used + 1) * sizeof(StoreGroup));
   plan->n_groups = 0;
   plan->segment  = 0;
   plan->tyenv    = sb_in->tyenv;
   BaseOffset* temps = VG_(malloc)("ma.page_plan", (sb_in->tyenv->types_used + 1)
                                                   * sizeof(BaseOffset));
   for (Int t = 0; t < sb_in->tyenv->types_used; t++) temps[t] = (BaseOffset){ t, 0 };
   Int segment = 0;
   for (Int i = 0; i < sb_in->stmts_used; i++) {
      IRStmt* st = sb_in->stmts[i];
      plan->group_of[i] = NO_GROUP;
      if (i < first || !st) continue;
      if (st->tag == Ist_WrTmp) note_temp(temps, st);
      if (st->tag == Ist_Exit) segment++;
      if (st->tag != Ist_Store) continue;
      BaseOffset at = base_of(temps, st->Ist.Store.addr);
      Long end = at.offset + ma_ir_size_of(sb_in->tyenv, st->Ist.Store.data);
      Int g = group_for(plan, segment, at.base);
      if (g == NO_GROUP) {
         g = plan->n_groups++;
         plan->groups[g] = (StoreGroup){ segment, at.base, at.offset, end, False };
      }
      StoreGroup* group = &plan->groups[g];
      if (at.offset < group->lo) group->lo = at.offset;
      if (end > group->hi) group->hi = end;
      if (group->hi - group->lo >= (1L << PAGE_BITS)) group->one_by_one = True;
      plan->group_of[i] = g;
   }
   VG_(free)(temps);
   return plan;
}

static IRExpr* group_address(IRSB* sb, const StoreGroup* g, Long offset)
{
   if (g->base == CONST_BASE) return IRExpr_Const(IRConst_U64((ULong)offset));
   IRTemp a = newIRTemp(sb->tyenv, Ity_I64);
   addStmtToIRSB(sb, IRStmt_WrTmp(a, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(g->base),
                                                  IRExpr_Const(IRConst_U64((ULong)offset)))));
   return IRExpr_RdTmp(a);
}

/* The groups of the stretch that ends here. */
static void mark_groups(PagePlan* plan, IRSB* sb)
{
   for (Int g = 0; g < plan->n_groups; g++) {
      const StoreGroup* group = &plan->groups[g];
      if (group->segment != plan->segment || group->one_by_one) continue;
      Long width = group->hi - group->lo;
      add_page_mark(sb, group_address(sb, group, group->lo), (Int)width, NULL);
      if (width > 8)   /* more than one store: its far end may lie in the next page */
         add_page_mark(sb, group_address(sb, group, group->hi - 1), 1, NULL);
   }
   plan->segment++;
}

void ma_pages_mark_before(PagePlan* plan, IRSB* sb, IRSB* sb_in, Int i)
{
   if (!plan) return;
   if (i >= sb_in->stmts_used) {
      mark_groups(plan, sb);
      return;
   }
   IRStmt* st = sb_in->stmts[i];
   if (!st) return;
   if (st->tag == Ist_Exit) {
      mark_groups(plan, sb);
      return;
   }
   IRWrite w;
   if (!ma_ir_statement_writes(plan->tyenv, st, &w)) return;
   /* A plain store in a group is marked with its group (mark_groups). */
   if (st->tag == Ist_Store
       && (plan->group_of[i] == NO_GROUP || !plan->groups[plan->group_of[i]].one_by_one))
      return;
   add_page_mark(sb, w.addr, w.size, w.guard);
}

void ma_pages_plan_done(PagePlan* plan)
{
   if (!plan) return;
   VG_(free)(plan->group_of);
   VG_(free)(plan->groups);
   VG_(free)(plan);
}

/* The written bits of [lo, hi) move to 'to' (the count stays). */
void ma_pages_move(Addr lo, Addr hi, Addr to)
{
   if (!ma_track_pages) return;
   changed_unwritten(lo, hi);
   changed_unwritten(to, to + (hi - lo));
   for (Addr a = lo; a < hi; a += 1UL << PAGE_BITS) {
      UWord old_page = a >> PAGE_BITS, new_page = (to + (a - lo)) >> PAGE_BITS;
      if (!page_written(old_page)) continue;
      UWord* c = chunk_of(old_page, False);
      UWord bit = old_page & ((1UL << CHUNK_BITS) - 1);
      c[bit / 64] &= ~(1UL << (bit % 64));
      if (page_written(new_page)) { ma_footprint_pages -= 1UL << PAGE_BITS; continue; }
      c = chunk_of(new_page, True);
      bit = new_page & ((1UL << CHUNK_BITS) - 1);
      c[bit / 64] |= 1UL << (bit % 64);
   }
   invalidate_cache(lo, hi);
   invalidate_cache(to, to + (hi - lo));
}


ULong ma_pages_written_in(Addr lo, Addr hi)
{
   return scan_written(lo, hi, False);
}

void ma_pages_forget(Addr lo, Addr hi)
{
   changed_unwritten(lo, hi);
   ULong lost = scan_written(lo, hi, True);
   ma_footprint_pages -= lost << PAGE_BITS;
   invalidate_cache(lo, hi);
}

/*------------------------------------------------------------*/
/*--- Pages executed                                       ---*/
/*------------------------------------------------------------*/

/* A third bitmap of the same shape: a page's bit is set when code on
   it is translated (ma_instrument.c, once per superblock made, not per
   run of it: nothing is added to the translated code), and cleared
   when the page is unmapped.  Natively those are file pages the
   program faulted in to run its code; ma_regions.c counts them per
   region, with the kernel's fault-around around each. */
static UWord** executed_chunks;   /* [1 << L1_BITS] */

void ma_pages_executed(Addr a, SizeT len)
{
   if (len == 0 || !executed_chunks) return;
   for (UWord page = a >> PAGE_BITS; page <= (a + len - 1) >> PAGE_BITS; page++)
      *bit_word(chunk_in(executed_chunks, page, True, "ma.executed_pages"), page)
         |= bit_mask(page);
}

ULong ma_pages_executed_in(Addr lo, Addr hi)
{
   return scan_bits(executed_chunks, lo, hi, False);
}

void ma_pages_forget_executed(Addr lo, Addr hi)
{
   scan_bits(executed_chunks, lo, hi, True);
}

/* Fault-around: on a read fault in a file mapping, Linux maps besides
   the faulting page the file's pages already in the page cache within
   the aligned window of fault_around_bytes around it (64 KiB, the
   default; debugfs's fault_around_bytes), clipped to the mapping and
   to the file's end (mm/memory.c do_fault_around, mm/filemap.c
   filemap_map_pages).  A window is 16 pages, so 16 aligned bits of one
   bitmap word. */
#define AROUND_PAGES 16
#define AROUND_BYTES ((Addr)AROUND_PAGES << PAGE_BITS)

/* Whether a page of [lo, hi), inside one window, was executed. */
static Bool executed_in_window(Addr lo, Addr hi)
{
   UWord page = lo >> PAGE_BITS;
   UWord* c = chunk_in(executed_chunks, page, False, NULL);
   if (!c) return False;
   if ((lo & (AROUND_BYTES - 1)) == 0 && hi - lo == AROUND_BYTES)   /* a whole window */
      return ((*bit_word(c, page) >> (page % WORD_BITS)) & ((1UL << AROUND_PAGES) - 1)) != 0;
   return scan_bits(executed_chunks, lo, hi, False) != 0;
}

ULong ma_pages_executed_around(Addr lo, Addr hi, Addr file_end)
{
   if (!executed_chunks) return 0;
   ULong n = 0;
   Addr limit = hi < file_end ? hi : file_end;
   for (Addr w = lo & ~(AROUND_BYTES - 1); w < hi; w += AROUND_BYTES) {
      Addr from = w > lo ? w : lo;
      Addr to   = w + AROUND_BYTES < hi ? w + AROUND_BYTES : hi;
      if (!chunk_in(executed_chunks, from >> PAGE_BITS, False, NULL)) {
         /* No page of this chunk (256 MiB) was executed: on to the next. */
         Addr next_chunk = ((from >> (PAGE_BITS + CHUNK_BITS)) + 1) << (PAGE_BITS + CHUNK_BITS);
         w = next_chunk - AROUND_BYTES;
         continue;
      }
      if (!executed_in_window(from, to)) continue;
      Addr end = to < limit ? to : limit;
      if (end > from) n += (end - from) >> PAGE_BITS;
   }
   return n;
}

/*------------------------------------------------------------*/
/*--- File pages resident                                  ---*/
/*------------------------------------------------------------*/

/* The kernel's own page table, /proc/self/pagemap: one 64-bit entry
   per page of the address space, bit 63 set when the page is mapped in
   (present).  Valgrind runs the program in this process, so a file
   page the program read -- directly, or by the kernel's fault-around
   of a read fault -- is present here as natively; the tool itself
   reads no read-only file page of the client (its snapshots read only
   writable memory, Valgrind reads debug information through files).
   Read only when a memory map is captured: nothing on the hot path. */
#define PAGEMAP_PRESENT (1UL << 63)
#define PAGEMAP_BATCH   512   /* entries read at once: 4 KiB */

/* Opened once for the rest of the run: -2 until asked for, -1 if it
   cannot be read.  A fork child opens its own (ma_pages_forked): the
   parent's file shows the parent's memory. */
static Int pagemap_fd = -2;

static Int open_pagemap(void)
{
   Int fd = VG_(fd_open)("/proc/self/pagemap", VKI_O_RDONLY, 0);
   if (fd < 0) return -1;
   ULong entry;
   if (VG_(read)(fd, &entry, sizeof entry) != (Int)sizeof entry) {   /* readable? */
      VG_(close)(fd);
      return -1;
   }
   return fd;
}

Int ma_pages_pagemap(void)
{
   if (pagemap_fd == -2) pagemap_fd = open_pagemap();
   return pagemap_fd;
}

/* Whether a page of the mapping [lo, hi) is counted as code: in a
   fault-around window, clipped to the mapping as the kernel clips it,
   holding an executed page (as ma_pages_executed_around counts). */
static Bool in_executed_window(UWord page, Addr lo, Addr hi)
{
   Addr w = (Addr)page << PAGE_BITS & ~(AROUND_BYTES - 1);
   Addr from = w > lo ? w : lo;
   Addr to   = w + AROUND_BYTES < hi ? w + AROUND_BYTES : hi;
   return executed_in_window(from, to);
}

/* Up to 'want' (at most PAGEMAP_BATCH) entries of the page table from
   'page' on, into 'entries'; how many were read (0 on an error). */
static UWord read_pagemap(Int pagemap, UWord page, UWord want, ULong* entries)
{
   if (VG_(lseek)(pagemap, (Off64T)page * sizeof(ULong), VKI_SEEK_SET) < 0) return 0;
   Int got = VG_(read)(pagemap, entries, (Int)(want * sizeof(ULong)));
   return got > 0 ? (UWord)got / sizeof(ULong) : 0;
}

ULong ma_pages_read_in(Int pagemap, Addr lo, Addr hi)
{
   static ULong entries[PAGEMAP_BATCH];
   ULong n = 0;
   UWord page = lo >> PAGE_BITS, last = hi >> PAGE_BITS;
   while (page < last) {
      UWord want = last - page < PAGEMAP_BATCH ? last - page : PAGEMAP_BATCH;
      UWord read_n = read_pagemap(pagemap, page, want, entries);
      if (read_n == 0) break;
      for (UWord k = 0; k < read_n; k++)
         if ((entries[k] & PAGEMAP_PRESENT) && !page_written(page + k)
             && !in_executed_window(page + k, lo, hi))
            n++;
      page += read_n;
   }
   return n;
}

/*------------------------------------------------------------*/
/*--- Pages the kernel holds nothing for                   ---*/
/*------------------------------------------------------------*/

/* See ma_pages.h.  The entries of the last batch read are kept only
   until the next ma_pages_untouched_begin, since a page untouched now
   is touched as soon as the program runs. */
#define PAGEMAP_SWAPPED (1UL << 62)

static ULong untouched_entries[PAGEMAP_BATCH];
static UWord untouched_first, untouched_n;   /* the batch: pages [first, first + n) */

void ma_pages_forked(void)
{
   if (pagemap_fd >= 0) VG_(close)(pagemap_fd);
   pagemap_fd = -2;
   untouched_n = 0;
}

void ma_pages_untouched_begin(void)
{
   untouched_n = 0;
}

/* Whether the kernel holds nothing for 'page' (False when unknown). */
static Bool page_untouched(UWord page, UWord last)
{
   if (page < untouched_first || page >= untouched_first + untouched_n) {
      Int pagemap = ma_pages_pagemap();
      if (pagemap < 0) return False;
      UWord want = last - page < PAGEMAP_BATCH ? last - page : PAGEMAP_BATCH;
      untouched_first = page;
      untouched_n     = read_pagemap(pagemap, page, want, untouched_entries);
      if (untouched_n == 0) return False;
   }
   return !(untouched_entries[page - untouched_first] & (PAGEMAP_PRESENT | PAGEMAP_SWAPPED));
}

Addr ma_pages_untouched_until(Addr a, Addr end)
{
   tl_assert(VG_IS_PAGE_ALIGNED(a));
   UWord page = a >> PAGE_BITS, last = VG_PGROUNDDN(end) >> PAGE_BITS;
   while (page < last && page_untouched(page, last)) page++;
   return page << PAGE_BITS;
}

void ma_pages_clear_resident(Addr a, SizeT len)
{
   Addr lo = VG_PGROUNDUP(a), hi = VG_PGROUNDDN(a + len);
   if (hi <= lo || hi - lo < MA_PAGES_UNTOUCHED_MIN) {
      VG_(memset)((void*)a, 0, len);
      return;
   }
   VG_(memset)((void*)a, 0, lo - a);          /* the partial pages at the ends */
   VG_(memset)((void*)hi, 0, a + len - hi);
   ma_pages_untouched_begin();
   for (Addr at = lo; at < hi; ) {
      Addr held = ma_pages_untouched_until(at, hi);
      if (held < hi) VG_(memset)((void*)held, 0, 1UL << PAGE_BITS);
      at = held + (1UL << PAGE_BITS);
   }
}

void ma_pages_start(void)
{
   /* The bitmaps' top levels are needed even without --track-pages:
      ma_pages_written_in walks one, and executed pages are marked
      whatever the options. */
   written_chunks = VG_(am_shadow_alloc)(sizeof(UWord*) << L1_BITS);
   page_cache     = VG_(am_shadow_alloc)(sizeof(UWord) << CACHE_BITS);
   executed_chunks = VG_(am_shadow_alloc)(sizeof(UWord*) << L1_BITS);
   if (!written_chunks || !page_cache || !executed_chunks)
      VG_(out_of_memory_NORETURN)("ma.written_pages",
                                  (sizeof(UWord*) << (L1_BITS + 1)) + (sizeof(UWord) << CACHE_BITS));
}
