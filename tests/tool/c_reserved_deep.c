/* The upper bound without page tracking (issue 17 item 14): a JIT-like
   reservation of 256 MiB made PROT_NONE, of which 64 KiB are made
   accessible and written, and a main stack grown by about 1 MiB of
   recursion past its start-up extent.  Run with --track-access=no, the
   memory map's total must equal the tool's footprint (the grown stack
   counted on both sides), count only the reservation's accessible
   64 KiB, and be no lower than the default mode's estimate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define RESERVED (256 << 20)
#define OPENED (64 << 10)
#define DEPTH 1000

__attribute__((noinline)) static int recurse(int n)
{
    volatile char frame[1024];                          /* 1 KiB of stack per call */
    frame[0] = (char)n;
    return n == 0 ? frame[0] : recurse(n - 1) + frame[0];
}

int main(void)
{
    char* reserved = mmap(NULL, RESERVED, PROT_NONE,              /* @RESERVE */
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED || mprotect(reserved, OPENED, PROT_READ | PROT_WRITE) != 0)
        return 1;
    memset(reserved, 1, OPENED);
    recurse(DEPTH);
    printf("done\n");
    return 0;
}
