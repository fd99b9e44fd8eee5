/* Phases and growth per iteration (issue 6): 50 iterations of
   create-analyse-delete.  Per iteration: a work buffer allocated and freed
   (steady), 96 bytes leaked (a leak: +96 per iteration), and one 256-byte
   entry added to a cache of 20 slots until it is full (bounded: +256 for 20
   iterations, then nothing; bound 5,120 bytes).  Built with
   -DMEMATTR_REQUESTS each iteration is a MEMATTR_PHASE; without, the test runs
   it with --phase-fn=process_batch. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef MEMATTR_REQUESTS
#include "memattr.h"
#else
#define MEMATTR_PHASE_BEGIN(name)
#define MEMATTR_PHASE_END(name)
#define MEMATTR_MARK(label)
#endif

#define ITERATIONS 50
#define LEAK_BYTES 96
#define CACHE_SLOTS 20
#define CACHE_ENTRY 256
#define WORK_BYTES 4096

static void* cache[CACHE_SLOTS];
static int cache_used;

__attribute__((noinline)) void process_batch(int i)
{
    char* work = malloc(WORK_BYTES);                    /* @WORK */
    memset(work, i, WORK_BYTES);
    char* leaked = malloc(LEAK_BYTES);                  /* @LEAK */
    memcpy(leaked, work, LEAK_BYTES);
    leaked = NULL;
    if (cache_used < CACHE_SLOTS) {
        cache[cache_used] = malloc(CACHE_ENTRY);        /* @CACHE */
        memset(cache[cache_used++], i, CACHE_ENTRY);
    }
    free(work);
}

int main(void)
{
    MEMATTR_MARK("start");
    for (int i = 0; i < ITERATIONS; i++) {
        MEMATTR_PHASE_BEGIN("batch");
        process_batch(i);
        MEMATTR_PHASE_END("batch");
    }
    MEMATTR_MARK("done");
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
