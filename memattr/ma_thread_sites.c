/*--------------------------------------------------------------------*/
/*--- memattr: each thread's own peak, by site.   ma_thread_sites.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_thread_sites.h.  The capture follows ma_heap.c's of the
   global peak: a thread's peak (the latest of equal maxima of its live
   bytes) can only be left by a release of one of its blocks, so the
   cells are copied then, before its live bytes go down, if the thread
   is at its peak.  Cells that did not change since the last capture
   still hold the right figures. */

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"

#include "ma_heap.h"
#include "ma_thread_sites.h"

Bool ma_thread_sites_on = False;

static VgHashTable* cells;   /* of ThreadSite, by key_of */

/* The site's ExeContext number and the thread's number, each under
   2^32 (amd64 only, configure.ac), make one key. */
static UWord key_of(const Site* site, const ThreadFigures* tf)
{
   return ((UWord)VG_(get_ECU_from_ExeContext)(site->ec) << 32) | tf->number;
}

static ThreadSite* new_cell(Site* site, ThreadFigures* tf)
{
   ThreadSite* c = VG_(malloc)("ma.thread_site", sizeof(ThreadSite));
   VG_(memset)(c, 0, sizeof *c);
   c->key    = key_of(site, tf);
   c->site   = site;
   c->thread = tf;
   c->next_of_thread = tf->cells;
   tf->cells = c;
   VG_(HT_add_node)(cells, c);
   return c;
}

static ThreadSite* cell_of(Site* site, ThreadFigures* tf)
{
   ThreadSite* c = site->thread_cell;
   if (LIKELY(c != NULL && c->thread == tf)) return c;
   c = VG_(HT_lookup)(cells, key_of(site, tf));
   if (!c) c = new_cell(site, tf);
   site->thread_cell = c;
   return c;
}

static void mark_changed(ThreadSite* c)
{
   if (c->changed) return;
   c->changed      = True;
   c->next_changed = c->thread->changed_cells;
   c->thread->changed_cells = c;
}

/* Is the thread at the state its peak figures describe?  Bytes alone
   do not say: after a 0-byte block is released the bytes are still at
   the peak, the blocks one fewer.  No allocation can reach these
   figures again without moving the peak (the latest of equal maxima),
   so being at them means being at the latest peak. */
static Bool at_own_peak(const ThreadFigures* tf)
{
   return tf->curr_bytes == tf->peak_bytes && tf->curr_blocks == tf->peak_blocks;
}

/* The thread is at its own peak: this is its moment (so far). */
static void capture(ThreadFigures* tf)
{
   for (ThreadSite* c = tf->changed_cells; c; c = c->next_changed) {
      c->peak_bytes  = c->curr_bytes;
      c->peak_blocks = c->curr_blocks;
      c->changed     = False;
   }
   tf->changed_cells = NULL;
}

void ma_thread_sites_init(void)
{
   cells = VG_(HT_construct)("ma.thread_sites");
}

/* Until now every block was the first thread's, and its live bytes
   were the heap's, so its own peak was the global peak (both keep the
   latest of equal maxima): each site's figures at the global peak are
   its cell's at the thread's peak (the caller has the heap record its
   peak first, if it is at it).  Every cell goes on the changed
   list, so the next capture takes the live figures whatever they are. */
void ma_thread_sites_start(ThreadFigures* first)
{
   tl_assert(!ma_thread_sites_on && first->number == 1);
   tl_assert(first->peak_bytes == ma_heap.peak_bytes);
   Site* s;
   ma_blocks_sites_reset_iter();
   while ((s = ma_blocks_sites_next())) {
      if (s->curr_blocks == 0 && s->peak_blocks == 0) continue;
      ThreadSite* c  = cell_of(s, first);
      c->curr_bytes  = s->curr_bytes;
      c->curr_blocks = s->curr_blocks;
      c->peak_bytes  = s->peak_bytes;
      c->peak_blocks = s->peak_blocks;
      mark_changed(c);
   }
   ma_thread_sites_on = True;
}

void ma_thread_sites_allocated(const Block* bk)
{
   ThreadSite* c = cell_of(bk->site, bk->thread);
   c->curr_bytes  += bk->req_szB;
   c->curr_blocks += 1;
   mark_changed(c);
}

void ma_thread_sites_releasing(const Block* bk)
{
   ThreadFigures* tf = bk->thread;
   if (at_own_peak(tf)) capture(tf);
   ThreadSite* c = cell_of(bk->site, tf);
   c->curr_bytes  -= bk->req_szB;
   c->curr_blocks -= 1;
   mark_changed(c);
}

void ma_thread_sites_capture_at_peaks(void)
{
   if (!ma_thread_sites_on) return;
   for (UInt n = 1; n <= ma_blocks_n_threads(); n++) {
      ThreadFigures* tf = ma_blocks_thread_to_update(n);
      if (at_own_peak(tf)) capture(tf);
   }
}

/* Larger first: bytes, then blocks, then the earlier stack (ExeContext
   numbers follow the order stacks were first seen). */
static Bool larger(const ThreadSite* a, const ThreadSite* b)
{
   if (a->peak_bytes != b->peak_bytes) return a->peak_bytes > b->peak_bytes;
   if (a->peak_blocks != b->peak_blocks) return a->peak_blocks > b->peak_blocks;
   return VG_(get_ECU_from_ExeContext)(a->site->ec) < VG_(get_ECU_from_ExeContext)(b->site->ec);
}

/* An insertion into top[0..*n), kept sorted and at most max long;
   returns the cell that fell out (or was not taken), if any. */
static const ThreadSite* keep_if_top(const ThreadSite** top, UInt* n, UInt max,
                                     const ThreadSite* c)
{
   const ThreadSite* out = NULL;
   if (*n == max) {
      if (max == 0 || !larger(c, top[max - 1])) return c;
      out = top[--*n];
   }
   UInt i = *n;
   for (; i > 0 && larger(c, top[i - 1]); i--) top[i] = top[i - 1];
   top[i] = c;
   ++*n;
   return out;
}

UInt ma_thread_sites_top(const ThreadFigures* tf, const ThreadSite** top, UInt max,
                         ThreadSiteRest* rest)
{
   UInt n = 0;
   VG_(memset)(rest, 0, sizeof *rest);
   for (const ThreadSite* c = tf->cells; c; c = c->next_of_thread) {
      if (c->peak_blocks == 0) continue;
      const ThreadSite* out = keep_if_top(top, &n, max, c);
      if (out) {
         rest->sites  += 1;
         rest->bytes  += out->peak_bytes;
         rest->blocks += out->peak_blocks;
      }
   }
   return n;
}
