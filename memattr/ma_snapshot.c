/*--------------------------------------------------------------------*/
/*--- memattr: heap snapshots.                      ma_snapshot.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snapshot.h.  Taking a snapshot:

   1. The live blocks are copied out of ma_blocks.c's tables into an array
      sorted by address, so a word can be tested for "points into a
      block" by one range check and a lookup (a bucket index of the
      heap's span once lookups are many, else a binary search).
   2. Every block is read once, word by word: each word feeds the
      content hash, and words that look like addresses are kept as
      candidates; a candidate whose value lies in a block is an edge.
      With access tracking, a block the program has not written since
      the previous snapshot is not read again: its hash and candidates
      are taken from that snapshot and the candidates resolved against
      the current blocks, which gives what reading it would give.  The
      peak snapshot is retaken as the heap grows, and most of the heap
      is unchanged between two of them.
   3. Roots: the integer registers of every thread; each thread's stack
      from its stack pointer (less the red zone) up, each word named by
      the function whose frame holds it (at a release, the releasing
      thread's as they were at the program's call: "The release a
      snapshot is taken at" below); every other readable and
      writable client segment (data and bss of loaded objects, named by
      data symbol; anonymous and file mappings), with the stacks and
      the heap itself left out.

   With page tracking, steps 1 and 2 are done from the previous
   snapshot instead ("Retaking from the last snapshot" below: the
   blocks allocated and released since are merged in, blocks on pages
   written since are read, the others' pointers renumbered), and root
   segments are read only on the pages written since ("Root mappings
   read once" below), so a retake costs what changed, not the heap's
   size.  --snapshot-check=yes compares each retake with a full scan.

   Everything runs on the real CPU outside translated code, once per
   snapshot; its cost is the bytes read (the blocks and root pages read
   again), which ma_snapshot_cost adds up and the trace reports.

   Pitfalls handled (../shared/reference/valgrind-tool-notes.md, 5):
   - memory below a thread's stack pointer holds dead frames: not read;
   - a slot of a live frame not written since the frame was made holds
     what a dead frame left: below where exit was entered, not a root
     (ma_exit_stack.c); elsewhere still read (see docs/accuracy.md);
   - bytes of a block the program never wrote would hold whatever the
     previous occupant left, perhaps a pointer: ma_heap.c clears freed
     memory when snapshots are on (only the pages written, with page
     tracking: ma_pages_clear_written), so they read as zeros;
   - reading a mapping can fault (a file mapping past the end of its
     file): a fault catcher skips the faulting page;
   - reading untouched pages faults them in: anything about residency
     must be measured before a snapshot. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacehl.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcsetjmp.h"
#include "pub_tool_libcsignal.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_signals.h"
#include "pub_tool_stacktrace.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_vki.h"
#include "pub_tool_wordfm.h"

#include "ma_access.h"
#include "ma_bigmem.h"
#include "ma_block_index.h"
#include "ma_blocks.h"
#include "ma_exit_stack.h"
#include "ma_heap.h"
#include "ma_layouts.h"
#include "ma_names.h"
#include "ma_pages.h"
#include "ma_release_chain.h"
#include "ma_root_cache.h"
#include "ma_snapshot.h"

Bool  ma_snapshots_on        = True;
Long  ma_snapshot_growth_pct = 2;
Long  ma_snapshot_min_bytes  = 64 * 1024;
/* -1 until the options are read: then ma_snapshot_init picks the
   default for the mode (see set_default_budget). */
Long  ma_snapshot_budget     = -1;

SnapshotCost ma_snapshot_cost;
ULong        ma_snapshot_threshold = ~0ULL;

_Static_assert(sizeof(SnapBlock) == 64, "SnapBlock: see ma_snapshot.h");
_Static_assert(sizeof(SnapWord) == 12, "SnapWord: see ma_snapshot.h");

/*------------------------------------------------------------*/
/*--- Growable arrays of edges and roots                   ---*/
/*------------------------------------------------------------*/

/* Appending is the inner loop of the scan, so it is a store and a
   compare, growing by doubling (an XArray call per edge costs more).
   Capacity not yet filled is never touched, so costs no memory; what
   does is a reallocation (the old array and the copy, at once), and
   doubling makes the fewest: the big arrays are sized ahead instead
   where their size is known (reserve). */
static void* grow(void* array, ULong* capacity, SizeT elt_size, const HChar* cc)
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
static void* map_array(ULong capacity, SizeT elt_size, const HChar* cc)
{
   return ma_bigmem_map(capacity * elt_size, cc);
}

/* The array's pages still mapped: those from 'released' bytes on. */
static void unmap_array(void* array, ULong capacity, SizeT elt_size, SizeT released)
{
   ma_bigmem_unmap(array, released, ma_bigmem_mapped_size(capacity * elt_size));
}

/* grow() for a mapped array. */
static void* grow_mapped(void* array, ULong* capacity, SizeT elt_size, const HChar* cc)
{
   ULong old = *capacity;
   *capacity = old ? old * 2 : 1024;
   void* bigger = map_array(*capacity, elt_size, cc);
   if (array) {
      VG_(memcpy)(bigger, array, old * elt_size);
      unmap_array(array, old, elt_size, 0);
   }
   return bigger;
}

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
                                    block an address is in: block_containing */
} Scan;

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
      unmap_array(*spare_array, *spare_capacity, elt_size, 0);
      *spare_array = array;
      *spare_capacity = capacity;
   } else {
      unmap_array(array, capacity, elt_size, released);
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
   unmap_array(*spare_array, *spare_capacity, elt_size, 0);
   *spare_array = NULL;
   *spare_capacity = 0;
   *capacity = wanted + wanted / 4;
   return map_array(*capacity, elt_size, cc);
}

static SnapBlock* new_block_array(Snapshot* s)
{
   ULong wanted = s->n_blocks ? s->n_blocks : 1;
   return reserve((void**)&spare.blocks, &spare.block_capacity, wanted, sizeof(SnapBlock),
                  "ma.snap.blocks", &s->block_capacity);
}

static SnapWord* new_word(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_words == sc->word_capacity)
      s->words = grow_mapped(s->words, &sc->word_capacity, sizeof(SnapWord), "ma.snap.words");
   return &s->words[s->n_words++];
}

static SnapEdge* new_edge(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_edges == sc->edge_capacity)
      s->edges = grow_mapped(s->edges, &sc->edge_capacity, sizeof(SnapEdge), "ma.snap.edges");
   return &s->edges[s->n_edges++];
}

static SnapRoot* new_root(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_roots == sc->root_capacity)
      s->roots = grow(s->roots, &sc->root_capacity, sizeof(SnapRoot), "ma.snap.roots");
   SnapRoot* r = &s->roots[s->n_roots++];
   VG_(memset)(r, 0, sizeof *r);
   r->name = r->object = "";
   return r;
}

/*------------------------------------------------------------*/
/*--- Blocks                                               ---*/
/*------------------------------------------------------------*/

/* Whether 'outer' and 'inner' (which lies inside it) both stay in the
   snapshot: a metapool's chunk and the blocks its user carves out of it
   with VALGRIND_MALLOCLIKE_BLOCK, the one overlap Memcheck's leak check
   allows. */
static Bool both_kept(const SnapBlock* outer, const SnapBlock* inner)
{
   return outer->in_metapool && inner->kind == BLOCK_CUSTOM;
}

/* Blocks nest only when a program's own allocator carves custom or pool
   blocks out of a malloc'd (or custom) block.  As in Memcheck's leak
   check, the inner blocks stand and the block containing them is left
   out of the snapshot: pointers then resolve to the inner blocks,
   which is what the program works with.  A metapool's chunk and the
   custom blocks inside it are both kept (both_kept).  A block
   overlapping another without containing it (a bad annotation) is left
   out too.  Returns the number of blocks kept, and keeps 'bytes' their
   sum. */
static UInt drop_containers(Snapshot* s)
{
   SnapBlock* b = s->blocks;
   UInt kept = 0;
   for (UInt i = 0; i < s->n_blocks; i++) {
      if (kept > 0 && b[i].addr < ma_block_end(&b[kept - 1])) {
         SnapBlock* last = &b[kept - 1];
         Bool last_contains = last->addr <= b[i].addr && ma_block_end(&b[i]) <= ma_block_end(last);
         if (!(last_contains && both_kept(last, &b[i]))) {
            s->bytes -= last_contains ? last->size : b[i].size;
            if (!last_contains) continue;      /* drop b[i] */
            kept--;                            /* drop the container */
         }
      }
      b[kept++] = b[i];
   }
   return kept;
}

/* Which client memory a snapshot may read. A program may make part of
   its own heap inaccessible (mprotect(PROT_NONE) on a malloc'd page, a
   guard page in an arena), and reading it would fault inside the tool.
   Asking Valgrind's address-space manager about every block would cost a
   lookup each, but the heap lies in a few large segments: the last
   readable segment found answers almost every question. Made afresh for
   each snapshot, as the program may have changed protections since. */
typedef struct {
   Addr start, end;   /* [start, end]: readable client memory; start > end
                         while nothing is known */
} ReadableCache;

static Bool is_readable(ReadableCache* cache, Addr a, SizeT len)
{
   if (len == 0) len = 1;   /* an empty block is read as one byte (block_containing) */
   const Addr last = a + len - 1;
   if (a >= cache->start && last <= cache->end) return True;
   const NSegment* seg = VG_(am_find_nsegment)(a);
   if (seg && seg->hasR && last <= seg->end
       && (seg->kind == SkAnonC || seg->kind == SkFileC || seg->kind == SkShmC)) {
      cache->start = seg->start;
      cache->end = seg->end;
      return True;
   }
   return VG_(am_is_valid_for_client)(a, len, VKI_PROT_READ);
}

/* The block containing address v, or -1 (ma_block_index.h). */
static Int block_containing(Scan* sc, Addr v)
{
   return ma_block_finder_find(&sc->finder, v);
}

/* The blocks are in place, every one in [lowest, highest) (an empty
   heap gives the empty range [0, 0), which nothing is in): pointers into
   them can be looked up. */
