/* memattr benchmark workload: big blocks allocated, barely written and freed in a loop
   (issue 13: with snapshots on, freed memory used to be cleared byte by byte, 144 GB of
   it in one program).  Nothing may cost in proportion to the bytes freed.
   Build: gcc -O2 -o c_big_frees c_big_frees.c
   Run:   ./c_big_frees [rounds]   (default 2000: 2000 blocks of 64 MiB, 128 GiB freed)
   Prints a checksum so runs under each tool can be compared with the native one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (64UL << 20)

int main(int argc, char** argv)
{
   int rounds = argc > 1 ? atoi(argv[1]) : 2000;
   unsigned long checksum = 0;
   void* keep = malloc(256 * 1024);   /* a live heap, so there is a peak snapshot */
   memset(keep, 1, 256 * 1024);
   for (int r = 0; r < rounds; r++) {
      unsigned char* big = malloc(BLOCK);
      memset(big, r & 0xff, 64 * 1024);                 /* its first 64 KiB */
      for (unsigned long at = 1UL << 20; at < BLOCK; at += 1UL << 20)
         big[at] = (unsigned char)(at >> 20);          /* one byte per MiB */
      checksum = checksum * 31 + big[r % 1024] + big[BLOCK / 2];
      free(big);
   }
   free(keep);
   printf("c_big_frees rounds=%d checksum=%lx\n", rounds, checksum);
   return 0;
}
