/*--------------------------------------------------------------------*/
/*--- memattr: the heap model.                          ma_heap.c ---*/
/*--------------------------------------------------------------------*/

/* Live blocks, allocation sites, the global peak and per-thread
   figures; the malloc-replacement callbacks.  See ma_heap.h.

   Accounting rules (the ones DHAT uses, so totals and peaks agree):
   - bytes are requested bytes;
   - a realloc counts as one more block of its new size in the totals;
   - the peak is the maximum of live requested bytes; of several equal
     maxima the latest wins.
   Where memattr differs from DHAT (malloc(0) counts 0 bytes, not 1; a
   realloc'd block is attributed to the realloc call, as Massif,
   heaptrack and memray do) docs/accuracy.md says why. */

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"
#include "pub_tool_xarray.h"

#include "ma_access.h"
#include "ma_heap.h"
#include "ma_lineage.h"
#include "ma_phase.h"
#include "ma_regions.h"
#include "ma_snapshot.h"
#include "ma_timeline.h"

ULong       ma_instrs = 0;
HeapFigures ma_heap;
Bool        ma_malloc_wrapped = False;

/*------------------------------------------------------------*/
/*--- Live blocks                                          ---*/
/*------------------------------------------------------------*/

static VgHashTable* live_blocks;     /* malloc blocks */
static VgHashTable* custom_blocks;   /* MALLOCLIKE blocks */
static VgHashTable* pool_chunks;     /* mempool chunks */
static PoolAlloc*   block_pool;

static VgHashTable* table_of(BlockKind kind)
{
   switch (kind) {
      case BLOCK_CUSTOM: return custom_blocks;
      case BLOCK_POOL:   return pool_chunks;
      default:           return live_blocks;
   }
}

/* Does this block lie in a client mapping (ma_regions.c follows the
   bytes used there)?  Malloc blocks do only when glibc's allocator
   runs; with replacement they live in Valgrind's heap. */
static inline Bool in_client_mapping(BlockKind kind)
{
   return kind != BLOCK_MALLOC || ma_malloc_wrapped;
}

/*------------------------------------------------------------*/
/*--- Sites                                                ---*/
/*------------------------------------------------------------*/

static VgHashTable* sites;
static Site*        changed_sites;   /* chained through next_changed */

static Site* site_for(ExeContext* ec)
{
   Site* site = VG_(HT_lookup)(sites, (UWord)ec);
   if (site) return site;
   site = VG_(malloc)("ma.site", sizeof(Site));
   VG_(memset)(site, 0, sizeof(Site));
   site->key = (UWord)ec;
   site->ec  = ec;
   site->lifetime_min = ~0ULL;
   VG_(HT_add_node)(sites, site);
   return site;
}

static void mark_changed(Site* site)
{
   if (site->changed) return;
   site->changed      = True;
   site->next_changed = changed_sites;
   changed_sites      = site;
}

/* Called before live bytes go down.  If the heap is at its maximum
   right now, this moment is the peak (so far): copy the live figures
   of every site that changed since the last capture.  Sites that did
   not change still hold the right figures from that capture. */
void ma_heap_capture_peak_if_at_peak(void)
{
   if (ma_heap.curr_bytes != ma_heap.peak_bytes) return;
   for (Site* s = changed_sites; s; s = s->next_changed) {
      s->peak_bytes  = s->curr_bytes;
      s->peak_blocks = s->curr_blocks;
      s->changed     = False;
   }
   changed_sites = NULL;
}

/*------------------------------------------------------------*/
/*--- Threads                                              ---*/
/*------------------------------------------------------------*/

/* ThreadId slots are reused by the core; memattr numbers threads
   itself, 1.. in creation order, so every thread keeps its figures.
   The hot path reaches a thread's figures in one array index. */
static XArray*         threads;          /* of ThreadFigures*; [number - 1] */
static ThreadFigures** figures_of_tid;   /* [VG_N_THREADS]; NULL = not seen yet */

static ThreadFigures* new_thread(UInt parent)
{
   ThreadFigures* fresh = VG_(malloc)("ma.thread", sizeof(ThreadFigures));
   VG_(memset)(fresh, 0, sizeof *fresh);
   fresh->parent = parent;
   fresh->number = (UInt)VG_(sizeXA)(threads) + 1;
   VG_(addToXA)(threads, &fresh);
   return fresh;
}

static ThreadFigures* thread_figures(ThreadId tid)
{
   tl_assert(tid < VG_N_THREADS);
   if (UNLIKELY(figures_of_tid[tid] == NULL))   /* the main thread, first use */
      figures_of_tid[tid] = new_thread(0);
   return figures_of_tid[tid];
}

