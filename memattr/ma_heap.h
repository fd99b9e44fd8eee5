/*--------------------------------------------------------------------*/
/*--- memattr: the heap model.                          ma_heap.h ---*/
/*--------------------------------------------------------------------*/

/* ma_heap.c owns everything memattr knows about the client's heap:
   the table of live blocks, the allocation sites they came from, the
   global peak of live bytes, and per-thread figures.  It implements
   the malloc-replacement callbacks Valgrind's core calls for every
   malloc/new/free/realloc of the client.

   Everything here is recorded, not interpreted: ma_trace.c writes it
   out and memattr-graph does the analysis. */

#ifndef MA_HEAP_H
#define MA_HEAP_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"

/* Guest instructions executed so far: memattr's clock.  Incremented by
   the code ma_main.c adds to every superblock. */
extern ULong ma_instrs;

/* What the program did with the blocks of one site (or one block):
   bytes read and written, and blocks never read (nor written). */
typedef struct {
   ULong bytes_read, bytes_written;
   ULong never_read_blocks, never_read_bytes;          /* no read at all */
   ULong never_accessed_blocks, never_accessed_bytes;  /* ... nor write */
} AccessFigures;

/* One allocation site: the figures of all blocks allocated from one
   distinct stack (ExeContext).  Sites live in a hash table keyed by
   the ExeContext pointer; ExeContexts are never freed, so the key is
   stable for the whole run. */
typedef struct _Site {
   struct _Site* next;         /* hash chain (VgHashTable layout) */
   UWord         key;          /* (UWord)ec */
   ExeContext*   ec;

   ULong total_bytes, total_blocks;   /* allocated over the run */
   ULong curr_bytes,  curr_blocks;    /* live now */
   ULong max_bytes,   max_blocks;     /* this site's own maximum */
   ULong peak_bytes,  peak_blocks;    /* live at the global peak */
   ULong freed_blocks;
   ULong lifetime_min, lifetime_max, lifetime_sum;  /* instructions */
   ULong temp_blocks, temp_bytes;     /* see MA_TEMPORARY_DEFINITION */
   ULong realloc_blocks;              /* blocks created by realloc */
   ULong live_lifetime_min, live_lifetime_max, live_lifetime_sum;
                                      /* of blocks live now; see
                                         ma_heap_measure_live_blocks */

   /* Access figures (ma_access.c), of blocks already gone; the live
      blocks' share is added into the live_ fields when a trace is
      written.  A block realloc replaced hands its figures on to the
      new block instead. */
   AccessFigures gone_access, live_access;

   UWord trace_id;   /* the site's id in the trace being written */
   UChar kind;       /* BlockKind of its blocks (one stack, one kind) */

   /* ma_phase.c's per-depth figures of this site in open phases; NULL
      until the site has an event inside a phase. */
   struct _SiteSlot* phase_slots;

   /* Sites whose live figures changed since the last time the peak was
      captured are chained here, so capturing the peak costs the number
      of changed sites, not the number of all sites (DHAT walks them
      all). */
   struct _Site* next_changed;
   Bool          changed;
} Site;

struct _Link;     /* ma_lineage.h */
struct _Region;   /* ma_regions.h */

/* Where a block came from.  MALLOC blocks are the malloc/new family
   (replaced, or wrapped with --malloc=wrap); the other two are the
   client's own allocators, announced by client requests (ma_custom.c):
   VALGRIND_MALLOCLIKE_BLOCK and VALGRIND_MEMPOOL_ALLOC. */
typedef enum { BLOCK_MALLOC, BLOCK_CUSTOM, BLOCK_POOL } BlockKind;

/* One live heap block.  Keyed by its start address in a hash table
   (cheaper than an ordered tree on the malloc path, which is what
   most programs stress); nodes come from a pool allocator.  The fields
   from bytes_read on exist only with access tracking (nodes are
   allocated without them otherwise, to keep --track-access=no at the
   speed of an allocation-only profiler); the access fields belong to
   ma_access.c, the link chains to ma_lineage.c. */
typedef struct _Block {
   struct _Block* next;      /* hash chain (VgHashTable layout) */
   UWord          payload;   /* start address: the key */
   SizeT          req_szB;   /* requested size */
   Site*          site;
   ULong          alloc_time;   /* ma_instrs at allocation */
   ULong          alloc_event;  /* ma_heap.alloc_events after allocation */
   struct _ThreadFigures* thread;   /* of the allocating thread */
   UInt           phase;        /* ma_phase.c: the innermost phase instance
                                   open at allocation, 0 = none */
   UChar          kind;         /* BlockKind */
   Addr           pool;         /* BLOCK_POOL: the pool's anchor address */
   struct _Region* region;      /* ma_regions.c: the client mapping the block
                                   lies in (custom and pool blocks, and
                                   malloc blocks with --malloc=wrap); NULL
                                   for Valgrind's own heap */

   /* Only with access tracking: */
   ULong          bytes_read, bytes_written;
   ULong          last_use;     /* ma_instrs at the last read that was a use */
   UInt           map_slot;     /* ma_access.c's heap map; 0 = not mapped */
   UInt           n_links_in;
   struct _Link*  links_out;    /* copy pairs with this block as source */
   struct _Link*  links_in;     /* ... as destination */
} Block;

