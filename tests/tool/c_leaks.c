/* Leaks at exit in C, one of each Memcheck category (requested bytes):
   - DIRECT: a 100-byte block nothing points to: definitely lost.
   - PARENT: a 48-byte block nothing points to, holding the only pointers to
     CHILD_A (200 bytes) and CHILD_B (300 bytes): the parent is definitely
     lost, the children indirectly lost.
   - INTERIOR: a 400-byte block only g_interior points into (16 bytes in):
     possibly lost; it holds the only (start) pointer to INTERIOR_CHILD
     (50 bytes), which is therefore possibly lost too.
   - KEPT: a 64-byte block g_kept points at, holding the only pointer to
     KEPT_CHILD (32 bytes): both still reachable.
   Known answer: definitely lost 148 bytes in 2 blocks, indirectly lost 500
   in 2, possibly lost 450 in 2, still reachable 96 in 2.

   The blocks are made in functions that return before main scrubs the stack
   they used: Memcheck skips dead stack words (below the stack pointer, or not
   written since their frame was pushed), and a scan that read a stale copy
   of a lost pointer there would call the block reachable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parent {
    char* a;
    char* b;
    char tag[32];
};

char* g_interior;
char* g_kept;

__attribute__((noinline)) static void leak_direct(void)
{
    char* p = malloc(100);                                  /* @DIRECT */
    memset(p, 'd', 100);
}

__attribute__((noinline)) static void leak_parent(void)
{
    struct parent* p = malloc(sizeof *p);                   /* @PARENT */
    p->a = malloc(200);                                     /* @CHILD_A */
    p->b = malloc(300);                                     /* @CHILD_B */
    memset(p->a, 'a', 200);
    memset(p->b, 'b', 300);
    memset(p->tag, 't', sizeof p->tag);
}

__attribute__((noinline)) static void keep_interior(void)
{
    char* block = malloc(400);                              /* @INTERIOR */
    memset(block, 'i', 400);
    char* child = malloc(50);                               /* @INTERIOR_CHILD */
    memset(child, 'c', 50);
    memcpy(block + 64, &child, sizeof child);
    g_interior = block + 16;
}

__attribute__((noinline)) static void keep_reachable(void)
{
    g_kept = malloc(64);                                    /* @KEPT */
    memset(g_kept, 'k', 64);
    char* child = malloc(32);                               /* @KEPT_CHILD */
    memset(child, 'c', 32);
    memcpy(g_kept, &child, sizeof child);
}

/* Overwrites the stack the functions above used. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char scratch[8192];
    memset((char*)scratch, 0, sizeof scratch);
}

int main(void)
{
    leak_direct();
    leak_parent();
    keep_interior();
    keep_reachable();
    scrub_stack();
    printf("done\n");
    return 0;
}
