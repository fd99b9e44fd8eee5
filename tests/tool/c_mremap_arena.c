/* A bump arena grown by mremap doubling: 4 -> 8 -> 16 -> 32 MiB, growing
   whenever it is more than half full, filled with about 12 MiB of
   4000-byte objects.  Built twice: plain, and with -DANNOTATE, where the
   arena announces each object with VALGRIND_MALLOCLIKE_BLOCK (and again
   at its new address when mremap moves the arena).

   It prints its own figures on stderr, which the test compares with the
   memory map memattr records at the footprint's peak:
     arena mapped=.. written=.. used=.. objects=.. growth=a,b,c,d */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef ANNOTATE
#include <valgrind/valgrind.h>
#endif

enum { OBJECT = 4000, TARGET = 12 * 1024 * 1024, PAGE = 4096 };

static struct {
   char*  base;
   size_t size, used;
   size_t growth[8];
   int    n_growths;
   char*  objects[TARGET / OBJECT + 1];
   int    n_objects;
} arena;

static void arena_init(size_t size)
{
   int flags = MAP_PRIVATE | MAP_ANONYMOUS;
   arena.base = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);   /* @ARENA_MAP */
   if (arena.base == MAP_FAILED) { perror("mmap"); _exit(1); }
   arena.size = size;
   arena.growth[arena.n_growths++] = size;
   /* A page mapped right after the arena makes its first growth move
      it (mremap cannot grow in place); later growths may stay. */
   void* fence = mmap(arena.base + size, PAGE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
   if (fence == MAP_FAILED) fence = NULL;
}

static void arena_grow(void)
{
   char* old = arena.base;
   char* moved = mremap(arena.base, arena.size, 2 * arena.size, MREMAP_MAYMOVE);
   if (moved == MAP_FAILED) { perror("mremap"); _exit(1); }
   arena.base = moved;
   arena.size *= 2;
   arena.growth[arena.n_growths++] = arena.size;
   for (int i = 0; i < arena.n_objects; i++) {
      char* now = moved + (arena.objects[i] - old);
#ifdef ANNOTATE
      if (moved != old) {
         VALGRIND_FREELIKE_BLOCK(arena.objects[i], 0);
         VALGRIND_MALLOCLIKE_BLOCK(now, OBJECT, 0, 0);
      }
#endif
      arena.objects[i] = now;
   }
}

static __attribute__((noinline)) char* arena_alloc(size_t n)
{
   if (2 * (arena.used + n) > arena.size) arena_grow();
   char* p = arena.base + arena.used;
   arena.used += n;
#ifdef ANNOTATE
   VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, 0);
#endif
   return p;
}

int main(void)
{
   arena_init(4 * 1024 * 1024);
   while (arena.used + OBJECT <= TARGET) {
      char* p = arena_alloc(OBJECT);
      memset(p, 'x', OBJECT);
      arena.objects[arena.n_objects++] = p;
   }
   size_t written = (arena.used + PAGE - 1) / PAGE * PAGE;
   fprintf(stderr, "arena mapped=%zu written=%zu used=%zu objects=%d growth=",
           arena.size, written, arena.used, arena.n_objects);
   for (int i = 0; i < arena.n_growths; i++)
      fprintf(stderr, "%s%zu", i ? "," : "", arena.growth[i]);
   fprintf(stderr, "\n");
#ifdef ANNOTATE
   for (int i = 0; i < arena.n_objects; i++) VALGRIND_FREELIKE_BLOCK(arena.objects[i], 0);
#endif
   munmap(arena.base, arena.size);
   printf("done\n");
   return 0;
}