void ma_heap_thread_created(ThreadId parent, ThreadId child)
{
   tl_assert(child < VG_N_THREADS);
   UInt parent_number = parent != VG_INVALID_THREADID
                        ? thread_figures(parent)->number : 0;
   figures_of_tid[child] = new_thread(parent_number);
}

UInt ma_heap_n_threads(void)
{
   return (UInt)VG_(sizeXA)(threads);
}

UInt ma_heap_thread_number(ThreadId tid)
{
   return thread_figures(tid)->number;
}

const ThreadFigures* ma_heap_thread(UInt number)
{
   tl_assert(number >= 1 && number <= ma_heap_n_threads());
   return *(ThreadFigures**)VG_(indexXA)(threads, number - 1);
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

/* The usable size glibc's malloc gives a request of n bytes, by its
   chunk rule on 64-bit Linux: chunks are 16-byte granules with an
   8-byte header, at least 32 bytes; from its mmap threshold (128 KiB
   by default) a block gets a mapping of its own, whole pages with a
   16-byte header.  With replacement this is the heap's part of the
   footprint: Valgrind's allocator is not glibc's, and what the program
   would use natively is the better estimate (--malloc=wrap measures
   glibc's own). */
static SizeT glibc_usable(SizeT n)
{
   if (n >= 128 * 1024) return VG_PGROUNDUP(n + 16) - 16;
   SizeT chunk = (n + 8 + 15) & ~(SizeT)15;
   return (chunk < 32 ? 32 : chunk) - 8;
}

/* Usable bytes a block counts for: malloc blocks only. */
static SizeT usable_of(BlockKind kind, SizeT req_szB)
{
   return kind == BLOCK_MALLOC ? glibc_usable(req_szB) : 0;
}

/* A block of req_szB bytes now lives at p, allocated by thread tid. */
static Block* record_allocation(ThreadId tid, void* p, SizeT req_szB, Bool by_realloc,
                                BlockKind kind)
{
   ExeContext*    ec   = VG_(record_ExeContext)(tid, 0);
   Site*          site = site_for(ec);
   ThreadFigures* tf   = thread_figures(tid);

   ma_heap.alloc_events++;
   Block* bk = VG_(allocEltPA)(block_pool);
   bk->payload     = (UWord)p;
   bk->req_szB     = req_szB;
   bk->site        = site;
   bk->alloc_time  = ma_instrs;
   bk->alloc_event = ma_heap.alloc_events;
   bk->thread      = tf;
   bk->kind        = kind;
   bk->pool        = 0;
   bk->region      = NULL;
   VG_(HT_add_node)(table_of(kind), bk);
   if (ma_track_access) ma_access_block_added(bk);
   ma_heap.events++;
   if (kind != BLOCK_MALLOC) {
      ma_heap.curr_custom_bytes  += req_szB;
      ma_heap.curr_custom_blocks += 1;
   }
   ma_heap.curr_usable += usable_of(kind, req_szB);
   if (in_client_mapping(kind)) ma_regions_block_added(bk);
   else ma_footprint_grew();

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
   if (by_realloc) site->realloc_blocks++;
   if (site->curr_bytes > site->max_bytes) {
      site->max_bytes  = site->curr_bytes;
      site->max_blocks = site->curr_blocks;
   }
   mark_changed(site);

   bk->phase = 0;
   if (UNLIKELY(ma_phase_open_count)) ma_phase_allocated(bk);

   tf->total_bytes  += req_szB;
   tf->total_blocks += 1;
   tf->curr_bytes   += req_szB;
   tf->curr_blocks  += 1;
   if (tf->curr_bytes > tf->peak_bytes) {
      tf->peak_bytes  = tf->curr_bytes;
      tf->peak_blocks = tf->curr_blocks;
      tf->peak_time   = ma_instrs;
   }
   return bk;
}

/* The live block bk, already taken out of its table, is going away:
   freed, or (handed_on) the old half of a realloc, whose data and
   access history live on in the new block.  The caller frees the
   node. */
static void record_release(Block* bk, Bool handed_on)
{
   SizeT usable_szB = usable_of(bk->kind, bk->req_szB);
   Site* site     = bk->site;
   ULong lifetime = ma_instrs - bk->alloc_time;

   ma_heap_capture_peak_if_at_peak();
   /* Before any figure changes: the memory map may be at its peak. */
   if (usable_szB || in_client_mapping(bk->kind)) ma_footprint_will_shrink();
   ma_heap.curr_usable -= usable_szB;
   if (bk->kind != BLOCK_MALLOC) {
      ma_heap.curr_custom_bytes  -= bk->req_szB;
      ma_heap.curr_custom_blocks -= 1;
   }
   if (in_client_mapping(bk->kind)) ma_regions_block_removed(bk);
   if (UNLIKELY(ma_phase_open_count)) ma_phase_releasing(bk);
   ma_heap.events++;
   if (ma_track_access) {
      ma_access_block_removed(bk);
      if (!handed_on) {
         ma_lineage_block_released(bk, NULL);
         ma_access_add_block_figures(bk, &site->gone_access);
      }
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

   bk->thread->curr_bytes  -= bk->req_szB;
   bk->thread->curr_blocks -= 1;
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
   record_allocation(tid, p, req_szB, False, BLOCK_MALLOC);
   note_timeline();
   return p;
}

/* With snapshots on, freed memory is cleared before the arena gets it
   back: a later block's bytes that its program has not written yet
   then read as zeros in a snapshot, never as a stale pointer of an
   earlier occupant (Memcheck tells them apart by definedness, which
   memattr does not track).  Only a program reading freed memory can
   tell. */
static void give_back(void* p)
{
   if (ma_snapshots_on) VG_(memset)(p, 0, VG_(cli_malloc_usable_size)(p));
   VG_(cli_free)(p);
}

/* Before anything is released: the heap may be at a peak worth a
   snapshot (one comparison in the common case). */
static inline void maybe_snapshot(void)
{
   if (UNLIKELY(ma_heap.curr_bytes > ma_snapshot_threshold)) ma_snapshot_at_release();
}

static void release(void* p)
{
   maybe_snapshot();
   Block* bk = VG_(HT_remove)(live_blocks, (UWord)p);   /* find and unlink at once */
   if (!bk) {
      /* Not a block we handed out (or already freed).  Passing it to
         the arena would corrupt Valgrind's heap; count it and move on. */
      if (p) ma_heap.bad_frees++;
      return;
   }
   record_release(bk, False);
   VG_(freeEltPA)(block_pool, bk);
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

/* The second half of a realloc (or a resize or move of a custom
   block): the successor carries on the old block's access history, and
   a move is relocation churn.  Frees the old node. */
static void hand_on(Block* old, Block* successor)
{
   if (ma_track_access) {
      ma_access_block_handed_on(old, successor);
      if (successor->payload != old->payload)
         ma_lineage_note_realloc_move(successor->site->ec, old->site, successor->site,
                                      old->req_szB, successor->req_szB);
   }
   VG_(freeEltPA)(block_pool, old);
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

   maybe_snapshot();
   Block* old = VG_(HT_remove)(live_blocks, (UWord)p_old);
   if (!old) {
      ma_heap.bad_frees++;
      return NULL;
   }

   void* p_new = p_old;
   if (new_szB > VG_(cli_malloc_usable_size)(p_old)) {
      p_new = VG_(cli_malloc)(VG_(clo_alignment), new_szB);
      if (!p_new) {             /* the old block stays valid, as realloc promises */
         VG_(HT_add_node)(live_blocks, old);
         return NULL;
      }
      VG_(memcpy)(p_new, p_old, old->req_szB);
      give_back(p_old);
   }
   record_release(old, True);
   Block* successor = record_allocation(tid, p_new, new_szB, True, BLOCK_MALLOC);
   hand_on(old, successor);
   note_timeline();
   return p_new;
}

/* The requested size, not the arena's chunk size: a program that asks
   for its usable size then uses exactly what memattr counts. */
static SizeT ma_malloc_usable_size(ThreadId tid, void* p)
{
   Block* bk = VG_(HT_lookup)(live_blocks, (UWord)p);
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
   Block* stale = VG_(HT_remove)(live_blocks, p);
   if (stale) {
      ma_heap.bad_frees++;
      record_release(stale, False);
      VG_(freeEltPA)(block_pool, stale);
   }
   record_allocation(tid, (void*)p, req_szB, False, BLOCK_MALLOC);
   note_timeline();
}

void ma_heap_wrapped_free(ThreadId tid, Addr p)
{
   maybe_snapshot();
   Block* bk = VG_(HT_remove)(live_blocks, p);
   if (!bk) {
      if (p) ma_heap.bad_frees++;
      return;
   }
   SizeT req_szB = bk->req_szB;
   record_release(bk, False);
   VG_(freeEltPA)(block_pool, bk);
   /* The requested bytes only: glibc's chunk may be smaller than the
      rule says (a big block below its moving mmap threshold). */
   if (ma_snapshots_on) VG_(memset)((void*)p, 0, req_szB);
   note_timeline();
}

void ma_heap_wrapped_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT req_szB)
{
   if (p_new == 0) return;   /* failed: the old block stays as it was */
   maybe_snapshot();
   Block* old = VG_(HT_remove)(live_blocks, p_old);
   if (!old) {
      ma_heap.bad_frees++;
      record_allocation(tid, (void*)p_new, req_szB, True, BLOCK_MALLOC);
      note_timeline();
      return;
   }
   record_release(old, True);
   hand_on(old, record_allocation(tid, (void*)p_new, req_szB, True, BLOCK_MALLOC));
   note_timeline();
}

/*------------------------------------------------------------*/
/*--- Blocks of the client's own allocators                ---*/
/*------------------------------------------------------------*/

Block* ma_heap_adopt(ThreadId tid, Addr p, SizeT req_szB, BlockKind kind, Addr pool)
{
   tl_assert(kind != BLOCK_MALLOC);
   Block* bk = record_allocation(tid, (void*)p, req_szB, False, kind);
   bk->pool = pool;
   note_timeline();
   return bk;
}

Block* ma_heap_find_adopted(Addr p, BlockKind kind)
{
   return VG_(HT_lookup)(table_of(kind), p);
}

void ma_heap_release_adopted(Block* bk)
{
   maybe_snapshot();
   Block* removed = VG_(HT_remove)(table_of(bk->kind), bk->payload);
   tl_assert(removed == bk);
   record_release(bk, False);
   VG_(freeEltPA)(block_pool, bk);
   note_timeline();
}

Block* ma_heap_resize_adopted(ThreadId tid, Block* old, Addr new_addr, SizeT new_szB)
{
   maybe_snapshot();
   Block* removed = VG_(HT_remove)(table_of(old->kind), old->payload);
   tl_assert(removed == old);
   record_release(old, True);
   Block* successor = record_allocation(tid, (void*)new_addr, new_szB, True, old->kind);
   successor->pool = old->pool;
   hand_on(old, successor);
   note_timeline();
   return successor;
}

Block** ma_heap_adopted_blocks(BlockKind kind, UInt* n)
{
   return (Block**)VG_(HT_to_array)(table_of(kind), n);
}

/*------------------------------------------------------------*/
/*--- Setup and output support                             ---*/
/*------------------------------------------------------------*/

void ma_heap_init(void)
{
   VG_(memset)(&ma_heap, 0, sizeof ma_heap);
   live_blocks = VG_(HT_construct)("ma.live_blocks");
   custom_blocks = VG_(HT_construct)("ma.custom_blocks");
   pool_chunks   = VG_(HT_construct)("ma.pool_chunks");
   sites       = VG_(HT_construct)("ma.sites");
   threads     = VG_(newXA)(VG_(malloc), "ma.threads", VG_(free),
                            sizeof(ThreadFigures*));
   figures_of_tid = VG_(calloc)("ma.thread_figures", VG_N_THREADS,
                                sizeof(ThreadFigures*));
}

void ma_heap_start(void)
{
   SizeT node_size = ma_track_access ? sizeof(Block) : offsetof(Block, bytes_read);
   block_pool = VG_(newPA)(node_size, 1000, VG_(malloc), "ma.block_pool", VG_(free));
}

void ma_heap_sites_reset_iter(void) { VG_(HT_ResetIter)(sites); }
Site* ma_heap_sites_next(void)      { return VG_(HT_Next)(sites); }

/* Iteration over the three tables in turn. */
static VgHashTable* iterating;

void ma_heap_blocks_reset_iter(void)
{
   iterating = live_blocks;
   VG_(HT_ResetIter)(iterating);
}

Block* ma_heap_blocks_next(void)
{
   for (;;) {
      Block* bk = VG_(HT_Next)(iterating);
      if (bk) return bk;
      if (iterating == live_blocks)        iterating = custom_blocks;
      else if (iterating == custom_blocks) iterating = pool_chunks;
      else return NULL;
      VG_(HT_ResetIter)(iterating);
   }
}

void ma_heap_measure_live_blocks(void)
{
   Site* s;
   VG_(HT_ResetIter)(sites);
   while ((s = VG_(HT_Next)(sites))) {
      s->live_lifetime_min = ~0ULL;
      s->live_lifetime_max = s->live_lifetime_sum = 0;
      VG_(memset)(&s->live_access, 0, sizeof s->live_access);
   }
   Block* bk;
   ma_heap_blocks_reset_iter();
   while ((bk = ma_heap_blocks_next())) {
      ULong lifetime = ma_instrs - bk->alloc_time;
      s = bk->site;
      s->live_lifetime_sum += lifetime;
      if (lifetime < s->live_lifetime_min) s->live_lifetime_min = lifetime;
      if (lifetime > s->live_lifetime_max) s->live_lifetime_max = lifetime;
      if (ma_track_access) ma_access_add_block_figures(bk, &s->live_access);
   }
}
