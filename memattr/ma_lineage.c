/*--------------------------------------------------------------------*/
/*--- memattr: copy lineage between heap blocks.      ma_lineage.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_lineage.h.

   Life of a pair: created at the first copy from its source into its
   destination; each further copy adds bytes and moves its 'last copy'
   time on.  When the source goes, the pair notes whether the source
   was used after the last copy and whether it went promptly; when the
   destination goes, its size.  The first end to go *breaks* the pair
   (the overlap of the two ends stops there); when both have gone the
   pair is *finished*.

   Whether a pair was live at the global peak is known only at the end
   of the run, since the peak may still move.  But a finished pair's
   figures are final except that one, and it takes one of two values:
   a pair broken before the current peak can never be at the final peak
   (settled at once), and one broken after it is at the final peak if
   and only if the peak stays where it is.  So a finished pair is folded
   into a group when it finishes, and freed: into 'settled', or into
   'pending' with its peak figure as if the peak stayed; when the peak
   moves, every pending pair was broken before the new peak, and the
   pending groups are settled with a peak figure of 0.  The memory held
   is one Link or HalfLink (below) per copy pair still open (not one per
   pair finished since the peak, which on a heap torn down after its
   peak is one per block it held), and one group per distinct key. */

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_xarray.h"

#include "ma_bigmem.h"
#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_lineage.h"

/* A pair is held in one of two shapes, so that the pairs a big heap
   keeps cost what their state needs.  A program that builds its
   objects by copying keeps more open pairs than live blocks (a Python
   program with PYTHONMALLOC=malloc: 2.26 million at its peak for 1.8
   million blocks, and in 1.65 million of them one end had gone: a
   temporary copied into a string, or a string copied into a temporary
   by str.encode).

   - A Link: both ends live.  It sits in two chains, its source's
     'out' chain and its destination's 'in' chain, and can be asked
     for either block.  80 bytes.
   - A HalfLink: one end has gone.  Every figure of the end gone is
     final, so the HalfLink keeps just those, in the chain of the end
     still live; it names no block (the chain it is in says which).
     56 bytes.

   The first end to go *breaks* the pair: its Link is replaced, in the
   other end's chain, by a HalfLink.  When the other end goes too the
   pair is *finished* (see the top of this file).  A destination's
   chain is short (it takes pairs from MA_MAX_SOURCES sources at most),
   so a Link there is found by a walk; a source's can be long (one
   block copied into many), so a Link knows where the pointer to it in
   that chain is.

   The copy's stack and the two sites, fixed when a pair is made, are
   named together by a 4-byte kind (PairKind). */

/* A word in a chain: a Link*, or a HalfLink* with the low bit set. */
typedef UWord PairRef;

typedef struct _Link {
   PairRef  next_out;    /* the source's chain */
   /* Where the source's chain points at this Link: the previous
      pair's next (a Link's next_out or a HalfLink's next), or NULL when
      this Link is first there (src->lineage.pairs_out). */
   PairRef* prev_out;
   PairRef  next_in;     /* the destination's chain */
   Block*   src;
   Block*   dst;
   UInt     kind;        /* PairKind number */
   ULong    bytes;
   ULong    last_copy_time;     /* ma_instrs */
   ULong    last_copy_event;    /* ma_heap.events then */
   ULong    created_event;      /* ma_heap.events at the first copy */
} Link;

typedef struct _HalfLink {
   PairRef  next;        /* the live end's chain */
   UInt     kind;
   UInt     src_gone : 1;          /* else the destination has gone */
   UInt     src_used : 1;          /* src_gone: used after the last copy */
   UInt     fate     : 2;          /* src_gone: SourceFate */
   /* Created no later than the peak as it stood at the break (see
      half_at_peak). */
   UInt     created_by_peak : 1;
   ULong    bytes;
   ULong    gone_size;      /* requested bytes of the end gone */
   ULong    last_copy_time;
   ULong    broken_time;    /* ma_instrs at the break */
   ULong    broken_event;   /* ma_heap.events then */
} HalfLink;

_Static_assert(sizeof(Link) == 80, "Link: up to one per live block of some programs");
_Static_assert(sizeof(HalfLink) == 56, "HalfLink: more than one per live block of some");

static inline Bool      is_half(PairRef r)        { return r & 1; }
static inline Link*     as_link(PairRef r)        { return (Link*)r; }
static inline HalfLink* as_half(PairRef r)        { return (HalfLink*)(r & ~(UWord)1); }
static inline PairRef   ref_of_half(HalfLink* h)  { return (PairRef)h | 1; }

