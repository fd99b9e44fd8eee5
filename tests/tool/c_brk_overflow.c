/* glibc's heap past Valgrind's brk limit (issue 17 item 16): under
   --malloc=wrap, 40,000 blocks of 400 bytes (16 MB) outgrow Valgrind's
   8 MiB brk segment; brk is refused ("brk segment overflow") and glibc's
   malloc maps memory for its main arena instead.  Those mappings are the
   brk heap's continuation; the 2 MiB block glibc maps on its own is not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BLOCKS 40000
#define SMALL_BYTES 400
#define LARGE_BYTES (2 << 20)

static void* small[SMALL_BLOCKS];

int main(void)
{
    for (int i = 0; i < SMALL_BLOCKS; i++) {
        small[i] = malloc(SMALL_BYTES);                 /* @SMALL */
        memset(small[i], 1, SMALL_BYTES);
    }
    char* large = malloc(LARGE_BYTES);                  /* @LARGE */
    memset(large, 2, LARGE_BYTES);
    printf("done\n");
    return 0;
}
