/*--------------------------------------------------------------------*/
/*--- memattr: the memory map.                        ma_regions.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_regions.h.  Three parts: the region table and the core's
   mapping callbacks that keep it, the blocks inside regions, and
   capturing the memory map.  The pages written are ma_pages.c's. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"

#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_names.h"
#include "ma_pages.h"
#include "ma_regions.h"

MapEvents ma_map_events;

/* Without --track-pages the footprint counts, instead of written pages,
   the bytes that may be resident without it (may_be_resident: an upper
   bound); recounted after every mapping or protection change, which
   are few. */
static void recount_mapped(void);
static SizeT accessible_bytes(Addr lo, Addr hi);

/* Something in the map changed (a region, the blocks in it) since the
   peak map was last captured; pages newly written show in
   ma_pages_marked, compared with its value then. */
static Bool  map_changed = False;
static ULong marked_at_capture = 0;

/* A file mapping changed (made, moved, cut, protected; or a region
   unmapped) since the pages read were last counted (pages_read_due). */
static Bool  regions_changed_since_read = True;

static void map_did_change(void)
{
   map_changed = True;
   regions_changed_since_read = True;
}

/* Before anything that lowers the footprint: if it is at its maximum,
   this is the peak (so far) and the memory map is kept. */
static void capture_peak(Bool pages_read_now);

/* The stack of the call being made, NULL before the program runs. */
static ExeContext* caller_stack(void);

/* What a cut of [lo, hi) out of the region is; a tail cut by mremap or
   brk is the region shrinking. */
static ChangeKind cut_kind(const Region* r, Addr lo, Addr hi);

static inline void footprint_will_shrink(void)
{
   if (UNLIKELY(ma_footprint_at_max)) capture_peak(False);
}

/*------------------------------------------------------------*/
/*--- The region table                                     ---*/
/*------------------------------------------------------------*/

/* Sorted by start address; regions are few (tens to thousands), and
   lookups (one per new page written, one per block placed) are binary
   searches. */
static Region** table;
static UInt     n_regions, capacity;

/* Index of the last region starting at or below a, or -1. */
static Int index_at_or_below(Addr a)
{
   Int lo = 0, hi = (Int)n_regions - 1, found = -1;
   while (lo <= hi) {
      Int mid = lo + (hi - lo) / 2;
      if (table[mid]->start <= a) { found = mid; lo = mid + 1; }
      else hi = mid - 1;
   }
   return found;
}

static Region* region_at(Addr a)
{
   Int i = index_at_or_below(a);
   return i >= 0 && a < table[i]->end ? table[i] : NULL;
}

static void insert(Region* r)
{
   if (n_regions == capacity) {
      capacity = capacity ? 2 * capacity : 256;
      table = VG_(realloc)("ma.regions", table, capacity * sizeof(Region*));
   }
   UInt i = (UInt)(index_at_or_below(r->start) + 1);
   VG_(memmove)(&table[i + 1], &table[i], (n_regions - i) * sizeof(Region*));
   table[i] = r;
   n_regions++;
   r->mapped = True;
   map_did_change();
}

static void remove_at(UInt i)
{
   table[i]->mapped = False;
   VG_(memmove)(&table[i], &table[i + 1], (n_regions - i - 1) * sizeof(Region*));
   n_regions--;
   map_did_change();
}

static void free_region(Region* r)
{
   while (r->uses) {
      RegionUse* u = r->uses;
      r->uses = u->next;
      VG_(free)(u);
   }
   VG_(free)(r);
}

/* A region out of the table goes when no block points to it. */
static void retire(Region* r)
{
   if (r->used_blocks == 0) free_region(r);
}

static Region* brk_region;   /* the brk heap's region, while it has pages */

static Region* new_region(Addr start, Addr end, RegionKind kind, UInt prot,
                          ExeContext* ec, const HChar* file)
{
   Region* r = VG_(malloc)("ma.region", sizeof(Region));
   VG_(memset)(r, 0, sizeof *r);
   r->start = start;
   r->end   = end;
   r->kind  = kind;
   r->prot  = prot;
   r->ec    = ec;
   r->file  = file ? file : "";
   return r;
}

/*--- A region's history ---*/

/* The slot of change k in a RegionHistory (ma_regions.h). */
static UInt change_slot(ULong k)
{
   return k < MA_CHANGES_FIRST ? (UInt)k
                               : MA_CHANGES_FIRST + (UInt)((k - MA_CHANGES_FIRST) % MA_CHANGES_LAST);
}

