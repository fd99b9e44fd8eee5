/*--------------------------------------------------------------------*/
/*--- memattr: pages written and the footprint.          ma_pages.h ---*/
/*--------------------------------------------------------------------*/

/* ma_pages.c owns the pages of client memory the program has written
   (instrumented stores and the kernel's writes mark them; unmapping
   and madvise forget them) and the *footprint*: written pages plus,
   when Valgrind's allocator replaces the client's, the usable bytes of
   live malloc blocks -- memattr's estimate of the program's anonymous
   resident memory -- with its maximum so far.  ma_regions.c counts the
   written pages of each region from here and keeps the memory map at
   the footprint's peak. */

#ifndef MA_PAGES_H
#define MA_PAGES_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

#include "ma_heap.h"

#define MA_PAGE_BITS 12

/* --track-pages: instrument stores to find the pages written. */
extern Bool ma_track_pages;

/* Bytes of client pages written, outside Valgrind's heap; without
   --track-pages, bytes of anonymous memory mapped (ma_regions.c
   recounts them). */
extern ULong ma_footprint_pages;
/* The footprint's maximum so far, and whether the program is at it
   with the memory map not yet captured there (ma_regions.c clears it
   when it captures the map). */
extern ULong ma_footprint_max;
extern Bool  ma_footprint_at_max;
/* Pages newly marked written so far: a change of the memory map. */
extern ULong ma_pages_marked;
/* Usable bytes of live large malloc blocks (MA_LARGE_BLOCK or more,
   replacement with --track-pages only) on pages the program has not
   written: glibc gives such a block a mapping of its own, whose pages
   become resident only when written, so the footprint leaves them
   out. */
extern ULong ma_heap_unwritten;

/* glibc's mmap threshold (M_MMAP_THRESHOLD's default): from this
   usable size a block gets a mapping of its own. */
#define MA_LARGE_BLOCK (128 * 1024)

/* glibc's malloc keeps an 8-byte chunk header with every block (a
   chunk is the usable bytes plus 8; a large block's own mapping has 16,
   of which 8 are counted here): resident with the block, outside its
   usable bytes.  A million small blocks carry 8 MB of them. */
#define MA_CHUNK_HEADER 8

/* In replace mode, the chunk headers of the live malloc blocks. */
static inline ULong ma_heap_headers(void)
{
   return ma_malloc_wrapped ? 0
          : MA_CHUNK_HEADER * (ma_heap.curr_blocks - ma_heap.curr_custom_blocks);
}

static inline ULong ma_footprint(void)
{
   return ma_footprint_pages
          + (ma_malloc_wrapped ? 0
             : ma_heap.curr_usable - ma_heap_unwritten + ma_heap_headers());
}

/* After anything that may raise the footprint. */
static inline void ma_footprint_grew(void)
{
   ULong f = ma_footprint();
   if (f >= ma_footprint_max) {   /* the latest of equal maxima wins */
      ma_footprint_max    = f;
      ma_footprint_at_max = True;
   }
}

/* post_clo_init: allocate the page tables. */
void ma_pages_start(void);

/* Written pages in [lo, hi) (page-aligned). */
ULong ma_pages_written_in(Addr lo, Addr hi);
/* [lo, hi) is no longer mapped or resident: its pages become unwritten
   (the footprint drops) and the next store there is looked at again. */
void  ma_pages_forget(Addr lo, Addr hi);
/* mremap: the written pages of [lo, hi) move to 'to'. */
void  ma_pages_move(Addr lo, Addr hi, Addr to);
/* The kernel wrote [a, a+len) for a system call. */
void  ma_pages_kernel_wrote(Addr a, SizeT len);

/* Pages written since the last snapshot (with --track-pages; without,
   every page counts as written): a snapshot reuses what it read of
   memory not written since.  'all_dirty' is set while nothing is
   known (before the first reset, after an unmap or remap). */
extern Bool ma_pages_all_dirty;
Bool  ma_pages_dirty_in(Addr lo, Addr hi);   /* any page of [lo, hi) */
void  ma_pages_dirty_reset(void);            /* at a snapshot */
/* The ranges unmapped, mapped anew, moved or given back since the last
   ma_pages_unmapped_clear (in the order seen, adjacent ones joined);
   False if there were too many to list. */
typedef struct { Addr lo, hi; } PageRange;   /* [lo, hi) */
Bool  ma_pages_unmapped(const PageRange** list, UInt* n);
void  ma_pages_unmapped_clear(void);

/* Large malloc blocks (see ma_heap_unwritten), told by ma_heap.c.  A
   block of 'usable' bytes at [a, a+size): a new one starts unwritten
   but for its first page (glibc's chunk header); a realloc's successor
   ('carried') keeps the pages written so far in its range, the ones
   the realloc's copy wrote included (ma_pages_heap_copied). */
