/*--------------------------------------------------------------------*/
/*--- memattr: custom allocators and memory pools.    ma_custom.c ---*/
/*--------------------------------------------------------------------*/

/* The client requests of valgrind.h that announce blocks of the
   program's own allocators: VALGRIND_MALLOCLIKE_BLOCK, FREELIKE_BLOCK,
   RESIZEINPLACE_BLOCK and the mempool family.  Their blocks become
   blocks of the heap model (ma_heap.c: sites, peaks, lineage,
   snapshots), each with the stack of the request, so the innermost
   frame is the custom allocator.  ma_regions.c counts them as used
   inside the mapping (the arena) they lie in.

   The semantics follow Memcheck's (memcheck/mc_main.c), which is what
   programs annotated for Valgrind expect.  A request naming an unknown
   block or pool is counted, reported (the first few) and ignored:
   memattr never stops a run over a bad annotation. */

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_stacktrace.h"
#include "pub_tool_threadstate.h"
#include "valgrind.h"

#include "ma_custom.h"
#include "ma_heap.h"
#include "ma_regions.h"

/* One mempool, keyed by its anchor address. */
typedef struct _Pool {
   struct _Pool* next;   /* hash chain (VgHashTable layout) */
   UWord         anchor; /* the key */
   UWord         flags;  /* VALGRIND_MEMPOOL_AUTO_FREE, VALGRIND_MEMPOOL_METAPOOL */
} Pool;

static VgHashTable* pools;

static void bad_request(ThreadId tid, const HChar* what, Addr a)
{
   ma_map_events.bad_requests++;
   if (ma_map_events.bad_requests <= 10) {
      VG_(umsg)("memattr: warning: %s at %#lx is unknown; the request is ignored%s\n",
                what, a, ma_map_events.bad_requests == 10 ? " (no more such warnings)" : "");
      VG_(get_and_pp_StackTrace)(tid, 8);
   }
}

/*--- MALLOCLIKE, FREELIKE, RESIZEINPLACE ---*/

static void malloclike(ThreadId tid, Addr p, SizeT size)
{
   Block* old = ma_blocks_find(p, BLOCK_CUSTOM);
   if (old) {   /* announced twice without a FREELIKE: the first is gone */
      bad_request(tid, "MALLOCLIKE_BLOCK over a live custom block", p);
      ma_heap_release_adopted(old);
   }
   ma_heap_adopt(tid, p, size, BLOCK_CUSTOM, 0);
}

static void freelike(ThreadId tid, Addr p)
{
   Block* bk = ma_blocks_find(p, BLOCK_CUSTOM);
   if (bk) ma_heap_release_adopted(bk);
   else bad_request(tid, "FREELIKE_BLOCK of a block", p);
}

static void resize_in_place(ThreadId tid, Addr p, SizeT old_size, SizeT new_size)
{
   Block* bk = ma_blocks_find(p, BLOCK_CUSTOM);
   if (!bk || bk->req_szB != old_size || new_size == 0) {
      bad_request(tid, "RESIZEINPLACE_BLOCK (wrong block or size) of a block", p);
      return;
   }
   ma_heap_resize_adopted(tid, bk, p, new_size);
}

/*--- Mempools ---*/

static Pool* pool_at(Addr anchor)
{
   return VG_(HT_lookup)(pools, anchor);
}

static void create_pool(ThreadId tid, Addr anchor, UWord flags)
{
   if (pool_at(anchor)) {
      bad_request(tid, "CREATE_MEMPOOL of an existing pool (a pool", anchor);
      return;
   }
   Pool* pool = VG_(malloc)("ma.pool", sizeof(Pool));
   pool->anchor = anchor;
   pool->flags  = flags;
   VG_(HT_add_node)(pools, pool);
}

/* Apply 'act' to every live chunk of the pool (taken as an array
   first: the acts change the table). */
typedef void (*ChunkAct)(ThreadId tid, Block* bk, void* ctx);

static void for_each_chunk(ThreadId tid, BlockKind kind, Addr anchor, ChunkAct act,
                           void* ctx)
{
   UInt n;
   Block** chunks = ma_blocks_of_kind(kind, &n);
   for (UInt i = 0; i < n; i++)
      if (kind != BLOCK_POOL || chunks[i]->pool == anchor) act(tid, chunks[i], ctx);
   VG_(free)(chunks);
}

static void release_chunk(ThreadId tid, Block* bk, void* ctx)
{
   ma_heap_release_adopted(bk);
}

static void destroy_pool(ThreadId tid, Addr anchor)
{
   Pool* pool = VG_(HT_remove)(pools, anchor);
   if (!pool) {
      bad_request(tid, "DESTROY_MEMPOOL of a pool", anchor);
      return;
   }
   for_each_chunk(tid, BLOCK_POOL, anchor, release_chunk, NULL);
   VG_(free)(pool);
}

/* A chunk of a metapool may hold the pool user's own custom blocks: the
   snapshot must know, to keep both (ma_snap_blocks.c, drop_containers). */
static void note_pool_of(Block* chunk, const Pool* pool)
{
   chunk->in_metapool = (pool->flags & VALGRIND_MEMPOOL_METAPOOL) != 0;
}

