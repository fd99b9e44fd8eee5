/*--------------------------------------------------------------------*/
/*--- memattr: block events to the modules.            ma_events.h ---*/
/*--------------------------------------------------------------------*/

/* ma_events.h passes each heap block event from ma_heap.c to the
   modules that keep something per block, one call per event to each
   interested module, in this fixed order:

     allocated:  access, lineage, regions (or the footprint), phase, snapshot
     releasing:  regions, phase, access, lineage, snapshot

   (access and lineage only with --track-access; phase only while a
   phase is open; regions for blocks in client memory, and on release
   while the footprint is at its maximum; snapshot only while the last
   snapshot can be retaken from, which logs the event).  The order is the one the figures were always
   updated in.  A listener touches only its own part of a block (the
   access helpers reach the lineage part through ma_lineage_note_use),
   so what matters to each is where the heap's figures stand, which is
   fixed for each event (below).

   A realloc (or the resize or move of a custom block) is a release of
   the old block, marked 'replaced', then the allocation of its
   successor, which names the old block as its predecessor: the old
   block's release has to be seen before the heap counts the successor
   (the peak, the phases' and the memory map's figures depend on it),
   so the hand-on -- the bytes' access history, their copy pairs, a
   relocation copy when the block moved -- happens when the successor
   is announced.  That is the only way a realloc's copy reaches
   ma_lineage.c; the program's own copies reach it from ma_access.c. */

#ifndef MA_EVENTS_H
#define MA_EVENTS_H

#include "pub_tool_basics.h"

#include "ma_access.h"
#include "ma_heap.h"
#include "ma_lineage.h"
#include "ma_pages.h"
#include "ma_phase.h"
#include "ma_regions.h"
#include "ma_snapshot.h"

/* Inline: the list runs on every allocation and release. */

/* bk was just counted in every heap figure (ma_heap.events included).
   'predecessor' is the block it replaces (still a valid node, already
   released with 'replaced'), or NULL. */
static inline void ma_events_allocated(Block* bk, Block* predecessor)
{
   if (ma_track_access) {
      ma_access_block_allocated(bk, predecessor);
      ma_lineage_block_allocated(bk, predecessor);
   }
   if (ma_blocks_in_client_mapping(bk->kind)) ma_regions_block_allocated(bk);
   else ma_footprint_grew();   /* by the block's usable bytes */
   ma_phase_block_allocated(&bk->phase, bk);
   if (UNLIKELY(ma_snapshot_logging)) ma_snapshot_log_event(bk, True);
}

/* bk is going: taken out of its table and counted in ma_heap.events,
   but every other heap figure still counts it.  'replaced': a
   successor will carry its bytes on (see above). */
static inline void ma_events_releasing(Block* bk, Bool replaced)
{
   if (UNLIKELY(ma_footprint_at_max) || ma_blocks_in_client_mapping(bk->kind))
      ma_regions_block_releasing(bk);
   if (UNLIKELY(ma_phase_open_count)) ma_phase_releasing(bk);
   if (ma_track_access) {
      ma_access_block_releasing(bk, replaced);
      ma_lineage_block_releasing(bk, replaced);
   }
   if (UNLIKELY(ma_snapshot_logging)) ma_snapshot_log_event(bk, False);
}

/* The live block bk, just taken out of its table, is about to be
   released, or replaced by one of 'successor_bytes' (a realloc): the
   peak snapshot may be due (one comparison in the common case). */
static inline void ma_events_before_release(Block* bk, SizeT successor_bytes)
{
   if (UNLIKELY(ma_heap.peak_bytes > ma_snapshot_threshold))
      ma_snapshot_before_release(bk, successor_bytes);
}

#endif
