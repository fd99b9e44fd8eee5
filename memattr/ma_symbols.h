/*--------------------------------------------------------------------*/
/*--- memattr: function symbols of the loaded objects. ma_symbols.h ---*/
/*--------------------------------------------------------------------*/

/* ma_symbols.c lists the entry addresses of the functions in the
   symbol tables (.symtab, else .dynsym) of the objects loaded now, as
   loaded: the tool API names a function at an address but lists no
   symbols, so --phase-fn can be checked at start-up only by reading
   the objects' own tables.  Stateless. */

#ifndef MA_SYMBOLS_H
#define MA_SYMBOLS_H

#include "pub_tool_basics.h"

/* Called with each function's entry address; returns True to stop. */
typedef Bool (*FunctionVisitor)(Addr entry, void* context);

/* Visits the functions of every object loaded now; an object whose file
   cannot be read (or is not 64-bit ELF) is skipped. */
void ma_symbols_each_function(FunctionVisitor visit, void* context);

#endif
