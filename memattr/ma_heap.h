/*--------------------------------------------------------------------*/
/*--- memattr: the heap model.                          ma_heap.h ---*/
/*--------------------------------------------------------------------*/

/* ma_heap.c owns the heap model's figures: what each block, site and
   thread counts (their first fields, ma_blocks.h), the whole-heap
   figures and the global peak of live bytes.  It implements the
   malloc-replacement callbacks Valgrind's core calls for every
   malloc/new/free/realloc of the client, keeps the tables of
   ma_blocks.c, and announces every allocation and release to the
   other modules through ma_events.c.

   Everything here is recorded, not interpreted: ma_trace.c writes it
   out and memattr-graph does the analysis. */

#ifndef MA_HEAP_H
#define MA_HEAP_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"

#include "ma_blocks.h"
#include "ma_clock.h"

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

/* After the options are known: with snapshots on, freed memory is
   cleared (see give_back in ma_heap.c). */
void ma_heap_start(Bool clear_freed);

/* Register the malloc/new/free/realloc replacements with the core. */
void ma_heap_register_malloc_replacement(void);

/* --malloc=wrap: glibc's allocator runs, and the preload's wrappers
   (ma_preload_wrap.c) report each outermost call, before the real free
   and after the real malloc (the mode, ma_malloc_wrapped, is in
   ma_blocks.h). */
void ma_heap_wrapped_alloc(ThreadId tid, Addr p, SizeT req_szB);
void ma_heap_wrapped_free(ThreadId tid, Addr p);
void ma_heap_wrapped_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT req_szB);

/* Blocks of the client's own allocators (ma_custom.c), kept in their
   own tables (ma_blocks_find looks one up).  'adopt' records one (its
   stack is the request's); 'release' drops it; 'resize' is a realloc
   in place or, with new_addr != its address, a move (MEMPOOL_CHANGE).
   The client's memory is never touched. */
Block* ma_heap_adopt(ThreadId tid, Addr p, SizeT req_szB, BlockKind kind, Addr pool);
void   ma_heap_release_adopted(Block* bk);
Block* ma_heap_resize_adopted(ThreadId tid, Block* bk, Addr new_addr, SizeT new_szB);

/* If live bytes are at their maximum now, record every site's live
   figures as its figures at the peak.  Called before every decrease,
   and before writing a trace, so the figures are right even when the
   run ends at its peak.  Idempotent. */
void ma_heap_capture_peak_if_at_peak(void);

/* Recompute, into each site's live_lifetime_* fields, the lifetimes
   its still-live blocks would have if the run ended now.  Changes
   nothing else, so a trace can be written more than once (before an
   exec that then fails, and again at exit). */
void ma_heap_measure_live_blocks(void);

/* A site's lifetimes over all its blocks, gone and (as measured above)
   live; min is 0 for a site without blocks. */
typedef struct { ULong min, max, sum; } Lifetimes;
Lifetimes ma_heap_site_lifetimes(const Site* s);

#endif
