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
   of the run, since the peak may still move.  But a pair broken before
   the current peak can never be at the final peak, so finished pairs
   are settled into groups in batches, and only those broken after the
   current peak wait.  The memory held is one Link per copy pair still
   open or finished after the peak. */

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

typedef struct _Link {
   struct _Link* next_out;     /* source's chain; then the finished list */
   struct _Link* next_in;      /* destination's chain */
   Block*        src;          /* NULL once gone */
   Block*        dst;          /* NULL once gone */
   Site*         src_site;
   Site*         dst_site;
   ExeContext*   copy_ec;      /* stack of the first copy */
   ULong         bytes;
   ULong         last_copy_time;     /* ma_instrs */
   ULong         last_copy_event;    /* ma_heap.events then */
   ULong         created_event;      /* ma_heap.events at the first copy */
   ULong         broken_event;       /* ma_heap.events when an end went; 0 = not yet */
   ULong         broken_time;        /* ma_instrs then */
   ULong         src_size, dst_size; /* taken when each end goes */
   Bool          src_used;
   SourceFate    fate;
} Link;

ULong ma_lineage_pairs, ma_lineage_extra_source_bytes;

static PoolAlloc*   link_pool;
static VgHashTable* settled;          /* CopyGroups whose figures are final */
static Link*        finished;         /* both ends gone, at-peak still open */
static ULong        n_finished, settle_at;

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

/* A link's figures as of now: ends still live count as live at the end
   of the run. */
static CopyGroup figures_of(const Link* l)
{
   CopyGroup f;
   VG_(memset)(&f, 0, sizeof f);
   f.kind     = COPY_BY_PROGRAM;
   f.copy_ec  = l->copy_ec;
   f.from     = l->src_site;
   f.to       = l->dst_site;
   ULong src_size = l->src ? l->src->req_szB : l->src_size;
   ULong dst_size = l->dst ? l->dst->req_szB : l->dst_size;
   ULong useful   = l->bytes < dst_size ? l->bytes : dst_size;
   f.share    = dst_size ? (UInt)(10 * useful / dst_size) : 0;
   f.src_used = l->src ? l->src->lineage.last_use > l->last_copy_time : l->src_used;
   f.fate     = l->src ? FATE_LIVE : l->fate;
   f.n        = 1;
   f.bytes    = l->bytes;
   f.src_bytes = src_size;
   f.dst_bytes = dst_size;
   Bool  broken = l->broken_event != 0;
   ULong end    = broken ? l->broken_time : ma_instrs;
   f.overlap  = end > l->last_copy_time ? src_size * (end - l->last_copy_time) : 0;
   Bool at_peak = l->created_event <= ma_heap.peak_event
                  && (!broken || l->broken_event > ma_heap.peak_event);
   f.peak_src_bytes = at_peak ? src_size : 0;
   return f;
}

/* Settle the finished links that can no longer be at the peak. */
static void settle_finished(void)
{
   Link** at = &finished;
   while (*at) {
      Link* l = *at;
      if (l->broken_event <= ma_heap.peak_event) {
         CopyGroup f = figures_of(l);
         add_to_group(settled, &f);
         *at = l->next_out;
         VG_(freeEltPA)(link_pool, l);
         n_finished--;
      } else {
         at = &l->next_out;
      }
   }
   settle_at = 2 * n_finished > 100000 ? 2 * n_finished : 100000;
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
   if (LIKELY(l && l->src == src)) {
      touch(l, bytes);
      return;
   }
   /* Look further along; move a hit to the front, where the next copy
      of the same loop will look first. */
   for (Link* prev = l; prev && prev->next_in; prev = prev->next_in) {
      Link* hit = prev->next_in;
      if (hit->src != src) continue;
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
   l->src = src;
   l->dst = dst;
   l->src_site = src->site;
   l->dst_site = dst->site;
   l->copy_ec  = VG_(record_ExeContext)(VG_(get_running_tid)(), 0);
   l->created_event = ma_heap.events;
   l->next_out = src->lineage.links_out;  src->lineage.links_out = l;
   l->next_in  = dst->lineage.links_in;   dst->lineage.links_in  = l;
   dst->lineage.n_links_in++;
   ma_lineage_pairs++;
   touch(l, bytes);
}

static void break_link(Link* l)
{
   if (l->broken_event) return;
   l->broken_event = ma_heap.events;
   l->broken_time  = ma_instrs;
}

static void finish_link(Link* l)
{
   l->next_out = finished;
   finished = l;
   if (++n_finished >= settle_at) settle_finished();
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
      l->src_size = bk->req_szB;
      l->src      = NULL;
      break_link(l);
      if (!l->dst) finish_link(l);
   }
   for (Link* l = bk->lineage.links_in; l; l = next) {
      next = l->next_in;
      l->dst_size = bk->req_szB;
      l->dst      = NULL;
      break_link(l);
      if (!l->src) finish_link(l);
   }
   bk->lineage.links_out = bk->lineage.links_in = NULL;
}

/* realloc: the data lives on in successor, and so do its pairs and the
   time of its last use. */
static void carry_pairs(Block* old, Block* successor)
{
   for (Link* l = old->lineage.links_out; l; l = l->next_out) l->src = successor;
   for (Link* l = old->lineage.links_in;  l; l = l->next_in)  l->dst = successor;
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

static void keep_node(void* node) {}

CopyGroup** ma_lineage_groups(UWord* n_groups)
{
   VgHashTable* all = VG_(HT_construct)("ma.copy_groups_out");
   CopyGroup* g;
   VG_(HT_ResetIter)(settled);
   while ((g = VG_(HT_Next)(settled))) add_to_group(all, g);

   for (Link* l = finished; l; l = l->next_out) {
      CopyGroup f = figures_of(l);
      add_to_group(all, &f);
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
         if (l->src) continue;
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
   settled   = VG_(HT_construct)("ma.copy_groups");
   settle_at = 100000;
}