static void note_change(Region* r, ChangeKind kind, SizeT size, UInt prot, ExeContext* ec)
{
   RegionHistory* h = &r->history;
   h->kept[change_slot(h->n)] = (RegionChange){ ec, size, (UChar)kind, (UChar)prot };
   h->n++;
   if (r->kind == REGION_FILE) map_did_change();
   else map_changed = True;   /* an anonymous region's: no file pages read change */
}

static RegionChange* last_change(Region* r)
{
   return r->history.n ? &r->history.kept[change_slot(r->history.n - 1)] : NULL;
}

/* The region an mremap in progress has just moved: its growth, reported
   next, is the same call (one 'moved' change). */
static Region* moved_by_call;

/* The region is about to grow from its present size (given) to
   r->end - r->start: the first growth also keeps the size it had. */
static void note_growth(Region* r, SizeT before)
{
   if (r->n_sizes == 0) r->growth[r->n_sizes++ % MA_GROWTHS_KEPT] = before;
   r->growth[r->n_sizes++ % MA_GROWTHS_KEPT] = r->end - r->start;
}

/* [lo, hi) is no longer mapped (munmap, a brk shrink, a new mapping
   over it) or no longer resident (madvise): its pages become
   unwritten and leave the page cache; with 'unmap' the regions over it
   are cut too.  Memory about to be mapped anew is passed through here
   for the same reasons. */
static void forget_range(Addr lo, Addr hi, Bool unmap)
{
   if (lo >= hi) return;
   if (ma_track_pages) {
      if (ma_pages_written_in(lo, hi)) {
         footprint_will_shrink();
         map_did_change();
      }
      ma_pages_forget(lo, hi);
   }
   if (!unmap) return;
   ma_pages_forget_executed(lo, hi);

   Int i = index_at_or_below(lo);
   if (i < 0 || table[i]->end <= lo) i++;
   while (i < (Int)n_regions && table[i]->start < hi) {
      Region* r = table[i];
      if (r->start >= lo && r->end <= hi) {            /* all of it */
         remove_at(i);
         if (r == brk_region) brk_region = NULL;
         retire(r);
         continue;
      }
      if (r->start < lo && r->end > hi) {              /* a hole: cut in two */
         Region* right = new_region(hi, r->end, r->kind, r->prot, r->ec, r->file);
         right->shared = r->shared;
         right->startup = r->startup;
         right->history = r->history;
         right->file_end = r->file_end;
         r->end = lo;
         ExeContext* ec = caller_stack();
         note_change(r, CHANGE_TRIMMED_MIDDLE, r->end - r->start, r->prot, ec);
         note_change(right, CHANGE_TRIMMED_MIDDLE, right->end - right->start, right->prot, ec);
         insert(right);
         break;
      }
      ChangeKind kind = cut_kind(r, lo, hi);
      if (r->start < lo) r->end = lo;                  /* its tail */
      else               r->start = hi;               /* its head */
      note_change(r, kind, r->end - r->start, r->prot, caller_stack());
      i++;
   }
}

/* What a region may add to the resident anonymous memory, of its
   'accessible' bytes: all of them, but in a file mapping only if it is
   private and writable (its written pages become the process's own; a
   read-only or shared one is page cache).  A PROT_NONE reservation
   (a JIT's or an allocator's address space) adds nothing until it is
   made accessible.  memattr-graph applies the same rule to the trace's
   regions (kind, shared, prot, accessible). */
static SizeT may_be_resident(RegionKind kind, Bool shared, UInt prot, SizeT accessible)
{
   if (kind != REGION_FILE) return accessible;
   return !shared && (prot & VKI_PROT_WRITE) ? accessible : 0;
}

static void recount_mapped(void)
{
   if (ma_track_pages) return;
   ULong mapped = 0;
   for (UInt i = 0; i < n_regions; i++) {
      const Region* r = table[i];
      mapped += may_be_resident(r->kind, r->shared, r->prot, accessible_bytes(r->start, r->end));
   }
   if (mapped < ma_footprint_pages) footprint_will_shrink();
   ma_footprint_pages = mapped;
   ma_footprint_grew();
}

/*--- System calls in progress ---*/

/* The callbacks carry no flags and no thread; the system call being
   made by the running thread says what kind of mapping this is. */
typedef struct {
   UInt  sysno;   /* 0: none */
   UWord args[6];
} PendingCall;

static PendingCall* pending;   /* [VG_N_THREADS], known after the options */