/* The next pair after r in the source's ('out') or destination's chain. */
static inline PairRef next_out(PairRef r)
{
   return is_half(r) ? as_half(r)->next : as_link(r)->next_out;
}

static inline PairRef next_in(PairRef r)
{
   return is_half(r) ? as_half(r)->next : as_link(r)->next_in;
}

ULong ma_lineage_pairs, ma_lineage_extra_source_bytes;

static PoolAlloc* link_pool;
static PoolAlloc* half_pool;

/* What names a pair's group of those fixed when the pair is made: the
   copy's stack and the two sites, numbered in the order first seen.
   Sites and ExeContexts live for the run, so a number stays good. */
typedef struct _PairKind {
   struct _PairKind* next;   /* hash chain (VgHashTable layout) */
   UWord             key;    /* hash of the three below */
   ExeContext*       copy_ec;
   Site*             from;
   Site*             to;
   UInt              number;
} PairKind;

static VgHashTable* kinds;            /* PairKind by its key fields */
static XArray*      kinds_by_number;  /* number -> PairKind* */

static Word same_kind(const void* a, const void* b)
{
   const PairKind* x = a;
   const PairKind* y = b;
   return !(x->copy_ec == y->copy_ec && x->from == y->from && x->to == y->to);
}

/* Called when a pair is made, which also records the copy's stack:
   a lookup is small beside that. */
static UInt kind_of(ExeContext* copy_ec, Site* from, Site* to)
{
   PairKind probe = { NULL, 0, copy_ec, from, to, 0 };
   probe.key = ((UWord)copy_ec * 31 + (UWord)from) * 31 + (UWord)to;
   PairKind* k = VG_(HT_gen_lookup)(kinds, &probe, same_kind);
   if (k) return k->number;
   k = VG_(malloc)("ma.pair_kinds", sizeof(PairKind));
   *k = probe;
   k->number = (UInt)VG_(sizeXA)(kinds_by_number);
   tl_assert(k->number == VG_(sizeXA)(kinds_by_number));   /* 2^32 kinds: never */
   VG_(addToXA)(kinds_by_number, &k);
   VG_(HT_add_node)(kinds, k);
   return k->number;
}

static const PairKind* kind_named(UInt number)
{
   return *(PairKind**)VG_(indexXA)(kinds_by_number, number);
}

static VgHashTable* settled;          /* CopyGroups whose figures are final */
/* CopyGroups of pairs finished after the peak of 'pending_peak' (an
   ma_heap.peak_event), with peak_src_bytes as if the peak stays there. */
static VgHashTable* pending;
static ULong        pending_peak;

/*------------------------------------------------------------*/
/*--- Groups                                               ---*/
/*------------------------------------------------------------*/

static UWord group_hash(const CopyGroup* g)
{
   UWord h = (UWord)g->copy_ec;
   h = h * 31 + (UWord)g->from;
   h = h * 31 + (UWord)g->to;
   h = h * 31 + (g->share | g->src_used << 4 | g->fate << 5 | g->kind << 7);
   return h;
}

static Word same_group(const void* a, const void* b)
{
   const CopyGroup* x = a;
   const CopyGroup* y = b;
   return !(x->kind == y->kind && x->copy_ec == y->copy_ec && x->from == y->from
            && x->to == y->to && x->share == y->share && x->src_used == y->src_used
            && x->fate == y->fate);
}

/* Add 'figures' (whose key fields are set) into its group in 'table'. */
static void add_to_group(VgHashTable* table, const CopyGroup* figures)
{
   CopyGroup probe = *figures;
   probe.key = group_hash(&probe);
   CopyGroup* g = VG_(HT_gen_lookup)(table, &probe, same_group);
   if (!g) {
      g = VG_(calloc)("ma.copy_group", 1, sizeof(CopyGroup));
      *g = probe;
      g->n = g->bytes = g->src_bytes = g->dst_bytes = g->peak_src_bytes = g->overlap = 0;
      VG_(HT_add_node)(table, g);
   }
   g->n              += figures->n;
   g->bytes          += figures->bytes;
   g->src_bytes      += figures->src_bytes;
   g->dst_bytes      += figures->dst_bytes;
   g->peak_src_bytes += figures->peak_src_bytes;
   g->overlap        += figures->overlap;
}

/* A pair's figures as of now: an end still live counts as live at the
   end of the run.  'src_used', 'fate' and the sizes are the caller's,
   which knows where each end is. */
