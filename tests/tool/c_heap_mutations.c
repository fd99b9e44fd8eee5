/* A heap that grows while it changes, for retaken peak snapshots (issue 13 item 1): about
   150 retakes as 20,000 list nodes are added.  Between two retakes: nodes are freed while
   an unchanged neighbour still points at them (a dangling pointer, then a pointer into
   whichever new block takes the address), freed addresses are reused, old nodes are
   written to point into new blocks, and a growing array of every node is rewritten.  A
   4 MiB mapping (roots, as a collector's heap is) gets a pointer to each node, one page
   after another, and keeps those to freed nodes (which then point into whatever block
   takes the address); half of it is mapped anew halfway.  Run with --snapshot-check=yes,
   every retake is compared with a full scan at that moment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NODES 20000

struct node {
   struct node* next;    /* the previous node: left dangling when that one is freed */
   void*        other;   /* a block allocated later */
   char         text[40];
};

static struct node* new_node(struct node* next)
{
   struct node* n = malloc(sizeof *n);
   n->next = next;
   n->other = NULL;
   memset(n->text, 'a' + (int)((size_t)next % 26), sizeof n->text);
   return n;
}

int main(void)
{
   struct node** all = calloc(NODES, sizeof *all);
   void** mapped = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
   if (mapped == MAP_FAILED) return 1;
   void* other_kind = NULL;
   for (int i = 0; i < NODES; i++) {
      all[i] = new_node(i ? all[i - 1] : NULL);
      mapped[(i * 67) % ((4 << 20) / sizeof(void*))] = all[i];   /* 536 bytes apart */
      if (i == NODES / 2) {   /* its second half mapped anew: its pointers are gone */
         void* again = mmap((char*)mapped + (2 << 20), 2 << 20, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
         if (again == MAP_FAILED) return 1;
      }
      if (i % 7 == 3 && i > 100 && all[i - 50]) {   /* all[i - 49]->next now dangles */
         free(all[i - 50]);
         all[i - 50] = NULL;
      }
      if (i % 11 == 5 && i > 200) {                 /* likely at a freed node's address */
         struct node* reused = new_node(NULL);
         if (all[i - 150]) all[i - 150]->other = reused;
      }
      if (i % 97 == 0) {                            /* a block of another size, replaced */
         free(other_kind);
         other_kind = malloc(200 + i % 300);
         memset(other_kind, 0, 200);
         *(void**)other_kind = all[i / 2];
      }
      free(malloc(16));                             /* a release: where retakes happen */
   }
   free(other_kind);
   printf("done\n");
   return 0;
}
