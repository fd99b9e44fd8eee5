/* Copy lineage in C.
   - CLONE: a buffer memcpy'd into a new one, the original never read
     again and freed only at the end: a clone that could be a move.
     Known answer: 300000 bytes of original live at the peak.
   - READ_AFTER: a copy whose source is read afterwards: a legitimate copy.
   - REALLOC: a buffer grown by realloc until it moves: relocation.
   - MOVE_BY_COPY: memcpy then free of the original at once: relocation.
   - NEVER_READ: a table written and never read: never read (64000 bytes).
   - LOOP_CLONE: an element-by-element copy loop (an inline copy, no
     memcpy call), original never read again: could be a move (40000 bytes).
   - REP_CLONE: `rep movsq`, what compilers emit for a constant-size
     memcpy: could be a move (16384 bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(char* p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (char)(i * 7 + seed);
}

static long sum(const char* p, size_t n)
{
    long s = 0;
    for (size_t i = 0; i < n; i++) s += p[i];
    return s;
}

int main(int argc, char** argv)
{
    size_t n = 300000 + (size_t)argc - 1;   /* not a constant: memcpy stays a call */
    char* original = malloc(n);                         /* @ORIGINAL */
    fill(original, n, 1);
    char* clone = malloc(n);                            /* @CLONE_ALLOC */
    memcpy(clone, original, n);                         /* @CLONE */

    char* kept = malloc(5000);                          /* @KEPT_ALLOC */
    fill(kept, 5000, 2);
    char* snapshot = malloc(5000);
    memcpy(snapshot, kept, 5000);                       /* @READ_AFTER */
    fill(kept, 100, 3);
    long s = sum(kept, 5000) + sum(snapshot, 5000);

    char* grown = malloc(1000);
    fill(grown, 1000, 4);
    char* spacer = malloc(16);                          /* keeps realloc from growing in place */
    grown = realloc(grown, 200000);                     /* @REALLOC */
    s += sum(grown, 1000);

    char* old = malloc(4000);
    fill(old, 4000, 5);
    char* moved = malloc(4000);
    memcpy(moved, old, 4000);                           /* @MOVE_BY_COPY */
    free(old);
    s += sum(moved, 4000);

    int* table = malloc(16000 * sizeof(int));           /* @NEVER_READ */
    for (int i = 0; i < 16000; i++) table[i] = i * i;

    int* ints = malloc(10000 * sizeof(int));            /* @LOOP_ORIGINAL */
    for (int i = 0; i < 10000; i++) ints[i] = i;
    int* ints_copy = malloc(10000 * sizeof(int));
    for (int i = 0; i < 10000; i++)
        ints_copy[i] = ints[i];                         /* @LOOP_CLONE */

    long* words = malloc(2048 * sizeof(long));          /* @REP_ORIGINAL */
    for (int i = 0; i < 2048; i++) words[i] = i;
    long* words_copy = malloc(2048 * sizeof(long));
    {
        void* d = words_copy;
        const void* src = words;
        unsigned long count = 2048;
        __asm__ volatile("rep movsq"                    /* @REP_CLONE */
                         : "+D"(d), "+S"(src), "+c"(count) : : "memory");
    }

    for (int i = 0; i < 10000; i++) s += ints_copy[i];
    for (int i = 0; i < 2048; i++) s += words_copy[i];
    s += sum(clone, n);                                 /* the clone is used; the original never again */
    if (s == 42) puts("unlikely");
    free(words_copy);
    free(words);
    free(ints_copy);
    free(ints);
    free(table);
    free(moved);
    free(spacer);
    free(grown);
    free(snapshot);
    free(kept);
    free(clone);
    free(original);
    puts("done");
    return 0;
}
