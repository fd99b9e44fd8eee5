/* Spoils the trace's destination while the program runs, after memattr
   started (case trace_staging_symlink):
     c_trace_sabotage symlink TRACE VICTIM
         plants a symlink to VICTIM at the trace's staging name,
         TRACE.tmp.PID, as another user of a shared directory could. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc == 4 && strcmp(argv[1], "symlink") == 0) {
        char staging[4096];
        snprintf(staging, sizeof staging, "%s.tmp.%d", argv[2], (int)getpid());
        if (symlink(argv[3], staging) != 0) return 2;
    } else {
        return 2;
    }
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
