"""Peak, totals, live at exit and per-site figures of programs whose allocations are known
exactly: the C allocation family, threads, C++ new/delete, Rust, and a million blocks."""

import os

from fixtures import (executable, expect_report, line_of, memattr, run, rustc_missing,
                      site_figure, site_ids_at, sites_with_frame)


def case_c_basic_peak(env, results):
    src = "c_basic_peak.c"
    r = expect_report(results, "c_basic_peak", memattr(env, src))
    if not r:
        return
    s = r["summary"]
    results.equal("c_basic_peak: peak bytes", s["peak"]["bytes"], 7000)
    results.equal("c_basic_peak: peak blocks", s["peak"]["blocks"], 2)
    # 1000 + 2000 + 1000 + 5000 (realloc) + 3000 (realloc) + 10*64 + 77
    results.equal("c_basic_peak: total bytes", s["total"]["bytes"], 12717)
    results.equal("c_basic_peak: total blocks", s["total"]["blocks"], 16)
    results.equal("c_basic_peak: exit bytes", s["exit"]["bytes"], 77)
    results.equal("c_basic_peak: exit blocks", s["exit"]["blocks"], 1)
    line = lambda m: line_of(env, src, m)
    results.equal("c_basic_peak: site @D peak bytes (realloc attributed to realloc line)",
                  site_figure(r, src, line("D"), ("peak", "bytes")), 5000)
    results.equal("c_basic_peak: site @B peak bytes",
                  site_figure(r, src, line("B"), ("peak", "bytes")), 2000)
    results.equal("c_basic_peak: site @A peak bytes (freed before the peak)",
                  site_figure(r, src, line("A"), ("peak", "bytes")), 0)
    results.equal("c_basic_peak: site @A own max",
                  site_figure(r, src, line("A"), ("max", "bytes")), 1000)
    results.equal("c_basic_peak: site @D realloc blocks",
                  site_figure(r, src, line("D"), ("realloc_blocks",)), 1)
    results.equal("c_basic_peak: site @T temporaries",
                  site_figure(r, src, line("T"), ("temporary", "blocks")), 10)
    results.equal("c_basic_peak: site @T total blocks",
                  site_figure(r, src, line("T"), ("total", "blocks")), 10)
    results.equal("c_basic_peak: site @K live at exit",
                  site_figure(r, src, line("K"), ("exit", "bytes")), 77)
    top = r["sites"][0]
    results.check("c_basic_peak: top site at peak is the @D line, folded past realloc",
                  top["location"]["line"] == line("D")
                  and os.path.basename(top["location"]["file"]) == src,
                  f"top site location {top['location']}")
    lt = [site["lifetime"] for site in sites_with_frame(r, src, line("K"))]
    results.check("c_basic_peak: lifetime of a block live at exit runs to the end",
                  len(lt) == 1 and 0 < lt[0]["min"] == lt[0]["max"],
                  f"{lt}")


def case_usable_bytes_are_glibcs(env, results):
    """c_usable_sizes.c: each site's usable bytes at the peak (memattr-graph, by glibc's chunk
    rule from the peak snapshot) equal what malloc_usable_size says of the same blocks in a
    native run of the program."""
    case = "usable_sizes"
    src = "c_usable_sizes.c"
    native = run([executable(env, src)])
    if not results.check(f"{case}: runs natively", native.returncode == 0, native.stderr):
        return
    line = native.stderr.strip().splitlines()[-1]
    usable = {k: int(v) for k, v in (f.split("=") for f in line.split()[1:])}
    r = expect_report(results, case, memattr(env, src))
    if r is None:
        return
    for group in ("small", "medium", "large", "near_page"):
        results.equal(f"{case}: {group} blocks' usable bytes at the peak",
                      site_figure(r, src, line_of(env, src, group), ("peak", "usable_bytes")),
                      usable[group])
    # The tool's memory map (heap-usable, at the peak) follows the same rule as the sites.
    results.equal(f"{case}: the memory map's usable heap bytes are the sites' usable bytes",
                  r["memory_map"]["heap"]["usable"],
                  sum(s["peak"]["usable_bytes"] or 0 for s in r["sites"]))


