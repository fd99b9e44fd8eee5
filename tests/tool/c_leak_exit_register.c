/* The other side of c_leak_exit_stale.c: blocks whose only pointers are
   in callee-saved registers when exit is called.  __run_exit_handlers
   saves those registers on its frame (a store after exit was entered,
   in code the translator may have joined to exit's own), so the saved
   words are roots, for Memcheck and for memattr; a block whose pointers
   are only in a dead frame below is not.
   Expected, as Memcheck says: definitely lost 1,024 bytes in 1 block;
   still reachable 96 bytes in 2 blocks. */
#include <stdlib.h>
#include <unistd.h>

static void* volatile g_sink;

static __attribute__((noinline)) void spray(void* p)
{
    void* volatile copies[64];
    for (int i = 0; i < 64; i++) copies[i] = p;
    g_sink = copies[7];
}

int main(void)
{
    void* lost = malloc(1024);                               /* @STALE */
    spray(lost);
    g_sink = NULL;
    lost = NULL;
    register void* kept_a __asm__("r12") = malloc(64);       /* @IN_R12 */
    register void* kept_b __asm__("rbx") = malloc(32);       /* @IN_RBX */
    __asm__ volatile("" : : "r"(kept_a), "r"(kept_b));
    if (write(1, "done\n", 5) != 5) return 1;
    exit(0);
}