static void blocks_in_place(Scan* sc, Addr lowest, Addr highest)
{
   ma_block_finder_init(&sc->finder, sc->s->blocks, sc->s->n_blocks, lowest, highest,
                        ma_snapshot_check);
}

/* Whether v lies in the blocks' span (it may still be in no block). */
static Bool in_heap_span(const Scan* sc, Addr v)
{
   return v - sc->finder.lowest < sc->finder.highest - sc->finder.lowest;
}

/* A snapshot block from ma_blocks.c's node, not yet read. */
static void fill_from_node(SnapBlock* b, const Block* bk, ReadableCache* readable)
{
   b->addr = bk->payload;
   b->size = bk->req_szB;
   b->site = bk->site;
   b->hash = 0;
   b->first_edge = b->first_word = 0;
   tl_assert(bk->alloc_event <= MA_SNAP_MAX_ALLOC_EVENT);   /* 2^59 allocations: never */
   b->alloc_event = bk->alloc_event;
   b->written = ma_access_bytes_written(bk);
   b->readable = is_readable(readable, bk->payload, bk->req_szB);
   b->kind = bk->kind;
   b->in_metapool = bk->in_metapool;
   b->in_place = bk->resized_in_place;
}

static void collect_blocks(Scan* sc)
{
   Snapshot* s = sc->s;
   ReadableCache readable = { 1, 0 };
   s->n_blocks = (UInt)ma_heap.curr_blocks;
   s->blocks = new_block_array(s);
   AddrPair* nodes = ma_bigmem_malloc("ma.snap.nodes", (s->n_blocks + 1) * sizeof(AddrPair));
   UInt n = 0;
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) {
      tl_assert(n < s->n_blocks);
      nodes[n++] = (AddrPair){ bk->payload, (ULong)(Addr)bk };
   }
   tl_assert(n == s->n_blocks);
   ma_sort_by_address(nodes, n);
   for (UInt i = 0; i < n; i++)
      fill_from_node(&s->blocks[i], (const Block*)(Addr)nodes[i].payload, &readable);
   VG_(free)(nodes);
   n = s->n_blocks = drop_containers(s);
   for (UInt i = 0; i < n; i++)
      if (s->blocks[i].in_place) s->in_place_blocks++;
   for (UInt i = 0; i < n; i++)
      if (!s->blocks[i].readable) {
         s->unreadable_blocks++;
         s->unreadable_bytes += s->blocks[i].size;
      }
   /* The last block need not end highest: a metapool's chunk may hold it. */
   Addr highest = 0;
   for (UInt i = 0; i < n; i++)
      if (ma_block_end(&s->blocks[i]) > highest) highest = ma_block_end(&s->blocks[i]);
   blocks_in_place(sc, n ? s->blocks[0].addr : 0, highest);
}

static UInt interior_offset(Addr offset)
{
   return offset >= MA_SNAP_FAR_INTERIOR ? MA_SNAP_FAR_INTERIOR : (UInt)offset;
}

/* A 64-bit hash of a block's bytes: each word is multiplied into the
   state and rotated (so order matters), the tail bytes form a last
   word, and the size is mixed in at the end.  Only equality matters:
   memattr-graph groups blocks of equal size and hash. */
static inline ULong hash_word(ULong h, ULong w)
{
   h ^= w * 0x9E3779B97F4A7C15ULL;
   h = (h << 31) | (h >> 33);
   return h * 0xC2B2AE3D27D4EB4FULL;
}

static ULong hash_finish(ULong h, SizeT size)
{
   h ^= size;
   h ^= h >> 33; h *= 0xFF51AFD7ED558CCDULL;
   h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53ULL;
   return h ^ (h >> 33);
}

/* Worth keeping as a candidate pointer: see SnapWord. */
static inline Bool looks_like_address(ULong w)
{
   return w - 4096 < (1ULL << 47) - 4096;
}

/* Read block i once: hash its bytes and keep its candidate words.
   Malloc blocks start 8-aligned (the client arena aligns to at least
   16), so every whole word is aligned; custom blocks may not be, and
   their words are read unaligned, relative to the block's start. */
static void read_block(Scan* sc, UInt i)
{
   SnapBlock* b = &sc->s->blocks[i];
   /* A block the program never wrote (malloc'd, reserved, never filled)
      holds what the allocator left there, not contents of the
      program's: it is no one's duplicate, and any address-like words in
      it are stale, not pointers.  Like a block that cannot be read, it
      gets a hash of its address, which matches no other block.  Without
      access tracking no block is known to be unwritten. */
   Bool never_written = ma_track_access && b->written == 0 && b->size > 0;
   if (!b->readable || never_written) {
      b->hash = hash_finish(hash_word(0, b->addr), b->size);
      return;
   }
   Addr  end = b->addr + b->size / 8 * 8;   /* of the whole words */
   ULong h   = 0;
   SizeT untouched = 0;
   /* A big malloc block's pages the kernel holds nothing for read as
      zeros (ma_pages.h): hashed as zeros, not read, so a block reserved
      big and barely written is not faulted in.  Malloc blocks only: they
      lie in anonymous memory (Valgrind's arena, glibc's), where a custom
      block may lie in a file's private mapping, whose untouched pages
      hold the file's bytes.  Its words meet page boundaries exactly. */
   Bool skip_untouched = b->kind == BLOCK_MALLOC && b->size >= MA_PAGES_UNTOUCHED_MIN;
   if (skip_untouched) ma_pages_untouched_begin();
   for (Addr at = b->addr; at < end; ) {
      if (skip_untouched && VG_IS_PAGE_ALIGNED(at)) {
         Addr zeros_end = ma_pages_untouched_until(at, end);
         untouched += zeros_end - at;
         for (; at < zeros_end; at += 8) h = hash_word(h, 0);
      }
      Addr page_end = VG_PGROUNDDN(at) + VKI_PAGE_SIZE;
      for (; at < end && at < page_end; at += 8) {
         ULong w = *(const ULong*)at;
         h = hash_word(h, w);
         if (UNLIKELY(looks_like_address(w))) *new_word(sc) = ma_snap_word(at - b->addr, w);
      }
   }
   SizeT tail = b->size % 8;
   if (tail) {
      ULong w = 0;
      VG_(memcpy)(&w, (const UChar*)end, tail);
      h = hash_word(h, w);
   }
   b->hash = hash_finish(h, b->size);
   sc->s->scanned += b->size - untouched;
}

/* Whether a block the program wrote 'written_then' bytes of when it was
   last read has had none of its own bytes written since: its contents
   are then what was read.  Only access tracking counts a block's writes. */
static Bool unwritten_since(ULong written_then, const SnapBlock* now)
{
   return ma_track_access && now->written == written_then;
}

/* The same block, unwritten since, in the previous snapshot: blocks of
   both are in address order, so one cursor walks the previous blocks
   as i increases. */
static const SnapBlock* unchanged_before(Scan* sc, UInt i, UInt* cursor)
{
   const Snapshot* prev = sc->previous;
   const SnapBlock* b = &sc->s->blocks[i];
   if (!prev || !ma_track_access) return NULL;   /* nothing known unwritten */
   while (*cursor < prev->n_blocks && prev->blocks[*cursor].addr < b->addr) (*cursor)++;
   if (*cursor == prev->n_blocks) return NULL;
   const SnapBlock* old = &prev->blocks[*cursor];
   return old->addr == b->addr && old->alloc_event == b->alloc_event
          && unwritten_since(old->written, b) ? old : NULL;
}

static ULong words_end(const Snapshot* s, UInt i)
{
   return i + 1 < s->n_blocks ? s->blocks[i + 1].first_word : s->n_words;
}

static void reuse_block(Scan* sc, UInt i, const SnapBlock* old)
{
   const Snapshot* prev = sc->previous;
   SnapBlock* b = &sc->s->blocks[i];
   b->hash = old->hash;
   ULong end = words_end(prev, (UInt)(old - prev->blocks));
   for (ULong k = old->first_word; k < end; k++) *new_word(sc) = prev->words[k];
   sc->s->reused += b->size;
}

/* Block i's candidate words that point into blocks are its edges. */
static void resolve_words(Scan* sc, UInt i)
{
   SnapBlock* b = &sc->s->blocks[i];
   b->first_edge = sc->s->n_edges;
   for (ULong k = b->first_word; k < sc->s->n_words; k++) {
      Addr w = ma_snap_word_value(&sc->s->words[k]);
      Int to = block_containing(sc, w);
      if (to < 0) continue;
      SnapEdge* e = new_edge(sc);
      e->offset = ma_snap_word_offset(&sc->s->words[k]);
      e->target = (UInt)to;
      e->target_offset = interior_offset(w - sc->s->blocks[to].addr);
   }
}

static void read_blocks_fully(Scan* sc)
{
   UInt cursor = 0;
   for (UInt i = 0; i < sc->s->n_blocks; i++) {
      sc->s->blocks[i].first_word = sc->s->n_words;
      const SnapBlock* old = unchanged_before(sc, i, &cursor);
      if (old) reuse_block(sc, i, old);
      else     read_block(sc, i);
      resolve_words(sc, i);
   }
}

/*------------------------------------------------------------*/
/*--- Retaking from the last snapshot                      ---*/
/*------------------------------------------------------------*/

/* A retake costs what changed since the last snapshot, not the heap's
   size (issue 13).  While the last snapshot can be retaken from, the
   heap's block events are logged (ma_events.h): the blocks allocated
   and those released since, each as (address, allocation event), the
   pair that names a block for good.  The pages written since come from
   ma_pages.c.  Then the new snapshot's blocks are the last one's less
   the released ones, merged in address order with the new ones still
   live (sorted: they are few), without collecting or sorting the whole
   heap again.  A block of the last snapshot on no page written since
   keeps its hash and candidate words, and its pointers are carried
   over by renumbering their targets; only a pointer whose target was
   released, and a candidate that pointed into no block but may now
   point into a new one, is looked up again.  Blocks new or on a page
   written since are read, as in a full scan.  What remains in
   proportion to the heap is copying the arrays (sequential, no
   lookups, no reading of client memory).

   Custom and pool blocks may contain one another (drop_containers), so
   while any is live a snapshot is taken in full; so it is without page
   tracking, after a huge unmap (ma_pages_all_dirty), and when the log
   grows beyond the last snapshot's size (then a full scan costs no
   more). */

