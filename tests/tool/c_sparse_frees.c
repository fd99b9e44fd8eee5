/* A big block the program barely wrote costs what the program wrote, not its size
   (issue 13), when memattr reads it for a snapshot and when it clears it on free (with
   snapshots on, a freed block's bytes are cleared, so a later block's unwritten bytes
   read as zeros).  Both skip the pages the kernel holds nothing for, which read as zeros
   (or, to clear, the pages not written, with page tracking).  Counted in page faults, not
   time: reading or clearing a 64 MiB block byte by byte faults in every page of it, as
   touching it whole does.  The faults are the whole process's (getrusage), Valgrind's own
   included, so the figures printed are the second round's, after the first translated the
   code.  The snapshot must still find the pointer on a page that was written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "memattr.h"

#define BIG (64UL << 20)
#define MIB (1UL << 20)

void* volatile g_target;   /* a root, so the target is reachable either way */

static long minor_faults(void)
{
   struct rusage u;
   getrusage(RUSAGE_SELF, &u);
   return u.ru_minflt;
}

int main(void)
{
   long touching = 0, snapshotting = 0, freeing = 0;
   unsigned long checksum = 0;
   g_target = malloc(64);
   memset(g_target, 7, 64);
   for (int round = 0; round < 2; round++) {
      unsigned char* sparse = malloc(BIG);
      memset(sparse, 2, 64 * 1024);                  /* 16 pages, then one byte per MiB */
      for (unsigned long at = MIB; at < BIG; at += MIB) sparse[at] = (unsigned char)(at >> 20);
      *(void**)(sparse + BIG / 2 + 64) = g_target;   /* on a page written */
      checksum += sparse[BIG / 2];
      long before_snapshot = minor_faults();
      MEMATTR_SNAPSHOT("sparse");
      long before_free = minor_faults();
      free(sparse);
      snapshotting = before_free - before_snapshot;
      freeing = minor_faults() - before_free;

      unsigned char* whole = malloc(BIG);
      long before_touch = minor_faults();
      memset(whole, 1, BIG);
      touching = minor_faults() - before_touch;
      checksum += whole[BIG - 1];
      free(whole);
   }
   free(g_target);
   fprintf(stderr, "sparse_frees: touching 64 MiB: %ld faults; "
           "a snapshot of 64 MiB barely written: %ld faults; freeing it: %ld faults\n",
           touching, snapshotting, freeing);
   printf("done\n");
   return checksum == 0;   /* the checksum is never 0: the reads are kept */
}
