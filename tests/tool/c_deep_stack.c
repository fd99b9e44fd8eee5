/* A heap snapshot taken 200 calls deep (tests/tool/cases/ownership.py,
   deep_stack_roots): the block allocated at the bottom is held by a
   stack word of a frame whose stack is far deeper than --num-callers
   (24), as in an interpreter's recursion.  The snapshot names that root
   by a stack of at most --num-callers frames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH 200
#define SIZE  (256 * 1024)

static char* volatile keep;   /* the block stays live to the end */

__attribute__((noinline)) static int descend(int depth)
{
   if (depth == 0) {
      char* volatile held = malloc(SIZE);   /* @HELD */
      memset(held, 1, SIZE);
      free(malloc(16));   /* a release at the peak: the peak snapshot */
      keep = held;
      return held[0];
   }
   return descend(depth - 1) + 1;
}

int main(void)
{
   int r = descend(DEPTH);
   free(keep);
   if (r != DEPTH + 1) return 1;
   puts("done");
   return 0;
}
