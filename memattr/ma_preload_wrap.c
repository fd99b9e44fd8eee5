/*--------------------------------------------------------------------*/
/*--- memattr: glibc's malloc, wrapped.          ma_preload_wrap.c ---*/
/*--------------------------------------------------------------------*/

/* vgpreload_memattr-wrap.so, loaded instead of the usual preload object
   with --malloc=wrap (ma_main.c swaps the names): this file and
   ma_preload_copy.c, without Valgrind's malloc replacements.

   glibc's own allocator runs.  Each malloc-family function of libc is
   wrapped: the wrapper calls the real one and tells the tool what it
   did (ma_requests.h, MA_REQ_WRAP_*), with the block's usable size.  So
   glibc's brk heap, its per-thread arenas and the chunks it mmaps are
   the program's own mappings, seen by ma_regions.c, while every block
   still gets its allocation stack (the wrapper's frame, then the
   caller's).

   Redirection is by code address: glibc's internal calls to malloc or
   free (realloc's, fopen's) enter the wrappers too.  A per-thread depth
   counter makes only the outermost call of a thread report, so one
   client call is one block.  A free is reported before the real free
   runs: afterwards the memory is glibc's again. */

#include "pub_tool_basics.h"
#include "pub_tool_redir.h"
#include "valgrind.h"
#include "ma_requests.h"

/* glibc's; not wrapped. */
extern SizeT malloc_usable_size(void* p);

/* Initial-exec: reaching it must not call __tls_get_addr, which may
   itself allocate. */
static __thread int depth __attribute__((tls_model("initial-exec")));

#define WRAPPER(fn) VG_WRAP_FUNCTION_ZU(VG_Z_LIBC_SONAME, fn)

static void report_alloc(void* p, SizeT n)
{
   if (depth == 0 && p)
      VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_ALLOC, p, n, malloc_usable_size(p), 0, 0);
}

static void report_free(void* p)
{
   if (depth == 0 && p)
      VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_FREE, p, malloc_usable_size(p), 0, 0, 0);
}

void* WRAPPER(malloc)(SizeT n);
void* WRAPPER(malloc)(SizeT n)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   depth++;
   CALL_FN_W_W(p, fn, n);
   depth--;
   report_alloc(p, n);
   return p;
}

void* WRAPPER(calloc)(SizeT nmemb, SizeT size);
void* WRAPPER(calloc)(SizeT nmemb, SizeT size)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   depth++;
   CALL_FN_W_WW(p, fn, nmemb, size);
   depth--;
   report_alloc(p, nmemb * size);   /* p is NULL when the product overflows */
   return p;
}

void WRAPPER(free)(void* p);
void WRAPPER(free)(void* p)
{
   OrigFn fn;
   UWord  ignored;
   VALGRIND_GET_ORIG_FN(fn);
   report_free(p);
   depth++;
   CALL_FN_W_W(ignored, fn, p);
   depth--;
   (void)ignored;
}

void* WRAPPER(realloc)(void* old, SizeT n);
void* WRAPPER(realloc)(void* old, SizeT n)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   Bool  outermost  = depth == 0;
   Bool  frees      = old && n == 0;   /* glibc frees and returns NULL */
   SizeT old_usable = outermost && old ? malloc_usable_size(old) : 0;
   if (frees) report_free(old);
   depth++;
   CALL_FN_W_WW(p, fn, old, n);
   depth--;
   if (!outermost || frees) return p;
   if (!old) report_alloc(p, n);
   else if (p)
      VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_REALLOC, old, p, n, old_usable,
                                      malloc_usable_size(p));
   return p;
}

/* memalign(alignment, n), aligned_alloc(alignment, n) */
#define ALIGNED_WRAPPER(name)                               \
   void* WRAPPER(name)(SizeT alignment, SizeT n);           \
   void* WRAPPER(name)(SizeT alignment, SizeT n)            \
   {                                                        \
      OrigFn fn;                                            \
      void*  p;                                             \
      VALGRIND_GET_ORIG_FN(fn);                             \
      depth++;                                              \
      CALL_FN_W_WW(p, fn, alignment, n);                    \
      depth--;                                              \
      report_alloc(p, n);                                   \
      return p;                                             \
   }

ALIGNED_WRAPPER(memalign)
ALIGNED_WRAPPER(aligned_alloc)

/* valloc(n), pvalloc(n): page-aligned */
#define PAGE_WRAPPER(name)                                  \
   void* WRAPPER(name)(SizeT n);                            \
   void* WRAPPER(name)(SizeT n)                             \
   {                                                        \
      OrigFn fn;                                            \
      void*  p;                                             \
      VALGRIND_GET_ORIG_FN(fn);                             \
      depth++;                                              \
      CALL_FN_W_W(p, fn, n);                                \
      depth--;                                              \
      report_alloc(p, n);                                   \
      return p;                                             \
   }

PAGE_WRAPPER(valloc)
PAGE_WRAPPER(pvalloc)

int WRAPPER(posix_memalign)(void** out, SizeT alignment, SizeT n);
int WRAPPER(posix_memalign)(void** out, SizeT alignment, SizeT n)
{
   OrigFn fn;
   Word   result;
   VALGRIND_GET_ORIG_FN(fn);
   depth++;
   CALL_FN_W_WWW(result, fn, out, alignment, n);
   depth--;
   if (result == 0) report_alloc(*out, n);
   return (int)result;
}

const char memattr_wrap_preload_identity[] = "memattr malloc-wrapping preload " MEMATTR_VERSION;
