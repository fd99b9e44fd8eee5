"""Ownership at the peak: the tool's snapshots (blocks, pointers, named roots, content
hashes) read raw, then memattr-graph's retained bytes, owners, retainer paths, duplicate
contents and ownership graphs computed from them."""

import os
import pty
import shutil
import subprocess

from fixtures import expect_peak, expect_raw, expect_report, line_of, memattr, run, site_ids_at
from raw_trace import KEY, WORD

# cxx_owner_tree.cpp's shape: 8 pages of 12 lines; the glyph buffer of line l of page p.
OWNER_PAGES, OWNER_LINES = 8, 12
OWNER_TREE = "cxx_owner_tree.cpp"
DUPLICATES = "cxx_duplicate_strings.cpp"
MANY_POINTERS = "c_many_pointers.c"


def glyph_bytes(p, l):
    return 1000 + 8 * (p * OWNER_LINES + l)


def owner_tree_retained():
    """Retained bytes of each site of cxx_owner_tree.cpp, from its design (requested sizes;
    struct sizes for x86-64 libstdc++: Document and Page 32, Line 16, Cache 24). The first
    line's glyphs of each page are also held by the cache: reachable from two roots, they are
    retained by neither owner."""
    exclusive_glyphs = sum(glyph_bytes(p, l) for p in range(OWNER_PAGES)
                           for l in range(1, OWNER_LINES))
    shared_glyphs = sum(glyph_bytes(p, 0) for p in range(OWNER_PAGES))
    lines = 16 * OWNER_PAGES * OWNER_LINES + exclusive_glyphs
    line_buffers = 8 * OWNER_LINES * OWNER_PAGES
    pages = 32 * OWNER_PAGES + line_buffers + lines
    page_buffer = 8 * OWNER_PAGES + pages
    return {"DOCUMENT": 32 + page_buffer, "PAGES": page_buffer, "PAGE": pages,
            "LINES": line_buffers + lines, "LINE": lines, "GLYPH": exclusive_glyphs + shared_glyphs,
            "CACHE": 24 + 8 * OWNER_PAGES, "ENTRIES": 8 * OWNER_PAGES,
            "SCRATCH": 5000, "shared": shared_glyphs}


def blocks_of_site(raw, snapshot, source, line):
    return [b for b in snapshot.blocks if raw.site_at(b["site"], source, line)]


def check_snapshots_listed(results, raw, peak):
    """The peak, requested and exit snapshots, and the peak's consistency."""
    results.equal("owner_tree: the peak snapshot is at the peak (taken at the first free after it)",
                  int(peak.fields["bytes"]), int(raw.records["peak"][0]["bytes"]))
    results.equal("owner_tree: the trace gives the snapshot budget (default 20 with access "
                  "tracking)", raw.records["run"][0].get("snapshot-budget"), "20")
    results.equal("owner_tree: the snapshot's blocks sum to its bytes",
                  sum(b["size"] for b in peak.blocks), int(peak.fields["bytes"]))
    requested = [s for s in raw.snapshots if s.name == "built"]
    results.check("owner_tree: MEMATTR_SNAPSHOT(\"built\") gives a requested snapshot",
                  len(requested) == 1 and "request" in requested[0].kinds,
                  [s.fields for s in raw.snapshots])
    results.check("owner_tree: an exit snapshot is the last",
                  "exit" in raw.snapshots[-1].kinds, [s.fields for s in raw.snapshots])


