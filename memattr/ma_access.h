/*--------------------------------------------------------------------*/
/*--- memattr: reads, writes and copies of heap blocks. ma_access.h ---*/
/*--------------------------------------------------------------------*/

/* ma_access.c owns what memattr learns from the client's memory
   accesses (on unless --track-access=no):
   - the heap map, which finds the live block containing an address;
   - the instrumentation of loads and stores, including the detection
     of inline copies (a store whose data comes straight from a load);
   - the memcpy-family copies the preload hands to the tool;
   - each block's bytes read and written, and each site's totals of
     them (its part of Block and Site, below).
   Which block was copied into which, and when a block was last used,
   is ma_lineage.c's business: the helpers here tell it. */

#ifndef MA_ACCESS_H
#define MA_ACCESS_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

typedef struct _Block Block;   /* ma_blocks.h */
typedef struct _Site  Site;

extern Bool ma_track_access;   /* --track-access */

/* What the program did with the blocks of one site (or one block):
   bytes read and written, and blocks never read (nor written). */
typedef struct {
   ULong bytes_read, bytes_written;
   ULong never_read_blocks, never_read_bytes;          /* no read at all */
   ULong never_accessed_blocks, never_accessed_bytes;  /* ... nor write */
} AccessFigures;

/* This module's part of a block (Block.access), only with access
   tracking.  A realloc's successor carries the counts on.  Packed to
   four-byte alignment, like LineageBlock, so the two fill 48 bytes and
   a block node stays 128 (ma_blocks.h). */
typedef struct __attribute__((packed, aligned(4))) {
   ULong bytes_read, bytes_written;
   UInt  map_slot;     /* in the heap map; 0 = not mapped (nested) */
} AccessBlock;

/* This module's part of a site (Site.access): the figures of its
   blocks already gone, and (measured when a trace is written) of its
   live ones.  A block a realloc replaced hands its figures on to the
   successor instead of adding them to 'gone'. */
typedef struct {
   AccessFigures gone, live;
} AccessSite;

/* Whole-run totals, for the trace's 'access' record. */
typedef struct {
   ULong bytes_read, bytes_written;    /* in heap blocks */
   ULong bulk_copies, bulk_bytes;      /* memcpy-family calls, any memory */
   ULong inline_copy_bytes;            /* heap to heap, by load->store */
} AccessTotals;

extern AccessTotals ma_access_totals;

/* After the options are known. */
void ma_access_init(void);

/* Before: the core's reports of system calls reading or writing client
   memory (they count as reads, uses and writes like the program's own). */
void ma_access_register_kernel_accesses(void);

/* Block events (ma_events.h; only with access tracking): the heap map
   follows the block tables, and a released block's figures go to its
   site -- or, replaced, carry on in the successor. */
void ma_access_block_allocated(Block* bk, Block* predecessor);
void ma_access_block_releasing(Block* bk, Bool replaced);

/* Recompute every site's 'live' figures from its live blocks (for the
   trace; changes nothing else). */
void ma_access_measure_live_blocks(void);

/* Bytes written into bk so far (0 without access tracking). */
ULong ma_access_bytes_written(const Block* bk);

/* Instrumentation (ma_instrument.c drives it): the plan is made from
   the superblock's statements from 'first' on (NULL without access
   tracking); then each statement st of sb_in gets its helper calls
   added to sb_out just before it. */
typedef struct _AccessPlan AccessPlan;
AccessPlan* ma_access_plan(IRSB* sb_in, Int first);
void        ma_access_instrument_before(AccessPlan* plan, IRSB* sb_out, IRStmt* st);
void        ma_access_plan_done(AccessPlan* plan);

/* The preload's requests (ma_requests.h).  Return the request's value. */
UWord ma_access_bulk_copy(Addr dst, Addr src, SizeT len);
UWord ma_access_strnlen(Addr s, SizeT max);

#endif
