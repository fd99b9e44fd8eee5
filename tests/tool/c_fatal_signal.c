/* Dies of SIGSEGV (or, with the argument "abort", of abort()'s SIGABRT)
   with 4096 bytes live: the trace must still be written, complete, with
   the block live at exit (case c_fatal_signal). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv)
{
    char* held = malloc(4096);                       /* @HELD */
    memset(held, 1, 4096);
    if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
    raise(SIGSEGV);
    return held[0];
}
