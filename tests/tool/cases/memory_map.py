"""The memory map: regions (mmap arenas, mempools, file mappings, glibc's arenas under
--malloc=wrap) with what is mapped, written and used in each, and the explanation of the
gap between resident memory and the heap."""

import os
import re

from fixtures import executable, expect_raw, line_of, memattr, peak_and_totals, run


def traced_map(env, results, case, source, defines=(), options=()):
    """Run a program under memattr; returns (RawTrace or None, the program's stderr, Run)."""
    traced = memattr(env, source, options=options, defines=defines)
    return expect_raw(results, case, traced), traced.proc.stderr, traced


def program_figures(stderr, tag):
    """The figures of the 'tag key=value ...' line a test program printed on stderr."""
    for line in stderr.splitlines():
        if line.startswith(tag + " "):
            return {k: v for k, v in (f.split("=", 1) for f in line.split()[1:])}
    raise KeyError(f"no '{tag}' line in the program's output:\n{stderr[-2000:]}")


def region_made_at(raw, region, source, line):
    """Was the region made by a call at source:line?"""
    return region["stack"] != 0 and any(
        os.path.basename(f["file"]) == source and int(f["line"]) == line
        for f in raw.stack_frames(region["stack"]))


def check_arena_region(env, results, case, raw, arena, want):
    """The grown arena's region: sizes to the page, kind, growths, its mmap's stack."""
    src = "c_mremap_arena.c"
    results.equal(f"{case}: mapped", arena["size"], int(want["mapped"]))
    results.equal(f"{case}: written (to the page)", arena["written"], int(want["written"]))
    results.equal(f"{case}: accessible", arena["accessible"], int(want["mapped"]))
    results.equal(f"{case}: kind", (arena["kind"], arena["file"], arena["shared"]),
                  ("anon", "", 0))
    results.equal(f"{case}: growths", arena["growths"], 3)
    results.check(f"{case}: the region keeps the stack of its mmap",
                  region_made_at(raw, arena, src, line_of(env, src, "ARENA_MAP")))
    events = raw.records["map-events"][0]
    results.check(f"{case}: the fenced arena moved once at least",
                  int(events["mremap-moved"]) >= 1 and int(events["mremap"]) == 3, events)
    results.check(f"{case}: the footprint covers the arena",
                  raw.memory_map("peak").fields["footprint"] >= arena["written"],
                  raw.memory_map("peak").fields)


def check_arena_blocks(results, case, raw, arena, want):
    """The annotated arena's custom blocks: in its use, at the heap peak, counted once."""
    results.equal(f"{case}: used by the live custom blocks",
                  (arena["used"], arena["used-blocks"]),
                  (int(want["used"]), int(want["objects"])))
    results.equal(f"{case}: the uses by site add up", sum(u["bytes"] for u in arena["uses"]),
                  int(want["used"]))
    kinds = {raw.sites[u["site"]]["kind"] for u in arena["uses"]}
    results.equal(f"{case}: the blocks' sites are custom", kinds, {"custom"})
    results.equal(f"{case}: the heap peak counts the custom blocks",
                  int(raw.records["peak"][0]["bytes"]), int(want["used"]))
    peak = raw.memory_map("peak")
    results.equal(f"{case}: nothing counted twice",
                  (peak.fields["custom-bytes"], peak.fields["custom-in-heap"]),
                  (int(want["used"]), 0))


def case_mremap_arena(env, results):
    """A bump arena grown by mremap doubling, plain and annotated: mapped, written and used
    equal the program's own figures, to the page."""
    for variant, defines in (("plain", ()), ("annotated", ("ANNOTATE",))):
        case = f"mremap_arena_{variant}"
        raw, stderr, _ = traced_map(env, results, case, "c_mremap_arena.c", defines)
        if not raw:
            continue
        want = program_figures(stderr, "arena")
        growth = [int(x) for x in want["growth"].split(",")]
        peak = raw.memory_map("peak")
        arenas = peak.region_with(growth=growth)
        if not results.check(f"{case}: one region grew {want['growth']}", len(arenas) == 1,
                             [r for r in peak.regions if r["growths"]]):
            continue
        check_arena_region(env, results, case, raw, arenas[0], want)
        if variant == "plain":
            results.equal(f"{case}: no blocks in it",
                          (arenas[0]["used"], arenas[0]["used-blocks"]), (0, 0))
        else:
            check_arena_blocks(results, case, raw, arenas[0], want)


