/* A stale pointer in a recycled big block (issue 13 item 1): a 1 MiB block (Valgrind's
   arena keeps it in a 4 MiB superblock, so the next one of its size takes its place) holds
   a pointer to a live 64-byte target in its middle, and is freed; the next 1 MiB block,
   at the same address, has only its first bytes written.  Its snapshot must show no
   pointer to the target: the bytes it never wrote are not its own.  (The tool clears only
   the pages a freed block's program wrote; a stale word there would read as an edge.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memattr.h"

#define BIG (1024 * 1024)

void* volatile g_target;   /* a root, so the target is reachable either way */

int main(void)
{
   g_target = malloc(64);
   memset(g_target, 7, 64);
   char* first = malloc(BIG);
   memset(first, 1, 64);
   *(void**)(first + BIG / 2) = g_target;              /* in a page of its own */
   *(void**)(first + BIG - 3 * sizeof(void*)) = g_target;   /* near its end */
   free(first);
   char* second = malloc(BIG);
   if (second != first) {
      printf("the big block was not recycled: the test proves nothing\n");
      return 1;
   }
   memset(second, 2, 64);
   MEMATTR_SNAPSHOT("recycled");
   free(second);
   free(g_target);
   printf("done\n");
   return 0;
}
