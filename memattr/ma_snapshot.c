/*--------------------------------------------------------------------*/
/*--- memattr: heap snapshots.                      ma_snapshot.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_snapshot.h.  Taking a snapshot:

   1. The live blocks are copied out of ma_blocks.c's tables into an array
      sorted by address, so a word can be tested for "points into a
      block" by one range check and a binary search.
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
      the function whose frame holds it; every other readable and
      writable client segment (data and bss of loaded objects, named by
      data symbol; anonymous and file mappings), with the stacks and
      the heap itself left out.

   Everything runs on the real CPU outside translated code, once per
   snapshot; its cost is the bytes read (the live heap plus the root
   memory), which ma_snapshot_cost adds up and the trace reports.

   Pitfalls handled (../shared/reference/valgrind-tool-notes.md, 5):
   - memory below a thread's stack pointer holds dead frames: not read;
   - bytes of a block the program never wrote would hold whatever the
     previous occupant left, perhaps a pointer: ma_heap.c clears freed
     memory when snapshots are on, so they read as zeros;
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
#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_names.h"
#include "ma_snapshot.h"

Bool  ma_snapshots_on        = True;
Long  ma_snapshot_growth_pct = 2;
Long  ma_snapshot_min_bytes  = 64 * 1024;
Long  ma_snapshot_budget     = 10;

SnapshotCost ma_snapshot_cost;
ULong        ma_snapshot_threshold = ~0ULL;

/*------------------------------------------------------------*/
/*--- Growable arrays of edges and roots                   ---*/
/*------------------------------------------------------------*/

/* Appending is the inner loop of the scan, so it is a store and a
   compare, growing by doubling (an XArray call per edge costs more). */
static void* grow(void* array, ULong* capacity, SizeT elt_size, const HChar* cc)
{
   *capacity = *capacity ? *capacity * 2 : 1024;
   return VG_(realloc)(cc, array, *capacity * elt_size);
}

typedef struct {
   Snapshot*       s;
   const Snapshot* previous;    /* to reuse unchanged blocks from, or NULL */
   ULong           edge_capacity, root_capacity, word_capacity;
   Addr            lowest, highest;   /* every block lies in [lowest, highest) */
} Scan;

static SnapWord* new_word(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_words == sc->word_capacity)
      s->words = grow(s->words, &sc->word_capacity, sizeof(SnapWord), "ma.snap.words");
   return &s->words[s->n_words++];
}