def case_c_alloc_family(env, results):
    src = "c_alloc_family.c"
    r = expect_report(results, "c_alloc_family", memattr(env, src, args=["--check-usable"]))
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    for marker, size in [("MEMALIGN", 300), ("POSIX", 200), ("ALIGNED", 640),
                         ("VALLOC", 100), ("ZERO", 0), ("REALLOCNULL", 50)]:
        results.equal(f"c_alloc_family: @{marker} bytes at peak",
                      site_figure(r, src, line(marker), ("peak", "bytes")), size)
        results.equal(f"c_alloc_family: @{marker} blocks",
                      site_figure(r, src, line(marker), ("total", "blocks")), 1)
    s = r["summary"]
    results.equal("c_alloc_family: peak bytes", s["peak"]["bytes"], 1290)
    results.equal("c_alloc_family: peak blocks", s["peak"]["blocks"], 6)
    results.equal("c_alloc_family: total bytes (failed calloc not counted)",
                  s["total"]["bytes"], 1300)
    results.equal("c_alloc_family: double free counted as a bad free",
                  s["total"]["bad_frees"], 1)
    results.equal("c_alloc_family: nothing live at exit", s["exit"]["bytes"], 0)


def case_c_threads(env, results):
    src = "c_threads.c"
    r = expect_report(results, "c_threads", memattr(env, src))
    if not r:
        return
    line = line_of(env, src, "WORKER")
    results.equal("c_threads: worker site bytes at peak (all 32 blocks live)",
                  site_figure(r, src, line, ("peak", "bytes")), 8 * 1024 * 10)
    results.equal("c_threads: worker site blocks at peak",
                  site_figure(r, src, line, ("peak", "blocks")), 32)
    threads = {t["id"]: t for t in r["threads"]}
    results.equal("c_threads: thread count", sorted(threads), [1, 2, 3, 4, 5])
    for k in range(1, 5):
        t = threads.get(k + 1)
        if not results.check(f"c_threads: thread {k + 1} present", t is not None):
            continue
        results.equal(f"c_threads: thread {k + 1} parent", t["parent"], 1)
        results.equal(f"c_threads: thread {k + 1} peak bytes", t["peak"]["bytes"], 8192 * k)
        results.equal(f"c_threads: thread {k + 1} peak blocks", t["peak"]["blocks"], 8)
        results.equal(f"c_threads: thread {k + 1} total bytes", t["total"]["bytes"], 8192 * k)
        results.equal(f"c_threads: thread {k + 1} live at the global peak (issue 17 item 5)",
                      t["at_global_peak"], {"bytes": 8192 * k, "blocks": 8})
    results.equal("c_threads: the threads' parts of the global peak add up to it",
                  sum(t["at_global_peak"]["bytes"] for t in threads.values()),
                  r["summary"]["peak"]["bytes"])


