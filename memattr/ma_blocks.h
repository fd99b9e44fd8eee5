/*--------------------------------------------------------------------*/
/*--- memattr: the tables of blocks, sites and threads. ma_blocks.h ---*/
/*--------------------------------------------------------------------*/

/* ma_blocks.c owns the tables every module looks blocks, sites and
   threads up in: the live blocks (three tables, one per kind), the
   allocation sites, and the client threads with their numbers.  It
   keeps them and nothing else: what a block or a site counts is
   written by the modules that own those fields (below), and
   ma_blocks.c calls none of them, so every module can use the tables
   without a call running back up to the heap (ma_heap.c, which fills
   them, calls the listeners through ma_events.c).

   Field ownership.  Block and Site start with the heap model's fields
   (ma_heap.c writes them; the others read them); then one part per
   interested module, a struct defined in that module's header and
   written only by it:
     access   ma_access.h   bytes read and written, the heap map slot
     lineage  ma_lineage.h  copy pairs, the time of the last use
     phase    ma_phase.h    the phase open at allocation; per-site slots
     region   ma_regions.h  the client mapping the block lies in */

#ifndef MA_BLOCKS_H
#define MA_BLOCKS_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_threadstate.h"

#include "ma_access.h"
#include "ma_lineage.h"
#include "ma_phase.h"
#include "ma_regions.h"

typedef struct _Block Block;
typedef struct _Site  Site;
struct _ThreadSite;   /* ma_thread_sites.h */

/* Where a block came from.  MALLOC blocks are the malloc/new family
   (replaced, or wrapped with --malloc=wrap); the other two are the
   client's own allocators, announced by client requests (ma_custom.c):
   VALGRIND_MALLOCLIKE_BLOCK and VALGRIND_MEMPOOL_ALLOC. */
typedef enum { BLOCK_MALLOC, BLOCK_CUSTOM, BLOCK_POOL } BlockKind;

/* One allocation site: the figures of all blocks allocated from one
   distinct stack (ExeContext).  Sites live in a hash table keyed by
   the ExeContext pointer; ExeContexts are never freed, so the key is
   stable for the whole run. */
struct _Site {
   struct _Site* next;         /* hash chain (VgHashTable layout) */
   UWord         key;          /* (UWord)ec */
   ExeContext*   ec;

   /* The heap model's (ma_heap.c): */
   ULong total_bytes, total_blocks;   /* allocated over the run */
   ULong curr_bytes,  curr_blocks;    /* live now */
   ULong max_bytes,   max_blocks;     /* this site's own maximum */
   ULong peak_bytes,  peak_blocks;    /* live at the global peak */
   ULong freed_blocks;
   ULong lifetime_min, lifetime_max, lifetime_sum;  /* instructions, of
                                                       blocks gone */
   ULong temp_blocks, temp_bytes;     /* see MA_TEMPORARY_DEFINITION */
   ULong realloc_blocks;              /* blocks created by realloc */
   ULong live_lifetime_min, live_lifetime_max, live_lifetime_sum;
                                      /* of blocks live now; see
                                         ma_heap_measure_live_blocks */
   UChar kind;                        /* BlockKind of its blocks (one
                                         stack, one kind) */
   /* Sites whose live figures changed since the last time the peak was
      captured are chained here, so capturing the peak costs the number
      of changed sites, not the number of all sites (DHAT walks them
      all). */
   struct _Site* next_changed;
   Bool          changed;
   /* ma_thread_sites.c's: the (site, thread) cell used last, so a site
      allocated from by one thread at a time finds its cell without a
      table lookup. */
   struct _ThreadSite* thread_cell;

   AccessSite access;
   PhaseSite  phase;
};

/* One live heap block.  Keyed by its start address in a hash table
   (cheaper than an ordered tree on the malloc path, which is what
   most programs stress); nodes come from a pool allocator.  The parts
   from 'access' on exist only with access tracking (nodes are
   allocated without them otherwise, to keep --track-access=no at the
   speed of an allocation-only profiler). */
struct _Block {
   struct _Block* next;      /* hash chain (VgHashTable layout) */
   UWord          payload;   /* start address: the key */

   /* The heap model's (ma_heap.c): */
   SizeT          req_szB;   /* requested size */
   Site*          site;
   ULong          alloc_time;   /* ma_instrs at allocation */
   ULong          alloc_event;  /* ma_heap.alloc_events after allocation */
   struct _ThreadFigures* thread;   /* of the allocating thread */
   UChar          kind;         /* BlockKind */
   /* ma_custom.c's (False from ma_heap.c until it says otherwise): a
      BLOCK_POOL chunk of a VALGRIND_MEMPOOL_METAPOOL pool, which may
      hold custom blocks (a snapshot keeps both, as Memcheck's leak
      check does).  In the padding beside 'kind'. */
   Bool           in_metapool;
   /* ma_heap.c's: a malloc block that a realloc left where it was
      (Memcheck's realloc always moves; see ma_snapshot.h). */
   Bool           resized_in_place;

   PhaseBlock     phase;        /* (packs beside 'kind') */
   Addr           pool;         /* BLOCK_POOL: the pool's anchor address */
   RegionBlock    region;

   /* Only with access tracking: */
   AccessBlock    access;
   LineageBlock   lineage;
};

/* Nodes are 80 bytes without access tracking and 128 with it: the
   tool's memory grows with the live blocks, so a field added here
   costs on every block of a big heap (say so when changing these),
   and a node with its access parts stays two cache lines. */
