/* One live block of 2,000,000 pointer-sized words, each pointing at the start or inside of
   one other block (case many_pointers): its snapshot `block` record lists every pointer and
   is about 22 MB long, longer than any other kind of line may be, and memattr-graph must
   read the trace back (issue 13).
   Expected: the target of 4096 bytes and the array of 16,000,000 bytes, both live at exit,
   which is the peak: 16,004,096 bytes in 2 blocks; 2,000,000 pointers; the array's site
   retains both blocks (only the array points at the target).
   No stdio: printf would allocate its buffer and blur the figures. */
#include <stdlib.h>
#include <unistd.h>

#define WORDS 2000000
#define TARGET_BYTES 4096

static void** array;

/* Keeps the target's address out of main's frame, so that only the array points at it. */
static void fill_array(void)
{
    char* target = malloc(TARGET_BYTES);                /* @TARGET */
    for (long i = 0; i < WORDS; i++)
        array[i] = target + (i % (TARGET_BYTES / 8)) * 8;  /* its start or a word inside */
}

int main(void)
{
    array = malloc(WORDS * sizeof(void*));              /* @ARRAY */
    fill_array();
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
