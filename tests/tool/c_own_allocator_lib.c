/* libownalloc.so: a program's own allocator in a shared library (not
   libc): malloc and friends carve blocks out of a static buffer and never
   reuse memory.  Under memattr it is replaced like libc's when named with
   --soname-synonyms=somalloc=libownallocZdso (c_own_allocator.c). */
#include <stddef.h>
#include <string.h>

static char buffer[8 << 20];
static size_t used;

void* malloc(size_t n)
{
   size_t at = (used + 15) / 16 * 16;
   if (at + n + 16 > sizeof buffer) return NULL;
   *(size_t*)(buffer + at) = n;
   used = at + 16 + n;
   return buffer + at + 16;
}

void free(void* p) { (void)p; }

void* calloc(size_t nmemb, size_t size)
{
   void* p = malloc(nmemb * size);
   if (p) memset(p, 0, nmemb * size);
   return p;
}

void* realloc(void* p, size_t n)
{
   void* q = malloc(n);
   if (p && q) {
      size_t old = *(size_t*)((char*)p - 16);
      memcpy(q, p, old < n ? old : n);
   }
   return q;
}