def check_pool_region(env, results, raw, pool, want):
    """The pool's mapping: used by its chunks, written to the page, heap chunks apart."""
    src = "c_mempool.c"
    peak = raw.memory_map("peak")
    results.equal("mempool: used by the live chunks",
                  (pool["used"], pool["used-blocks"]), (want["mapped_bytes"], want["mapped_chunks"]))
    results.equal("mempool: written to the page (200 chunks of 1,008 bytes)",
                  pool["written"], (200 * 1008 + 4095) // 4096 * 4096)
    results.equal("mempool: chunks in the malloc'd superblock counted once, as heap",
                  (peak.fields["custom-in-heap"], peak.fields["custom-bytes"],
                   peak.fields["heap-bytes"] >= 65536),
                  (want["heap_bytes"], want["mapped_bytes"] + want["heap_bytes"], True))
    chunk_line = line_of(env, src, "POOL_ALLOC")
    results.check("mempool: chunk sites are pool sites at the request",
                  all(raw.sites[u["site"]]["kind"] == "pool"
                      and raw.site_at(u["site"], src, chunk_line) for u in pool["uses"]),
                  pool["uses"])


def check_pool_snapshots(results, raw, want):
    """The requested snapshots hold the chunks; trim, move and change are applied.
    False when the first snapshot is missing."""
    snap = next((s for s in raw.snapshots if s.name == "pools"), None)
    if not results.check("mempool: the requested snapshot", snap is not None):
        return False
    sizes = sorted(b["size"] for b in snap.blocks)
    results.check("mempool: the snapshot holds the chunks, not the superblock holding them",
                  sizes.count(500) == want["heap_chunks"] and sizes.count(1000) == want["mapped_chunks"]
                  and 65536 not in sizes, sizes[-5:])
    trimmed = next((s for s in raw.snapshots if s.name == "trimmed"), None)
    if results.check("mempool: the snapshot after trim, move and change", trimmed is not None):
        kept = sorted(b["size"] for b in trimmed.blocks if b["size"] in (500, 1000))
        results.equal("mempool: trim kept 49 chunks whole and change halved one",
                      (kept.count(1000), kept.count(500)), (49, 1 + want["heap_chunks"]))
    return True


def case_mempool(env, results):
    """Mempool chunks are blocks: in their mapping's use, or inside a malloc'd superblock
    (counted once), in snapshots instead of the superblock; trim, move and change work."""
    src = "c_mempool.c"
    raw, stderr, _ = traced_map(env, results, "mempool", src)
    if not raw:
        return
    want = {k: int(v) for k, v in program_figures(stderr, "pools").items()}
    pool_line = line_of(env, src, "POOL_MAP")
    pools = [r for r in raw.memory_map("peak").regions if region_made_at(raw, r, src, pool_line)]
    if not results.check("mempool: the pool's mapping is a region", len(pools) == 1):
        return
    check_pool_region(env, results, raw, pools[0], want)
    if not check_pool_snapshots(results, raw, want):
        return
    results.equal("mempool: no request was refused",
                  raw.records["map-events"][0]["bad-requests"], "0")


def case_file_mmap(env, results):
    """A file read into the heap is heap; the same file mapped is a file region, written
    only where a private mapping was changed."""
    src = "c_file_mmap.c"
    raw, _, _ = traced_map(env, results, "file_mmap", src)
    if not raw:
        return
    peak = raw.memory_map("peak")
    ro = [r for r in peak.regions if region_made_at(raw, r, src, line_of(env, src, "MAP_RO"))]
    cow = [r for r in peak.regions if region_made_at(raw, r, src, line_of(env, src, "MAP_COW"))]
    if not results.check("file_mmap: both mappings are regions", len(ro) == 1 and len(cow) == 1):
        return
    results.equal("file_mmap: the read-only mapping is a file, nothing written",
                  (ro[0]["kind"], ro[0]["size"], ro[0]["written"], ro[0]["prot"]),
                  ("file", 1 << 20, 0, "r--"))
    results.check("file_mmap: it names the file", "memattr-file-mmap-" in ro[0]["file"], ro[0])
    results.equal("file_mmap: the private writable mapping has the 3 changed pages written",
                  (cow[0]["kind"], cow[0]["written"]), ("file", 3 * 4096))
    results.equal("file_mmap: the buffer read into is heap", peak.fields["heap-bytes"], 1 << 20)
    anon_written = sum(r["written"] for r in peak.regions if r["kind"] != "file")
    results.check("file_mmap: the kernel's write into the heap is not counted as mapped memory",
                  peak.fields["footprint"] - peak.fields["heap-usable"]
                  - peak.fields["heap-headers"] + peak.fields["heap-unwritten"]
                  == anon_written + sum(r["written"] for r in peak.regions if r["kind"] == "file")
                  + peak.fields["written-outside"]
                  and anon_written < (1 << 20), peak.fields)


def check_wrap_regions(results, wrap):
    """Under --malloc=wrap: four arenas, each holding one thread's blocks; named stacks."""
    peak = wrap.memory_map("peak")
    arenas = [r for r in peak.regions if r["kind"] == "anon" and r["size"] == 64 << 20]
    results.equal("wrap_arenas: four 64 MiB arena reservations", len(arenas), 4)
    results.check("wrap_arenas: each holds one thread's 2,001 blocks, and is accessible and "
                  "written only in part",
                  all(a["used-blocks"] == 2001 and a["used"] == 2000 * 1000 + 2000 * 8
                      for a in arenas)
                  and all(a["used"] <= a["written"] <= a["accessible"] < a["size"] for a in arenas),
                  arenas)
    stacks = sorted(r["thread"] for r in peak.regions if r["kind"] == "stack")
    results.equal("wrap_arenas: the thread stacks are named", stacks, [1, 2, 3, 4, 5])
    results.check("wrap_arenas: the main thread's big block is glibc's own mapping",
                  any(r["used"] == 300000 and r["used-blocks"] == 1 for r in peak.regions),
                  [r for r in peak.regions if r["used-blocks"]])


def case_wrap_arenas(env, results):
    """--malloc=wrap: glibc's per-thread arenas appear with their reservation and the part
    written, each holding its thread's blocks; live heap agrees with replace mode."""
    runs = {mode: traced_map(env, results, f"wrap_arenas_{mode}", "c_wrap_arenas.c",
                             options=[f"--malloc={mode}"])[0] for mode in ("replace", "wrap")}
    if not all(runs.values()):
        return
    replace, wrap = runs["replace"], runs["wrap"]
    results.equal("wrap_arenas: peak and totals agree with replace mode", peak_and_totals(wrap),
                  peak_and_totals(replace))
    results.equal("wrap_arenas: the trace says wrap", wrap.records["run"][0]["malloc-mode"], "wrap")
    check_wrap_regions(results, wrap)
    results.equal("wrap_arenas: replace mode has no block in any region",
                  sum(r["used-blocks"] for r in replace.memory_map("peak").regions), 0)


def check_gap_parts(results, m, want, cache_line):
    """The gap's largest part, the thread stacks' part, and the never-written part."""
    top = m["explanations"][0]
    results.equal("mapped_gap: the largest part is the cache mapping, exactly what was filled",
                  (top["bytes"], f"c_mapped_gap.c:{cache_line}" in top["text"]),
                  (want["filled"], True))
    stacks = [e for e in m["explanations"] if e["text"].startswith("thread stacks")]
    results.check("mapped_gap: the thread stacks hold the worker's buffer",
                  len(stacks) == 1
                  and want["stack_buffer"] <= stacks[0]["bytes"] <= want["stack_buffer"] + (64 << 10),
                  stacks)
    never = m["never_written"][0]
    results.check("mapped_gap: the reserved but unfilled part is mapped but never written",
                  f"c_mapped_gap.c:{cache_line}" in never["text"]
                  and never["bytes"] == want["reserved"] - want["filled"], never)


def case_mapped_gap(env, results):
    """Resident memory far above the heap: the report explains the gap, part by part, and
    names the mapping that causes most of it."""
    src = "c_mapped_gap.c"
    raw, stderr, traced = traced_map(env, results, "mapped_gap", src)
    if not raw:
        return
    want = {k: int(v) for k, v in program_figures(stderr, "gap").items()}
    m = traced.report["memory_map"]
    results.equal("mapped_gap: the estimate less the file pages (code that ran, pages read) "
                  "is the tool's footprint",
                  m["estimate"] - m["total"]["code"] - m["total"]["read"], m["footprint"])
    results.check("mapped_gap: the gap is explained to within 1 %",
                  abs(m["unexplained"]) <= m["gap"] / 100 and m["explained"] + m["unexplained"] == m["gap"],
                  {k: m[k] for k in ("gap", "explained", "unexplained")})
    check_gap_parts(results, m, want, line_of(env, src, "CACHE_MAP"))
    results.check("mapped_gap: the text report has the memory map",
                  "Memory map at peak" in traced.text and "unexplained 0 bytes" in traced.text,
                  traced.text[-3000:])


def case_large_blocks_resident_where_written(env, results):
    """c_large_unwritten.c: 64 MiB of which 4 MiB written, a 32 MiB calloc never written, a
    buffer of 1 MiB written then grown to 8 MiB by realloc. The heap's part of the estimate is
    what was written of them (5 MiB and a header page each), not the 97 MiB or more usable."""
    case = "large_unwritten"
    traced = memattr(env, "c_large_unwritten.c")
    if not results.check(f"{case}: runs", traced.proc.returncode == 0
                         and traced.proc.stdout == "done\n", traced.proc.stderr[-2000:]):
        return
    memory_map = traced.report["memory_map"]
    heap = [part for part in memory_map["total"]["parts"] if part["kind"] == "heap"]
    MiB = 1 << 20
    # (The footprint peaks before the realloc as after it: 1 MiB written either way.)
    results.check(f"{case}: the usable heap at the footprint's peak is 97 MiB or more",
                  memory_map["heap"]["usable"] >= 97 * MiB, str(memory_map["heap"]))
    results.check(f"{case}: the heap's part is the pages written (5 MiB and headers)",
                  len(heap) == 1 and 5 * MiB <= heap[0]["bytes"] <= 5 * MiB + 64 * 1024,
                  str(heap))
    results.equal(f"{case}: the estimate is still the tool's footprint",
                  memory_map["total"]["discrepancy"], 0)
    # What is never written of the two is reserved and never written: the top findings, at
    # their lines, and their culprits count what was written only.
    src = "c_large_unwritten.c"
    KiB = 1 << 10
    near = lambda value, low, high: low <= value <= high
    expected = {line_of(env, src, "BIG"): (60 * MiB - 8 * KiB, 60 * MiB + 4 * KiB),
                line_of(env, src, "ZEROED"): (32 * MiB - 8 * KiB, 32 * MiB)}
    findings = {f["location"]["line"]: f["bytes"] for f in traced.report["findings"]
                if f["kind"] == "never_written" and f["location"]
                and os.path.basename(f["location"]["file"]) == src}
    results.check(f"{case}: a never-written finding at each line, of what was not written",
                  set(findings) >= set(expected)
                  and all(near(findings[line], *expected[line]) for line in expected),
                  f"got {findings}, expected within {expected}")
    # (Only "never read" at the same lines ranks above them: a block never read at all need
    # not be allocated, which saves more.)
    top = [f["kind"] for f in traced.report["findings"][:4]]
    results.equal(f"{case}: they are among the first findings",
                  sorted(top), ["never_read", "never_read", "never_written", "never_written"])
    sites = {site["id"]: site["location"]["line"] for site in traced.report["sites"]
             if site["location"] and os.path.basename(site["location"]["file"]) == src}
    culprits = {sites[c["site"]]: (c["bytes"], c["unwritten_bytes"])
                for c in traced.report["summary"]["culprits"]
                if c["kind"] == "site" and c["site"] in sites}
    big = culprits.get(line_of(env, src, "BIG"), (0, 0))
    results.check(f"{case}: the 64 MiB block's culprit is its 4 MiB written, the rest "
                  "said apart", near(big[0], 4 * MiB, 4 * MiB + 8 * KiB)
                  and near(big[1], *expected[line_of(env, src, "BIG")]), str(culprits))
    results.check(f"{case}: the summary says so",
                  re.search(r"live heap from main \(c_large_unwritten\.c:\d+\) \[site \d+\], "
                            r"and 60\.00 MiB more on pages never written", traced.text)
                  is not None, traced.text[:3000])


def case_upper_bound_without_pages(env, results):
    """c_reserved_deep.c with --track-access=no: the total is the tool's footprint although
    the main stack grew by 1 MiB with no mapping call; a PROT_NONE reservation counts by its
    accessible bytes only; and the upper bound is not below the default mode's estimate."""
    case = "upper bound without pages"
    src = "c_reserved_deep.c"
    bound = memattr(env, src, options=["--track-access=no"])
    estimate = memattr(env, src)
    if not results.check(f"{case}: both modes run",
                         all(r.proc.returncode == 0 and r.proc.stdout == "done\n"
                             for r in (bound, estimate)), bound.proc.stderr[-2000:]):
        return
    m = bound.report["memory_map"]
    results.equal(f"{case}: no page tracking", m["pages"], False)
    results.equal(f"{case}: the total is the tool's footprint",
                  (m["estimate"], m["total"]["discrepancy"]), (m["footprint"], 0))
    line = line_of(env, src, "RESERVE")
    reservation = [g for g in m["groups"]
                   if g["location"] and os.path.basename(g["location"]["file"]) == src
                   and g["location"]["line"] == line]
    results.equal(f"{case}: the reservation: 256 MiB mapped, 64 KiB in the upper bound",
                  [(g["mapped"], g["accessible"], g["may_be_resident"]) for g in reservation],
                  [(256 << 20, 64 << 10, 64 << 10)])
    stacks = [g for g in m["groups"] if g["kind"] == "thread_stacks"]
    results.check(f"{case}: the main stack's 1 MiB of recursion is in it",
                  len(stacks) == 1 and stacks[0]["may_be_resident"] >= 1 << 20, str(stacks))
    default = estimate.report["memory_map"]
    # (The default estimate's code and read parts are file pages: the bound is of anonymous
    # memory.)
    anonymous = default["estimate"] - default["total"]["code"] - default["total"]["read"]
    results.check(f"{case}: the upper bound is not below the default mode's estimate of "
                  "anonymous memory",
                  m["estimate"] >= anonymous,
                  f"upper bound {m['estimate']}, estimate {anonymous}")
    results.check(f"{case}: the summary calls it an upper bound",
                  "Resident        at most" in bound.text and "an upper bound" in bound.text
                  and "is inconsistent" not in bound.text, bound.text[:3000])


def case_brk_overflow_is_glibc_heap(env, results):
    """c_brk_overflow.c under --malloc=wrap: Valgrind refuses brk past its 8 MiB segment and
    glibc maps memory for its main arena; the map says so and groups those mappings with the
    brk heap, which then holds every small block, while the large block's own mapping stays
    a group of its own."""
    case = "brk overflow"
    src = "c_brk_overflow.c"
    traced = memattr(env, src, options=["--malloc=wrap"])
    if not results.check(f"{case}: runs", traced.proc.returncode == 0
                         and traced.proc.stdout == "done\n", traced.proc.stderr[-2000:]):
        return
    m = traced.report["memory_map"]
    results.check(f"{case}: the refused brk growths are counted",
                  m["map_events"]["brk_refused"] > 0, str(m["map_events"]))
    heap = [g for g in m["groups"] if g["kind"] == "brk_heap"]
    results.equal(f"{case}: one heap group, named for what happened",
                  [g["name"] for g in heap],
                  ["malloc's heap: brk, then mappings past Valgrind's brk limit"])
    results.check(f"{case}: it holds the 40,000 small blocks (and stdout's buffer)",
                  len(heap) == 1 and 40000 <= heap[0]["used_blocks"] <= 40001
                  and len(heap[0]["regions"]) > 1, str(heap)[:2000])
    line = line_of(env, src, "LARGE")
    large = [g for g in m["groups"] if g["kind"] != "brk_heap"
             and g["location"] and os.path.basename(g["location"]["file"]) == src]
    results.equal(f"{case}: the large block's mapping is its own group, the only other "
                  "made from the program",
                  [(g["location"]["line"], g["used_blocks"], g["used"]) for g in large],
                  [(line, 1, 2 << 20)])
    words = " ".join(traced.text.split())   # the note is wrapped
    results.check(f"{case}: the text report explains it",
                  "(\"brk segment overflow\": its brk heap ends 8 MiB" in words
                  and "glibc's malloc went on in memory it mapped" in words, words[:6000])


def region_at(results, case, peak, start):
    """The peak map's region starting at `start` (an address the program printed)."""
    found = peak.region_with(start=int(start, 16))
    if results.check(f"{case}: a region at {start}", len(found) == 1,
                     [(hex(r["start"]), r["size"]) for r in peak.regions if not r["startup"]]):
        return found[0]
    return None


def check_raw_history(env, results, case, raw, region, want):
    """The trace's region-change records: kinds, sizes, and each call's line."""
    src = "c_map_history.c"
    results.equal(f"{case}: {region['start']:#x}: changes", region["changes"], want["changes"])
    results.equal(f"{case}: {region['start']:#x}: kinds and sizes",
                  [(c["kind"], c["size"]) for c in region["history"]],
                  [(kind, size) for kind, size, _ in want["history"]])
    lines = [line_of(env, src, marker) for _, _, marker in want["history"]]
    made_at = [any(os.path.basename(f["file"]) == src and int(f["line"]) == line
                   for f in raw.stack_frames(c["stack"])) if c["stack"] else False
               for c, line in zip(region["history"], lines)]
    results.check(f"{case}: {region['start']:#x}: each change's stack has its call's line",
                  len(made_at) == len(lines) and all(made_at), list(zip(lines, made_at)))


def json_region(report, start):
    """The JSON report's region at `start` (hex string), or None."""
    for group in report["memory_map"]["groups"]:
        for region in group["regions"]:
            if int(region["start"], 16) == int(start, 16):
                return region
    return None


def check_json_history(env, results, case, report, start, want):
    """The JSON region's history: kinds, sizes, folded locations (the program's lines) and
    indexes, and its one-line text; returns the text."""
    src = "c_map_history.c"
    region = json_region(report, start)
    if not results.check(f"{case}: JSON: the region at {start}", region is not None):
        return ""
    results.equal(f"{case}: JSON {start}: changes", region["changes"], want["changes"])
    results.equal(f"{case}: JSON {start}: kind, size, line and index of each change",
                  [(c["kind"], c["size"], os.path.basename(c["location"]["file"]),
                    c["location"]["line"], c["index"]) for c in region["history"]],
                  [(kind, size, src, line_of(env, src, marker), index)
                   for (kind, size, marker), index in zip(want["history"], want["indexes"])])
    return region["history_text"]


def case_map_history(env, results):
    """A mapping's whole history: reserved 64 MiB, tail trimmed to 4 MiB, made rw-, grown
    to 8 MiB and moved by mremap (to 16 MiB), each call's line in the trace, the JSON report
    and one line of the text report; a region remapped 20 times keeps its first 4 and last
    4 changes and counts the others."""
    case = "map_history"
    src = "c_map_history.c"
    traced = memattr(env, src)
    raw = expect_raw(results, case, traced)
    if not raw:
        return
    want = program_figures(traced.proc.stderr, "history")
    mib, page = 1 << 20, 4096
    arena_want = {"changes": 5, "indexes": range(5), "history": [
        ("reserved", 64 * mib, "RESERVE"), ("trimmed-tail", 4 * mib, "TRIM"),
        ("protected", 4 * mib, "PROTECT"), ("grown", 8 * mib, "GROW"),
        ("moved", 16 * mib, "MOVE")]}
    loop = [("shrunk", page, "LOOP_SHRINK"), ("grown", 2 * page, "LOOP_GROW")]
    looped_want = {"changes": 21, "indexes": [0, 1, 2, 3, 17, 18, 19, 20],
                   "history": [("mapped", 2 * page, "LOOP_MAP"), *loop, loop[0], loop[0],
                               loop[1], loop[0], loop[1]]}
    peak = raw.memory_map("peak")
    texts = []
    for start, expected in ((want["arena"], arena_want), (want["looped"], looped_want)):
        region = region_at(results, case, peak, start)
        if region:
            check_raw_history(env, results, case, raw, region, expected)
        texts.append(check_json_history(env, results, case, traced.report, start, expected))
    at = {m: f"{src}:{line_of(env, src, m)}" for m in
          ("RESERVE", "TRIM", "PROTECT", "GROW", "MOVE", "LOOP_MAP", "LOOP_SHRINK", "LOOP_GROW")}
    arena_text = (f"reserved 64.00 MiB at {at['RESERVE']}, tail trimmed to 4.00 MiB at "
                  f"{at['TRIM']}, 4.00 MiB made rw- at {at['PROTECT']}, grown by mremap to "
                  f"8.00 MiB at {at['GROW']}, moved by mremap (now 16.00 MiB) at {at['MOVE']}")
    shrunk = f"shrunk by mremap to 4.00 KiB at {at['LOOP_SHRINK']}"
    grown = f"grown by mremap to 8.00 KiB at {at['LOOP_GROW']}"
    looped_text = ", ".join([f"mapped 8.00 KiB at {at['LOOP_MAP']}", shrunk, grown, shrunk,
                             "13 more changes", shrunk, grown, shrunk, grown])
    results.equal(f"{case}: JSON history_text", texts, [arena_text, looped_text])
    words = " ".join(traced.text.split())   # the report wraps its lines
    results.check(f"{case}: the text report tells both histories",
                  arena_text in words and looped_text in words, traced.text[:6000])
def traced_and_native(env, results, case, src, defines=()):
    """The program traced (Run), its raw trace (None if it failed, or if the program failed
    natively, a failure then) and its native run (Run), which must print "done"."""
    traced = memattr(env, src, defines=defines)
    raw = expect_raw(results, case, traced)
    native = run([executable(env, src, defines)])
    if raw is None or not results.check(f"{case}: runs natively",
                                        native.returncode == 0 and native.stdout == "done\n",
                                        native.stderr[-2000:]):
        return traced, None, native
    return traced, raw, native


def case_code_pages_resident(env, results):
    """c_code_pages.c: the pages of the code that ran are in the resident estimate, with the
    kernel's fault-around (issue 14). hot(), ~340 KiB, ran: all its pages are executed;
    cold(), ~170 KiB, never ran: no 64 KiB window wholly inside it is counted. And the
    estimate, code and read-only file pages read (case readonly pages) in it, is within 10 %
    of the native peak RSS (VmHWM, read by a native run of the program itself). Before the
    code was in it, the estimate was about 35 % below the native peak RSS less read-only file
    pages."""
    case = "code pages"
    traced, raw, native = traced_and_native(env, results, case, "c_code_pages.c")
    if raw is None:
        return
    code = {k: int(v, 16) for k, v in program_figures(traced.proc.stderr, "code").items()}
    figures = {k: int(v) << 10 for k, v in program_figures(native.stderr, "native").items()}
    page, window = 4096, 65536
    regions = [r for r in raw.memory_map("peak").regions
               if r["kind"] == "file" and r["start"] <= code["hot_lo"] < r["start"] + r["size"]]
    if not results.equal(f"{case}: one file region holds hot()", len(regions), 1):
        return
    region = regions[0]
    hot_pages = (code["hot_hi"] - 1) // page * page + page - code["hot_lo"] // page * page
    results.check(f"{case}: hot()'s pages are executed",
                  hot_pages <= region["executed"] <= hot_pages + 4 * page,
                  f"executed {region['executed']}, hot() on {hot_pages} bytes of pages")
    cold_windows = max(0, code["cold_hi"] // window * window
                       - (code["cold_lo"] + window - 1) // window * window)
    results.check(f"{case}: no window wholly inside cold() (never ran) is counted",
                  cold_windows >= window
                  and region["executed-around"] <= region["size"] - cold_windows,
                  f"executed around {region['executed-around']} of {region['size']}, "
                  f"{cold_windows} bytes of windows in cold()")
    memory_map = traced.report["memory_map"]
    exe = [p for p in memory_map["total"]["parts"]
           if p["kind"] == "code" and p["name"].endswith("/c_code_pages")]
    results.check(f"{case}: the program's code is a part of the estimate",
                  len(exe) == 1 and exe[0]["bytes"] == region["executed-around"], str(exe))
    results.equal(f"{case}: the estimate less the code and the pages read is the tool's "
                  "footprint",
                  (memory_map["total"]["discrepancy"],
                   memory_map["estimate"] - memory_map["total"]["code"]
                   - memory_map["total"]["read"]),
                  (0, memory_map["footprint"]))
    results.equal(f"{case}: the summary's resident code is the parts' sum",
                  traced.report["summary"]["resident"]["code"], memory_map["total"]["code"])
    results.check(f"{case}: the estimate is within 10 % of the native peak RSS",
                  abs(memory_map["estimate"] - figures["vmhwm"]) <= figures["vmhwm"] // 10,
                  f"estimate {memory_map['estimate']}, code {memory_map['total']['code']}; "
                  f"native: VmHWM {figures['vmhwm']}, code {figures['code_rss']}, "
                  f"read-only file pages {figures['readonly_rss']}")


def readonly_regions_read(raw, peak):
    """The `read` bytes of the peak map's read-only, not executable file regions, but those of
    Valgrind's preload objects (which a native run has not)."""
    return sum(r["read"] for r in peak.regions
               if r["kind"] == "file" and r["prot"] == "r--"
               and not os.path.basename(r["file"]).startswith("vgpreload_"))


def readonly_mapping_region(results, case, traced, peak):
    """The peak map's region of c_readonly_pages.c's file mapping (the address it printed),
    or None (a failure then)."""
    under = int(program_figures(traced.proc.stderr, "readonly")["mapping"], 16)
    regions = [r for r in peak.regions if r["start"] == under]
    if not results.equal(f"{case}: the mapping is a region", len(regions), 1):
        return None
    return regions[0]


def native_readonly_figures(env, native, src, traced_read, defines=()):
    """c_readonly_pages.c's own figures (bytes) from its native run. The kernel's
    fault-around maps only pages in the page cache that are not busy, so a native run beside
    heavy I/O (the test suite's other jobs) can find a few of the file's pages under
    writeback and map fewer (42 pages instead of 48, seen once in CI). A native run whose
    mapping Rss differs from the traced run's is run again, up to twice; the last run's
    figures are the ones compared when none agrees."""
    for attempt in range(3):
        figures = {k: int(v) << 10 for k, v in program_figures(native.stderr, "readonly").items()
                   if k in ("mapping_rss", "all_rss", "vmhwm")}
        if figures["mapping_rss"] == traced_read or attempt == 2:
            return figures
        native = run([executable(env, src, defines)])
    return figures


def case_readonly_pages_resident(env, results):
    """c_readonly_pages.c: the file pages a program reads through read-only mappings are in
    the resident estimate, as the kernel maps them (issue 14). The program reads 3 bytes of
    a 1 MiB file it mapped read-only: the region's `read` is the mapping's own Rss in
    /proc/self/smaps of a native run (48 pages: three 64 KiB fault-around windows, with the
    default fault_around_bytes), and a part of the estimate. The loader's tables and the
    read-only data of the program and its libraries are counted alike: the read-only
    mappings' `read` is within 64 KiB of their native Rss, and the estimate within 10 % of
    the native peak RSS. Before, no region had a `read` figure and the estimate had none of
    these pages."""
    case = "readonly pages"
    traced, raw, native = traced_and_native(env, results, case, "c_readonly_pages.c")
    if raw is None:
        return
    peak = raw.memory_map("peak")
    results.equal(f"{case}: the tool read the kernel's page table", peak.fields.get("read-seen"), 1)
    region = readonly_mapping_region(results, case, traced, peak)
    if region is None:
        return
    figures = native_readonly_figures(env, native, "c_readonly_pages.c", region.get("read"))
    results.equal(f"{case}: the mapping's pages read are its native Rss (48 pages with the "
                  "default fault-around)",
                  (region["prot"], region["written"], region.get("read")),
                  ("r--", 0, figures["mapping_rss"]))
    memory_map = traced.report["memory_map"]
    parts = [p for p in memory_map["total"]["parts"]
             if p["kind"] == "read" and p["name"] == f"file pages read in {region['file']}"]
    results.check(f"{case}: the file's pages read are a part of the estimate",
                  len(parts) == 1 and parts[0]["bytes"] == region["read"], str(parts))
    read = readonly_regions_read(raw, peak)
    results.check(f"{case}: the read-only mappings' pages read are their native Rss, within "
                  "64 KiB (the loader's tables and read-only data of the program and libc)",
                  abs(read - figures["all_rss"]) <= 65536,
                  f"read {read}, native Rss of r--p file mappings {figures['all_rss']}")
    results.equal(f"{case}: the summary's resident read is the parts' sum",
                  traced.report["summary"]["resident"]["read"], memory_map["total"]["read"])
    results.check(f"{case}: the estimate is within 10 % of the native peak RSS",
                  abs(memory_map["estimate"] - figures["vmhwm"]) <= figures["vmhwm"] // 10,
                  f"estimate {memory_map['estimate']}, read {memory_map['total']['read']}, "
                  f"code {memory_map['total']['code']}; native VmHWM {figures['vmhwm']}")


def case_readonly_pages_read_after_capture(env, results):
    """The pages read of read-only file mappings are counted from the kernel's page table
    again only when a file mapping changed, the footprint grew by more than 1/64 or 50 M
    instructions went by since the last reading (ma_regions.c, pages_read_due): a reading
    at every capture of the peak map cost py_big_heap 1.5 M system calls. Here the map is
    captured after the file is mapped and before its pages are read (c_readonly_pages.c
    built with READ_AFTER_CAPTURE); the peak comes after them with no mapping changed, the
    footprint 1.5 MiB higher: the peak map's count is the mapping's native Rss all the
    same. A build that read the page table again only when a mapping changed counted 0."""
    case = "readonly pages after a capture"
    defines = ["READ_AFTER_CAPTURE"]
    traced, raw, native = traced_and_native(env, results, case, "c_readonly_pages.c", defines)
    if raw is None:
        return
    region = readonly_mapping_region(results, case, traced, raw.memory_map("peak"))
    if region is None:
        return
    read = region.get("read")
    figures = native_readonly_figures(env, native, "c_readonly_pages.c", read, defines)
    results.equal(f"{case}: the mapping's pages read at the peak are its native Rss",
                  read, figures["mapping_rss"])


CASES = [case_mremap_arena, case_mempool, case_file_mmap, case_wrap_arenas, case_mapped_gap,
         case_large_blocks_resident_where_written, case_upper_bound_without_pages,
         case_brk_overflow_is_glibc_heap, case_map_history, case_code_pages_resident,
         case_readonly_pages_resident, case_readonly_pages_read_after_capture]
