/*--------------------------------------------------------------------*/
/*--- memattr: glibc's malloc, wrapped.          ma_preload_wrap.c ---*/
/*--------------------------------------------------------------------*/

/* vgpreload_memattr-wrap.so, loaded instead of the usual preload object
   with --malloc=wrap (ma_main.c swaps the names): this file and
   ma_preload_copy.c, without Valgrind's malloc replacements.

   glibc's own allocator runs.  Each malloc-family function of libc is
   wrapped: the wrapper calls the real one and tells the tool what it
   did (ma_requests.h, MA_REQ_WRAP_*).  So
   glibc's brk heap, its per-thread arenas and the chunks it mmaps are
   the program's own mappings, seen by ma_regions.c, while every block
   still gets its allocation stack (the wrapper's frame, then the
   caller's).

   Redirection is by code address: glibc's internal calls to malloc or
   free (realloc's, fopen's) enter the wrappers too.  Only the outermost
   call of a thread reports, so one client call is one block.  Which
   threads are inside a wrapper is kept in a small global table, not in
   a thread-local variable: a preload object with thread-local storage
   makes glibc give every thread a bigger TLS vector (16 bytes more of
   heap per thread), and live heap must be the same in both modes.  A
   free is reported before the real free runs: afterwards the memory is
   glibc's again. */

#include "pub_tool_basics.h"
#include "pub_tool_redir.h"
#include "valgrind.h"
#include "ma_requests.h"

/* The threads inside a wrapper, by thread pointer (%fs base); slots
   [0, in_use) may be taken.  Valgrind runs one thread at a time but may
   switch between any two instructions, hence the atomics. */
#define MAX_INSIDE 1024
static UWord inside[MAX_INSIDE];
static int   in_use;

#define NESTED     (-1)
#define NO_SLOT    (-2)   /* more than MAX_INSIDE threads inside at once */

/* Enter a wrapper: the slot taken, or NESTED when this thread is
   already inside one (then nothing is reported). */
static int enter(void)
{
   UWord self = (UWord)__builtin_thread_pointer();
   int n = __atomic_load_n(&in_use, __ATOMIC_ACQUIRE);
   for (int i = 0; i < n; i++)
      if (__atomic_load_n(&inside[i], __ATOMIC_RELAXED) == self) return NESTED;
   for (int i = 0; i < MAX_INSIDE; i++) {
      UWord empty = 0;
      if (__atomic_compare_exchange_n(&inside[i], &empty, self, 0,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
         int seen = __atomic_load_n(&in_use, __ATOMIC_ACQUIRE);
         while (seen < i + 1
                && !__atomic_compare_exchange_n(&in_use, &seen, i + 1, 0,
                                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
         return i;
      }
   }
   return NO_SLOT;
}

static void leave(int slot)
{
   if (slot >= 0) __atomic_store_n(&inside[slot], 0, __ATOMIC_RELEASE);
}

#define WRAPPER(fn) VG_WRAP_FUNCTION_ZU(VG_Z_LIBC_SONAME, fn)

static void report_alloc(int slot, void* p, SizeT n)
{
   if (slot != NESTED && p)
      VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_ALLOC, p, n, 0, 0, 0);
}

static void report_free(int slot, void* p)
{
   if (slot != NESTED && p)
      VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_FREE, p, 0, 0, 0, 0);
}

void* WRAPPER(malloc)(SizeT n);
void* WRAPPER(malloc)(SizeT n)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   int slot = enter();
   CALL_FN_W_W(p, fn, n);
   report_alloc(slot, p, n);
   leave(slot);
   return p;
}

void* WRAPPER(calloc)(SizeT nmemb, SizeT size);
void* WRAPPER(calloc)(SizeT nmemb, SizeT size)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   int slot = enter();
   CALL_FN_W_WW(p, fn, nmemb, size);
   report_alloc(slot, p, nmemb * size);   /* p is NULL when the product overflows */
   leave(slot);
   return p;
}

void WRAPPER(free)(void* p);
void WRAPPER(free)(void* p)
{
   OrigFn fn;
   UWord  ignored;
   VALGRIND_GET_ORIG_FN(fn);
   int slot = enter();
   report_free(slot, p);
   CALL_FN_W_W(ignored, fn, p);
   leave(slot);
   (void)ignored;
}

void* WRAPPER(realloc)(void* old, SizeT n);
void* WRAPPER(realloc)(void* old, SizeT n)
{
   OrigFn fn;
   void*  p;
   VALGRIND_GET_ORIG_FN(fn);
   int  slot  = enter();
   Bool frees = old && n == 0;   /* glibc frees and returns NULL */
   if (frees) report_free(slot, old);
   CALL_FN_W_WW(p, fn, old, n);
   if (slot != NESTED && !frees) {
      if (!old) report_alloc(slot, p, n);
      else if (p)
         VALGRIND_DO_CLIENT_REQUEST_STMT(MA_REQ_WRAP_REALLOC, old, p, n, 0, 0);
   }
   leave(slot);
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
      int slot = enter();                                   \
      CALL_FN_W_WW(p, fn, alignment, n);                    \
      report_alloc(slot, p, n);                             \
      leave(slot);                                          \
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
      int slot = enter();                                   \
      CALL_FN_W_W(p, fn, n);                                \
      report_alloc(slot, p, n);                             \
      leave(slot);                                          \
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
   int slot = enter();
   CALL_FN_W_WWW(result, fn, out, alignment, n);
   if (result == 0) report_alloc(slot, *out, n);
   leave(slot);
   return (int)result;
}

const char memattr_wrap_preload_identity[] = "memattr malloc-wrapping preload " MEMATTR_VERSION;