/* A logged block: its address, and as the payload
   - in the log of blocks allocated, its node, or 0 once it is released
     (a block allocated and released since the last snapshot is in
     neither: the retake then needs no table lookup to tell whether a
     logged block still lives, nor its node);
   - in the log of blocks released (those of the last snapshot), its
     allocation event: the node is gone.
   Sorted by address alone: of the released entries of one address, a
   retake wants the one with a given event, whatever their order. */
typedef AddrPair LoggedBlock;

typedef struct {
   LoggedBlock* entries;
   ULong        n, capacity;
} BlockLog;

Bool            ma_snapshot_logging = False;
static BlockLog allocated_log, released_log;
static ULong    log_limit;   /* entries of both logs together */

/* Emptied, its array freed: a log may grow to the heap's number of
   blocks, and is not kept beside the two snapshots a retake holds (it
   grows again from small, costing page faults in proportion to the
   entries logged, as logging them does). */
static void log_clear(BlockLog* log)
{
   VG_(free)(log->entries);
   log->entries = NULL;
   log->n = log->capacity = 0;
}

/* A scratch array of at least 'n' elements, kept from retake to retake:
   an array mapped afresh each time costs page faults in proportion to
   the heap, not to what changed.  (The renumbering is 4 bytes a
   block.) */
static void* scratch(void* array, ULong* capacity, ULong n, SizeT elt_size, const HChar* cc)
{
   if (n <= *capacity) return array;
   *capacity = n + n / 2;
   VG_(free)(array);
   return ma_bigmem_malloc(cc, *capacity * elt_size);
}

static UInt*      renumber_scratch;
static ULong      renumber_capacity;

/* Every allocation increments ma_heap.alloc_events and is logged, in
   that order, while logging is on: the block allocated with event
   first_logged_event + i is entry i of allocated_log until the log is
   sorted, when the retake starts. */
static ULong first_logged_event;

/* Start logging afresh after snapshot s (or stop, when it cannot be
   retaken from). */
static void start_log(const Snapshot* s)
{
   log_clear(&allocated_log);
   log_clear(&released_log);
   ma_snapshot_logging = ma_track_pages && s->mergeable;
   log_limit = s->n_blocks + 65536;
   first_logged_event = ma_heap.alloc_events + 1;
   ma_pages_dirty_reset();
}

static void log_append(BlockLog* log, LoggedBlock entry)
{
   if (log->n == log->capacity)
      log->entries = grow(log->entries, &log->capacity, sizeof(LoggedBlock), "ma.snap.log");
   log->entries[log->n++] = entry;
}

void ma_snapshot_log_event(const Block* bk, Bool allocated)
{
   if (allocated_log.n + released_log.n >= log_limit) {   /* a full scan costs no more */
      ma_snapshot_logging = False;
      log_clear(&allocated_log);
      log_clear(&released_log);
      return;
   }
   if (allocated) {
      tl_assert(bk->alloc_event == first_logged_event + allocated_log.n);
      log_append(&allocated_log, (LoggedBlock){ bk->payload, (ULong)(UWord)bk });
   } else if (bk->alloc_event >= first_logged_event) {   /* new since: forget it */
      LoggedBlock* e = &allocated_log.entries[bk->alloc_event - first_logged_event];
      tl_assert(e->payload == (ULong)(UWord)bk);
      e->payload = 0;
   } else {
      log_append(&released_log, (LoggedBlock){ bk->payload, bk->alloc_event });
   }
}

/* The logged allocations still live, as snapshot blocks sorted by
   address, in an array the caller frees. */
static SnapBlock* new_live_blocks(UInt* n_out, ReadableCache* readable)
{
   ma_sort_by_address(allocated_log.entries, allocated_log.n);
   SnapBlock* fresh = ma_bigmem_malloc("ma.snap.fresh", (allocated_log.n + 1) * sizeof(SnapBlock));
   UInt n = 0;
   for (ULong i = 0; i < allocated_log.n; i++) {
      const Block* bk = (const Block*)(UWord)allocated_log.entries[i].payload;
      if (bk) fill_from_node(&fresh[n++], bk, readable);
   }
   *n_out = n;
   return fresh;
}

/* Whether the previous snapshot's block (addr, event) was released;
   'cursor' walks the sorted release log as addresses increase. */
static Bool released(const SnapBlock* old, ULong* cursor)
{
   const LoggedBlock* e = released_log.entries;
   while (*cursor < released_log.n && e[*cursor].addr < old->addr) (*cursor)++;
   for (ULong k = *cursor; k < released_log.n && e[k].addr == old->addr; k++)
      if (e[k].payload == old->alloc_event) return True;
   return False;
}

#define GONE 0xFFFFFFFFu

/* Where a previous block's candidate words and edges end in the
   previous snapshot's arrays (they start at its first_word and
   first_edge, which the merged copy of the block keeps until it is
   read): noted by the merge, so that reading needs no more of the
   previous snapshot's blocks, whose pages the merge gives back. */
typedef struct {
   ULong words_end, edges_end;
} OldEnds;

/* The blocks: the previous ones not released, and the new ones, in
   address order.  renumber[i] is the new index of the previous
   snapshot's block i, or GONE, and ends[i] where its words and edges
   end (mapped for this retake, and given back as the read passes it:
   ends_released bytes are); fresh_lo/hi bound the new blocks. */
typedef struct {
   UInt*    renumber;
   OldEnds* ends;
   ULong    n_ends;
   SizeT    ends_released;
   Addr     fresh_lo, fresh_hi;
} Merge;

/* Unmaps the pages of 'array' below byte 'passed' not yet unmapped
   (*released bytes are), 256 KiB or more at a time: a walk passes
   every page once, and each unmap is a system call. */
#define GIVE_BACK_STEP (256 * 1024)

static void give_back_prefix(void* array, SizeT passed, SizeT* released)
{
   SizeT upto = VG_PGROUNDDN(passed);
   if (upto < *released + GIVE_BACK_STEP) return;
   ma_bigmem_unmap(array, *released, upto);
   *released = upto;
}

/* The previous snapshot's blocks, read in order by the merge.  When
   that snapshot is discarded after the retake, and its array has room
   for the new blocks, the merge writes the new snapshot's blocks over
   it instead of into an array mapped afresh: a retake on a heap of a
   million blocks then writes 64 bytes a block less to pages it faults in
   (issue 13: the page faults of a retake's fresh arrays cost more than
   its own work).  A block whose slot is about to be written before it
   was read is moved to a queue first, and read from there: the queue
   holds at most as many blocks as were allocated since (new blocks are
   what moves the old ones up). */
typedef struct {
   SnapBlock* array;
   UInt       n;          /* blocks in it */
   UInt       next;       /* the first not yet read or queued */
   Bool       in_place;   /* the merge writes over 'array' */
   SnapBlock* queue;      /* a ring: capacity, front at head, count */
   UInt       capacity, head, count;
} OldBlocks;

static const SnapBlock* peek_old(const OldBlocks* r)
{
   if (r->count) return &r->queue[r->head];
   return r->next < r->n ? &r->array[r->next] : NULL;
}

static SnapBlock take_old(OldBlocks* r)
{
   if (r->count) {
      SnapBlock b = r->queue[r->head];
      r->head = (r->head + 1) % r->capacity;
      r->count--;
      return b;
   }
   tl_assert(r->next < r->n);
   return r->array[r->next++];
}

/* Writes block b at slot p of the new snapshot's array. */
static void put_block(OldBlocks* r, SnapBlock* blocks, UInt p, const SnapBlock* b)
{
   if (r->in_place && p == r->next && r->next < r->n) {   /* not read yet: keep it */
      tl_assert(r->count < r->capacity);
      r->queue[(r->head + r->count++) % r->capacity] = r->array[r->next++];
   }
   blocks[p] = *b;
}

static ULong merges_in_place;   /* for --snapshot-check's summary */

/* Whether the retake may write its blocks over the previous snapshot's:
   that snapshot is discarded after it (give_back is the previous one),
   none of its blocks' pages were given back, and they have room. */
static Bool merge_in_place(const Scan* sc, UInt n_blocks)
{
   const Snapshot* prev = sc->give_back;
   return prev && prev->blocks_released == 0 && prev->block_capacity >= n_blocks;
}

static void merge_blocks(Scan* sc, Merge* m)
{
   const Snapshot* prev = sc->previous;
   Snapshot* s = sc->s;
   ReadableCache readable = { 1, 0 };
   UInt n_fresh;
   SnapBlock* fresh = new_live_blocks(&n_fresh, &readable);
   ma_sort_by_address(released_log.entries, released_log.n);
   m->fresh_lo = n_fresh ? fresh[0].addr : 0;
   m->fresh_hi = n_fresh ? ma_block_end(&fresh[n_fresh - 1]) : 0;
   renumber_scratch = scratch(renumber_scratch, &renumber_capacity, prev->n_blocks + 1,
                              sizeof(UInt), "ma.snap.renumber");
   m->renumber = renumber_scratch;
   m->n_ends = prev->n_blocks;
   m->ends = map_array(m->n_ends, sizeof(OldEnds), "ma.snap.ends");
   m->ends_released = 0;
   s->n_blocks = (UInt)ma_heap.curr_blocks;
   OldBlocks old_blocks = { prev->blocks, prev->n_blocks, 0, merge_in_place(sc, s->n_blocks),
                            NULL, n_fresh + 1, 0, 0 };
   if (old_blocks.in_place) {
      merges_in_place++;
      Snapshot* discarded = sc->give_back;
      s->blocks = discarded->blocks;
      s->block_capacity = discarded->block_capacity;
      discarded->blocks = NULL;   /* the new snapshot's now */
      discarded->block_capacity = 0;
      old_blocks.queue = ma_bigmem_malloc("ma.snap.queue", old_blocks.capacity * sizeof(SnapBlock));
   } else {
      s->blocks = new_block_array(s);
   }
   UInt n = 0, f = 0;
   ULong cursor = 0;
   for (UInt i = 0; i < prev->n_blocks; i++) {
      SnapBlock old = take_old(&old_blocks);
      m->renumber[i] = GONE;
      if (sc->give_back && !old_blocks.in_place && (i & 1023) == 0)
         give_back_prefix(sc->give_back->blocks, i * sizeof(SnapBlock),
                          &sc->give_back->blocks_released);
      if (released(&old, &cursor)) continue;
      while (f < n_fresh && fresh[f].addr < old.addr) {
         tl_assert(n < s->n_blocks);
         put_block(&old_blocks, s->blocks, n++, &fresh[f++]);
      }
      tl_assert(n < s->n_blocks);
      m->renumber[i] = n;
      const SnapBlock* next_old = peek_old(&old_blocks);
      m->ends[i] = next_old ? (OldEnds){ next_old->first_word, next_old->first_edge }
                            : (OldEnds){ prev->n_words, prev->n_edges };
      put_block(&old_blocks, s->blocks, n++, &old);
   }
   while (f < n_fresh) {
      tl_assert(n < s->n_blocks);
      put_block(&old_blocks, s->blocks, n++, &fresh[f++]);
   }
   tl_assert(n == s->n_blocks);
   /* Merged: the new blocks and the logs are no longer needed, and the
      blocks are read (the new snapshot's arrays filled) after this. */
   VG_(free)(old_blocks.queue);
   VG_(free)(fresh);
   log_clear(&allocated_log);
   log_clear(&released_log);
   blocks_in_place(sc, n ? s->blocks[0].addr : 0, n ? ma_block_end(&s->blocks[n - 1]) : 0);
}

