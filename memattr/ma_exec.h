/*--------------------------------------------------------------------*/
/*--- memattr: what an execve is about to do.            ma_exec.h ---*/
/*--------------------------------------------------------------------*/

/* ma_exec.c answers the two questions ma_main.c asks before an execve
   or execveat, when the trace of the program that runs now must be
   written (the core never calls a tool after a successful exec): will
   the exec replace this program at all (a PATH search tries names that
   do not exist), and will the new program be traced by memattr in this
   same process (--trace-children=yes, not skipped).  It owns no state. */

#ifndef MA_EXEC_H
#define MA_EXEC_H

#include "pub_tool_basics.h"
#include "pub_tool_vki.h"

/* The arguments of an execve or execveat, read from the client. */
typedef struct {
   HChar path[VKI_PATH_MAX];   /* the file to run */
   Bool  path_known;           /* False: relative to execveat's directory fd,
                                  or not readable whole */
   Addr  argv;                 /* client address of argv */
} ExecCall;

void ma_exec_call(ExecCall* call, UInt syscallno, const UWord* args);

/* False when the kernel will refuse the file (it does not exist, is not
   a regular file, or has no execute permission that can apply to us),
   so the program goes on.  True when it may run: an exec that then
   fails all the same (ENOEXEC, E2BIG) is rarer and not foreseen. */
Bool ma_exec_may_run(const ExecCall* call);

/* Whether Valgrind will run the new program under memattr too, as it
   decides from --trace-children, --trace-children-skip and
   --trace-children-skip-by-arg. */
Bool ma_exec_is_traced(const ExecCall* call);

#endif
