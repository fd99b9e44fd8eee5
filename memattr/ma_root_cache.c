/*--------------------------------------------------------------------*/
/*--- memattr: root words kept from snapshot to snapshot.          ---*/
/*---                                              ma_root_cache.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_root_cache.h. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"

#include "ma_bigmem.h"
#include "ma_pages.h"
#include "ma_root_cache.h"

typedef struct {
   Addr       page;
   KeptWords* words;      /* in a chunk (below); NULL if none is kept */
   Bool       whole;      /* read without a fault: may be reused */
} CachedPage;

typedef struct {
   Bool        valid;     /* made by the last snapshot taken */
   CachedPage* pages;     /* in address order */
   ULong       n_pages, page_capacity;
} PageList;

/* The words kept by the last snapshot, and the list the snapshot being
   taken builds; 'cursor' walks the kept pages as pages come in address
   order. */
static PageList kept, building;
static ULong    cursor;
static Bool     reusing;

/*------------------------------------------------------------*/
/*--- Which words are kept                                 ---*/
/*------------------------------------------------------------*/

/* Whether a block can lie at v, now or later: v is in the client heap,
   or in memory that is neither the program's mapping nor reserved
   (unmapped, or Valgrind's own: the heap may grow there).  The client
   heap's new segments are never placed in a reservation (those the
   stack and the brk heap grow into, and the addresses below Valgrind's
   lowest, zero included).  The program may map there itself, but the
   heap can reach such memory only after the program unmaps it, which
   ma_pages_unmapped reports.  Reserved values left out are most of the
   small integers of a compiler's trees (source locations: a quarter of
   the words cc1plus's collector heap kept).  The last segment looked
   up answers most; ma_root_cache_begin forgets it, as segments may
   have changed since. */
static Addr verdict_start = 1, verdict_end = 0;
static Bool verdict;

static Bool may_hold_a_block(Addr v)
{
   if (v >= verdict_start && v <= verdict_end) return verdict;
   const NSegment* seg = VG_(am_find_nsegment)(v);
   if (!seg) return True;
   verdict_start = seg->start;
   verdict_end = seg->end;
   verdict = seg->isCH
             || (seg->kind != SkAnonC && seg->kind != SkFileC && seg->kind != SkShmC
                 && seg->kind != SkResvn);
   return verdict;
}

void ma_root_cache_keep(PageReading* r, Addr addr, UWord value)
{
   if (!may_hold_a_block(value)) return;
   UInt word = (UInt)((addr - r->page) / sizeof(UWord));
   r->kept[word / 64] |= 1ULL << (word % 64);
   r->values[r->n_values++] = value;
}

/*------------------------------------------------------------*/
/*--- Where the words live                                 ---*/
/*------------------------------------------------------------*/

/* Kept words are tens of megabytes on a collector's heap, freed all at
   once when a trace is started (ma_root_cache_forget) so that the
   trace's tables and the exit snapshot reuse the memory.  VG_(malloc)ed, they
   would not give it back: the arena keeps a superblock while any block
   in it lives, and the tool's lasting allocations (sites, stacks) share
   them.  So they are bump-allocated in chunks mapped on their own; a
   chunk is unmapped when its last words are freed, and when the words
   freed but not unmapped pass a quarter of the words live, the live
   ones are copied into fresh chunks (the pages that are never written
   keep their words for the whole run, so chunks would otherwise fill
   with holes). */
#define CHUNK_BYTES (4UL << 20)

typedef struct _WordChunk {
   struct _WordChunk* next;
   SizeT              used, live;   /* bytes handed out, bytes still live */
} WordChunk;

static WordChunk* chunks;          /* the one being filled first */
static SizeT      live_bytes, freed_bytes;   /* over all chunks */

static SizeT words_bytes(UInt n_values)
{
   return VG_ROUNDUP(sizeof(KeptWords) + n_values * sizeof(UWord), sizeof(UWord));
}

static UInt n_values_of(const KeptWords* w)
{
   UInt n = 0;
   for (UInt chunk = 0; chunk < MA_WORDS_PER_PAGE / 64; chunk++)
      n += (UInt)__builtin_popcountll(w->kept[chunk]);
   return n;
}

static void new_chunk(void)
{
   WordChunk* c = ma_bigmem_map(CHUNK_BYTES, "ma.rootcache.chunk");
   c->next = chunks;
   c->used = sizeof(WordChunk);
   c->live = 0;
   chunks = c;
}

static KeptWords* words_alloc(UInt n_values)
{
   SizeT bytes = words_bytes(n_values);
   if (!chunks || chunks->used + bytes > CHUNK_BYTES) new_chunk();
   KeptWords* w = (KeptWords*)((Addr)chunks + chunks->used);
   w->chunk = chunks;
   chunks->used += bytes;
   chunks->live += bytes;
   live_bytes += bytes;
   return w;
}

