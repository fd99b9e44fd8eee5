/*--------------------------------------------------------------------*/
/*--- memattr: custom allocators and memory pools.    ma_custom.h ---*/
/*--------------------------------------------------------------------*/

/* ma_custom.c owns the mempools and turns valgrind.h's custom-allocator
   requests (MALLOCLIKE/FREELIKE/RESIZEINPLACE_BLOCK, the mempool
   family) into blocks of the heap model. */

#ifndef MA_CUSTOM_H
#define MA_CUSTOM_H

#include "pub_tool_basics.h"

void ma_custom_init(void);

/* True if args[0] was one of those requests (then handled). */
Bool ma_custom_handle_request(ThreadId tid, UWord* args, UWord* ret);

#endif
