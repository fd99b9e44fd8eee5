/* A stale pointer in a recycled big block (issue 13 item 1): a 1 MiB block (Valgrind's
   arena keeps it in a 4 MiB superblock, so the next one of its size takes its place) holds
   a pointer to a live 64-byte target in its middle, and is freed; the next 1 MiB block,
   at the same address, has only its first bytes written.  Its snapshot must show no
   pointer to the target: the bytes it never wrote are not its own.  (The tool clears only
   the pages a freed block's program wrote; a stale word there would read as an edge.)
   With IN_FORK_CHILD the parent first frees a 256 KiB block (so the tool has opened the
   kernel's page table, which it reads to clear, without page tracking, only the pages
   the kernel holds), then forks, and the child runs the test: a page table the parent
   opened shows the parent's pages, in which the child's new block is not even mapped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memattr.h"

#define BIG (1024 * 1024)

void* volatile g_target;   /* a root, so the target is reachable either way */

/* The test; 0 when it could run. */
static int recycle(void)
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
   /* Read directly too: a snapshot skips the pages the kernel holds nothing for, so a page
      the tool failed to clear could also go unread there, hiding the failure. */
   if (*(void* volatile*)(second + BIG / 2) != NULL) {
      printf("the stale pointer is still in the recycled block\n");
      return 1;
   }
   MEMATTR_SNAPSHOT("recycled");
   free(second);
   free(g_target);
   return 0;
}

int main(void)
{
#ifdef IN_FORK_CHILD
   char* warm_up = malloc(256 * 1024);
   memset(warm_up, 3, 256 * 1024);
   free(warm_up);
   fflush(stdout);
   pid_t child = fork();
   if (child < 0) return 1;
   if (child == 0) _exit(recycle());
   int status;
   if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return 1;
#else
   if (recycle() != 0) return 1;
#endif
   printf("done\n");
   return 0;
}
