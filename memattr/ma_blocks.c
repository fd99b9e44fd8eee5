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

#include "ma_bigmem.h"
#include "ma_blocks.h"

Bool            ma_malloc_wrapped = False;
VgHashTable*    ma_blocks_tables[3];   /* malloc, MALLOCLIKE, mempool chunks */
VgHashTable*    ma_blocks_sites;
PoolAlloc*      ma_blocks_pool;
ThreadFigures** ma_blocks_of_tid;      /* NULL = not seen yet */

static XArray*  threads;               /* of ThreadFigures*; [number - 1] */

/*------------------------------------------------------------*/
/*--- Blocks                                               ---*/
/*------------------------------------------------------------*/

Block** ma_blocks_of_kind(BlockKind kind, UInt* n)
{
   return (Block**)VG_(HT_to_array)(ma_blocks_tables[kind], n);
}

/* Iteration over the three tables in turn, in BlockKind order. */
static UInt iterating;

void ma_blocks_reset_iter(void)
{
   iterating = BLOCK_MALLOC;
   VG_(HT_ResetIter)(ma_blocks_tables[iterating]);
}

Block* ma_blocks_next(void)
{
   for (;;) {
      Block* bk = VG_(HT_Next)(ma_blocks_tables[iterating]);
      if (bk) return bk;
      if (iterating == BLOCK_POOL) return NULL;
      iterating++;
      VG_(HT_ResetIter)(ma_blocks_tables[iterating]);
   }
}

/*------------------------------------------------------------*/
/*--- Sites                                                ---*/
/*------------------------------------------------------------*/

Site* ma_blocks_new_site(ExeContext* ec)
{
   Site* site = VG_(malloc)("ma.site", sizeof(Site));
   VG_(memset)(site, 0, sizeof(Site));
   site->key = (UWord)ec;
   site->ec  = ec;
   VG_(HT_add_node)(ma_blocks_sites, site);
   return site;
}

void  ma_blocks_sites_reset_iter(void) { VG_(HT_ResetIter)(ma_blocks_sites); }
Site* ma_blocks_sites_next(void)       { return VG_(HT_Next)(ma_blocks_sites); }

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

/* The main thread, first seen. */
ThreadFigures* ma_blocks_first_use(ThreadId tid)
{
   ma_blocks_of_tid[tid] = new_thread(0);
   return ma_blocks_of_tid[tid];
}

void ma_blocks_thread_created(ThreadId parent, ThreadId child)
{
   tl_assert(child < VG_N_THREADS);
   UInt parent_number = parent != VG_INVALID_THREADID
                        ? ma_blocks_thread(parent)->number : 0;
   ma_blocks_of_tid[child] = new_thread(parent_number);
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
   return ma_blocks_thread_to_update(number);
}

ThreadFigures* ma_blocks_thread_to_update(UInt number)
{
   tl_assert(number >= 1 && number <= ma_blocks_n_threads());
   return *(ThreadFigures**)VG_(indexXA)(threads, number - 1);
}

/*------------------------------------------------------------*/
/*--- Setup                                                ---*/
/*------------------------------------------------------------*/

void ma_blocks_init(void)
{
   ma_blocks_tables[BLOCK_MALLOC] = VG_(HT_construct)("ma.live_blocks");
   ma_blocks_tables[BLOCK_CUSTOM] = VG_(HT_construct)("ma.custom_blocks");
   ma_blocks_tables[BLOCK_POOL]   = VG_(HT_construct)("ma.pool_chunks");
   ma_blocks_sites = VG_(HT_construct)("ma.sites");
   threads         = VG_(newXA)(VG_(malloc), "ma.threads", VG_(free),
                                sizeof(ThreadFigures*));
   ma_blocks_of_tid = VG_(calloc)("ma.thread_figures", VG_N_THREADS,
                                  sizeof(ThreadFigures*));
}

void ma_blocks_start(Bool with_access_parts)
{
   SizeT node_size = with_access_parts ? sizeof(Block) : offsetof(Block, access);
   ma_blocks_pool = VG_(newPA)(node_size, 1000, ma_bigmem_pool_alloc, "ma.block_pool",
                               ma_bigmem_pool_free);
}
