/*--------------------------------------------------------------------*/
/*--- memattr: heap snapshots.                      ma_snapshot.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snapshot.h.  This file decides when a snapshot is taken, and
   takes, keeps and hands snapshots on; steps 1 and 2 below are
   ma_snap_blocks.c's, step 3 ma_snap_roots.c's, the arrays they fill
   ma_snap_arrays.c's (ma_snap_scan.h).  Taking a snapshot:

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
      snapshot is taken at" in ma_snap_roots.c); every other readable and
      writable client segment (data and bss of loaded objects, named by
      data symbol; anonymous and file mappings), with the stacks and
      the heap itself left out.

   With page tracking, steps 1 and 2 are done from the previous
   snapshot instead ("Retaking from the last snapshot" in
   ma_snap_blocks.c: the blocks allocated and released since are
   merged in, blocks on pages written since are read, the others'
   pointers renumbered), and root segments are read only on the pages
   written since ("Root mappings read once" in ma_snap_roots.c), so a
   retake costs what changed, not the heap's size.
   --snapshot-check=yes compares each retake with a full scan.

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
     tracking, else the pages the kernel holds: ma_pages.h), so they
     read as zeros;
   - reading a mapping can fault (a file mapping past the end of its
     file): a fault catcher skips the faulting page;
   - reading untouched pages faults them in: anything about residency
     must be measured before a snapshot, and a big malloc block's pages
     the kernel holds nothing for are not read (ma_snap_blocks.c,
     read_block). */

#include "pub_tool_basics.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_threadstate.h"

#include "ma_access.h"
#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_layouts.h"
#include "ma_names.h"
#include "ma_pages.h"
#include "ma_root_cache.h"
#include "ma_snap_scan.h"
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
      s->layouts = ma_snap_grow(s->layouts, capacity, sizeof(SnapLayout), "ma.snap.layouts");
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
   ma_snap_reserve_scan_arrays(&sc, expected.edges, expected.words);
   ma_snap_take_blocks(&sc);
   ma_snap_scan_roots(&sc);
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
                checks_done, ma_snap_merges_in_place, checks_failed);
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
   if (replaced && !ma_snap_can_retake(previous)) {
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
   ma_snap_start_log(s);
   return s;
}

static void discard(Snapshot* s)
{
   if (last_taken == s) {
      last_taken = NULL;
      ma_snapshot_logging = False;   /* nothing left to retake from */
   }
   ma_snap_keep_arrays(s);
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
   ma_snap_find_release_chain(VG_(get_running_tid)());
   make_peak(take("peak", SNAP_PEAK, True, True), False);
   ma_snap_forget_release_chain();
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
