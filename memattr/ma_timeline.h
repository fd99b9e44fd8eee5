/*--------------------------------------------------------------------*/
/*--- memattr: the heap timeline.                   ma_timeline.h ---*/
/*--------------------------------------------------------------------*/

/* ma_timeline.c owns the samples of live heap over time.  It keeps a
   bounded number of samples however long the run: when its buffer
   fills, it drops every other sample and doubles the interval between
   samples, so samples stay spread over the whole run and the trace
   does not grow with the number of allocations. */

#ifndef MA_TIMELINE_H
#define MA_TIMELINE_H

#include "pub_tool_basics.h"

typedef struct {
   ULong time;      /* instructions */
   ULong alloc;     /* bytes allocated so far: the second time axis */
   ULong bytes;     /* live requested bytes */
   ULong blocks;    /* live blocks */
} TimelineSample;

/* Keep at least min_points samples (when there are that many events)
   and at most twice as many. */
void ma_timeline_init(UInt min_points);

/* Called after every heap event; records a sample only when the
   sampling interval has passed, so it is cheap. */
void ma_timeline_sample(ULong time, ULong alloc, ULong bytes, ULong blocks);

/* The timeline as the trace gives it: the samples, with the exact peak
   (NULL: none, nothing was allocated) merged in at its place and the
   state now appended.  Returns the number of points, in an array the
   caller VG_(free)s. */
UInt ma_timeline_points(const TimelineSample* peak, const TimelineSample* now,
                        TimelineSample** points);

#endif
