/* Allocates through libownalloc.so (c_own_allocator_lib.c), a malloc
   that is not libc's: 100 blocks of 1,000 bytes, all live at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
   char* blocks[100];
   for (int i = 0; i < 100; i++) {
      blocks[i] = malloc(1000);   /* @OWN_MALLOC */
      memset(blocks[i], i, 1000);
   }
   long sum = 0;
   for (int i = 0; i < 100; i++) sum += blocks[i][999];
   fprintf(stderr, "sum %ld\n", sum);
   printf("done\n");
   return 0;
}
