/*--------------------------------------------------------------------*/
/*--- memattr: copies handed to the tool.       ma_preload_copy.c ---*/
/*--------------------------------------------------------------------*/

/* Part of vgpreload_memattr-amd64-linux.so, the preload object used
   when the tool tracks accesses (see ma_preload_heap.c).

   Here: replacements of the memcpy family.  When the tool tracks
   accesses they hand each copy to it (MA_REQ_COPY): the tool then knows
   source, destination and length, copies on the real CPU and records
   the pair (ma_access.c).  String lengths come from the tool too
   (MA_REQ_STRNLEN): finding the end of a string being copied is not the
   program using it.  When the tool refuses a range the client may not
   touch, the replacement copies by itself, so the client faults where
   it would natively.  (With --track-access=no the tool loads the other
   preload object, without these: glibc's own functions run.)  They are
   replacements, not wrappers calling glibc's functions: on
   allocation-heavy C++ a wrapped memcpy made the whole run about half
   as slow again.

   The preload is built with -fno-builtin: gcc would otherwise turn the
   byte loops here into calls to memcpy/memset, which the replacements
   below would redirect back into themselves. */

#include "pub_tool_basics.h"
#include "pub_tool_redir.h"
#include "ma_requests.h"

/* From the client's libc, resolved at run time (as libreplacemalloc's
   own _exit is): the checked (_chk) forms fail the way glibc's do. */
extern void  __chk_fail(void) __attribute__((noreturn));
extern void* malloc(SizeT n);

/*------------------------------------------------------------*/
/*--- Copying through the tool                             ---*/
/*------------------------------------------------------------*/

/* memmove in the client, for what the tool refused (or, should the
   tool not have swapped preload objects, everything). */
static void copy_here(char* dst, const char* src, SizeT n)
{
   volatile char* d = dst;   /* the client must fault here, if it does */
   if (dst <= src || dst >= src + n) {
      for (SizeT i = 0; i < n; i++) d[i] = src[i];
   } else {
      for (SizeT i = n; i > 0; i--) d[i - 1] = src[i - 1];
   }
}

/* -1 until asked, then whether the tool tracks accesses. */
static int tool_tracks = -1;

static Bool tracking(void)
{
   if (tool_tracks < 0)
      tool_tracks = (int)VALGRIND_DO_CLIENT_REQUEST_EXPR(0, MA_REQ_TRACKING, 0, 0, 0, 0, 0);
   return tool_tracks != 0;
}

static void copy(void* dst, const void* src, SizeT n)
{
   if (n == 0) return;
   UWord done = tracking()
                ? VALGRIND_DO_CLIENT_REQUEST_EXPR(0, MA_REQ_COPY, dst, src, n, 0, 0) : 0;
   if (!done) copy_here(dst, src, n);
}

static SizeT string_length(const char* s, SizeT max)
{
   UWord n = tracking() ? VALGRIND_DO_CLIENT_REQUEST_EXPR(MA_STRLEN_UNREADABLE,
                                           MA_REQ_STRNLEN, s, max, 0, 0, 0)
                        : MA_STRLEN_UNREADABLE;
   if (n != MA_STRLEN_UNREADABLE) return n;
   SizeT i = 0;                     /* untracked, or fault where the client would */
   while (i < max && s[i]) i++;
   return i;
}

static void fill_zero(char* d, SizeT n)
{
   for (SizeT i = 0; i < n; i++) d[i] = 0;
}

/*------------------------------------------------------------*/
/*--- The replacements                                     ---*/
/*------------------------------------------------------------*/

/* Equivalence tags as Valgrind's own tools use them (first four digits
   the class, last the priority), so where glibc gives two of these
   names one address, the right one wins (memmove over memcpy). */

#define MEMMOVE_LIKE(tag, soname, fnname)                                \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n);                       \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n)                        \
   { copy(dst, src, n); return dst; }

#define MEMPCPY(tag, soname, fnname)                                     \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n);                       \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n)                        \
   { copy(dst, src, n); return (char*)dst + n; }

#define MEMMOVE_CHK(tag, soname, fnname, result)                         \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n, SizeT dst_len);        \
   void* VG_REPLACE_FUNCTION_EZU(tag, soname, fnname)                    \
            (void* dst, const void* src, SizeT n, SizeT dst_len)         \
   { if (dst_len < n) __chk_fail(); copy(dst, src, n); return result; }

