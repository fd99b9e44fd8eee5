/*--------------------------------------------------------------------*/
/*--- memattr: each thread's own peak, by site.   ma_thread_sites.h ---*/
/*--------------------------------------------------------------------*/

/* Which sites held a thread's memory at that thread's own peak (its
   maximum of live bytes it allocated, ThreadFigures::peak_bytes).
   Kept only once the program has a second thread: until then the one
   thread's peak is the global peak, whose sites ma_heap.c already
   captures, and the malloc path pays one predictable branch.

   From the second thread on, every (site, thread) pair that allocated
   has a cell counting its live blocks; a thread's own peak is copied
   into its cells the way ma_heap.c captures the global one: lazily, at
   the first release of one of its blocks after the peak, and only for
   the cells that changed since its last capture (a list per thread),
   so the cost follows the events, never the size of the heap. */

#ifndef MA_THREAD_SITES_H
#define MA_THREAD_SITES_H

#include "pub_tool_basics.h"

#include "ma_blocks.h"

/* One cell: the blocks one thread allocated at one site.  Cells live
   in a hash table keyed by site and thread (key_of in the .c), and
   are chained per thread (ThreadFigures::cells) for the trace; they
   are never freed, as sites are not. */
typedef struct _ThreadSite {
   struct _ThreadSite* next;    /* hash chain (VgHashTable layout) */
   UWord               key;
   Site*               site;
   ThreadFigures*      thread;
   ULong curr_bytes, curr_blocks;   /* live now */
   ULong peak_bytes, peak_blocks;   /* live at the thread's own peak */
   struct _ThreadSite* next_of_thread;
   /* Chained on ThreadFigures::changed_cells while its live figures
      changed since the thread's peak was last captured. */
   struct _ThreadSite* next_changed;
   Bool                changed;
} ThreadSite;

/* Set once the second thread exists (below); read on the malloc path. */
extern Bool ma_thread_sites_on;

void ma_thread_sites_init(void);

/* The program now has its second thread: cells for the first thread's
   sites, from the sites' live figures and their figures at the global
   peak (the first thread's own peak until now).  Once. */
void ma_thread_sites_start(ThreadFigures* first);

/* bk was counted by its site and thread; or is about to be released
   (before its thread's live bytes go down). */
void ma_thread_sites_allocated(const Block* bk);
void ma_thread_sites_releasing(const Block* bk);

/* Before a trace is written: every thread at its own peak right now
   has it captured.  Idempotent. */
void ma_thread_sites_capture_at_peaks(void);

/* The largest of thread tf's sites at its own peak, by bytes (then
   blocks, then the stack seen first), at most max of them
   into top[]; the others' count and figures into *rest.  Returns how
   many went into top[]; 0 (and an empty rest) for a program that
   never had a second thread. */
typedef struct { ULong sites, bytes, blocks; } ThreadSiteRest;
UInt ma_thread_sites_top(const ThreadFigures* tf, const ThreadSite** top, UInt max,
                         ThreadSiteRest* rest);

#endif
