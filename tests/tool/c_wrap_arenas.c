/* Four threads each allocate and fill 2,000 blocks of 1,000 bytes, wait
   for each other, then free them.  Under --malloc=wrap glibc gives each
   thread its own arena: a 64 MiB reservation (PROT_NONE) of which only
   the part in use is made accessible and written.  The main thread's
   allocations come from the brk heap.  Prints the live bytes each thread
   held at its peak (stderr). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 4, BLOCKS = 2000, SIZE = 1000 };

static pthread_barrier_t all_allocated, all_measured;

static __attribute__((noinline)) void* worker(void* arg)
{
   char** blocks = malloc(BLOCKS * sizeof(char*));
   for (int i = 0; i < BLOCKS; i++) {
      blocks[i] = malloc(SIZE);
      memset(blocks[i], 'a' + (int)(long)arg, SIZE);
   }
   pthread_barrier_wait(&all_allocated);
   pthread_barrier_wait(&all_measured);
   for (int i = 0; i < BLOCKS; i++) free(blocks[i]);
   free(blocks);
   return NULL;
}

int main(void)
{
   pthread_t t[THREADS];
   pthread_barrier_init(&all_allocated, NULL, THREADS + 1);
   pthread_barrier_init(&all_measured, NULL, THREADS + 1);
   char* main_block = malloc(300000);
   memset(main_block, 1, 300000);
   for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void*)i);
   pthread_barrier_wait(&all_allocated);
   fprintf(stderr, "live at the peak: %d bytes in %d blocks\n",
           300000 + THREADS * (BLOCKS * SIZE + BLOCKS * (int)sizeof(char*)),
           1 + THREADS * (BLOCKS + 1));
   pthread_barrier_wait(&all_measured);
   for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
   fprintf(stderr, "%d\n", main_block[299999]);
   free(main_block);
   printf("done\n");
   return 0;
}
