/* A heap of 200,000 blocks that grows while it churns, as an
   interpreter's does: every block kept comes with a temporary freed at
   once, so every step of growth ends in a release.  Then the heap is
   torn down.  Retaking the peak snapshot at every 2 % of growth would
   retake it about 35 times between --snapshot-min=4194304 and the
   peak; memattr snapshots a heap of more than 65,536 blocks where it
   starts to fall from its peak, or at the first release after it only
   grew (docs/accuracy.md, "When"; tests/tool/cases/snapshots.py,
   case_snapshot_churn).  KEPT and TEMPORARIES (per block kept) can be
   set when compiling (case_snapshot_churn_without_page_tracking). */
#include <stdio.h>
#include <stdlib.h>

#ifndef KEPT
#define KEPT 200000
#endif
#ifndef TEMPORARIES   /* freed at once, per block kept */
#define TEMPORARIES 1
#endif

int main(void)
{
   char** kept = malloc(KEPT * sizeof(char*));
   for (int i = 0; i < KEPT; i++) {
      kept[i] = malloc(32);                       /* @KEPT */
      kept[i][0] = (char)i;
      for (int t = 0; t < TEMPORARIES; t++) {
         char* temporary = malloc(16);
         temporary[0] = kept[i][0];
         free(temporary);
      }
   }
   for (int i = 0; i < KEPT; i++) free(kept[i]);
   free(kept);
   printf("done\n");
   return 0;
}
