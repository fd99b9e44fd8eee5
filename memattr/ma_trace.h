/*--------------------------------------------------------------------*/
/*--- memattr: writing the trace.                      ma_trace.h ---*/
/*--------------------------------------------------------------------*/

/* ma_trace.c owns the trace file: the format (docs/trace-format.md),
   symbolising stacks into frames, numbering sites for the records that
   name them, escaping, and publishing the file atomically (write to a
   temporary name, then rename), so a reader never sees half a trace
   under the final name.  It only writes: every figure it writes is
   computed by the module that owns it (figures still live now by
   ma_heap.c, ma_access.c and ma_phase.c; the timeline's points by
   ma_timeline.c; copy groups by ma_lineage.c). */

#ifndef MA_TRACE_H
#define MA_TRACE_H

#include "pub_tool_basics.h"

#include "memattr_trace_schema.h"   /* MA_TRACE_VERSION, tags, keys, words */

/* What ended the run, for the 'exit' record. */
typedef enum {
   MA_EXIT_NORMAL,   /* exit()/exit_group, or return from main */
   MA_EXIT_SIGNAL,   /* ended without an exit syscall: a fatal signal */
   MA_EXIT_EXEC      /* written just before execve */
} ExitReason;

typedef struct {
   const HChar* file_template;   /* --memattr-out-file, e.g. "memattr.out.%p" */
   Int          fork_of;         /* parent pid if this is a fork child, else 0 */
   ExitReason   reason;
   Int          exit_code;       /* with MA_EXIT_NORMAL */
} TraceRequest;

/* Checks, before the program runs, that a trace can be written where
   file_template says: the name expands (an unset %q{VAR} ends the run
   there, with the core's message) and the staging file can be created
   (it is removed again).  Returns False after telling the user why. */
Bool ma_trace_destination_ok(const HChar* file_template);

/* Write the whole trace.  Returns the file name written (VG_(malloc)ed;
   the caller frees it) or NULL after telling the user why it failed. */
HChar* ma_trace_write(const TraceRequest* req);

#endif
