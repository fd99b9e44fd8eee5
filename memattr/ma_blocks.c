/*--------------------------------------------------------------------*/
/*--- memattr: the tables of blocks, sites and threads. ma_blocks.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_blocks.h.  Hash tables for blocks and sites (cheaper than
   ordered trees on the malloc path), a pool allocator for block
   nodes, and an array of thread figures indexed by memattr's thread
   number with a second one by ThreadId, so the hot path reaches a
   thread's figures in one array index. */

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_xarray.h"

#include "ma_blocks.h"

static VgHashTable* live_blocks;     /* malloc blocks */
static VgHashTable* custom_blocks;   /* MALLOCLIKE blocks */
static VgHashTable* pool_chunks;     /* mempool chunks */
static PoolAlloc*   block_pool;
static SizeT        node_size;

static VgHashTable* sites;

static XArray*         threads;          /* of ThreadFigures*; [number - 1] */
static ThreadFigures** figures_of_tid;   /* [VG_N_THREADS]; NULL = not seen yet */

/*------------------------------------------------------------*/
/*--- Blocks                                               ---*/
/*------------------------------------------------------------*/

static VgHashTable* table_of(BlockKind kind)
{
   switch (kind) {
      case BLOCK_CUSTOM: return custom_blocks;
      case BLOCK_POOL:   return pool_chunks;
      default:           return live_blocks;
   }
}

Block* ma_blocks_new_node(void)
{
   Block* bk = VG_(allocEltPA)(block_pool);
   VG_(memset)(bk, 0, node_size);
   return bk;
}

void ma_blocks_free_node(Block* bk)
{
   VG_(freeEltPA)(block_pool, bk);
}

void ma_blocks_add(Block* bk)
{
   VG_(HT_add_node)(table_of(bk->kind), bk);
}

Block* ma_blocks_find(Addr p, BlockKind kind)
{
   return VG_(HT_lookup)(table_of(kind), p);
}

Block* ma_blocks_remove(Addr p, BlockKind kind)
{
   return VG_(HT_remove)(table_of(kind), p);
}

Block** ma_blocks_of_kind(BlockKind kind, UInt* n)
{
   return (Block**)VG_(HT_to_array)(table_of(kind), n);
}

/* Iteration over the three tables in turn. */
static VgHashTable* iterating;

void ma_blocks_reset_iter(void)
{
   iterating = live_blocks;
   VG_(HT_ResetIter)(iterating);
}

Block* ma_blocks_next(void)
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

/*------------------------------------------------------------*/
/*--- Sites                                                ---*/
/*------------------------------------------------------------*/

Site* ma_blocks_site_for(ExeContext* ec, Bool* created)
{
   Site* site = VG_(HT_lookup)(sites, (UWord)ec);
   *created = site == NULL;
   if (site) return site;
   site = VG_(malloc)("ma.site", sizeof(Site));
   VG_(memset)(site, 0, sizeof(Site));
   site->key = (UWord)ec;
   site->ec  = ec;
   VG_(HT_add_node)(sites, site);
   return site;
}

void  ma_blocks_sites_reset_iter(void) { VG_(HT_ResetIter)(sites); }
Site* ma_blocks_sites_next(void)       { return VG_(HT_Next)(sites); }

/*------------------------------------------------------------*/
/*--- Threads                                              ---*/
/*------------------------------------------------------------*/

static ThreadFigures* new_thread(UInt parent)
{
   ThreadFigures* fresh = VG_(malloc)("ma.thread", sizeof(ThreadFigures));
   VG_(memset)(fresh, 0, sizeof *fresh);
   fresh->parent = parent;
   fresh->number = (UInt)VG_(sizeXA)(threads) + 1;
   VG_(addToXA)(threads, &fresh);
   return fresh;
}

ThreadFigures* ma_blocks_thread(ThreadId tid)
{
   tl_assert(tid < VG_N_THREADS);
   if (UNLIKELY(figures_of_tid[tid] == NULL))   /* the main thread, first use */
      figures_of_tid[tid] = new_thread(0);
   return figures_of_tid[tid];
}

void ma_blocks_thread_created(ThreadId parent, ThreadId child)
{
   tl_assert(child < VG_N_THREADS);
   UInt parent_number = parent != VG_INVALID_THREADID
                        ? ma_blocks_thread(parent)->number : 0;
   figures_of_tid[child] = new_thread(parent_number);
}

UInt ma_blocks_n_threads(void)
{
   return (UInt)VG_(sizeXA)(threads);
}

UInt ma_blocks_thread_number(ThreadId tid)
{
   return ma_blocks_thread(tid)->number;
}

const ThreadFigures* ma_blocks_thread_by_number(UInt number)
{
   tl_assert(number >= 1 && number <= ma_blocks_n_threads());
   return *(ThreadFigures**)VG_(indexXA)(threads, number - 1);
}

/*------------------------------------------------------------*/
/*--- Setup                                                ---*/
/*------------------------------------------------------------*/

void ma_blocks_init(void)
{
   live_blocks   = VG_(HT_construct)("ma.live_blocks");
   custom_blocks = VG_(HT_construct)("ma.custom_blocks");
   pool_chunks   = VG_(HT_construct)("ma.pool_chunks");
   sites         = VG_(HT_construct)("ma.sites");
   threads       = VG_(newXA)(VG_(malloc), "ma.threads", VG_(free),
                              sizeof(ThreadFigures*));
   figures_of_tid = VG_(calloc)("ma.thread_figures", VG_N_THREADS,
                                sizeof(ThreadFigures*));
}

void ma_blocks_start(Bool with_access_parts)
{
   node_size = with_access_parts ? sizeof(Block) : offsetof(Block, access);
   block_pool = VG_(newPA)(node_size, 1000, VG_(malloc), "ma.block_pool", VG_(free));
}
