/* Leaks at exit in C: cycles, chains and roots outside .data.
   - RING: a lost ring of 3 blocks of 40 bytes: one definitely lost (the
     lowest in address), two indirectly lost.
   - LIST_HEAD: a lost 24-byte head pointing at a doubly linked list of 4
     nodes of 56 bytes (LIST_NODE): the head definitely lost, the nodes
     indirectly lost.
   - ZERO: a lost malloc(0): 0 bytes in 1 block definitely lost.
   - PAST_END: a 72-byte block only a pointer just past its end refers to
     (no pointer into it): definitely lost.
   - MAPPED: a 128-byte block whose only pointer lives in an anonymous mmap:
     still reachable (Memcheck scans client mappings as roots).
   - TAIL_ONLY: a list of 3 blocks of 88 bytes reached only through a
     pointer 16 bytes into its first node (not 8: Memcheck's newarray and
     length64 heuristics look at pointers 8 bytes in): all 3 possibly lost; the first
     node points back at a 16-byte SHARED block that g_shared also points at:
     still reachable.
   Known answer: definitely lost 40 + 24 + 0 + 72 = 136 bytes in 4 blocks,
   indirectly lost 80 + 224 = 304 bytes in 6 blocks, possibly lost 264
   bytes in 3 blocks, still reachable 144 bytes in 2 blocks.
   Like c_leaks.c, main scrubs the stack the helpers used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct node {
    struct node* next;
    struct node* prev;
    char payload[40];
};

struct list_head {
    struct node* first;
    long count;
    long generation;
};

struct chain {
    struct chain* next;
    char* shared;
    char payload[72];
};

char* g_past_end;
char* g_tail_interior;
char* g_shared;

__attribute__((noinline)) static void leak_ring(void)
{
    void** a = malloc(40);                                  /* @RING */
    void** b = malloc(40);                                  /* @RING */
    void** c = malloc(40);                                  /* @RING */
    memset(a, 0, 40);
    memset(b, 0, 40);
    memset(c, 0, 40);
    a[0] = b;
    b[0] = c;
    c[0] = a;
}

__attribute__((noinline)) static void leak_list(void)
{
    struct list_head* head = malloc(sizeof *head);          /* @LIST_HEAD */
    head->first = NULL;
    head->count = 4;
    head->generation = 1;
    struct node* last = NULL;
    for (int i = 0; i < 4; i++) {
        struct node* n = malloc(sizeof *n);                 /* @LIST_NODE */
        memset(n->payload, 'n', sizeof n->payload);
        n->next = NULL;
        n->prev = last;
        if (last) last->next = n; else head->first = n;
        last = n;
    }
}

__attribute__((noinline)) static void leak_odd_ones(void)
{
    char* zero = malloc(0);                                 /* @ZERO */
    (void)zero;
    char* block = malloc(72);                               /* @PAST_END */
    memset(block, 'p', 72);
    g_past_end = block + 72;
}

__attribute__((noinline)) static void keep_in_mapping(void)
{
    char** page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) abort();
    page[10] = malloc(128);                                 /* @MAPPED */
    memset(page[10], 'm', 128);
}

__attribute__((noinline)) static void keep_tail_interior(void)
{
    g_shared = malloc(16);                                  /* @SHARED */
    memset(g_shared, 's', 16);
    struct chain* first = NULL;
    for (int i = 0; i < 3; i++) {
        struct chain* c = malloc(sizeof *c);                /* @TAIL_ONLY */
        memset(c->payload, 'c', sizeof c->payload);
        c->shared = i == 0 ? g_shared : NULL;
        c->next = first;
        first = c;
    }
    g_tail_interior = (char*)first + 16;
}

__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char scratch[8192];
    memset((char*)scratch, 0, sizeof scratch);
}

int main(void)
{
    leak_ring();
    leak_list();
    leak_odd_ones();
    keep_in_mapping();
    keep_tail_interior();
    scrub_stack();
    printf("done\n");
    return 0;
}
