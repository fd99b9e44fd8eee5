/* Spoils the trace's destination while the program runs, after memattr
   checked it at start-up (cases trace_staging_symlink and
   trace_lost_at_exit):
     c_trace_sabotage symlink TRACE VICTIM
         plants a symlink to VICTIM at the trace's staging name,
         TRACE.tmp.PID, as another user of a shared directory could;
     c_trace_sabotage rmdir DIR
         removes the (empty) directory the trace is to be written into. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc == 4 && strcmp(argv[1], "symlink") == 0) {
        char staging[4096];
        snprintf(staging, sizeof staging, "%s.tmp.%d", argv[2], (int)getpid());
        if (symlink(argv[3], staging) != 0) return 2;
    } else if (argc == 3 && strcmp(argv[1], "rmdir") == 0) {
        if (rmdir(argv[2]) != 0) return 2;
    } else {
        return 2;
    }
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
