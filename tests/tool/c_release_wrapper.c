/* free() called through the program's own wrapper (my_free): the wrapper and its callers
   are the program's code, so at the peak snapshot, taken inside the first free after the
   peak, only the tool's free is the release chain. The list being freed is held by
   free_all's and my_free's frames at that call: it stays reachable, owned by their stack
   words, not dropped with the chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NODES = 64 };

struct node {
    struct node* next;
    char payload[4000];
};

static struct node* g_list;

__attribute__((noinline)) static void build_list(void) {
    for (int i = 0; i < NODES; i++) {
        struct node* n = malloc(sizeof *n);                 /* @NODE */
        memset(n->payload, 'a' + i % 26, sizeof n->payload);
        n->next = g_list;
        g_list = n;
    }
}

__attribute__((noinline)) void my_free(void* p) {
    free(p);
}

/* The list is let go of before it is freed: from then on only this frame holds it. */
__attribute__((noinline)) static int free_all(void) {
    struct node* n = g_list;
    g_list = NULL;
    int freed = 0;
    while (n) {
        struct node* next = n->next;
        my_free(n);   /* the first release after the peak: the peak snapshot */
        n = next;
        freed++;
    }
    return freed;
}

int main(void) {
    build_list();
    printf(free_all() == NODES ? "done\n" : "wrong\n");
    return 0;
}
