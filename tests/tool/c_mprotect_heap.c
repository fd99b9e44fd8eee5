/* A program that makes part of its heap inaccessible and exits with it so
   (case mprotect_heap, issue 17 item 19): one 64 KiB block whose middle
   page is mprotect'ed PROT_NONE, and one whole block inside that page, a
   pointer to which is kept in a global. The exit snapshot must not read
   the page (it would fault inside the tool), and the trace must be whole:
   both blocks are live at exit, and the small one, whose only pointer is
   the global, is still reachable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char* g_small;

int main(void)
{
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    char* big = malloc(64 * 1024);                              /* @big */
    memset(big, 'b', 64 * 1024);
    char* hidden = (char*)(((uintptr_t)big + 16 * 1024 + page - 1) & ~(page - 1));
    if (mprotect(hidden, page, PROT_NONE) != 0) return 3;
    g_small = malloc(100);                                      /* @small */
    memset(g_small, 's', 100);
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;   /* big and g_small stay live; big's middle page stays unreadable */
}
