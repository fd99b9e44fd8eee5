/*--------------------------------------------------------------------*/
/*--- memattr: writing the trace.                      ma_trace.c ---*/
/*--------------------------------------------------------------------*/

/* See ma_trace.h; the format is docs/trace-format.md.  Every record is
   a tag and TAB-separated key=value fields, values escaped, closed by
   an 'end' record that counts the records, so memattr-graph can tell
   a complete trace from one cut short. */

#include "pub_tool_basics.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_execontext.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_vki.h"
#include "pub_tool_wordfm.h"
#include "pub_tool_xarray.h"

#include "ma_access.h"
#include "ma_blocks.h"
#include "ma_heap.h"
#include "ma_lineage.h"
#include "ma_pages.h"
#include "ma_phase.h"
#include "ma_regions.h"
#include "ma_snapshot.h"
#include "ma_timeline.h"
#include "ma_trace.h"

/*------------------------------------------------------------*/
/*--- A checked, buffered writer                           ---*/
/*------------------------------------------------------------*/

/* VG_(fprintf) drops write errors silently; a trace cut short by a
   full disk must not be published as complete, so writes are checked
   here and any failure abandons the file. */
typedef struct {
   Int   fd;
   Bool  failed;
   UInt  used;
   ULong records;
   HChar buf[1 << 16];
} Writer;

static void flush(Writer* w)
{
   UInt done = 0;
   while (!w->failed && done < w->used) {
      Int n = VG_(write)(w->fd, w->buf + done, w->used - done);
      if (n <= 0) w->failed = True;
      else done += n;
   }
   w->used = 0;
}

static void put_bytes(Writer* w, const HChar* s, SizeT len)
{
   for (SizeT i = 0; i < len; i++) {
      if (w->used == sizeof w->buf) flush(w);
      w->buf[w->used++] = s[i];
   }
}

static void put_str(Writer* w, const HChar* s)
{
   put_bytes(w, s, VG_(strlen)(s));
}

/* Escape per docs/trace-format.md: backslash, TAB, newline, CR and
   other control bytes.  Symbol and file names are data. */
static void put_escaped(Writer* w, const HChar* s)
{
   static const HChar hex[] = "0123456789abcdef";
   for (; *s; s++) {
      UChar c = (UChar)*s;
      HChar esc[4] = { '\\', 0, 0, 0 };
      SizeT n = 2;
      if      (c == '\\') esc[1] = '\\';
      else if (c == '\t') esc[1] = 't';
      else if (c == '\n') esc[1] = 'n';
      else if (c == '\r') esc[1] = 'r';
      else if (c < 0x20) { esc[1] = 'x'; esc[2] = hex[c >> 4]; esc[3] = hex[c & 15]; n = 4; }
      else { put_bytes(w, s, 1); continue; }
      put_bytes(w, esc, n);
   }
}

static void begin_record(Writer* w, const HChar* tag)
{
   put_str(w, tag);
}

/* A field starts with TAB, its key and '='. */
static void put_key(Writer* w, const HChar* key)
{
   put_str(w, "\t");
   put_str(w, key);
   put_str(w, "=");
}

static void field_s(Writer* w, const HChar* key, const HChar* value)
{
   put_key(w, key);
   put_escaped(w, value);
}

/* Numbers are formatted here rather than by VG_(sprintf): a snapshot
   writes millions of them. */
