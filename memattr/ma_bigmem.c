/*--------------------------------------------------------------------*/
/*--- memattr: the tool's big arrays, on huge pages.     ma_bigmem.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_bigmem.h. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"

#include "ma_bigmem.h"

/* The core's system-call entry: the tool API has no madvise (its
   pub_core_syscall.h declares this; every tool links it). */
extern SysRes VG_(do_syscall)(UWord sysno, UWord a1, UWord a2, UWord a3, UWord a4,
                              UWord a5, UWord a6, UWord a7, UWord a8);

#define HUGE_PAGE        (2UL << 20)
#define MADV_HUGEPAGE_   14   /* <linux/mman.h>; Valgrind's vki headers lack it */

/* Marks the whole pages of [p, p + bytes) when they span a huge page.
   A refusal (a kernel without huge pages: EINVAL) leaves the memory as
   it was, which is all the mark asks for, so it is not reported. */
static void mark_huge(void* p, SizeT bytes)
{
   Addr lo = VG_PGROUNDUP((Addr)p), hi = VG_PGROUNDDN((Addr)p + bytes);
   if (hi <= lo || hi - lo < HUGE_PAGE) return;
   (void)VG_(do_syscall)(__NR_madvise, lo, hi - lo, MADV_HUGEPAGE_, 0, 0, 0, 0, 0);
}

SizeT ma_bigmem_mapped_size(SizeT bytes)
{
   return VG_PGROUNDUP(bytes ? bytes : 1);
}

/* A mapping of 'bytes' (a page multiple), starting on a huge page
   boundary when it spans one: the kernel maps a huge page only where a
   whole aligned 2 MiB lies in the marked range, so an unaligned 4 MiB
   region would get one, not two.  Over-mapped, then trimmed. */
static void* map_aligned(SizeT bytes, const HChar* cc, Bool mark)
{
   SizeT extra = bytes >= HUGE_PAGE ? HUGE_PAGE - VKI_PAGE_SIZE : 0;
   Addr raw = (Addr)VG_(am_shadow_alloc)(bytes + extra);
   if (!raw) VG_(out_of_memory_NORETURN)(cc, bytes + extra);
   Addr start = extra ? VG_ROUNDUP(raw, HUGE_PAGE) : raw;
   if (start > raw) VG_(am_munmap_valgrind)(raw, start - raw);
   if (raw + extra > start) VG_(am_munmap_valgrind)(start + bytes, raw + extra - start);
   if (mark) mark_huge((void*)start, bytes);
   return (void*)start;
}

void* ma_bigmem_map(SizeT bytes, const HChar* cc)
{
   return map_aligned(ma_bigmem_mapped_size(bytes), cc, True);
}

void ma_bigmem_unmap(void* array, SizeT from, SizeT to)
{
   if (array && to > from) VG_(am_munmap_valgrind)((Addr)array + from, to - from);
}

void* ma_bigmem_malloc(const HChar* cc, SizeT bytes)
{
   void* p = VG_(malloc)(cc, bytes);
   mark_huge(p, bytes);
   return p;
}

/* Not VG_(realloc): it copies into the new block before this could
   mark it, so the copy would fault the new block in 4 KiB at a time
   (a retake's log doubling to 32 MiB: 8,192 faults). */
void* ma_bigmem_realloc(const HChar* cc, void* p, SizeT old_bytes, SizeT bytes)
{
   if (bytes <= old_bytes) return p;
   void* q = ma_bigmem_malloc(cc, bytes);
   if (p) {
      VG_(memcpy)(q, p, old_bytes);
      VG_(free)(p);
   }
   return q;
}

/* Pools: carved from regions mapped here, so that they can be marked
   (Valgrind's arena would put each in a superblock of 1 MiB or so).
   Pools are allocated with an 8-byte header by the pool allocator, and
   kept 16-byte aligned here. */
#define POOL_REGION           (4UL << 20)
#define POOL_SMALLEST         (16UL << 10)   /* smaller requests: the allocator's arrays */
#define POOL_UNMARKED_REGIONS 4

typedef struct { Addr start, next; } PoolRegion;

static PoolRegion* pool_regions;   /* mapped so far, the current one last */
static UInt        n_pool_regions, pool_region_capacity;

static PoolRegion* new_pool_region(const HChar* cc)
{
   if (n_pool_regions == pool_region_capacity) {
      pool_region_capacity = pool_region_capacity ? 2 * pool_region_capacity : 64;
      pool_regions = VG_(realloc)("ma.bigmem.regions", pool_regions,
                                  pool_region_capacity * sizeof(PoolRegion));
   }
   void* start = map_aligned(POOL_REGION, cc, n_pool_regions >= POOL_UNMARKED_REGIONS);
   pool_regions[n_pool_regions] = (PoolRegion){ (Addr)start, (Addr)start };
   return &pool_regions[n_pool_regions++];
}

void* ma_bigmem_pool_alloc(const HChar* cc, SizeT bytes)
{
   if (bytes < POOL_SMALLEST) return VG_(malloc)(cc, bytes);
   tl_assert(bytes <= POOL_REGION);
   bytes = VG_ROUNDUP(bytes, 16);
   PoolRegion* r = n_pool_regions ? &pool_regions[n_pool_regions - 1] : NULL;
   if (!r || r->next + bytes > r->start + POOL_REGION) r = new_pool_region(cc);
   void* pool = (void*)r->next;
   r->next += bytes;
   return pool;
}

/* What a region holds stays there: a pool allocator frees only its
   array of pool pointers as that grows (kilobytes) while it lives, and
   the tool deletes none. */
void ma_bigmem_pool_free(void* p)
{
   for (UInt i = 0; i < n_pool_regions; i++)
      if ((Addr)p - pool_regions[i].start < POOL_REGION) return;
   VG_(free)(p);
}
