/* A million short-lived blocks over a live set: the trace must stay small
   and the timeline bounded, the figures exact (case c_many_allocs).
   Expected: 1000 kept blocks of 100 bytes, then 1,000,000 malloc/free
   pairs of 16 + i%64 bytes; peak 100,079 bytes in 1001 blocks; total
   47,600,000 bytes in 1,001,000 blocks; 1,000,000 temporaries. */
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
        volatile char* p = malloc(16 + i % 64);      /* @CHURN */
        p[0] = 1;
        free((void*)p);
    }
    for (int i = 0; i < KEPT; i++) free(kept[i]);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
