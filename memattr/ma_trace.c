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
#include "ma_thread_sites.h"
#include "ma_timeline.h"
#include "ma_trace.h"

#include "memattr_trace_compact.h"

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
   begin_record(w, MA_TAG_DEFINITION);
   field_s(w, MA_KEY_DEFINITION_NAME, name);
   field_s(w, MA_KEY_DEFINITION_TEXT, text);
   end_record(w);
}

static void write_header(Writer* w, const TraceRequest* req)
{
   begin_record(w, MA_TAG_HEADER);
   field_u(w, MA_KEY_HEADER_VERSION, MA_TRACE_VERSION);
   end_record(w);

   begin_record(w, MA_TAG_TOOL);
   field_s(w, MA_KEY_TOOL_NAME, MA_WORD_TOOL_NAME_MEMATTR);
   field_s(w, MA_KEY_TOOL_VERSION, MEMATTR_VERSION);
   end_record(w);

   /* The command line, arguments joined by single spaces. */
   XArray* args = VG_(newXA)(VG_(malloc), "ma.args", VG_(free), 1);
   for (Word i = 0; i < VG_(sizeXA)(VG_(args_for_client)); i++) {
      const HChar* arg = *(HChar**)VG_(indexXA)(VG_(args_for_client), i);
      if (i > 0) VG_(addBytesToXA)(args, " ", 1);
      VG_(addBytesToXA)(args, arg, VG_(strlen)(arg));
   }
   VG_(addBytesToXA)(args, "", 1);
   begin_record(w, MA_TAG_CMD);
   field_s(w, MA_KEY_CMD_EXE, VG_(args_the_exename));
   field_s(w, MA_KEY_CMD_ARGS, VG_(indexXA)(args, 0));
   end_record(w);
   VG_(deleteXA)(args);

   begin_record(w, MA_TAG_PROCESS);
   field_u(w, MA_KEY_PROCESS_PID, VG_(getpid)());
   field_u(w, MA_KEY_PROCESS_PPID, VG_(getppid)());
   field_u(w, MA_KEY_PROCESS_FORK_OF, req->fork_of);
   end_record(w);

   begin_record(w, MA_TAG_RUN);
   field_s(w, MA_KEY_RUN_MALLOC_MODE,
           ma_malloc_wrapped ? MA_WORD_MALLOC_MODE_WRAP : MA_WORD_MALLOC_MODE_REPLACE);
   field_s(w, MA_KEY_RUN_TIME_UNIT, MA_WORD_TIME_UNIT_INSTR);
   field_u(w, MA_KEY_RUN_ALIGNMENT, VG_(clo_alignment));
   field_u(w, MA_KEY_RUN_NUM_CALLERS, VG_(clo_backtrace_size));
   field_s(w, MA_KEY_RUN_ACCESS, ma_track_access ? MA_WORD_YES_NO_YES : MA_WORD_YES_NO_NO);
   field_s(w, MA_KEY_RUN_SNAPSHOTS, ma_snapshots_on ? MA_WORD_YES_NO_YES : MA_WORD_YES_NO_NO);
   field_u(w, MA_KEY_RUN_SNAPSHOT_GROWTH, (ULong)ma_snapshot_growth_pct);
   field_u(w, MA_KEY_RUN_SNAPSHOT_MIN, (ULong)ma_snapshot_min_bytes);
   field_u(w, MA_KEY_RUN_SNAPSHOT_BUDGET, (ULong)ma_snapshot_budget);
   field_s(w, MA_KEY_RUN_PAGES, ma_track_pages ? MA_WORD_YES_NO_YES : MA_WORD_YES_NO_NO);
   end_record(w);

   write_definition(w, MA_WORD_DEFINITION_TEMPORARY, MA_TEMPORARY_DEFINITION);
   if (ma_track_access) {
      write_definition(w, MA_WORD_DEFINITION_USE, MA_USE_DEFINITION);
      write_definition(w, MA_WORD_DEFINITION_PROMPT_FREE, MA_PROMPT_FREE_DEFINITION);
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

   begin_record(w, MA_TAG_FRAME);
   field_u(w, MA_KEY_FRAME_ID, ++n_frames);
   field_x(w, MA_KEY_FRAME_IP, ip);
   field_u(w, MA_KEY_FRAME_INLINED, inlined);
   field_s(w, MA_KEY_FRAME_FN, parts.fn);
   field_s(w, MA_KEY_FRAME_FILE, parts.file);
   field_s(w, MA_KEY_FRAME_DIR, parts.dir);
   field_s(w, MA_KEY_FRAME_LINE, parts.line);
   field_s(w, MA_KEY_FRAME_OBJ, obj);
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
   begin_record(w, MA_TAG_STACK);
   field_u(w, MA_KEY_STACK_ID, id);
   put_key(w, MA_KEY_STACK_FRAMES);
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

   begin_record(w, MA_TAG_SITE);
   field_u(w, MA_KEY_SITE_ID, id);
   field_u(w, MA_KEY_SITE_STACK, stack);
   field_u(w, MA_KEY_SITE_TB, s->total_bytes);    field_u(w, MA_KEY_SITE_TBK, s->total_blocks);
   field_u(w, MA_KEY_SITE_PB, s->peak_bytes);     field_u(w, MA_KEY_SITE_PBK, s->peak_blocks);
   field_u(w, MA_KEY_SITE_MB, s->max_bytes);      field_u(w, MA_KEY_SITE_MBK, s->max_blocks);
   field_u(w, MA_KEY_SITE_EB, s->curr_bytes);     field_u(w, MA_KEY_SITE_EBK, s->curr_blocks);
   field_u(w, MA_KEY_SITE_FBK, s->freed_blocks);
   field_u(w, MA_KEY_SITE_LTMIN, lt_min);
   field_u(w, MA_KEY_SITE_LTMAX, lt_max);
   field_u(w, MA_KEY_SITE_LTSUM, lifetimes.sum);
   field_u(w, MA_KEY_SITE_TMPBK, s->temp_blocks); field_u(w, MA_KEY_SITE_TMPB, s->temp_bytes);
   field_u(w, MA_KEY_SITE_RBK, s->realloc_blocks);
   static const HChar* const kind_names[] = { MA_WORD_SITE_KIND_MALLOC, MA_WORD_SITE_KIND_CUSTOM,
                                                MA_WORD_SITE_KIND_POOL };
   field_s(w, MA_KEY_SITE_KIND, kind_names[s->kind]);
   const AccessFigures* g = &s->access.gone;
   const AccessFigures* l = &s->access.live;
   field_u(w, MA_KEY_SITE_RD,   g->bytes_read + l->bytes_read);
   field_u(w, MA_KEY_SITE_WR,   g->bytes_written + l->bytes_written);
   field_u(w, MA_KEY_SITE_NRBK, g->never_read_blocks + l->never_read_blocks);
   field_u(w, MA_KEY_SITE_NRB,  g->never_read_bytes + l->never_read_bytes);
   field_u(w, MA_KEY_SITE_NABK, g->never_accessed_blocks + l->never_accessed_blocks);
   field_u(w, MA_KEY_SITE_NAB,  g->never_accessed_bytes + l->never_accessed_bytes);
   end_record(w);
}

static void write_copy_group(Writer* w, const CopyGroup* g)
{
   static const HChar* const fate_names[] = {
      MA_WORD_SRC_FATE_PROMPT, MA_WORD_SRC_FATE_LATER, MA_WORD_SRC_FATE_LIVE };
   UWord stack = stack_id(w, g->copy_ec);
   begin_record(w, MA_TAG_COPY);
   field_s(w, MA_KEY_COPY_KIND,
           g->kind == COPY_BY_REALLOC ? MA_WORD_COPY_KIND_REALLOC : MA_WORD_COPY_KIND_COPY);
   field_u(w, MA_KEY_COPY_STACK, stack);
   field_u(w, MA_KEY_COPY_FROM, site_id(g->from));
   field_u(w, MA_KEY_COPY_TO, site_id(g->to));
   field_u(w, MA_KEY_COPY_SHARE, g->share);
   field_u(w, MA_KEY_COPY_SRC_USED, g->src_used);
   field_s(w, MA_KEY_COPY_SRC_FATE, fate_names[g->fate]);
   field_u(w, MA_KEY_COPY_N, g->n);
   field_u(w, MA_KEY_COPY_BYTES, g->bytes);
   field_u(w, MA_KEY_COPY_SRC_BYTES, g->src_bytes);
   field_u(w, MA_KEY_COPY_DST_BYTES, g->dst_bytes);
   field_u(w, MA_KEY_COPY_PEAK_SRC_BYTES, g->peak_src_bytes);
   field_u(w, MA_KEY_COPY_OVERLAP, g->overlap);
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
   begin_record(w, MA_TAG_ACCESS);
   field_u(w, MA_KEY_ACCESS_READS, t->bytes_read);
   field_u(w, MA_KEY_ACCESS_WRITES, t->bytes_written);
   field_u(w, MA_KEY_ACCESS_BULK_COPIES, t->bulk_copies);
   field_u(w, MA_KEY_ACCESS_BULK_BYTES, t->bulk_bytes);
   field_u(w, MA_KEY_ACCESS_INLINE_COPY_BYTES, t->inline_copy_bytes);
   field_u(w, MA_KEY_ACCESS_PAIRS, ma_lineage_pairs);
   field_u(w, MA_KEY_ACCESS_EXTRA_SOURCE_BYTES, ma_lineage_extra_source_bytes);
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

/* A thread's own peak by site, once the program had a second thread:
   its largest sites in thread-site records after the thread record,
   which says what the others held (prs/prb/prbk). */
#define MA_THREAD_TOP_SITES 10

static void write_thread_sites(Writer* w, UInt n, const ThreadSite* const* top, UInt n_top)
{
   for (UInt i = 0; i < n_top; i++) {
      begin_record(w, MA_TAG_THREAD_SITE);
      field_u(w, MA_KEY_THREAD_SITE_THREAD, n);
      field_u(w, MA_KEY_THREAD_SITE_SITE, site_id(top[i]->site));
      field_u(w, MA_KEY_THREAD_SITE_BYTES, top[i]->peak_bytes);
      field_u(w, MA_KEY_THREAD_SITE_BLOCKS, top[i]->peak_blocks);
      end_record(w);
   }
}

static void write_threads(Writer* w)
{
   ma_thread_sites_capture_at_peaks();
   for (UInt n = 1; n <= ma_blocks_n_threads(); n++) {
      const ThreadFigures* t = ma_blocks_thread_by_number(n);
      const ThreadSite* top[MA_THREAD_TOP_SITES];
      ThreadSiteRest rest;
      UInt n_top = ma_thread_sites_top(t, top, MA_THREAD_TOP_SITES, &rest);
      begin_record(w, MA_TAG_THREAD);
      field_u(w, MA_KEY_THREAD_ID, n);
      field_u(w, MA_KEY_THREAD_PARENT, t->parent);
      field_u(w, MA_KEY_THREAD_TB, t->total_bytes);  field_u(w, MA_KEY_THREAD_TBK, t->total_blocks);
      field_u(w, MA_KEY_THREAD_PB, t->peak_bytes);   field_u(w, MA_KEY_THREAD_PBK, t->peak_blocks);
      field_u(w, MA_KEY_THREAD_PT, t->peak_time);
      field_u(w, MA_KEY_THREAD_EB, t->curr_bytes);   field_u(w, MA_KEY_THREAD_EBK, t->curr_blocks);
      field_u(w, MA_KEY_THREAD_GPB, t->gpeak_bytes); field_u(w, MA_KEY_THREAD_GPBK, t->gpeak_blocks);
      if (ma_thread_sites_on) {
         field_u(w, MA_KEY_THREAD_PRS, rest.sites);
         field_u(w, MA_KEY_THREAD_PRB, rest.bytes);  field_u(w, MA_KEY_THREAD_PRBK, rest.blocks);
      }
      end_record(w);
      write_thread_sites(w, n, top, n_top);
   }
}

static void write_summary(Writer* w, const TraceRequest* req)
{
   begin_record(w, MA_TAG_PEAK);
   field_u(w, MA_KEY_PEAK_T, ma_heap.peak_time);
   field_u(w, MA_KEY_PEAK_ALLOC, ma_heap.peak_alloc);
   field_u(w, MA_KEY_PEAK_BYTES, ma_heap.peak_bytes);
   field_u(w, MA_KEY_PEAK_BLOCKS, ma_heap.peak_blocks);
   end_record(w);

   begin_record(w, MA_TAG_TOTALS);
   field_u(w, MA_KEY_TOTALS_BYTES, ma_heap.total_bytes);
   field_u(w, MA_KEY_TOTALS_BLOCKS, ma_heap.total_blocks);
   field_u(w, MA_KEY_TOTALS_FREES, ma_heap.frees);
   field_u(w, MA_KEY_TOTALS_BAD_FREES, ma_heap.bad_frees);
   end_record(w);

   begin_record(w, MA_TAG_EXIT);
   field_u(w, MA_KEY_EXIT_T, ma_instrs);
   field_u(w, MA_KEY_EXIT_ALLOC, ma_heap.total_bytes);
   field_u(w, MA_KEY_EXIT_BYTES, ma_heap.curr_bytes);
   field_u(w, MA_KEY_EXIT_BLOCKS, ma_heap.curr_blocks);
   static const HChar* const reason_names[] = {
      [MA_EXIT_NORMAL] = MA_WORD_EXIT_REASON_EXIT, [MA_EXIT_SIGNAL] = MA_WORD_EXIT_REASON_SIGNAL,
      [MA_EXIT_EXEC] = MA_WORD_EXIT_REASON_EXEC };
   field_s(w, MA_KEY_EXIT_REASON, reason_names[req->reason]);
   field_u(w, MA_KEY_EXIT_CODE, (ULong)(UInt)req->exit_code);
   end_record(w);
}

static void write_timeline_point(Writer* w, ULong t, ULong alloc,
                                 ULong bytes, ULong blocks)
{
   begin_record(w, MA_TAG_TIMELINE);
   field_u(w, MA_KEY_TIMELINE_T, t);
   field_u(w, MA_KEY_TIMELINE_ALLOC, alloc);
   field_u(w, MA_KEY_TIMELINE_BYTES, bytes);
   field_u(w, MA_KEY_TIMELINE_BLOCKS, blocks);
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
   static const HChar* const keys[] = { MA_KEY_MOMENT_T, MA_KEY_MOMENT_ALLOC,
                                        MA_KEY_MOMENT_BYTES, MA_KEY_MOMENT_BLOCKS };
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
      [PHASE_OPEN] = MA_WORD_PHASE_ENDED_OPEN, [PHASE_REQUEST] = MA_WORD_PHASE_ENDED_REQUEST,
      [PHASE_RETURN] = MA_WORD_PHASE_ENDED_RETURN };
   begin_record(w, MA_TAG_PHASE);
   field_u(w, MA_KEY_PHASE_ID, in->id);
   field_s(w, MA_KEY_PHASE_NAME, in->name);
   field_u(w, MA_KEY_PHASE_ITERATION, in->iteration);
   field_u(w, MA_KEY_PHASE_PARENT, in->parent);
   field_u(w, MA_KEY_PHASE_THREAD, in->thread);
   field_s(w, MA_KEY_PHASE_BY,
           in->by_function ? MA_WORD_PHASE_BY_FUNCTION : MA_WORD_PHASE_BY_REQUEST);
   field_s(w, MA_KEY_PHASE_ENDED, end_names[in->end_kind]);
   fields_moment(w, MA_PHASE_MOMENT_BEGIN, &in->begin);
   fields_moment(w, MA_PHASE_MOMENT_END, &in->end);
   field_u(w, MA_KEY_PHASE_AB, in->alloc_bytes);   field_u(w, MA_KEY_PHASE_ABK, in->alloc_blocks);
   field_u(w, MA_KEY_PHASE_FB, in->freed_bytes);   field_u(w, MA_KEY_PHASE_FBK, in->freed_blocks);
   field_u(w, MA_KEY_PHASE_PEAK, in->peak_bytes);  field_u(w, MA_KEY_PHASE_PEAK_T, in->peak_time);
   field_u(w, MA_KEY_PHASE_XB, live->by_instance[in->id - 1].bytes);
   field_u(w, MA_KEY_PHASE_XBK, live->by_instance[in->id - 1].blocks);
   end_record(w);

   for (Word i = 0; i < VG_(sizeXA)(in->sites); i++) {
      const PhaseSiteFigures* f = VG_(indexXA)(in->sites, i);
      const LiveFigures* x = ma_phase_still_live_of_site(live, in->id, f->site);
      begin_record(w, MA_TAG_PHASE_SITE);
      field_u(w, MA_KEY_PHASE_SITE_PHASE, in->id);
      field_u(w, MA_KEY_PHASE_SITE_SITE, site_id(f->site));
      field_u(w, MA_KEY_PHASE_SITE_AB, f->alloc_bytes);   field_u(w, MA_KEY_PHASE_SITE_ABK, f->alloc_blocks);
      field_u(w, MA_KEY_PHASE_SITE_FB, f->freed_bytes);   field_u(w, MA_KEY_PHASE_SITE_FBK, f->freed_blocks);
      field_u(w, MA_KEY_PHASE_SITE_LIVE_BEGIN, f->live_begin);
      field_u(w, MA_KEY_PHASE_SITE_LIVE_END, f->live_end);
      field_u(w, MA_KEY_PHASE_SITE_XB, x ? x->bytes : 0);
      field_u(w, MA_KEY_PHASE_SITE_XBK, x ? x->blocks : 0);
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
      begin_record(w, MA_TAG_MARK);
      field_u(w, MA_KEY_MARK_T, m->at.time);
      field_u(w, MA_KEY_MARK_ALLOC, m->at.alloc);
      field_u(w, MA_KEY_MARK_BYTES, m->at.bytes);
      field_u(w, MA_KEY_MARK_BLOCKS, m->at.blocks);
      field_s(w, MA_KEY_MARK_LABEL, m->label);
      end_record(w);
   }
   begin_record(w, MA_TAG_PHASES);
   field_u(w, MA_KEY_PHASES_KEPT, ma_phase_n_instances());
   field_u(w, MA_KEY_PHASES_DROPPED, ma_phase_dropped());
   end_record(w);
}

/*------------------------------------------------------------*/
/*--- Snapshots                                            ---*/
/*------------------------------------------------------------*/

static void write_kinds(Writer* w, UInt kinds)
{
   static const struct { UInt bit; const HChar* name; } names[] = {
      { SNAP_PEAK, MA_WORD_SNAPSHOT_KIND_PEAK }, { SNAP_REQUEST, MA_WORD_SNAPSHOT_KIND_REQUEST },
      { SNAP_EXIT, MA_WORD_SNAPSHOT_KIND_EXIT } };
   put_key(w, MA_KEY_SNAPSHOT_KINDS);
   Bool first = True;
   for (UInt i = 0; i < sizeof names / sizeof names[0]; i++) {
      if (!(kinds & names[i].bit)) continue;
      if (!first) put_str(w, ",");
      put_str(w, names[i].name);
      first = False;
   }
}

/* The layouts of the blocks before 'end', from *next on (the snapshot's
   layouts are by block, then offset): heur=N:OFF:MASK,... with N the
   block's number.  Only the exit snapshot has any. */
static void write_layouts(Writer* w, const Snapshot* s, UInt end, ULong* next)
{
   const ULong first = *next;
   ULong k = first;
   if (k >= s->n_layouts || s->layouts[k].block >= end) return;
   put_key(w, MA_KEY_BLOCKS_HEUR);
   for (; k < s->n_layouts && s->layouts[k].block < end; k++) {
      if (k > first) put_str(w, ",");
      put_u(w, (ULong)s->layouts[k].block + 1);
      put_str(w, ":");
      put_u(w, s->layouts[k].offset);
      put_str(w, ":");
      put_u(w, s->layouts[k].heuristics);
   }
   *next = k;
}

/* The blocks of a `blocks` record: from 'first' on, while the record
   has fewer than MA_COMPACT_BLOCKS_PER_RECORD blocks and fewer than
   MA_COMPACT_POINTERS_PER_RECORD pointers (a block's pointers are never
   split: one holding millions makes one long record).  Returns the end. */
static UInt compact_record_end(const Snapshot* s, UInt first)
{
   UInt end = first;
   while (end < s->n_blocks && end - first < MA_COMPACT_BLOCKS_PER_RECORD
          && s->blocks[end].first_edge - s->blocks[first].first_edge
             < MA_COMPACT_POINTERS_PER_RECORD)
      end++;
   return end;
}

/* One block in the compact encoding (format/memattr_trace_compact.h);
   'previous' is the block before it in the record, or NULL, and 'recent'
   the record's recent sites.  Blocks are numbered from 1 in the trace. */
static void put_compact_block(Writer* w, const Snapshot* s, UInt i, const SnapBlock* previous,
                              MaCompactSites* recent)
{
   const SnapBlock* b = &s->blocks[i];
   ULong end = i + 1 < s->n_blocks ? s->blocks[i + 1].first_edge : s->n_edges;
   HChar digits[MA_COMPACT_MAX_HEAD_CHARS];
   ULong site = ma_compact_site_code(recent, site_id(b->site));
   put_bytes(w, digits, ma_compact_put_block(digits, b->addr - (previous ? previous->addr : 0),
                                             site, b->size, b->hash, end - b->first_edge));
   for (ULong e = b->first_edge; e < end; e++) {
      const SnapEdge* edge = &s->edges[e];
      ULong gap = e == b->first_edge ? edge->offset
                                     : (edge->offset - s->edges[e - 1].offset) / 8 - 1;
      put_bytes(w, digits, ma_compact_put_pointer(digits, gap, i + 1, (ULong)edge->target + 1,
                                                  edge->target_offset));
   }
}

/* A `blocks` record of blocks [first, end). */
static void write_compact_blocks(Writer* w, const Snapshot* s, UInt first, UInt end,
                                 ULong* next_layout)
{
   begin_record(w, MA_TAG_BLOCKS);
   field_u(w, MA_KEY_BLOCKS_FIRST, first + 1);
   field_u(w, MA_KEY_BLOCKS_N, end - first);
   put_key(w, MA_KEY_BLOCKS_DATA);
   MaCompactSites recent = { .n = 0 };
   for (UInt i = first; i < end; i++)
      put_compact_block(w, s, i, i > first ? &s->blocks[i - 1] : NULL, &recent);
   write_layouts(w, s, end, next_layout);
   end_record(w);
}

static void write_snap_root(Writer* w, const SnapRoot* r)
{
   static const HChar* const kind_names[] = {
      [ROOT_REGISTER] = MA_WORD_ROOT_KIND_REGISTER, [ROOT_STACK] = MA_WORD_ROOT_KIND_STACK,
      [ROOT_GLOBAL] = MA_WORD_ROOT_KIND_GLOBAL, [ROOT_MAPPING] = MA_WORD_ROOT_KIND_MAPPING };
   UWord frame_stack = r->kind == ROOT_STACK && r->frame ? stack_id(w, r->frame) : 0;
   begin_record(w, MA_TAG_ROOT);
   field_s(w, MA_KEY_ROOT_KIND, kind_names[r->kind]);
   field_u(w, MA_KEY_ROOT_TO, r->target + 1);
   field_u(w, MA_KEY_ROOT_TOFF, r->target_offset);
   switch (r->kind) {
      case ROOT_REGISTER:
         field_u(w, MA_KEY_ROOT_THREAD, r->thread);
         field_s(w, MA_KEY_ROOT_REG, r->name);
         break;
      case ROOT_STACK:
         field_u(w, MA_KEY_ROOT_THREAD, r->thread);
         field_u(w, MA_KEY_ROOT_STACK, frame_stack);
         field_x(w, MA_KEY_ROOT_ADDR, r->addr);
         break;
      case ROOT_GLOBAL:
         field_s(w, MA_KEY_ROOT_NAME, r->name);
         field_u(w, MA_KEY_ROOT_SYM_OFF, r->symbol_offset);
         field_s(w, MA_KEY_ROOT_OBJ, r->object);
         field_x(w, MA_KEY_ROOT_ADDR, r->addr);
         break;
      case ROOT_MAPPING:
         field_s(w, MA_KEY_ROOT_OBJ, r->object);
         field_x(w, MA_KEY_ROOT_ADDR, r->addr);
         break;
   }
   end_record(w);
}

static void write_snapshot(Writer* w, UWord id, const Snapshot* s, UInt kinds)
{
   begin_record(w, MA_TAG_SNAPSHOT);
   field_u(w, MA_KEY_SNAPSHOT_ID, id);
   field_s(w, MA_KEY_SNAPSHOT_NAME, s->name);
   write_kinds(w, kinds);
   field_u(w, MA_KEY_SNAPSHOT_T, s->time);
   field_u(w, MA_KEY_SNAPSHOT_ALLOC, s->alloc);
   field_u(w, MA_KEY_SNAPSHOT_BYTES, s->bytes);
   field_u(w, MA_KEY_SNAPSHOT_BLOCKS, s->n_blocks);
   field_u(w, MA_KEY_SNAPSHOT_EDGES, s->n_edges);
   field_u(w, MA_KEY_SNAPSHOT_ROOTS, s->n_roots);
   field_u(w, MA_KEY_SNAPSHOT_SCANNED, s->scanned);
   field_u(w, MA_KEY_SNAPSHOT_REUSED, s->reused);
   field_u(w, MA_KEY_SNAPSHOT_UNREADABLE_BLOCKS, s->unreadable_blocks);
   field_u(w, MA_KEY_SNAPSHOT_UNREADABLE_BYTES, s->unreadable_bytes);
   field_u(w, MA_KEY_SNAPSHOT_IN_PLACE_BLOCKS, s->in_place_blocks);
   end_record(w);
   ULong next_layout = 0;
   for (UInt first = 0; first < s->n_blocks;) {
      UInt end = compact_record_end(s, first);
      write_compact_blocks(w, s, first, end, &next_layout);
      first = end;
   }
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
   begin_record(w, MA_TAG_SNAPSHOT_COST);
   field_u(w, MA_KEY_SNAPSHOT_COST_TAKEN, ma_snapshot_cost.taken);
   field_u(w, MA_KEY_SNAPSHOT_COST_SCANNED, ma_snapshot_cost.scanned);
   field_u(w, MA_KEY_SNAPSHOT_COST_REUSED, ma_snapshot_cost.reused);
   end_record(w);
}

/*------------------------------------------------------------*/
/*--- The memory map                                       ---*/
/*------------------------------------------------------------*/

static void write_map_events(Writer* w)
{
   const MapEvents* e = &ma_map_events;
   begin_record(w, MA_TAG_MAP_EVENTS);
   field_u(w, MA_KEY_MAP_EVENTS_MMAP, e->mmap);
   field_u(w, MA_KEY_MAP_EVENTS_MUNMAP, e->munmap);
   field_u(w, MA_KEY_MAP_EVENTS_MREMAP, e->mremap);
   field_u(w, MA_KEY_MAP_EVENTS_MREMAP_MOVED, e->mremap_moved);
   field_u(w, MA_KEY_MAP_EVENTS_BRK_GROW, e->brk_grow);
   field_u(w, MA_KEY_MAP_EVENTS_BRK_SHRINK, e->brk_shrink);
   field_u(w, MA_KEY_MAP_EVENTS_BRK_REFUSED, e->brk_refused);
   field_u(w, MA_KEY_MAP_EVENTS_SHMAT, e->shmat);
   field_u(w, MA_KEY_MAP_EVENTS_SHMDT, e->shmdt);
   field_u(w, MA_KEY_MAP_EVENTS_MADVISE_FREE, e->madvise_free);
   field_u(w, MA_KEY_MAP_EVENTS_MPROTECT, e->mprotect);
   field_u(w, MA_KEY_MAP_EVENTS_CUSTOM_REQUESTS, e->custom_requests);
   field_u(w, MA_KEY_MAP_EVENTS_BAD_REQUESTS, e->bad_requests);
   end_record(w);
}

/* "rw-": VKI_PROT_* bits as the trace writes them. */
static void prot_text(UInt prot, HChar out[4])
{
   out[0] = prot & VKI_PROT_READ ? 'r' : '-';
   out[1] = prot & VKI_PROT_WRITE ? 'w' : '-';
   out[2] = prot & VKI_PROT_EXEC ? 'x' : '-';
   out[3] = 0;
}

/* In ChangeKind order (ma_regions.h). */
static const HChar* const change_names[] = {
   MA_WORD_REGION_CHANGE_MAPPED, MA_WORD_REGION_CHANGE_RESERVED,
   MA_WORD_REGION_CHANGE_ATTACHED, MA_WORD_REGION_CHANGE_BRK,
   MA_WORD_REGION_CHANGE_TRIMMED_HEAD, MA_WORD_REGION_CHANGE_TRIMMED_TAIL,
   MA_WORD_REGION_CHANGE_TRIMMED_MIDDLE, MA_WORD_REGION_CHANGE_GROWN,
   MA_WORD_REGION_CHANGE_SHRUNK, MA_WORD_REGION_CHANGE_MOVED,
   MA_WORD_REGION_CHANGE_PROTECTED };
STATIC_ASSERT(sizeof change_names / sizeof *change_names == CHANGE_PROTECTED + 1);

static void write_region_change(Writer* w, const RegionChange* c, UWord stack)
{
   HChar prot[4];
   prot_text(c->prot, prot);
   begin_record(w, MA_TAG_REGION_CHANGE);
   field_s(w, MA_KEY_REGION_CHANGE_KIND, change_names[c->kind]);
   field_u(w, MA_KEY_REGION_CHANGE_SIZE, c->size);
   field_s(w, MA_KEY_REGION_CHANGE_PROT, prot);
   field_u(w, MA_KEY_REGION_CHANGE_STACK, stack);
   end_record(w);
}

/* A region-use or heap-unwritten record: one site's bytes and blocks,
   under the record's own keys. */
static void write_map_use(Writer* w, const HChar* tag, const HChar* site_key,
                          const HChar* bytes_key, const HChar* blocks_key, const MapUse* use)
{
   begin_record(w, tag);
   field_u(w, site_key, site_id(use->site));
   field_u(w, bytes_key, use->bytes);
   field_u(w, blocks_key, use->blocks);
   end_record(w);
}

static void write_region(Writer* w, const MemoryMap* m, UInt i)
{
   static const HChar* const kind_names[] = {
      MA_WORD_REGION_KIND_ANON, MA_WORD_REGION_KIND_SHM, MA_WORD_REGION_KIND_FILE,
      MA_WORD_REGION_KIND_BRK, MA_WORD_REGION_KIND_STACK };
   const MapRegion* r = &m->regions[i];
   UWord stack = r->ec ? stack_id(w, r->ec) : 0;
   /* The changes' stacks too are written before the region. */
   UWord change_stacks[MA_CHANGES_KEPT];
   for (UInt k = 0; k < r->n_kept; k++)
      change_stacks[k] = r->changes[k].ec ? stack_id(w, r->changes[k].ec) : 0;
   HChar prot[4];
   prot_text(r->prot, prot);
   begin_record(w, MA_TAG_REGION);
   field_u(w, MA_KEY_REGION_ID, i + 1);
   field_s(w, MA_KEY_REGION_KIND, kind_names[r->kind]);
   field_x(w, MA_KEY_REGION_START, r->start);
   field_u(w, MA_KEY_REGION_SIZE, r->size);
   field_u(w, MA_KEY_REGION_ACCESSIBLE, r->accessible);
   field_u(w, MA_KEY_REGION_WRITTEN, r->written);
   field_u(w, MA_KEY_REGION_USED, r->used);
   field_u(w, MA_KEY_REGION_USED_BLOCKS, r->used_blocks);
   field_s(w, MA_KEY_REGION_PROT, prot);
   field_u(w, MA_KEY_REGION_SHARED, r->shared);
   field_u(w, MA_KEY_REGION_STARTUP, r->startup);
   field_u(w, MA_KEY_REGION_STACK, stack);
   field_u(w, MA_KEY_REGION_THREAD, r->thread);
   field_s(w, MA_KEY_REGION_FILE, r->file);
   put_key(w, MA_KEY_REGION_GROWTH);
   for (UInt k = 0; k < r->n_sizes; k++) {
      if (k) put_str(w, ",");
      put_u(w, r->growth[k]);
   }
   field_u(w, MA_KEY_REGION_GROWTHS, r->n_growths);
   field_u(w, MA_KEY_REGION_CHANGES, r->n_changes);
   field_u(w, MA_KEY_REGION_EXECUTED, r->executed);
   field_u(w, MA_KEY_REGION_EXECUTED_AROUND, r->executed_around);
   field_u(w, MA_KEY_REGION_READ, r->read);
   end_record(w);
   for (UInt u = r->first_use; u < r->first_use + r->n_uses; u++)
      write_map_use(w, MA_TAG_REGION_USE, MA_KEY_REGION_USE_SITE, MA_KEY_REGION_USE_BYTES,
                    MA_KEY_REGION_USE_BLOCKS, &m->uses[u]);
   for (UInt k = 0; k < r->n_kept; k++) write_region_change(w, &r->changes[k], change_stacks[k]);
}

static void write_memory_map(Writer* w, const MemoryMap* m)
{
   begin_record(w, MA_TAG_MEMORY_MAP);
   field_s(w, MA_KEY_MEMORY_MAP_NAME, m->name);
   field_u(w, MA_KEY_MEMORY_MAP_T, m->time);
   field_u(w, MA_KEY_MEMORY_MAP_FOOTPRINT, m->footprint);
   field_u(w, MA_KEY_MEMORY_MAP_HEAP_BYTES, m->heap_bytes);
   field_u(w, MA_KEY_MEMORY_MAP_HEAP_BLOCKS, m->heap_blocks);
   field_u(w, MA_KEY_MEMORY_MAP_HEAP_USABLE, m->heap_usable);
   field_u(w, MA_KEY_MEMORY_MAP_HEAP_UNWRITTEN, m->heap_unwritten);
   field_u(w, MA_KEY_MEMORY_MAP_HEAP_HEADERS, m->heap_headers);
   field_u(w, MA_KEY_MEMORY_MAP_CUSTOM_BYTES, m->custom_bytes);
   field_u(w, MA_KEY_MEMORY_MAP_CUSTOM_BLOCKS, m->custom_blocks);
   field_u(w, MA_KEY_MEMORY_MAP_CUSTOM_IN_HEAP, m->custom_in_heap);
   field_u(w, MA_KEY_MEMORY_MAP_WRITTEN_OUTSIDE, m->written_outside);
   field_u(w, MA_KEY_MEMORY_MAP_READ_SEEN, m->read_seen ? 1 : 0);
   field_u(w, MA_KEY_MEMORY_MAP_REGIONS, m->n_regions);
   field_u(w, MA_KEY_MEMORY_MAP_UNWRITTEN_SITES, m->n_unwritten);
   end_record(w);
   for (UInt i = 0; i < m->n_regions; i++) write_region(w, m, i);
   for (UInt i = 0; i < m->n_unwritten; i++)
      write_map_use(w, MA_TAG_HEAP_UNWRITTEN, MA_KEY_HEAP_UNWRITTEN_SITE,
                    MA_KEY_HEAP_UNWRITTEN_BYTES, MA_KEY_HEAP_UNWRITTEN_BLOCKS, &m->unwritten[i]);
}

/* The map-events, the map at the footprint's peak, and the map now. */
static void write_memory_maps(Writer* w)
{
   write_map_events(w);
   write_memory_map(w, ma_regions_peak_map());
   MemoryMap* now = ma_regions_map_now(MA_WORD_MAP_NAME_EXIT, True);
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

static void say_cannot_create(const HChar* name, UWord err)
{
   VG_(umsg)("memattr: error: cannot create the trace file '%s': %s\n",
             name, open_error_text(err));
}

/* Linux's value; the vki headers define no O_NOFOLLOW for amd64. */
#define MA_O_NOFOLLOW 0400000

/* Where the trace goes: its file name, expanded from
   --memattr-out-file, and the file it is written into first.  That is
   normally a staging name beside the trace, renamed over it when
   complete.  A target that exists and is not a regular file (a pipe,
   /dev/stdout, a device) is written directly: renaming over it would
   replace it, and root may rename over /dev nodes.  One stat of the
   target tells both that and whether it is a directory. */
typedef struct {
   HChar* name;
   HChar* tmp;            /* the staging name; 'name' itself when direct */
   Bool   direct;         /* written in place */
   Bool   is_directory;   /* the name is a directory: nothing can be written */
} Destination;

static Destination destination_of(const HChar* file_template)
{
   Destination d;
   struct vg_stat st;
   d.name = VG_(expand_file_name)("--memattr-out-file", file_template);
   SysRes sr = VG_(stat)(d.name, &st);
   UInt type = sr_isError(sr) ? 0 : (st.mode & VKI_S_IFMT);
   d.direct       = type != 0 && type != VKI_S_IFREG;
   d.is_directory = type == VKI_S_IFDIR;
   if (d.direct) {
      d.tmp = d.name;
   } else {
      d.tmp = VG_(malloc)("ma.tmpname", VG_(strlen)(d.name) + 32);
      VG_(sprintf)(d.tmp, "%s.tmp.%d", d.name, VG_(getpid)());
   }
   return d;
}

static void free_destination(Destination* d)
{
   if (d->tmp != d->name) VG_(free)(d->tmp);
   VG_(free)(d->name);
}

/* Opens the file the trace is written into; -1 after telling the user
   why it cannot be.  The staging name is predictable (NAME.tmp.PID),
   so in a shared directory anyone could plant a symlink there and have
   the trace (of a root CI job, say) overwrite the file it points to:
   it is created afresh, never opened through an existing file or link. */
static Int open_destination(const Destination* d)
{
   Int flags = d->direct ? VKI_O_CREAT | VKI_O_WRONLY
                         : VKI_O_CREAT | VKI_O_WRONLY | VKI_O_EXCL | MA_O_NOFOLLOW;
   SysRes sr = VG_(open)(d->tmp, flags,
                         VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (!sr_isError(sr))
      return sr_Res(sr);
   UWord err = sr_Err(sr);
   if (!d->direct && (err == VKI_EEXIST || err == VKI_ELOOP))
      VG_(umsg)("memattr: error: cannot create the trace file '%s': its staging file "
                "'%s' already exists (a file or a symbolic link, which memattr does "
                "not write through); remove it\n", d->name, d->tmp);
   else
      say_cannot_create(d->name, err);
   return -1;
}

Bool ma_trace_destination_ok(const HChar* file_template)
{
   Destination d = destination_of(file_template);
   Bool ok = True;
   /* A file written in place exists already, and opening it now could
      disturb it (a pipe's reader would see an end of file): only a
      directory is refused.  A staging file is tried for real. */
   if (d.direct) {
      ok = !d.is_directory;
      if (!ok) say_cannot_create(d.name, VKI_EISDIR);
   } else {
      Int fd = open_destination(&d);
      ok = fd >= 0;
      if (ok) {
         VG_(close)(fd);
         VG_(unlink)(d.tmp);
      }
   }
   free_destination(&d);
   return ok;
}

HChar* ma_trace_write(const TraceRequest* req)
{
   /* Expanded now, not at start-up, so a fork child gets its own pid
      in the name (as DHAT and Massif do). */
   Destination d = destination_of(req->file_template);
   Int fd = open_destination(&d);
   if (fd < 0) {
      free_destination(&d);
      return NULL;
   }
   Writer* w = VG_(malloc)("ma.writer", sizeof(Writer));
   w->fd = fd; w->failed = False; w->used = 0; w->records = 0;

   ma_heap_capture_peak_if_at_peak();
   ma_snapshot_trace_starts();
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

   begin_record(w, MA_TAG_END);
   field_u(w, MA_KEY_END_RECORDS, w->records);
   put_str(w, "\n");
   flush(w);
   VG_(close)(w->fd);

   Bool ok = !w->failed && (d.direct || VG_(rename)(d.tmp, d.name) == 0);
   if (!ok) {
      VG_(umsg)("memattr: error: writing the trace file '%s' failed (disk full?)\n", d.name);
      if (!d.direct) VG_(unlink)(d.tmp);
   }
   VG_(free)(w);
   if (!ok) {
      free_destination(&d);
      return NULL;
   }
   if (!d.direct) VG_(free)(d.tmp);
   return d.name;   /* the caller's */
}