/* Per-thread figures.  Bytes belong to the thread that allocated the
   block, whichever thread frees it. */
typedef struct _ThreadFigures {
   UInt  number;                       /* 1.. in creation order */
   UInt  parent;                       /* memattr thread number, 0 for main */
   ULong total_bytes, total_blocks;
   ULong curr_bytes,  curr_blocks;
   ULong peak_bytes,  peak_blocks, peak_time;
} ThreadFigures;

/* Whole-heap figures. */
typedef struct {
   ULong total_bytes, total_blocks;   /* each realloc counts as one block */
   ULong frees;                       /* client frees of known blocks */
   ULong bad_frees;                   /* frees/reallocs of unknown pointers (ignored) */
   ULong curr_bytes, curr_blocks;
   ULong curr_usable;                 /* usable bytes of live malloc blocks, by
                                         glibc's chunk rule */
   ULong curr_custom_bytes, curr_custom_blocks;   /* of which custom and pool */
   ULong peak_bytes, peak_blocks;
   ULong peak_time;                   /* instructions at the peak */
   ULong peak_alloc;                  /* total_bytes at the peak */
   ULong alloc_events;                /* allocations so far: the temporary rule's clock */
   ULong events;                      /* allocations and releases so far */
   ULong peak_event;                  /* 'events' at the allocation that made the peak */
} HeapFigures;

extern HeapFigures ma_heap;

/* The one definition of "temporary" used everywhere (heaptrack's). */
#define MA_TEMPORARY_DEFINITION \
   "freed before any other heap block was allocated (heaptrack's definition)"

void ma_heap_init(void);

/* After the options are known (block nodes depend on --track-access). */
void ma_heap_start(void);

/* Register the malloc/new/free/realloc replacements with the core. */
void ma_heap_register_malloc_replacement(void);

/* --malloc=wrap: glibc's allocator runs, and the preload's wrappers
   (ma_preload_wrap.c) report each outermost call, before the real free
   and after the real malloc. */
extern Bool ma_malloc_wrapped;
void ma_heap_wrapped_alloc(ThreadId tid, Addr p, SizeT req_szB);
void ma_heap_wrapped_free(ThreadId tid, Addr p);
void ma_heap_wrapped_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT req_szB);

/* Blocks of the client's own allocators (ma_custom.c), kept in their
   own tables: a pool chunk may start where a malloc block or a
   MALLOCLIKE block does.  'adopt' records one (its stack is the
   request's); 'find' looks one up by start address; 'release' drops
   it; 'resize' is a realloc in place or, with new_addr != its address,
   a move (MEMPOOL_CHANGE).  The client's memory is never touched. */
Block* ma_heap_adopt(ThreadId tid, Addr p, SizeT req_szB, BlockKind kind, Addr pool);
Block* ma_heap_find_adopted(Addr p, BlockKind kind);
void   ma_heap_release_adopted(Block* bk);
Block* ma_heap_resize_adopted(ThreadId tid, Block* bk, Addr new_addr, SizeT new_szB);
/* Every live custom or pool block, for the requests that act on many
   (DESTROY_MEMPOOL, MEMPOOL_TRIM, MOVE_MEMPOOL).  The array is
   VG_(malloc)ed; the caller frees it. */
Block** ma_heap_adopted_blocks(BlockKind kind, UInt* n);

/* Give a newly created client thread its memattr number. */
void ma_heap_thread_created(ThreadId parent, ThreadId child);

/* If live bytes are at their maximum now, record every site's live
   figures as its figures at the peak.  Called before every decrease,
   and before writing a trace, so the figures are right even when the
   run ends at its peak.  Idempotent. */
void ma_heap_capture_peak_if_at_peak(void);

/* Iteration over sites, for output. */
void  ma_heap_sites_reset_iter(void);
Site* ma_heap_sites_next(void);

/* Recompute, into each site's live_* fields, the lifetimes and access
   figures its still-live blocks would have if the run ended now.
   Changes nothing else, so a trace can be written more than once
   (before an exec that then fails, and again at exit). */
void ma_heap_measure_live_blocks(void);

/* Iteration over live blocks (for finishing copy pairs at the end and
   snapshots): malloc blocks, then custom blocks, then pool chunks. */
void   ma_heap_blocks_reset_iter(void);
Block* ma_heap_blocks_next(void);

/* Threads: numbered 1.. in creation order. */
UInt                 ma_heap_n_threads(void);
UInt                 ma_heap_thread_number(ThreadId tid);
const ThreadFigures* ma_heap_thread(UInt number);

#endif
