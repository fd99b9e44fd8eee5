/*--------------------------------------------------------------------*/
/*--- memattr: the frames of a release.          ma_release_chain.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_release_chain.h.  A frame is the release's when its code is a
   preload object's (vgpreload_*.so: the tool's free and operator
   delete, or its --malloc=wrap wrappers) or when its function, by its
   demangled name, is deallocation code of a runtime library:
   - C: free and glibc's internal names for it;
   - C++: the global operator delete, and in namespace std or __gnu_cxx
     the destructors and the functions that destroy or deallocate
     (allocator deallocate, _M_deallocate*, _M_erase*, _M_drop_node,
     _M_put_node, _M_destroy*, _M_dispose, _M_release, _Destroy, clear,
     erase, reset, pop_back, default_delete's operator()...);
   - Rust: __rust_dealloc and its aliases, and the standard library's
     functions that drop or deallocate (alloc::alloc::dealloc, the
     Allocator's deallocate, drop glue core::ptr::drop_in_place, its
     Drop implementations, Arc's drop_slow).
   The first frame that is none of these (the program's own function,
   including its own destructors and its own wrapper of free, or
   library code that is not a release, such as a vector growing) ends
   the chain: words there are what the program held at its call. */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_vki.h"

#include "ma_release_chain.h"

Bool ma_release_chain_preload_code(Addr ip)
{
   DebugInfo* di = VG_(find_DebugInfo)(VG_(current_DiEpoch)(), ip);
   const HChar* file = di ? VG_(DebugInfo_get_filename)(di) : NULL;
   return file != NULL && VG_(strstr)(file, "/vgpreload_") != NULL;
}

static Bool starts_with(const HChar* s, const HChar* prefix)
{
   return VG_(strncmp)(s, prefix, VG_(strlen)(prefix)) == 0;
}

static Bool one_of(const HChar* s, SizeT len, const HChar* const* words)
{
   for (; *words; words++)
      if (VG_(strlen)(*words) == len && VG_(strncmp)(s, *words, len) == 0) return True;
   return False;
}

/* Whether word occurs in s[0 .. len). */
static Bool contains(const HChar* s, SizeT len, const HChar* word)
{
   SizeT n = VG_(strlen)(word);
   for (SizeT i = 0; i + n <= len; i++)
      if (VG_(strncmp)(s + i, word, n) == 0) return True;
   return False;
}

/* A demangled C++ name cut into its parts: "void std::_Destroy<Foo*>(Foo*, Foo*)"
   has the qualified name "std::_Destroy<Foo*>" (after the return type of a function
   template), whose last component is "_Destroy" (its template arguments left out).
   A Rust path cuts alike: `<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop` ends
   with "drop", `core::ptr::drop_in_place<app::Tree>` with "drop_in_place". */
typedef struct {
   const HChar* qualified;
   const HChar* last;
   SizeT        last_len;
} NameParts;

/* The length of an operator's name at s: "operator()", "operator<<", "operator delete[]"
   (up to its parameter list or template arguments). */
static SizeT operator_length(const HChar* s)
{
   SizeT n = VG_(strlen)("operator");
   if (s[n] == '(' && s[n + 1] == ')') return n + 2;
   if (s[n] == ' ') {                                   /* new, delete, a conversion */
      while (s[n] && s[n] != '(' && s[n] != '<') n++;
      return n;
   }
   while (s[n] && VG_(strchr)("<>=!+-*/%^&|~[],", s[n])) n++;
   return n;
}

static NameParts split_name(const HChar* name)
{
   static const HChar anonymous[] = "(anonymous namespace)";
   NameParts p = { name, name, 0 };
   Int depth = 0;                      /* inside template arguments */
   const HChar* s = name;
   const HChar* last_end = NULL;
   while (*s) {
      if (depth == 0 && s == p.last && starts_with(s, "operator")) {
         s += operator_length(s);
         last_end = s;
         continue;
      }
      if (depth == 0 && starts_with(s, anonymous)) { s += sizeof anonymous - 1; continue; }
      if (*s == '<') { if (depth++ == 0 && !last_end) last_end = s; }
      else if (*s == '>') depth--;
      else if (depth == 0 && *s == '(') break;                          /* the parameters */
      else if (depth == 0 && *s == ' ') { p.qualified = p.last = s + 1; last_end = NULL; }
      else if (depth == 0 && s[0] == ':' && s[1] == ':') { p.last = s + 2; last_end = NULL; s++; }
      s++;
   }
   p.last_len = (last_end ? last_end : s) - p.last;
   return p;
}