_Static_assert(__builtin_offsetof(struct _Block, access) == 80, "Block without access parts");
_Static_assert(sizeof(struct _Block) == 128, "Block with access parts");

/* Per-thread figures (written by ma_heap.c).  Bytes belong to the
   thread that allocated the block, whichever thread frees it. */
typedef struct _ThreadFigures {
   UInt  number;                       /* 1.. in creation order */
   UInt  parent;                       /* memattr thread number, 0 for main */
   ULong total_bytes, total_blocks;
   ULong curr_bytes,  curr_blocks;
   ULong peak_bytes,  peak_blocks, peak_time;   /* its own peak: the latest of
                                                  equal maxima, as the global one */
   ULong gpeak_bytes, gpeak_blocks;    /* live at the global peak (ma_heap.c) */
   /* Chained while its live figures changed since the peak was last
      captured, as sites are (Site::next_changed). */
   struct _ThreadFigures* next_changed;
   Bool  changed;
   /* ma_thread_sites.c's, with a second thread: its (site, thread)
      cells, all of them and those changed since its own peak was last
      captured. */
   struct _ThreadSite* cells;
   struct _ThreadSite* changed_cells;
} ThreadFigures;

/* --malloc=wrap: glibc's allocator runs and malloc blocks lie in client
   mappings; otherwise Valgrind's replaces it (ma_heap.c). */
extern Bool ma_malloc_wrapped;

/* Does a block of this kind lie in a client mapping (ma_regions.c
   follows the bytes used there)?  Malloc blocks do only when glibc's
   allocator runs; with replacement they live in Valgrind's heap, and
   count in the footprint by their usable bytes. */
static inline Bool ma_blocks_in_client_mapping(BlockKind kind)
{
   return kind != BLOCK_MALLOC || ma_malloc_wrapped;
}

void ma_blocks_init(void);
/* After the options are known: nodes carry the access-tracking parts
   only with access tracking. */
void ma_blocks_start(Bool with_access_parts);

/* The tables, the node pool and the threads by ThreadId: ma_blocks.c's,
   visible here only for the inline functions below, which the malloc
   path calls on every allocation and release. */
extern VgHashTable*           ma_blocks_tables[3];   /* by BlockKind */
extern VgHashTable*           ma_blocks_sites;
extern PoolAlloc*             ma_blocks_pool;
extern struct _ThreadFigures** ma_blocks_of_tid;     /* [VG_N_THREADS] */

/*--- Blocks ---*/

/* A node, not yet in a table; ma_blocks_free_node gives it back.  Its
   fields are uninitialised: each owner sets its part (the heap before
   the allocation event, the listeners in it). */
static inline Block* ma_blocks_new_node(void)
{
   return VG_(allocEltPA)(ma_blocks_pool);
}

static inline void ma_blocks_free_node(Block* bk)
{
   VG_(freeEltPA)(ma_blocks_pool, bk);
}

/* The tables, one per kind: a pool chunk may start where a malloc
   block or a MALLOCLIKE block does.  'remove' finds and unlinks at
   once, and returns NULL if no block of that kind starts at p. */
static inline void ma_blocks_add(Block* bk)
{
   VG_(HT_add_node)(ma_blocks_tables[bk->kind], bk);
}

static inline Block* ma_blocks_find(Addr p, BlockKind kind)
{
   return VG_(HT_lookup)(ma_blocks_tables[kind], p);
}

static inline Block* ma_blocks_remove(Addr p, BlockKind kind)
{
   return VG_(HT_remove)(ma_blocks_tables[kind], p);
}

/* Every live block of one kind, in an array the caller VG_(free)s. */
Block** ma_blocks_of_kind(BlockKind kind, UInt* n);

/* Iteration over live blocks: malloc blocks, then custom blocks, then
   pool chunks.  One iteration at a time. */
void   ma_blocks_reset_iter(void);
Block* ma_blocks_next(void);

/*--- Sites ---*/

/* The site of ec; *created says whether it was made now (zeroed). */
Site* ma_blocks_new_site(ExeContext* ec);
static inline Site* ma_blocks_site_for(ExeContext* ec, Bool* created)
{
   Site* site = VG_(HT_lookup)(ma_blocks_sites, (UWord)ec);
   *created = site == NULL;
   return site ? site : ma_blocks_new_site(ec);
}

/* Iteration over sites, in the table's order (the trace's order). */
void  ma_blocks_sites_reset_iter(void);
Site* ma_blocks_sites_next(void);

/*--- Threads ---*/

/* ThreadId slots are reused by the core; memattr numbers threads
   itself, 1.. in creation order, so every thread keeps its figures. */
ThreadFigures*       ma_blocks_first_use(ThreadId tid);
static inline ThreadFigures* ma_blocks_thread(ThreadId tid)   /* made on first use */
{
   tl_assert(tid < VG_N_THREADS);
   ThreadFigures* tf = ma_blocks_of_tid[tid];
   return LIKELY(tf != NULL) ? tf : ma_blocks_first_use(tid);
}
void                 ma_blocks_thread_created(ThreadId parent, ThreadId child);
UInt                 ma_blocks_n_threads(void);
UInt                 ma_blocks_thread_number(ThreadId tid);
const ThreadFigures* ma_blocks_thread_by_number(UInt number);
ThreadFigures*       ma_blocks_thread_to_update(UInt number);   /* the same, writable */

#endif
