/*--------------------------------------------------------------------*/
/*--- memattr: the stack of the exit path.          ma_exit_stack.h ---*/
/*--------------------------------------------------------------------*/

/* ma_exit_stack.c owns one question about the stack of the thread that
   called exit (or _exit): which of its words below the stack pointer it
   had when exit was entered have been written since their frame was
   made.  The frames of glibc's exit path (exit, __run_exit_handlers,
   _exit) lie where the program's dead frames were and leave slots
   unwritten (alignment, locals of paths not taken), still holding an
   old pointer; Memcheck knows such a word is undefined and skips it, so
   a snapshot must not take it for a root either.

   Nothing is added to the code until exit is entered (a helper at its
   first instruction, found by symbol when translated); then every
   translation is discarded and the new ones report each store, each
   move of the stack pointer and each call's or return's red-zone hint
   (Memcheck's rules: a word becomes undefined when the stack pointer
   leaves it below, or when a call or return says the red zone below is
   dead, and defined when written). */

#ifndef MA_EXIT_STACK_H
#define MA_EXIT_STACK_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

/* Adds, after statement `st` (just copied into `sb`, the superblock
   being instrumented), the exit path's hooks: before exit is entered,
   the entry helper after exit's first instruction mark; after, the
   write and stack hooks of `st`. */
/* A new superblock is being instrumented (before its first statement). */
void ma_exit_stack_new_superblock(void);

void ma_exit_stack_instrument_after(IRSB* sb, const IRStmt* st, const VexGuestLayout* layout);

/* Whether the word at `a` (8 bytes) may be a root: False only for a
   word of the exiting thread's stack below the stack pointer at exit's
   entry that has not been wholly written since its frame was made. */
Bool ma_exit_stack_word_written(Addr a);

/* The kernel (or the core, for a signal frame) wrote [a, a + size). */
void ma_exit_stack_kernel_wrote(Addr a, SizeT size);

#endif
