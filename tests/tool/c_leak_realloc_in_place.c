/* A pointer kept from before a realloc.  The block (64 bytes) shrinks to 32
   bytes, which memattr's realloc does in place, as glibc's does, and
   Memcheck's never does (it always moves).  g_before keeps the address from
   before the realloc; the program keeps the new block only by g_inside, 8
   bytes into it.  Under Memcheck g_before points at freed memory and the
   block is possibly lost (32 bytes in 1 block); under memattr g_before
   still points at the block's start, so it is still reachable, and the leak
   report says why the two differ (1 block resized in place).

   With an argument, a 1 MiB block is allocated and freed first: its release
   takes the peak snapshot, so the exit snapshot is retaken from it (the
   resized block is one allocated since) and must count the block too. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char* g_before;
char* g_inside;

__attribute__((noinline)) static void shrink(void)
{
    char* block = malloc(64);                                   /* @BEFORE */
    memset(block, 1, 64);
    g_before = block;
    char* smaller = realloc(block, 32);                         /* @REALLOC */
    g_inside = smaller + 8;
}

int main(int argc, char** argv)
{
    (void)argv;
    if (argc > 1) {
        char* big = malloc(1 << 20);
        memset(big, 2, 1 << 20);
        free(big);
    }
    shrink();
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
