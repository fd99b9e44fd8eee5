/*--------------------------------------------------------------------*/
/*--- memattr: what an execve is about to do.            ma_exec.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_exec.h.  The core's own decisions (VG_(pre_exec_check),
   VG_(should_we_trace_this_child)) are not part of the tool API, so the
   same questions are answered here from the file's status and from the
   core's command line as the tool can read it (VG_(args_for_valgrind):
   rc files, $VALGRIND_OPTS, then the command line, the last setting of
   an option winning, as in the core). */

#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_seqmatch.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"
#include "pub_tool_xarray.h"

#include "ma_exec.h"
#include "ma_names.h"

/* A word of client memory, or 0 if it is not readable. */
static Addr client_word(Addr a)
{
   return VG_(am_is_valid_for_client)(a, sizeof(Addr), VKI_PROT_READ) ? *(const Addr*)a : 0;
}

void ma_exec_call(ExecCall* call, UInt syscallno, const UWord* args)
{
   Bool at = syscallno == __NR_execveat;
   Bool whole = ma_copy_client_string(at ? args[1] : args[0], call->path, sizeof call->path);
   call->path_known = whole && (!at || call->path[0] == '/');
   call->argv = at ? args[2] : args[1];
}

/* Execute permission as the kernel grants it to the effective user: the
   owner's bit for the owner, else the group's or the others' (the tool
   cannot read the supplementary groups, so the group's bit is taken to
   apply: a trace written for an exec that fails is written again at
   exit, one missing for one that runs would be lost). */
static Bool executable_by_us(const struct vg_stat* st)
{
   UInt mode = st->mode;
   Int euid = VG_(geteuid)();
   if (euid == 0) return (mode & 0111) != 0;
   if ((UInt)euid == st->uid) return (mode & VKI_S_IXUSR) != 0;
   return (mode & (VKI_S_IXGRP | VKI_S_IXOTH)) != 0;
}

Bool ma_exec_may_run(const ExecCall* call)
{
   if (!call->path_known) return True;   /* cannot be looked at from here */
   struct vg_stat st;
   SysRes sr = VG_(stat)(call->path, &st);
   return !sr_isError(sr) && VKI_S_ISREG(st.mode) && executable_by_us(&st);
}

/* The value of the last "--NAME=VALUE" given to the core, or NULL. */
static const HChar* core_option(const HChar* name)
{
   SizeT n = VG_(strlen)(name);
   const HChar* value = NULL;
   for (Word i = 0; i < VG_(sizeXA)(VG_(args_for_valgrind)); i++) {
      const HChar* arg = *(HChar**)VG_(indexXA)(VG_(args_for_valgrind), i);
      if (VG_(strncmp)(arg, name, n) == 0 && arg[n] == '=') value = arg + n + 1;
   }
   return value;
}

/* Whether a comma-separated list of patterns has one matching 'text'. */
static Bool any_pattern_matches(const HChar* patterns, const HChar* text)
{
   if (!patterns) return False;
   HChar* list = VG_(strdup)("ma.exec.patterns", patterns);
   HChar* save = NULL;
   Bool found = False;
   for (HChar* p = VG_(strtok_r)(list, ",", &save); p && !found;
        p = VG_(strtok_r)(NULL, ",", &save))
      found = VG_(string_match)(p, text);
   VG_(free)(list);
   return found;
}

/* Whether --trace-children-skip-by-arg matches one of argv[1..]. */
static Bool skipped_by_arg(Addr argv)
{
   const HChar* patterns = core_option("--trace-children-skip-by-arg");
   if (!patterns || !argv) return False;
   for (Addr slot = argv + sizeof(Addr); ; slot += sizeof(Addr)) {
      Addr arg = client_word(slot);
      if (!arg) return False;
      HChar text[VKI_PATH_MAX];
      ma_copy_client_string(arg, text, sizeof text);
      if (any_pattern_matches(patterns, text)) return True;
   }
}

Bool ma_exec_is_traced(const ExecCall* call)
{
   const HChar* trace_children = core_option("--trace-children");
   if (!trace_children || VG_(strcmp)(trace_children, "yes") != 0) return False;
   return !any_pattern_matches(core_option("--trace-children-skip"), call->path)
          && !skipped_by_arg(call->argv);
}
