/* A fork: parent and child each get their own trace; the child's says it
   is a fork and holds what it inherited (case c_fork). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void* keep[3];

int main(void)
{
    keep[0] = malloc(1000);                          /* @BEFORE */
    pid_t pid = fork();
    if (pid == 0) {
        keep[1] = malloc(2000);                      /* @CHILD */
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    keep[2] = malloc(3000);                          /* @AFTER */
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