static void put_u(Writer* w, ULong value)
{
   HChar digits[20];
   Int n = 0;
   do { digits[n++] = (HChar)('0' + value % 10); value /= 10; } while (value);
   HChar out[20];
   for (Int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
   put_bytes(w, out, n);
}

/* 'width' digits, zero-padded; 0 = as many as needed. */
static void put_hex(Writer* w, ULong value, Int width)
{
   static const HChar hex[] = "0123456789abcdef";
   HChar out[16];
   Int n = 16;
   while (n > 0 && (value >> ((16 - n) * 4)) != 0) n--;   /* n leading zero digits */
   Int start = width ? 16 - width : (n == 16 ? 15 : n);
   for (Int i = 0; i < 16; i++) out[i] = hex[(value >> ((15 - i) * 4)) & 15];
   put_bytes(w, out + start, 16 - start);
}

static void field_u(Writer* w, const HChar* key, ULong value)
{
   put_key(w, key);
   put_u(w, value);
}

static void field_x(Writer* w, const HChar* key, Addr value)
{
   put_key(w, key);
   put_str(w, "0x");
   put_hex(w, value, 0);
}

static void end_record(Writer* w)
{
   put_str(w, "\n");
   w->records++;
}

/*------------------------------------------------------------*/
/*--- Header                                               ---*/
/*------------------------------------------------------------*/

static void write_definition(Writer* w, const HChar* name, const HChar* text)
{
   begin_record(w, "definition");
   field_s(w, "name", name);
   field_s(w, "text", text);
   end_record(w);
}

static void write_header(Writer* w, const TraceRequest* req)
{
   begin_record(w, "memattr-trace");
   field_u(w, "version", MA_TRACE_VERSION);
   end_record(w);

   begin_record(w, "tool");
   field_s(w, "name", "memattr");
   field_s(w, "version", MEMATTR_VERSION);
   end_record(w);

   /* The command line, arguments joined by single spaces. */
   XArray* args = VG_(newXA)(VG_(malloc), "ma.args", VG_(free), 1);
   for (Word i = 0; i < VG_(sizeXA)(VG_(args_for_client)); i++) {
      const HChar* arg = *(HChar**)VG_(indexXA)(VG_(args_for_client), i);
      if (i > 0) VG_(addBytesToXA)(args, " ", 1);
      VG_(addBytesToXA)(args, arg, VG_(strlen)(arg));
   }
   VG_(addBytesToXA)(args, "", 1);
   begin_record(w, "cmd");
   field_s(w, "exe", VG_(args_the_exename));
   field_s(w, "args", VG_(indexXA)(args, 0));
   end_record(w);
   VG_(deleteXA)(args);

   begin_record(w, "process");
   field_u(w, "pid", VG_(getpid)());
   field_u(w, "ppid", VG_(getppid)());
   field_u(w, "fork-of", req->fork_of);
   end_record(w);

   begin_record(w, "run");
   field_s(w, "malloc-mode", ma_malloc_wrapped ? "wrap" : "replace");
   field_s(w, "time-unit", "instr");
   field_u(w, "alignment", VG_(clo_alignment));
   field_u(w, "num-callers", VG_(clo_backtrace_size));
   field_s(w, "access", ma_track_access ? "yes" : "no");
   field_s(w, "snapshots", ma_snapshots_on ? "yes" : "no");
   field_u(w, "snapshot-growth", (ULong)ma_snapshot_growth_pct);
   field_u(w, "snapshot-min", (ULong)ma_snapshot_min_bytes);
   field_u(w, "snapshot-budget", (ULong)ma_snapshot_budget);
   field_s(w, "pages", ma_track_pages ? "yes" : "no");
   end_record(w);

   write_definition(w, "temporary", MA_TEMPORARY_DEFINITION);
   if (ma_track_access) {
      write_definition(w, "use", MA_USE_DEFINITION);
      write_definition(w, "prompt-free", MA_PROMPT_FREE_DEFINITION);
   }
}

/*------------------------------------------------------------*/
/*--- Frames and stacks                                    ---*/
/*------------------------------------------------------------*/

/* Stacks share most of their addresses, and describing an address
   (symbol lookup, demangling) is the expensive part of writing a
   trace, so each address is described once: the frames of one address
   (its inlined levels, innermost first) get consecutive ids, and the
   table maps the address to its first id and count.  Stacks are
   deduplicated by ExeContext.  Both tables live only while a trace is
   being written. */
static WordFM* frames_of_ip;   /* Addr -> first frame id << 8 | frame count */
static WordFM* stack_ids;      /* ExeContext* -> stack id */
static UWord   n_frames, n_stacks;

/* A description from VG_(describe_IP) split into its parts. */
typedef struct {
   const HChar* fn;
   const HChar* dir;    /* "" when the debug info gives none */
   const HChar* file;
   const HChar* line;   /* digits, or "0" */
   const HChar* obj;    /* from the description; may be "" */
} FrameParts;

/* Split "0xADDR: fn (dir/file:line)", "0xADDR: fn (in /obj)" or
   "0xADDR: fn" in place (ma_main.c makes describe_IP print whole
   directories).  Function names may contain " (" themselves
   (e.g. "std::function<void (int)>"), so only a trailing
   parenthesised part that really is a location is taken. */
static void split_description(HChar* desc, FrameParts* parts)
{
   parts->fn = desc; parts->dir = ""; parts->file = ""; parts->line = "0"; parts->obj = "";
   HChar* colon = VG_(strstr)(desc, ": ");
   if (colon) parts->fn = desc = colon + 2;

   SizeT len = VG_(strlen)(desc);
   if (len == 0 || desc[len - 1] != ')') return;
   HChar* open = NULL;
   for (HChar* p = desc; (p = VG_(strstr)(p, " (")); p++) open = p;
   if (!open) return;
   HChar* inner = open + 2;
   desc[len - 1] = 0;
   if (VG_(strncmp)(inner, "in ", 3) == 0) {
      *open = 0;
      parts->obj = inner + 3;
      return;
   }
   HChar* line_sep = VG_(strrchr)(inner, ':');
   Bool digits = line_sep && line_sep[1] != 0;
   for (HChar* d = line_sep ? line_sep + 1 : NULL; digits && *d; d++)
      if (*d < '0' || *d > '9') digits = False;
   if (!digits) { desc[len - 1] = ')'; return; }   /* part of the name */
   *open = 0;
   *line_sep = 0;
   parts->file = inner;
   parts->line = line_sep + 1;
   HChar* dir_sep = VG_(strrchr)(inner, '/');
   if (dir_sep) {
      *dir_sep = 0;
      parts->dir  = dir_sep == inner ? "/" : inner;
      parts->file = dir_sep + 1;
   }
}

typedef struct {
   Writer* w;
   XArray* ids;   /* of UWord: the stack's frame ids, innermost first */
} StackBuilder;

static void write_frame(Writer* w, DiEpoch ep, Addr ip, HChar* desc,
                        Bool inlined)
{
   FrameParts parts;
   split_description(desc, &parts);
   const HChar* obj = parts.obj;
   if (!VG_(get_objname)(ep, ip, &obj)) obj = parts.obj;

   begin_record(w, "frame");
   field_u(w, "id", ++n_frames);
   field_x(w, "ip", ip);
   field_u(w, "inlined", inlined);
   field_s(w, "fn", parts.fn);
   field_s(w, "file", parts.file);
   field_s(w, "dir", parts.dir);
   field_s(w, "line", parts.line);
   field_s(w, "obj", obj);
   end_record(w);
}

/* apply_ExeContext callback: the frames of one IP, described and
   written the first time the IP is seen. */
static void add_ip(UInt n, DiEpoch ep, Addr ip, void* opaque)
{
   StackBuilder* sb = opaque;
   UWord key, packed;
   if (!VG_(lookupFM)(frames_of_ip, &key, &packed, ip)) {
      UWord first = n_frames + 1, count = 0;
      InlIPCursor* iipc = VG_(new_IIPC)(ep, ip);
      Bool more;
      do {
         HChar* desc = VG_(strdup)("ma.desc", VG_(describe_IP)(ep, ip, iipc));
         more = VG_(next_IIPC)(iipc);
         write_frame(sb->w, ep, ip, desc, more /* inlined */);
         VG_(free)(desc);
         count++;
      } while (more && count < 255);
      VG_(delete_IIPC)(iipc);
      packed = first << 8 | count;
      VG_(addToFM)(frames_of_ip, ip, packed);
   }
   for (UWord id = packed >> 8; id < (packed >> 8) + (packed & 0xff); id++)
      VG_(addToXA)(sb->ids, &id);
}

static UWord stack_id(Writer* w, ExeContext* ec)
{
   UWord key, id;
   if (VG_(lookupFM)(stack_ids, &key, &id, (UWord)ec)) return id;

   StackBuilder sb = { w, VG_(newXA)(VG_(malloc), "ma.stack", VG_(free), sizeof(UWord)) };
   VG_(apply_ExeContext)(add_ip, &sb, ec);

   id = ++n_stacks;
   VG_(addToFM)(stack_ids, (UWord)ec, id);
   begin_record(w, "stack");
   field_u(w, "id", id);
   put_key(w, "frames");
   for (Word i = 0; i < VG_(sizeXA)(sb.ids); i++) {
      HChar num[24];
      VG_(sprintf)(num, i ? ",%lu" : "%lu", *(UWord*)VG_(indexXA)(sb.ids, i));
      put_str(w, num);
   }
   end_record(w);
   VG_(deleteXA)(sb.ids);
   return id;
}

/*------------------------------------------------------------*/
/*--- Site ids                                             ---*/
/*------------------------------------------------------------*/

/* Sites are numbered 1.. in the order written; the records after the
   sites (copies, phases, snapshot blocks, region uses) name them by
   number.  The table lives only while a trace is being written. */
typedef struct _SiteId {
   struct _SiteId* next;   /* hash chain (VgHashTable layout) */
   UWord           key;    /* (UWord)site */
   UWord           id;
} SiteId;

static VgHashTable* site_ids;

static void number_site(const Site* s, UWord id)
{
   SiteId* node = VG_(malloc)("ma.site_id", sizeof(SiteId));
   node->key = (UWord)s;
   node->id  = id;
   VG_(HT_add_node)(site_ids, node);
}

static UWord site_id(const Site* s)
{
   const SiteId* node = VG_(HT_lookup)(site_ids, (UWord)s);
   tl_assert(node);   /* every site is written before it is named */
   return node->id;
}

/*------------------------------------------------------------*/
/*--- Sites, threads, peak, totals, timeline               ---*/
/*------------------------------------------------------------*/

static void write_site(Writer* w, const Site* s, UWord id)
{
   UWord stack = stack_id(w, s->ec);
   Lifetimes lifetimes = ma_heap_site_lifetimes(s);
   ULong lt_min = lifetimes.min;
   ULong lt_max = lifetimes.max;

   begin_record(w, "site");
   field_u(w, "id", id);
   field_u(w, "stack", stack);
   field_u(w, "tb", s->total_bytes);    field_u(w, "tbk", s->total_blocks);
   field_u(w, "pb", s->peak_bytes);     field_u(w, "pbk", s->peak_blocks);
   field_u(w, "mb", s->max_bytes);      field_u(w, "mbk", s->max_blocks);
   field_u(w, "eb", s->curr_bytes);     field_u(w, "ebk", s->curr_blocks);
   field_u(w, "fbk", s->freed_blocks);
   field_u(w, "ltmin", lt_min);
   field_u(w, "ltmax", lt_max);
   field_u(w, "ltsum", lifetimes.sum);
   field_u(w, "tmpbk", s->temp_blocks); field_u(w, "tmpb", s->temp_bytes);
   field_u(w, "rbk", s->realloc_blocks);
   static const HChar* const kind_names[] = { "malloc", "custom", "pool" };
   field_s(w, "kind", kind_names[s->kind]);
   const AccessFigures* g = &s->access.gone;
   const AccessFigures* l = &s->access.live;
   field_u(w, "rd",   g->bytes_read + l->bytes_read);
   field_u(w, "wr",   g->bytes_written + l->bytes_written);
   field_u(w, "nrbk", g->never_read_blocks + l->never_read_blocks);
   field_u(w, "nrb",  g->never_read_bytes + l->never_read_bytes);
   field_u(w, "nabk", g->never_accessed_blocks + l->never_accessed_blocks);
   field_u(w, "nab",  g->never_accessed_bytes + l->never_accessed_bytes);
   end_record(w);
}

static void write_copy_group(Writer* w, const CopyGroup* g)
{
   static const HChar* const fate_names[] = { "prompt", "later", "live" };
   UWord stack = stack_id(w, g->copy_ec);
   begin_record(w, "copy");
   field_s(w, "kind", g->kind == COPY_BY_REALLOC ? "realloc" : "copy");
   field_u(w, "stack", stack);
   field_u(w, "from", site_id(g->from));
   field_u(w, "to", site_id(g->to));
   field_u(w, "share", g->share);
   field_u(w, "src-used", g->src_used);
   field_s(w, "src-fate", fate_names[g->fate]);
   field_u(w, "n", g->n);
   field_u(w, "bytes", g->bytes);
   field_u(w, "src-bytes", g->src_bytes);
   field_u(w, "dst-bytes", g->dst_bytes);
   field_u(w, "peak-src-bytes", g->peak_src_bytes);
   field_u(w, "overlap", g->overlap);
   end_record(w);
}

static void write_copy_groups(Writer* w)
{
   UWord n;
   CopyGroup** groups = ma_lineage_groups(&n);
   for (UWord i = 0; i < n; i++) write_copy_group(w, groups[i]);
   ma_lineage_free_groups(groups, n);
}

static void write_access_totals(Writer* w)
{
   const AccessTotals* t = &ma_access_totals;
   begin_record(w, "access");
   field_u(w, "reads", t->bytes_read);
   field_u(w, "writes", t->bytes_written);
   field_u(w, "bulk-copies", t->bulk_copies);
   field_u(w, "bulk-bytes", t->bulk_bytes);
   field_u(w, "inline-copy-bytes", t->inline_copy_bytes);
   field_u(w, "pairs", ma_lineage_pairs);
   field_u(w, "extra-source-bytes", ma_lineage_extra_source_bytes);
   end_record(w);
}

/* Sites, then the copy groups that refer to them (with the copy
   stacks they bring), then the access totals. */
static void write_sites(Writer* w)
{
   ma_heap_measure_live_blocks();
   ma_access_measure_live_blocks();

   UWord id = 0;
   Site* s;
   ma_blocks_sites_reset_iter();
   while ((s = ma_blocks_sites_next())) {
      number_site(s, ++id);
      write_site(w, s, id);
   }
   if (ma_track_access) {
      write_copy_groups(w);
      write_access_totals(w);
   }
}

static void write_threads(Writer* w)
{
   for (UInt n = 1; n <= ma_blocks_n_threads(); n++) {
      const ThreadFigures* t = ma_blocks_thread_by_number(n);
      begin_record(w, "thread");
      field_u(w, "id", n);
      field_u(w, "parent", t->parent);
      field_u(w, "tb", t->total_bytes);  field_u(w, "tbk", t->total_blocks);
      field_u(w, "pb", t->peak_bytes);   field_u(w, "pbk", t->peak_blocks);
      field_u(w, "pt", t->peak_time);
      field_u(w, "eb", t->curr_bytes);   field_u(w, "ebk", t->curr_blocks);
      end_record(w);
   }
}

static void write_summary(Writer* w, const TraceRequest* req)
{
   begin_record(w, "peak");
   field_u(w, "t", ma_heap.peak_time);
   field_u(w, "alloc", ma_heap.peak_alloc);
   field_u(w, "bytes", ma_heap.peak_bytes);
   field_u(w, "blocks", ma_heap.peak_blocks);
   end_record(w);

   begin_record(w, "totals");
   field_u(w, "bytes", ma_heap.total_bytes);
   field_u(w, "blocks", ma_heap.total_blocks);
   field_u(w, "frees", ma_heap.frees);
   field_u(w, "bad-frees", ma_heap.bad_frees);
   end_record(w);

   begin_record(w, "exit");
   field_u(w, "t", ma_instrs);
   field_u(w, "alloc", ma_heap.total_bytes);
   field_u(w, "bytes", ma_heap.curr_bytes);
   field_u(w, "blocks", ma_heap.curr_blocks);
   static const HChar* const reason_names[] = {
      [MA_EXIT_NORMAL] = "exit", [MA_EXIT_SIGNAL] = "signal", [MA_EXIT_EXEC] = "exec" };
   field_s(w, "reason", reason_names[req->reason]);
   field_u(w, "code", (ULong)(UInt)req->exit_code);
   end_record(w);
}

static void write_timeline_point(Writer* w, ULong t, ULong alloc,
                                 ULong bytes, ULong blocks)
{
   begin_record(w, "timeline");
   field_u(w, "t", t);
   field_u(w, "alloc", alloc);
   field_u(w, "bytes", bytes);
   field_u(w, "blocks", blocks);
   end_record(w);
}

/* The sampled points, with the exact peak merged in at its place and
   the final state appended (ma_timeline.h). */
static void write_timeline(Writer* w)
{
   const TimelineSample peak = { ma_heap.peak_time, ma_heap.peak_alloc,
                                 ma_heap.peak_bytes, ma_heap.peak_blocks };
   const TimelineSample now  = { ma_instrs, ma_heap.total_bytes,
                                 ma_heap.curr_bytes, ma_heap.curr_blocks };
   TimelineSample* p;
   UInt n = ma_timeline_points(ma_heap.total_blocks ? &peak : NULL, &now, &p);
   for (UInt i = 0; i < n; i++)
      write_timeline_point(w, p[i].time, p[i].alloc, p[i].bytes, p[i].blocks);
   VG_(free)(p);
}

/*------------------------------------------------------------*/
/*--- Phases and marks                                     ---*/
/*------------------------------------------------------------*/

static void fields_moment(Writer* w, const HChar* prefix, const HeapMoment* m)
{
   static const HChar* const keys[] = { "t", "alloc", "bytes", "blocks" };
   const ULong values[] = { m->time, m->alloc, m->bytes, m->blocks };
   for (UInt i = 0; i < 4; i++) {
      HChar key[32];
      VG_(sprintf)(key, "%s-%s", prefix, keys[i]);
      field_u(w, key, values[i]);
   }
}

static void write_phase(Writer* w, const PhaseInstance* in, const StillLive* live)
{
   static const HChar* const end_names[] = {
      [PHASE_OPEN] = "open", [PHASE_REQUEST] = "request", [PHASE_RETURN] = "return" };
   begin_record(w, "phase");
   field_u(w, "id", in->id);
   field_s(w, "name", in->name);
   field_u(w, "iteration", in->iteration);
   field_u(w, "parent", in->parent);
   field_u(w, "thread", in->thread);
   field_s(w, "by", in->by_function ? "function" : "request");
   field_s(w, "ended", end_names[in->end_kind]);
   fields_moment(w, "begin", &in->begin);
   fields_moment(w, "end", &in->end);
   field_u(w, "ab", in->alloc_bytes);   field_u(w, "abk", in->alloc_blocks);
   field_u(w, "fb", in->freed_bytes);   field_u(w, "fbk", in->freed_blocks);
   field_u(w, "peak", in->peak_bytes);  field_u(w, "peak-t", in->peak_time);
   field_u(w, "xb", live->by_instance[in->id - 1].bytes);
   field_u(w, "xbk", live->by_instance[in->id - 1].blocks);
   end_record(w);

   for (Word i = 0; i < VG_(sizeXA)(in->sites); i++) {
      const PhaseSiteFigures* f = VG_(indexXA)(in->sites, i);
      const LiveFigures* x = ma_phase_still_live_of_site(live, in->id, f->site);
      begin_record(w, "phase-site");
      field_u(w, "phase", in->id);
      field_u(w, "site", site_id(f->site));
      field_u(w, "ab", f->alloc_bytes);   field_u(w, "abk", f->alloc_blocks);
      field_u(w, "fb", f->freed_bytes);   field_u(w, "fbk", f->freed_blocks);
      field_u(w, "live-begin", f->live_begin);
      field_u(w, "live-end", f->live_end);
      field_u(w, "xb", x ? x->bytes : 0);
      field_u(w, "xbk", x ? x->blocks : 0);
      end_record(w);
   }
}

/* Phase instances with their sites, marks, and how many instances were
   not kept. */
static void write_phases(Writer* w)
{
   ma_phase_settle_open();
   StillLive live = ma_phase_measure_still_live();
   for (UInt id = 1; id <= ma_phase_n_instances(); id++)
      write_phase(w, ma_phase_instance(id), &live);
   ma_phase_free_still_live(&live);
   for (UInt i = 0; i < ma_phase_n_marks(); i++) {
      const Mark* m = ma_phase_mark(i);
      begin_record(w, "mark");
      field_u(w, "t", m->at.time);
      field_u(w, "alloc", m->at.alloc);
      field_u(w, "bytes", m->at.bytes);
      field_u(w, "blocks", m->at.blocks);
      field_s(w, "label", m->label);
      end_record(w);
   }
   begin_record(w, "phases");
   field_u(w, "kept", ma_phase_n_instances());
   field_u(w, "dropped", ma_phase_dropped());
   end_record(w);
}

/*------------------------------------------------------------*/
/*--- Snapshots                                            ---*/
/*------------------------------------------------------------*/

static void write_kinds(Writer* w, UInt kinds)
{
   static const struct { UInt bit; const HChar* name; } names[] = {
      { SNAP_PEAK, "peak" }, { SNAP_REQUEST, "request" }, { SNAP_EXIT, "exit" } };
   put_key(w, "kinds");
   Bool first = True;
   for (UInt i = 0; i < sizeof names / sizeof names[0]; i++) {
      if (!(kinds & names[i].bit)) continue;
      if (!first) put_str(w, ",");
      put_str(w, names[i].name);
      first = False;
   }
}

/* Blocks are numbered from 1 in the trace. */
static void write_snap_block(Writer* w, const Snapshot* s, UInt i)
{
   const SnapBlock* b = &s->blocks[i];
   ULong end = i + 1 < s->n_blocks ? s->blocks[i + 1].first_edge : s->n_edges;
   begin_record(w, "block");
   field_u(w, "i", i + 1);
   field_x(w, "addr", b->addr);
   field_u(w, "site", site_id(b->site));
   field_u(w, "size", b->size);
   put_key(w, "hash");
   put_hex(w, b->hash, 16);
   if (end > b->first_edge) {
      put_key(w, "ptrs");
      for (ULong e = b->first_edge; e < end; e++) {
         const SnapEdge* edge = &s->edges[e];
         if (e > b->first_edge) put_str(w, ",");
         put_u(w, edge->offset);
         put_str(w, ":");
         put_u(w, edge->target + 1);
         if (edge->target_offset) {
            put_str(w, "+");
            put_u(w, edge->target_offset);
         }
      }
   }
   end_record(w);
}

static void write_snap_root(Writer* w, const SnapRoot* r)
{
   static const HChar* const kind_names[] = {
      [ROOT_REGISTER] = "register", [ROOT_STACK] = "stack",
      [ROOT_GLOBAL] = "global", [ROOT_MAPPING] = "mapping" };
   UWord frame_stack = r->kind == ROOT_STACK && r->frame ? stack_id(w, r->frame) : 0;
   begin_record(w, "root");
   field_s(w, "kind", kind_names[r->kind]);
   field_u(w, "to", r->target + 1);
   field_u(w, "toff", r->target_offset);
   switch (r->kind) {
      case ROOT_REGISTER:
         field_u(w, "thread", r->thread);
         field_s(w, "reg", r->name);
         break;
      case ROOT_STACK:
         field_u(w, "thread", r->thread);
         field_u(w, "stack", frame_stack);
         field_x(w, "addr", r->addr);
         break;
      case ROOT_GLOBAL:
         field_s(w, "name", r->name);
         field_u(w, "sym-off", r->symbol_offset);
         field_s(w, "obj", r->object);
         field_x(w, "addr", r->addr);
         break;
      case ROOT_MAPPING:
         field_s(w, "obj", r->object);
         field_x(w, "addr", r->addr);
         break;
   }
   end_record(w);
}

static void write_snapshot(Writer* w, UWord id, const Snapshot* s, UInt kinds)
{
   begin_record(w, "snapshot");
   field_u(w, "id", id);
   field_s(w, "name", s->name);
   write_kinds(w, kinds);
   field_u(w, "t", s->time);
   field_u(w, "alloc", s->alloc);
   field_u(w, "bytes", s->bytes);
   field_u(w, "blocks", s->n_blocks);
   field_u(w, "edges", s->n_edges);
   field_u(w, "roots", s->n_roots);
   field_u(w, "scanned", s->scanned);
   field_u(w, "reused", s->reused);
   end_record(w);
   for (UInt i = 0; i < s->n_blocks; i++) write_snap_block(w, s, i);
   for (ULong i = 0; i < s->n_roots; i++) write_snap_root(w, &s->roots[i]);
}

/* The snapshots (the exit one is taken now), then what they cost. */
static void write_snapshots(Writer* w)
{
   const TraceSnapshot* list;
   UInt n = ma_snapshot_begin_trace(&list);
   for (UInt i = 0; i < n; i++) write_snapshot(w, i + 1, list[i].snapshot, list[i].kinds);
   ma_snapshot_end_trace();
   if (!ma_snapshots_on) return;
   begin_record(w, "snapshot-cost");
   field_u(w, "taken", ma_snapshot_cost.taken);
   field_u(w, "scanned", ma_snapshot_cost.scanned);
   field_u(w, "reused", ma_snapshot_cost.reused);
   end_record(w);
}

/*------------------------------------------------------------*/
/*--- The memory map                                       ---*/
/*------------------------------------------------------------*/

static void write_map_events(Writer* w)
{
   const MapEvents* e = &ma_map_events;
   begin_record(w, "map-events");
   field_u(w, "mmap", e->mmap);
   field_u(w, "munmap", e->munmap);
   field_u(w, "mremap", e->mremap);
   field_u(w, "mremap-moved", e->mremap_moved);
   field_u(w, "brk-grow", e->brk_grow);
   field_u(w, "brk-shrink", e->brk_shrink);
   field_u(w, "shmat", e->shmat);
   field_u(w, "shmdt", e->shmdt);
   field_u(w, "madvise-free", e->madvise_free);
   field_u(w, "mprotect", e->mprotect);
   field_u(w, "custom-requests", e->custom_requests);
   field_u(w, "bad-requests", e->bad_requests);
   end_record(w);
}

static void write_region(Writer* w, const MemoryMap* m, UInt i)
{
   static const HChar* const kind_names[] = { "anon", "shm", "file", "brk", "stack" };
   const MapRegion* r = &m->regions[i];
   UWord stack = r->ec ? stack_id(w, r->ec) : 0;
   HChar prot[4] = { r->prot & VKI_PROT_READ ? 'r' : '-', r->prot & VKI_PROT_WRITE ? 'w' : '-',
                     r->prot & VKI_PROT_EXEC ? 'x' : '-', 0 };
   begin_record(w, "region");
   field_u(w, "id", i + 1);
   field_s(w, "kind", kind_names[r->kind]);
   field_x(w, "start", r->start);
   field_u(w, "size", r->size);
   field_u(w, "accessible", r->accessible);
   field_u(w, "written", r->written);
   field_u(w, "used", r->used);
   field_u(w, "used-blocks", r->used_blocks);
   field_s(w, "prot", prot);
   field_u(w, "shared", r->shared);
   field_u(w, "startup", r->startup);
   field_u(w, "stack", stack);
   field_u(w, "thread", r->thread);
   field_s(w, "file", r->file);
   put_key(w, "growth");
   for (UInt k = 0; k < r->n_sizes; k++) {
      if (k) put_str(w, ",");
      put_u(w, r->growth[k]);
   }
   field_u(w, "growths", r->n_growths);
   end_record(w);
   for (UInt u = r->first_use; u < r->first_use + r->n_uses; u++) {
      begin_record(w, "region-use");
      field_u(w, "site", site_id(m->uses[u].site));
      field_u(w, "bytes", m->uses[u].bytes);
      field_u(w, "blocks", m->uses[u].blocks);
      end_record(w);
   }
}

static void write_memory_map(Writer* w, const MemoryMap* m)
{
   begin_record(w, "memory-map");
   field_s(w, "name", m->name);
   field_u(w, "t", m->time);
   field_u(w, "footprint", m->footprint);
   field_u(w, "heap-bytes", m->heap_bytes);
   field_u(w, "heap-blocks", m->heap_blocks);
   field_u(w, "heap-usable", m->heap_usable);
   field_u(w, "custom-bytes", m->custom_bytes);
   field_u(w, "custom-blocks", m->custom_blocks);
   field_u(w, "custom-in-heap", m->custom_in_heap);
   field_u(w, "written-outside", m->written_outside);
   field_u(w, "regions", m->n_regions);
   end_record(w);
   for (UInt i = 0; i < m->n_regions; i++) write_region(w, m, i);
}

/* The map-events, the map at the footprint's peak, and the map now. */
static void write_memory_maps(Writer* w)
{
   write_map_events(w);
   write_memory_map(w, ma_regions_peak_map());
   MemoryMap* now = ma_regions_map_now("exit");
   write_memory_map(w, now);
   ma_regions_free_map(now);
}

/*------------------------------------------------------------*/
/*--- The whole trace                                      ---*/
/*------------------------------------------------------------*/

/* The tool API has no strerror; these are the failures a user meets
   when naming an output file. */
static const HChar* open_error_text(UWord err)
{
   switch (err) {
      case VKI_ENOENT:  return "no such directory";
      case VKI_EACCES:  return "permission denied";
      case VKI_EROFS:   return "read-only file system";
      case VKI_ENOSPC:  return "no space left on device";
      case VKI_EISDIR:  return "is a directory";
      case VKI_ENOTDIR: return "a path component is not a directory";
      default:          return "cannot open";
   }
}

/* Where to write: normally a temporary name beside the trace, renamed
   over it when complete.  A target that exists and is not a regular
   file (a pipe, /dev/stdout, a device) is written directly: renaming
   over it would replace it, and root may rename over /dev nodes. */
static HChar* staging_name(const HChar* name)
{
   struct vg_stat st;
   SysRes sr = VG_(stat)(name, &st);
   if (!sr_isError(sr) && (st.mode & VKI_S_IFMT) != VKI_S_IFREG)
      return VG_(strdup)("ma.tmpname", name);
   HChar* tmp = VG_(malloc)("ma.tmpname", VG_(strlen)(name) + 32);
   VG_(sprintf)(tmp, "%s.tmp.%d", name, VG_(getpid)());
   return tmp;
}

HChar* ma_trace_write(const TraceRequest* req)
{
   /* Expanded now, not at start-up, so a fork child gets its own pid
      in the name (as DHAT and Massif do). */
   HChar* name = VG_(expand_file_name)("--memattr-out-file", req->file_template);
   HChar* tmp  = staging_name(name);
   Bool   direct = VG_(strcmp)(tmp, name) == 0;

   SysRes sr = VG_(open)(tmp, VKI_O_CREAT | VKI_O_WRONLY | (direct ? 0 : VKI_O_TRUNC),
                         VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (sr_isError(sr)) {
      VG_(umsg)("memattr: error: cannot create the trace file '%s': %s\n",
                name, open_error_text(sr_Err(sr)));
      VG_(free)(tmp); VG_(free)(name);
      return NULL;
   }
   Writer* w = VG_(malloc)("ma.writer", sizeof(Writer));
   w->fd = sr_Res(sr); w->failed = False; w->used = 0; w->records = 0;

   ma_heap_capture_peak_if_at_peak();
   frames_of_ip = VG_(newFM)(VG_(malloc), "ma.frames_of_ip", VG_(free), NULL);
   stack_ids = VG_(newFM)(VG_(malloc), "ma.stack_ids", VG_(free), NULL);
   site_ids = VG_(HT_construct)("ma.site_ids");
   n_frames = n_stacks = 0;
   write_header(w, req);
   write_sites(w);
   write_threads(w);
   write_summary(w, req);
   write_timeline(w);
   write_phases(w);
   write_snapshots(w);
   write_memory_maps(w);
   VG_(deleteFM)(frames_of_ip, NULL, NULL);
   VG_(deleteFM)(stack_ids, NULL, NULL);
   VG_(HT_destruct)(site_ids, VG_(free));

   begin_record(w, "end");
   field_u(w, "records", w->records);
   put_str(w, "\n");
   flush(w);
   VG_(close)(w->fd);

   Bool ok = !w->failed && (direct || VG_(rename)(tmp, name) == 0);
   if (!ok) {
      VG_(umsg)("memattr: error: writing the trace file '%s' failed (disk full?)\n", name);
      if (!direct) VG_(unlink)(tmp);
      VG_(free)(name);
      name = NULL;
   }
   VG_(free)(w);
   VG_(free)(tmp);
   return name;
}