static CopyGroup figures(UInt kind, ULong bytes, ULong src_size, ULong dst_size,
                         Bool src_used, SourceFate fate, ULong last_copy_time,
                         ULong end_time, Bool at_peak)
{
   const PairKind* k = kind_named(kind);
   CopyGroup f;
   VG_(memset)(&f, 0, sizeof f);
   f.kind     = COPY_BY_PROGRAM;
   f.copy_ec  = k->copy_ec;
   f.from     = k->from;
   f.to       = k->to;
   ULong useful = bytes < dst_size ? bytes : dst_size;
   f.share    = dst_size ? (UInt)(10 * useful / dst_size) : 0;
   f.src_used = src_used;
   f.fate     = fate;
   f.n        = 1;
   f.bytes    = bytes;
   f.src_bytes = src_size;
   f.dst_bytes = dst_size;
   f.overlap  = end_time > last_copy_time ? src_size * (end_time - last_copy_time) : 0;
   f.peak_src_bytes = at_peak ? src_size : 0;
   return f;
}

/* An open pair, both ends live. */
static CopyGroup figures_of_link(const Link* l)
{
   return figures(l->kind, l->bytes, l->src->req_szB, l->dst->req_szB,
                  l->src->lineage.last_use > l->last_copy_time, FATE_LIVE,
                  l->last_copy_time, ma_instrs, l->created_event <= ma_heap.peak_event);
}

/* Whether a broken pair was live at the peak as it stands
   (ma_heap.peak_event): it keeps only whether it was made by the peak
   at the time it broke; a peak moved since then lies after the break
   (the peak moves at an allocation, whose event is later), so the pair
   was not live at it, and the test on the broken event says so
   whatever the creation's. */
static Bool half_at_peak(const HalfLink* h)
{
   return h->created_by_peak && h->broken_event > ma_heap.peak_event;
}

/* A broken pair whose end 'live' is live, or (going) is being
   released now.  A source that goes after its destination is never
   prompt: the destination's release came between the last copy and
   its own (release_pairs' rule). */
static CopyGroup figures_of_half(const HalfLink* h, const Block* live, Bool going)
{
   const LineageBlock* lb = &live->lineage;
   if (h->src_gone)
      return figures(h->kind, h->bytes, h->gone_size, live->req_szB, h->src_used,
                     (SourceFate)h->fate, h->last_copy_time, h->broken_time,
                     half_at_peak(h));
   return figures(h->kind, h->bytes, live->req_szB, h->gone_size,
                  lb->last_use > h->last_copy_time, going ? FATE_LATER : FATE_LIVE,
                  h->last_copy_time, h->broken_time, half_at_peak(h));
}

/* Add a pending group into 'table' as settled: with the peak moved
   past its pairs, none was at the peak. */
static void add_as_settled(VgHashTable* table, const CopyGroup* g)
{
   CopyGroup f = *g;
   f.peak_src_bytes = 0;
   add_to_group(table, &f);
}

static void keep_node(void* node) {}

/* The peak has moved since the pending groups were made: settle them,
   emptying 'pending' (the peak moves at most allocations while the
   heap grows, so this is cheap when there is nothing pending). */
static void settle_pending(void)
{
   if (VG_(HT_count_nodes)(pending) == 0) return;
   UInt n;
   CopyGroup** groups = (CopyGroup**)VG_(HT_to_array)(pending, &n);
   for (UInt i = 0; i < n; i++) {
      add_as_settled(settled, groups[i]);
      /* Removes a node with this key: n removals empty the table. */
      (void)VG_(HT_remove)(pending, groups[i]->key);
   }
   for (UInt i = 0; i < n; i++) VG_(free)(groups[i]);
   VG_(free)(groups);
}

/*------------------------------------------------------------*/
/*--- Pairs                                                ---*/
/*------------------------------------------------------------*/

static void touch(Link* l, SizeT bytes)
{
   l->bytes           += bytes;
   l->last_copy_time   = ma_instrs;
   l->last_copy_event  = ma_heap.events;
}

/* Sets the pair after r in a destination's chain. */
static inline void set_next_in(PairRef r, PairRef next)
{
   if (is_half(r)) as_half(r)->next = next; else as_link(r)->next_in = next;
}

/* The full pair from src in dst's chain, moved to the front, where the
   next copy of the same loop will look first; NULL if none. */
static Link* pair_from(Block* src, Block* dst)
{
   PairRef prev = 0;
   for (PairRef r = dst->lineage.pairs_in; r; prev = r, r = next_in(r)) {
      if (is_half(r) || as_link(r)->src != src) continue;   /* a half's source has gone */
      if (prev) {
         set_next_in(prev, as_link(r)->next_in);
         as_link(r)->next_in = dst->lineage.pairs_in;
         dst->lineage.pairs_in = r;
      }
      return as_link(r);
   }
   return NULL;
}

