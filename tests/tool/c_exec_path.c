/* One trace per program that ran (issue 17 item 15).  execvp("true") with
   a PATH whose first three directories do not exist: the kernel refuses
   three execs before one runs.
     c_exec_path fork   a child is forked and execs; the parent waits for
                        it, then prints "done"
     c_exec_path exec   the program execs itself (true prints nothing)
   With --trace-children=yes the fork run makes two traces, the parent's
   and true's (the child between fork and exec ran no program of its
   own); the exec run makes one, written before the exec that ran. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void exec_true_late_in_path(void)
{
    setenv("PATH", "/nonexistent/a:/nonexistent/b:/nonexistent/c:/usr/bin:/bin", 1);
    execlp("true", "true", (char*)NULL);
    _exit(127);                                      /* no true anywhere */
}

int main(int argc, char** argv)
{
    char* held = malloc(500);                        /* @HELD */
    memset(held, 1, 500);
    if (argc > 1 && strcmp(argv[1], "exec") == 0)
        exec_true_late_in_path();
    pid_t child = fork();
    if (child == 0)
        exec_true_late_in_path();
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    printf("done\n");
    free(held);
    return 0;
}