def check_named_roots(env, results, raw, peak):
    """Globals by name and a stack frame by function hold the objects the program says."""
    line = lambda m: line_of(env, OWNER_TREE, m)

    def root_targets(kind, predicate):
        return [peak.block(r["to"]) for r in peak.roots if r["kind"] == kind and predicate(r)]

    named = lambda name: lambda r: r["name"] == name and r["toff"] == "0"
    for name, marker in [("g_document", "DOCUMENT"), ("g_cache", "CACHE")]:
        targets = root_targets("global", named(name))
        results.check(f"owner_tree: global root {name} is named and points at its object",
                      len(targets) == 1 and raw.site_at(targets[0]["site"], OWNER_TREE, line(marker)),
                      [r for r in peak.roots if r["kind"] == "global"])
    in_frame = lambda fn: lambda r: r.get("stack", "0") != "0" and any(
        f["fn"].startswith(fn) for f in raw.stack_frames(int(r["stack"])))
    targets = root_targets("stack", in_frame("hold_on_stack"))
    results.check("owner_tree: stack root in hold_on_stack's frame holds the scratch buffer",
                  any(raw.site_at(b["site"], OWNER_TREE, line("SCRATCH")) for b in targets),
                  [r for r in peak.roots if r["kind"] == "stack"])


def check_pointers(env, results, raw, peak):
    """Each Line's word 0 points at the start of a glyph buffer, and there are exactly as
    many program pointers as the design has."""
    line = lambda m: line_of(env, OWNER_TREE, m)
    lines = blocks_of_site(raw, peak, OWNER_TREE, line("LINE"))
    glyph_sites = {b["site"] for b in blocks_of_site(raw, peak, OWNER_TREE, line("GLYPH"))}
    results.check("owner_tree: every Line points at the start of a glyph buffer",
                  len(lines) == OWNER_PAGES * OWNER_LINES and all(
                      any(o == 0 and peak.block(t)["site"] in glyph_sites and to == 0
                          for o, t, to in b["ptrs"]) for b in lines))
    program = [b for b in peak.blocks if any(raw.site_at(b["site"], OWNER_TREE, line(m)) for m in
               ["DOCUMENT", "PAGES", "PAGE", "LINES", "LINE", "CACHE", "ENTRIES"])]
    results.equal("owner_tree: pointers between the program's blocks",
                  sum(len(b["ptrs"]) for b in program),
                  1 + OWNER_PAGES + OWNER_PAGES + OWNER_PAGES * OWNER_LINES * 2 + 1 + OWNER_PAGES)


def case_owner_tree_snapshot(env, results):
    """The tool's facts: the peak snapshot, pointers and named roots."""
    raw, peak = expect_peak(results, "owner_tree", memattr(env, OWNER_TREE))
    if not peak:
        return
    check_snapshots_listed(results, raw, peak)
    check_named_roots(env, results, raw, peak)
    check_pointers(env, results, raw, peak)


def duplicate_values():
    """cxx_duplicate_strings.cpp's 200 values: their heap block sizes (length + NUL)."""
    return [len(f"duplicate-value-{v}-") + v % 13 + 1 for v in range(200)]


def case_duplicate_strings_snapshot(env, results):
    """100,000 strings, none freed until the end: a heap of more than 65,536 blocks that only
    grew since the last snapshot is snapshotted at its first release, the peak exactly (a
    build that waited for the heap to fall there had 97,778 strings in it)."""
    raw, peak = expect_peak(results, "duplicate_strings", memattr(env, DUPLICATES))
    if not peak:
        return
    strings = blocks_of_site(raw, peak, DUPLICATES, line_of(env, DUPLICATES, "STRING"))
    results.equal("duplicate_strings: 100,000 string blocks at the peak", len(strings), 100000)
    groups = {}
    for b in strings:
        groups.setdefault((b["size"], b["hash"]), []).append(b)
    results.equal("duplicate_strings: equal contents hash equal, different contents differ",
                  sorted((size, len(g)) for (size, _), g in groups.items()),
                  sorted((size, 500) for size in duplicate_values()))
    # (Demangled with its ABI tag: "g_strings[abi:cxx11]".)
    results.check("duplicate_strings: the global vector g_strings is a named root",
                  any(r["kind"] == "global" and r["name"].startswith("g_strings")
                      for r in peak.roots),
                  [r for r in peak.roots if r["kind"] == "global"])


