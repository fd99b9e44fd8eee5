/*--------------------------------------------------------------------*/
/*--- memattr: code loaded into the client.          ma_preload.c ---*/
/*--------------------------------------------------------------------*/

/* This file becomes vgpreload_memattr-amd64-linux.so, which the core
   puts in the client's LD_PRELOAD.  Linked with it, whole-archive, is
   Valgrind's libreplacemalloc_toolpreload, whose malloc/new/free/...
   replacements forward every call to the tool (ma_heap.c).

   The preload is built with -fno-builtin: gcc would otherwise turn
   byte loops here into calls to memcpy/memset, which a later
   replacement of those functions would redirect back into itself. */

/* The preload needs at least one object of its own; this records in
   the binary which tool it belongs to (visible with `strings`). */
const char memattr_preload_identity[] = "memattr preload " MEMATTR_VERSION;