/* The last page looked up, and whether it was written: small blocks
   share pages, and blocks come in address order. */
typedef struct {
   Addr page;   /* 1 while none */
   Bool dirty;
} PageVerdict;

static Bool dirty_block(const SnapBlock* b, PageVerdict* last)
{
   Addr first = VG_PGROUNDDN(b->addr), last_byte = ma_block_end(b) - 1;
   if (VG_PGROUNDDN(last_byte) != first) return ma_pages_dirty_in(b->addr, ma_block_end(b));
   if (last->page != first) {
      last->page = first;
      last->dirty = ma_pages_dirty_in(first, first + 1);
   }
   return last->dirty;
}

/* What a block kept from the previous snapshot had there: its hash,
   and its candidate words and edges in the previous snapshot's arrays. */
typedef struct {
   ULong hash;
   ULong first_word, words_end;
   ULong first_edge, edges_end;
} OldBlock;

/* Whether block i was in the previous snapshot (the merge copied it
   there), and if so what it had there (*old); *clean says whether it is
   unchanged: readable as it was, and on no page written since or (with
   access tracking) with none of its own bytes written since.  A block
   on a written page gets its figures from its node now.  'cursor' walks the
   previous blocks' new numbers as i increases. */
static Bool same_before(Scan* sc, const Merge* m, UInt i, UInt* cursor,
                        ReadableCache* readable, PageVerdict* last_page, OldBlock* old,
                        Bool* clean)
{
   const Snapshot* prev = sc->previous;
   SnapBlock* b = &sc->s->blocks[i];
   *clean = False;
   while (*cursor < prev->n_blocks
          && (m->renumber[*cursor] == GONE || m->renumber[*cursor] < i)) (*cursor)++;
   if (*cursor == prev->n_blocks || m->renumber[*cursor] != i) return False;   /* new */
   *old = (OldBlock){ b->hash, b->first_word, m->ends[*cursor].words_end,
                      b->first_edge, m->ends[*cursor].edges_end };
   *clean = !dirty_block(b, last_page) && is_readable(readable, b->addr, b->size) == b->readable;
   if (!*clean) {
      const Block* bk = ma_blocks_find(b->addr, BLOCK_MALLOC);
      tl_assert(bk && bk->alloc_event == b->alloc_event);
      ULong written_before = b->written;
      Bool  readable_before = b->readable;
      fill_from_node(b, bk, readable);
      /* On a page written since, but its own bytes were not (a
         neighbour's were): unchanged, as a full scan finds it. */
      *clean = unwritten_since(written_before, b) && b->readable == readable_before;
   }
   return True;
}

/* Block i, unchanged since the previous snapshot: its hash and
   candidate words from there. */
static void reuse_old(Scan* sc, UInt i, const OldBlock* old)
{
   const Snapshot* prev = sc->previous;
   SnapBlock* b = &sc->s->blocks[i];
   b->hash = old->hash;
   for (ULong k = old->first_word; k < old->words_end; k++) *new_word(sc) = prev->words[k];
   sc->s->reused += b->size;
}

/* Block i's pointers, its candidate words being in place, knowing the
   same block's words and pointers in the previous snapshot ('old'):
   a word with the value it had there keeps its target, renumbered.
   A word whose target was released, or that pointed into no block, is
   resolved again when it lies within the new blocks' span (only a new
   block can hold it now: the others are where they were); a word
   whose value changed is resolved as in a full scan.  For a block not
   written since, every word is one it had: no lookups but for the
   first two cases.  Written blocks (an interpreter's collector writes
   a header word of every object it visits) mostly keep their other
   words too. */
static void resolve_from(Scan* sc, UInt i, const OldBlock* old, const Merge* m)
{
   const Snapshot* prev = sc->previous;
   Snapshot* s = sc->s;
   ULong ow = old->first_word, ow_end = old->words_end;
   ULong e = old->first_edge, e_end = old->edges_end;
   s->blocks[i].first_edge = s->n_edges;
   for (ULong k = s->blocks[i].first_word; k < s->n_words; k++) {
      const SnapWord* w = &s->words[k];
      ULong offset = ma_snap_word_offset(w);
      Addr  value  = ma_snap_word_value(w);
      while (ow < ow_end && ma_snap_word_offset(&prev->words[ow]) < offset) ow++;
      while (e < e_end && prev->edges[e].offset < offset) e++;
      Bool same_word = ow < ow_end && ma_snap_same_word(&prev->words[ow], w);
      Bool had_edge = same_word && e < e_end && prev->edges[e].offset == offset;
      UInt to = had_edge ? m->renumber[prev->edges[e].target] : GONE;
      UInt target_offset = had_edge ? prev->edges[e].target_offset : 0;
      if (to == GONE) {
         Bool may_be_new = value - m->fresh_lo < m->fresh_hi - m->fresh_lo;
         Int found = !same_word || may_be_new ? block_containing(sc, value) : -1;
         if (found < 0) continue;
         to = (UInt)found;
         target_offset = interior_offset(value - s->blocks[found].addr);
      }
      SnapEdge* edge = new_edge(sc);
      edge->offset = offset;
      edge->target = to;
      edge->target_offset = target_offset;
   }
}

/* The merge's ends of the previous blocks before 'cursor' are behind the
   retake's walk, and so are the previous snapshot's words and edges
   before 'old' (a block kept from it: later ones lie after it): the
   ends unmapped always, the words and edges when that snapshot is to be
   discarded (Scan.give_back). */
static void give_back_passed(Scan* sc, Merge* m, UInt cursor, const OldBlock* old)
{
   give_back_prefix(m->ends, cursor * sizeof(OldEnds), &m->ends_released);
   Snapshot* prev = sc->give_back;
   if (!prev) return;
   give_back_prefix(prev->words, old->first_word * sizeof(SnapWord), &prev->words_released);
   give_back_prefix(prev->edges, old->first_edge * sizeof(SnapEdge), &prev->edges_released);
}

static void read_blocks_after(Scan* sc, Merge* m)
{
   UInt cursor = 0;
   ReadableCache readable = { 1, 0 };
   PageVerdict last_page = { 1, False };
   Snapshot* s = sc->s;
   for (UInt i = 0; i < s->n_blocks; i++) {
      Bool clean;
      OldBlock old;
      Bool kept = same_before(sc, m, i, &cursor, &readable, &last_page, &old, &clean);
      s->blocks[i].first_word = s->n_words;
      if (kept && clean) reuse_old(sc, i, &old);
      else               read_block(sc, i);
      if (kept) resolve_from(sc, i, &old, m);
      else      resolve_words(sc, i);
      if (s->blocks[i].in_place) s->in_place_blocks++;
      if (!s->blocks[i].readable) {
         s->unreadable_blocks++;
         s->unreadable_bytes += s->blocks[i].size;
      }
      if (kept && (i & 1023) == 0) give_back_passed(sc, m, cursor, &old);
   }
   unmap_array(m->ends, m->n_ends, sizeof(OldEnds), m->ends_released);
}

/* Whether a snapshot taken now can be retaken from 'previous' (the
   last one taken, or NULL). */
static Bool can_retake(const Snapshot* previous)
{
   return previous && ma_snapshot_logging && !ma_pages_all_dirty
          && ma_heap.curr_custom_blocks == 0;
}

/* The blocks of a snapshot, with their hashes and pointers. */
static void take_blocks(Scan* sc)
{
   if (can_retake(sc->previous)) {
      Merge m;
      merge_blocks(sc, &m);
      read_blocks_after(sc, &m);
      sc->s->retaken = True;
   } else {
      collect_blocks(sc);
      read_blocks_fully(sc);
   }
   sc->s->mergeable = ma_heap.curr_custom_blocks == 0;
}

/*------------------------------------------------------------*/
/*--- Roots                                                ---*/
/*------------------------------------------------------------*/

/* A root word at 'addr' holding 'value', if it points into a block. */
static SnapRoot* root_if_pointer(Scan* sc, RootKind kind, Addr addr, UWord value)
{
   Int to = block_containing(sc, value);
   if (to < 0) return NULL;
   SnapRoot* r = new_root(sc);
   r->kind = kind;
   r->addr = addr;
   r->target = (UInt)to;
   r->target_offset = interior_offset(value - sc->s->blocks[to].addr);
   return r;
}

/* --- The release a snapshot is taken at --- */

