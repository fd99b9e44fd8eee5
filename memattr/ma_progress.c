/*--------------------------------------------------------------------*/
/*--- memattr: progress lines during a long run.     ma_progress.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_progress.h.  A line looks like

     ==123== memattr: progress: 12.0 s, 3,456 Minstr; live heap 1,234,567 bytes
             in 12,345 blocks; peak so far 2,345,678 bytes; 3 snapshots taken

   (one line).  When to print is decided on a coarse event the core
   already has: the moment a thread starts running client code again,
   after each timeslice (100,000 superblocks by default) or system call.
   Nothing is added to the translated code or to the allocation path. */

#include "pub_tool_basics.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_options.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"

#include "ma_clock.h"
#include "ma_heap.h"
#include "ma_progress.h"
#include "ma_snapshot.h"

/* --progress: PROGRESS_AUTO until the log's destination is known, then
   0 (off) or the seconds between lines. */
#define PROGRESS_AUTO       (-1)
#define PROGRESS_DEFAULT_S  5      /* --progress=yes, and a terminal's */
static Long clo_progress = PROGRESS_AUTO;

Bool ma_progress_process_option(const HChar* arg)
{
   if VG_XACT_CLO(arg, "--progress=no",   clo_progress, 0) {}
   else if VG_XACT_CLO(arg, "--progress=yes",  clo_progress, PROGRESS_DEFAULT_S) {}
   else if VG_XACT_CLO(arg, "--progress=auto", clo_progress, PROGRESS_AUTO) {}
   else if VG_BINT_CLO(arg, "--progress", clo_progress, 1, 3600) {}
   else return False;
   return True;
}

void ma_progress_print_usage(void)
{
   VG_(printf)(
"    --progress=no|yes|auto|<s>  while the program runs, print a line every\n"
"                                <s> seconds (yes: %d) with the time and\n"
"                                instructions so far, live heap, peak so far\n"
"                                and snapshots taken [auto: every %d s when\n"
"                                Valgrind's log is a terminal, unless -q].\n"
"                                Valgrind's --progress-interval=<s> adds the\n"
"                                core's own PROGRESS lines\n",
      PROGRESS_DEFAULT_S, PROGRESS_DEFAULT_S);
}

/*------------------------------------------------------------*/
/*--- Is the log a terminal?                               ---*/
/*------------------------------------------------------------*/

/* Where Valgrind's log goes (--log-fd, --log-file, --log-socket) is a
   core global that the tool headers do not declare (ma_main.c reads two
   other such globals).  Its first field is the file descriptor in every
   Valgrind version since 3.0; only that field is declared and read. */
typedef struct { Int fd; } LogSinkFd;
extern LogSinkFd VG_(log_output_sink);

/* The tool API has no isatty (no ioctl), but fstat tells a character
   device's major number, and Linux gives terminals fixed ones
   (Documentation/admin-guide/devices.txt): 4 virtual consoles and
   serial lines, 5 /dev/tty and /dev/console, 136-143 pseudo-terminals
   (ssh, tmux, terminal emulators).  /dev/null (1) and pipes are not. */
static Bool is_terminal_major(ULong major)
{
   return major == 4 || major == 5 || (major >= 136 && major <= 143);
}

static Bool fd_is_terminal(Int fd)
{
   struct vg_stat st;
   if (fd < 0 || VG_(fstat)(fd, &st) != 0) return False;
   if (!VKI_S_ISCHR(st.mode)) return False;
   ULong major = (st.rdev >> 8) & 0xfff;   /* the kernel's encoding of a dev_t */
   return is_terminal_major(major);
}

/*------------------------------------------------------------*/
/*--- The lines                                            ---*/
/*------------------------------------------------------------*/

static UInt  interval_ms;          /* between two lines */
static UInt  next_line_ms;         /* the timer's value when the next is due */
/* The timer is a system call; it is read once per this many
   superblocks run (a timeslice's worth), not at every system call of
   a program that makes many. */
#define BLOCKS_BETWEEN_CLOCK_READS 100000ULL
static ULong next_clock_read_blocks;

static void print_progress_line(UInt now_ms)
{
   VG_(umsg)("memattr: progress: %u.%u s, %'llu Minstr; live heap %'llu bytes "
             "in %'llu blocks; peak so far %'llu bytes; %'llu snapshots taken\n",
             now_ms / 1000, (now_ms % 1000) / 100, ma_instrs / 1000000,
             ma_heap.curr_bytes, ma_heap.curr_blocks, ma_heap.peak_bytes,
             ma_snapshot_cost.taken);
}

/* The core calls this each time a thread goes back to running client
   code; 'blocks' is the number of superblocks run so far. */
static void at_client_code(ThreadId tid, ULong blocks)
{
   if (blocks < next_clock_read_blocks) return;
   next_clock_read_blocks = blocks + BLOCKS_BETWEEN_CLOCK_READS;
   UInt now = VG_(read_millisecond_timer)();
   if (now < next_line_ms) return;
   print_progress_line(now);
   next_line_ms = now + interval_ms;
}

void ma_progress_start(void)
{
   if (clo_progress == PROGRESS_AUTO)
      clo_progress = VG_(clo_verbosity) > 0 && fd_is_terminal(VG_(log_output_sink).fd)
                     ? PROGRESS_DEFAULT_S : 0;
   if (clo_progress == 0) return;
   interval_ms  = (UInt)clo_progress * 1000;
   next_line_ms = VG_(read_millisecond_timer)() + interval_ms;
   VG_(track_start_client_code)(at_client_code);
}
