/* Copy pairs whose chains are edited in the middle (ma_lineage.c keeps
   a pair whose one end has gone in a smaller shape, in the chain of the
   end still live):
   - one source copied into many destinations, then those freed in a
     scattered order, the source moved by realloc between the frees;
   - one destination fed by MA_MAX_SOURCES (4) sources, the sources
     freed out of order.
   tests/tool/cases/copies.py (case_c_copy_fanout) checks every pair's
   figures against what this program did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FANOUT     64
#define PIECE      256
#define MOVED_SIZE (64 * 1024)
#define SOURCES    4

static void fan_out(void)
{
   char* source = malloc(PIECE);                  /* @FANOUT_SOURCE */
   memset(source, 'a', PIECE);
   char* copies[FANOUT];
   for (int i = 0; i < FANOUT; i++) {
      copies[i] = malloc(PIECE);                  /* @FANOUT_DEST */
      memcpy(copies[i], source, PIECE);           /* @FANOUT_COPY */
   }
   for (int i = 0; i < FANOUT; i += 3) free(copies[i]);
   source = realloc(source, MOVED_SIZE);          /* @FANOUT_MOVE */
   for (int i = FANOUT - 1; i >= 0; i -= 2)
      if (i % 3) free(copies[i]);
   for (int i = 0; i < FANOUT; i++)
      if (i % 3 && (FANOUT - 1 - i) % 2) free(copies[i]);
   free(source);
}

static void fan_in(void)
{
   char* sink = malloc(SOURCES * PIECE);          /* @FANIN_DEST */
   char* sources[SOURCES];
   for (int k = 0; k < SOURCES; k++) {
      sources[k] = malloc(PIECE);                 /* @FANIN_SOURCE */
      memset(sources[k], 'a' + k, PIECE);
      memcpy(sink + k * PIECE, sources[k], PIECE);   /* @FANIN_COPY */
   }
   free(sources[1]);
   free(sources[3]);
   free(sources[0]);
   free(sources[2]);
   long sum = 0;
   for (int i = 0; i < SOURCES * PIECE; i++) sum += sink[i];
   free(sink);
   if (sum != PIECE * ('a' + 'b' + 'c' + 'd')) return;
   printf("done\n");
}

int main(void)
{
   fan_out();
   fan_in();
   return 0;
}