static const PendingCall* call_in_progress(void)
{
   ThreadId tid = VG_(get_running_tid)();
   return pending && tid > 0 && tid < VG_N_THREADS ? &pending[tid] : NULL;
}

/* The running thread's stack, or none before the program runs. */
static ExeContext* caller_stack(void)
{
   ThreadId tid = VG_(get_running_tid)();
   return tid > 0 && tid < VG_N_THREADS && pending ? VG_(record_ExeContext)(tid, 0) : NULL;
}

static ChangeKind cut_kind(const Region* r, Addr lo, Addr hi)
{
   if (r->start < lo && r->end > hi) return CHANGE_TRIMMED_MIDDLE;
   if (r->start >= lo) return CHANGE_TRIMMED_HEAD;
   const PendingCall* call = call_in_progress();
   Bool resizing = call && (call->sysno == __NR_mremap || call->sysno == __NR_brk);
   return resizing ? CHANGE_SHRUNK : CHANGE_TRIMMED_TAIL;
}

void ma_regions_pre_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs)
{
   if (!pending) pending = VG_(calloc)("ma.pending_calls", VG_N_THREADS, sizeof(PendingCall));
   if (tid >= VG_N_THREADS) return;
   pending[tid].sysno = sysno;
   moved_by_call = NULL;
   for (UInt i = 0; i < 6; i++) pending[tid].args[i] = i < nArgs ? args[i] : 0;
   /* A call that may lower the footprint: if it is at its maximum, keep
      the map now, while the address-space manager still shows what is
      about to go (the callbacks come after the kernel acted). */
   switch (sysno) {
      case __NR_munmap: case __NR_mremap: case __NR_madvise: case __NR_brk:
      case __NR_shmdt:  case __NR_mmap:
         footprint_will_shrink();
         break;
      default: break;
   }
   switch (sysno) {
      case __NR_mmap:    ma_map_events.mmap++;     break;
      case __NR_munmap:  ma_map_events.munmap++;   break;
      case __NR_mremap:  ma_map_events.mremap++;   break;
      case __NR_shmat:   ma_map_events.shmat++;    break;
      case __NR_shmdt:   ma_map_events.shmdt++;    break;
      case __NR_mprotect: ma_map_events.mprotect++; break;
      default: break;
   }
}

void ma_regions_post_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs, SysRes res)
{
   if (!pending || tid >= VG_N_THREADS) return;
   pending[tid].sysno = 0;
   /* brk answers a refusal with the old break, below the one asked for
      (brk(0) only asks where it is). */
   if (sysno == __NR_brk && nArgs >= 1 && args[0] != 0 && !sr_isError(res)
       && sr_Res(res) < args[0])
      ma_map_events.brk_refused++;
   if (sysno == __NR_madvise && !sr_isError(res) && nArgs >= 3
       && (args[2] == 4 /* MADV_DONTNEED */ || args[2] == 9 /* MADV_REMOVE */)) {
      ma_map_events.madvise_free++;
      forget_range(VG_PGROUNDDN(args[0]), VG_PGROUNDUP(args[0] + args[1]), False);
   }
}

/*--- The core's mapping callbacks ---*/

static UInt prot_bits(Bool rr, Bool ww, Bool xx)
{
   return (rr ? VKI_PROT_READ : 0) | (ww ? VKI_PROT_WRITE : 0) | (xx ? VKI_PROT_EXEC : 0);
}

/* The kind and file of a new mapping, from the address-space manager
   and the call that made it. */
static RegionKind kind_of_mapping(Addr a, const HChar** file, Bool* shared)
{
   const PendingCall* call = call_in_progress();
   const NSegment* seg = VG_(am_find_nsegment)(a);
   *file = "";
   *shared = call && call->sysno == __NR_mmap && (call->args[3] & VKI_MAP_SHARED);
   if (call && call->sysno == __NR_shmat) { *shared = True; return REGION_SHM; }
   if (seg && seg->kind == SkFileC) {
      const HChar* name = VG_(am_get_filename)(seg);
      *file = ma_intern(name ? name : "");
      return REGION_FILE;
   }
   if (seg && seg->kind == SkShmC) { *shared = True; return REGION_SHM; }
   return *shared ? REGION_SHM : REGION_ANON;
}

/* Where the file of a mapping [lo, hi) ends in the address space,
   from its size now and the mapping's offset in it: pages past it are
   not the file's (the kernel maps none of them around a fault).  A file
   that cannot be asked ends with the mapping.  Once per file mapping. */
