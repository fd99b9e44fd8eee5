/* Allocations made inside a signal handler (SIGUSR1, raised 5 times) are
   attributed to the handler's line; the program then exits normally
   (case c_signals). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAISES 5

static void* from_handler[RAISES];
static volatile sig_atomic_t handled;

static void on_usr1(int signo)
{
    (void)signo;
    from_handler[handled] = malloc(128);             /* @HANDLER */
    handled++;
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr1;
    sigaction(SIGUSR1, &action, NULL);
    for (int i = 0; i < RAISES; i++) raise(SIGUSR1);
    void* after = malloc(1000);                      /* @AFTER */
    for (int i = 0; i < RAISES; i++) free(from_handler[i]);
    free(after);
    if (handled != RAISES || write(1, "done\n", 5) != 5) return 1;
    return 0;
}
