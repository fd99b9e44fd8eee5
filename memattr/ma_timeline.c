/*--------------------------------------------------------------------*/
/*--- memattr: the heap timeline.                   ma_timeline.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_timeline.h. */

#include "pub_tool_basics.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_mallocfree.h"

#include "ma_timeline.h"

static TimelineSample* samples;    /* [capacity] */
static UInt  capacity;             /* 2 * min_points */
static UInt  n_samples;
static ULong interval = 1;         /* instructions between samples */
static ULong next_time = 0;        /* no sample before this time */

void ma_timeline_init(UInt min_points)
{
   tl_assert(min_points >= 2);
   capacity = 2 * min_points;
   samples  = VG_(malloc)("ma.timeline", capacity * sizeof(TimelineSample));
}

/* Halve the samples (keep the even ones) and sample half as often. */
static void thin_out(void)
{
   UInt kept = 0;
   for (UInt i = 0; i < n_samples; i += 2)
      samples[kept++] = samples[i];
   n_samples = kept;
   interval *= 2;
   next_time = samples[n_samples - 1].time + interval;
}

void ma_timeline_sample(ULong time, ULong alloc, ULong bytes, ULong blocks)
{
   if (time < next_time) return;
   TimelineSample* s = &samples[n_samples++];
   s->time   = time;
   s->alloc  = alloc;
   s->bytes  = bytes;
   s->blocks = blocks;
   next_time = time + interval;
   if (n_samples == capacity) thin_out();
}

/* The peak goes before the first sample not earlier than it, unless
   that sample is the peak itself; 'now' goes last unless the last point
   already is now (or there is no sample at all: then it always goes). */
UInt ma_timeline_points(const TimelineSample* peak, const TimelineSample* now,
                        TimelineSample** points)
{
   TimelineSample* out = VG_(malloc)("ma.timeline.points",
                                     (n_samples + 2) * sizeof(TimelineSample));
   UInt  n = 0;
   Bool  peak_placed = peak == NULL;
   ULong last_t = 0;
   for (UInt i = 0; i < n_samples; i++) {
      if (!peak_placed && peak->time <= samples[i].time) {
         if (peak->time < samples[i].time || samples[i].bytes != peak->bytes)
            out[n++] = *peak;
         peak_placed = True;
      }
      out[n++] = samples[i];
      last_t = samples[i].time;
   }
   if (!peak_placed) {
      out[n++] = *peak;
      last_t = peak->time;
   }
   if (n_samples == 0 || now->time > last_t) out[n++] = *now;
   *points = out;
   return n;
}