/* C's free by the names glibc gives it (a statically linked program's, or the real one
   --malloc=wrap calls). */
static const HChar* const c_release[] = { "free", "cfree", "__libc_free", "__free",
                                          "_int_free", NULL };

/* The last components of std:: and __gnu_cxx:: functions that destroy or deallocate
   (libstdc++'s containers, allocators, smart pointers and strings), and the prefixes
   of the families of libstdc++'s internal ones. */
static const HChar* const cxx_release[] = {
   "deallocate", "destroy", "destroy_at", "_Destroy", "__destroy", "_Destroy_n",
   "_M_drop_node", "_M_put_node", "_M_dispose", "_M_release", "_M_clear", "_M_reset",
   "clear", "erase", "reset", "pop_back", "pop_front", NULL };
static const HChar* const cxx_release_prefixes[] = {
   "~", "_M_deallocate", "_M_destroy", "_M_erase", NULL };

static Bool cxx_release_function(const HChar* name)
{
   NameParts p = split_name(name);
   if (starts_with(p.last, "operator delete")) return True;
   if (!starts_with(p.qualified, "std::") && !starts_with(p.qualified, "__gnu_cxx::"))
      return False;
   if (starts_with(p.qualified, "std::default_delete<")) return True;
   if (one_of(p.last, p.last_len, cxx_release)) return True;
   for (const HChar* const* prefix = cxx_release_prefixes; *prefix; prefix++)
      if (starts_with(p.last, *prefix)) return True;
   return False;
}

/* Whether a Rust path is in the standard library's crates (or
   hashbrown, std's HashMap), as a path or a qualified type
   ("<alloc::vec::Vec<T> as ...>"), with or without the crate
   disambiguator some demanglings print ("alloc[1a2b3c4d]::"). */
static Bool rust_std_path(const HChar* name)
{
   static const HChar* const crates[] = { "alloc", "core", "std", "hashbrown", NULL };
   if (*name == '<') name++;
   for (const HChar* const* crate = crates; *crate; crate++) {
      SizeT n = VG_(strlen)(*crate);
      if (VG_(strncmp)(name, *crate, n) == 0 && (name[n] == '[' || starts_with(name + n, "::")))
         return True;
   }
   return False;
}

/* Rust's: the global allocator's entry points (with the `__rustc::`
   prefix of newer compilers), and the standard library's functions
   that drop or deallocate: drop glue (core::ptr::drop_in_place, also
   of the program's types: generated code that calls the program's own
   Drop impl, which ends the chain), its Drop impls, Arc's drop_slow,
   a BTreeMap's deallocating walk. */
static Bool rust_release_function(const HChar* name)
{
   if (starts_with(name, "__rustc::")) name += VG_(strlen)("__rustc::");
   if (starts_with(name, "__rust_dealloc") || starts_with(name, "__rdl_dealloc")
       || starts_with(name, "__rg_dealloc"))
      return True;
   if (!rust_std_path(name)) return False;
   NameParts p = split_name(name);   /* "drop" in `<Vec<T> as Drop>::drop`, not in T */
   return contains(p.last, p.last_len, "dealloc") || contains(p.last, p.last_len, "drop")
          || contains(p.last, p.last_len, "dying_next");
}

/* Whether the function named 'name' (demangled) is deallocation code
   of the C or C++ runtime or of Rust's standard library. */
static Bool release_function(const HChar* name)
{
   if (one_of(name, VG_(strlen)(name), c_release)) return True;
   return cxx_release_function(name) || rust_release_function(name);
}

static Bool in_release_chain(Addr ip)
{
   if (ma_release_chain_preload_code(ip)) return True;
   const HChar* name = NULL;
   return VG_(get_fnname)(VG_(current_DiEpoch)(), ip, &name) && release_function(name);
}

UInt ma_release_chain_frames(const Addr* ips, UInt n)
{
   UInt k = 0;
   while (k < n && in_release_chain(ips[k])) k++;
   return k < n ? k : 0;
}