static Addr file_end_of(Addr lo, Addr hi, const HChar* file)
{
   const NSegment* seg = VG_(am_find_nsegment)(lo);
   struct vg_stat st;
   if (!seg || !file[0] || sr_isError(VG_(stat)(file, &st))) return hi;
   ULong offset = seg->offset + (lo - seg->start);
   if (st.size <= offset) return lo;
   return VG_PGROUNDUP(lo + (st.size - offset));
}

static void add_mapping(Addr a, SizeT len, UInt prot, Bool startup)
{
   Addr lo = VG_PGROUNDDN(a), hi = VG_PGROUNDUP(a + len);
   if (lo >= hi) return;
   forget_range(lo, hi, True);   /* a fixed mapping replaces what was there */
   const HChar* file;
   Bool shared;
   RegionKind kind = kind_of_mapping(lo, &file, &shared);
   Region* r = new_region(lo, hi, kind, prot, startup ? NULL : caller_stack(), file);
   r->shared  = shared;
   r->startup = startup;
   if (!startup) {
      const PendingCall* call = call_in_progress();
      ChangeKind made = call && call->sysno == __NR_shmat ? CHANGE_ATTACHED
                        : prot == 0                      ? CHANGE_RESERVED
                                                         : CHANGE_MAPPED;
      note_change(r, made, hi - lo, prot, r->ec);
   }
   if (kind == REGION_FILE) r->file_end = file_end_of(lo, hi, file);
   insert(r);
}

/* A core symbol, not in the tool headers: the start of the code the
   core lets the client run from its own binary (m_trampoline.S). */
extern void VG_(trampoline_stuff_start)(void);

static void on_startup(Addr a, SizeT len, Bool rr, Bool ww, Bool xx, ULong di_handle)
{
   /* Valgrind's trampoline code (a piece of its own binary the client
      may run) is reported too: it is not the program's. */
   Addr trampoline = (Addr)&VG_(trampoline_stuff_start);
   if (trampoline >= a && trampoline < a + len) return;
   add_mapping(a, len, prot_bits(rr, ww, xx), True);
   recount_mapped();
}

static void on_mmap(Addr a, SizeT len, Bool rr, Bool ww, Bool xx, ULong di_handle)
{
   const PendingCall* call = call_in_progress();
   if (call && call->sysno == __NR_mremap) {
      /* The grown part of an mremap: the region it extends ends at a
         (it was moved there first if it had to move). */
      Region* r = a > 0 ? region_at(a - 1) : NULL;
      if (r && r->end == a) {
         forget_range(a, VG_PGROUNDUP(a + len), True);
         r->end = VG_PGROUNDUP(a + len);
         note_growth(r, a - r->start);
         if (r == moved_by_call) last_change(r)->size = r->end - r->start;
         else note_change(r, CHANGE_GROWN, r->end - r->start, r->prot, caller_stack());
         map_did_change();
         recount_mapped();
         return;
      }
   }
   add_mapping(a, len, prot_bits(rr, ww, xx), False);
   recount_mapped();
}

static void on_munmap(Addr a, SizeT len)
{
   forget_range(VG_PGROUNDDN(a), VG_PGROUNDUP(a + len), True);
   recount_mapped();
}

/* mremap moved [from, from+len) to [to, to+len): the region goes with
   it, written pages included, keeping its identity and history.  The
   core then reports the old range unmapped (nothing written is left
   there) and any growth as a new mapping at the new end (on_mmap). */
static void on_remap(Addr from, Addr to, SizeT len)
{
   ma_map_events.mremap_moved++;
   Addr lo = VG_PGROUNDDN(from), hi = VG_PGROUNDUP(from + len);
   Int i = index_at_or_below(lo);
   Region* r = i >= 0 && lo < table[i]->end ? table[i] : NULL;
   Region* moving;
   if (r && r->start == lo && r->end <= hi) {   /* the whole region moves */
      remove_at((UInt)i);
      if (r == brk_region) brk_region = NULL;
      moving = r;
   } else {   /* part of one: that part becomes a region of its own */
      moving = new_region(lo, hi, r ? r->kind : REGION_ANON,
                          r ? r->prot : VKI_PROT_READ | VKI_PROT_WRITE,
                          r ? r->ec : caller_stack(), r ? r->file : "");
      if (r) {
         moving->shared = r->shared;
         moving->startup = r->startup;
         moving->history = r->history;
         moving->file_end = r->file_end;
      }
   }
   forget_range(to, to + (hi - lo), True);   /* what MREMAP_FIXED replaced */
   ma_pages_move(lo, hi, to);
   if (moving->file_end) moving->file_end = moving->file_end - lo + to;
   moving->start = to;
   moving->end   = to + (hi - lo);
   note_change(moving, CHANGE_MOVED, hi - lo, moving->prot, caller_stack());
   moved_by_call = moving;
   insert(moving);
   recount_mapped();
}

