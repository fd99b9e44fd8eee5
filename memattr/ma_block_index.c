/*--------------------------------------------------------------------*/
/*--- memattr: blocks in address order.          ma_block_index.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_block_index.h. */

#include "pub_tool_basics.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"

#include "ma_bigmem.h"
#include "ma_block_index.h"

/*------------------------------------------------------------*/
/*--- Sorting                                              ---*/
/*------------------------------------------------------------*/

#define RADIX_BITS 11

static void insertion_sort(AddrPair* pairs, ULong n)
{
   for (ULong i = 1; i < n; i++)
      for (ULong k = i; k > 0 && pairs[k].addr < pairs[k - 1].addr; k--) {
         AddrPair t = pairs[k]; pairs[k] = pairs[k - 1]; pairs[k - 1] = t;
      }
}

void ma_sort_by_address(AddrPair* pairs, ULong n)
{
   if (n < 64) {
      insertion_sort(pairs, n);
      return;
   }
   /* Only the bits in which addresses differ need passes. */
   Addr varying = 0;
   for (ULong i = 1; i < n; i++) varying |= pairs[i].addr ^ pairs[0].addr;
   if (varying == 0) return;
   UInt low = (UInt)__builtin_ctzll(varying), high = 64 - (UInt)__builtin_clzll(varying);
   const ULong mask = (1UL << RADIX_BITS) - 1;
   AddrPair* from = pairs;
   AddrPair* to = ma_bigmem_malloc("ma.index.sort", n * sizeof(AddrPair));
   AddrPair* scratch = to;
   ULong* count = VG_(malloc)("ma.index.sort", (mask + 1) * sizeof(ULong));
   for (UInt shift = low; shift < high; shift += RADIX_BITS) {
      VG_(memset)(count, 0, (mask + 1) * sizeof(ULong));
      for (ULong i = 0; i < n; i++) count[(from[i].addr >> shift) & mask]++;
      ULong sum = 0;
      for (ULong d = 0; d <= mask; d++) { ULong c = count[d]; count[d] = sum; sum += c; }
      for (ULong i = 0; i < n; i++) to[count[(from[i].addr >> shift) & mask]++] = from[i];
      AddrPair* t = from; from = to; to = t;
   }
   if (from != pairs) VG_(memcpy)(pairs, from, n * sizeof(AddrPair));
   VG_(free)(count);
   VG_(free)(scratch);
}

/*------------------------------------------------------------*/
/*--- Finding the block holding an address                 ---*/
/*------------------------------------------------------------*/

void ma_block_finder_init(BlockFinder* f, const SnapBlock* blocks, UInt n,
                          Addr lowest, Addr highest, Bool check)
{
   *f = (BlockFinder){ .blocks = blocks, .n_blocks = n, .lowest = lowest, .highest = highest,
                       .check = check };
}

static Int binary_search(const BlockFinder* f, Addr v)
{
   const SnapBlock* b = f->blocks;
   Int lo = 0, hi = (Int)f->n_blocks - 1;
   while (lo <= hi) {
      Int mid = (lo + hi) / 2;
      if (v < b[mid].addr) hi = mid - 1;
      else if (v >= ma_block_end(&b[mid])) lo = mid + 1;
      else return mid;
   }
   return -1;
}

/* Makes the index, unless blocks overlap (a metapool's chunk and the
   custom blocks in it): Memcheck's binary search decides which of two
   blocks holding an address is found, and so does the finder. */
static void make_index(BlockFinder* f)
{
   f->tried = True;
   if (f->n_blocks < 64) return;
   for (UInt i = 1; i < f->n_blocks; i++)
      if (f->blocks[i].addr < ma_block_end(&f->blocks[i - 1])) return;
   ULong span = f->highest - f->lowest;
   f->shift = 4;
   while ((span >> f->shift) > f->n_blocks) f->shift++;
   f->n_buckets = ((span - 1) >> f->shift) + 1;
   f->first = ma_bigmem_malloc("ma.index.buckets", (f->n_buckets + 1) * sizeof(UInt));
   UInt i = 0;
   for (ULong bucket = 0; bucket <= f->n_buckets; bucket++) {
      Addr start = f->lowest + (bucket << f->shift);
      while (i < f->n_blocks && f->blocks[i].addr < start) i++;
      f->first[bucket] = i;
   }
}

static Int indexed(const BlockFinder* f, Addr v)
{
   const SnapBlock* b = f->blocks;
   ULong bucket = (v - f->lowest) >> f->shift;
   UInt i = f->first[bucket + 1];   /* the first block starting after the bucket: after v */
   UInt stop = f->first[bucket] > 0 ? f->first[bucket] - 1 : 0;
   while (i > stop && b[i - 1].addr > v) i--;
   return i > 0 && b[i - 1].addr <= v && v < ma_block_end(&b[i - 1]) ? (Int)(i - 1) : -1;
}

Int ma_block_finder_find(BlockFinder* f, Addr v)
{
   if (v - f->lowest >= f->highest - f->lowest) return -1;   /* also v < lowest */
   if (!f->first && !f->tried && ++f->lookups > f->n_blocks / 4) make_index(f);
   if (!f->first) return binary_search(f, v);
   Int found = indexed(f, v);
   if (UNLIKELY(f->check)) tl_assert(found == binary_search(f, v));
   return found;
}

void ma_block_finder_free(BlockFinder* f)
{
   VG_(free)(f->first);
   f->first = NULL;
}