/* The peak snapshot is taken at the first release after the peak, from
   inside that release's calls: the program called free, operator
   delete, a container's destructor, and the snapshot runs in the
   tool's replacement, below the frames of those calls.  Roots are
   taken as they were at the program's call.
   - The releasing thread's stack is read from the stack pointer of the
     program's frame that made the call (release_chain_top): the frames
     below it are the release chain's (ma_release_chain.h: the tool's
     preload code and the runtime's deallocation code), and hold what
     the release works on (the container being destroyed, the node being
     freed), nothing the program held at the call that its own frames do
     not.  Its red zone is below that pointer too: a function that calls
     keeps nothing there across the call.
   - Of that thread's registers, only the callee-saved ones (amd64: rbx,
     rbp, r12-r15) are roots: the caller-saved ones (rax, rcx, rdx, rsi,
     rdi, r8-r11) are dead across the program's call by the ABI, and at
     the snapshot they hold the chain's values (the pointer being freed).
     A callee-saved register is taken with the value it had at the call:
     where a chain function reused it (a destructor keeping the object
     it deletes in rbx), from the slot its prologue pushed the program's
     value to (ma_release_chain_registers); when a chain function's
     prologue cannot be read, the callee-saved registers not yet found
     are left out rather than taken with a chain's value.
   Other threads, snapshots taken at exit or on request, and a release
   the program asked for by a client request (its own allocator: no
   call, so no chain) are read as they are.  The chain is found once per
   snapshot: a stack walk and a name lookup per frame of the chain. */
static ThreadId       release_tid = VG_INVALID_THREADID;
static Addr           release_chain_top;   /* 0: no chain (see above) */
static ChainRegisters release_registers;   /* at the call, when there is a chain */

#define MAX_FRAMES 256

static void find_release_chain(ThreadId tid)
{
   static Addr ips[MAX_FRAMES], sps[MAX_FRAMES];   /* static: the tool's stack is small */
   UInt n = VG_(get_StackTrace)(tid, ips, MAX_FRAMES, sps, NULL, 0);
   UInt chain = ma_release_chain_frames(ips, n);
   release_tid = tid;
   release_chain_top = chain > 0 ? sps[chain] : 0;
   if (chain > 0) ma_release_chain_registers(ips, sps, chain, &release_registers);
}

static void forget_release_chain(void)
{
   release_tid = VG_INVALID_THREADID;
   release_chain_top = 0;
}

/* --- Registers: VG_(apply_to_GP_regs) takes no context. --- */

static Scan* register_scan;

static void register_root(ThreadId tid, const HChar* regname, UWord value)
{
   HChar lower[16];   /* "RAX" -> "rax", as assemblers and debuggers write them */
   SizeT n = 0;
   for (; regname[n] && n + 1 < sizeof lower; n++) lower[n] = VG_(tolower)(regname[n]);
   lower[n] = 0;
   if (tid == release_tid && release_chain_top != 0
       && !ma_release_chain_register_at_call(&release_registers, lower, &value))
      return;   /* dead across the program's call, or unknown (see above) */
   SnapRoot* r = root_if_pointer(register_scan, ROOT_REGISTER, 0, value);
   if (!r) return;
   r->thread = ma_blocks_thread_number(tid);
   r->name = ma_intern(lower);
}

static void scan_registers(Scan* sc)
{
   register_scan = sc;
   VG_(apply_to_GP_regs)(register_root);
   register_scan = NULL;
}

/* --- Reading memory that may fault --- */

/* Root memory is read through this, one range at a time.  A fault
   (a file mapping past the end of its file, a page made inaccessible
   behind the address-space manager's back) longjmps back to
   read_range, which skips the page and goes on. */
static VG_MINIMAL_JMP_BUF(fault_jmpbuf);

static void on_fault(Int sig, Addr addr)
{
   if (sig == VKI_SIGSEGV || sig == VKI_SIGBUS) VG_MINIMAL_LONGJMP(fault_jmpbuf);
}

typedef void (*RootVisitor)(Scan* sc, Addr addr, UWord value, void* ctx);

static volatile Addr read_cursor;

/* The first block ending above a, or n_blocks. */
static UInt first_block_after(const Scan* sc, Addr a)
{
   const SnapBlock* b = sc->s->blocks;
   UInt lo = 0, hi = sc->s->n_blocks;
   while (lo < hi) {
      UInt mid = lo + (hi - lo) / 2;
      if (ma_block_end(&b[mid]) <= a) lo = mid + 1; else hi = mid;
   }
   return lo;
}

/* Faults caught so far: a range read without one was read whole. */
static ULong faults_caught;

/* Root memory may hold blocks: custom blocks in an arena the program
   mapped, and with --malloc=wrap all of glibc's heap.  Their words are
   the blocks' own pointers, not roots, so reading skips them.  Visits
   the words whose value lies in [want_lo, want_hi). */
static void read_words(Scan* sc, Addr lo, Addr hi, Addr want_lo, Addr want_hi,
                       RootVisitor visit, void* ctx)
{
   lo = VG_ROUNDUP(lo, sizeof(UWord));
   hi = VG_ROUNDDN(hi, sizeof(UWord));
   if (lo >= hi) return;
   const SnapBlock* blocks = sc->s->blocks;
   volatile UInt skip = first_block_after(sc, lo);   /* volatile: kept across a fault */
   vki_sigset_t mask;
   VG_(sigprocmask)(VKI_SIG_SETMASK, NULL, &mask);
   fault_catcher_t previous = VG_(set_fault_catcher)(on_fault);
   read_cursor = lo;
   if (VG_MINIMAL_SETJMP(fault_jmpbuf) != 0) {
      VG_(sigprocmask)(VKI_SIG_SETMASK, &mask, NULL);   /* unblock the signal */
      faults_caught++;
      read_cursor = VG_PGROUNDDN(read_cursor) + VKI_PAGE_SIZE;
   }
   while (read_cursor < hi) {
      Addr a = read_cursor;
      if (UNLIKELY(skip < sc->s->n_blocks && a >= blocks[skip].addr)) {
         Addr past = VG_ROUNDUP(ma_block_end(&blocks[skip]), sizeof(UWord));
         if (a < past) read_cursor = past;
         skip = skip + 1;
         continue;
      }
      if ((a & (VKI_PAGE_SIZE - 1)) == 0 || a == lo) {
         if (!VG_(am_is_valid_for_client)(a, sizeof(UWord), VKI_PROT_READ)) {
            read_cursor = VG_PGROUNDDN(a) + VKI_PAGE_SIZE;
            continue;
         }
      }
      UWord value = *(volatile UWord*)a;
      if (UNLIKELY(value - want_lo < want_hi - want_lo))
         visit(sc, a, value, ctx);
      read_cursor = a + sizeof(UWord);
   }
   VG_(set_fault_catcher)(previous);
   sc->s->scanned += hi - lo;
}

/* Visit each aligned word of [lo, hi) that points into a block. */
static void read_range(Scan* sc, Addr lo, Addr hi, RootVisitor visit, void* ctx)
{
   read_words(sc, lo, hi, sc->finder.lowest, sc->finder.highest, visit, ctx);
}

/* --- Stacks --- */

typedef struct {
   UInt  thread;
   UInt  n_frames;
   UInt  first_client;               /* see first_client_frame */
   Addr  ips[MAX_FRAMES], sps[MAX_FRAMES];
   ExeContext* frames[MAX_FRAMES];   /* made on first use */
} StackWalk;

/* The innermost frame of the program's own code (0 when there is none).
   Words in the frames of the tool's replacement functions (a thread
   other than the releasing one stopped inside malloc or free) belong to
   the call the program made: they are named by that caller's frame,
   never by the tool's code, which a user cannot change and which says
   nothing about who holds the memory. */
static UInt first_client_frame(const StackWalk* w)
{
   UInt i = 0;
   while (i < w->n_frames && ma_release_chain_preload_code(w->ips[i])) i++;
   return i < w->n_frames ? i : 0;
}

/* Frame i occupies [sps[i], sps[i+1]): its callee's frame lies below
   it.  A word below frame 0's SP (the red zone) belongs to frame 0; one
   above the outermost frame found, to that frame. */
static UInt frame_holding(const StackWalk* w, Addr a)
{
   UInt i = 0;
   while (i + 1 < w->n_frames && w->sps[i + 1] <= a) i++;
   return i;
}

static void visit_stack_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   StackWalk* w = ctx;
   /* A slot of the exit path's frames never written there holds what a
      dead frame left: not a root (Memcheck knows it undefined). */
   if (!ma_exit_stack_word_written(addr)) return;
   SnapRoot* r = root_if_pointer(sc, ROOT_STACK, addr, value);
   if (!r) return;
   r->thread = w->thread;
   if (w->n_frames == 0) return;
   UInt i = frame_holding(w, addr);
   if (i < w->first_client) i = w->first_client;
   /* The frame holding the word and its callers: memattr-graph names the
      root by the innermost of them that is the program's own code.  The
      walk goes deeper than --num-callers (to find the frame holding any
      word), but a stack the core keeps may not: the outermost callers
      of a deep recursion are left out. */
   if (!w->frames[i]) {
      UInt n = w->n_frames - i;
      if (n > (UInt)VG_(clo_backtrace_size)) n = VG_(clo_backtrace_size);
      w->frames[i] = VG_(make_ExeContext_from_StackTrace)(&w->ips[i], n);
   }
   r->frame = w->frames[i];
}

typedef struct { Addr lo, hi; } Range;   /* [lo, hi] inclusive */

/* A thread's stack: its stack pointer, extent and frames, and where
   its roots start: below the stack pointer by the red zone, or, on the
   releasing thread, at the program's frame (release_chain_top). */
typedef struct {
   Addr      sp, min, max;
   Addr      roots_from;
   StackWalk walk;
} ThreadStack;

/* The stacks of the threads alive when the program called exit (see
   ma_snapshot_note_exit): by the time the exit snapshot is taken, the
   core no longer lists them. */
static ThreadStack* exit_stacks;
static UInt         n_exit_stacks;

/* The stacks of the threads alive now; returns how many (VG_(malloc)ed
   array in *out). */
