/* A heap block held only by a local of a frame 100 calls deep when a snapshot is taken
   (case deep_stack_root): the stack root's frame and its callers are more than --num-callers
   frames, and naming the root once made Valgrind assert (record_ExeContext_wrk2: n_ips <=
   VG_(clo_backtrace_size)) and lose the run, as a Python program's deep stack did.
   Expected: the run ends normally; the snapshot "deep" has a stack root pointing at the
   block of 4096 bytes (@HELD), named by a frame of this file. */
#include <stdlib.h>
#include <unistd.h>
#include <memattr.h>

#define DEPTH 100

static int descend(int depth)
{
   if (depth == 0) {
      char* volatile held = malloc(4096);               /* @HELD */
      held[0] = 1;
      MEMATTR_SNAPSHOT("deep");
      int first = held[0];
      free(held);
      return first;
   }
   return descend(depth - 1) + (depth & 1);  /* not a tail call: each frame stays */
}

int main(void)
{
   int sum = descend(DEPTH);
   if (write(1, "done\n", 5) != 5) return 1;
   return sum == 51 ? 0 : 2;
}
