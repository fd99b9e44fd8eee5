/*--------------------------------------------------------------------*/
/*--- memattr: the heap model.                          ma_heap.c ---*/
/*--------------------------------------------------------------------*/

/* The figures of blocks, sites, threads and the whole heap, the global
   peak; the malloc-replacement callbacks.  See ma_heap.h.  Each
   allocation and release is counted here and then announced to the
   other modules (ma_events.h says in which order and at which point of
   the counting).

   Accounting rules (the ones DHAT uses, so totals and peaks agree):
   - bytes are requested bytes;
   - a realloc counts as one more block of its new size in the totals;
   - the peak is the maximum of live requested bytes; of several equal
     maxima the latest wins.
   Where memattr differs from DHAT (malloc(0) counts 0 bytes, not 1; a
   realloc'd block is attributed to the realloc call, as Massif,
   heaptrack and memray do) docs/accuracy.md says why. */

#include "pub_tool_basics.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"

#include "ma_events.h"
#include "ma_heap.h"
#include "memattr_glibc_chunk.h"
#include "ma_thread_sites.h"
#include "ma_timeline.h"

HeapFigures ma_heap;

/* With snapshots on (see give_back). */
static Bool clear_freed = False;

/*------------------------------------------------------------*/
/*--- Sites                                                ---*/
/*------------------------------------------------------------*/

static Site*          changed_sites;     /* chained through next_changed */
static ThreadFigures* changed_threads;   /* likewise */

static Site* site_for(ExeContext* ec)
{
   Bool created;
   Site* site = ma_blocks_site_for(ec, &created);
   if (created) site->lifetime_min = ~0ULL;
   return site;
}

static void mark_changed(Site* site)
{
   if (site->changed) return;
   site->changed      = True;
   site->next_changed = changed_sites;
   changed_sites      = site;
}

static void mark_thread_changed(ThreadFigures* tf)
{
   if (tf->changed) return;
   tf->changed      = True;
   tf->next_changed = changed_threads;
   changed_threads  = tf;
}

/* Called before live bytes go down.  If the heap is at its maximum
   right now, this moment is the peak (so far): copy the live figures
   of every site and thread that changed since the last capture (those
   that did not change still hold the right figures from that
   capture).  At the maximum means at the peak's bytes and blocks:
   after a 0-byte block goes, the bytes are still the peak's but the
   moment is not (the blocks are one fewer), and no allocation gets
   back to both figures without moving the peak. */
void ma_heap_capture_peak_if_at_peak(void)
{
   if (ma_heap.curr_bytes != ma_heap.peak_bytes || ma_heap.curr_blocks != ma_heap.peak_blocks)
      return;
   for (Site* s = changed_sites; s; s = s->next_changed) {
      s->peak_bytes  = s->curr_bytes;
      s->peak_blocks = s->curr_blocks;
      s->changed     = False;
   }
   changed_sites = NULL;
   for (ThreadFigures* tf = changed_threads; tf; tf = tf->next_changed) {
      tf->gpeak_bytes  = tf->curr_bytes;
      tf->gpeak_blocks = tf->curr_blocks;
      tf->changed      = False;
   }
   changed_threads = NULL;
}

/*------------------------------------------------------------*/
/*--- Recording allocations and frees                      ---*/
/*------------------------------------------------------------*/

/* Sampled once per client call, after it completes, so a realloc
   never shows its intermediate state. */
static void note_timeline(void)
{
   ma_timeline_sample(ma_instrs, ma_heap.total_bytes,
                      ma_heap.curr_bytes, ma_heap.curr_blocks);
}

/* The usable size glibc's malloc gives a request of n bytes
   (format/memattr_glibc_chunk.h, the rule memattr-graph's usable bytes
   per site follow too).  With replacement this is the heap's part of
   the footprint: Valgrind's allocator is not glibc's, and what the
   program would use natively is the better estimate (--malloc=wrap
   measures glibc's own). */
static SizeT glibc_usable(SizeT n)
{
   return (SizeT)ma_glibc_usable_size(n);
}

