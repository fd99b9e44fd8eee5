/*--------------------------------------------------------------------*/
/*--- memattr: the memory map.                        ma_regions.h ---*/
/*--------------------------------------------------------------------*/

/* ma_regions.c owns what memattr knows about the client's memory
   outside the heap blocks: the *regions* (every mapping made by mmap,
   mremap, shmat and brk, with the stacks of the calls that made and
   changed it; the segments
   present at start-up; the thread stacks) and the bytes live blocks
   use inside each region.  It keeps the memory map as it was at the
   footprint's peak (ma_pages.h) for the trace (docs/trace-format.md,
   "Memory map"), and the written pages of each region come from
   ma_pages.c.

   Like everything in the tool this records facts; memattr-graph
   explains the gap between the heap and the footprint. */

#ifndef MA_REGIONS_H
#define MA_REGIONS_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"
#include "pub_tool_tooliface.h"

#include "memattr_trace_schema.h"

typedef struct _Block Block;   /* ma_blocks.h */
typedef struct _Site  Site;

/* This module's part of a block (Block.region), set only for a block
   in client memory (ma_blocks_in_client_mapping): the client mapping it
   lies in; NULL inside a malloc block or Valgrind's heap. */
typedef struct {
   struct _Region* region;
} RegionBlock;

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

/* A region's history: the calls that made and changed it, each with its
   stack (trace: region-change records).  How it was made comes first
   (none for a start-up segment); a start-up segment or a region cut
   from another starts with what it inherits. */
typedef enum {
   CHANGE_MAPPED, CHANGE_RESERVED, CHANGE_ATTACHED, CHANGE_BRK,   /* made */
   CHANGE_TRIMMED_HEAD, CHANGE_TRIMMED_TAIL, CHANGE_TRIMMED_MIDDLE,   /* munmap, MAP_FIXED */
   CHANGE_GROWN, CHANGE_SHRUNK, CHANGE_MOVED,   /* mremap; grown and shrunk by brk too */
   CHANGE_PROTECTED   /* mprotect */
} ChangeKind;

typedef struct {
   ExeContext* ec;   /* the call; NULL when no thread made it */
   SizeT size;       /* the region's size after it; for PROTECTED the bytes changed */
   UChar kind;       /* ChangeKind */
   UChar prot;       /* VKI_PROT_* bits: set by PROTECTED, else the region's */
} RegionChange;

/* A program that mremaps in a loop changes one region without end: the
   first changes and the last ones are kept, and the ones between counted. */
#define MA_CHANGES_FIRST MA_TRACE_REGION_CHANGES_FIRST
#define MA_CHANGES_LAST  MA_TRACE_REGION_CHANGES_LAST
#define MA_CHANGES_KEPT  (MA_CHANGES_FIRST + MA_CHANGES_LAST)

typedef struct {
   ULong n;   /* changes in all */
   /* change k at [k] for k < FIRST, later ones in a ring: change k at
      [FIRST + (k - FIRST) % LAST] */
   RegionChange kept[MA_CHANGES_KEPT];
} RegionHistory;

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
   Addr   file_end;            /* a file mapping: where the file ends in
                                  the address space (its size less the
                                  mapping's offset, past 'start' as
                                  made); pages past it are not file */
   ULong  used_bytes, used_blocks;
   RegionUse* uses;            /* custom and pool blocks, by site */
   UInt   n_sizes;             /* 0 until it grows; then its sizes: when
                                  made, and after each growth */
   SizeT  growth[MA_GROWTHS_KEPT];   /* a ring: size k at [k % KEPT] */
   RegionHistory history;
   ULong  read_pages;          /* a read-only file mapping: its pages the
                                  program read, at the last reading of the
                                  kernel's page table (ma_regions.c,
                                  pages_read_due) */
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
   SizeT  executed;         /* bytes of pages whose code was translated */
   SizeT  executed_around;  /* bytes of their fault-around windows in the
                               region and the file (ma_pages.h) */
   SizeT  read;             /* a file mapping not writable: bytes of its
                               pages resident, not written and not
                               code (ma_pages_read_in) */
   UChar  kind, prot;
   Bool   shared, startup;
   UInt   thread;                 /* kind == REGION_STACK */
   ExeContext*  ec;
   const HChar* file;
   UInt   n_growths;              /* how many times it grew */
   UInt   n_sizes;                /* sizes kept in growth[], oldest first */
   SizeT  growth[MA_GROWTHS_KEPT];
   ULong  n_changes;              /* the calls that made and changed it, in all */
   UInt   n_kept;                 /* of those, kept in changes[], in order: the
                                     first MA_CHANGES_FIRST, then the last ones */
   RegionChange changes[MA_CHANGES_KEPT];
   UInt   first_use, n_uses;      /* into the map's uses */
} MapRegion;

typedef struct {
   const HChar* name;             /* "peak" or "exit" */
   ULong  time, footprint;
   ULong  heap_bytes, heap_blocks, heap_usable;
   ULong  heap_unwritten;   /* of heap_usable, on large blocks' unwritten pages */
   ULong  heap_headers;     /* glibc's chunk headers of the live malloc blocks */
   ULong  custom_bytes, custom_blocks, custom_in_heap;
   ULong  written_outside;
   Bool   read_seen;        /* the kernel's page table could be read: the
                               regions' 'read' figures are known */
   UInt   n_regions, n_uses;
   MapRegion* regions;
   MapUse*    uses;
   /* heap_unwritten by the sites of the large blocks holding it: a
      site's unwritten bytes and how many of its blocks have some */
   UInt       n_unwritten;
   MapUse*    unwritten;
} MemoryMap;

/* How the program used the mapping calls (the map-events record). */
typedef struct {
   ULong mmap, munmap, mremap, mremap_moved, brk_grow, brk_shrink;
   ULong brk_refused;   /* growths the core refused: past its brk segment's
                           end (8 MiB), glibc's malloc goes on with mmap */
   ULong shmat, shmdt, madvise_free, mprotect;
   ULong custom_requests, bad_requests;   /* counted by ma_custom.c */
} MapEvents;

extern MapEvents ma_map_events;

/*--- Interface ------------------------------------------------------*/

/* pre_clo_init: register the mapping callbacks. */
void ma_regions_init(void);

/* Block events (ma_events.h).  'allocated' only for a block that lies
   in client memory (custom and pool blocks; malloc blocks with
   --malloc=wrap): it uses its region.  'releasing' for those, and for
   any block while the footprint is at its maximum (the memory map is
   kept then). */
void ma_regions_block_allocated(Block* bk);
void ma_regions_block_releasing(Block* bk);

/* System calls: the mapping callbacks carry no flags, so the call in
   progress is noted (MAP_SHARED, shmat, mremap growth), and madvise
   gives pages back. */
void ma_regions_pre_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs);
void ma_regions_post_syscall(ThreadId tid, UInt sysno, UWord* args, UInt nArgs,
                             SysRes res);

/* For the trace: the memory map at the footprint's peak (captured now
   if the program is at it), and the map now, which the caller frees;
   'pages_read_now': the pages read of read-only file mappings counted
   now, not taken from the last count (ma_regions.c, pages_read_due). */
const MemoryMap* ma_regions_peak_map(void);
MemoryMap*       ma_regions_map_now(const HChar* name, Bool pages_read_now);
void             ma_regions_free_map(MemoryMap* m);

#endif