static UInt capture_stacks(ThreadStack** out)
{
   ThreadId tid;
   Addr min, max;
   UInt n = 0;
   VG_(thread_stack_reset_iter)(&tid);
   while (VG_(thread_stack_next)(&tid, &min, &max)) n++;
   ThreadStack* stacks = VG_(malloc)("ma.snap.stacks", (n ? n : 1) * sizeof(ThreadStack));
   UInt i = 0;
   VG_(thread_stack_reset_iter)(&tid);
   while (i < n && VG_(thread_stack_next)(&tid, &min, &max)) {
      ThreadStack* t = &stacks[i++];
      t->sp = VG_(get_SP)(tid);
      t->min = min;
      t->max = max;
      VG_(memset)(t->walk.frames, 0, sizeof t->walk.frames);
      t->walk.thread = ma_blocks_thread_number(tid);
      t->walk.n_frames = VG_(get_StackTrace)(tid, t->walk.ips, MAX_FRAMES, t->walk.sps, NULL, 0);
      t->walk.first_client = first_client_frame(&t->walk);
      t->roots_from = tid == release_tid && release_chain_top != 0
                      ? release_chain_top : t->sp - VG_STACK_REDZONE_SZB;
   }
   *out = stacks;
   return i;
}

void ma_snapshot_note_exit(void)
{
   if (!ma_snapshots_on) return;
   VG_(free)(exit_stacks);
   n_exit_stacks = capture_stacks(&exit_stacks);
}

/* Scans every thread's live stack, from its stack pointer (less the red
   zone) up, and returns the extents the segment scan must leave out:
   each stack and everything below it in its segment (dead frames; the
   main stack's segment reaches below the extent the core reports).
   n in *n_out. */
static Range* scan_stacks(Scan* sc, UInt* n_out)
{
   ThreadStack* stacks;
   UInt n = capture_stacks(&stacks);
   Bool at_exit = n == 0 && n_exit_stacks > 0;
   const ThreadStack* list = at_exit ? exit_stacks : stacks;
   if (at_exit) n = n_exit_stacks;
   Range* extents = VG_(malloc)("ma.snap.extents", (n ? n : 1) * sizeof(Range));
   for (UInt i = 0; i < n; i++) {
      const ThreadStack* t = &list[i];
      const NSegment* seg = VG_(am_find_nsegment)(t->min);
      extents[i].lo = seg && seg->start < t->min ? seg->start : t->min;
      extents[i].hi = t->max;
      Addr lo = t->roots_from;
      if (lo < t->min || lo > t->max) lo = t->min;
      read_range(sc, lo, t->max + 1, visit_stack_word, (void*)&t->walk);
   }
   VG_(free)(stacks);
   *n_out = n;
   return extents;
}

/* --- Data of loaded objects and other mappings --- */

/* The core's demangler (pub_core_demangle.h; not in the tool headers,
   but a global of libcoregrind, as VG_(clo_read_inline_info) is):
   data symbols come mangled ("_Z9g_stringsB5cxx11"), and reports show
   the name the program's source uses.  It honours --demangle=no. */
extern void VG_(demangle)(Bool do_cxx_demangling, Bool do_z_demangling,
                          const HChar* orig, const HChar** result);
extern Bool VG_(clo_demangle);

static const HChar* demangled(const HChar* symbol)
{
   const HChar* result = symbol;
   VG_(demangle)(VG_(clo_demangle), False, symbol, &result);
   return result ? result : symbol;
}

static void visit_segment_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   const NSegment* seg = ctx;
   const HChar* object = NULL;
   VgSectKind section = VG_(DebugInfo_sect_kind)(&object, addr);
   Bool is_data = section == Vg_SectData || section == Vg_SectBSS
                  || section == Vg_SectGOT || section == Vg_SectGOTPLT;
   SnapRoot* r = root_if_pointer(sc, is_data ? ROOT_GLOBAL : ROOT_MAPPING, addr, value);
   if (!r) return;
   if (is_data) {
      const HChar* symbol = NULL;
      PtrdiffT offset = 0;
      if (VG_(get_datasym_and_offset)(VG_(current_DiEpoch)(), addr, &symbol, &offset)) {
         r->name = ma_intern(demangled(symbol));
         r->symbol_offset = (ULong)offset;
      }
      r->object = ma_intern(object);
   } else if (seg->kind == SkFileC) {
      r->object = ma_intern(VG_(am_get_filename)(seg));
   }
}

static Bool is_device(const NSegment* seg)
{
   if (seg->kind != SkFileC) return False;
   if (!VKI_S_ISCHR(seg->mode) && !VKI_S_ISBLK(seg->mode)) return False;
   const HChar* name = VG_(am_get_filename)(seg);
   return !(name && VG_(strcmp)(name, "/dev/zero") == 0);
}

/* [lo, hi] less the stack extents (which are few: one per thread). */
static void read_outside_stacks(Scan* sc, Addr lo, Addr hi, const Range* stacks, UInt n,
                                const NSegment* seg)
{
   for (UInt i = 0; i < n; i++) {
      if (stacks[i].hi < lo || stacks[i].lo > hi) continue;
      if (stacks[i].lo > lo)
         read_outside_stacks(sc, lo, stacks[i].lo - 1, stacks, n, seg);
      if (stacks[i].hi < hi)
         read_outside_stacks(sc, stacks[i].hi + 1, hi, stacks, n, seg);
      return;
   }
   read_range(sc, lo, hi + 1, visit_segment_word, (void*)seg);
}

/* --- Root mappings read once, again only where written --- */

/* Root mappings without a stack in them go through ma_root_cache.c:
   their pages are read again only where written since the last
   snapshot. */
static void keep_root_word(Scan* sc, Addr addr, UWord value, void* ctx)
{
   ma_root_cache_keep(ctx, addr, value);
}

/* Reads a root page for ma_root_cache.c (ctx: the scan); False if a
   fault cut it short. */
static Bool read_root_page(PageReading* r, void* ctx)
{
   Scan* sc = ctx;
   ULong faults = faults_caught;
   ULong scanned = sc->s->scanned;
   read_words(sc, r->page, r->page + VKI_PAGE_SIZE, 4096, 1ULL << 47, keep_root_word, r);
   sc->s->kept_roots_read += sc->s->scanned - scanned;
   return faults_caught == faults;
}

static void visit_kept_words(Scan* sc, Addr page, const KeptWords* words, const NSegment* seg)
{
   if (!words) return;
   const UWord* value = words->values;
   for (UInt chunk = 0; chunk < MA_WORDS_PER_PAGE / 64; chunk++)
      for (ULong bits = words->kept[chunk]; bits != 0; bits &= bits - 1, value++)
         if (in_heap_span(sc, *value)) {
            UInt word = chunk * 64 + (UInt)__builtin_ctzll(bits);
            visit_segment_word(sc, page + word * sizeof(UWord), *value, (void*)seg);
         }
}

/* seg's roots, through the cache. */
static void scan_cached_segment(Scan* sc, const NSegment* seg)
{
   for (Addr page = seg->start; page <= seg->end; page += VKI_PAGE_SIZE)
      visit_kept_words(sc, page, ma_root_cache_page(seg, page, read_root_page, sc), seg);
}

static Bool overlaps_a_stack(const NSegment* seg, const Range* stacks, UInt n)
{
   for (UInt i = 0; i < n; i++)
      if (stacks[i].lo <= seg->end && stacks[i].hi >= seg->start) return True;
   return False;
}

/* Whether root words may be kept for the next snapshot: not when
   blocks may lie inside root memory (custom blocks, --malloc=wrap), nor
   without page tracking (--track-pages=no, the default with
   --track-access=no), which sees no store: then every root page is
   read at every snapshot. */
static Bool roots_cacheable(const Scan* sc)
{
   return sc->keep_roots && ma_track_pages && !ma_malloc_wrapped
          && ma_heap.curr_custom_blocks == 0;
}

/* Whether a block lies in a range unmapped (or mapped anew) since the
   kept root words were read: a word pointing there was not kept. */
static Bool heap_where_unmapped(Scan* sc)
{
   const PageRange* ranges;
   UInt n;
   if (!ma_pages_unmapped(&ranges, &n)) return True;
   for (UInt r = 0; r < n; r++) {
      Int i = block_containing(sc, ranges[r].lo);
      if (i >= 0) return True;
      UInt next = first_block_after(sc, ranges[r].lo);
      if (next < sc->s->n_blocks && sc->s->blocks[next].addr < ranges[r].hi) return True;
   }
   return False;
}

static void scan_segments(Scan* sc, const Range* stacks, UInt n_stacks)
{
   Int n = 0;
   Addr* starts = VG_(get_segment_starts)(SkFileC | SkAnonC | SkShmC, &n);
   Bool cacheable = roots_cacheable(sc);
   Bool reuse = cacheable && ma_root_cache_valid() && !ma_pages_all_dirty
                && !heap_where_unmapped(sc);
   if (cacheable) ma_root_cache_begin(reuse);
   for (Int i = 0; i < n; i++) {
      const NSegment* seg = VG_(am_find_nsegment)(starts[i]);
      if (!seg || !seg->hasR || !seg->hasW || seg->isCH || is_device(seg)) continue;
      if (cacheable && !overlaps_a_stack(seg, stacks, n_stacks))
         scan_cached_segment(sc, seg);
      else
         read_outside_stacks(sc, seg->start, seg->end, stacks, n_stacks, seg);
   }
   VG_(free)(starts);
   if (!sc->keep_roots) return;
   /* The words kept become the next snapshot's to reuse; read afresh,
      they were filtered against today's mappings. */
   if (!reuse) ma_pages_unmapped_clear();
   ma_root_cache_end(cacheable);
   if (ma_snapshot_check) ma_root_cache_compact();
}

/*------------------------------------------------------------*/
/*--- Layouts of Memcheck's leak heuristics                ---*/
/*------------------------------------------------------------*/

