/*--------------------------------------------------------------------*/
/*--- memattr: the instruction clock.                   ma_clock.h ---*/
/*--------------------------------------------------------------------*/

/* memattr's clock: guest instructions executed so far.  Advanced by
   the code ma_instrument.c adds to every superblock (once per
   superblock, on entry); read by every module that stamps an event
   with its time.  A header of its own so that a module's field
   header (ma_lineage.h) can read it without the heap's. */

#ifndef MA_CLOCK_H
#define MA_CLOCK_H

#include "pub_tool_basics.h"

extern ULong ma_instrs;

#endif
