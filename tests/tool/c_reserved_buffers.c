/* Buffers reserved and never written are not duplicate contents (issue 17 item 2).
   Eight 64 KiB buffers are malloc'd and never written (what reserve() or with_capacity
   leave), and kept live in a global table; two 4 KiB buffers are filled with the same
   bytes: the only real duplicates.  All are live at the peak, taken at the free of
   `peak_marker` after everything else is allocated. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define RESERVED 8
#define RESERVED_SIZE (64 * 1024)
#define FILLED_SIZE 4096

void* volatile reserved[RESERVED];
void* volatile filled[2];

int main(void)
{
   for (int i = 0; i < RESERVED; i++) reserved[i] = malloc(RESERVED_SIZE);   /* never written */
   for (int i = 0; i < 2; i++) {
      filled[i] = malloc(FILLED_SIZE);
      memset(filled[i], 'x', FILLED_SIZE);                                  /* equal contents */
   }
   void* peak_marker = malloc(16);
   free(peak_marker);
   for (int i = 0; i < 2; i++) free(filled[i]);
   for (int i = 0; i < RESERVED; i++) free(reserved[i]);
   printf("done\n");
   return 0;
}