def case_thread_own_peaks(env, results):
    """c_thread_peaks.c: each thread's own peak by site (issue 17 item 5): thread 2 peaks
    first with 4 MiB from one site, thread 3 later with 2 MiB from another and twelve small
    sites (two fall past the top ten), main last with 3 MiB; the sites and the others add up
    to each thread's own peak."""
    case = "thread_own_peaks"
    src = "c_thread_peaks.c"
    traced = memattr(env, src)
    r = expect_report(results, case, traced)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    marker_of = {}
    for marker in ["MAIN_KEEP", "MAIN_BIG", "A_HANDOFF", "A_BIG", "A_SMALL", "A_ZERO"] + \
            [f"B_S{i}" for i in range(1, 13)] + ["B_BIG"]:
        for site_id in site_ids_at(r, src, line(marker)):
            marker_of[site_id] = marker
    threads = {t["id"]: t for t in r["threads"]}
    if not results.equal(f"{case}: threads", sorted(threads), [1, 2, 3]):
        return

    def top(thread):
        return [(marker_of.get(s["site"], s["site"]), s["bytes"], s["blocks"])
                for s in threads[thread]["own_peak"]["top_sites"]]

    mib = 1024 * 1024
    results.equal(f"{case}: thread 2's sites at its own peak", top(2),
                  [("A_BIG", 4 * mib, 4), ("A_SMALL", 3000, 3), ("A_HANDOFF", 500, 1),
                   ("A_ZERO", 0, 2)])
    results.equal(f"{case}: thread 2, no other site", threads[2]["own_peak"]["other_sites"],
                  {"sites": 0, "bytes": 0, "blocks": 0})
    results.equal(f"{case}: thread 3's ten largest sites at its own peak", top(3),
                  [("B_BIG", 2 * mib, 2)] + [(f"B_S{i}", 100 * i, 1) for i in range(12, 3, -1)])
    results.equal(f"{case}: thread 3's other sites", threads[3]["own_peak"]["other_sites"],
                  {"sites": 3, "bytes": 600, "blocks": 3})
    results.equal(f"{case}: main's largest site at its own peak", top(1)[0],
                  ("MAIN_BIG", 3 * mib, 1))
    results.check(f"{case}: the own peaks come one after the other",
                  threads[2]["peak"]["t"] < threads[3]["peak"]["t"] < threads[1]["peak"]["t"],
                  f"{[threads[k]['peak']['t'] for k in (1, 2, 3)]}")
    for k, t in threads.items():
        own = t["own_peak"]
        results.equal(f"{case}: thread {k}'s sites and the others hold its own peak",
                      (sum(s["bytes"] for s in own["top_sites"]) + own["other_sites"]["bytes"],
                       sum(s["blocks"] for s in own["top_sites"]) + own["other_sites"]["blocks"]),
                      (t["peak"]["bytes"], t["peak"]["blocks"]))
        results.equal(f"{case}: thread {k}'s own peak is not the global peak's sites",
                      own["same_as_global_peak"], False)
    results.equal(f"{case}: the sites' blocks at the global peak are its blocks (the 0-byte "
                  "blocks freed at the peak's bytes included)",
                  sum(s["peak"]["blocks"] for s in r["sites"]), r["summary"]["peak"]["blocks"])
    results.equal(f"{case}: thread 2's own peak is the global peak",
                  threads[2]["at_global_peak"]["bytes"], threads[2]["peak"]["bytes"])
    results.check(f"{case}: the text names thread 3's largest site",
                  f"  its sites     2.00 MiB (2,097,152 bytes) in 2 blocks: second "
                  f"({src}:{line('B_BIG')})" in traced.text, traced.text)
    results.check(f"{case}: the text counts thread 3's other sites",
                  "and 3 other sites: 600 bytes in 3 blocks" in traced.text, traced.text)


def case_single_thread_own_peak(env, results):
    """A single thread's own peak is the global peak: the report says so and lists no sites
    of its own (issue 17 item 5)."""
    case = "single_thread_own_peak"
    traced = memattr(env, "c_basic_peak.c")
    r = expect_report(results, case, traced)
    if not r:
        return
    results.equal(f"{case}: one thread", len(r["threads"]), 1)
    results.equal(f"{case}: its own peak", r["threads"][0]["own_peak"],
                  {"same_as_global_peak": True, "top_sites": None, "other_sites": None})
    results.equal(f"{case}: its own peak is the global peak's bytes and time",
                  (r["threads"][0]["peak"]["bytes"], r["threads"][0]["peak"]["t"]),
                  (r["summary"]["peak"]["bytes"], r["summary"]["peak"]["t"]))
    results.check(f"{case}: the text says so", ", same as the global peak\n" in traced.text,
                  traced.text)


def check_folds_to_line(results, name, report, src, line):
    """The allocation at src:line is reported at the user's line, not in the runtime."""
    sites = sites_with_frame(report, src, line)
    results.check(f"{name} site folds to the user's line",
                  any(os.path.basename(s["location"]["file"]) == src
                      and s["location"]["line"] == line for s in sites),
                  f"{[s['location'] for s in sites]}")


