/* A metapool (VALGRIND_CREATE_MEMPOOL_EXT with VALGRIND_MEMPOOL_METAPOOL): a
   superblock from malloc holds one pool chunk, and the program's own
   allocator hands out blocks inside that chunk, announced with
   VALGRIND_MALLOCLIKE_BLOCK.  Memcheck drops the malloc'd superblock from the
   leak check (it holds custom blocks) but keeps both the pool chunk and the
   blocks inside it, which a metapool allows to overlap.  g_first points at
   the first inner block, 16 bytes into the chunk: an address inside both
   resolves to the inner block, so that block is still reachable.  The chunk
   is reached only by the allocator's cursor (g_cursor, 512 bytes in, past
   the inner blocks), an interior pointer: possibly lost.  The second inner
   block is pointed at by nothing: definitely lost.  Expected, as Memcheck
   says: definitely lost 32 bytes in 1 block; possibly lost 1,024 bytes in 1
   block (the chunk); still reachable 64 bytes in 1 block.  Before memattr
   kept a metapool's chunk, the chunk was in no category at all. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

static char pool_anchor;
void* g_first;
void* g_cursor;

int main(void)
{
    char* super = malloc(4096);                                  /* @SUPERBLOCK */
    memset(super, 0, 4096);
    VALGRIND_CREATE_MEMPOOL_EXT(&pool_anchor, 0, 0, VALGRIND_MEMPOOL_METAPOOL);
    char* chunk = super + 256;
    VALGRIND_MEMPOOL_ALLOC(&pool_anchor, chunk, 1024);           /* @CHUNK */
    char* first = chunk + 16;
    VALGRIND_MALLOCLIKE_BLOCK(first, 64, 0, 0);                  /* @FIRST */
    char* second = chunk + 128;
    VALGRIND_MALLOCLIKE_BLOCK(second, 32, 0, 0);                 /* @SECOND */
    memset(first, 1, 64);
    memset(second, 2, 32);
    g_first = first;
    g_cursor = chunk + 8;
    super = chunk = first = second = NULL;
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
