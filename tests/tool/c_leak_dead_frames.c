/* A block leaked deep inside calls that have returned: the pointer to it
   is still in the dead stack frames below the stack pointer, where
   Memcheck does not look (it is not addressable) and neither may memattr.
   Nothing scrubs the stack.  Expected, as Memcheck says: definitely lost
   100 bytes in 1 block; still reachable 64 bytes in 1 block (g_kept). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void* g_kept;

static __attribute__((noinline)) int deep(int n)
{
    volatile char pad[64];
    pad[0] = (char)n;
    if (n == 0) {
        char* lost = malloc(100);                            /* @DEAD_FRAME */
        memset(lost, 1, 100);
        return lost[0];
    }
    return deep(n - 1) + pad[0];
}

int main(void)
{
    g_kept = malloc(64);                                     /* @KEPT */
    deep(20);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
