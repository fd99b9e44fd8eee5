/*--------------------------------------------------------------------*/
/*--- memattr: the tool's big arrays, on huge pages.     ma_bigmem.h ---*/
/*--------------------------------------------------------------------*/

/* ma_bigmem.c gets the memory of the tool's big arrays and pools: the
   block nodes and copy pairs (a pool each), a snapshot's blocks, words
   and pointers, a retake's logs and scratch arrays, the root words kept.
   On a heap of a million blocks these are hundreds of megabytes, filled
   densely, much of it afresh at every retake of the peak snapshot.

   Every 4 KiB page first touched costs a page fault, and in a virtual
   machine a fault costs microseconds: on py_big_heap (bench/), 818,000
   faults, most of them a retake's fresh arrays, took 7.6 of a run's 38
   seconds in the kernel.  Linux maps 2 MiB at a fault ("transparent
   huge pages") in a range the process marked with
   madvise(MADV_HUGEPAGE) when the system's setting
   (/sys/kernel/mm/transparent_hugepage/enabled) is "madvise", as on
   the machines of bench/README.md; with "always" the mark changes
   nothing, with "never" the kernel ignores it.  So memory here is
   marked: the faults drop by up to 512 times, and so do misses of the
   address cache (TLB) when a retake walks the arrays.  py_big_heap:
   261,000 faults and 5.4 seconds in the kernel (bench/README.md,
   "huge pages").

   The pools are not in Valgrind's arena, so --profile-heap=yes does not
   list them.

   Only memory the tool fills from its start is marked: a huge page is
   resident whole once touched, so an array touched sparsely (the page
   maps, the granule maps) would cost up to 2 MiB for each 4 KiB it
   uses.  What is marked wastes at most the last huge page it touches.
   Nothing else changes: the memory is freed as before, and the kernel
   splits a huge page when part of it is unmapped. */

#ifndef MA_BIGMEM_H
#define MA_BIGMEM_H

#include "pub_tool_basics.h"

/* 'bytes' rounded up to whole pages, zeroed, in a mapping of its own;
   out of memory ends the run with a message naming 'cc'.  Give it
   back with ma_bigmem_unmap, all at once or a page-aligned part at a
   time. */
void* ma_bigmem_map(SizeT bytes, const HChar* cc);
void  ma_bigmem_unmap(void* array, SizeT from, SizeT to);   /* [from, to): page multiples */
SizeT ma_bigmem_mapped_size(SizeT bytes);                    /* what ma_bigmem_map maps */

/* VG_(malloc), the result marked when it spans a huge page (Valgrind's
   arena gives a block that large a mapping of its own); VG_(free)
   frees it.  ma_bigmem_malloc has VG_(malloc)'s signature, so it can
   allocate a pool allocator's pools.  ma_bigmem_realloc grows p (NULL,
   or old_bytes from ma_bigmem_malloc or itself) to 'bytes', marking
   the new block before copying into it; it never shrinks. */
void* ma_bigmem_malloc(const HChar* cc, SizeT bytes);
void* ma_bigmem_realloc(const HChar* cc, void* p, SizeT old_bytes, SizeT bytes);

/* The allocation and free functions of a pool allocator (VG_(newPA))
   that lives for the whole run: its pools are carved one after another
   out of 4 MiB mappings, marked once the pools have taken 16 MiB (a
   small program's pools stay on small pages, as in Valgrind's arena).
   The pool allocator's own small arrays go to VG_(malloc).  Memory
   carved from a region is not reused when freed (see
   ma_bigmem_pool_free). */
void* ma_bigmem_pool_alloc(const HChar* cc, SizeT bytes);
void  ma_bigmem_pool_free(void* p);

#endif