/* Usable bytes a block counts for: malloc blocks only. */
static SizeT usable_of(BlockKind kind, SizeT req_szB)
{
   return kind == BLOCK_MALLOC ? glibc_usable(req_szB) : 0;
}

/* A block of req_szB bytes now lives at p, allocated by thread tid;
   for a realloc, 'predecessor' is the block it replaces (already
   released). */
static Block* record_allocation(ThreadId tid, void* p, SizeT req_szB, Block* predecessor,
                                BlockKind kind)
{
   ExeContext*    ec   = VG_(record_ExeContext)(tid, 0);
   Site*          site = site_for(ec);
   ThreadFigures* tf   = ma_blocks_thread(tid);

   ma_heap.alloc_events++;
   Block* bk = ma_blocks_new_node();
   bk->payload     = (UWord)p;
   bk->req_szB     = req_szB;
   bk->site        = site;
   bk->alloc_time  = ma_instrs;
   bk->alloc_event = ma_heap.alloc_events;
   bk->thread      = tf;
   bk->kind        = kind;
   bk->pool        = 0;
   bk->in_metapool = False;   /* ma_custom.c sets it for a metapool's chunk */
   bk->resized_in_place = kind == BLOCK_MALLOC && predecessor != NULL
                          && predecessor->payload == (UWord)p;
   ma_blocks_add(bk);
   ma_heap.events++;
   if (kind != BLOCK_MALLOC) {
      ma_heap.curr_custom_bytes  += req_szB;
      ma_heap.curr_custom_blocks += 1;
   }
   ma_heap.curr_usable += usable_of(kind, req_szB);
   if (kind == BLOCK_MALLOC)   /* before the footprint is looked at */
      ma_pages_large_allocated(bk->payload, req_szB, usable_of(kind, req_szB),
                               predecessor != NULL, site);

   ma_heap.total_bytes  += req_szB;
   ma_heap.total_blocks += 1;
   ma_heap.curr_bytes   += req_szB;
   ma_heap.curr_blocks  += 1;
   if (ma_heap.curr_bytes >= ma_heap.peak_bytes) {   /* latest equal peak wins */
      ma_heap.peak_bytes  = ma_heap.curr_bytes;
      ma_heap.peak_blocks = ma_heap.curr_blocks;
      ma_heap.peak_time   = ma_instrs;
      ma_heap.peak_alloc  = ma_heap.total_bytes;
      ma_heap.peak_event  = ma_heap.events;
   }

   site->kind          = kind;
   site->total_bytes  += req_szB;
   site->total_blocks += 1;
   site->curr_bytes   += req_szB;
   site->curr_blocks  += 1;
   if (predecessor) site->realloc_blocks++;
   if (site->curr_bytes > site->max_bytes) {
      site->max_bytes  = site->curr_bytes;
      site->max_blocks = site->curr_blocks;
   }
   mark_changed(site);

   tf->total_bytes  += req_szB;
   tf->total_blocks += 1;
   tf->curr_bytes   += req_szB;
   tf->curr_blocks  += 1;
   if (tf->curr_bytes >= tf->peak_bytes) {   /* latest equal peak wins, as above */
      tf->peak_bytes  = tf->curr_bytes;
      tf->peak_blocks = tf->curr_blocks;
      tf->peak_time   = ma_instrs;
   }
   mark_thread_changed(tf);
   if (UNLIKELY(ma_thread_sites_on)) ma_thread_sites_allocated(bk);
   ma_events_allocated(bk, predecessor);
   return bk;
}

/* The live block bk, already taken out of its table, is going away:
   freed, or ('replaced') the old half of a realloc, whose data and
   access history live on in the successor.  The caller frees the node
   (after the successor is announced, for a realloc). */
