/* A mapping's whole history, each call from a line of its own:
   reserved 64 MiB (PROT_NONE), its tail unmapped down to 4 MiB, made
   readable and writable, grown in place by mremap to 8 MiB, then moved
   and grown by mremap to 16 MiB (a page mapped right after it stops it
   growing in place).  A second mapping of two pages is shrunk and grown
   back by mremap 10 times over, 21 changes in all: more than the tool
   keeps of one region's history.

   It prints the addresses on stderr, which the test compares with the
   memory map at the footprint's peak (both regions are written last and
   unmapped only after):
     history arena=0x.. size=.. looped=0x.. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { MiB = 1024 * 1024, PAGE = 4096, LOOPS = 10 };

static void fail(const char* what)
{
   perror(what);
   _exit(1);
}

static char* arena_history(void)
{
   char* p = mmap(NULL, 64 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);   /* @RESERVE */
   if (p == MAP_FAILED) fail("mmap");
   if (munmap(p + 4 * MiB, 60 * MiB) != 0) fail("munmap");   /* @TRIM */
   if (mprotect(p, 4 * MiB, PROT_READ | PROT_WRITE) != 0) fail("mprotect");   /* @PROTECT */
   if (mremap(p, 4 * MiB, 8 * MiB, 0) != p) fail("mremap in place");   /* @GROW */
   if (mmap(p + 8 * MiB, PAGE, PROT_NONE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
      fail("mmap fence");
   char* moved = mremap(p, 8 * MiB, 16 * MiB, MREMAP_MAYMOVE);   /* @MOVE */
   if (moved == MAP_FAILED || moved == p) fail("mremap move");
   return moved;
}

static char* looped_history(void)
{
   char* p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);   /* @LOOP_MAP */
   if (p == MAP_FAILED) fail("mmap");
   for (int i = 0; i < LOOPS; i++) {
      if (mremap(p, 2 * PAGE, PAGE, 0) != p) fail("mremap shrink");   /* @LOOP_SHRINK */
      if (mremap(p, PAGE, 2 * PAGE, 0) != p) fail("mremap grow");   /* @LOOP_GROW */
   }
   return p;
}

int main(void)
{
   char* arena = arena_history();
   char* looped = looped_history();
   memset(arena, 'x', 16 * MiB);
   memset(looped, 'x', 2 * PAGE);
   fprintf(stderr, "history arena=%p size=%d looped=%p\n", (void*)arena, 16 * MiB, (void*)looped);
   munmap(arena, 16 * MiB);
   munmap(looped, 2 * PAGE);
   printf("done\n");
   return 0;
}
