/* A run that lasts a given wall-clock time, whatever the machine's speed
   (tests/tool/cases/progress.py): allocates and frees blocks in a loop,
   keeping a ring of them live, until argv[1] seconds have passed.  The
   progress lines of --progress need a run longer than their interval;
   a fixed amount of work would be too short on a fast machine and too
   long on a slow one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 1000

static double now_seconds(void)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv)
{
   double seconds = argc > 1 ? atof(argv[1]) : 2.5;
   double end = now_seconds() + seconds;
   static char* ring[RING];
   unsigned long n = 0;
   while (now_seconds() < end) {
      for (int i = 0; i < RING; i++, n++) {
         free(ring[i]);
         ring[i] = malloc(64 + n % 256);   /* @RING */
         memset(ring[i], (int)n, 64);
      }
   }
   for (int i = 0; i < RING; i++) free(ring[i]);
   return 0;
}
