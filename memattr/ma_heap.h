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
                                         ma_heap_measure_live_lifetimes */

   /* Sites whose live figures changed since the last time the peak was
      captured are chained here, so capturing the peak costs the number
      of changed sites, not the number of all sites (DHAT walks them
      all). */
   struct _Site* next_changed;
   Bool          changed;
} Site;

/* Per-thread figures.  Bytes belong to the thread that allocated the
   block, whichever thread frees it. */
typedef struct {
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
   ULong peak_bytes, peak_blocks;
   ULong peak_time;                   /* instructions at the peak */
   ULong peak_alloc;                  /* total_bytes at the peak */
   ULong alloc_events;                /* allocations so far: the temporary rule's clock */
} HeapFigures;

extern HeapFigures ma_heap;

/* The one definition of "temporary" used everywhere (heaptrack's). */
#define MA_TEMPORARY_DEFINITION \
   "freed before any other heap block was allocated (heaptrack's definition)"

void ma_heap_init(void);

/* Register the malloc/new/free/realloc replacements with the core. */
void ma_heap_register_malloc_replacement(void);

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

/* Recompute, into each site's live_lifetime_* fields, the lifetimes its
   still-live blocks would have if the run ended now.  Changes nothing
   else, so a trace can be written more than once (before an exec that
   then fails, and again at exit). */
void ma_heap_measure_live_lifetimes(void);

/* Threads: numbered 1.. in creation order. */
UInt                 ma_heap_n_threads(void);
const ThreadFigures* ma_heap_thread(UInt number);

#endif
