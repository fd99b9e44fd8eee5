/* A program whose resident memory is much bigger than its heap, by a
   known amount: 2 MiB of heap (written), and a 24 MiB anonymous mapping
   of which 10 MiB are written (a cache reserved big and filled in
   part; the rest is only read), plus a worker thread whose stack holds a 256 KiB buffer.
   The report must explain the gap between the heap and the estimated
   resident memory, naming the line of the mapping (the cache). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { HEAP = 2 << 20, RESERVED = 24 << 20, FILLED = 10 << 20, STACK_BUFFER = 256 << 10 };

static pthread_barrier_t measured;

static void* worker(void* arg)
{
   volatile char buffer[STACK_BUFFER];
   for (int i = 0; i < STACK_BUFFER; i += 64) buffer[i] = (char)i;
   pthread_barrier_wait(&measured);
   return (void*)(long)buffer[64];
}

int main(void)
{
   char* heap = malloc(HEAP);
   memset(heap, 'h', HEAP);
   char* cache = mmap(NULL, RESERVED, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* @CACHE_MAP */
   memset(cache, 'c', FILLED);
   long unfilled = 0;   /* reading a page maps the zero page: it is not written */
   for (long off = FILLED; off < RESERVED; off += 4096) unfilled += cache[off];
   pthread_t t;
   pthread_barrier_init(&measured, NULL, 2);
   pthread_create(&t, NULL, worker, NULL);
   pthread_barrier_wait(&measured);
   pthread_join(t, NULL);
   fprintf(stderr, "gap heap=%d filled=%d reserved=%d stack_buffer=%d read=%ld\n", HEAP, FILLED,
           RESERVED, STACK_BUFFER, unfilled);
   munmap(cache, RESERVED);
   free(heap);
   printf("done\n");
   return 0;
}
