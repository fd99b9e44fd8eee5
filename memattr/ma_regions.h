/*--------------------------------------------------------------------*/
/*--- memattr: the memory map.                        ma_regions.h ---*/
/*--------------------------------------------------------------------*/

/* ma_regions.c owns what memattr knows about the client's memory
   outside the heap blocks: the *regions* (every mapping made by mmap,
   mremap, shmat and brk, with the stack of the call; the segments
   present at start-up; the thread stacks), the pages the program has
   written (instrumented stores mark them), the bytes live blocks use
   inside each region, and the *footprint*: written pages plus, when
   Valgrind's allocator replaces the client's, the usable bytes of live
   malloc blocks -- memattr's estimate of the program's anonymous
   resident memory.  It keeps the memory map as it was at the
   footprint's peak for the trace (docs/trace-format.md, "Memory map").

   Like everything in the tool this records facts; memattr-graph
   explains the gap between the heap and the footprint. */

#ifndef MA_REGIONS_H
#define MA_REGIONS_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"
#include "pub_tool_tooliface.h"

#include "ma_heap.h"

/* --track-pages: instrument stores to find the pages written. */
extern Bool ma_track_pages;

typedef enum { REGION_ANON, REGION_SHM, REGION_FILE, REGION_BRK, REGION_STACK } RegionKind;

/* The live custom or pool blocks of one site inside one region: the
   link from an annotated block to its arena. */
typedef struct _RegionUse {
   struct _RegionUse* next;
   Site*  site;
   ULong  bytes, blocks;
} RegionUse;

/* The last sizes of a region that grew (mremap, brk) are kept, oldest dropped. */
#define MA_GROWTHS_KEPT 16

/* One region of client memory.  Regions in the table are disjoint and
   page-aligned.  A region unmapped while blocks still lie in it (an
   arena dropped without freeing its blocks) leaves the table but lives
   on until its last block goes, because blocks point to it. */
typedef struct _Region {
   Addr   start, end;          /* [start, end) */
   UChar  kind;                /* RegionKind (STACK only in captured maps) */
   UChar  prot;                /* VKI_PROT_* bits when made */
   Bool   shared;              /* MAP_SHARED */
   Bool   startup;             /* present before the first instruction */
   Bool   mapped;              /* in the table */
   Bool   holds_malloc;        /* --malloc=wrap: glibc put malloc blocks here */
   ExeContext*  ec;            /* the call that made it; NULL at start-up */
   const HChar* file;          /* interned; "" for anonymous memory */
   ULong  written_pages;
   ULong  used_bytes, used_blocks;
   RegionUse* uses;            /* custom and pool blocks, by site */
   UInt   n_sizes;             /* 0 until it grows; then its sizes: when
                                  made, and after each growth */
   SizeT  growth[MA_GROWTHS_KEPT];   /* a ring: size k at [k % KEPT] */
} Region;

/* A memory map as captured for the trace: copies, so the regions may
   change or go afterwards. */
typedef struct {
   Site* site;
   ULong bytes, blocks;
} MapUse;

typedef struct {
   Addr   start;
   SizeT  size, accessible, written, used, used_blocks;
   UChar  kind, prot;
   Bool   shared, startup;
   UInt   thread;                 /* kind == REGION_STACK */
   ExeContext*  ec;
   const HChar* file;
   UInt   n_growths;              /* how many times it grew */
   UInt   n_sizes;                /* sizes kept in growth[], oldest first */
   SizeT  growth[MA_GROWTHS_KEPT];
   UInt   first_use, n_uses;      /* into the map's uses */
} MapRegion;

typedef struct {
   const HChar* name;             /* "peak" or "exit" */
   ULong  time, footprint;
   ULong  heap_bytes, heap_blocks, heap_usable;
   ULong  custom_bytes, custom_blocks, custom_in_heap;
   ULong  written_outside;
   UInt   n_regions, n_uses;
   MapRegion* regions;
   MapUse*    uses;
} MemoryMap;

/* How the program used the mapping calls (the map-events record). */
typedef struct {
   ULong mmap, munmap, mremap, mremap_moved, brk_grow, brk_shrink;
   ULong shmat, shmdt, madvise_free, mprotect;
   ULong custom_requests, bad_requests;   /* counted by ma_custom.c */
} MapEvents;

extern MapEvents ma_map_events;

/*--- The footprint --------------------------------------------------*/

/* Bytes of client pages written, outside Valgrind's heap; without
   --track-pages, bytes of anonymous memory mapped. */
extern ULong ma_footprint_pages;
/* The footprint's maximum so far, and whether the program is at it
   with the memory map not yet captured there. */
extern ULong ma_footprint_max;
extern Bool  ma_footprint_at_max;

static inline ULong ma_footprint(void)
{
   return ma_footprint_pages + (ma_malloc_wrapped ? 0 : ma_heap.curr_usable);
}

/* After anything that may raise the footprint. */
static inline void ma_footprint_grew(void)
{
   ULong f = ma_footprint();
   if (f >= ma_footprint_max) {   /* the latest of equal maxima wins */
      ma_footprint_max    = f;
      ma_footprint_at_max = True;
   }
}

void ma_regions_capture_peak(void);

/* Before anything that lowers the footprint: if it is at its maximum,
   this is the peak (so far) and the memory map is kept. */
static inline void ma_footprint_will_shrink(void)
{
   if (UNLIKELY(ma_footprint_at_max)) ma_regions_capture_peak();
}

/*--- Interface ------------------------------------------------------*/

/* pre_clo_init: register the mapping callbacks. */
void ma_regions_init(void);
/* post_clo_init: allocate the page tables (with --track-pages). */
void ma_regions_start(void);

/* A block that lies in client memory (custom and pool blocks; malloc
   blocks with --malloc=wrap) was added or is going. */
void ma_regions_block_added(Block* bk);
void ma_regions_block_removed(Block* bk);

/* Instrumentation: marking the pages the program stores to.  The plan
   is made from the superblock first (NULL without --track-pages); then,
   as each statement i of sb_in is added to sb_out, mark_before(i) adds
   the marks due before it, and mark_before(sb_in->stmts_used) those due
   at the end. */
typedef struct _PagePlan PagePlan;
PagePlan* ma_regions_plan_pages(IRSB* sb_in, Int first);
void      ma_regions_mark_before(PagePlan* plan, IRSB* sb_out, IRSB* sb_in, Int i);
void      ma_regions_plan_done(PagePlan* plan);

/* The kernel wrote [a, a+len) for a system call. */
void ma_regions_kernel_wrote(Addr a, SizeT len);

/* System calls: the mapping callbacks carry no flags, so the call in
   progress is noted (MAP_SHARED, shmat, mremap growth), and madvise
   gives pages back. */
void ma_regions_pre_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs);
void ma_regions_post_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs,
                             SysRes res);

/* For the trace: the memory map at the footprint's peak (captured now
   if the program is at it), and the map now, which the caller frees. */
const MemoryMap* ma_regions_peak_map(void);
MemoryMap*       ma_regions_map_now(const HChar* name);
void             ma_regions_free_map(MemoryMap* m);

#endif
