/* Dies of SIGSEGV with 4096 bytes live: the trace must still be written,
   complete, with the block live at exit (case c_fatal_signal). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char* held = malloc(4096);                       /* @HELD */
    memset(held, 1, 4096);
    raise(SIGSEGV);
    return held[0];
}
