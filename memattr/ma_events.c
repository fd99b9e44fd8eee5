/*--------------------------------------------------------------------*/
/*--- memattr: block events to the modules.            ma_events.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_events.h: the fixed list of listeners, in order. */

#include "pub_tool_basics.h"

#include "ma_access.h"
#include "ma_events.h"
#include "ma_lineage.h"
#include "ma_phase.h"
#include "ma_regions.h"

void ma_events_allocated(Block* bk, Block* predecessor)
{
   if (ma_track_access) {
      ma_access_block_allocated(bk, predecessor);
      ma_lineage_block_allocated(bk, predecessor);
   }
   ma_regions_block_allocated(bk);
   if (UNLIKELY(ma_phase_open_count)) ma_phase_allocated(bk);
}

void ma_events_releasing(Block* bk, Bool replaced)
{
   ma_regions_block_releasing(bk);
   if (UNLIKELY(ma_phase_open_count)) ma_phase_releasing(bk);
   if (ma_track_access) {
      ma_access_block_releasing(bk, replaced);
      ma_lineage_block_releasing(bk, replaced);
   }
}
