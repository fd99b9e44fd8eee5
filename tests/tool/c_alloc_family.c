/* Every C allocation entry point the tool replaces, with exact sizes;
   expected values in test_tool.py (case c_alloc_family). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char* why)
{
    if (write(2, why, strlen(why)) < 0) return 2;
    return 1;
}

int main(int argc, char** argv)
{
    /* With --check-usable, also insist that malloc_usable_size gives the
       requested size (memattr's rule; Massif gives the arena's size). */
    int check_usable = argc > 1 && strcmp(argv[1], "--check-usable") == 0;
    void* m = memalign(256, 300);                    /* @MEMALIGN */
    void* p = NULL;
    if (posix_memalign(&p, 128, 200) != 0) return fail("posix_memalign\n");   /* @POSIX */
    void* al = aligned_alloc(64, 640);               /* @ALIGNED */
    void* v = valloc(100);                           /* @VALLOC */
    void* z = malloc(0);                             /* @ZERO: counts 0 bytes */
    char* r = realloc(NULL, 50);                     /* @REALLOCNULL */
    if (((uintptr_t)m % 256) || ((uintptr_t)p % 128) || ((uintptr_t)al % 64)
        || ((uintptr_t)v % 4096))
        return fail("misaligned block\n");
    if (check_usable && malloc_usable_size(r) != 50)
        return fail("usable size is not the requested size\n");
    if (!z) return fail("malloc(0) returned NULL\n");
    /* live here: 300 + 200 + 640 + 100 + 0 + 50 = 1290 bytes in 6 blocks (the peak) */
    free(m); free(p); free(al); free(v); free(z); free(r);
    free(NULL);                                      /* not a free of anything */
    char* d = malloc(10);                            /* @DOUBLE */
    free(d);
    free(d);                                         /* double free: ignored, counted */
    volatile size_t huge = (size_t)1 << 62;         /* volatile: no compile-time warning */
    if (calloc(huge, 16) != NULL) return fail("calloc overflow not caught\n");
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
