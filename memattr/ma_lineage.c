/*--------------------------------------------------------------------*/
/*--- memattr: copy lineage between heap blocks.      ma_lineage.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_lineage.h.

   Life of a pair (a Link): created at the first copy from its source
   into its destination; each further copy adds bytes and moves its
   'last copy' time on.  When the source goes, the link notes whether
   the source was used after the last copy and whether it went
   promptly; when the destination goes, its size.  The first end to go
   *breaks* the pair (the overlap of the two ends stops there); when
   both have gone the pair is *finished*.

   Whether a pair was live at the global peak is known only at the end
   of the run, since the peak may still move.  But a finished pair's
   figures are final except that one, and it takes one of two values:
   a pair broken before the current peak can never be at the final peak
   (settled at once), and one broken after it is at the final peak if
   and only if the peak stays where it is.  So a finished pair is folded
   into a group when it finishes, and its Link freed: into 'settled', or
   into 'pending' with its peak figure as if the peak stayed; when the
   peak moves, every pending pair was broken before the new peak, and
   the pending groups are settled with a peak figure of 0.  The memory
   held is one Link per copy pair still open (not one per pair finished
   since the peak, which on a heap torn down after its peak is one per
   block it held), and one group per distinct key. */

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_xarray.h"

#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_lineage.h"

/* One end of a pair: the live block, and once it has gone (the Link's
   src_gone or dst_gone says so) its size then.  A program that builds
   its objects by copying keeps about one open pair per live block (a
   Python program with PYTHONMALLOC=malloc: 0.9 per block, 1.6 million
   at its peak), so every byte of a Link counts on a big heap: 88 bytes,
   with sites and the copy's stack named by 4-byte numbers (number_of)
   and one event field serving before and after the pair breaks. */
typedef union {
   Block* block;
   ULong  size;
} LinkEnd;

typedef struct _Link {
   struct _Link* next_out;     /* source's chain */
   struct _Link* next_in;      /* destination's chain */
   LinkEnd       src, dst;
   UInt          src_site;     /* Site*, numbered (named()) */
   UInt          dst_site;
   UInt          copy_ec;      /* ExeContext* of the first copy, numbered */
   UInt          src_gone : 1, dst_gone : 1;
   UInt          src_used : 1;       /* set when the source goes */
   UInt          fate     : 2;       /* SourceFate, set when the source goes */
   UInt          broken   : 1;       /* an end has gone */
   /* Set when the pair breaks: it was created no later than the peak
      then (see at_peak). */
   UInt          created_by_peak : 1;
   ULong         bytes;
   ULong         last_copy_time;     /* ma_instrs */
   ULong         last_copy_event;    /* ma_heap.events then */
   /* ma_heap.events at the first copy until the pair breaks, then
      ma_heap.events when it broke. */
   ULong         event;
   ULong         broken_time;        /* ma_instrs when it broke */
} Link;

_Static_assert(sizeof(Link) == 88, "Link: about one per live block of some programs");

/* The live block at an end, or NULL once it has gone. */
static inline Block* src_block(const Link* l) { return l->src_gone ? NULL : l->src.block; }
static inline Block* dst_block(const Link* l) { return l->dst_gone ? NULL : l->dst.block; }

ULong ma_lineage_pairs, ma_lineage_extra_source_bytes;

static PoolAlloc*   link_pool;

/* The sites and copy stacks pairs name, numbered in the order first
   named: a number is 4 bytes in a Link where a pointer is 8.  Both are
   never freed (sites live for the run, ExeContexts too), so a number
   stays good; the two kinds are distinct objects, so one table serves. */
typedef struct _Numbered {
   struct _Numbered* next;   /* hash chain (VgHashTable layout) */
   UWord             key;    /* the pointer */
   UInt              number;
} Numbered;

static VgHashTable* numbers;     /* pointer -> Numbered */
static XArray*      by_number;   /* number -> pointer */

/* Called when a pair is made, which also records the copy's stack:
   a lookup is small beside that. */
static UInt number_of(const void* p)
{
   Numbered* n = VG_(HT_lookup)(numbers, (UWord)p);
   if (n) return n->number;
   n = VG_(malloc)("ma.link_numbers", sizeof(Numbered));
   n->key = (UWord)p;
   n->number = (UInt)VG_(sizeXA)(by_number);
   tl_assert(n->number == VG_(sizeXA)(by_number));   /* 2^32 sites: never */
   VG_(addToXA)(by_number, &p);
   VG_(HT_add_node)(numbers, n);
   return n->number;
}

