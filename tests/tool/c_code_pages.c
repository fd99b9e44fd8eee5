/* Code is resident natively (issue 14): the file pages a program runs its code from count in
   its peak RSS.  hot() is about 340 KiB of straight-line code that runs once; cold(), about
   170 KiB, never runs.  Each lies in a section of its own, so that its bounds are known (GNU
   ld makes __start_/__stop_ symbols for a section named like an identifier).  A 2 MiB
   buffer, written, is the heap.  At the end the program prints, on stderr, the sections'
   bounds and what a native run holds: its peak RSS (VmHWM) and, from /proc/self/smaps, the
   resident pages of executable file mappings (code) and of read-only file mappings (what
   memattr does not see: read-only data, the loader's tables).  Under Valgrind those figures
   are Valgrind's; the test reads them from a native run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R2(s) s s
#define R4(s) s s s s
#define R16(s) R4(R4(s))
#define R256(s) R16(R16(s))
#define R4096(s) R16(R256(s))
#define STEP v = v * 3 + 7;

static volatile unsigned v;

__attribute__((noinline, section("hot_code"))) static void hot(void) { R4096(R4(STEP)) }
__attribute__((noinline, section("cold_code"))) static void cold(void) { R4096(R2(STEP)) }

extern char __start_hot_code[], __stop_hot_code[], __start_cold_code[], __stop_cold_code[];

/* Resident KiB of the file mappings whose permissions start with 'perms' ("r-x", "r--"). */
static unsigned long file_rss(const char* perms)
{
   FILE* f = fopen("/proc/self/smaps", "r");
   char line[512], mapping_perms[8] = "", path[256];
   int is_file = 0;
   unsigned long kib = 0, rss;
   if (!f) return 0;
   while (fgets(line, sizeof line, f)) {
      unsigned long lo, hi, offset, inode;
      if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %255s", &lo, &hi, mapping_perms, &offset,
                 &inode, path) == 6) {
         is_file = inode != 0 && path[0] == '/';
      } else if (sscanf(line, "Rss: %lu kB", &rss) == 1 && is_file
                 && strncmp(mapping_perms, perms, 3) == 0) {
         kib += rss;
      }
   }
   fclose(f);
   return kib;
}

static unsigned long status_kib(const char* key)
{
   FILE* f = fopen("/proc/self/status", "r");
   char line[256];
   unsigned long kib = 0;
   size_t n = strlen(key);
   if (!f) return 0;
   while (fgets(line, sizeof line, f))
      if (strncmp(line, key, n) == 0 && line[n] == ':') sscanf(line + n + 1, "%lu", &kib);
   fclose(f);
   return kib;
}

int main(int argc, char** argv)
{
   char* heap = malloc(2 << 20);
   memset(heap, 1, 2 << 20);
   hot();
   if (argc > 5) cold();   /* never: argc is 1 */
   fprintf(stderr, "code hot_lo=%p hot_hi=%p cold_lo=%p cold_hi=%p\n", (void*)__start_hot_code,
           (void*)__stop_hot_code, (void*)__start_cold_code, (void*)__stop_cold_code);
   fprintf(stderr, "native vmhwm=%lu code_rss=%lu readonly_rss=%lu\n", status_kib("VmHWM"),
           file_rss("r-x"), file_rss("r--"));
   free(heap);
   printf("done\n");
   return 0;
}
