/*--------------------------------------------------------------------*/
/*--- memattr: names kept for the whole run.             ma_names.h ---*/
/*--------------------------------------------------------------------*/

/* ma_names.c owns strings the tool keeps until the trace is written:
   phase names, mark labels and snapshot names from the client, symbol
   and file names of roots.  Each distinct string is stored once, so
   equal names are equal pointers, and debug-info strings (which the
   next lookup overwrites) become persistent. */

#ifndef MA_NAMES_H
#define MA_NAMES_H

#include "pub_tool_basics.h"

void ma_names_init(void);

/* The stored copy of text ("" for NULL). */
const HChar* ma_intern(const HChar* text);

/* The stored copy of the C string at client address a: at most 127
   bytes, cut where the client's memory stops being readable ("" for a
   NULL or unreadable address), so a bad pointer from the program
   cannot crash the tool. */
const HChar* ma_intern_client_string(Addr a);

/* The C string at client address a into buf (always terminated);
   whether it was whole: False if it is longer than size - 1 bytes or
   the client's memory stops being readable first. */
Bool ma_copy_client_string(Addr a, HChar* buf, SizeT size);

#endif