static void record_release(Block* bk, Bool replaced)
{
   SizeT usable_szB = usable_of(bk->kind, bk->req_szB);
   Site* site     = bk->site;
   ULong lifetime = ma_instrs - bk->alloc_time;

   ma_heap_capture_peak_if_at_peak();
   ma_heap.events++;
   ma_events_releasing(bk, replaced);

   ma_heap.curr_usable -= usable_szB;
   if (usable_szB >= MA_LARGE_BLOCK) ma_pages_large_released(bk->payload);
   if (bk->kind != BLOCK_MALLOC) {
      ma_heap.curr_custom_bytes  -= bk->req_szB;
      ma_heap.curr_custom_blocks -= 1;
   }
   ma_heap.curr_bytes  -= bk->req_szB;
   ma_heap.curr_blocks -= 1;
   ma_heap.frees       += 1;

   site->curr_bytes  -= bk->req_szB;
   site->curr_blocks -= 1;
   site->freed_blocks++;
   site->lifetime_sum += lifetime;
   if (lifetime < site->lifetime_min) site->lifetime_min = lifetime;
   if (lifetime > site->lifetime_max) site->lifetime_max = lifetime;
   if (bk->alloc_event == ma_heap.alloc_events) {   /* nothing allocated since */
      site->temp_blocks++;
      site->temp_bytes += bk->req_szB;
   }
   mark_changed(site);

   if (UNLIKELY(ma_thread_sites_on)) ma_thread_sites_releasing(bk);
   bk->thread->curr_bytes  -= bk->req_szB;
   bk->thread->curr_blocks -= 1;
   mark_thread_changed(bk->thread);
}

/*------------------------------------------------------------*/
/*--- malloc replacement callbacks                         ---*/
/*------------------------------------------------------------*/

static void* allocate(ThreadId tid, SizeT req_szB, SizeT alignB, Bool zeroed)
{
   if ((SSizeT)req_szB < 0) return NULL;       /* absurd size: fail like malloc */
   /* Valgrind's arena is asked for at least one byte so every block,
      even malloc(0), has its own address; the request stays 0. */
   void* p = VG_(cli_malloc)(alignB, req_szB ? req_szB : 1);
   if (!p) return NULL;
   if (zeroed) VG_(memset)(p, 0, req_szB);
   record_allocation(tid, p, req_szB, NULL, BLOCK_MALLOC);
   note_timeline();
   return p;
}

/* With snapshots on, freed memory is cleared before the arena gets it
   back: a later block's bytes that its program has not written yet
   then read as zeros in a snapshot, never as a stale pointer of an
   earlier occupant (Memcheck tells them apart by definedness, which
   memattr does not track).  Only a program reading freed memory can
   tell.  A program that frees big blocks it barely wrote pays for what
   it wrote, not for the bytes freed: with the pages written known only
   those are cleared (ma_pages_clear_written), without them only the
   pages the kernel holds (ma_pages_clear_resident). */
static void clear_freed_bytes(Addr a, SizeT len)
{
   if (ma_track_pages) ma_pages_clear_written(a, len);
   else                ma_pages_clear_resident(a, len);
}

static void give_back(void* p)
{
   if (clear_freed) clear_freed_bytes((Addr)p, VG_(cli_malloc_usable_size)(p));
   VG_(cli_free)(p);
}

static void release(void* p)
{
   Block* bk = ma_blocks_remove((Addr)p, BLOCK_MALLOC);
   if (!bk) {
      /* Not a block we handed out (or already freed).  Passing it to
         the arena would corrupt Valgrind's heap; count it and move on. */
      if (p) ma_heap.bad_frees++;
      return;
   }
   ma_events_before_release(bk, 0);
   record_release(bk, False);
   ma_blocks_free_node(bk);
   give_back(p);
   note_timeline();
}

static void* ma_malloc(ThreadId tid, SizeT n)
{
   return allocate(tid, n, VG_(clo_alignment), False);
}

static void* ma_aligned(ThreadId tid, SizeT n, SizeT align)
{
   return allocate(tid, n, align, False);
}

static void* ma_memalign(ThreadId tid, SizeT align, SizeT n)
{
   return allocate(tid, n, align, False);
}

static void* ma_calloc(ThreadId tid, SizeT nmemb, SizeT size1)
{
   if (size1 != 0 && nmemb > ((SizeT)-1) / size1) return NULL;   /* overflow */
   return allocate(tid, nmemb * size1, VG_(clo_alignment), True);
}

