/* One live block of 4,000,000 pointer-sized words, each pointing at the start or inside of
   one other block (case many_pointers): its snapshot record lists every pointer and is
   longer than any other kind of line may be (16 MiB; a version 5 `blocks` record of about
   19 MB, a version 4 `block` record of 45 MB), and memattr-graph must read the trace back
   (issue 13); the trace is big enough to show progress on a terminal.
   Expected: the target of 4096 bytes and the array of 32,000,000 bytes, both live at exit,
   which is the peak: 32,004,096 bytes in 2 blocks; 4,000,000 pointers; the array's site
   retains both blocks (only the array points at the target).
   No stdio: printf would allocate its buffer and blur the figures. */
#include <stdlib.h>
#include <unistd.h>

#define WORDS 4000000
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
