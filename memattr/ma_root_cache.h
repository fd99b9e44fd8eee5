/*--------------------------------------------------------------------*/
/*--- memattr: root words kept from snapshot to snapshot.          ---*/
/*---                                              ma_root_cache.h ---*/
/*--------------------------------------------------------------------*/

/* ma_root_cache.c keeps, from one snapshot to the next, the words of
   the root pages that could point into a block.  A big mapping scanned
   as roots (a garbage collector's heap, an interpreter's arenas) is
   mostly unchanged between two snapshots: each snapshot keeps, for
   every root page it read whole (in a segment with no stack, without a
   fault), the words whose value lies in the client heap or where the
   heap may grow (ma_root_cache_keep says which).  The next snapshot
   reads only the pages written since (ma_pages.c: stores, and memory
   mapped, unmapped or moved without stores) and takes the other pages'
   words from here; ma_snap_roots.c resolves every kept word against the
   current blocks, as a full scan would.

   A word left out pointed into one of the program's mappings or into
   a reservation.  The heap can grow there only after the program
   unmaps that memory: so when a new block lies in a range unmapped
   since the words were kept (ma_pages_unmapped), ma_snap_roots.c asks
   for every root page to be read again.  It also decides when the
   cache cannot be used at all (custom blocks and --malloc=wrap put
   blocks inside root memory; without page tracking no store is seen).

   This module knows nothing of blocks: the caller reads each page
   (through its fault-catching reader) and resolves the words. */

#ifndef MA_ROOT_CACHE_H
#define MA_ROOT_CACHE_H

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_vki.h"

#define MA_WORDS_PER_PAGE (VKI_PAGE_SIZE / sizeof(UWord))

/* One root page's kept words.  Only the values are stored, in address
   order; 'kept' says which of the page's words they are (bit i: the
   word at page + 8 i).  So a kept word costs 8 bytes, not the 16 of an
   (address, value) pair; a page with none costs only its entry in the
   list; and a page not written since keeps its words where they are:
   the next snapshot's list takes them over, nothing is copied. */
typedef struct {
   struct _WordChunk* chunk;   /* where it lives (ma_root_cache.c) */
   ULong kept[MA_WORDS_PER_PAGE / 64];
   UWord values[];
} KeptWords;

/* A page being read: ma_root_cache_keep adds its words one by one. */
typedef struct {
   Addr  page;
   ULong kept[MA_WORDS_PER_PAGE / 64];
   UInt  n_values;
   UWord values[MA_WORDS_PER_PAGE];
} PageReading;

/* Reads the page r->page, passing each word that may be an address to
   ma_root_cache_keep; returns False if a fault stopped it (the page is
   then read again by the next snapshot). */
typedef Bool (*RootPageReader)(PageReading* r, void* ctx);

/* A snapshot's root pages through the cache: ma_root_cache_begin, then
   ma_root_cache_page for each root page in address order, then
   ma_root_cache_end.  'reuse': the words kept by the last snapshot may
   be taken for pages not written since (False: every page is read);
   only when ma_root_cache_valid. */
void             ma_root_cache_begin(Bool reuse);
const KeptWords* ma_root_cache_page(const NSegment* seg, Addr page, RootPageReader read,
                                    void* ctx);   /* NULL: none kept */
void             ma_root_cache_keep(PageReading* r, Addr addr, UWord value);
/* The pages given since ma_root_cache_begin become the words kept,
   usable by the next snapshot if 'usable'. */
void             ma_root_cache_end(Bool usable);

/* Copies the words kept into fresh memory, as ma_root_cache_end does
   when the words freed outweigh them (--snapshot-check does it at every
   snapshot, so that its comparisons cover words that moved). */
void ma_root_cache_compact(void);

/* Whether the words kept were made by the last snapshot and may be
   reused. */
Bool ma_root_cache_valid(void);

/* Frees the words kept (once no snapshot follows: they are tens of
   megabytes on a collector's heap). */
void ma_root_cache_forget(void);

#endif
