/*--------------------------------------------------------------------*/
/*--- memattr: phases, iterations and marks.             ma_phase.h ---*/
/*--------------------------------------------------------------------*/

/* ma_phase.c owns phases: spans of the run named by the program
   (MEMATTR_PHASE_BEGIN/END in memattr.h, nestable) or by a function
   (--phase-fn=NAME: each call is one iteration of a phase of that
   name), and marks (MEMATTR_MARK: a labelled moment on the timeline).

   For each phase instance it records what happened to the heap while
   it was open: bytes and blocks allocated and released, live heap at
   its begin and end and its own peak, the same per allocation site,
   and (when the trace is written) what it allocated that is still
   live.  memattr-graph derives growth per iteration from these facts. */

#ifndef MA_PHASE_H
#define MA_PHASE_H

#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_wordfm.h"
#include "pub_tool_xarray.h"

typedef struct _Block Block;   /* ma_blocks.h */
typedef struct _Site  Site;

/* This module's part of a block (Block.phase): the innermost phase
   instance open at its allocation, 0 = none. */
typedef struct {
   UInt instance;
} PhaseBlock;

/* This module's part of a site (Site.phase): the site's per-depth
   figures in open phases (ma_phase.c); NULL until the site has an
   event inside a phase. */
typedef struct {
   struct _SiteSlot* slots;
} PhaseSite;

/* --phase-fn=NAME (repeatable). */
Bool ma_phase_add_function(const HChar* name);
Bool ma_phase_functions_given(void);

/* How an instance ended. */
typedef enum {
   PHASE_OPEN,       /* still open when the trace was written */
   PHASE_REQUEST,    /* MEMATTR_PHASE_END (or an enclosing phase's end) */
   PHASE_RETURN      /* its function returned (--phase-fn) */
} PhaseEnd;

/* Live heap at one moment. */
typedef struct {
   ULong time, alloc, bytes, blocks;
} HeapMoment;

/* One site's figures within one phase instance. */
typedef struct {
   Site* site;
   ULong alloc_bytes, alloc_blocks;   /* allocated from the site while open */
   ULong freed_bytes, freed_blocks;   /* blocks of the site released while open */
   ULong live_begin, live_end;        /* the site's live bytes at begin and end */
} PhaseSiteFigures;

typedef struct {
   UInt         id;          /* 1.. in the order begun */
   const HChar* name;
   UInt         iteration;   /* 1.. among instances of the same name */
   UInt         parent;      /* enclosing instance's id, 0 at top level */
   UInt         thread;      /* memattr number of the thread that began it */
   Bool         by_function; /* --phase-fn, not a request */
   PhaseEnd     end_kind;
   HeapMoment   begin, end;
   ULong        alloc_bytes, alloc_blocks, freed_bytes, freed_blocks;
   ULong        peak_bytes, peak_time;   /* the heap's maximum while open */
   XArray*      sites;       /* of PhaseSiteFigures, filled when it ends */
} PhaseInstance;

typedef struct {
   HeapMoment   at;
   const HChar* label;
} Mark;

void ma_phase_init(void);
/* After the options: watch stack rises if --phase-fn was given. */
void ma_phase_start(void);

/* Client requests; names are client addresses. */
void ma_phase_begin_requested(ThreadId tid, Addr name);
void ma_phase_end_requested(ThreadId tid, Addr name);
void ma_phase_mark_requested(ThreadId tid, Addr label);

/* Block events (ma_events.h), only while a phase is open (before the
   heap figures change for a release, after for an allocation). */
extern UInt ma_phase_open_count;
void ma_phase_allocated(Block* bk);
void ma_phase_releasing(Block* bk);

/* The allocation event's entry (ma_events.h): cheap when no phase is
   open, and the block's part says so. */
static inline void ma_phase_block_allocated(PhaseBlock* part, Block* bk)
{
   if (UNLIKELY(ma_phase_open_count)) ma_phase_allocated(bk);
   else part->instance = 0;
}

/* At exit: a warning for each --phase-fn function that never ran. */
void ma_phase_report_unrun(void);

/* Adds the calls that notice --phase-fn functions being entered; at
   main's first superblock, warns of --phase-fn names that match no
   function of the objects loaded then. */
IRSB* ma_phase_instrument(IRSB* sb_in, const VexGuestLayout* layout);

/* For the trace: instances in the order begun (open ones are ended
   with PHASE_OPEN first, which later events may still extend), marks,
   and instances that were counted but not kept (beyond the limit). */
UInt                 ma_phase_n_instances(void);
const PhaseInstance* ma_phase_instance(UInt id);
UInt                 ma_phase_n_marks(void);
const Mark*          ma_phase_mark(UInt i);
ULong                ma_phase_dropped(void);
void                 ma_phase_settle_open(void);

/* What each instance allocated that is still live now: a block counts
   for the instance open innermost at its allocation and for all that
   enclosed it.  Per instance (by_instance[id - 1]) and per (instance,
   site).  Measured for a trace, freed after it. */
typedef struct { ULong bytes, blocks; } LiveFigures;

typedef struct {
   LiveFigures* by_instance;
   WordFM*      by_instance_site;   /* (id, site) -> LiveFigures* */
} StillLive;

StillLive          ma_phase_measure_still_live(void);
/* NULL if nothing of the site allocated in that instance is live. */
const LiveFigures* ma_phase_still_live_of_site(const StillLive* live, UInt id,
                                               const Site* site);
void               ma_phase_free_still_live(StillLive* live);

#endif
