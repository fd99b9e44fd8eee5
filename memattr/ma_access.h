/*--------------------------------------------------------------------*/
/*--- memattr: reads, writes and copies of heap blocks. ma_access.h ---*/
/*--------------------------------------------------------------------*/

/* ma_access.c owns what memattr learns from the client's memory
   accesses (on unless --track-access=no):
   - the heap map, which finds the live block containing an address;
   - the instrumentation of loads and stores, including the detection
     of inline copies (a store whose data comes straight from a load);
   - the memcpy-family copies the preload hands to the tool;
   - each block's bytes read and written and the time of its last use.
   Which block was copied into which is ma_lineage.c's business. */

#ifndef MA_ACCESS_H
#define MA_ACCESS_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"

#include "ma_heap.h"

extern Bool ma_track_access;   /* --track-access */

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

/* The heap map follows the block table (called by ma_heap.c, only with
   access tracking). */
void ma_access_block_added(Block* bk);
void ma_access_block_removed(Block* bk);

/* realloc made 'successor' out of 'old': the bytes, their access
   history and their copy pairs carry on. */
void ma_access_block_handed_on(Block* old, Block* successor);

/* bk's own figures, added into *figures (bk gone, or measured live). */
void ma_access_add_block_figures(const Block* bk, AccessFigures* figures);

/* Copy sb_in's statements from index 'first' on into sb_out, with the
   access and copy instrumentation added. */
void ma_access_instrument(IRSB* sb_out, IRSB* sb_in, Int first);

/* The preload's requests (ma_requests.h).  Return the request's value. */
UWord ma_access_bulk_copy(Addr dst, Addr src, SizeT len);
UWord ma_access_strnlen(Addr s, SizeT max);

#endif
