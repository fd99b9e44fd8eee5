/*--------------------------------------------------------------------*/
/*--- memattr: progress lines during a long run.     ma_progress.h ---*/
/*--------------------------------------------------------------------*/

/* ma_progress.c owns the progress lines the tool prints while the
   program runs, so that a user watching a long run sees it is alive:
   the --progress option, whether Valgrind's log is a terminal, and
   when the next line is due.  It only reads the figures of ma_heap and
   ma_snapshot; it changes nothing, and the trace does not depend on
   it.  Valgrind's own --progress-interval=N (the core's "PROGRESS:"
   lines: blocks run, translations) works beside it. */

#ifndef MA_PROGRESS_H
#define MA_PROGRESS_H

#include "pub_tool_basics.h"

/* Parses --progress=no|yes|auto|<seconds>; False if 'arg' is not one
   of its forms. */
Bool ma_progress_process_option(const HChar* arg);

/* The option's lines of --help. */
void ma_progress_print_usage(void);

/* After the options are known (the log's destination is set by then):
   decides whether lines are printed and, if so, starts watching the
   clock.  Nothing is registered when they are off, so they then cost
   nothing. */
void ma_progress_start(void);

#endif