static void unmap_chunk(WordChunk* c)
{
   WordChunk** link = &chunks;
   while (*link != c) link = &(*link)->next;
   *link = c->next;
   freed_bytes -= c->used - sizeof(WordChunk);
   ma_bigmem_unmap(c, 0, CHUNK_BYTES);
}

static void words_free(KeptWords* w)
{
   if (!w) return;
   WordChunk* c = w->chunk;
   SizeT bytes = words_bytes(n_values_of(w));
   c->live -= bytes;
   live_bytes -= bytes;
   freed_bytes += bytes;
   if (c->live == 0) unmap_chunk(c);   /* a chunk being filled, too: the next is new */
}

/* Copies the live words of 'list' into fresh chunks, unmapping the old. */
static void compact(PageList* list)
{
   WordChunk* old = chunks;
   chunks = NULL;
   live_bytes = freed_bytes = 0;
   for (ULong i = 0; i < list->n_pages; i++) {
      KeptWords* from = list->pages[i].words;
      if (!from) continue;
      UInt n = n_values_of(from);
      KeptWords* to = words_alloc(n);
      VG_(memcpy)(to->kept, from->kept, sizeof to->kept);
      VG_(memcpy)(to->values, from->values, n * sizeof(UWord));
      list->pages[i].words = to;
   }
   while (old) {
      WordChunk* next = old->next;
      ma_bigmem_unmap(old, 0, CHUNK_BYTES);
      old = next;
   }
}

/*------------------------------------------------------------*/
/*--- Pages                                                ---*/
/*------------------------------------------------------------*/

/* An anonymous page the program has not written since it was mapped
   holds zeros (ma_pages.c clears a page's written bit when it is
   mapped anew, unmapped or given back; stores, the kernel's writes and
   the tool's own set it): nothing to read, and reading would make it
   resident. */
static Bool unwritten_zero_page(const NSegment* seg, Addr page)
{
   return seg->kind == SkAnonC && ma_pages_written_in(page, page + VKI_PAGE_SIZE) == 0;
}

/* The page's words that may point into blocks, read now. */
static CachedPage read_page(const NSegment* seg, Addr page, RootPageReader read, void* ctx)
{
   CachedPage p = { .page = page, .words = NULL, .whole = True };
   if (unwritten_zero_page(seg, page)) return p;   /* zeros: no word to keep */
   PageReading r;
   VG_(memset)(&r, 0, offsetof(PageReading, values));
   r.page = page;
   p.whole = read(&r, ctx);
   if (r.n_values > 0) {
      p.words = words_alloc(r.n_values);
      VG_(memcpy)(p.words->kept, r.kept, sizeof r.kept);
      VG_(memcpy)(p.words->values, r.values, r.n_values * sizeof(UWord));
   }
   return p;
}

static CachedPage* new_entry(PageList* list)
{
   if (list->n_pages == list->page_capacity) {
      list->page_capacity = list->page_capacity ? list->page_capacity * 2 : 1024;
      list->pages = VG_(realloc)("ma.rootcache.pages", list->pages,
                                 list->page_capacity * sizeof(CachedPage));
   }
   return &list->pages[list->n_pages++];
}

/* The words left in a list's pages (those not taken over). */
static void drop_words(PageList* list)
{
   for (ULong i = 0; i < list->n_pages; i++) {
      words_free(list->pages[i].words);
      list->pages[i].words = NULL;
   }
   list->n_pages = 0;
}

void ma_root_cache_begin(Bool reuse)
{
   reusing = reuse;   /* the caller asked ma_root_cache_valid */
   cursor = 0;
   verdict_start = 1; verdict_end = 0;
}

/* The last snapshot's words of the page if it kept them and the page
   was not written since (they move over), else the page read now. */
const KeptWords* ma_root_cache_page(const NSegment* seg, Addr page, RootPageReader read,
                                    void* ctx)
{
   while (cursor < kept.n_pages && kept.pages[cursor].page < page) cursor++;
   CachedPage* before = cursor < kept.n_pages && kept.pages[cursor].page == page
                        ? &kept.pages[cursor] : NULL;
   CachedPage* now = new_entry(&building);
   if (reusing && before && before->whole && !ma_pages_dirty_in(page, page + VKI_PAGE_SIZE)) {
      *now = *before;
      before->words = NULL;   /* moved, not copied */
      return now->words;
   }
   if (before) {   /* read again: its old words go now, not at the end */
      words_free(before->words);
      before->words = NULL;
   }
   *now = read_page(seg, page, read, ctx);
   return now->words;
}

void ma_root_cache_end(Bool usable)
{
   drop_words(&kept);
   PageList emptied = kept;   /* its page array is the next one's */
   kept = building;
   kept.valid = usable;
   building = emptied;
   building.valid = False;
   if (freed_bytes > live_bytes / 4 && freed_bytes > CHUNK_BYTES) compact(&kept);
}

void ma_root_cache_compact(void)
{
   compact(&kept);
}

Bool ma_root_cache_valid(void)
{
   return kept.valid;
}

void ma_root_cache_forget(void)
{
   drop_words(&kept);
   kept.valid = False;
}
