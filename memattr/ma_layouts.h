/*--------------------------------------------------------------------*/
/*--- memattr: Memcheck's leak heuristics' layouts.   ma_layouts.h ---*/
/*--------------------------------------------------------------------*/

/* ma_layouts.c owns one question: does a live block's content match one
   of the layouts for which Memcheck's leak check (--leak-check-heuristics,
   all four on by default in 3.19) takes an interior pointer for a pointer
   to the block's start?  The tool answers it while the memory can still
   be read (the exit snapshot) and the trace records the answer per
   block and interior offset; memattr-graph applies the heuristics the
   user chose.  Holds no state. */

#ifndef MA_LAYOUTS_H
#define MA_LAYOUTS_H

#include "pub_tool_basics.h"

/* The layouts that match a pointer 'offset' bytes (0 < offset < size)
   into the readable block [data, data + size): a set of the
   MA_LEAK_HEURISTIC_* bits of format/memattr_trace_schema.h, each
   tested on its own (memattr-graph takes the first the user enabled, in
   Memcheck's order):
   - stdstring: offset 24, word 1 a capacity with 24 + capacity + 1 ==
     size, word 0 a length <= capacity (a pre-C++11 std::string rep);
   - length64: offset 8, word 0 > 0 and == size - 8 (sqlite);
   - newarray: offset 8, word 0 = n > 0 with (size - 8) % n == 0 (the
     element count new[] puts before an array of objects with a
     destructor);
   - multipleinheritance: an aligned offset whose word and the block's
     first word both point at vtables (pointed at from a readable file
     mapping, whose first 20 words hold at least two pointers into
     code Valgrind has translated, null words skipped). */
UInt ma_layouts_matching(Addr data, SizeT size, SizeT offset);

#endif