/* Each region of [lo, hi) notes the protection set on its part of it. */
static void note_protection(Addr lo, Addr hi, UInt prot)
{
   ExeContext* ec = NULL;
   Int i = index_at_or_below(lo);
   if (i < 0 || table[i]->end <= lo) i++;
   for (; i < (Int)n_regions && table[i]->start < hi; i++) {
      Region* r = table[i];
      Addr from = r->start > lo ? r->start : lo;
      Addr to   = r->end < hi ? r->end : hi;
      if (!ec) ec = caller_stack();
      note_change(r, CHANGE_PROTECTED, to - from, prot, ec);
   }
}

static void on_mprotect(Addr a, SizeT len, Bool rr, Bool ww, Bool xx)
{
   note_protection(VG_PGROUNDDN(a), VG_PGROUNDUP(a + len), prot_bits(rr, ww, xx));
   map_did_change();   /* 'accessible' is read when the map is captured */
   recount_mapped();     /* and is what the footprint counts without pages */
}

/* brk grew from 'a' (the old limit, not page-aligned) by len. */
static void on_brk_grow(Addr a, SizeT len, ThreadId tid)
{
   Addr hi = VG_PGROUNDUP(a + len);
   ma_map_events.brk_grow++;
   if (!brk_region) {
      Addr lo = VG_PGROUNDUP(a);
      if (lo >= hi) return;   /* still inside the data segment's last page */
      forget_range(lo, hi, True);
      brk_region = new_region(lo, hi, REGION_BRK, VKI_PROT_READ | VKI_PROT_WRITE,
                              pending ? VG_(record_ExeContext)(tid, 0) : NULL,
                              "");
      note_change(brk_region, CHANGE_BRK, hi - lo, brk_region->prot, brk_region->ec);
      insert(brk_region);
      recount_mapped();
      return;
   }
   if (hi <= brk_region->end) return;
   forget_range(brk_region->end, hi, True);
   SizeT before = brk_region->end - brk_region->start;
   brk_region->end = hi;
   ExeContext* ec = pending ? VG_(record_ExeContext)(tid, 0) : NULL;
   if (!brk_region->ec) brk_region->ec = ec;
   note_growth(brk_region, before);
   note_change(brk_region, CHANGE_GROWN, hi - brk_region->start, brk_region->prot, ec);
   map_changed = True;
   recount_mapped();
}

/* brk shrank to 'a'.  Valgrind keeps the pages mapped (and clears
   them); natively they are unmapped, so they count as gone. */
static void on_brk_shrink(Addr a, SizeT len)
{
   ma_map_events.brk_shrink++;
   forget_range(VG_PGROUNDUP(a), VG_PGROUNDUP(a + len), True);
   recount_mapped();
}

/*------------------------------------------------------------*/
/*--- Blocks inside regions                                ---*/
/*------------------------------------------------------------*/

/* Custom and pool blocks inside malloc blocks (a pool carved from a
   malloc'd superblock): counted once, as heap, not as use of a region. */
static ULong custom_in_heap;

static RegionUse* use_of(Region* r, Site* site)
{
   for (RegionUse* u = r->uses; u; u = u->next)
      if (u->site == site) return u;
   RegionUse* u = VG_(malloc)("ma.region_use", sizeof(RegionUse));
   u->site = site;
   u->bytes = u->blocks = 0;
   u->next = r->uses;
   r->uses = u;
   return u;
}

static void block_added(Block* bk)
{
   Region* r = region_at(bk->payload);
   if (bk->kind == BLOCK_MALLOC) {
      if (r) r->holds_malloc = True;
   } else if (!r || r->holds_malloc) {
      /* In Valgrind's heap or glibc's: inside a malloc block. */
      bk->region.region = NULL;
      custom_in_heap += bk->req_szB;
      return;
   }
   bk->region.region = r;
   if (!r) return;
   r->used_bytes  += bk->req_szB;
   r->used_blocks += 1;
   if (bk->kind != BLOCK_MALLOC) {
      RegionUse* u = use_of(r, bk->site);
      u->bytes  += bk->req_szB;
      u->blocks += 1;
   }
   map_changed = True;   /* blocks in a region: no pages read change */
}