static Int compare_layouts(const void* a, const void* b)
{
   const SnapLayout* x = a;
   const SnapLayout* y = b;
   if (x->block != y->block) return x->block < y->block ? -1 : 1;
   return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void add_interior(Snapshot* s, ULong* capacity, UInt block, UInt offset)
{
   if (offset == 0 || offset == MA_SNAP_FAR_INTERIOR) return;
   const SnapBlock* b = &s->blocks[block];
   /* Memcheck reads only defined words: nothing in a block never written */
   if (!b->readable || (ma_track_access && b->written == 0)) return;
   if (s->n_layouts == *capacity)
      s->layouts = grow(s->layouts, capacity, sizeof(SnapLayout), "ma.snap.layouts");
   s->layouts[s->n_layouts++] = (SnapLayout){ block, offset, 0 };
}

/* Every distinct (block, interior offset) that a pointer or a root
   points at, with the layouts the block matches there; those matching
   none are dropped. */
static void find_layouts(Snapshot* s)
{
   ULong capacity = 0;
   for (ULong e = 0; e < s->n_edges; e++)
      add_interior(s, &capacity, s->edges[e].target, s->edges[e].target_offset);
   for (ULong r = 0; r < s->n_roots; r++)
      add_interior(s, &capacity, s->roots[r].target, s->roots[r].target_offset);
   if (s->n_layouts == 0) return;
   VG_(ssort)(s->layouts, s->n_layouts, sizeof(SnapLayout), compare_layouts);
   ULong kept = 0;
   for (ULong k = 0; k < s->n_layouts; k++) {
      SnapLayout l = s->layouts[k];
      if (kept > 0 && compare_layouts(&s->layouts[kept - 1], &l) == 0) continue;
      const SnapBlock* b = &s->blocks[l.block];
      l.heuristics = ma_layouts_matching(b->addr, b->size, l.offset);
      if (l.heuristics) s->layouts[kept++] = l;
   }
   s->n_layouts = kept;
}

/*------------------------------------------------------------*/
/*--- Taking a snapshot                                    ---*/
/*------------------------------------------------------------*/

/* The most recent snapshot still kept: unchanged blocks are reused
   from it. */
static const Snapshot* last_taken;

static Snapshot* new_snapshot(const HChar* name, UInt kinds)
{
   Snapshot* s = VG_(malloc)("ma.snap", sizeof(Snapshot));
   VG_(memset)(s, 0, sizeof *s);
   s->name  = ma_intern(name);
   s->kinds = kinds;
   s->time  = ma_instrs;
   s->alloc = ma_heap.total_bytes;
   s->bytes = ma_heap.curr_bytes;
   return s;
}

/* What a snapshot of the heap as it is now will hold, going by the
   last one: its candidate words and pointers per block, times the live
   blocks now.  The arrays are sized for that, so that a scan seldom
   grows them by doubling (the old array and one twice its size, at
   once, when the tool's memory peaks). */
typedef struct {
   ULong words, edges;
} ExpectedCounts;

/* n * num / den, rounded down, without overflow while num and den are
   below 2^32 (a count of blocks; --snapshot-growth's factors). */
static ULong scaled(ULong n, ULong num, ULong den)
{
   return n / den * num + n % den * num / den;
}

static ExpectedCounts expected_counts(const Snapshot* last)
{
   if (!last || last->n_blocks == 0) return (ExpectedCounts){ 0, 0 };
   ULong now = ma_heap.curr_blocks;
   return (ExpectedCounts){ scaled(last->n_words, now, last->n_blocks),
                            scaled(last->n_edges, now, last->n_blocks) };
}

/* Blocks and roots of s, retaken from 'previous' when it can be. */
static void scan_into(Snapshot* s, const Snapshot* previous, Snapshot* give_back,
                      Bool keep_roots, ExpectedCounts expected)
{
   Scan sc = { .s = s, .previous = previous, .give_back = give_back, .keep_roots = keep_roots };
   s->edges = reserve((void**)&spare.edges, &spare.edge_capacity, expected.edges,
                      sizeof(SnapEdge), "ma.snap.edges", &sc.edge_capacity);
   s->words = reserve((void**)&spare.words, &spare.word_capacity, expected.words,
                      sizeof(SnapWord), "ma.snap.words", &sc.word_capacity);
   take_blocks(&sc);
   scan_registers(&sc);
   UInt n_stacks;
   Range* stacks = scan_stacks(&sc, &n_stacks);
   scan_segments(&sc, stacks, n_stacks);
   VG_(free)(stacks);
   ma_block_finder_free(&sc.finder);
   s->edge_capacity = sc.edge_capacity;
   s->word_capacity = sc.word_capacity;
}

static void discard(Snapshot* s);

/* --snapshot-check=yes: a retaken snapshot is compared with a full scan
   taken at the same moment; a difference is a bug of the retake, and
   is reported on stderr.  (For the tool's tests: it doubles the cost.) */
Bool         ma_snapshot_check = False;
static ULong checks_done, checks_failed;

static Bool same_blocks(const Snapshot* a, const Snapshot* b)
{
   if (a->n_blocks != b->n_blocks || a->n_edges != b->n_edges || a->n_words != b->n_words
       || a->unreadable_blocks != b->unreadable_blocks) return False;
   for (UInt i = 0; i < a->n_blocks; i++) {
      const SnapBlock *x = &a->blocks[i], *y = &b->blocks[i];
      if (x->addr != y->addr || x->size != y->size || x->site != y->site || x->hash != y->hash
          || x->alloc_event != y->alloc_event || x->readable != y->readable
          || x->first_edge != y->first_edge || x->first_word != y->first_word) return False;
   }
   for (ULong k = 0; k < a->n_edges; k++)
      if (a->edges[k].offset != b->edges[k].offset || a->edges[k].target != b->edges[k].target
          || a->edges[k].target_offset != b->edges[k].target_offset) return False;
   for (ULong k = 0; k < a->n_words; k++)
      if (!ma_snap_same_word(&a->words[k], &b->words[k]))
         return False;
   return True;
}

static Bool same_roots(const Snapshot* a, const Snapshot* b)
{
   if (a->n_roots != b->n_roots) return False;
   for (ULong k = 0; k < a->n_roots; k++) {
      const SnapRoot *x = &a->roots[k], *y = &b->roots[k];
      if (x->kind != y->kind || x->addr != y->addr || x->target != y->target
          || x->target_offset != y->target_offset || x->thread != y->thread
          || x->frame != y->frame || x->name != y->name || x->object != y->object
          || x->symbol_offset != y->symbol_offset) return False;
   }
   return True;
}

static void check_against_full_scan(const Snapshot* s)
{
   Snapshot* full = new_snapshot(s->name, s->kinds);
   scan_into(full, NULL, NULL, False, (ExpectedCounts){ s->n_words, s->n_edges });
   Bool blocks_ok = same_blocks(s, full), roots_ok = same_roots(s, full);
   checks_done++;
   if (!blocks_ok || !roots_ok) {
      checks_failed++;
      VG_(umsg)("memattr: snapshot check: snapshot %llu ('%s') differs from a full scan "
                "(%s%s): %u blocks, %llu pointers, %llu roots against %u, %llu, %llu\n",
                ma_snapshot_cost.taken, s->name, blocks_ok ? "" : "blocks",
                roots_ok ? "" : blocks_ok ? "roots" : " and roots",
                s->n_blocks, s->n_edges, s->n_roots, full->n_blocks, full->n_edges,
                full->n_roots);
   }
   discard(full);
}

void ma_snapshot_check_summary(void)
{
   if (ma_snapshot_check)
      VG_(umsg)("memattr: snapshot check: %llu retaken snapshots compared with a full scan "
                "(%llu merged over the blocks of the one they replaced), %llu differed\n",
                checks_done, merges_in_place, checks_failed);
}

/* The current peak snapshot, and whether it is a requested one (below). */
static Snapshot* peak_snapshot;
static Bool      peak_is_requested;

/* 'replaces_peak': s is to replace the peak snapshot, which is then
   discarded if it is its own (make_peak): a retake from it may give
   its pages back as it goes.  A full scan replacing it discards it
   first instead, and its arrays are the new one's (the spares): the
   scan then reads every block, not only those written since the
   replaced snapshot, but the tool does not hold two snapshots of a big
   heap at once, nor fault in a second one's pages (py_big_heap
   --track-access=no: 713 to 572 MiB; bench/README.md).  'keep_roots':
   root words are kept for the next snapshot (ma_root_cache.h). */
static Snapshot* take(const HChar* name, UInt kinds, Bool replaces_peak, Bool keep_roots)
{
   Snapshot* s = new_snapshot(name, kinds);
   Snapshot* replaced = replaces_peak && !peak_is_requested && peak_snapshot
                        && last_taken == peak_snapshot ? peak_snapshot : NULL;
   const Snapshot* previous = last_taken;
   ExpectedCounts expected = expected_counts(previous);
   if (replaced && !can_retake(previous)) {
      discard(replaced);
      peak_snapshot = NULL;
      previous = replaced = NULL;
   }
   scan_into(s, previous, replaced, keep_roots, expected);
   if (ma_snapshot_check && s->retaken) check_against_full_scan(s);

   ma_snapshot_cost.taken++;
   ma_snapshot_cost.scanned += s->scanned;
   ma_snapshot_cost.reused += s->reused;
   if (s->retaken) ma_snapshot_cost.retaken++;
   last_taken = s;
   start_log(s);
   return s;
}

static void discard(Snapshot* s)
{
   if (last_taken == s) {
      last_taken = NULL;
      ma_snapshot_logging = False;   /* nothing left to retake from */
   }
   keep_spare((void**)&spare.blocks, &spare.block_capacity, s->blocks, s->block_capacity,
              sizeof(SnapBlock), s->blocks_released);
   keep_spare((void**)&spare.edges, &spare.edge_capacity, s->edges, s->edge_capacity,
              sizeof(SnapEdge), s->edges_released);
   keep_spare((void**)&spare.words, &spare.word_capacity, s->words, s->word_capacity,
              sizeof(SnapWord), s->words_released);
   VG_(free)(s->roots);
   VG_(free)(s->layouts);
   VG_(free)(s);
}

/*------------------------------------------------------------*/
/*--- When: the peak rule, requests, exit                  ---*/
/*------------------------------------------------------------*/

/* Requested snapshots, in the order taken, and the current peak
   snapshot: either one of them (a request that was also the highest
   so far) or a snapshot of its own. */
static Snapshot* requested_first;
static Snapshot* requested_last;

/* Bytes read by the automatic peak snapshots so far. */
static ULong peak_snapshots_cost;

/* The peak snapshot is *stale* once the heap's maximum so far exceeds
   the last one's live bytes by the growth factor (and, with
   --snapshot-budget=K, exceeds the live heap at which all peak
   snapshots, the next included and assumed to cost what the last one
   did, will have read at most K times it: budget_level).  A stale
   snapshot is taken again before a release, when either
   - with page tracking, the heap is small (at most EAGER_BLOCKS
     blocks: a retake then takes well under a millisecond) or only grew
     since the last snapshot (at_first_release): at the first release,
     so at the peak exactly when the heap only grew before it; or
   - the release would take live bytes below drop_level(), half the
     growth factor below the maximum, where the heap falls from its
     peak: a snapshot later than that could be further from the peak
     than the factor allows.
   So the snapshot kept is within the growth factor of the true peak
   either way (within half of it when taken at a drop), and a heap of
   millions of blocks that grows while it churns (each temporary freed
   is a release) is not snapshotted at every step of growth, only where
   it falls (at_first_release says why).
   The budget only binds when snapshots cost much more than the growth
   between them (a heap that churns while it grows, with nothing to
   reuse); the last snapshot is then further from the peak than the
   growth factor, and the report says how far. */
#define EAGER_BLOCKS           65536
#define EAGER_BLOCKS_PER_EVENT 2

static ULong budget_level;        /* live bytes the budget waits for */
static ULong events_at_last_peak; /* ma_heap.events when the last peak snapshot was taken */
static ULong releases_at_last_peak;   /* and the releases among them */

/* What the budget counts of a snapshot's cost: not the root pages it
   read again because the program wrote them (a collector's heap):
   that follows the program's own writes, not the heap's size. */
static ULong budgeted(const Snapshot* s)
{
   return s->scanned - s->kept_roots_read;
}

static ULong releases_so_far(void)
{
   return ma_heap.events - ma_heap.alloc_events;
}

static void set_threshold_after(const Snapshot* s)
{
   ma_snapshot_threshold = s->bytes + scaled(s->bytes, (ULong)ma_snapshot_growth_pct, 100);
   budget_level = 0;
   if (ma_snapshot_budget > 0) {
      budget_level = (peak_snapshots_cost + budgeted(s)) / (ULong)ma_snapshot_budget;
      if (budget_level > ma_snapshot_threshold) ma_snapshot_threshold = budget_level;
   }
   events_at_last_peak = ma_heap.events;
   releases_at_last_peak = releases_so_far();
}

/* Live bytes half the growth factor below the heap's maximum:
   max * 200 / (200 + growth%). */
static ULong drop_level(void)
{
   return scaled(ma_heap.peak_bytes, 200, 200 + (ULong)ma_snapshot_growth_pct);
}

/* s becomes the peak snapshot; the previous one stops being it. */
static void make_peak(Snapshot* s, Bool requested)
{
   if (peak_snapshot) {
      if (peak_is_requested) peak_snapshot->kinds &= ~SNAP_PEAK;
      else discard(peak_snapshot);
   }
   s->kinds |= SNAP_PEAK;
   peak_snapshot = s;
   peak_is_requested = requested;
   if (!requested) peak_snapshots_cost += budgeted(s);
   set_threshold_after(s);
}

/* A snapshot taken now would do as the peak one: the last is stale,
   live bytes are still within half the growth factor of the maximum,
   and the budget allows it. */
static Bool peak_due(void)
{
   return ma_snapshots_on && ma_heap.peak_bytes > ma_snapshot_threshold
          && ma_heap.curr_bytes >= drop_level() && ma_heap.curr_bytes >= budget_level;
}

/* Whether a stale snapshot is taken at the first release, not where
   the heap falls.  With page tracking, a small heap's is; a big heap's
   only at the first release since the last snapshot (the heap only grew
   since: this is the peak exactly), and only when a retake costs at
   most EAGER_BLOCKS_PER_EVENT block visits per allocation and release
   since.
   - Without page tracking (--track-access=no) nothing is retaken: every
     snapshot reads the whole heap, block by block.  Taken at the first
     release whenever stale, that is a full scan at every step of
     growth, about (1 + g)/g times the heap in all, until the budget
     binds and leaves the snapshot far from the peak (py_big_heap: 39
     full scans, 1.43 times the run without snapshots, the peak snapshot
     at 95.4 %; cxx_containers: 24, at 96.5 %).
   - With it, a retake costs what changed since the last snapshot but
     also copies the rest (64 bytes a block, 12 a candidate word, 16 a
     pointer), most of its cost on a big heap.  Retaken whenever that
     cost at most two block visits per event since the last,
     py_big_heap's peak snapshot was retaken 30 times above 100,000
     blocks; where the heap falls, 5 times (each resize of its
     dictionary frees the old table), and the run takes 0.89 times as
     long (bench/README.md).
   Otherwise a stale snapshot of a big heap waits for where the heap
   falls from its peak, or for the exit. */
static Bool at_first_release(void)
{
   if (!ma_track_pages) return False;
   if (ma_heap.curr_blocks <= EAGER_BLOCKS) return True;
   ULong events = ma_heap.events - events_at_last_peak;
   return releases_so_far() == releases_at_last_peak
          && ma_heap.curr_blocks / EAGER_BLOCKS_PER_EVENT <= events;
}

/* Whether releasing bk (replaced by one of successor_bytes) would take
   live bytes below drop_level(). */
static Bool release_drops_below(const Block* bk, SizeT successor_bytes)
{
   if (bk->req_szB <= successor_bytes) return False;
   return ma_heap.curr_bytes - (bk->req_szB - successor_bytes) < drop_level();
}

/* bk is out of its table (the caller looked it up by taking it out,
   which saves a second lookup on every release while the snapshot is
   stale): it goes back in for the snapshot, which sees the heap as it
   was before the release. */
void ma_snapshot_before_release(Block* bk, SizeT successor_bytes)
{
   if (!peak_due()) return;
   if (!at_first_release() && !release_drops_below(bk, successor_bytes)) return;
   ma_blocks_add(bk);
   find_release_chain(VG_(get_running_tid)());
   make_peak(take("peak", SNAP_PEAK, True, True), False);
   forget_release_chain();
   Block* removed = ma_blocks_remove(bk->payload, bk->kind);
   tl_assert(removed == bk);
}

void ma_snapshot_requested(ThreadId tid, Addr name)
{
   if (!ma_snapshots_on) return;
   Snapshot* s = take(ma_intern_client_string(name), SNAP_REQUEST, False, True);
   if (requested_last) requested_last->next = s; else requested_first = s;
   requested_last = s;
   if (peak_due()) make_peak(s, True);
}

/*------------------------------------------------------------*/
/*--- Handing snapshots to the trace                       ---*/
/*------------------------------------------------------------*/

/* The list written: requested snapshots and the peak one in the order
   taken, then the exit snapshot.  When the heap at exit is above the
   peak rule's threshold, the exit snapshot is the peak one, and the
   earlier peak snapshot is left out of this trace or loses its 'peak'
   kind.  Nothing kept is changed: a trace written before an exec is
   written again at exit if the exec fails. */
static Snapshot*      exit_snapshot;
static TraceSnapshot* written;

/* Nothing is retaken from the exit snapshot, so the root words kept
   (tens of megabytes on a collector's heap) are freed as soon as the
   trace is started, not held beside the symbols it reads, its tables
   and the exit snapshot's arrays: on cc1plus that was the tool's
   highest memory.  Reading the roots in full at exit costs nothing
   measurable there (gcc has written nearly every page of its heap by
   then: 259 MB read either way). */
void ma_snapshot_trace_starts(void)
{
   ma_root_cache_forget();
}

UInt ma_snapshot_begin_trace(const TraceSnapshot** list)
{
   *list = NULL;
   if (!ma_snapshots_on) return 0;
   Bool exit_is_peak = peak_due();
   /* The root words kept are gone (ma_snapshot_trace_starts): the exit
      snapshot reads its roots in full, and keeps none. */
   exit_snapshot = take("exit", SNAP_EXIT | (exit_is_peak ? SNAP_PEAK : 0), False, False);
   find_layouts(exit_snapshot);

   UInt capacity = 2, n = 0;
   for (Snapshot* s = requested_first; s; s = s->next) capacity++;
   written = VG_(malloc)("ma.snap.written", capacity * sizeof(TraceSnapshot));
   Snapshot* own_peak = peak_snapshot && !peak_is_requested && !exit_is_peak
                        ? peak_snapshot : NULL;
   for (Snapshot* s = requested_first; s; s = s->next) {
      if (own_peak && own_peak->time <= s->time) {
         written[n++] = (TraceSnapshot){ own_peak, own_peak->kinds };
         own_peak = NULL;
      }
      written[n++] = (TraceSnapshot){ s, exit_is_peak ? s->kinds & ~SNAP_PEAK : s->kinds };
   }
   if (own_peak) written[n++] = (TraceSnapshot){ own_peak, own_peak->kinds };
   written[n++] = (TraceSnapshot){ exit_snapshot, exit_snapshot->kinds };
   *list = written;
   return n;
}

void ma_snapshot_end_trace(void)
{
   if (exit_snapshot) discard(exit_snapshot);
   exit_snapshot = NULL;
   VG_(free)(written);
   written = NULL;
}

/*------------------------------------------------------------*/
/*--- Setup                                                ---*/
/*------------------------------------------------------------*/

/* --snapshot-budget's default.  With access tracking a retake reads
   only the blocks written since the last snapshot, and what it reads
   follows the program's own writes: 20 times the peak left cc1plus's
   84 snapshots unbound (10 bound them at 68, and the peak snapshot at
   97.1 % of the peak) for 1 % more time (issue 13).  Without it every
   snapshot reads the whole heap again, and the budget is what keeps a
   heap that churns as it grows from costing (1 + g) / g times the peak
   (51 times at 2 %). */
static void set_default_budget(void)
{
   if (ma_snapshot_budget < 0) ma_snapshot_budget = ma_track_access ? 20 : 10;
}

void ma_snapshot_init(void)
{
   set_default_budget();
   ma_snapshot_threshold = ma_snapshots_on
                           ? (ma_snapshot_min_bytes > 0 ? (ULong)ma_snapshot_min_bytes - 1 : 0)
                           : ~0ULL;
}
