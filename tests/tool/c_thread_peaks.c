/* Threads whose own peaks come at different times, from different sites;
   expected values in cases/peak_and_totals.py (case thread_own_peaks).

   main keeps 1,000 bytes (MAIN_KEEP).  Thread 2 allocates 500 bytes
   that main frees later (A_HANDOFF), then 4 blocks of 1 MiB (A_BIG),
   3 of 1,000 bytes (A_SMALL) and two of 0 bytes (A_ZERO): its own
   peak, which is the global peak too.  It frees the 0-byte blocks
   first (the bytes stay at the peak's, the moment is past it), then
   the others, and allocates and frees 1 MiB again, below its peak.
   Thread 3, started after thread 2 ended, holds 2 blocks of 1 MiB
   (B_BIG) and twelve small blocks of 100 to 1,200 bytes from twelve
   sites (B_S1 .. B_S12) at its own peak: three of its sites fall
   past the top ten.  Then main frees the handoff and holds 3 MiB
   (MAIN_BIG): its own peak. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MiB (1024 * 1024)

static void* handoff;

static void* first(void* unused)
{
    void* big[4];
    void* small[3];
    handoff = malloc(500);                          /* @A_HANDOFF */
    for (int i = 0; i < 4; i++) big[i] = malloc(MiB);   /* @A_BIG */
    for (int i = 0; i < 3; i++) small[i] = malloc(1000);   /* @A_SMALL */
    void* zero[2];
    for (int i = 0; i < 2; i++) zero[i] = malloc(0);   /* @A_ZERO */
    free(zero[0]);                                  /* still at the peak's bytes */
    free(zero[1]);
    for (int i = 0; i < 4; i++) free(big[i]);
    for (int i = 0; i < 3; i++) free(small[i]);
    free(malloc(MiB));                              /* @A_AGAIN */
    return NULL;
}

static void* second(void* unused)
{
    void* big[2];
    void* s[12];
    for (int i = 0; i < 2; i++) big[i] = malloc(MiB);   /* @B_BIG */
    s[0] = malloc(100);                             /* @B_S1 */
    s[1] = malloc(200);                             /* @B_S2 */
    s[2] = malloc(300);                             /* @B_S3 */
    s[3] = malloc(400);                             /* @B_S4 */
    s[4] = malloc(500);                             /* @B_S5 */
    s[5] = malloc(600);                             /* @B_S6 */
    s[6] = malloc(700);                             /* @B_S7 */
    s[7] = malloc(800);                             /* @B_S8 */
    s[8] = malloc(900);                             /* @B_S9 */
    s[9] = malloc(1000);                            /* @B_S10 */
    s[10] = malloc(1100);                           /* @B_S11 */
    s[11] = malloc(1200);                           /* @B_S12 */
    for (int i = 0; i < 12; i++) free(s[i]);
    for (int i = 0; i < 2; i++) free(big[i]);
    return NULL;
}

int main(void)
{
    pthread_t t;
    void* keep = malloc(1000);                      /* @MAIN_KEEP */
    memset(keep, 1, 1000);
    pthread_create(&t, NULL, first, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, second, NULL);
    pthread_join(t, NULL);
    free(handoff);
    void* big = malloc(3 * MiB);                    /* @MAIN_BIG */
    memset(big, 2, 3 * MiB);
    free(big);
    free(keep);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
