/* The same 1 MiB file read into a heap buffer and mapped.  The heap
   buffer is heap (written by the kernel for read(2)); the read-only
   mapping is a file region with nothing written; a private writable
   mapping of it, of which the program changes 3 pages, has 3 pages
   written (copy-on-write: anonymous memory). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { FILE_SIZE = 1 << 20, PAGE = 4096 };

int main(int argc, char** argv)
{
   char path[] = "/tmp/memattr-file-mmap-XXXXXX";
   int fd = mkstemp(path);
   if (fd < 0) { perror("mkstemp"); return 1; }
   unlink(path);
   char* chunk = malloc(PAGE);
   memset(chunk, 'f', PAGE);
   for (int i = 0; i < FILE_SIZE / PAGE; i++)
      if (write(fd, chunk, PAGE) != PAGE) { perror("write"); return 1; }
   free(chunk);

   char* buffer = malloc(FILE_SIZE);                                   /* @READ_BUFFER */
   if (pread(fd, buffer, FILE_SIZE, 0) != FILE_SIZE) { perror("read"); return 1; }
   const char* mapped = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);   /* @MAP_RO */
   char* cow = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);   /* @MAP_COW */
   if (mapped == MAP_FAILED || cow == MAP_FAILED) { perror("mmap"); return 1; }
   long sum = 0;
   for (int i = 0; i < FILE_SIZE; i += 64) sum += mapped[i] + cow[i] + buffer[i];
   for (int i = 0; i < 3; i++) cow[i * PAGE] = 'c';
   fprintf(stderr, "sum %ld\n", sum);
   munmap((void*)mapped, FILE_SIZE);
   munmap(cow, FILE_SIZE);
   free(buffer);
   close(fd);
   printf("done\n");
   return 0;
}
