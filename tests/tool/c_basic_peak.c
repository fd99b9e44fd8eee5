/* Exact figures for the basic accounting: peak, totals, live at exit,
   realloc attribution, temporaries.  Expected values are in
   test_tool.py (case c_basic_peak); markers @X name the lines.
   No stdio: printf would allocate its buffer and blur the figures. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void* keep;

int main(void)
{
    char* a = malloc(1000);                 /* @A */
    char* b = malloc(2000);                 /* @B */
    memset(a, 1, 1000);
    memset(b, 2, 2000);
    free(a);
    char* c = calloc(10, 100);              /* @C */
    c = realloc(c, 5000);                   /* @D: moves; the peak: b + c = 7000 */
    memset(c, 3, 5000);
    free(b);
    c = realloc(c, 3000);                   /* @E: shrinks in place */
    free(c);
    for (int i = 0; i < 10; i++) {
        void* t = malloc(64);               /* @T: ten temporaries */
        free(t);
    }
    keep = malloc(77);                      /* @K: still live at exit */
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
