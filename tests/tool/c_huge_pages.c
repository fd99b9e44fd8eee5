/* A heap of 300,000 live blocks, with a pointer in each (a linked
   list), then a look at the process's own memory map: under Valgrind
   /proc/self/smaps is the tool's process, so it shows the mappings of
   memattr's big arrays too.  memattr asks for transparent huge pages
   on its pools of block nodes (past their first 16 MiB) and on its
   snapshot arrays (memattr/ma_bigmem.h), so some mappings carry the
   'hg' flag.  Prints on stderr the kibibytes so marked, and those on
   huge pages now (tests/tool/cases/snapshots.py, case_huge_pages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 300000

struct node { struct node* next; char text[40]; };

/* Sum of the 'Size:' of mappings whose VmFlags has 'hg', and of
   'AnonHugePages:' over all mappings. */
static void report_marked(void)
{
   FILE* smaps = fopen("/proc/self/smaps", "r");
   if (!smaps) { fprintf(stderr, "huge_pages: no /proc/self/smaps\n"); return; }
   char line[512];
   long size = 0, marked = 0, anon_huge = 0, value;
   while (fgets(line, sizeof line, smaps)) {
      if (sscanf(line, "Size: %ld kB", &value) == 1) size = value;
      else if (sscanf(line, "AnonHugePages: %ld kB", &value) == 1) anon_huge += value;
      else if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " hg")) marked += size;
   }
   fclose(smaps);
   fprintf(stderr, "huge_pages: marked_kib=%ld anon_huge_kib=%ld\n", marked, anon_huge);
}

int main(void)
{
   struct node* head = NULL;
   for (int i = 0; i < BLOCKS; i++) {
      struct node* n = malloc(sizeof *n);          /* @NODE */
      n->next = head;
      snprintf(n->text, sizeof n->text, "node %d", i);
      head = n;
   }
   report_marked();
   while (head) {
      struct node* next = head->next;
      free(head);
      head = next;
   }
   printf("done\n");
   return 0;
}
