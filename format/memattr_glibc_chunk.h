/* The usable bytes glibc's malloc gives a request on x86-64 (what malloc_usable_size
   returns): the rule behind the trace's `heap-usable` (memory-map records, written by the
   tool's memattr/ma_heap.c) and memattr-graph's usable bytes per site
   (postproc/support/glibc_chunk.h), kept here once so the two cannot disagree.

   Below 128 KiB (glibc's initial mmap threshold) a block is a chunk of the heap: the
   request plus its 8-byte size header, rounded up to 16 bytes, at least 32 bytes, all of it
   usable but the header. From 128 KiB it is taken to be a mapping of its own: that chunk
   plus 8 bytes, rounded up to whole pages, all usable but 16 bytes. glibc still serves such
   a block from the heap when its top chunk has room, and raises the threshold as mapped
   blocks are freed; which it did is not in the trace (docs/accuracy.md).

   Plain C with an inline function and no library call: the tool is built without libc. */

#ifndef MEMATTR_GLIBC_CHUNK_H
#define MEMATTR_GLIBC_CHUNK_H

static inline unsigned long long ma_glibc_usable_size(unsigned long long requested)
{
   const unsigned long long header = 8, alignment = 16, minimum_chunk = 32;
   const unsigned long long mmap_threshold = 128 * 1024, page = 4096;
   unsigned long long chunk = (requested + header + alignment - 1) & ~(alignment - 1);
   if (requested < mmap_threshold) return (chunk < minimum_chunk ? minimum_chunk : chunk) - header;
   chunk = (chunk + header + page - 1) & ~(page - 1);
   return chunk - 2 * header;
}

#endif
