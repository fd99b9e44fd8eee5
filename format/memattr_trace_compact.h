/* memattr trace format, version 5: the compact text encoding of a snapshot's live blocks
   (the `data` of `blocks` records; docs/trace-format.md, "Compact blocks", says why it is
   so and what each number means).

   Numbers are written as text varints over the 64 characters of base64url (RFC 4648 §5),
   so a trace stays a file of short, greppable, TAB-separated text lines that any tool
   (and gzip or zstd) handles: each character is a digit worth 0..63, whose low 5 bits are
   the number's next 5 bits (least significant group first) and whose bit 5 (32) says that
   another character follows. 0..31 take one character ('A'..'f'), up to 1023 two.
   A 64-bit hash is written as 11 digits of 6 bits each, most significant first (the first
   digit holds the top 4 bits, so it is at most 'P').

   Shared, as plain C with inline functions and no library call, by the tool's writer
   (memattr/ma_trace.c, built without libc), bench/synthetic_trace.cpp and the tests;
   memattr-graph's reader (postproc/trace/trace_reader.cpp) decodes it with its own checks,
   and tests/tool/raw_trace.py with its own few lines of Python. */

#ifndef MEMATTR_TRACE_COMPACT_H
#define MEMATTR_TRACE_COMPACT_H

#define MA_COMPACT_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A varint digit's continuation bit, and the payload bits below it. */
#define MA_COMPACT_MORE 32u
#define MA_COMPACT_PAYLOAD_BITS 5u

/* The longest varint (64 bits in 5-bit groups) and the hash's fixed width. */
#define MA_COMPACT_MAX_VARINT_CHARS 13u
#define MA_COMPACT_HASH_CHARS 11u

/* A `blocks` record holds at most this many blocks, and stops taking more blocks once it
   holds this many pointers (one block's pointers are never split), so records stay short
   enough to read and to quote, and each starts its deltas afresh. */
#define MA_COMPACT_BLOCKS_PER_RECORD 1024u
#define MA_COMPACT_POINTERS_PER_RECORD 65536u

/* Writes `value` as a varint at `out` (room for MA_COMPACT_MAX_VARINT_CHARS); returns the
   characters written. */
static inline unsigned ma_compact_put_varint(char* out, unsigned long long value)
{
   static const char digits[] = MA_COMPACT_DIGITS;
   unsigned n = 0;
   while (value >= MA_COMPACT_MORE) {
      out[n++] = digits[(value & (MA_COMPACT_MORE - 1u)) | MA_COMPACT_MORE];
      value >>= MA_COMPACT_PAYLOAD_BITS;
   }
   out[n++] = digits[value];
   return n;
}

/* Writes `hash` as MA_COMPACT_HASH_CHARS digits at `out`. */
static inline void ma_compact_put_hash(char* out, unsigned long long hash)
{
   static const char digits[] = MA_COMPACT_DIGITS;
   for (unsigned i = MA_COMPACT_HASH_CHARS; i > 0; i--) {
      out[i - 1] = digits[hash & 63u];
      hash >>= 6;
   }
}

/* A pointer's target as a number: the distance from the holding block's number to the
   target's, folded so that small distances either way are small (0, -1, 1, -2, ... become
   0, 1, 2, 3, ...), times two, plus 1 when the pointer points inside the target rather
   than at its start (an interior offset then follows). */
static inline unsigned long long ma_compact_target(unsigned long long holder,
                                                   unsigned long long target, int interior)
{
   unsigned long long folded = target >= holder ? 2u * (target - holder)
                                                : 2u * (holder - target) - 1u;
   return 2u * folded + (interior ? 1u : 0u);
}

/* A block's address is written as its distance from the previous block's, and heap
   blocks are aligned: a distance that is a multiple of MA_COMPACT_ADDRESS_UNIT is written
   as (distance / unit) * 2, any other as distance * 2 + 1, so that neighbours up to 256
   bytes apart take one digit. */
#define MA_COMPACT_ADDRESS_UNIT 16u

static inline unsigned long long ma_compact_address_code(unsigned long long gap)
{
   return gap % MA_COMPACT_ADDRESS_UNIT == 0 ? gap / MA_COMPACT_ADDRESS_UNIT * 2u
                                             : gap * 2u + 1u;
}

/* The sites of a record's last blocks, most recent first, each once: a block's site is
   written as its place in this list when it is there (0: the previous block's site), else
   as MA_COMPACT_RECENT_SITES - 1 + its id (ids start at 1); then it moves to the front.
   A heap built in a loop allocates from a few sites in turn, each then one digit. */
#define MA_COMPACT_RECENT_SITES 8u

typedef struct {
   unsigned long long ids[MA_COMPACT_RECENT_SITES];
   unsigned n;
} MaCompactSites;

/* The code of `site` for the next block, and `recent` updated for the block after. */
static inline unsigned long long ma_compact_site_code(MaCompactSites* recent,
                                                      unsigned long long site)
{
   unsigned i = 0;
   while (i < recent->n && recent->ids[i] != site) i++;
   unsigned long long code = i < recent->n ? i : MA_COMPACT_RECENT_SITES - 1u + site;
   if (i == recent->n) {
      if (recent->n < MA_COMPACT_RECENT_SITES) recent->n++;
      i = recent->n - 1u;   /* the oldest goes when the list is full */
   }
   for (; i > 0; i--) recent->ids[i] = recent->ids[i - 1u];
   recent->ids[0] = site;
   return code;
}

/* Room one block's head and one pointer take at most. */
#define MA_COMPACT_MAX_HEAD_CHARS (4u * MA_COMPACT_MAX_VARINT_CHARS + MA_COMPACT_HASH_CHARS)
#define MA_COMPACT_MAX_POINTER_CHARS (3u * MA_COMPACT_MAX_VARINT_CHARS)

/* Writes a block's head at `out`: its address's distance from the previous block's in the
   record (from 0 for the record's first; ma_compact_address_code), its site's code
   (ma_compact_site_code), its size, its hash and how many pointers follow. Returns the
   characters written. */
static inline unsigned ma_compact_put_block(char* out, unsigned long long address_gap,
                                            unsigned long long site_code,
                                            unsigned long long size, unsigned long long hash,
                                            unsigned long long pointers)
{
   unsigned n = ma_compact_put_varint(out, ma_compact_address_code(address_gap));
   n += ma_compact_put_varint(out + n, site_code);
   n += ma_compact_put_varint(out + n, size);
   ma_compact_put_hash(out + n, hash);
   n += MA_COMPACT_HASH_CHARS;
   return n + ma_compact_put_varint(out + n, pointers);
}

/* Writes one pointer of block number `holder` at `out`: `offset_gap` is the first
   pointer's offset in the block, or for a later one the whole words skipped since the
   previous one ((offset - previous offset) / 8 - 1); then the target's block number,
   and the offset inside it when not 0. Returns the characters written. */
static inline unsigned ma_compact_put_pointer(char* out, unsigned long long offset_gap,
                                              unsigned long long holder,
                                              unsigned long long target,
                                              unsigned long long interior_offset)
{
   unsigned n = ma_compact_put_varint(out, offset_gap);
   n += ma_compact_put_varint(out + n, ma_compact_target(holder, target, interior_offset != 0));
   if (interior_offset != 0) n += ma_compact_put_varint(out + n, interior_offset);
   return n;
}

#endif /* MEMATTR_TRACE_COMPACT_H */
