/* Blocks whose usable bytes differ from their requested bytes: 1,000 blocks of 1 byte
   (24 usable each), 100 of 100 bytes (104 each), one of 200,000 bytes (a mapping of its
   own natively: 200,688 usable) and one of 135,145 bytes (its chunk plus header passes a
   page: 139,248 usable), all live at the peak. Natively (not under Valgrind, whose
   replacement malloc_usable_size returns the requested size) it prints what glibc's
   malloc_usable_size says of each group on stderr, for the test to hold memattr-graph's
   usable bytes at the peak against. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static void *small_blocks[1000], *medium_blocks[100];

int main(void)
{
    size_t small = 0, medium = 0;
    for (int i = 0; i < 1000; ++i) small_blocks[i] = malloc(1);     /* @small */
    for (int i = 0; i < 100; ++i) medium_blocks[i] = malloc(100);   /* @medium */
    void *large = malloc(200000);                                   /* @large */
    void *near_page = malloc(135145);                               /* @near_page */
    for (int i = 0; i < 1000; ++i) small += malloc_usable_size(small_blocks[i]);
    for (int i = 0; i < 100; ++i) medium += malloc_usable_size(medium_blocks[i]);
    fprintf(stderr, "usable small=%zu medium=%zu large=%zu near_page=%zu\n", small, medium,
            malloc_usable_size(large), malloc_usable_size(near_page));
    free(near_page);
    free(large);
    for (int i = 0; i < 100; ++i) free(medium_blocks[i]);
    for (int i = 0; i < 1000; ++i) free(small_blocks[i]);
    puts("done");
    return 0;
}
