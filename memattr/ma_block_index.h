/*--------------------------------------------------------------------*/
/*--- memattr: blocks in address order.          ma_block_index.h ---*/
/*--------------------------------------------------------------------*/

/* ma_block_index.c puts a snapshot's blocks in address order and finds
   the block an address points into: the two things every snapshot does
   for a million blocks (issue 13).  It keeps no state: the index of a
   snapshot's blocks lives in the caller's scan (ma_snap_scan.h), and is
   freed with it. */

#ifndef MA_BLOCK_INDEX_H
#define MA_BLOCK_INDEX_H

#include "pub_tool_basics.h"

#include "ma_snapshot.h"

/* An address and what it stands for (a block's node, a logged block's
   allocation event), sorted by the address. */
typedef struct {
   Addr  addr;
   ULong payload;
} AddrPair;

/* Sorts by address, stably: pairs of one address keep the order they
   came in.  A radix sort over the address bits in which they differ:
   a million blocks are a few passes over 16-byte pairs, where a
   comparison sort of the 64-byte snapshot blocks themselves cost 9 % of
   a run with snapshots of a big heap. */
void ma_sort_by_address(AddrPair* pairs, ULong n);

/* Where a block ends: a block of size 0 counts as one byte, as in
   Memcheck. */
static inline Addr ma_block_end(const SnapBlock* b)
{
   return b->addr + (b->size ? b->size : 1);
}

/* The blocks of a snapshot, in address order, over the span [lowest,
   highest) that holds them all, and what finds the block holding an
   address: a binary search, then, once the lookups outnumber a quarter
   of the blocks (a full scan's, not a retake's few), a bucket index
   when no blocks overlap.  The index cuts the span into buckets of
   2^shift bytes, about one per block; first[b] is the first block
   starting at or after bucket b, so the block holding v, if any, is
   the last one starting at or before v: among the few from first[b] - 1
   on.  A binary search over a million blocks missed the cache at most
   of its twenty probes. */
typedef struct {
   const SnapBlock* blocks;
   UInt  n_blocks;
   Addr  lowest, highest;
   UInt* first;     /* n_buckets + 1 entries; NULL while there is no index */
   ULong n_buckets;
   UInt  shift;
   ULong lookups;   /* made without an index */
   Bool  tried;     /* an index was made, or cannot be (blocks overlap) */
   Bool  check;     /* check every indexed lookup against the search
                       (--snapshot-check=yes) */
} BlockFinder;

/* A finder over blocks[0 .. n), which lie in [lowest, highest). */
void ma_block_finder_init(BlockFinder* f, const SnapBlock* blocks, UInt n,
                          Addr lowest, Addr highest, Bool check);

/* The index of the block containing v, or -1.  Blocks overlap only
   where a metapool's chunk holds custom blocks; an address in both then
   resolves as Memcheck's binary search (find_chunk_for) resolves it: to
   the first block containing it that the search probes.  Such blocks
   are never indexed. */
Int ma_block_finder_find(BlockFinder* f, Addr v);

void ma_block_finder_free(BlockFinder* f);

#endif   /* MA_BLOCK_INDEX_H */
