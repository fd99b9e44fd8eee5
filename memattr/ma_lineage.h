/*--------------------------------------------------------------------*/
/*--- memattr: copy lineage between heap blocks.      ma_lineage.h ---*/
/*--------------------------------------------------------------------*/

/* ma_lineage.c owns copy *pairs*: a pair says that bytes of one heap
   block (the source) were copied into another (the destination), with
   the stack of the first copy.  It follows both blocks until they go
   away, noting the facts memattr-graph classifies copies by (was the
   source used after the last copy, was it freed promptly, were both
   live at the peak), and folds finished pairs into *copy groups*, the
   trace's 'copy' records (docs/trace-format.md). */

#ifndef MA_LINEAGE_H
#define MA_LINEAGE_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"

#include "ma_heap.h"

/* How a pair's source ended, as far as the trace says. */
typedef enum { FATE_PROMPT, FATE_LATER, FATE_LIVE } SourceFate;

typedef enum { COPY_BY_PROGRAM, COPY_BY_REALLOC } CopyKind;

/* One 'copy' record: the pairs that share every key field. */
typedef struct _CopyGroup {
   struct _CopyGroup* next;    /* hash chain (VgHashTable layout) */
   UWord       key;            /* hash of the key fields below */
   CopyKind    kind;
   ExeContext* copy_ec;
   Site*       from;
   Site*       to;
   UInt        share;          /* tenths of the destination, 0..10 */
   Bool        src_used;
   SourceFate  fate;

   ULong n, bytes, src_bytes, dst_bytes, peak_src_bytes, overlap;
} CopyGroup;

#define MA_PROMPT_FREE_DEFINITION \
   "the source was freed before any other heap block was allocated or freed after the last copy from it"
#define MA_USE_DEFINITION \
   "a read of a heap block, except one that only copies its bytes into another heap block " \
   "(an intercepted memcpy-family call, or a load whose value is only stored); " \
   "a copy to the stack, a global or other memory is a use"

/* Sources a destination block records; bytes from more are only counted. */
#define MA_MAX_SOURCES 4

extern ULong ma_lineage_pairs, ma_lineage_extra_source_bytes;

void ma_lineage_init(void);

/* 'bytes' of src were just copied into dst (src != dst, both live).
   Called for every copied word of an inline copy loop: keep it cheap. */
void ma_lineage_note_copy(Block* src, Block* dst, SizeT bytes);

/* bk goes away (free, or its realloc moved/resized it into 'successor',
   which then carries on its pairs; successor is NULL for a free). */
void ma_lineage_block_released(Block* bk, Block* successor);

/* realloc moved a block, copying 'bytes': a relocation. */
void ma_lineage_note_realloc_move(ExeContext* ec, Site* from, Site* to,
                                  SizeT bytes, SizeT new_size);

/* Every copy group as of now (pairs still open counted as if the run
   ended now), in an array the caller frees with ma_lineage_free_groups.
   Changes no state, so a trace can be written twice. */
CopyGroup** ma_lineage_groups(UWord* n_groups);
void        ma_lineage_free_groups(CopyGroup** groups, UWord n_groups);

#endif