static void pool_alloc(ThreadId tid, Addr anchor, Addr p, SizeT size)
{
   const Pool* pool = pool_at(anchor);
   if (!pool) {
      bad_request(tid, "MEMPOOL_ALLOC into a pool", anchor);
      return;
   }
   Block* old = ma_blocks_find(p, BLOCK_POOL);
   if (old) {
      bad_request(tid, "MEMPOOL_ALLOC over a live chunk", p);
      ma_heap_release_adopted(old);
   }
   note_pool_of(ma_heap_adopt(tid, p, size, BLOCK_POOL, anchor), pool);
}

/* An auto-free pool's MEMPOOL_FREE also frees the MALLOCLIKE blocks
   inside the chunk (Memcheck's rule). */
typedef struct { Addr lo, hi; } Span;

static void release_if_inside(ThreadId tid, Block* bk, void* ctx)
{
   const Span* span = ctx;
   if (bk->payload >= span->lo && bk->payload + bk->req_szB <= span->hi)
      ma_heap_release_adopted(bk);
}

static void pool_free(ThreadId tid, Addr anchor, Addr p)
{
   Pool*  pool = pool_at(anchor);
   Block* bk   = ma_blocks_find(p, BLOCK_POOL);
   if (!pool || !bk || bk->pool != anchor) {
      bad_request(tid, "MEMPOOL_FREE of a chunk", p);
      return;
   }
   Span span = { bk->payload, bk->payload + bk->req_szB };
   ma_heap_release_adopted(bk);
   if (pool->flags & VALGRIND_MEMPOOL_AUTO_FREE)
      for_each_chunk(tid, BLOCK_CUSTOM, 0, release_if_inside, &span);
}

/* MEMPOOL_TRIM keeps what lies inside [lo, hi): chunks wholly outside
   go, chunks across an edge are clipped to it. */
static void trim_chunk(ThreadId tid, Block* bk, void* ctx)
{
   const Span* keep = ctx;
   Addr lo = bk->payload, hi = bk->payload + bk->req_szB;
   if (lo >= keep->lo && hi <= keep->hi) return;
   if (hi <= keep->lo || lo >= keep->hi) {
      ma_heap_release_adopted(bk);
      return;
   }
   Addr new_lo = lo > keep->lo ? lo : keep->lo;
   Addr new_hi = hi < keep->hi ? hi : keep->hi;
   Bool in_metapool = bk->in_metapool;
   ma_heap_resize_adopted(tid, bk, new_lo, new_hi - new_lo)->in_metapool = in_metapool;
}

static void pool_trim(ThreadId tid, Addr anchor, Addr p, SizeT size)
{
   if (!pool_at(anchor)) {
      bad_request(tid, "MEMPOOL_TRIM of a pool", anchor);
      return;
   }
   Span keep = { p, p + size };
   for_each_chunk(tid, BLOCK_POOL, anchor, trim_chunk, &keep);
}

static void reanchor_chunk(ThreadId tid, Block* bk, void* ctx)
{
   bk->pool = *(const Addr*)ctx;
}

static void move_pool(ThreadId tid, Addr from, Addr to)
{
   Pool* pool = VG_(HT_remove)(pools, from);
   if (!pool) {
      bad_request(tid, "MOVE_MEMPOOL of a pool", from);
      return;
   }
   pool->anchor = to;
   VG_(HT_add_node)(pools, pool);
   for_each_chunk(tid, BLOCK_POOL, from, reanchor_chunk, &to);
}

static void pool_change(ThreadId tid, Addr anchor, Addr from, Addr to, SizeT size)
{
   const Pool* pool = pool_at(anchor);
   Block* bk = ma_blocks_find(from, BLOCK_POOL);
   if (!pool || !bk || bk->pool != anchor) {
      bad_request(tid, "MEMPOOL_CHANGE of a chunk", from);
      return;
   }
   note_pool_of(ma_heap_resize_adopted(tid, bk, to, size), pool);
}

/*--- Dispatch ---*/

Bool ma_custom_handle_request(ThreadId tid, UWord* args, UWord* ret)
{
   switch (args[0]) {
      case VG_USERREQ__MALLOCLIKE_BLOCK:   malloclike(tid, args[1], args[2]); break;
      case VG_USERREQ__FREELIKE_BLOCK:     freelike(tid, args[1]); break;
      case VG_USERREQ__RESIZEINPLACE_BLOCK:
         resize_in_place(tid, args[1], args[2], args[3]);
         break;
      case VG_USERREQ__CREATE_MEMPOOL:     create_pool(tid, args[1], args[4]); break;
      case VG_USERREQ__DESTROY_MEMPOOL:    destroy_pool(tid, args[1]); break;
      case VG_USERREQ__MEMPOOL_ALLOC:      pool_alloc(tid, args[1], args[2], args[3]); break;
      case VG_USERREQ__MEMPOOL_FREE:       pool_free(tid, args[1], args[2]); break;
      case VG_USERREQ__MEMPOOL_TRIM:       pool_trim(tid, args[1], args[2], args[3]); break;
      case VG_USERREQ__MOVE_MEMPOOL:       move_pool(tid, args[1], args[2]); break;
      case VG_USERREQ__MEMPOOL_CHANGE:
         pool_change(tid, args[1], args[2], args[3], args[4]);
         break;
      case VG_USERREQ__MEMPOOL_EXISTS:
         *ret = pool_at(args[1]) != NULL;
         ma_map_events.custom_requests++;
         return True;
      default:
         return False;
   }
   ma_map_events.custom_requests++;
   *ret = 0;
   return True;
}

void ma_custom_init(void)
{
   pools = VG_(HT_construct)("ma.pools");
}
