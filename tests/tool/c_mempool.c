/* Two memory pools announced with valgrind.h's mempool requests.
   - The mapped pool's superblock is a 1 MiB anonymous mapping: its
     chunks are the use of that mapping (pool_alloc makes them).
   - The heap pool's superblock is a malloc'd block: its chunks lie
     inside a heap block and are counted once, as heap.
   Then the pools are trimmed, moved, a chunk changed, and destroyed.
   Prints on stderr the figures memattr must find just before the trim
   (a MEMATTR_SNAPSHOT "pools" is taken there too):
     pools mapped_chunks=.. mapped_bytes=.. heap_chunks=.. heap_bytes=.. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <valgrind/valgrind.h>
#include <memattr.h>

typedef struct { char* base; size_t size, used; } Pool;

enum { MAPPED_CHUNKS = 200, CHUNK = 1000, STRIDE = 1008, HEAP_CHUNKS = 20, HEAP_CHUNK = 500 };

static Pool mapped_pool, heap_pool, moved_anchor;

static __attribute__((noinline)) char* pool_alloc(Pool* pool, size_t n)
{
   char* p = pool->base + pool->used;
   pool->used += (n + 15) / 16 * 16;
   VALGRIND_MEMPOOL_ALLOC(pool, p, n);   /* @POOL_ALLOC */
   memset(p, 'p', n);
   return p;
}

int main(void)
{
   char* mapped[MAPPED_CHUNKS];
   mapped_pool.size = 1 << 20;
   int flags = MAP_PRIVATE | MAP_ANONYMOUS;
   mapped_pool.base = mmap(NULL, mapped_pool.size, PROT_READ | PROT_WRITE, flags, -1, 0); /* @POOL_MAP */
   VALGRIND_CREATE_MEMPOOL(&mapped_pool, 0, 0);
   for (int i = 0; i < MAPPED_CHUNKS; i++) mapped[i] = pool_alloc(&mapped_pool, CHUNK);
   for (int i = 0; i < 100; i += 2) VALGRIND_MEMPOOL_FREE(&mapped_pool, mapped[i]);

   heap_pool.size = 64 * 1024;
   heap_pool.base = malloc(heap_pool.size);
   VALGRIND_CREATE_MEMPOOL(&heap_pool, 0, 0);
   for (int i = 0; i < HEAP_CHUNKS; i++) pool_alloc(&heap_pool, HEAP_CHUNK);

   fprintf(stderr, "pools mapped_chunks=%d mapped_bytes=%d heap_chunks=%d heap_bytes=%d\n",
           MAPPED_CHUNKS - 50, (MAPPED_CHUNKS - 50) * CHUNK, HEAP_CHUNKS,
           HEAP_CHUNKS * HEAP_CHUNK);
   MEMATTR_SNAPSHOT("pools");

   /* Keep the first 100 chunks' span: chunks 100.. go, 50 stay. */
   VALGRIND_MEMPOOL_TRIM(&mapped_pool, mapped_pool.base, 100 * STRIDE);
   VALGRIND_MOVE_MEMPOOL(&mapped_pool, &moved_anchor);
   VALGRIND_MEMPOOL_CHANGE(&moved_anchor, mapped[1], mapped[1], CHUNK / 2);
   if (!VALGRIND_MEMPOOL_EXISTS(&moved_anchor) || VALGRIND_MEMPOOL_EXISTS(&mapped_pool))
      fprintf(stderr, "MOVE_MEMPOOL not seen\n");
   MEMATTR_SNAPSHOT("trimmed");
   VALGRIND_DESTROY_MEMPOOL(&moved_anchor);
   VALGRIND_DESTROY_MEMPOOL(&heap_pool);
   free(heap_pool.base);
   munmap(mapped_pool.base, mapped_pool.size);
   printf("done\n");
   return 0;
}