static void block_removed(Block* bk)
{
   Region* r = bk->region.region;
   if (!r) {
      if (bk->kind != BLOCK_MALLOC) custom_in_heap -= bk->req_szB;
      return;
   }
   r->used_bytes  -= bk->req_szB;
   r->used_blocks -= 1;
   if (bk->kind != BLOCK_MALLOC) {
      RegionUse** link = &r->uses;
      while (*link && (*link)->site != bk->site) link = &(*link)->next;
      if (*link) {
         (*link)->bytes  -= bk->req_szB;
         (*link)->blocks -= 1;
         if ((*link)->blocks == 0) {
            RegionUse* gone = *link;
            *link = gone->next;
            VG_(free)(gone);
         }
      }
   }
   bk->region.region = NULL;
   if (!r->mapped) retire(r);
   map_changed = True;   /* blocks in a region: no pages read change */
}

void ma_regions_block_allocated(Block* bk)
{
   block_added(bk);
}

void ma_regions_block_releasing(Block* bk)
{
   /* Before any figure changes: the memory map may be at its peak.
      Use going down is a decrease too: the map at the peak shows the
      blocks that filled the footprint. */
   footprint_will_shrink();
   if (ma_blocks_in_client_mapping(bk->kind)) block_removed(bk);
}

/*------------------------------------------------------------*/
/*--- Capturing the memory map                             ---*/
/*------------------------------------------------------------*/

/* Bytes of [lo, hi) with any access right: a reservation is PROT_NONE. */
static SizeT accessible_bytes(Addr lo, Addr hi)
{
   SizeT n = 0;
   for (Addr a = lo; a < hi; ) {
      const NSegment* seg = VG_(am_find_nsegment)(a);
      if (!seg) { a += 1UL << MA_PAGE_BITS; continue; }
      Addr end = seg->end + 1 < hi ? seg->end + 1 : hi;
      if (seg->kind != SkFree && seg->kind != SkResvn && (seg->hasR || seg->hasW || seg->hasX))
         n += end - a;
      a = end;
   }
   return n;
}

/* The tops of the live threads' stacks, found once per capture. */
typedef struct { Addr top; UInt number; } StackTop;
static StackTop* stack_tops;   /* [VG_N_THREADS] */
static UInt      n_stack_tops;

static void find_stack_tops(void)
{
   if (!stack_tops) stack_tops = VG_(calloc)("ma.stack_tops", VG_N_THREADS, sizeof(StackTop));
   n_stack_tops = 0;
   ThreadId tid;
   Addr lo, hi;
   VG_(thread_stack_reset_iter)(&tid);
   while (VG_(thread_stack_next)(&tid, &lo, &hi) && n_stack_tops < VG_N_THREADS) {
      stack_tops[n_stack_tops].top    = hi + 1;   /* hi is the last byte */
      stack_tops[n_stack_tops].number = ma_blocks_thread_number(tid);
      n_stack_tops++;
   }
}

/* The thread whose stack the region holds, 0 if none.  A main stack
   that grew below its start-up extent (into the reservation the core
   keeps) is widened to cover what it grew into. */
static UInt stack_thread(MapRegion* m)
{
   for (UInt t = 0; t < n_stack_tops; t++) {
      Addr top = stack_tops[t].top;
      if (top <= m->start || top > m->start + m->size) continue;
      for (;;) {
         const NSegment* below = m->start > 0 ? VG_(am_find_nsegment)(m->start - 1) : NULL;
         if (!below || below->kind != SkAnonC || region_at(m->start - 1)) break;
         m->size += m->start - below->start;
         m->start = below->start;
      }
      return stack_tops[t].number;
   }
   return 0;
}

/* The kept changes in order: the first ones, then the last ones. */
static void copy_history(const RegionHistory* h, MapRegion* out)
{
   ULong first = h->n < MA_CHANGES_FIRST ? h->n : MA_CHANGES_FIRST;
   ULong last  = h->n - first < MA_CHANGES_LAST ? h->n - first : MA_CHANGES_LAST;
   out->n_changes = h->n;
   out->n_kept = (UInt)(first + last);
   for (ULong k = 0; k < first; k++) out->changes[k] = h->kept[k];
   for (ULong j = 0; j < last; j++)
      out->changes[first + j] = h->kept[change_slot(h->n - last + j)];
}

/* A file mapping the program cannot write: its resident pages, but
   the code's (executed_around), are the file's pages it read (the
   loader's tables, read-only data, a file mapped for reading).  A
   writable mapping's pages are counted by those written: the snapshots
   read writable memory, so its pages read would not be the program's
   alone. */