def case_cxx_alloc(env, results):
    src = "cxx_alloc.cpp"
    r = expect_report(results, "cxx_alloc", memattr(env, src))
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    for marker, size in [("NEW", 4), ("NEWARR", 400), ("ALIGNEDNEW", 128),
                         ("NOTHROW", 40), ("RESERVE", 8000), ("STRING", 101)]:
        results.equal(f"cxx_alloc: @{marker} bytes at peak",
                      site_figure(r, src, line(marker), ("peak", "bytes")), size)
        results.equal(f"cxx_alloc: @{marker} freed",
                      site_figure(r, src, line(marker), ("exit", "bytes")), 0)
        check_folds_to_line(results, f"cxx_alloc: @{marker}", r, src, line(marker))


def case_rust_alloc(env, results):
    if rustc_missing(results, "rust_alloc"):
        return
    src = "rust_alloc.rs"
    r = expect_report(results, "rust_alloc", memattr(env, src))
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    for marker, size in [("VEC", 8000), ("STRING", 300), ("BOX", 4096)]:
        results.equal(f"rust_alloc: @{marker} bytes at peak",
                      site_figure(r, src, line(marker), ("peak", "bytes")), size)
        check_folds_to_line(results, f"rust_alloc: @{marker}", r, src, line(marker))


def trace_bytes(trace):
    """(bytes of snapshot records, bytes of every other record) of a trace."""
    snapshot_bytes, other_bytes = 0, 0
    with open(trace, "rb") as f:
        for record in f:
            if record.split(b"\t", 1)[0] in (b"snapshot", b"blocks", b"root", b"snapshot-cost"):
                snapshot_bytes += len(record)
            else:
                other_bytes += len(record)
    return snapshot_bytes, other_bytes


def case_c_many_allocs(env, results):
    run = memattr(env, "c_many_allocs.c")
    r = expect_report(results, "c_many_allocs", run)
    if not r:
        return
    s = r["summary"]
    results.equal("c_many_allocs: peak bytes", s["peak"]["bytes"], 100064)
    results.equal("c_many_allocs: peak blocks", s["peak"]["blocks"], 1001)
    results.equal("c_many_allocs: total bytes", s["total"]["bytes"], 40100000)
    results.equal("c_many_allocs: total blocks", s["total"]["blocks"], 1001000)
    results.equal("c_many_allocs: temporaries", s["temporary"]["blocks"], 1000000)
    # Snapshots grow with the live heap (1001 blocks at the peak, and the 1000 globals
    # pointing at them), everything else must not grow with the allocations.
    snapshot_bytes, other_bytes = trace_bytes(run.trace)
    results.check("c_many_allocs: trace stays small (< 64 KiB for 1M allocations, snapshots aside)",
                  other_bytes < 64 * 1024, f"{other_bytes} bytes")
    results.check("c_many_allocs: snapshots take < 200 bytes per live block and root",
                  snapshot_bytes < 200 * (1001 + 1000 + 10), f"{snapshot_bytes} bytes")
    points = len(r["timeline"])
    results.check("c_many_allocs: timeline has 500..1002 points", 500 <= points <= 1002,
                  f"{points} points")
    peak_points = [p for p in r["timeline"] if p["bytes"] == s["peak"]["bytes"]
                   and p["t"] == s["peak"]["t"]]
    results.check("c_many_allocs: timeline contains the exact peak", len(peak_points) >= 1)
    times = [p["t"] for p in r["timeline"]]
    results.check("c_many_allocs: timeline in time order", times == sorted(times))


CASES = [case_c_basic_peak, case_usable_bytes_are_glibcs, case_c_alloc_family, case_c_threads,
         case_thread_own_peaks, case_single_thread_own_peak, case_cxx_alloc,
         case_rust_alloc, case_c_many_allocs]
