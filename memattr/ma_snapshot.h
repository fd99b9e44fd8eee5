/*--------------------------------------------------------------------*/
/*--- memattr: heap snapshots.                      ma_snapshot.h ---*/
/*--------------------------------------------------------------------*/

/* ma_snapshot.c owns heap snapshots: deciding when to take one (the
   growth rule that keeps one near the peak, client requests, exit),
   taking it (every live block with a hash of its contents and the
   pointers it holds, and every root: registers, stacks, writable data
   of loaded objects, other mappings), and keeping the snapshots until
   ma_trace.c writes them (docs/trace-format.md, "Snapshots").

   The automatic peak snapshot is retaken many times as the heap grows;
   a retake starts from the last snapshot and costs what changed since
   (blocks allocated, released or written, root pages written), not the
   heap's size: see ma_snapshot.c, and ma_snap_scan.h for the files
   that take a snapshot.

   A snapshot is a fact: which words point where.  Ownership (dominator
   trees, retained sizes), duplicates and reachability are computed by
   memattr-graph from it. */

#ifndef MA_SNAPSHOT_H
#define MA_SNAPSHOT_H

#include "pub_tool_basics.h"
#include "pub_tool_execontext.h"

typedef struct _Site  Site;    /* ma_blocks.h */
typedef struct _Block Block;

/* --snapshots, --snapshot-growth (percent), --snapshot-min (bytes),
   --snapshot-budget (times the live heap). */
extern Bool  ma_snapshots_on;
extern Long  ma_snapshot_growth_pct;
extern Long  ma_snapshot_min_bytes;
extern Long  ma_snapshot_budget;     /* --snapshot-budget; 0 = none */
extern Bool  ma_snapshot_check;      /* --snapshot-check (a debugging aid) */

/* One live block of a snapshot.  Blocks are kept in increasing
   address order; their pointers are edges[first_edge .. next block's
   first_edge), found among their candidate words (below).  64 bytes:
   the peak snapshot is kept, and a retake writes a new one (over the
   replaced one's when it can), so on a heap of millions of blocks each
   byte here costs megabytes; the flags share a word with
   the allocation event, which counts allocations and stays below 2^59
   (ma_snap_blocks.c checks it). */
typedef struct {
   Addr  addr;
   SizeT size;
   Site* site;
   ULong hash;          /* of the block's 'size' bytes */
   ULong first_edge;
   ULong first_word;    /* candidate words: words[first_word ..) */
   ULong written;       /* its bytes_written when read (access tracking) */
   ULong alloc_event : 59;  /* the block's identity (ma_heap.alloc_events) */
   ULong readable    : 1;   /* 0 for a block whose memory the program
                               unmapped or protected (mprotect(PROT_NONE)
                               on a heap page; an arena moved before its
                               custom blocks were announced again): not
                               read; its hash is then made from its
                               address, so it matches no other block */
   ULong kind        : 2;   /* BlockKind (ma_blocks.h) */
   ULong in_metapool : 1;   /* a chunk of a metapool: custom blocks may
                               lie inside it, and both are kept */
   ULong in_place    : 1;   /* a realloc left it where it was (Snapshot's
                               in_place_blocks) */
} SnapBlock;

#define MA_SNAP_MAX_ALLOC_EVENT ((1ULL << 59) - 1)

/* A word of a block whose value looks like a user-space address
   (4 KiB to 128 TiB: small integers, doubles and eight characters of
   text fall outside; interior pointers need not be aligned).  Every pointer into a block is one, and
   the next snapshot resolves them again for a block the program has
   not written since, instead of reading it again.
   12 bytes, as there are several per block and a retake holds two
   snapshots' words: the value (below 2^47, being address-like) in the
   low 47 bits of 'bits', the word's index in its block (its offset / 8;
   a readable block is below 2^47 bytes, so the index below 2^44) in
   the 17 bits above and in 'index_low'.  Use the functions of
   ma_snap_scan.h. */
typedef struct __attribute__((packed, aligned(4))) {
   ULong bits;
   UInt  index_low;
} SnapWord;

/* A pointer held by a block: the word at byte 'offset' of the block
   points 'target_offset' bytes into block number 'target' (an index
   into the snapshot's blocks).  Interior offsets of 4 GiB or more are
   saturated to MA_SNAP_FAR_INTERIOR (the trace says so). */
typedef struct {
   ULong offset;
   UInt  target;
   UInt  target_offset;
} SnapEdge;

#define MA_SNAP_FAR_INTERIOR 0xFFFFFFFFu

typedef enum { ROOT_REGISTER, ROOT_STACK, ROOT_GLOBAL, ROOT_MAPPING } RootKind;

/* One word outside the heap that points into a block. */
typedef struct {
   RootKind     kind;
   UInt         thread;          /* memattr thread number: register, stack */
   UInt         target;          /* index into the snapshot's blocks */
   UInt         target_offset;
   Addr         addr;            /* the word's address (not for registers) */
   ExeContext*  frame;           /* stack: the code address of the frame
                                    holding the word, as a 1-deep context */
   const HChar* name;            /* register name, or the data symbol of a
                                    global ("" when none covers it) */
   const HChar* object;          /* global, mapping: the file ("" if none) */
   ULong        symbol_offset;   /* global: the word's offset in 'name' */
} SnapRoot;

