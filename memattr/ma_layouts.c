/*--------------------------------------------------------------------*/
/*--- memattr: Memcheck's leak heuristics' layouts.   ma_layouts.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_layouts.h.  The rules are those of Memcheck 3.19's leak check
   (mc_leakcheck.c, heuristic_reachedness), written here from their
   description in ../shared/reference/valgrind-round2-notes.md, 2.
   Memcheck also requires the words read to be defined; memattr has no
   definedness, and a block the program never wrote is not asked about
   (ma_snap_blocks.c reads no pointers out of it). */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcsetjmp.h"
#include "pub_tool_libcsignal.h"
#include "pub_tool_signals.h"
#include "pub_tool_vki.h"

#include "memattr_trace_schema.h"
#include "ma_layouts.h"

#define WORD sizeof(UWord)

/* How many words of a vtable are looked at, and how many of them must
   point at code, for a word to be taken for a vtable pointer. */
#define VTABLE_WORDS     20
#define VTABLE_MIN_CODE  2

static UWord word_at(Addr data, SizeT offset)
{
   return *(const UWord*)(data + offset);
}

static Bool is_stdstring(Addr data, SizeT size, SizeT offset)
{
   if (offset != 3 * WORD || size < 3 * WORD) return False;
   UWord capacity = word_at(data, WORD);
   return 3 * WORD + capacity + 1 == size && word_at(data, 0) <= capacity;
}

static Bool is_length64(Addr data, SizeT size, SizeT offset)
{
   if (offset != WORD || size < WORD) return False;
   UWord length = word_at(data, 0);
   return length > 0 && length == size - WORD;
}

static Bool is_newarray(Addr data, SizeT size, SizeT offset)
{
   if (offset != WORD || size < WORD) return False;
   UWord count = word_at(data, 0);
   return count > 0 && (size - WORD) % count == 0;
}

/* A word that may be a vtable's address: aligned and above page 0 (no
   vtable lies there; small integers are thus dismissed cheaply). */
static Bool may_be_vtable(UWord w)
{
   return VG_IS_WORD_ALIGNED(w) && w >= VKI_PAGE_SIZE;
}

/* Whether 'a' points at a vtable: it lies in a readable file mapping,
   and among its first VTABLE_WORDS words (clipped to the mapping) the
   non-null ones point into file mappings holding translated code, at
   least VTABLE_MIN_CODE of them. */
static Bool points_at_vtable(Addr a)
{
   const NSegment* seg = VG_(am_find_nsegment)(a);
   if (!seg || seg->kind != SkFileC || !seg->hasR) return False;
   Addr last = a + VTABLE_WORDS * WORD;
   if (last > seg->end - WORD) last = seg->end - WORD;
   UInt code_pointers = 0;
   for (Addr w = a; w <= last; w += WORD) {
      UWord fn = *(const UWord*)w;
      if (fn == 0) continue;
      const NSegment* code = VG_(am_find_nsegment)(fn);
      if (!code || code->kind != SkFileC || !code->hasT) return False;
      if (++code_pointers == VTABLE_MIN_CODE) return True;
   }
   return False;
}

static Bool is_multiple_inheritance(Addr data, SizeT size, SizeT offset)
{
   if (offset % WORD != 0 || offset + WORD > size) return False;
   UWord inner = word_at(data, offset), first = word_at(data, 0);
   return may_be_vtable(inner) && may_be_vtable(first)
          && points_at_vtable(inner) && points_at_vtable(first);
}

/* A vtable candidate is read outside the heap, in a file mapping that
   may end before its file does: a fault there means "no match". */
static VG_MINIMAL_JMP_BUF(fault_jmpbuf);

static void on_fault(Int sig, Addr addr)
{
   if (sig == VKI_SIGSEGV || sig == VKI_SIGBUS) VG_MINIMAL_LONGJMP(fault_jmpbuf);
}

UInt ma_layouts_matching(Addr data, SizeT size, SizeT offset)
{
   UInt matches = 0;
   if (is_stdstring(data, size, offset)) matches |= MA_LEAK_HEURISTIC_STDSTRING;
   if (is_length64(data, size, offset))  matches |= MA_LEAK_HEURISTIC_LENGTH64;
   if (is_newarray(data, size, offset))  matches |= MA_LEAK_HEURISTIC_NEWARRAY;
   vki_sigset_t mask;
   VG_(sigprocmask)(VKI_SIG_SETMASK, NULL, &mask);
   fault_catcher_t previous = VG_(set_fault_catcher)(on_fault);
   if (VG_MINIMAL_SETJMP(fault_jmpbuf) == 0) {
      if (is_multiple_inheritance(data, size, offset))
         matches |= MA_LEAK_HEURISTIC_MULTIPLEINHERITANCE;
   } else {
      VG_(sigprocmask)(VKI_SIG_SETMASK, &mask, NULL);   /* unblock the signal */
   }
   VG_(set_fault_catcher)(previous);
   return matches;
}
