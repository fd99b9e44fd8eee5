/*--------------------------------------------------------------------*/
/*--- memattr: what the snapshot modules share.      ma_snap_scan.h ---*/
/*--------------------------------------------------------------------*/

/* Taking a snapshot is split by concern, around this header, as
   Memcheck is around mc_include.h; nothing outside these four files
   includes it (ma_snapshot.h is the snapshots' interface):
     ma_snapshot.c     when a snapshot is taken (the peak rule, requests,
                       exit), taking and discarding one, --snapshot-check,
                       the layouts of Memcheck's heuristics, the trace's
                       list of snapshots;
     ma_snap_blocks.c  its blocks, hashes and pointers: collected and read
                       in full, or retaken from the last snapshot (the
                       block log, pages written since);
     ma_snap_roots.c   its roots: registers, stacks (at a release, as at
                       the program's call), the data of loaded objects and
                       other mappings (root words kept, ma_root_cache.h);
     ma_snap_arrays.c  the growable arrays they fill, and the spare arrays
                       kept from one snapshot to the next.
   ma_snapshot.c says how a snapshot is taken, step by step.
   ma_snapshot.h is the interface of all four: of its functions,
   ma_snapshot_log_event is ma_snap_blocks.c's (the block log) and
   ma_snapshot_note_exit ma_snap_roots.c's (the stacks at exit). */

#ifndef MA_SNAP_SCAN_H
#define MA_SNAP_SCAN_H

#include "pub_tool_basics.h"
#include "pub_tool_libcbase.h"

#include "ma_block_index.h"
#include "ma_snapshot.h"

/* One snapshot being taken: ma_snapshot.c makes it, ma_snap_blocks.c
   fills the blocks and the finder, ma_snap_roots.c the roots. */
typedef struct {
   Snapshot*       s;
   const Snapshot* previous;    /* to reuse unchanged blocks from, or NULL */
   /* 'previous' when it is discarded after this snapshot (a retaken peak
      snapshot replacing the last one): its arrays' pages are unmapped
      as the retake passes them.  NULL otherwise. */
   Snapshot*       give_back;
   ULong           edge_capacity, root_capacity, word_capacity;
   Bool            keep_roots;   /* keep root words for the next snapshot */
   BlockFinder     finder;       /* the blocks' span [lowest, highest), and the
                                    block an address is in: ma_snap_block_containing */
} Scan;

/*--- Candidate words (SnapWord, ma_snapshot.h) ---*/

#define MA_SNAP_VALUE_BITS 47

static inline SnapWord ma_snap_word(ULong offset, Addr value)
{
   ULong index = offset / 8;
   return (SnapWord){ value | (index >> 32) << MA_SNAP_VALUE_BITS, (UInt)index };
}

static inline Addr ma_snap_word_value(const SnapWord* w)
{
   return w->bits & ((1ULL << MA_SNAP_VALUE_BITS) - 1);
}

static inline ULong ma_snap_word_offset(const SnapWord* w)
{
   return ((w->bits >> MA_SNAP_VALUE_BITS) << 32 | w->index_low) * 8;
}

static inline Bool ma_snap_same_word(const SnapWord* a, const SnapWord* b)
{
   return a->bits == b->bits && a->index_low == b->index_low;
}

/*--- The arrays (ma_snap_arrays.c) ---*/

/* Growing by doubling: ma_snap_grow reallocates (the roots, a block log),
   ma_snap_grow_mapped maps the bigger array and unmaps the old one (a
   snapshot's blocks, edges and words: see ma_snap_arrays.c).  Mapped
   arrays are given back, whole or from the start, by ma_snap_unmap_array. */
void* ma_snap_grow(void* array, ULong* capacity, SizeT elt_size, const HChar* cc);
void* ma_snap_grow_mapped(void* array, ULong* capacity, SizeT elt_size, const HChar* cc);
void* ma_snap_map_array(ULong capacity, SizeT elt_size, const HChar* cc);
void  ma_snap_unmap_array(void* array, ULong capacity, SizeT elt_size, SizeT released);