static SnapEdge* new_edge(Scan* sc)
{
   Snapshot* s = sc->s;
   if (s->n_edges == sc->edge_capacity)
      s->edges = grow(s->edges, &sc->edge_capacity, sizeof(SnapEdge), "ma.snap.edges");
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

/* Blocks are sorted by address at every snapshot, and a retaken peak
   snapshot sorts again, so this is an inlined quicksort (insertion
   sort below 16 elements) rather than VG_(ssort), whose comparison
   through a function pointer made collecting blocks cost more than
   reading them. */
static void swap_blocks(SnapBlock* a, SnapBlock* b)
{
   SnapBlock t = *a; *a = *b; *b = t;
}

static void sort_blocks(SnapBlock* b, Long n)
{
   while (n > 16) {
      Long mid = n / 2;
      if (b[mid].addr < b[0].addr)     swap_blocks(&b[mid], &b[0]);
      if (b[n - 1].addr < b[0].addr)   swap_blocks(&b[n - 1], &b[0]);
      if (b[n - 1].addr < b[mid].addr) swap_blocks(&b[n - 1], &b[mid]);
      Addr pivot = b[mid].addr;
      Long i = 0, j = n - 1;
      for (;;) {                           /* Hoare partition; addresses are distinct */
         while (b[i].addr < pivot) i++;
         while (b[j].addr > pivot) j--;
         if (i >= j) break;
         swap_blocks(&b[i++], &b[j--]);
      }
      /* Recurse into the smaller part, loop on the larger: bounded depth. */
      if (j + 1 < n - j - 1) { sort_blocks(b, j + 1); b += j + 1; n -= j + 1; }
      else                   { sort_blocks(b + j + 1, n - j - 1); n = j + 1; }
   }
   for (Long i = 1; i < n; i++)
      for (Long k = i; k > 0 && b[k].addr < b[k - 1].addr; k--) swap_blocks(&b[k], &b[k - 1]);
}

static Addr end_of(const SnapBlock* b)
{
   return b->addr + (b->size ? b->size : 1);   /* a block of size 0 counts as 1 byte */
}

/* Blocks nest only when a program's own allocator carves custom or pool
   blocks out of a malloc'd (or custom) block.  As in Memcheck's leak
   check, the inner blocks stand and the block containing them is left
   out of the snapshot: pointers then resolve to the inner blocks,
   which is what the program works with.  A block overlapping another
   without containing it (a bad annotation) is left out too.  Returns
   the number of blocks kept, and keeps 'bytes' their sum. */
static UInt drop_containers(Snapshot* s)
{
   SnapBlock* b = s->blocks;
   UInt kept = 0;
   for (UInt i = 0; i < s->n_blocks; i++) {
      if (kept > 0 && b[i].addr < end_of(&b[kept - 1])) {
         SnapBlock* last = &b[kept - 1];
         Bool last_contains = last->addr <= b[i].addr && end_of(&b[i]) <= end_of(last);
         s->bytes -= last_contains ? last->size : b[i].size;
         if (!last_contains) continue;      /* drop b[i] */
         kept--;                            /* drop the container */
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

static void collect_blocks(Scan* sc)
{
   Snapshot* s = sc->s;
   ReadableCache readable = { 1, 0 };
   s->n_blocks = (UInt)ma_heap.curr_blocks;
   s->blocks = VG_(malloc)("ma.snap.blocks", (s->n_blocks ? s->n_blocks : 1) * sizeof(SnapBlock));
   UInt n = 0;
   Block* bk;
   ma_blocks_reset_iter();
   while ((bk = ma_blocks_next())) {
      tl_assert(n < s->n_blocks);
      SnapBlock* b = &s->blocks[n++];
      b->addr = bk->payload;
      b->size = bk->req_szB;
      b->site = bk->site;
      b->hash = 0;
      b->first_edge = b->first_word = 0;
      b->alloc_event = bk->alloc_event;
      b->written = ma_access_bytes_written(bk);
      b->readable = is_readable(&readable, bk->payload, bk->req_szB);
   }
   tl_assert(n == s->n_blocks);
   sort_blocks(s->blocks, n);
   n = s->n_blocks = drop_containers(s);
   for (UInt i = 0; i < n; i++)
      if (!s->blocks[i].readable) {
         s->unreadable_blocks++;
         s->unreadable_bytes += s->blocks[i].size;
      }
   /* An empty heap gives the empty range [0, 0), which nothing is in. */
   sc->lowest  = n ? s->blocks[0].addr : 0;
   sc->highest = n ? end_of(&s->blocks[n - 1]) : 0;   /* disjoint, sorted */
}

/* The block containing address v (a block of size 0 counts as one
   byte, as in Memcheck), or -1.  Blocks never overlap. */
static Int block_containing(const Scan* sc, Addr v)
{
   if (v - sc->lowest >= sc->highest - sc->lowest) return -1;   /* also v < lowest */
   const SnapBlock* b = sc->s->blocks;
   Int lo = 0, hi = (Int)sc->s->n_blocks - 1;
   while (lo < hi) {                       /* last block starting at or below v */
      Int mid = lo + (hi - lo + 1) / 2;
      if (b[mid].addr <= v) lo = mid; else hi = mid - 1;
   }
   SizeT size = b[lo].size ? b[lo].size : 1;
   return v >= b[lo].addr && v - b[lo].addr < size ? lo : -1;
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
   const ULong* words = (const ULong*)b->addr;
   SizeT n_words = b->size / 8;
   ULong h = 0;
   for (SizeT k = 0; k < n_words; k++) {
      ULong w = words[k];
      h = hash_word(h, w);
      if (UNLIKELY(looks_like_address(w))) {
         SnapWord* c = new_word(sc);
         c->offset = k * 8;
         c->value = w;
      }
   }
   SizeT tail = b->size % 8;
   if (tail) {
      ULong w = 0;
      VG_(memcpy)(&w, (const UChar*)b->addr + n_words * 8, tail);
      h = hash_word(h, w);
   }
   b->hash = hash_finish(h, b->size);
   sc->s->scanned += b->size;
}

/* The same block, unwritten since, in the previous snapshot: blocks of
   both are in address order, so one cursor walks the previous blocks
   as i increases. */
static const SnapBlock* unchanged_before(Scan* sc, UInt i, UInt* cursor)
{
   const Snapshot* prev = sc->previous;
   const SnapBlock* b = &sc->s->blocks[i];
   if (!prev) return NULL;
   while (*cursor < prev->n_blocks && prev->blocks[*cursor].addr < b->addr) (*cursor)++;
   if (*cursor == prev->n_blocks) return NULL;
   const SnapBlock* old = &prev->blocks[*cursor];
   return old->addr == b->addr && old->alloc_event == b->alloc_event
          && old->written == b->written ? old : NULL;
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
      Addr w = sc->s->words[k].value;
      Int to = block_containing(sc, w);
      if (to < 0) continue;
      SnapEdge* e = new_edge(sc);
      e->offset = sc->s->words[k].offset;
      e->target = (UInt)to;
      e->target_offset = interior_offset(w - sc->s->blocks[to].addr);
   }
}

static void read_blocks(Scan* sc)
{
   Bool may_reuse = ma_track_access;   /* 'written' is known only then */
   UInt cursor = 0;
   for (UInt i = 0; i < sc->s->n_blocks; i++) {
      sc->s->blocks[i].first_word = sc->s->n_words;
      const SnapBlock* old = may_reuse ? unchanged_before(sc, i, &cursor) : NULL;
      if (old) reuse_block(sc, i, old);
      else     read_block(sc, i);
      resolve_words(sc, i);
   }
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

/* --- Registers: VG_(apply_to_GP_regs) takes no context. --- */

static Scan* register_scan;

static void register_root(ThreadId tid, const HChar* regname, UWord value)
{
   SnapRoot* r = root_if_pointer(register_scan, ROOT_REGISTER, 0, value);
   if (!r) return;
   r->thread = ma_blocks_thread_number(tid);
   HChar lower[16];   /* "RAX" -> "rax", as assemblers and debuggers write them */
   SizeT n = 0;
   for (; regname[n] && n + 1 < sizeof lower; n++) lower[n] = VG_(tolower)(regname[n]);
   lower[n] = 0;
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

/* Visit each aligned word of [lo, hi) that points into a block. */
typedef void (*RootVisitor)(Scan* sc, Addr addr, UWord value, void* ctx);

static volatile Addr read_cursor;

/* The first block ending above a, or n_blocks. */
static UInt first_block_after(const Scan* sc, Addr a)
{
   const SnapBlock* b = sc->s->blocks;
   UInt lo = 0, hi = sc->s->n_blocks;
   while (lo < hi) {
      UInt mid = lo + (hi - lo) / 2;
      if (end_of(&b[mid]) <= a) lo = mid + 1; else hi = mid;
   }
   return lo;
}

/* Root memory may hold blocks: custom blocks in an arena the program
   mapped, and with --malloc=wrap all of glibc's heap.  Their words are
   the blocks' own pointers, not roots, so reading skips them. */
static void read_range(Scan* sc, Addr lo, Addr hi, RootVisitor visit, void* ctx)
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
      read_cursor = VG_PGROUNDDN(read_cursor) + VKI_PAGE_SIZE;
   }
   while (read_cursor < hi) {
      Addr a = read_cursor;
      if (UNLIKELY(skip < sc->s->n_blocks && a >= blocks[skip].addr)) {
         Addr past = VG_ROUNDUP(end_of(&blocks[skip]), sizeof(UWord));
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
      if (UNLIKELY(value - sc->lowest < sc->highest - sc->lowest))
         visit(sc, a, value, ctx);
      read_cursor = a + sizeof(UWord);
   }
   VG_(set_fault_catcher)(previous);
   sc->s->scanned += hi - lo;
}

/* --- Stacks --- */

#define MAX_FRAMES 256

typedef struct {
   UInt  thread;
   UInt  n_frames;
   UInt  first_client;               /* see first_client_frame */
   Addr  ips[MAX_FRAMES], sps[MAX_FRAMES];
   ExeContext* frames[MAX_FRAMES];   /* made on first use */
} StackWalk;

/* Whether `ip` is code of a preload object, Valgrind's or memattr's own
   (vgpreload_*.so): the malloc replacements a snapshot is taken inside
   of, at the release after the peak. */
static Bool in_preload_object(Addr ip)
{
   DebugInfo* di = VG_(find_DebugInfo)(VG_(current_DiEpoch)(), ip);
   const HChar* file = di ? VG_(DebugInfo_get_filename)(di) : NULL;
   return file != NULL && VG_(strstr)(file, "/vgpreload_") != NULL;
}

/* The innermost frame of the program's own code (0 when there is none).
   Words in the frames of the tool's replacement functions (operator
   delete, free) belong to the call the program made: they are named by
   that caller's frame, never by the tool's code, which a user cannot
   change and which says nothing about who holds the memory. */
static UInt first_client_frame(const StackWalk* w)
{
   UInt i = 0;
   while (i < w->n_frames && in_preload_object(w->ips[i])) i++;
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
   SnapRoot* r = root_if_pointer(sc, ROOT_STACK, addr, value);
   if (!r) return;
   r->thread = w->thread;
   if (w->n_frames == 0) return;
   UInt i = frame_holding(w, addr);
   if (i < w->first_client) i = w->first_client;
   /* The frame holding the word and its callers: memattr-graph names the
      root by the innermost of them that is the program's own code. */
   /* At most --num-callers frames: the walk keeps up to MAX_FRAMES, and
      Valgrind refuses a longer context (an assertion, losing the run). */
   UInt depth = w->n_frames - i;
   if (depth > (UInt)VG_(clo_backtrace_size)) depth = VG_(clo_backtrace_size);
   if (!w->frames[i])
      w->frames[i] = VG_(make_ExeContext_from_StackTrace)(&w->ips[i], depth);
   r->frame = w->frames[i];
}

typedef struct { Addr lo, hi; } Range;   /* [lo, hi] inclusive */

/* A thread's stack: its stack pointer, extent and frames. */
typedef struct {
   Addr      sp, min, max;
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
      Addr lo = t->sp - VG_STACK_REDZONE_SZB;
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

static void scan_segments(Scan* sc, const Range* stacks, UInt n_stacks)
{
   Int n = 0;
   Addr* starts = VG_(get_segment_starts)(SkFileC | SkAnonC | SkShmC, &n);
   for (Int i = 0; i < n; i++) {
      const NSegment* seg = VG_(am_find_nsegment)(starts[i]);
      if (!seg || !seg->hasR || !seg->hasW || seg->isCH || is_device(seg)) continue;
      read_outside_stacks(sc, seg->start, seg->end, stacks, n_stacks, seg);
   }
   VG_(free)(starts);
}

/*------------------------------------------------------------*/
/*--- Taking a snapshot                                    ---*/
/*------------------------------------------------------------*/

/* The most recent snapshot still kept: unchanged blocks are reused
   from it. */
static const Snapshot* last_taken;

static Snapshot* take(const HChar* name, UInt kinds)
{
   Snapshot* s = VG_(malloc)("ma.snap", sizeof(Snapshot));
   VG_(memset)(s, 0, sizeof *s);
   s->name  = ma_intern(name);
   s->kinds = kinds;
   s->time  = ma_instrs;
   s->alloc = ma_heap.total_bytes;
   s->bytes = ma_heap.curr_bytes;

   Scan sc = { s, last_taken, 0, 0, 0, 0, 0 };
   collect_blocks(&sc);
   read_blocks(&sc);
   scan_registers(&sc);
   UInt n_stacks;
   Range* stacks = scan_stacks(&sc, &n_stacks);
   scan_segments(&sc, stacks, n_stacks);
   VG_(free)(stacks);

   ma_snapshot_cost.taken++;
   ma_snapshot_cost.scanned += s->scanned;
   ma_snapshot_cost.reused += s->reused;
   last_taken = s;
   return s;
}

static void discard(Snapshot* s)
{
   if (last_taken == s) last_taken = NULL;
   VG_(free)(s->blocks);
   VG_(free)(s->edges);
   VG_(free)(s->words);
   VG_(free)(s->roots);
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
static Snapshot* peak_snapshot;
static Bool      peak_is_requested;

/* Bytes read by the automatic peak snapshots so far. */
static ULong peak_snapshots_cost;

/* The next peak snapshot is due when live bytes exceed the last one's
   by the growth factor, and, with --snapshot-budget=K, when the heap
   is large enough that all peak snapshots, the next included (assumed
   to cost what the last one did), will have read at most K times the
   live heap: so over the run they read at most K times the peak.  The
   budget only binds when snapshots cost much more than the growth
   between them (a heap that churns while it grows, with nothing to
   reuse); the last snapshot is then further from the peak than the
   growth factor, and the report says how far. */
static void set_threshold_after(const Snapshot* s)
{
   ULong bytes = s->bytes;
   ULong growth = bytes / 100 * (ULong)ma_snapshot_growth_pct
                  + bytes % 100 * (ULong)ma_snapshot_growth_pct / 100;
   ma_snapshot_threshold = bytes + growth;
   if (ma_snapshot_budget > 0) {
      ULong affordable_at = (peak_snapshots_cost + s->scanned) / (ULong)ma_snapshot_budget;
      if (affordable_at > ma_snapshot_threshold) ma_snapshot_threshold = affordable_at;
   }
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
   if (!requested) peak_snapshots_cost += s->scanned;
   set_threshold_after(s);
}

static Bool peak_due(void)
{
   return ma_snapshots_on && ma_heap.curr_bytes > ma_snapshot_threshold;
}

void ma_snapshot_at_release(void)
{
   if (peak_due()) make_peak(take("peak", SNAP_PEAK), False);
}

void ma_snapshot_requested(ThreadId tid, Addr name)
{
   if (!ma_snapshots_on) return;
   Snapshot* s = take(ma_intern_client_string(name), SNAP_REQUEST);
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

UInt ma_snapshot_begin_trace(const TraceSnapshot** list)
{
   *list = NULL;
   if (!ma_snapshots_on) return 0;
   Bool exit_is_peak = peak_due();
   exit_snapshot = take("exit", SNAP_EXIT | (exit_is_peak ? SNAP_PEAK : 0));

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

void ma_snapshot_init(void)
{
   ma_snapshot_threshold = ma_snapshots_on
                           ? (ma_snapshot_min_bytes > 0 ? (ULong)ma_snapshot_min_bytes - 1 : 0)
                           : ~0ULL;
}