def check_retainer_paths(env, results, r, ownership):
    """Where the retainer paths of the Document and the scratch buffer start."""
    roots = ownership["roots"]

    def path_root(marker):
        ids = site_ids_at(r, OWNER_TREE, line_of(env, OWNER_TREE, marker))
        rows = [row for row in ownership["sites"] if row["site"] in ids]
        return roots[rows[0]["path"]["root"]]["name"] if rows and rows[0]["path"] else None

    results.equal("owner_tree: the Document's retainer path starts at global g_document",
                  path_root("DOCUMENT"), "global g_document (cxx_owner_tree)")
    results.check("owner_tree: the scratch buffer's path starts at hold_on_stack's frame",
                  (path_root("SCRATCH") or "").startswith("stack of thread 1 in hold_on_stack()"),
                  path_root("SCRATCH"))


def case_owner_tree_retained(env, results):
    """memattr-graph's ownership figures for cxx_owner_tree, computed from its design."""
    line = lambda m: line_of(env, OWNER_TREE, m)
    r = memattr(env, OWNER_TREE).report
    ownership = r["ownership"]
    if not results.check("owner_tree: ownership is available", ownership["available"],
                         ownership.get("missing_reason")):
        return
    expected = owner_tree_retained()
    retained = {row["site"]: row["retained_bytes"] for row in ownership["sites"]}
    for marker in ["DOCUMENT", "PAGES", "PAGE", "LINES", "LINE", "GLYPH", "CACHE", "ENTRIES",
                   "SCRATCH"]:
        ids = site_ids_at(r, OWNER_TREE, line(marker))
        results.equal(f"owner_tree: retained bytes of the site at @{marker}",
                      sum(retained.get(i, 0) for i in ids), expected[marker])
    glyphs = site_ids_at(r, OWNER_TREE, line("GLYPH"))
    shared = [row for row in ownership["owners"]
              if row["owner"]["kind"] == "several" and row["site"] in glyphs]
    results.equal("owner_tree: the glyphs the cache shares are kept alive by several roots",
                  [(row["blocks"], row["retained_bytes"]) for row in shared],
                  [(OWNER_PAGES, expected["shared"])])
    check_retainer_paths(env, results, r, ownership)
    results.equal("owner_tree: nothing unreachable at the peak",
                  ownership["unreachable_total"]["blocks"], 0)


def case_ownership_dot(env, results):
    trace = memattr(env, OWNER_TREE).trace
    page = f"{OWNER_TREE}:{line_of(env, OWNER_TREE, 'PAGE')}"
    for name, options in [("by site", []), ("blocks under a site", ["--blocks", page])]:
        dot_file = env.out(f"ownership-{name.replace(' ', '_')}.dot")
        proc = run([env.graph, "dot", trace, "-o", dot_file, *options])
        if not results.check(f"ownership dot {name}: written", proc.returncode == 0
                             and os.path.exists(dot_file), proc.stderr):
            continue
        with open(dot_file) as f:
            dot = f.read()
        results.check(f"ownership dot {name}: names the program's sites",
                      OWNER_TREE in dot, dot[:1500])
        if shutil.which("dot"):
            proc = run(["dot", "-Tsvg", dot_file, "-o", dot_file + ".svg"])
            results.check(f"ownership dot {name}: Graphviz renders it", proc.returncode == 0,
                          proc.stderr)


def case_duplicate_strings_report(env, results):
    traced = memattr(env, DUPLICATES)
    r = traced.report
    duplicates = r["ownership"]["duplicates"]
    strings = site_ids_at(r, DUPLICATES, line_of(env, DUPLICATES, "STRING"))
    rows = [row for row in duplicates["rows"]
            if [s["site"] for s in row["sites"]] == list(strings)]
    results.equal("duplicate_strings: 200 groups of 500 identical strings",
                  sorted((row["size"], row["copies"]) for row in rows),
                  sorted((size, 500) for size in duplicate_values()))
    results.equal("duplicate_strings: wasted bytes = 499 copies of every value",
                  sum(row["wasted"] for row in rows), 499 * sum(duplicate_values()))
    text = traced.text
    results.check("duplicate_strings: the report has a Duplicate contents section naming the line",
                  f"{DUPLICATES}:{line_of(env, DUPLICATES, 'STRING')}"
                  in text.split("Duplicate contents")[-1], text[-3000:])