static void* named(UInt number)
{
   return *(void**)VG_(indexXA)(by_number, number);
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

/* Whether the pair was live at the peak as it stands (ma_heap.peak_event):
   made no later than the peak, and not broken by then.  A broken pair
   keeps only whether it was made by the peak at the time it broke: a
   peak moved since then lies after the break (the peak moves at an
   allocation, whose event is later), so the pair was not live at it,
   and the test on the broken event says so whatever the creation's. */
static Bool at_peak(const Link* l)
{
   if (!l->broken) return l->event <= ma_heap.peak_event;
   return l->created_by_peak && l->event > ma_heap.peak_event;
}

/* A link's figures as of now: ends still live count as live at the end
   of the run. */
static CopyGroup figures_of(const Link* l)
{
   CopyGroup f;
   VG_(memset)(&f, 0, sizeof f);
   f.kind     = COPY_BY_PROGRAM;
   f.copy_ec  = named(l->copy_ec);
   f.from     = named(l->src_site);
   f.to       = named(l->dst_site);
   const Block* src = src_block(l);
   const Block* dst = dst_block(l);
   ULong src_size = src ? src->req_szB : l->src.size;
   ULong dst_size = dst ? dst->req_szB : l->dst.size;
   ULong useful   = l->bytes < dst_size ? l->bytes : dst_size;
   f.share    = dst_size ? (UInt)(10 * useful / dst_size) : 0;
   f.src_used = src ? src->lineage.last_use > l->last_copy_time : l->src_used;
   f.fate     = src ? FATE_LIVE : (SourceFate)l->fate;
   f.n        = 1;
   f.bytes    = l->bytes;
   f.src_bytes = src_size;
   f.dst_bytes = dst_size;
   ULong end    = l->broken ? l->broken_time : ma_instrs;
   f.overlap  = end > l->last_copy_time ? src_size * (end - l->last_copy_time) : 0;
   f.peak_src_bytes = at_peak(l) ? src_size : 0;
   return f;
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

void ma_lineage_note_copy(Block* src, Block* dst, SizeT bytes)
{
   Link* l = dst->lineage.links_in;
   if (LIKELY(l && src_block(l) == src)) {
      touch(l, bytes);
      return;
   }
   /* Look further along; move a hit to the front, where the next copy
      of the same loop will look first. */
   for (Link* prev = l; prev && prev->next_in; prev = prev->next_in) {
      Link* hit = prev->next_in;
      if (src_block(hit) != src) continue;
      prev->next_in = hit->next_in;
      hit->next_in  = dst->lineage.links_in;
      dst->lineage.links_in = hit;
      touch(hit, bytes);
      return;
   }
   if (dst->lineage.n_links_in >= MA_MAX_SOURCES) {
      ma_lineage_extra_source_bytes += bytes;
      return;
   }

   l = VG_(allocEltPA)(link_pool);
   VG_(memset)(l, 0, sizeof *l);
   l->src.block = src;
   l->dst.block = dst;
   l->src_site = number_of(src->site);
   l->dst_site = number_of(dst->site);
   l->copy_ec  = number_of(VG_(record_ExeContext)(VG_(get_running_tid)(), 0));
   l->event    = ma_heap.events;   /* created */
   l->next_out = src->lineage.links_out;  src->lineage.links_out = l;
   l->next_in  = dst->lineage.links_in;   dst->lineage.links_in  = l;
   dst->lineage.n_links_in++;
   ma_lineage_pairs++;
   touch(l, bytes);
}

static void break_link(Link* l)
{
   if (l->broken) return;
   l->created_by_peak = l->event <= ma_heap.peak_event;
   l->event       = ma_heap.events;   /* broken */
   l->broken_time = ma_instrs;
   l->broken      = 1;
}

/* Both ends have gone: the pair's figures go to its group (see the top
   of this file) and the Link is freed. */
static void finish_link(Link* l)
{
   if (pending_peak != ma_heap.peak_event) {
      settle_pending();
      pending_peak = ma_heap.peak_event;
   }
   CopyGroup f = figures_of(l);
   add_to_group(l->event <= ma_heap.peak_event ? settled : pending, &f);   /* broken */
   VG_(freeEltPA)(link_pool, l);
}

/* bk is freed: each of its pairs breaks, and finishes if the other
   end has gone too. */
static void release_pairs(Block* bk)
{
   Link* next;
   for (Link* l = bk->lineage.links_out; l; l = next) {
      next = l->next_out;
      l->src_used = bk->lineage.last_use > l->last_copy_time;
      /* This release is the one event after the copy: nothing else was
         allocated or freed in between. */
      l->fate     = ma_heap.events == l->last_copy_event + 1 ? FATE_PROMPT : FATE_LATER;
      l->src.size = bk->req_szB;
      l->src_gone = True;
      break_link(l);
      if (l->dst_gone) finish_link(l);
   }
   for (Link* l = bk->lineage.links_in; l; l = next) {
      next = l->next_in;
      l->dst.size = bk->req_szB;
      l->dst_gone = True;
      break_link(l);
      if (l->src_gone) finish_link(l);
   }
   bk->lineage.links_out = bk->lineage.links_in = NULL;
}

/* realloc: the data lives on in successor, and so do its pairs and the
   time of its last use. */
static void carry_pairs(Block* old, Block* successor)
{
   for (Link* l = old->lineage.links_out; l; l = l->next_out) l->src.block = successor;
   for (Link* l = old->lineage.links_in;  l; l = l->next_in)  l->dst.block = successor;
   successor->lineage = old->lineage;
   old->lineage.links_out = old->lineage.links_in = NULL;
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
   bk->lineage.links_out  = bk->lineage.links_in = NULL;
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
   /* Open pairs: each once, through its source if live, else through
      its (live) destination. */
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) {
      for (Link* l = bk->lineage.links_out; l; l = l->next_out) {
         CopyGroup f = figures_of(l);
         add_to_group(all, &f);
      }
      for (Link* l = bk->lineage.links_in; l; l = l->next_in) {
         if (!l->src_gone) continue;
         CopyGroup f = figures_of(l);
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
   link_pool = VG_(newPA)(sizeof(Link), 1000, VG_(malloc), "ma.link_pool", VG_(free));
   numbers   = VG_(HT_construct)("ma.link_numbers");
   by_number = VG_(newXA)(VG_(malloc), "ma.link_numbers", VG_(free), sizeof(void*));
   settled   = VG_(HT_construct)("ma.copy_groups");
   pending   = VG_(HT_construct)("ma.copy_groups_pending");
}
