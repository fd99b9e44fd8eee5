/*--------------------------------------------------------------------*/
/*--- memattr: a snapshot's blocks and pointers.   ma_snap_blocks.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snap_scan.h and ma_snapshot.c (steps 1 and 2): the live blocks
   in address order, each read once (hash, candidate words, pointers),
   in full or retaken from the last snapshot. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_vki.h"

#include "ma_access.h"
#include "ma_bigmem.h"
#include "ma_block_index.h"
#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_pages.h"
#include "ma_snap_scan.h"

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

/* The blocks are in place, every one in [lowest, highest) (an empty
   heap gives the empty range [0, 0), which nothing is in): pointers into
   them can be looked up. */
static void blocks_in_place(Scan* sc, Addr lowest, Addr highest)
{
   ma_block_finder_init(&sc->finder, sc->s->blocks, sc->s->n_blocks, lowest, highest,
                        ma_snapshot_check);
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
   s->blocks = ma_snap_new_block_array(s);
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
         if (UNLIKELY(looks_like_address(w))) *ma_snap_new_word(sc) = ma_snap_word(at - b->addr, w);
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
   for (ULong k = old->first_word; k < end; k++) *ma_snap_new_word(sc) = prev->words[k];
   sc->s->reused += b->size;
}

/* Block i's candidate words that point into blocks are its edges. */
static void resolve_words(Scan* sc, UInt i)
{
   SnapBlock* b = &sc->s->blocks[i];
   b->first_edge = sc->s->n_edges;
   for (ULong k = b->first_word; k < sc->s->n_words; k++) {
      Addr w = ma_snap_word_value(&sc->s->words[k]);
      Int to = ma_snap_block_containing(sc, w);
      if (to < 0) continue;
      SnapEdge* e = ma_snap_new_edge(sc);
      e->offset = ma_snap_word_offset(&sc->s->words[k]);
      e->target = (UInt)to;
      e->target_offset = ma_snap_interior_offset(w - sc->s->blocks[to].addr);
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
void ma_snap_start_log(const Snapshot* s)
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
      log->entries = ma_snap_grow(log->entries, &log->capacity, sizeof(LoggedBlock), "ma.snap.log");
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

ULong ma_snap_merges_in_place;   /* for --snapshot-check's summary */

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
   m->ends = ma_snap_map_array(m->n_ends, sizeof(OldEnds), "ma.snap.ends");
   m->ends_released = 0;
   s->n_blocks = (UInt)ma_heap.curr_blocks;
   OldBlocks old_blocks = { prev->blocks, prev->n_blocks, 0, merge_in_place(sc, s->n_blocks),
                            NULL, n_fresh + 1, 0, 0 };
   if (old_blocks.in_place) {
      ma_snap_merges_in_place++;
      Snapshot* discarded = sc->give_back;
      s->blocks = discarded->blocks;
      s->block_capacity = discarded->block_capacity;
      discarded->blocks = NULL;   /* the new snapshot's now */
      discarded->block_capacity = 0;
      old_blocks.queue = ma_bigmem_malloc("ma.snap.queue", old_blocks.capacity * sizeof(SnapBlock));
   } else {
      s->blocks = ma_snap_new_block_array(s);
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
   for (ULong k = old->first_word; k < old->words_end; k++) *ma_snap_new_word(sc) = prev->words[k];
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
         Int found = !same_word || may_be_new ? ma_snap_block_containing(sc, value) : -1;
         if (found < 0) continue;
         to = (UInt)found;
         target_offset = ma_snap_interior_offset(value - s->blocks[found].addr);
      }
      SnapEdge* edge = ma_snap_new_edge(sc);
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
   ma_snap_unmap_array(m->ends, m->n_ends, sizeof(OldEnds), m->ends_released);
}

/* Whether a snapshot taken now can be retaken from 'previous' (the
   last one taken, or NULL). */
Bool ma_snap_can_retake(const Snapshot* previous)
{
   return previous && ma_snapshot_logging && !ma_pages_all_dirty
          && ma_heap.curr_custom_blocks == 0;
}

/* The blocks of a snapshot, with their hashes and pointers. */
void ma_snap_take_blocks(Scan* sc)
{
   if (ma_snap_can_retake(sc->previous)) {
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