def case_thread_roots(env, results):
    """Each thread's stack is a root, named by thread (c_threads.c's workers hold their
    blocks in local arrays while the peak is reached)."""
    raw, peak = expect_peak(results, "thread_roots", memattr(env, "c_threads.c"))
    if not peak:
        return
    stack_threads = {int(r["thread"]) for r in peak.roots if r["kind"] == "stack"}
    results.check("thread roots: stack roots of the worker threads as well as main's",
                  len(stack_threads - {1}) >= 2, sorted(stack_threads))
    results.check("thread roots: every stack root names a frame",
                  all(r["stack"] != "0" for r in peak.roots if r["kind"] == "stack"),
                  [r for r in peak.roots if r["kind"] == "stack"][:5])


def case_snapshots_off(env, results):
    raw = expect_raw(results, "snapshots_off",
                     memattr(env, OWNER_TREE, options=["--snapshots=no"]))
    if raw:
        results.check("snapshots off: no snapshot in the trace",
                      raw.snapshots == [] and raw.records["run"][0]["snapshots"] == "no")


def case_many_pointers(env, results):
    """A block of 4,000,000 pointers: its `blocks` record (about 19 MB) is longer than any
    other line may be, and memattr-graph must read the trace the tool wrote (issue 13)."""
    r = expect_report(results, "many_pointers", memattr(env, MANY_POINTERS))
    if not r:
        return
    whole_heap = 32000000 + 4096
    results.equal("many_pointers: the peak is the program's, 32,004,096 bytes in 2 blocks",
                  (r["summary"]["peak"]["bytes"], r["summary"]["peak"]["blocks"]), (whole_heap, 2))
    ownership = r["ownership"]
    if not results.check("many_pointers: ownership is available", ownership["available"],
                         ownership.get("missing_reason")):
        return
    results.equal("many_pointers: the snapshot has the array's 4,000,000 pointers",
                  ownership["snapshot"]["pointers"], 4000000)
    longest = max(len(line) for line in open(memattr(env, MANY_POINTERS).trace, "rb"))
    results.check("many_pointers: its record is longer than any other line may be (16 MiB)",
                  longest > 16 << 20, f"{longest} bytes")
    array = site_ids_at(r, MANY_POINTERS, line_of(env, MANY_POINTERS, "ARRAY"))
    retained = {row["site"]: row["retained_bytes"] for row in ownership["sites"]}
    results.equal("many_pointers: the array's site retains the target it points at",
                  sum(retained.get(i, 0) for i in array), whole_heap)
    check_progress(env, results, memattr(env, MANY_POINTERS).trace)


def check_progress(env, results, trace):
    """A trace of 16 MiB or more read with standard error on a terminal shows progress there,
    and clears its line at the end; with standard error a file or pipe, nothing."""
    if not results.check("progress: the trace is big enough", os.path.getsize(trace) >= 16 << 20,
                         f"{os.path.getsize(trace)} bytes"):
        return
    master, slave = pty.openpty()
    proc = subprocess.run([env.graph, "report", trace, "-o", os.devnull], stderr=slave,
                          stdout=subprocess.DEVNULL)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:   # the other end is closed: all was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    results.check("progress: shown on a terminal, then cleared",
                  proc.returncode == 0 and b"memattr-graph: reading " in shown
                  and shown.endswith(b"\r\x1b[K"), repr(shown[-200:]))
    quiet = run([env.graph, "report", trace, "-o", os.devnull])
    results.equal("progress: nothing on standard error that is not a terminal", quiet.stderr, "")