static void ma_free(ThreadId tid, void* p)
{
   release(p);
}

static void ma_free_aligned(ThreadId tid, void* p, SizeT align)
{
   release(p);
}

/* The old block of a realloc (or of a resize or move of a custom
   block) goes, and its successor takes its place, carrying its bytes
   on (ma_events.h).  Frees the old node. */
static Block* replace(ThreadId tid, Block* old, Addr new_addr, SizeT new_szB)
{
   record_release(old, True);
   Block* successor = record_allocation(tid, (void*)new_addr, new_szB, old, old->kind);
   ma_blocks_free_node(old);
   return successor;
}

/* realloc: a new block at the realloc's stack, the old one released.
   The block stays where it is when the new size fits the arena chunk
   it already has (as glibc and Massif do: no copy); otherwise it moves.
   Either way the totals count one more block of the new size, as DHAT
   counts them. */
static void* ma_realloc(ThreadId tid, void* p_old, SizeT new_szB)
{
   if (p_old == NULL) return ma_malloc(tid, new_szB);
   if ((SSizeT)new_szB < 0) return NULL;

   Block* old = ma_blocks_remove((Addr)p_old, BLOCK_MALLOC);
   if (!old) {
      ma_heap.bad_frees++;
      return NULL;
   }
   ma_events_before_release(old, new_szB);

   void* p_new = p_old;
   if (new_szB > VG_(cli_malloc_usable_size)(p_old)) {
      p_new = VG_(cli_malloc)(VG_(clo_alignment), new_szB);
      if (!p_new) {             /* the old block stays valid, as realloc promises */
         ma_blocks_add(old);
         return NULL;
      }
      VG_(memcpy)(p_new, p_old, old->req_szB);
      ma_pages_heap_copied((Addr)p_new, old->req_szB);
      give_back(p_old);
   }
   replace(tid, old, (Addr)p_new, new_szB);
   note_timeline();
   return p_new;
}

/* The requested size, not the arena's chunk size: a program that asks
   for its usable size then uses exactly what memattr counts. */
static SizeT ma_malloc_usable_size(ThreadId tid, void* p)
{
   Block* bk = ma_blocks_find((Addr)p, BLOCK_MALLOC);
   return bk ? bk->req_szB : 0;
}

void ma_heap_register_malloc_replacement(void)
{
   VG_(needs_malloc_replacement)(ma_malloc,          /* malloc */
                                 ma_malloc,          /* operator new */
                                 ma_aligned,         /* operator new(align_val_t) */
                                 ma_malloc,          /* operator new[] */
                                 ma_aligned,         /* operator new[](align_val_t) */
                                 ma_memalign,        /* memalign and friends */
                                 ma_calloc,
                                 ma_free,
                                 ma_free,            /* operator delete */
                                 ma_free_aligned,
                                 ma_free,            /* operator delete[] */
                                 ma_free_aligned,
                                 ma_realloc,
                                 ma_malloc_usable_size,
                                 0 /* no redzones: the client sees native layouts */);
}

/*------------------------------------------------------------*/
/*--- --malloc=wrap: glibc's allocator, reported by the preload ---*/
/*------------------------------------------------------------*/

/* The wrappers report only the outermost call of each thread, so these
   see each client call once.  The memory belongs to glibc: a freed
   block's requested bytes are cleared (as give_back does) before the
   real free runs, for the same reason, and nothing else of the
   client's is touched.  Usable sizes follow glibc's chunk rule here
   too: asking glibc (malloc_usable_size) from the wrappers cost two
   more calls run on the simulated CPU per block. */

void ma_heap_wrapped_alloc(ThreadId tid, Addr p, SizeT req_szB)
{
   if (p == 0) return;   /* the real malloc failed */
   /* glibc handing out a live block's address again means its free
      went unseen (made inside another wrapped call): that block is gone,
      not the new one. */
   Block* stale = ma_blocks_remove(p, BLOCK_MALLOC);
   if (stale) {
      ma_heap.bad_frees++;
      record_release(stale, False);
      ma_blocks_free_node(stale);
   }
   record_allocation(tid, (void*)p, req_szB, NULL, BLOCK_MALLOC);
   note_timeline();
}

