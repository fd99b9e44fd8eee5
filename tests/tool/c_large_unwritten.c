/* Large blocks are resident only where written (issue 14 item 3): a 64 MiB buffer of which
   4 MiB are written, and a 32 MiB calloc never written, live together at the footprint's
   peak; glibc maps both apart, so a native run holds about 4 MiB of them.  Then a 1 MiB
   buffer, written whole, is grown by realloc to 8 MiB: the copy writes its first MiB.
   What is never written of the first two is memory reserved and never written: a finding
   at each line, and their culprits count the written pages only. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define MiB (1024 * 1024)

int main(void)
{
   char* big = malloc(64 * MiB);   /* @BIG */
   memset(big, 1, 4 * MiB);
   char* zeroed = calloc(32, MiB);   /* @ZEROED */
   char* grown = malloc(1 * MiB);
   memset(grown, 2, 1 * MiB);
   grown = realloc(grown, 8 * MiB);
   void* peak_marker = malloc(16);
   free(peak_marker);
   free(grown);
   free(zeroed);
   free(big);
   printf("done\n");
   return 0;
}
