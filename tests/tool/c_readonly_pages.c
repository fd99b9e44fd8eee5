/* Read-only file pages are resident natively (issue 14): a page a program reads through a
   read-only file mapping is in its RSS, with the pages the kernel maps around it (its
   fault-around: the 64 KiB-aligned window of the page, by default, of pages in the page
   cache).  The program writes a 1 MiB file (so its pages are in the page cache), maps it
   read-only and reads one byte of pages 0, 40 and 100: three windows, 48 pages, with the
   default fault-around.  The same holds for the libraries' read-only segments, which the
   dynamic loader reads (symbol and hash tables, relocations).  A 2 MiB buffer, written, is
   the heap; it is freed with the mapping still there, so the peak memory map shows it.
   The program prints on stderr, from its own /proc/self/smaps, the mapping's resident KiB
   and those of every read-only, not executable file mapping of the process, and its VmHWM:
   run natively, those are what the test holds memattr's figures against.
   Built with READ_AFTER_CAPTURE, a 1 MiB block is written and freed after the mapping is
   made and before its pages are read, so the memory map is captured (the mapping counted
   with no page read) before them, and a 1.5 MiB block lies beside the 2 MiB one at the
   peak: the peak map's count must come from a reading after the pages were read, though
   no mapping changed since the last (case readonly_pages_read_after_capture). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { FILE_SIZE = 1 << 20, PAGE = 4096 };

/* Resident KiB of the read-only, not executable file mappings ("r--"), and of the one at
   'at'. */
static void readonly_rss(const char* at, unsigned long* all_kib, unsigned long* at_kib)
{
   FILE* f = fopen("/proc/self/smaps", "r");
   char line[512], perms[8] = "", path[256];
   int counted = 0, is_at = 0;
   unsigned long rss;
   *all_kib = *at_kib = 0;
   if (!f) return;
   while (fgets(line, sizeof line, f)) {
      unsigned long lo, hi, offset, inode;
      path[0] = 0;
      int n = sscanf(line, "%lx-%lx %7s %lx %*s %lu %255s", &lo, &hi, perms, &offset, &inode,
                     path);
      if (n >= 5) {
         counted = inode != 0 && strcmp(perms, "r--p") == 0;
         is_at = lo == (unsigned long)at;
      } else if (sscanf(line, "Rss: %lu kB", &rss) == 1 && counted) {
         *all_kib += rss;
         if (is_at) *at_kib = rss;
      }
   }
   fclose(f);
}

static unsigned long vmhwm_kib(void)
{
   FILE* f = fopen("/proc/self/status", "r");
   char line[256];
   unsigned long kib = 0;
   if (!f) return 0;
   while (fgets(line, sizeof line, f))
      if (strncmp(line, "VmHWM:", 6) == 0) sscanf(line + 6, "%lu", &kib);
   fclose(f);
   return kib;
}

int main(void)
{
   char path[] = "/tmp/memattr-readonly-pages-XXXXXX";
   int fd = mkstemp(path);
   if (fd < 0) { perror("mkstemp"); return 1; }
   unlink(path);
   char* heap = malloc(2 << 20);
   memset(heap, 'f', 2 << 20);
   for (int i = 0; i < FILE_SIZE / PAGE; i++)
      if (write(fd, heap, PAGE) != PAGE) { perror("write"); return 1; }
   const char* mapped = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);   /* @MAP_RO */
   if (mapped == MAP_FAILED) { perror("mmap"); return 1; }
#ifdef READ_AFTER_CAPTURE
   char* before = malloc(1 << 20);
   memset(before, 'b', 1 << 20);
   free(before);   /* a peak of the footprint, the mapping's pages not read yet */
   char* more = malloc(3 << 19);
   memset(more, 'm', 3 << 19);
#endif
   const int pages_read[] = {0, 40, 100};
   long sum = 0;
   for (int i = 0; i < 3; i++) sum += ((volatile const char*)mapped)[pages_read[i] * PAGE];
   unsigned long all_kib, mapping_kib;
   readonly_rss(mapped, &all_kib, &mapping_kib);
   fprintf(stderr, "readonly mapping=%p mapping_rss=%lu all_rss=%lu vmhwm=%lu sum=%ld\n",
           (void*)mapped, mapping_kib, all_kib, vmhwm_kib(), sum);
   free(heap);   /* the peak: the mapping is there */
#ifdef READ_AFTER_CAPTURE
   free(more);
#endif
   munmap((void*)mapped, FILE_SIZE);
   close(fd);
   printf("done\n");
   return 0;
}
