/*--------------------------------------------------------------------*/
/*--- memattr: function symbols of the loaded objects. ma_symbols.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_symbols.h.  Each object's file is read again here (its ELF
   header, section headers, then the symbol table in chunks); an entry
   is a symbol's value plus the object's text bias (0 for a fixed-address
   executable).  The objects are listed first and visited after: asking
   the core about an address reorders its list of objects. */

#include <elf.h>

#include "pub_tool_basics.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_vki.h"
#include "pub_tool_xarray.h"

#include "ma_symbols.h"

typedef struct {
   HChar*   file;   /* a copy: the core's list may change while visiting */
   PtrdiffT bias;
} LoadedObject;

/* Reads exactly len bytes at offset off. */
static Bool read_at(Int fd, ULong off, void* buf, Int len)
{
   return VG_(lseek)(fd, (Off64T)off, VKI_SEEK_SET) == (Off64T)off
          && VG_(read)(fd, buf, len) == len;
}

static Bool is_function(const Elf64_Sym* sym)
{
   UChar type = ELF64_ST_TYPE(sym->st_info);
   return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF
          && sym->st_value != 0;
}

/* The symbols of one table; returns True if the visitor stopped. */
static Bool visit_table(Int fd, const Elf64_Shdr* table, PtrdiffT bias,
                        FunctionVisitor visit, void* context)
{
   if (table->sh_entsize != sizeof(Elf64_Sym)) return False;
   Elf64_Sym chunk[256];
   ULong n = table->sh_size / sizeof(Elf64_Sym);
   for (ULong done = 0; done < n; ) {
      ULong count = n - done < 256 ? n - done : 256;
      if (!read_at(fd, table->sh_offset + done * sizeof(Elf64_Sym), chunk,
                   (Int)(count * sizeof(Elf64_Sym))))
         return False;
      for (ULong i = 0; i < count; i++)
         if (is_function(&chunk[i]) && visit((Addr)(chunk[i].st_value + bias), context))
            return True;
      done += count;
   }
   return False;
}

/* The object's .symtab (all functions), else its .dynsym (exported
   ones: a stripped object has no other). */
static Bool visit_object(const LoadedObject* obj, FunctionVisitor visit, void* context)
{
   SysRes sr = VG_(open)(obj->file, VKI_O_RDONLY, 0);
   if (sr_isError(sr)) return False;
   Int fd = (Int)sr_Res(sr);
   Elf64_Ehdr eh;
   Bool stopped = False;
   if (read_at(fd, 0, &eh, sizeof eh) && VG_(memcmp)(eh.e_ident, ELFMAG, SELFMAG) == 0
       && eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr)) {
      Elf64_Shdr best = { 0 };
      for (UInt s = 0; s < eh.e_shnum; s++) {
         Elf64_Shdr sh;
         if (!read_at(fd, eh.e_shoff + (ULong)s * sizeof sh, &sh, sizeof sh)) break;
         if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && best.sh_type != SHT_SYMTAB))
            best = sh;
      }
      if (best.sh_type != SHT_NULL) stopped = visit_table(fd, &best, obj->bias, visit, context);
   }
   VG_(close)(fd);
   return stopped;
}

void ma_symbols_each_function(FunctionVisitor visit, void* context)
{
   XArray* objects = VG_(newXA)(VG_(malloc), "ma.symbols", VG_(free), sizeof(LoadedObject));
   for (const DebugInfo* di = VG_(next_DebugInfo)(NULL); di; di = VG_(next_DebugInfo)(di)) {
      const HChar* file = VG_(DebugInfo_get_filename)(di);
      if (!file || file[0] != '/') continue;
      LoadedObject obj = { VG_(strdup)("ma.symbols.file", file), VG_(DebugInfo_get_text_bias)(di) };
      VG_(addToXA)(objects, &obj);
   }
   Bool stopped = False;
   for (Word i = 0; i < VG_(sizeXA)(objects); i++) {
      LoadedObject* obj = VG_(indexXA)(objects, i);
      if (!stopped) stopped = visit_object(obj, visit, context);
      VG_(free)(obj->file);
   }
   VG_(deleteXA)(objects);
}