/* l goes first in src's chain. */
static void push_out(Block* src, Link* l)
{
   PairRef first = src->lineage.pairs_out;
   l->next_out = first;
   l->prev_out = NULL;
   if (first && !is_half(first)) as_link(first)->prev_out = &l->next_out;
   src->lineage.pairs_out = (PairRef)l;
}

void ma_lineage_note_copy(Block* src, Block* dst, SizeT bytes)
{
   PairRef first = dst->lineage.pairs_in;
   if (LIKELY(first && !is_half(first) && as_link(first)->src == src)) {
      touch(as_link(first), bytes);
      return;
   }
   Link* l = pair_from(src, dst);
   if (l) {
      touch(l, bytes);
      return;
   }
   if (dst->lineage.n_links_in >= MA_MAX_SOURCES) {
      ma_lineage_extra_source_bytes += bytes;
      return;
   }

   l = VG_(allocEltPA)(link_pool);
   VG_(memset)(l, 0, sizeof *l);
   l->src = src;
   l->dst = dst;
   l->kind = kind_of(VG_(record_ExeContext)(VG_(get_running_tid)(), 0), src->site, dst->site);
   l->created_event = ma_heap.events;
   push_out(src, l);
   l->next_in = dst->lineage.pairs_in;
   dst->lineage.pairs_in = (PairRef)l;
   dst->lineage.n_links_in++;
   ma_lineage_pairs++;
   touch(l, bytes);
}

/* The end of l at 'gone' is being released: a HalfLink with what the
   pair keeps of it. */
static HalfLink* break_link(const Link* l, const Block* gone)
{
   HalfLink* h = VG_(allocEltPA)(half_pool);
   VG_(memset)(h, 0, sizeof *h);
   h->kind            = l->kind;
   h->src_gone        = gone == l->src;
   h->created_by_peak = l->created_event <= ma_heap.peak_event;
   h->bytes           = l->bytes;
   h->gone_size       = gone->req_szB;
   h->last_copy_time  = l->last_copy_time;
   h->broken_time     = ma_instrs;
   h->broken_event    = ma_heap.events;
   if (h->src_gone) {
      h->src_used = gone->lineage.last_use > l->last_copy_time;
      /* This release is the one event after the copy: nothing else was
         allocated or freed in between. */
      h->fate = ma_heap.events == l->last_copy_event + 1 ? FATE_PROMPT : FATE_LATER;
   }
   return h;
}

/* In l's destination's chain, h takes l's place (a short walk: see
   the top of this file). */
static void replace_in(Link* l, HalfLink* h)
{
   PairRef prev = 0, r = l->dst->lineage.pairs_in;
   for (; r != (PairRef)l; prev = r, r = next_in(r)) tl_assert(r);
   h->next = l->next_in;
   if (prev) set_next_in(prev, ref_of_half(h)); else l->dst->lineage.pairs_in = ref_of_half(h);
}

/* In l's source's chain, h takes l's place. */
static void replace_out(Link* l, HalfLink* h)
{
   h->next = l->next_out;
   if (l->prev_out) *l->prev_out = ref_of_half(h); else l->src->lineage.pairs_out = ref_of_half(h);
   if (h->next && !is_half(h->next)) as_link(h->next)->prev_out = &h->next;
}

/* Both ends have gone, 'last' now: the pair's figures go to its group
   (see the top of this file) and the HalfLink is freed. */
static void finish(HalfLink* h, const Block* last)
{
   if (pending_peak != ma_heap.peak_event) {
      settle_pending();
      pending_peak = ma_heap.peak_event;
   }
   CopyGroup f = figures_of_half(h, last, True);
   add_to_group(h->broken_event <= ma_heap.peak_event ? settled : pending, &f);
   VG_(freeEltPA)(half_pool, h);
}

/* bk is freed: each of its pairs breaks (a HalfLink takes the Link's
   place at the other end), or finishes if the other end has gone too. */
static void release_pairs(Block* bk)
{
   PairRef next;
   for (PairRef r = bk->lineage.pairs_out; r; r = next) {
      next = next_out(r);
      if (is_half(r)) { finish(as_half(r), bk); continue; }
      Link* l = as_link(r);
      replace_in(l, break_link(l, bk));
      VG_(freeEltPA)(link_pool, l);
   }
   for (PairRef r = bk->lineage.pairs_in; r; r = next) {
      next = next_in(r);
      if (is_half(r)) { finish(as_half(r), bk); continue; }
      Link* l = as_link(r);
      replace_out(l, break_link(l, bk));
      VG_(freeEltPA)(link_pool, l);
   }
   bk->lineage.pairs_out = bk->lineage.pairs_in = 0;
}