/* libc, and the executable itself (soname NONE) for the three a program
   or a static runtime may define itself. */
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, memcpy)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __GI_memcpy)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_sse2)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_sse2_unaligned)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_sse2_unaligned_erms)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_ssse3)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_avx_unaligned)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_avx_unaligned_erms)
MEMMOVE_LIKE(20180, VG_Z_LIBC_SONAME, __memcpy_evex_unaligned_erms)
MEMMOVE_LIKE(20180, NONE, memcpy)
MEMMOVE_LIKE(20181, VG_Z_LIBC_SONAME, memmove)
MEMMOVE_LIKE(20181, VG_Z_LIBC_SONAME, __GI_memmove)
MEMMOVE_LIKE(20181, VG_Z_LIBC_SONAME, __memmove_sse2_unaligned_erms)
MEMMOVE_LIKE(20181, VG_Z_LIBC_SONAME, __memmove_avx_unaligned_erms)
MEMMOVE_LIKE(20181, VG_Z_LIBC_SONAME, __memmove_evex_unaligned_erms)
MEMMOVE_LIKE(20181, NONE, memmove)
MEMPCPY(20290, VG_Z_LIBC_SONAME, mempcpy)
MEMPCPY(20290, VG_Z_LIBC_SONAME, __GI_mempcpy)
MEMPCPY(20290, VG_Z_LIBC_SONAME, __mempcpy)
MEMPCPY(20290, NONE, mempcpy)
MEMMOVE_CHK(20300, VG_Z_LIBC_SONAME, __memcpy_chk, dst)
MEMMOVE_CHK(20240, VG_Z_LIBC_SONAME, __memmove_chk, dst)
MEMMOVE_CHK(20310, VG_Z_LIBC_SONAME, __mempcpy_chk, (char*)dst + n)

void VG_REPLACE_FUNCTION_EZU(20230, VG_Z_LIBC_SONAME, bcopy)
        (const void* src, void* dst, SizeT n);
void VG_REPLACE_FUNCTION_EZU(20230, VG_Z_LIBC_SONAME, bcopy)
        (const void* src, void* dst, SizeT n)
{ copy(dst, src, n); }

#define WMEMMOVE_LIKE(tag, fnname)                                       \
   int* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)           \
            (int* dst, const int* src, SizeT n);                         \
   int* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)           \
            (int* dst, const int* src, SizeT n)                          \
   { copy(dst, src, n * sizeof(int)); return dst; }   /* wchar_t: 4 bytes */

WMEMMOVE_LIKE(20410, wmemcpy)
WMEMMOVE_LIKE(20411, wmemmove)

/* strcpy family: 'end' selects what is returned (stpcpy returns the end). */
static char* copy_string(char* dst, const char* src, Bool return_end)
{
   SizeT len = string_length(src, (SizeT)-1);
   copy(dst, src, len + 1);
   return return_end ? dst + len : dst;
}

/* strncpy/stpncpy: at most n bytes, zero-padded to n. */
static char* copy_string_n(char* dst, const char* src, SizeT n, Bool return_end)
{
   SizeT len = string_length(src, n);
   copy(dst, src, len);
   fill_zero(dst + len, n - len);
   return return_end ? dst + len : dst;
}

static char* append_string(char* dst, const char* src, SizeT max)
{
   SizeT start = string_length(dst, (SizeT)-1);
   SizeT len   = string_length(src, max);
   copy(dst + start, src, len);
   dst[start + len] = 0;
   return dst;
}

#define STRCPY_LIKE(tag, fnname, return_end)                             \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)          \
            (char* dst, const char* src);                                \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)          \
            (char* dst, const char* src)                                 \
   { return copy_string(dst, src, return_end); }

STRCPY_LIKE(20080, strcpy, False)
STRCPY_LIKE(20080, __GI_strcpy, False)
STRCPY_LIKE(20200, stpcpy, True)
STRCPY_LIKE(20200, __GI_stpcpy, True)
STRCPY_LIKE(20200, __stpcpy, True)

#define STRNCPY_LIKE(tag, fnname, return_end)                            \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)          \
            (char* dst, const char* src, SizeT n);                       \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)          \
            (char* dst, const char* src, SizeT n)                        \
   { return copy_string_n(dst, src, n, return_end); }

STRNCPY_LIKE(20090, strncpy, False)
STRNCPY_LIKE(20090, __GI_strncpy, False)
STRNCPY_LIKE(20420, stpncpy, True)
STRNCPY_LIKE(20420, __stpncpy, True)

