/*--------------------------------------------------------------------*/
/*--- memattr: requests from the preload to the tool. ma_requests.h ---*/
/*--------------------------------------------------------------------*/

/* The client requests memattr's own preload object (ma_preload_copy.c)
   makes to the tool (ma_main.c dispatches them to ma_access.c).  They
   are internal: programs use memattr.h's requests, not these. */

#ifndef MA_REQUESTS_H
#define MA_REQUESTS_H

#include "valgrind.h"

typedef enum {
   /* Copy len bytes from src to dst (memmove semantics) on the real
      CPU and record it.  args: dst, src, len.  Returns 1 when done, 0
      when a range is not accessible to the client: the preload then
      copies itself, so the client faults where it would natively. */
   MA_REQ_COPY = VG_USERREQ_TOOL_BASE('M', 'A') + 0x100,

   /* strnlen(s, max) computed by the tool, so that finding the end of
      a string being copied does not count as the program reading it.
      args: s, max.  Returns the length, or MA_STRLEN_UNREADABLE when
      the bytes before the end are not all readable. */
   MA_REQ_STRNLEN,

   /* Is access tracking on (--track-access)?  No args.  When it is
      off the preload copies by itself, sparing every memcpy a round
      trip to the tool. */
   MA_REQ_TRACKING,

   /* --malloc=wrap (ma_preload_wrap.c): the outermost malloc-family
      call of a thread completed (ALLOC: ptr, size; REALLOC: old ptr,
      new ptr, size) or is about to free (FREE: ptr). */
   MA_REQ_WRAP_ALLOC,
   MA_REQ_WRAP_FREE,
   MA_REQ_WRAP_REALLOC
} MaRequest;

#define MA_STRLEN_UNREADABLE ((unsigned long)-1)

#endif