static Bool unwritable_file(const Region* r)
{
   return r->kind == REGION_FILE && !(r->prot & VKI_PROT_WRITE);
}

/* Counting the pages read of the read-only file mappings reads the
   kernel's page table (/proc/self/pagemap): two system calls a mapping.
   The peak map is captured anew at every step of growth of a heap that
   churns as it grows (py_big_heap: 26,624 times, 1.5 M system calls,
   3.3 of the 20 s of a run without snapshots).  The pages present in a
   mapping only become more while it stays as it is, so the counts of
   the last reading are kept in the regions (Region.read_pages) and
   read again only when the regions changed since, the footprint grew
   by more than 1/PAGES_READ_GROWTH of itself, or PAGES_READ_INTERVAL
   instructions went by; always for the map at exit.  A page the
   program first read in between is then missing from the peak map's
   count, and only if the peak came within that much of the last
   reading. */
#define PAGES_READ_GROWTH   64
#define PAGES_READ_INTERVAL 50000000ULL

static Bool  pages_read_seen;   /* the last reading could read the page table */
static ULong pages_read_time, pages_read_footprint;   /* ma_instrs and ma_footprint() then */

static Bool pages_read_due(Bool always)
{
   ULong f = ma_footprint();
   return always || regions_changed_since_read
          || ma_instrs - pages_read_time >= PAGES_READ_INTERVAL
          || f > pages_read_footprint + pages_read_footprint / PAGES_READ_GROWTH;
}

/* The kernel's page table to count the pages read from now, or -1:
   the regions keep their last counts (not due, or it cannot be read). */
static Int page_table_if_due(Bool always)
{
   if (!pages_read_due(always)) return -1;
   Int pagemap = ma_pages_pagemap();
   pages_read_seen = pagemap >= 0;
   pages_read_time = ma_instrs;
   pages_read_footprint = ma_footprint();
   regions_changed_since_read = False;
   return pagemap;
}

static void copy_region(MemoryMap* m, Region* r, MapRegion* out, Int pagemap)
{
   VG_(memset)(out, 0, sizeof *out);
   out->start = r->start;
   out->size  = r->end - r->start;
   out->kind  = r->kind;
   out->prot  = r->prot;
   out->shared  = r->shared;
   out->startup = r->startup;
   out->ec    = r->ec;
   out->file  = r->file;
   out->used  = r->used_bytes;
   out->used_blocks = r->used_blocks;
   out->thread = r->kind == REGION_ANON || r->startup ? stack_thread(out) : 0;
   if (out->thread) out->kind = REGION_STACK;
   out->written = ma_track_pages ? ma_pages_written_in(out->start, out->start + out->size)
                                   << MA_PAGE_BITS : 0;
   out->accessible = accessible_bytes(out->start, out->start + out->size);
   if (r->kind == REGION_FILE) {
      out->executed = ma_pages_executed_in(r->start, r->end) << MA_PAGE_BITS;
      out->executed_around = out->executed == 0 ? 0
         : ma_pages_executed_around(r->start, r->end, r->file_end) << MA_PAGE_BITS;
   }
   if (unwritable_file(r)) {
      if (pagemap >= 0) r->read_pages = ma_pages_read_in(pagemap, r->start, r->end);
      out->read = r->read_pages << MA_PAGE_BITS;
   }
   UInt kept = r->n_sizes < MA_GROWTHS_KEPT ? r->n_sizes : MA_GROWTHS_KEPT;
   out->n_sizes = kept;
   out->n_growths = r->n_sizes ? r->n_sizes - 1 : 0;
   for (UInt k = 0; k < kept; k++)
      out->growth[k] = r->growth[(r->n_sizes - kept + k) % MA_GROWTHS_KEPT];
   copy_history(&r->history, out);
   out->first_use = m->n_uses;
   for (const RegionUse* u = r->uses; u; u = u->next) {
      m->uses = VG_(realloc)("ma.map_uses", m->uses, (m->n_uses + 1) * sizeof(MapUse));
      m->uses[m->n_uses++] = (MapUse){ u->site, u->bytes, u->blocks };
      out->n_uses++;
   }
}

/* One large block's unwritten bytes, added to its site's (ma_pages's
   callback): few blocks, few sites, so a linear search. */
