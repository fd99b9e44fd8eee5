/*--------------------------------------------------------------------*/
/*--- memattr: names kept for the whole run.             ma_names.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_names.h.  A WordFM ordered by string contents holds the
   copies; they are never freed (names are few, and traces may be
   written more than once: before an exec and at exit). */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_vki.h"
#include "pub_tool_wordfm.h"

#include "ma_names.h"

static WordFM* names;

static Word compare_strings(UWord a, UWord b)
{
   return VG_(strcmp)((const HChar*)a, (const HChar*)b);
}

void ma_names_init(void)
{
   names = VG_(newFM)(VG_(malloc), "ma.names", VG_(free), compare_strings);
}

const HChar* ma_intern(const HChar* text)
{
   UWord key, value;
   if (!text) return "";
   if (VG_(lookupFM)(names, &key, &value, (UWord)text)) return (const HChar*)key;
   HChar* copy = VG_(strdup)("ma.names", text);
   VG_(addToFM)(names, (UWord)copy, 0);
   return copy;
}

Bool ma_copy_client_string(Addr a, HChar* buf, SizeT size)
{
   SizeT n = 0;
   for (; a && n + 1 < size; n++) {
      if (!VG_(am_is_valid_for_client)(a + n, 1, VKI_PROT_READ)) break;
      buf[n] = *(const HChar*)(a + n);
      if (buf[n] == 0) return True;
   }
   buf[n] = 0;
   return False;
}

const HChar* ma_intern_client_string(Addr a)
{
   HChar text[128];
   ma_copy_client_string(a, text, sizeof text);
   return ma_intern(text);
}