void ma_heap_wrapped_free(ThreadId tid, Addr p)
{
   Block* bk = ma_blocks_remove(p, BLOCK_MALLOC);
   if (!bk) {
      if (p) ma_heap.bad_frees++;
      return;
   }
   ma_events_before_release(bk, 0);
   SizeT req_szB = bk->req_szB;
   record_release(bk, False);
   ma_blocks_free_node(bk);
   /* The requested bytes only: glibc's chunk may be smaller than the
      rule says (a big block below its moving mmap threshold). */
   if (clear_freed) clear_freed_bytes(p, req_szB);
   note_timeline();
}

void ma_heap_wrapped_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT req_szB)
{
   if (p_new == 0) return;   /* failed: the old block stays as it was */
   Block* old = ma_blocks_remove(p_old, BLOCK_MALLOC);
   if (!old) {
      ma_heap.bad_frees++;
      record_allocation(tid, (void*)p_new, req_szB, NULL, BLOCK_MALLOC);
      note_timeline();
      return;
   }
   ma_events_before_release(old, req_szB);
   replace(tid, old, p_new, req_szB);
   note_timeline();
}

/*------------------------------------------------------------*/
/*--- Blocks of the client's own allocators                ---*/
/*------------------------------------------------------------*/

Block* ma_heap_adopt(ThreadId tid, Addr p, SizeT req_szB, BlockKind kind, Addr pool)
{
   tl_assert(kind != BLOCK_MALLOC);
   Block* bk = record_allocation(tid, (void*)p, req_szB, NULL, kind);
   bk->pool = pool;
   note_timeline();
   return bk;
}

void ma_heap_release_adopted(Block* bk)
{
   Block* removed = ma_blocks_remove(bk->payload, bk->kind);
   tl_assert(removed == bk);
   ma_events_before_release(bk, 0);
   record_release(bk, False);
   ma_blocks_free_node(bk);
   note_timeline();
}

Block* ma_heap_resize_adopted(ThreadId tid, Block* old, Addr new_addr, SizeT new_szB)
{
   Block* removed = ma_blocks_remove(old->payload, old->kind);
   tl_assert(removed == old);
   ma_events_before_release(old, new_szB);
   Addr pool = old->pool;
   Block* successor = replace(tid, old, new_addr, new_szB);
   successor->pool = pool;
   note_timeline();
   return successor;
}

/*------------------------------------------------------------*/
/*--- Setup and output support                             ---*/
/*------------------------------------------------------------*/

void ma_heap_init(void)
{
   VG_(memset)(&ma_heap, 0, sizeof ma_heap);
}

void ma_heap_start(Bool clear_freed_memory)
{
   clear_freed = clear_freed_memory;
}

void ma_heap_measure_live_blocks(void)
{
   Site* s;
   ma_blocks_sites_reset_iter();
   while ((s = ma_blocks_sites_next())) {
      s->live_lifetime_min = ~0ULL;
      s->live_lifetime_max = s->live_lifetime_sum = 0;
   }
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) {
      ULong lifetime = ma_instrs - bk->alloc_time;
      s = bk->site;
      s->live_lifetime_sum += lifetime;
      if (lifetime < s->live_lifetime_min) s->live_lifetime_min = lifetime;
      if (lifetime > s->live_lifetime_max) s->live_lifetime_max = lifetime;
   }
}

Lifetimes ma_heap_site_lifetimes(const Site* s)
{
   Lifetimes lt;
   lt.min = s->lifetime_min < s->live_lifetime_min ? s->lifetime_min : s->live_lifetime_min;
   lt.max = s->lifetime_max > s->live_lifetime_max ? s->lifetime_max : s->live_lifetime_max;
   lt.sum = s->lifetime_sum + s->live_lifetime_sum;
   if (s->total_blocks == 0) lt.min = 0;
   return lt;
}