void  ma_pages_large_allocated(Addr a, SizeT size, SizeT usable, Bool carried, Site* site);
void  ma_pages_large_released(Addr a);
/* Calls 'each' with the site and the unwritten usable bytes of every
   live large block that has some (they sum to ma_heap_unwritten), in
   address order: a memory map names their sites.  The site is kept
   with the block because a map may be captured while a block is being
   freed, out of the block table but not yet released here. */
void  ma_pages_for_each_unwritten(void (*each)(Site* site, ULong unwritten, void* ctx),
                                  void* ctx);
/* Valgrind's allocator copied 'len' bytes to 'a' (a moving realloc):
   natively the program's realloc writes them. */
void  ma_pages_heap_copied(Addr a, SizeT len);

/* Zero the bytes of [a, a+len), a heap block being freed, that the
   program may have written since the block was allocated (only with
   --track-pages; see ma_heap.c, give_back). */
void  ma_pages_clear_written(Addr a, SizeT len);
/* The same without --track-pages: zero the bytes of [a, a+len) on the
   pages the kernel holds (below).  A range shorter than
   MA_PAGES_UNTOUCHED_MIN is zeroed whole. */
void  ma_pages_clear_resident(Addr a, SizeT len);

/* Pages the kernel holds nothing for.  A page of private anonymous
   memory (Valgrind's arena, glibc's heap and its big blocks' mappings)
   that is neither mapped in nor swapped out reads as zeros; and reading
   or clearing it maps one in (a fresh page, here: reading 64 MiB never
   written raises a native program's resident memory by 64 MiB).  So
   clearing a freed block and reading a block for a snapshot skip such
   pages, and cost what the program touched, not the block's size:
   c_big_frees (bench/workloads), 64 MiB blocks of which 128 KiB are
   written, freed 2,000 times, took 152 times Massif's time with
   --track-access=no while every freed byte was cleared (1.06 since:
   bench/README.md).
   The kernel's page table (/proc/self/pagemap) says which pages those
   are, one read system call per 512 pages: only ranges of at least
   MA_PAGES_UNTOUCHED_MIN are asked about, below that a read costs about
   what clearing or reading the bytes does.  ma_pages_untouched_begin
   before each range (what was read of the page table holds only until
   the program runs again); then ma_pages_untouched_until(a, end), for a
   page-aligned a, is the end of the run of untouched whole pages from
   a, at most 'end' -- a itself when a's page is held, or when the page
   table cannot be read (every page then counts as held). */
#define MA_PAGES_UNTOUCHED_MIN (64 * 1024)
void  ma_pages_untouched_begin(void);
Addr  ma_pages_untouched_until(Addr a, Addr end);
/* In a fork child: the page table the parent opened is the parent's
   (ma_pages_pagemap opens the child's). */
void  ma_pages_forked(void);

/* Pages executed: [a, a+len) holds code being translated
   (ma_instrument.c, for each superblock made); the executed pages of
   [lo, hi); those pages forgotten (unmapped).  And the pages of [lo,
   hi) below file_end in the fault-around windows (64 KiB, aligned)
   that hold an executed page: what Linux maps of a file mapping [lo,
   hi) when the program runs that code, the file being in the page
   cache. */
void  ma_pages_executed(Addr a, SizeT len);
ULong ma_pages_executed_in(Addr lo, Addr hi);
ULong ma_pages_executed_around(Addr lo, Addr hi, Addr file_end);
void  ma_pages_forget_executed(Addr lo, Addr hi);

/* File pages read: the pages of [lo, hi) that the kernel's page table
   (/proc/self/pagemap: ma_pages_pagemap, opened once for the run and
   again in a fork child; -1 if it cannot be read) shows mapped in, that were not written, and that lie
   in no fault-around window holding an executed page (those are code,
   ma_pages_executed_around) -- what a file mapping the program cannot
   write holds resident of the file because the program (or the dynamic
   loader) read it, fault-around included. */
Int   ma_pages_pagemap(void);
ULong ma_pages_read_in(Int pagemap, Addr lo, Addr hi);

/* Instrumentation (ma_instrument.c drives it): marking the pages the
   program stores to.  The plan is made from the superblock first (NULL
   without --track-pages); then, as each statement i of sb_in is added
   to sb_out, mark_before(i) adds the marks due before it, and
   mark_before(sb_in->stmts_used) those due at the end. */
typedef struct _PagePlan PagePlan;
PagePlan* ma_pages_plan(IRSB* sb_in, Int first);
void      ma_pages_mark_before(PagePlan* plan, IRSB* sb_out, IRSB* sb_in, Int i);
void      ma_pages_plan_done(PagePlan* plan);

#endif
