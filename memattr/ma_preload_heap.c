/*--------------------------------------------------------------------*/
/*--- memattr: code loaded into the client.     ma_preload_heap.c ---*/
/*--------------------------------------------------------------------*/

/* The client gets one of three preload objects (the core puts the first
   in LD_PRELOAD; ma_main.c swaps in the second with --track-access=no,
   the third with --malloc=wrap):

     vgpreload_memattr-amd64-linux.so   this file, ma_preload_copy.c
     vgpreload_memattr-heap.so          this file only
     vgpreload_memattr-wrap.so          ma_preload_wrap.c, ma_preload_copy.c
                                        (--malloc=wrap; no replacements)

   Linked into the first two, whole-archive, is Valgrind's
   libreplacemalloc_toolpreload, whose malloc/new/free/... replacements
   forward every call to the tool (ma_heap.c).  This file only records
   in the binary which tool it belongs to (visible with `strings`). */

const char memattr_preload_identity[] = "memattr preload " MEMATTR_VERSION;
