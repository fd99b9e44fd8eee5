/* A block whose last pointers are in a dead frame that glibc's exit path
   reuses: main returns, and the frames of exit and __run_exit_handlers
   lie where spray's array was, with slots they never write (an
   alignment slot, locals of paths not taken) still holding the pointer.
   Memcheck knows those words are undefined and finds no root: the
   block is definitely lost, and memattr must not count the stale words
   as roots either.  An atexit handler runs in between (stdio).
   Expected, as Memcheck says: definitely lost 1,024 bytes in 1 block;
   still reachable 64 bytes in 1 block (g_kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void* g_kept;
static void* volatile g_sink;

/* Fills a frame below main's with copies of `p`, then returns. */
static __attribute__((noinline)) void spray(void* p)
{
    void* volatile copies[64];
    for (int i = 0; i < 64; i++) copies[i] = p;
    g_sink = copies[7];
}

static void say_done(void)
{
    puts("done");
}

int main(void)
{
    atexit(say_done);
    g_kept = malloc(64);                                     /* @KEPT */
    char* lost = malloc(1024);                               /* @STALE */
    memset(lost, 1, 1024);
    spray(lost);
    g_sink = NULL;
    lost = NULL;
    return lost != NULL;
}