static void add_unwritten(Site* site, ULong unwritten, void* ctx)
{
   MemoryMap* m = ctx;
   for (UInt i = 0; i < m->n_unwritten; i++)
      if (m->unwritten[i].site == site) {
         m->unwritten[i].bytes += unwritten;
         m->unwritten[i].blocks++;
         return;
      }
   m->unwritten = VG_(realloc)("ma.map_unwritten", m->unwritten,
                               (m->n_unwritten + 1) * sizeof(MapUse));
   m->unwritten[m->n_unwritten++] = (MapUse){ site, unwritten, 1 };
}

MemoryMap* ma_regions_map_now(const HChar* name, Bool pages_read_now)
{
   MemoryMap* m = VG_(malloc)("ma.map", sizeof(MemoryMap));
   VG_(memset)(m, 0, sizeof *m);
   m->name          = name;
   m->time          = ma_instrs;
   m->footprint     = ma_footprint();
   m->heap_bytes    = ma_heap.curr_bytes - ma_heap.curr_custom_bytes;
   m->heap_blocks   = ma_heap.curr_blocks - ma_heap.curr_custom_blocks;
   m->heap_usable   = ma_heap.curr_usable;
   m->heap_unwritten = ma_malloc_wrapped ? 0 : ma_heap_unwritten;
   m->heap_headers   = ma_heap_headers();
   if (m->heap_unwritten > 0) ma_pages_for_each_unwritten(add_unwritten, m);
   m->custom_bytes  = ma_heap.curr_custom_bytes;
   m->custom_blocks = ma_heap.curr_custom_blocks;
   m->custom_in_heap = custom_in_heap;
   m->n_regions     = n_regions;
   find_stack_tops();
   m->regions = VG_(malloc)("ma.map_regions", (n_regions ? n_regions : 1) * sizeof(MapRegion));
   ULong in_regions = 0, resident_bound = 0;
   Int pagemap = page_table_if_due(pages_read_now);
   m->read_seen = pages_read_seen;
   for (UInt i = 0; i < n_regions; i++) {
      MapRegion* out = &m->regions[i];
      copy_region(m, table[i], out, pagemap);
      in_regions += out->written;
      resident_bound += may_be_resident(out->kind, out->shared, out->prot, out->accessible);
   }
   m->written_outside = ma_track_pages && ma_footprint_pages > in_regions
                        ? ma_footprint_pages - in_regions : 0;
   /* Without pages the footprint is the regions' sum as captured: the
      main stack grows into the core's reservation with no event to
      recount at, and its region is widened only here (stack_thread). */
   if (!ma_track_pages) m->footprint += resident_bound - ma_footprint_pages;
   return m;
}

void ma_regions_free_map(MemoryMap* m)
{
   if (!m) return;
   VG_(free)(m->regions);
   VG_(free)(m->uses);
   VG_(free)(m->unwritten);
   VG_(free)(m);
}

/* The map at the footprint's peak.  Kept anew whenever the footprint
   is about to fall from its maximum -- unless nothing in the map
   changed and the footprint grew by less than a page since the last
   one (only heap bytes moved), which bounds the work on a churning
   heap: the map is then within 4 KiB of the exact peak.  When the
   trace is written, the map is counted as at exit: pages read now. */
static MemoryMap* peak_map;

static void capture_peak(Bool pages_read_now)
{
   ma_footprint_at_max = False;
   ULong f = ma_footprint();
   Bool changed = map_changed || ma_pages_marked != marked_at_capture;
   if (peak_map && !changed && f < peak_map->footprint + (1UL << MA_PAGE_BITS)) return;
   ma_regions_free_map(peak_map);
   peak_map = ma_regions_map_now("peak", pages_read_now);
   map_changed = False;
   marked_at_capture = ma_pages_marked;
}

const MemoryMap* ma_regions_peak_map(void)
{
   if (ma_footprint_at_max || !peak_map) capture_peak(True);
   if (!peak_map) peak_map = ma_regions_map_now("peak", True);
   return peak_map;
}

/*------------------------------------------------------------*/
/*--- Setup                                                ---*/
/*------------------------------------------------------------*/

void ma_regions_init(void)
{
   VG_(memset)(&ma_map_events, 0, sizeof ma_map_events);
   VG_(track_new_mem_startup)(on_startup);
   VG_(track_new_mem_mmap)(on_mmap);
   VG_(track_die_mem_munmap)(on_munmap);
   VG_(track_copy_mem_remap)(on_remap);
   VG_(track_change_mem_mprotect)(on_mprotect);
   VG_(track_new_mem_brk)(on_brk_grow);
   VG_(track_die_mem_brk)(on_brk_shrink);
}