def case_roots_named_by_the_program(env, results):
    """The quick start's example: its peak snapshot is taken at a release, inside the tool's
    operator delete, and a vector's growth (library code) holds pointers at the peak. No root
    is named after the tool's or Valgrind's own code, nor after the library frame: each stack
    root names a frame of word_index.cpp."""
    source = os.path.join(os.path.dirname(os.path.dirname(env.src)), "examples", "word_index.cpp")
    exe = env.out("word_index")
    proc = run(["g++", "-std=c++17", "-O1", "-g", "-o", exe, source])
    results.check("word_index builds", proc.returncode == 0, proc.stderr)
    traced = memattr(env, exe)
    if not results.check("word_index: runs under memattr", traced.proc.returncode == 0
                         and os.path.exists(traced.trace), traced.proc.stderr[-2000:]):
        return
    roots = traced.report["ownership"]["roots"]
    stack_roots = [root["name"] for root in roots if root["kind"] == "stack"]
    results.check("word_index: stack roots found", len(stack_roots) >= 2, str(stack_roots))
    results.equal("word_index: no root is named after memattr's or Valgrind's code",
                  [root["name"] for root in roots if "vgpreload" in root["name"]
                   or "valgrind" in root["name"]], [])
    results.equal("word_index: every stack root names a line of word_index.cpp",
                  [name for name in stack_roots if "(word_index.cpp:" not in name], [])
    helped = [root for root in roots if root["program_function"] is not None]
    results.check("word_index: a root held in library code is named by its program caller",
                  all(root["program_function"]["file"] == "word_index.cpp" for root in helped)
                  and len(helped) >= 1, str(helped))


def case_reserved_buffers_are_not_duplicates(env, results):
    """c_reserved_buffers.c: eight 64 KiB buffers never written are no duplicate group (their
    bytes are the allocator's, not the program's); the two buffers filled alike are."""
    case = "reserved_buffers"
    report = expect_report(results, case, memattr(env, "c_reserved_buffers.c"))
    if report is None:
        return
    duplicates = report["ownership"]["duplicates"]
    results.equal(f"{case}: one duplicate group, the filled buffers",
                  [(row["size"], row["copies"]) for row in duplicates["rows"]], [(4096, 2)])
    results.equal(f"{case}: its waste is one filled buffer", duplicates["wasted"], 4096)
    never = [site for site in report["sites"] if site["peak"]["bytes"] == 8 * 65536]
    results.check(f"{case}: the reserved buffers are never accessed",
                  len(never) == 1 and never[0]["access"]["never_accessed"]["bytes"] == 8 * 65536,
                  str(never))


def case_deep_stack_roots(env, results):
    """c_deep_stack.c: a snapshot taken 200 calls deep (deeper than --num-callers, as in an
    interpreter's recursion; bench's py_big_heap died of it): the run completes, and the
    block is held by a stack root named by its frame."""
    case = "deep_stack"
    report = expect_report(results, case, memattr(env, "c_deep_stack.c"))
    if report is None:
        return
    results.check(f"{case}: the peak snapshot is the one analysed",
                  "peak" in report["ownership"]["snapshot"]["kinds"], str(report["ownership"]["snapshot"]))
    stack_roots = [root["name"] for root in report["ownership"]["roots"] if root["kind"] == "stack"]
    results.check(f"{case}: the block is held by a stack root in descend",
                  any("descend" in name for name in stack_roots), str(stack_roots))


RELEASE_CHAIN = "cxx_release_chain_roots.cpp"
# cxx_release_chain_roots.cpp's shape: a 16-byte Service, its array of 4,096 record pointers,
# the 512-byte records; the index (a std::map of 48 bytes) and its 4,096 nodes of 48 bytes.
CHAIN_RECORDS, CHAIN_RECORD_BYTES = 4096, 512
# Functions of the release chain (libstdc++'s, the tool's operator delete): no root is theirs.
RELEASE_CHAIN_FUNCTIONS = ["_M_erase", "_M_drop_node", "_M_put_node", "~map", "~_Rb_tree",
                           "default_delete", "reset", "operator delete", "deallocate"]