/*------------------------------------------------------------*/
/*--- Callee-saved registers as at the program's call     ---*/
/*------------------------------------------------------------*/

/* amd64's integer registers in the instruction encoding's order (push
   0x50 + n, or 0x41 0x50 + n - 8), as VG_(apply_to_GP_regs) names them. */
static const HChar* const register_names[16] = {
   "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

/* The System V AMD64 ABI's callee-saved registers (rsp aside: it points
   at the stack, never into a block). */
static Bool callee_saved(Int reg)
{
   return reg == 3 || reg == 5 || (reg >= 12 && reg <= 15);
}

static Int register_number(const HChar* name)
{
   for (Int r = 0; r < 16; r++)
      if (VG_(strcmp)(name, register_names[r]) == 0) return r;
   return -1;
}

/* The entry address of the function holding ip, from its symbol and
   the offset VG_(get_fnname_w_offset) appends ("name+123"); 0 if none. */
static Addr function_entry(Addr ip)
{
   const HChar* name = NULL;
   if (!VG_(get_fnname_w_offset)(VG_(current_DiEpoch)(), ip, &name)) return 0;
   const HChar* plus = VG_(strrchr)(name, '+');
   if (!plus) return ip;   /* no offset: ip is the entry */
   Long offset = VG_(strtoll10)(plus + 1, NULL);
   return offset > 0 && (Addr)offset <= ip ? ip - (Addr)offset : 0;
}

/* The registers a function's prologue pushes, in order, into pushed[]
   (the first lies at CFA - 16, under the return address, the next 8
   below...); returns how many, or -1 when its code is unknown.  The
   prologue read is the shape compilers emit: an optional endbr64, then
   pushes, with moves between registers (the frame pointer's "mov
   %rsp,%rbp", an argument kept in a register just pushed) among them,
   up to the first other instruction.  A register saved by a mov to the
   stack instead is not seen (rare in functions that call). */
static Int prologue_pushes(Addr entry, Int* pushed, Int max)
{
   if (entry == 0 || !VG_(am_is_valid_for_client)(entry, 64, VKI_PROT_READ)) return -1;
   const UChar* p = (const UChar*)entry;
   if (p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa) p += 4;   /* endbr64 */
   Int n = 0;
   for (Int insn = 0; insn < 16 && n < max; insn++) {
      if (p[0] >= 0x50 && p[0] <= 0x57) {                       /* push rax..rdi */
         pushed[n++] = p[0] - 0x50;
         p += 1;
      } else if (p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57) { /* push r8..r15 */
         pushed[n++] = 8 + p[1] - 0x50;
         p += 2;
      } else if ((p[0] & 0xf0) == 0x40 && (p[0] & 0x08) && p[1] == 0x89
                 && (p[2] & 0xc0) == 0xc0) {                     /* mov reg, reg */
         p += 3;
      } else {
         break;
      }
   }
   return n;
}

void ma_release_chain_registers(const Addr* ips, const Addr* sps, UInt chain,
                                ChainRegisters* out)
{
   VG_(memset)(out, 0, sizeof *out);
   /* The outermost chain function to push a register saved the
      program's value; one deeper saved a chain function's. */
   for (Int i = (Int)chain - 1; i >= 0; i--) {
      Int pushed[16];
      Int n = prologue_pushes(function_entry(ips[i]), pushed, 16);
      if (n < 0) { out->unknown = True; return; }
      Addr cfa = sps[i + 1];
      for (Int k = 0; k < n; k++) {
         Int r = pushed[k];
         if (out->saved[r] || !callee_saved(r)) continue;
         Addr slot = cfa - 16 - 8 * (Addr)k;
         if (!VG_(am_is_valid_for_client)(slot, sizeof(UWord), VKI_PROT_READ)) {
            out->unknown = True;
            return;
         }
         out->saved[r] = True;
         out->value[r] = *(const UWord*)slot;
      }
   }
}

Bool ma_release_chain_register_at_call(const ChainRegisters* regs, const HChar* name,
                                       UWord* value)
{
   Int r = register_number(name);
   if (r < 0 || !callee_saved(r)) return False;   /* dead across the call */
   if (regs->saved[r]) { *value = regs->value[r]; return True; }
   return !regs->unknown;   /* not pushed by the chain: unchanged since the call */
}