char* VG_REPLACE_FUNCTION_EZU(20030, VG_Z_LIBC_SONAME, strcat)(char* dst, const char* src);
char* VG_REPLACE_FUNCTION_EZU(20030, VG_Z_LIBC_SONAME, strcat)(char* dst, const char* src)
{ return append_string(dst, src, (SizeT)-1); }
char* VG_REPLACE_FUNCTION_EZU(20030, VG_Z_LIBC_SONAME, __GI_strcat)(char* dst, const char* src);
char* VG_REPLACE_FUNCTION_EZU(20030, VG_Z_LIBC_SONAME, __GI_strcat)(char* dst, const char* src)
{ return append_string(dst, src, (SizeT)-1); }
char* VG_REPLACE_FUNCTION_EZU(20040, VG_Z_LIBC_SONAME, strncat)(char* dst, const char* src, SizeT n);
char* VG_REPLACE_FUNCTION_EZU(20040, VG_Z_LIBC_SONAME, strncat)(char* dst, const char* src, SizeT n)
{ return append_string(dst, src, n); }

/* The checked forms (-D_FORTIFY_SOURCE): dst_len is the destination's
   size as the compiler knew it. */
char* VG_REPLACE_FUNCTION_EZU(20270, VG_Z_LIBC_SONAME, __strcpy_chk)
        (char* dst, const char* src, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20270, VG_Z_LIBC_SONAME, __strcpy_chk)
        (char* dst, const char* src, SizeT dst_len)
{
   if (string_length(src, dst_len) >= dst_len) __chk_fail();
   return copy_string(dst, src, False);
}
char* VG_REPLACE_FUNCTION_EZU(20280, VG_Z_LIBC_SONAME, __stpcpy_chk)
        (char* dst, const char* src, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20280, VG_Z_LIBC_SONAME, __stpcpy_chk)
        (char* dst, const char* src, SizeT dst_len)
{
   if (string_length(src, dst_len) >= dst_len) __chk_fail();
   return copy_string(dst, src, True);
}
char* VG_REPLACE_FUNCTION_EZU(20430, VG_Z_LIBC_SONAME, __strncpy_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20430, VG_Z_LIBC_SONAME, __strncpy_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len)
{
   if (dst_len < n) __chk_fail();
   return copy_string_n(dst, src, n, False);
}
char* VG_REPLACE_FUNCTION_EZU(20440, VG_Z_LIBC_SONAME, __stpncpy_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20440, VG_Z_LIBC_SONAME, __stpncpy_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len)
{
   if (dst_len < n) __chk_fail();
   return copy_string_n(dst, src, n, True);
}
char* VG_REPLACE_FUNCTION_EZU(20450, VG_Z_LIBC_SONAME, __strcat_chk)
        (char* dst, const char* src, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20450, VG_Z_LIBC_SONAME, __strcat_chk)
        (char* dst, const char* src, SizeT dst_len)
{
   if (string_length(dst, dst_len) + string_length(src, dst_len) >= dst_len) __chk_fail();
   return append_string(dst, src, (SizeT)-1);
}
char* VG_REPLACE_FUNCTION_EZU(20460, VG_Z_LIBC_SONAME, __strncat_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len);
char* VG_REPLACE_FUNCTION_EZU(20460, VG_Z_LIBC_SONAME, __strncat_chk)
        (char* dst, const char* src, SizeT n, SizeT dst_len)
{
   if (string_length(dst, dst_len) + string_length(src, n) >= dst_len) __chk_fail();
   return append_string(dst, src, n);
}

/* strdup/strndup: an allocation (through malloc, so the tool records
   it at the caller's stack) and a copy. */
static char* duplicate(const char* s, SizeT max)
{
   SizeT len = string_length(s, max);
   char* p = malloc(len + 1);
   if (!p) return NULL;
   copy(p, s, len);
   p[len] = 0;
   return p;
}

#define STRDUP_LIKE(tag, fnname)                                         \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)(const char* s); \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)(const char* s)  \
   { return duplicate(s, (SizeT)-1); }
#define STRNDUP_LIKE(tag, fnname)                                        \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)(const char* s, SizeT n); \
   char* VG_REPLACE_FUNCTION_EZU(tag, VG_Z_LIBC_SONAME, fnname)(const char* s, SizeT n)  \
   { return duplicate(s, n); }

STRDUP_LIKE(20470, strdup)
STRDUP_LIKE(20470, __strdup)
STRDUP_LIKE(20470, __GI_strdup)
STRNDUP_LIKE(20480, strndup)
STRNDUP_LIKE(20480, __strndup)
STRNDUP_LIKE(20480, __GI_strndup)
