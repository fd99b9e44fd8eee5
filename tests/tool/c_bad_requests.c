/* Wrong custom-allocator annotations: memattr warns, counts and ignores
   them, and the program runs on. */
#include <stdio.h>
#include <valgrind/valgrind.h>

static char arena[4096];
static int pool, unknown_pool;

int main(void)
{
   VALGRIND_FREELIKE_BLOCK(arena + 16, 0);                   /* never announced */
   VALGRIND_MEMPOOL_ALLOC(&unknown_pool, arena, 64);         /* no such pool */
   VALGRIND_CREATE_MEMPOOL(&pool, 0, 0);
   VALGRIND_CREATE_MEMPOOL(&pool, 0, 0);                     /* twice */
   VALGRIND_MALLOCLIKE_BLOCK(arena, 100, 0, 0);
   VALGRIND_RESIZEINPLACE_BLOCK(arena, 99, 200, 0);          /* wrong old size */
   VALGRIND_MEMPOOL_FREE(&pool, arena + 512);                /* not a chunk */
   VALGRIND_FREELIKE_BLOCK(arena, 0);
   VALGRIND_DESTROY_MEMPOOL(&pool);
   printf("done\n");
   return 0;
}
