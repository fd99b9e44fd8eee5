/*--------------------------------------------------------------------*/
/*--- memattr: the frames of a release.          ma_release_chain.h ---*/
/*--------------------------------------------------------------------*/

/* ma_release_chain.c owns one question: which innermost frames of a
   thread that is releasing a block belong to the release itself, not
   to the program that asked for it?  The peak snapshot is taken at the
   first release after the peak, inside that release's calls; their
   frames hold the container being destroyed, the node being freed, the
   pointer being passed down, which were no roots when the program made
   the call.  ma_snap_roots.c leaves them out.  Holds no state. */

#ifndef MA_RELEASE_CHAIN_H
#define MA_RELEASE_CHAIN_H

#include "pub_tool_basics.h"

/* How many of the innermost frames of a stack (code addresses ips[0]
   innermost .. ips[n-1]) are the release chain: the run of frames,
   from the innermost, that are the tool's or Valgrind's preload code
   (the malloc replacements) or the runtime's deallocation code called
   by the program (see ma_release_chain.c for the rules).  The frame
   after them is the first of the program's own code.  0 when no frame
   is the chain's, or every one is (a chain with no caller of the
   program's is not one this recognises: nothing is left out). */
UInt ma_release_chain_frames(const Addr* ips, UInt n);

/* Whether `ip` is code of a preload object, Valgrind's or memattr's
   own (vgpreload_*.so): the malloc replacements, the --malloc=wrap
   wrappers. */
Bool ma_release_chain_preload_code(Addr ip);

/* The releasing thread's callee-saved registers as they were at the
   program's call (amd64: rbx, rbp, r12-r15).  A function that uses one
   pushes the caller's value in its prologue and restores it before it
   returns; so the program's value of a register is in the frame of the
   outermost chain function that pushed it, or, if none did, still in
   the register.  Which registers a chain function pushes is read from
   its prologue's code (compilers push them first, in order, under the
   return address); a chain function whose entry is unknown (no symbol)
   makes the registers not found by then unknown. */
typedef struct {
   Bool  saved[16];    /* by register number (rax 0 .. r15 15, as encoded) */
   UWord value[16];    /* the program's value, where saved */
   Bool  unknown;      /* a chain frame's prologue could not be read */
} ChainRegisters;

/* From the stack walk's code addresses and stack pointers (sps[i + 1]
   is frame i's canonical frame address) and the chain's length. */
void ma_release_chain_registers(const Addr* ips, const Addr* sps, UInt chain,
                                ChainRegisters* out);

/* The value register 'name' (lower case) held at the program's call,
   into *value: False when it is no root (a caller-saved register,
   dead across the call by the ABI, or one whose value is unknown). */
Bool ma_release_chain_register_at_call(const ChainRegisters* regs, const HChar* name,
                                       UWord* value);

#endif
