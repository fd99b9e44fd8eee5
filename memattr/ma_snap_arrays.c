/*--------------------------------------------------------------------*/
/*--- memattr: a snapshot's arrays.                ma_snap_arrays.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snap_scan.h: the arrays a snapshot fills, and the spares kept
   from one snapshot to the next. */

#include "pub_tool_basics.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"

#include "ma_bigmem.h"
#include "ma_snap_scan.h"

/* Appending is the inner loop of the scan, so it is a store and a
   compare, growing by doubling (an XArray call per edge costs more).
   Capacity not yet filled is never touched, so costs no memory; what
   does is a reallocation (the old array and the copy, at once), and
   doubling makes the fewest: the big arrays are sized ahead instead
   where their size is known (reserve). */
void* ma_snap_grow(void* array, ULong* capacity, SizeT elt_size, const HChar* cc)
{
   ULong old = *capacity;
   *capacity = old ? old * 2 : 1024;
   return ma_bigmem_realloc(cc, array, old * elt_size, *capacity * elt_size);
}

/* The three big arrays of a snapshot (blocks, edges, words) are mapped
   on their own, in whole pages (ma_bigmem.h), rather than VG_(malloc)ed:
   a retake that replaces the peak snapshot unmaps the replaced
   snapshot's pages as its walk passes them (give_back_passed), so that
   the two snapshots are not both whole at once when the tool's memory
   peaks.  VG_(malloc) would keep a big block whole until it is freed. */
void* ma_snap_map_array(ULong capacity, SizeT elt_size, const HChar* cc)
{
   return ma_bigmem_map(capacity * elt_size, cc);
}

/* The array's pages still mapped: those from 'released' bytes on. */
void ma_snap_unmap_array(void* array, ULong capacity, SizeT elt_size, SizeT released)
{
   ma_bigmem_unmap(array, released, ma_bigmem_mapped_size(capacity * elt_size));
}

/* ma_snap_grow() for a mapped array. */
void* ma_snap_grow_mapped(void* array, ULong* capacity, SizeT elt_size, const HChar* cc)
{
   ULong old = *capacity;
   *capacity = old ? old * 2 : 1024;
   void* bigger = ma_snap_map_array(*capacity, elt_size, cc);
   if (array) {
      VG_(memcpy)(bigger, array, old * elt_size);
      ma_snap_unmap_array(array, old, elt_size, 0);
   }
   return bigger;
}

/* The arrays of the last snapshot discarded whole, kept for the next
   one: a peak snapshot taken in full replaces one of about its size,
   and fresh arrays of that size each time cost page faults and unmaps.
   A retake that gives the replaced snapshot's pages back as it goes
   (give_back_passed) leaves no spare: it maps its arrays afresh, which
   costs those page faults but keeps one snapshot's arrays, not two,
   at the tool's peak. */
static struct {
   SnapBlock* blocks;
   SnapEdge*  edges;
   SnapWord*  words;
   ULong      block_capacity, edge_capacity, word_capacity;
} spare;

/* Keep 'array' as the spare of its kind if it is the larger and whole
   (none of its pages given back, 'released' 0); unmap the other. */
static void keep_spare(void** spare_array, ULong* spare_capacity, void* array, ULong capacity,
                       SizeT elt_size, SizeT released)
{
   if (capacity > *spare_capacity && released == 0) {
      ma_snap_unmap_array(*spare_array, *spare_capacity, elt_size, 0);
      *spare_array = array;
      *spare_capacity = capacity;
   } else {
      ma_snap_unmap_array(array, capacity, elt_size, released);
   }
}

static void* take_spare(void** spare_array, ULong* spare_capacity, ULong* capacity)
{
   void* array = *spare_array;
   *capacity = *spare_capacity;
   *spare_array = NULL;
   *spare_capacity = 0;
   return array;
}

/* An array of at least 'wanted' elements: the spare if it is large
   enough, else a new one.  A spare too small is freed first, not kept:
   a retake already holds the previous snapshot's arrays beside the new
   ones, and a third, useless array would be held with them at the
   moment the tool's memory peaks.  A new array has room to grow: the
   next retake, of a heap a little larger, can then take it as its
   spare.  'wanted' 0 takes the spare whatever its size. */
static void* reserve(void** spare_array, ULong* spare_capacity, ULong wanted,
                     SizeT elt_size, const HChar* cc, ULong* capacity)
{
   if (*spare_array && *spare_capacity >= wanted)
      return take_spare(spare_array, spare_capacity, capacity);
   ma_snap_unmap_array(*spare_array, *spare_capacity, elt_size, 0);
   *spare_array = NULL;
   *spare_capacity = 0;
   *capacity = wanted + wanted / 4;
   return ma_snap_map_array(*capacity, elt_size, cc);
}

SnapBlock* ma_snap_new_block_array(Snapshot* s)
{
   ULong wanted = s->n_blocks ? s->n_blocks : 1;
   return reserve((void**)&spare.blocks, &spare.block_capacity, wanted, sizeof(SnapBlock),
                  "ma.snap.blocks", &s->block_capacity);
}

void ma_snap_reserve_scan_arrays(Scan* sc, ULong wanted_edges, ULong wanted_words)
{
   Snapshot* s = sc->s;
   s->edges = reserve((void**)&spare.edges, &spare.edge_capacity, wanted_edges,
                      sizeof(SnapEdge), "ma.snap.edges", &sc->edge_capacity);
   s->words = reserve((void**)&spare.words, &spare.word_capacity, wanted_words,
                      sizeof(SnapWord), "ma.snap.words", &sc->word_capacity);
}

void ma_snap_keep_arrays(Snapshot* s)
{
   keep_spare((void**)&spare.blocks, &spare.block_capacity, s->blocks, s->block_capacity,
              sizeof(SnapBlock), s->blocks_released);
   keep_spare((void**)&spare.edges, &spare.edge_capacity, s->edges, s->edge_capacity,
              sizeof(SnapEdge), s->edges_released);
   keep_spare((void**)&spare.words, &spare.word_capacity, s->words, s->word_capacity,
              sizeof(SnapWord), s->words_released);
}
