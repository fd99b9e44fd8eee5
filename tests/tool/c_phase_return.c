/* An iteration ends when its function returns (issue 17 item 1): each of
   3 calls of step() keeps 100 bytes, and main's first printf after the
   loop makes stdio's stdout buffer (4,096 bytes on a pipe).  Run with
   --phase-fn=step, iteration k ends with exactly 100 * k bytes live and
   retains 100; the buffer belongs to no iteration, though it is the next
   heap event after the last return. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLS 3
#define KEPT_BYTES 100

static void* kept[CALLS];

__attribute__((noinline)) void step(int i)
{
    kept[i] = malloc(KEPT_BYTES);                       /* @KEPT */
    memset(kept[i], i, KEPT_BYTES);
}

int main(void)
{
    for (int i = 0; i < CALLS; i++)
        step(i);
    printf("done\n");                                   /* stdout's buffer */
    return 0;
}
