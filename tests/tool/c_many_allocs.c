/* A million short-lived blocks over a live set: the trace must stay small
   and the timeline bounded, the figures exact (case c_many_allocs).
   Expected: 1000 kept blocks of 100 bytes, then 1,000,000 malloc/free
   pairs of 16, 32, 48, 64 bytes in turn; peak 100,064 bytes in 1001
   blocks; total 40,100,000 bytes in 1,001,000 blocks; 1,000,000
   temporaries.  (Sizes are multiples of 16 so that Massif, whose peak
   counts allocator slop, peaks at the same moment.) */
#include <stdlib.h>
#include <unistd.h>

#define KEPT 1000
#define CHURN 1000000

static void* kept[KEPT];

int main(void)
{
    for (int i = 0; i < KEPT; i++)
        kept[i] = malloc(100);                       /* @KEPT */
    for (long i = 0; i < CHURN; i++) {
        volatile char* p = malloc(16 + 16 * (i % 4)); /* @CHURN */
        p[0] = 1;
        free((void*)p);
    }
    for (int i = 0; i < KEPT; i++) free(kept[i]);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
