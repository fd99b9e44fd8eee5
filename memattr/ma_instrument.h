/*--------------------------------------------------------------------*/
/*--- memattr: instrumentation.                    ma_instrument.h ---*/
/*--------------------------------------------------------------------*/

/* ma_instrument.c owns the instrumentation of the client's code: the
   one loop over a superblock's statements, the instruction clock
   (ma_clock.h), and the hooks of the modules that add their own code:
   --phase-fn entries (ma_phase.c), loads, stores and copies
   (ma_access.c), pages written (ma_pages.c), and the exit path's
   stack writes (ma_exit_stack.c). */

#ifndef MA_INSTRUMENT_H
#define MA_INSTRUMENT_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

/* The tool's 'instrument' function (VG_(basic_tool_funcs)). */
IRSB* ma_instrument(VgCallbackClosure* closure, IRSB* sb_in,
                    const VexGuestLayout* layout,
                    const VexGuestExtents* vge,
                    const VexArchInfo* archinfo_host,
                    IRType gWordTy, IRType hWordTy);

#endif