/* realloc: the data lives on in successor, and so do its pairs and the
   time of its last use.  HalfLinks name no block; a Link first in the
   source's chain finds it through its source (prev_out NULL). */
static void carry_pairs(Block* old, Block* successor)
{
   for (PairRef r = old->lineage.pairs_out; r; r = next_out(r))
      if (!is_half(r)) as_link(r)->src = successor;
   for (PairRef r = old->lineage.pairs_in; r; r = next_in(r))
      if (!is_half(r)) as_link(r)->dst = successor;
   successor->lineage = old->lineage;
   old->lineage.pairs_out = old->lineage.pairs_in = 0;
}

/* realloc moved a block, copying its bytes: a relocation, settled at
   once (it has no pair to follow). */
static void note_relocation(const Block* old, const Block* successor)
{
   CopyGroup f;
   VG_(memset)(&f, 0, sizeof f);
   f.kind = COPY_BY_REALLOC;
   f.copy_ec = successor->site->ec;
   f.from = old->site;
   f.to = successor->site;
   f.share = 10;
   f.fate = FATE_PROMPT;
   f.n = 1;
   f.bytes = f.src_bytes = old->req_szB;
   f.dst_bytes = successor->req_szB;
   add_to_group(settled, &f);
}

void ma_lineage_block_allocated(Block* bk, Block* predecessor)
{
   bk->lineage.n_links_in = 0;
   bk->lineage.last_use   = 0;
   bk->lineage.pairs_out  = bk->lineage.pairs_in = 0;
   if (!predecessor) return;
   carry_pairs(predecessor, bk);
   if (bk->payload != predecessor->payload) note_relocation(predecessor, bk);
}

void ma_lineage_block_releasing(Block* bk, Bool replaced)
{
   if (!replaced) release_pairs(bk);
}

/*------------------------------------------------------------*/
/*--- For the trace                                        ---*/
/*------------------------------------------------------------*/

CopyGroup** ma_lineage_groups(UWord* n_groups)
{
   VgHashTable* all = VG_(HT_construct)("ma.copy_groups_out");
   CopyGroup* g;
   VG_(HT_ResetIter)(settled);
   while ((g = VG_(HT_Next)(settled))) add_to_group(all, g);

   Bool peak_moved = pending_peak != ma_heap.peak_event;
   VG_(HT_ResetIter)(pending);
   while ((g = VG_(HT_Next)(pending))) {
      if (peak_moved) add_as_settled(all, g);
      else            add_to_group(all, g);
   }
   /* Open pairs: a Link once, through its source; a HalfLink through
      its live end. */
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) {
      for (PairRef r = bk->lineage.pairs_out; r; r = next_out(r)) {
         CopyGroup f = is_half(r) ? figures_of_half(as_half(r), bk, False)
                                  : figures_of_link(as_link(r));
         add_to_group(all, &f);
      }
      for (PairRef r = bk->lineage.pairs_in; r; r = next_in(r)) {
         if (!is_half(r)) continue;
         CopyGroup f = figures_of_half(as_half(r), bk, False);
         add_to_group(all, &f);
      }
   }
   UInt n;
   CopyGroup** groups = (CopyGroup**)VG_(HT_to_array)(all, &n);
   *n_groups = n;
   VG_(HT_destruct)(all, keep_node);   /* the array has the nodes now */
   return groups;
}

void ma_lineage_free_groups(CopyGroup** groups, UWord n_groups)
{
   for (UWord i = 0; i < n_groups; i++) VG_(free)(groups[i]);
   VG_(free)(groups);
}

void ma_lineage_init(void)
{
   link_pool = VG_(newPA)(sizeof(Link), 1000, ma_bigmem_pool_alloc, "ma.link_pool",
                          ma_bigmem_pool_free);
   half_pool = VG_(newPA)(sizeof(HalfLink), 1000, ma_bigmem_pool_alloc, "ma.half_link_pool",
                          ma_bigmem_pool_free);
   kinds     = VG_(HT_construct)("ma.pair_kinds");
   kinds_by_number = VG_(newXA)(VG_(malloc), "ma.pair_kinds", VG_(free), sizeof(PairKind*));
   settled   = VG_(HT_construct)("ma.copy_groups");
   pending   = VG_(HT_construct)("ma.copy_groups_pending");
}