/* An interior offset of a block at which its contents match layouts of
   Memcheck's leak heuristics (ma_layouts.h): a pointer there may count
   as one to the block's start.  Only offsets some pointer or root of
   the snapshot points at are looked at, and only in the exit snapshot,
   the one leaks are found in. */
typedef struct {
   UInt block;        /* index into the snapshot's blocks */
   UInt offset;       /* 0 < offset < MA_SNAP_FAR_INTERIOR */
   UInt heuristics;   /* MA_LEAK_HEURISTIC_* bits, never 0 */
} SnapLayout;

/* Why a snapshot was taken; a set of these. */
#define SNAP_PEAK    1u
#define SNAP_REQUEST 2u
#define SNAP_EXIT    4u

typedef struct _Snapshot {
   struct _Snapshot* next;   /* requested snapshots, in the order taken */
   const HChar* name;      /* interned (ma_names.h) */
   UInt       kinds;
   ULong      time, alloc;   /* ma_instrs and total bytes allocated then */
   ULong      bytes;         /* live requested bytes */
   ULong      scanned;       /* bytes of client memory read */
   ULong      reused;        /* bytes of unchanged blocks not read again */
   ULong      kept_roots_read;    /* of 'scanned', bytes of root pages read
                                     again because written since (not in
                                     the budget: ma_snapshot.c, budgeted) */
   ULong      unreadable_blocks;  /* live blocks it could not read: their memory */
   ULong      unreadable_bytes;   /* was protected or unmapped (not faulting) */
   ULong      in_place_blocks;    /* live malloc blocks a realloc left where they
                                     were: Memcheck's realloc always moves a
                                     block, so a pointer kept from before the
                                     realloc dangles there and reaches the block
                                     here (the leak report says so) */
   SnapBlock* blocks;
   UInt       n_blocks;
   SnapEdge*  edges;
   ULong      n_edges;
   SnapWord*  words;     /* candidate words of all blocks */
   ULong      n_words;
   SnapRoot*  roots;
   ULong      n_roots;
   ULong      block_capacity, edge_capacity, word_capacity;   /* of the arrays */
   /* Bytes at the start of blocks, edges and words already unmapped: a
      retake replacing this snapshot gives its pages back as it passes
      them (ma_snap_blocks.c); it is discarded right after. */
   SizeT      blocks_released, edges_released, words_released;
   Bool       retaken;     /* taken from the previous snapshot (ma_snap_blocks.c) */
   Bool       mergeable;   /* the next may be taken from it: no custom blocks */
   SnapLayout* layouts;  /* by block, then offset; exit snapshot only */
   ULong      n_layouts;
} Snapshot;

/* Running cost of all snapshots taken so far. */
typedef struct {
   ULong taken;
   ULong retaken;   /* of which taken from the previous one (ma_snapshot.c) */
   ULong scanned;
   ULong reused;
} SnapshotCost;

extern SnapshotCost ma_snapshot_cost;

/* The automatic peak snapshot may be due once the heap's maximum so far
   (ma_heap.peak_bytes) exceeds this; it is checked inline before every
   release (ma_events.h), so the common case costs one comparison. */
extern ULong ma_snapshot_threshold;

void ma_snapshot_init(void);   /* after the options are known */

/* --snapshot-check=yes: at the end, how many retaken snapshots were
   compared with a full scan, and how many differed. */
void ma_snapshot_check_summary(void);

/* While the last snapshot can be retaken from, ma_events.h tells every
   block allocated and released (see ma_snap_blocks.c, "Retaking"). */
extern Bool ma_snapshot_logging;
void ma_snapshot_log_event(const Block* bk, Bool allocated);

/* The live block bk, just taken out of its table, is about to be
   released, or replaced by one of 'successor_bytes', and the heap's
   maximum exceeds ma_snapshot_threshold: take the peak snapshot now,
   with bk in it and before anything is freed, if it is due
   (ma_snapshot.c, "When"). */
void ma_snapshot_before_release(Block* bk, SizeT successor_bytes);

/* The program is calling exit: note every thread's stack (pointer,
   extent, frames) for the exit snapshot, taken when the core no longer
   lists the threads. */
void ma_snapshot_note_exit(void);

/* MEMATTR_SNAPSHOT(name) from the client: name is a client address. */
void ma_snapshot_requested(ThreadId tid, Addr name);

/* A trace is about to be written: frees what only later retakes need
   (the root words kept).  Call before anything else of the trace. */
void ma_snapshot_trace_starts(void);

/* The snapshots a trace holds, in the order taken, the exit snapshot
   (taken by this call) last, each with the kinds to write: when the
   heap at exit is the peak, the exit snapshot is the peak one.  Call
   ma_snapshot_end_trace() after writing.  Kept snapshots are not
   changed (a trace written before an exec is written again at exit
   if the exec fails). */
typedef struct {
   const Snapshot* snapshot;
   UInt            kinds;
} TraceSnapshot;

UInt ma_snapshot_begin_trace(const TraceSnapshot** list);
void ma_snapshot_end_trace(void);

#endif