/* s's arrays, from the spares when they are large enough: its blocks
   (s->n_blocks of them), and for a scan its edges and words (about
   'wanted' each; 0 takes the spare whatever its size).  A discarded
   snapshot's arrays become the spares (ma_snap_keep_arrays). */
SnapBlock* ma_snap_new_block_array(Snapshot* s);
void       ma_snap_reserve_scan_arrays(Scan* sc, ULong wanted_edges, ULong wanted_words);
void       ma_snap_keep_arrays(Snapshot* s);

/* Appending: the inner loop of a scan, so a store and a compare.  Room
   for one more element at the end of a mapped array of *n. */
static inline void* ma_snap_append_mapped(void** array, ULong* n, ULong* capacity,
                                          SizeT elt_size, const HChar* cc)
{
   if (*n == *capacity) *array = ma_snap_grow_mapped(*array, capacity, elt_size, cc);
   return (UChar*)*array + (*n)++ * elt_size;
}

static inline SnapWord* ma_snap_new_word(Scan* sc)
{
   return ma_snap_append_mapped((void**)&sc->s->words, &sc->s->n_words, &sc->word_capacity,
                                sizeof(SnapWord), "ma.snap.words");
}

static inline SnapEdge* ma_snap_new_edge(Scan* sc)
{
   return ma_snap_append_mapped((void**)&sc->s->edges, &sc->s->n_edges, &sc->edge_capacity,
                                sizeof(SnapEdge), "ma.snap.edges");
}

static inline SnapRoot* ma_snap_new_root(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_roots == sc->root_capacity)
      s->roots = ma_snap_grow(s->roots, &sc->root_capacity, sizeof(SnapRoot), "ma.snap.roots");
   SnapRoot* r = &s->roots[s->n_roots++];
   VG_(memset)(r, 0, sizeof *r);
   r->name = r->object = "";
   return r;
}

/*--- Blocks (ma_snap_blocks.c) ---*/

/* The blocks of sc's snapshot, with their hashes and pointers, retaken
   from sc->previous when it can be; the finder is then ready. */
void ma_snap_take_blocks(Scan* sc);
/* Whether a snapshot can be retaken from 'previous' now. */
Bool ma_snap_can_retake(const Snapshot* previous);
/* Log the heap's block events afresh after snapshot s (or stop, when it
   cannot be retaken from). */
void ma_snap_start_log(const Snapshot* s);
/* Retakes written over the replaced snapshot's blocks, for
   --snapshot-check's summary. */
extern ULong ma_snap_merges_in_place;

/* The block containing address v, or -1 (ma_block_index.h). */
static inline Int ma_snap_block_containing(Scan* sc, Addr v)
{
   return ma_block_finder_find(&sc->finder, v);
}

/* Whether v lies in the blocks' span (it may still be in no block). */
static inline Bool ma_snap_in_heap_span(const Scan* sc, Addr v)
{
   return v - sc->finder.lowest < sc->finder.highest - sc->finder.lowest;
}

/* An offset into a block, saturated (MA_SNAP_FAR_INTERIOR). */
static inline UInt ma_snap_interior_offset(Addr offset)
{
   return offset >= MA_SNAP_FAR_INTERIOR ? MA_SNAP_FAR_INTERIOR : (UInt)offset;
}

/*--- Roots (ma_snap_roots.c) ---*/

/* The roots of sc's snapshot (its blocks in place): registers, stacks,
   then every other readable and writable client segment. */
void ma_snap_scan_roots(Scan* sc);
/* A peak snapshot is taken inside the release by thread tid: its roots
   are read as at the program's call (ma_snap_roots.c); forget it after. */
void ma_snap_find_release_chain(ThreadId tid);
void ma_snap_forget_release_chain(void);

#endif
