/* Four threads, thread k holding 8 blocks of 1024*k bytes at once;
   expected values in test_tool.py (case c_threads). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4
#define NBLOCKS  8

static pthread_barrier_t all_allocated;

static void* worker(void* arg)
{
    long k = (long)arg;
    void* blocks[NBLOCKS];
    for (int i = 0; i < NBLOCKS; i++) {
        blocks[i] = malloc(1024 * k);                /* @WORKER */
        memset(blocks[i], (int)k, 1024 * k);
    }
    pthread_barrier_wait(&all_allocated);            /* all 32 blocks live together */
    pthread_barrier_wait(&all_allocated);
    for (int i = 0; i < NBLOCKS; i++) free(blocks[i]);
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    pthread_barrier_init(&all_allocated, NULL, NTHREADS + 1);
    for (long k = 1; k <= NTHREADS; k++)
        pthread_create(&t[k - 1], NULL, worker, (void*)k);
    pthread_barrier_wait(&all_allocated);
    pthread_barrier_wait(&all_allocated);
    for (int k = 0; k < NTHREADS; k++) pthread_join(t[k], NULL);
    pthread_barrier_destroy(&all_allocated);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