def peak_ownership(env, results, case, source, options=()):
    """The JSON report of `source` traced, if its ownership analysis is of the peak snapshot
    (the one taken at a release); None, with a failed check, otherwise."""
    report = expect_report(results, case, memattr(env, source, options=options))
    if report is None:
        return None
    ownership = report["ownership"]
    if not results.check(f"{case}: ownership of the peak snapshot", ownership["available"]
                         and "peak" in ownership["snapshot"]["kinds"], str(ownership.get("snapshot"))):
        return None
    return report


def case_release_chain_roots(env, results):
    """The peak snapshot is taken inside a release's call chain (std::unique_ptr::reset of a
    std::map, down to operator delete in _M_erase): the chain's frames and the releasing
    thread's caller-saved registers are no roots, so the records the dropped index pointed at
    are owned by the cache, and the Service that holds it retains it all."""
    check_release_chain_roots(env, results, "release_chain_roots", ())


def case_release_chain_roots_wrapped(env, results):
    """The same with --malloc=wrap: the chain ends in the tool's wrapper of glibc's free."""
    check_release_chain_roots(env, results, "release_chain_roots_wrapped", ["--malloc=wrap"])


def check_release_chain_roots(env, results, case, options):
    report = peak_ownership(env, results, case, RELEASE_CHAIN, options)
    if report is None:
        return
    ownership = report["ownership"]
    site = lambda marker: site_ids_at(report, RELEASE_CHAIN, line_of(env, RELEASE_CHAIN, marker))
    retained = {row["site"]: row["retained_bytes"] for row in ownership["sites"]}
    records = CHAIN_RECORDS * CHAIN_RECORD_BYTES
    cache = 8 * CHAIN_RECORDS + records
    results.equal(f"{case}: the Service retains its cache and every record",
                  sum(retained.get(i, 0) for i in site("SERVICE")), 16 + cache)
    results.equal(f"{case}: the cache retains every record",
                  sum(retained.get(i, 0) for i in site("CACHE")), cache)
    owners = [(row["owner"], row["blocks"]) for row in ownership["owners"]
              if row["site"] in site("RECORD")]
    results.equal(f"{case}: every record is owned by the cache, none by several roots",
                  owners, [({"kind": "site", "site": min(site("CACHE"))}, CHAIN_RECORDS)])
    chain_roots = [root["name"] for root in ownership["roots"]
                   if root["kind"] == "stack" and root["function"] is not None
                   and any(f in root["function"]["fn"] for f in RELEASE_CHAIN_FUNCTIONS)]
    results.equal(f"{case}: no root in a frame of the release chain", chain_roots, [])
    results.equal(f"{case}: the dropped index and its nodes are unreachable",
                  ownership["unreachable_total"]["blocks"], 1 + CHAIN_RECORDS)


def case_release_wrapper_roots(env, results):
    """c_release_wrapper.c: free() called through the program's own wrapper. The chain left
    out is the tool's free alone: the list the program's frames hold at that call stays
    reachable, owned by their stack words."""
    case = "release_wrapper_roots"
    source = "c_release_wrapper.c"
    report = peak_ownership(env, results, case, source)
    if report is None:
        return
    ownership = report["ownership"]
    results.equal(f"{case}: nothing unreachable at the peak",
                  ownership["unreachable_total"]["blocks"], 0)
    nodes = site_ids_at(report, source, line_of(env, source, "NODE"))
    owners = [ownership["roots"][row["owner"]["root"]]["name"] for row in ownership["owners"]
              if row["site"] in nodes and row["owner"]["kind"] == "root"]
    results.check(f"{case}: the list is owned by stack words of the program's frames",
                  owners != [] and all(name.startswith("stack of thread 1 in my_free (")
                                       or name.startswith("stack of thread 1 in free_all (")
                                       for name in owners), str(owners))


CASES = [case_owner_tree_snapshot, case_owner_tree_retained, case_ownership_dot,
         case_duplicate_strings_snapshot, case_duplicate_strings_report, case_thread_roots,
         case_snapshots_off, case_many_pointers, case_roots_named_by_the_program,
         case_reserved_buffers_are_not_duplicates, case_deep_stack_roots,
         case_release_chain_roots, case_release_chain_roots_wrapped, case_release_wrapper_roots]
