/* Execs another program with 500 bytes live: Valgrind never calls the
   tool's fini on exec, so the trace is written just before (case c_exec). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char* held = malloc(500);                        /* @HELD */
    memset(held, 1, 500);
    execl("/bin/true", "true", (char*)NULL);
    return 1;                                        /* exec failed */
}
