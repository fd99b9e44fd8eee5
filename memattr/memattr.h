/* memattr.h: requests a program can make to memattr, the Valgrind tool
   that tells who is responsible for the memory at the peak.

   Include it from C or C++; it needs only Valgrind's own valgrind.h
   (Debian package valgrind).
   Outside Valgrind, and under other Valgrind tools, every request is a
   few no-op instructions: leave them in release builds if you like.

     #include <memattr.h>
     ...
     MEMATTR_SNAPSHOT("after load");

   Requests:

   MEMATTR_PHASE_BEGIN(name)  MEMATTR_PHASE_END(name)
       Begin and end a phase of the run called 'name'.  Phases nest; an
       END ends the innermost open phase of that name (and any begun
       inside it and not ended).  Beginning a phase of the same name
       again starts its next iteration: a loop that brackets each pass
       with BEGIN/END("request") gives one iteration per pass, and
       memattr-graph reports what each iteration allocated, freed and
       left behind, and how the heap grows per iteration, by site.
       Without source changes, --phase-fn=FUNCTION does the same for
       every call of FUNCTION.

   MEMATTR_MARK(label)
       A labelled moment on the heap timeline.

   MEMATTR_SNAPSHOT(name)
       Take a heap snapshot now, named 'name' (a C string; up to 127
       bytes are kept): every live block with its contents' hash and
       the pointers it holds, and every root (registers, stacks,
       globals).  memattr-graph reports ownership, duplicates and
       unreachable blocks from it (memattr-graph report --snapshot NAME).
       The automatic peak snapshot and the exit snapshot need no request.
       Each snapshot costs a read of the live heap and the program's
       writable data, and trace space of about 100 bytes per live block.
*/
#ifndef MEMATTR_H
#define MEMATTR_H

#include <valgrind/valgrind.h>

typedef enum {
   MEMATTR_USERREQ__SNAPSHOT = VG_USERREQ_TOOL_BASE('M', 'A') + 1,
   MEMATTR_USERREQ__PHASE_BEGIN,
   MEMATTR_USERREQ__PHASE_END,
   MEMATTR_USERREQ__MARK
} MemattrClientRequest;

#define MEMATTR_SNAPSHOT(name) \
   VALGRIND_DO_CLIENT_REQUEST_STMT(MEMATTR_USERREQ__SNAPSHOT, (name), 0, 0, 0, 0)
#define MEMATTR_PHASE_BEGIN(name) \
   VALGRIND_DO_CLIENT_REQUEST_STMT(MEMATTR_USERREQ__PHASE_BEGIN, (name), 0, 0, 0, 0)
#define MEMATTR_PHASE_END(name) \
   VALGRIND_DO_CLIENT_REQUEST_STMT(MEMATTR_USERREQ__PHASE_END, (name), 0, 0, 0, 0)
#define MEMATTR_MARK(label) \
   VALGRIND_DO_CLIENT_REQUEST_STMT(MEMATTR_USERREQ__MARK, (label), 0, 0, 0, 0)

#endif
