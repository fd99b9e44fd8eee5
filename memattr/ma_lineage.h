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

#include "ma_clock.h"

typedef struct _Block Block;   /* ma_blocks.h */
typedef struct _Site  Site;

/* This module's part of a block (Block.lineage), only with access
   tracking: the block's pairs as source and as destination, and the
   time of its last use (set through ma_lineage_note_use by the access
   helpers).  A realloc's successor carries all of it on.  Packed to
   four-byte alignment after AccessBlock (see there); the eight-byte
   fields still fall on eight-byte boundaries.  The two chains hold
   pairs of two shapes (ma_lineage.c, PairRef), hence plain words. */
typedef struct __attribute__((packed, aligned(4))) {
   UInt          n_links_in;
   ULong         last_use;     /* ma_instrs at the last read that was a use */
   UWord         pairs_out;    /* copy pairs with this block as source */
   UWord         pairs_in;     /* ... as destination */
} LineageBlock;

/* The block was used (a read that is not only a copy into another
   heap block, see MA_USE_DEFINITION).  Inline: called for reads. */
static inline void ma_lineage_note_use(LineageBlock* lb)
{
   lb->last_use = ma_instrs;
}

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

/* Block events (ma_events.h; only with access tracking).  A freed
   block breaks its pairs; a replaced one keeps them until its
   successor is announced, which takes them over and, when the block
   moved, is a relocation copy (a 'realloc' copy group). */
void ma_lineage_block_allocated(Block* bk, Block* predecessor);
void ma_lineage_block_releasing(Block* bk, Bool replaced);

/* Every copy group as of now (pairs still open counted as if the run
   ended now), in an array the caller frees with ma_lineage_free_groups.
   Changes no state, so a trace can be written twice. */
CopyGroup** ma_lineage_groups(UWord* n_groups);
void        ma_lineage_free_groups(CopyGroup** groups, UWord n_groups);

#endif
