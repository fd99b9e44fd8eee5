#!/usr/bin/env python3
"""Tool regression tests for memattr.

Each case builds a small C, C++ or Rust program from tests/tool/ whose
allocation figures are known exactly, runs it under memattr, reads the
trace back through `memattr-graph json`, and checks the figures: peak,
totals, live at exit, per-site bytes by file:line, threads, temporaries,
traces of programs that die, fork or exec.  The agreement cases run the
same programs under DHAT and Massif and check that peak and total
figures are equal.

Every check is one test case; the script ends with `N passed, N failed`.
Usage: test_tool.py --srcdir DIR --builddir DIR [-k SUBSTRING] [-v]
"""

import argparse
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys

from raw_trace import RawTrace


class Results:
    """Counts checks and prints each outcome as it happens."""

    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")
        return ok

    def equal(self, name, actual, expected):
        return self.check(name, actual == expected,
                          f"got {actual!r}, expected {expected!r}")


class Env:
    """Where things are: sources, build products, scratch directory."""

    def __init__(self, srcdir, builddir):
        self.src = os.path.join(srcdir, "tests", "tool")
        self.include = os.path.join(srcdir, "memattr")
        self.work = os.path.join(builddir, "tests", "work")
        self.launcher = os.path.join(builddir, "memattr-inplace")
        self.graph = os.path.join(builddir, "memattr-graph")
        os.makedirs(self.work, exist_ok=True)

    def source(self, name):
        return os.path.join(self.src, name)

    def out(self, name):
        return os.path.join(self.work, name)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build(env, source, defines=()):
    """Compile a test program once; returns the executable path.  Each set of
    preprocessor `defines` (e.g. ["MEMATTR_REQUESTS"]) makes its own executable."""
    name, ext = os.path.splitext(source)
    exe = env.out("-".join([name, *(d.lower() for d in defines)]))
    src = env.source(source)
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(src):
        return exe
    include = ["-I", env.include, *(f"-D{d}" for d in defines)]   # memattr.h, as installed
    if ext == ".c":
        cmd = ["gcc", "-g", "-O0", "-pthread", *include, "-o", exe, src]
    elif ext == ".cpp":
        cmd = ["g++", "-std=c++17", "-g", "-O0", *include, "-o", exe, src]
    elif ext == ".rs":
        cmd = ["rustc", "-g", "-C", "opt-level=1", "--edition", "2021",
               "-o", exe, src]
    else:
        raise ValueError(source)
    proc = run(cmd)
    if proc.returncode != 0:
        raise RuntimeError(f"building {source} failed:\n{proc.stderr}")
    return exe


def line_of(env, source, marker):
    """The line number of the comment marker '@MARKER' in a test source."""
    pattern = re.compile(r"@" + re.escape(marker) + r"\b")
    with open(env.source(source)) as f:
        for number, text in enumerate(f, 1):
            if pattern.search(text):
                return number
    raise KeyError(f"marker @{marker} not in {source}")


def memattr(env, exe, trace, args=(), options=()):
    """Run exe under memattr writing trace; returns the CompletedProcess."""
    cmd = [env.launcher, f"--memattr-out-file={trace}", *options, exe, *args]
    return run(cmd, cwd=env.work)


def report_json(env, trace, *options):
    proc = run([env.graph, "json", trace, "--frames", "40", *options])
    if proc.returncode != 0:
        raise RuntimeError(f"memattr-graph json {trace} failed: {proc.stderr}")
    return json.loads(proc.stdout)


def sites_with_frame(report, source, line):
    """Sites whose stack has a frame at source:line (the basename)."""
    found = []
    for site in report["sites"]:
        for frame in site["stack"]:
            if os.path.basename(frame["file"]) == source and frame["line"] == line:
                found.append(site)
                break
    return found


def site_figure(report, source, line, path):
    """Sum of a figure (e.g. ('peak', 'bytes')) over the sites at source:line."""
    total = 0
    for site in sites_with_frame(report, source, line):
        value = site
        for key in path:
            value = value[key]
        total += value
    return total


def traced(env, results, case, source, args=(), options=(), expect_rc=0, defines=()):
    """Build and run one program under memattr; returns its JSON report."""
    exe = build(env, source, defines)
    trace = env.out(f"{case.replace(' ', '_')}.trace")
    if os.path.exists(trace):
        os.remove(trace)
    proc = memattr(env, exe, trace, args, options)
    results.check(f"{case}: program exit status", proc.returncode == expect_rc,
                  f"exit {proc.returncode}, expected {expect_rc}; stderr:\n{proc.stderr[-2000:]}")
    if expect_rc == 0:
        results.equal(f"{case}: program output unchanged", proc.stdout, "done\n")
    if not results.check(f"{case}: trace written", os.path.exists(trace),
                         proc.stderr[-2000:]):
        return None
    report = report_json(env, trace)
    results.check(f"{case}: trace complete", report["trace"]["complete"] is True)
    return report


# ---------------------------------------------------------------- cases

def case_c_basic_peak(env, results):
    src = "c_basic_peak.c"
    r = traced(env, results, "c_basic_peak", src)
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


def case_c_alloc_family(env, results):
    src = "c_alloc_family.c"
    r = traced(env, results, "c_alloc_family", src, args=["--check-usable"])
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
    r = traced(env, results, "c_threads", src)
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


def case_cxx_alloc(env, results):
    src = "cxx_alloc.cpp"
    r = traced(env, results, "cxx_alloc", src)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    for marker, size in [("NEW", 4), ("NEWARR", 400), ("ALIGNEDNEW", 128),
                         ("NOTHROW", 40), ("RESERVE", 8000), ("STRING", 101)]:
        results.equal(f"cxx_alloc: @{marker} bytes at peak",
                      site_figure(r, src, line(marker), ("peak", "bytes")), size)
        results.equal(f"cxx_alloc: @{marker} freed",
                      site_figure(r, src, line(marker), ("exit", "bytes")), 0)
        sites = sites_with_frame(r, src, line(marker))
        results.check(f"cxx_alloc: @{marker} site folds to the user's line",
                      any(os.path.basename(s["location"]["file"]) == src
                          and s["location"]["line"] == line(marker) for s in sites),
                      f"{[s['location'] for s in sites]}")


def case_rust_alloc(env, results):
    if not shutil.which("rustc"):
        results.check("rust_alloc: rustc available", False, "rustc not in PATH")
        return
    src = "rust_alloc.rs"
    r = traced(env, results, "rust_alloc", src)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    for marker, size in [("VEC", 8000), ("STRING", 300), ("BOX", 4096)]:
        results.equal(f"rust_alloc: @{marker} bytes at peak",
                      site_figure(r, src, line(marker), ("peak", "bytes")), size)
        sites = sites_with_frame(r, src, line(marker))
        results.check(f"rust_alloc: @{marker} site folds to the user's line",
                      any(os.path.basename(s["location"]["file"]) == src
                          and s["location"]["line"] == line(marker) for s in sites),
                      f"{[s['location'] for s in sites]}")


def case_c_many_allocs(env, results):
    src = "c_many_allocs.c"
    r = traced(env, results, "c_many_allocs", src)
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
    snapshot_bytes, other_bytes = 0, 0
    with open(env.out("c_many_allocs.trace"), "rb") as f:
        for record in f:
            if record.split(b"\t", 1)[0] in (b"snapshot", b"block", b"root", b"snapshot-cost"):
                snapshot_bytes += len(record)
            else:
                other_bytes += len(record)
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


def case_c_fatal_signal(env, results):
    src = "c_fatal_signal.c"
    for how, args, rc in [("SIGSEGV", [], -signal.SIGSEGV),
                          ("abort", ["abort"], -signal.SIGABRT)]:
        r = traced(env, results, f"c_fatal_signal {how}", src, args=args, expect_rc=rc)
        if not r:
            continue
        results.equal(f"c_fatal_signal {how}: block live at death",
                      site_figure(r, src, line_of(env, src, "HELD"), ("exit", "bytes")), 4096)
        results.equal(f"c_fatal_signal {how}: the trace says a signal ended the run",
                      r["trace"]["exit_reason"], "signal")


def case_c_signals(env, results):
    src = "c_signals.c"
    r = traced(env, results, "c_signals", src)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    results.equal("c_signals: blocks allocated in the handler",
                  site_figure(r, src, line("HANDLER"), ("total", "blocks")), 5)
    results.equal("c_signals: bytes allocated in the handler, all live at the peak",
                  site_figure(r, src, line("HANDLER"), ("peak", "bytes")), 640)
    results.equal("c_signals: peak bytes", r["summary"]["peak"]["bytes"], 1640)
    results.equal("c_signals: exit reason", r["trace"]["exit_reason"], "exit")


def case_c_fork(env, results):
    src = "c_fork.c"
    exe = build(env, src)
    for old in os.listdir(env.work):
        if old.startswith("c_fork.trace."):
            os.remove(env.out(old))
    proc = memattr(env, exe, env.out("c_fork.trace.%p"))
    results.equal("c_fork: program exit status", proc.returncode, 0)
    traces = sorted(f for f in os.listdir(env.work) if f.startswith("c_fork.trace."))
    if not results.equal("c_fork: one trace per process", len(traces), 2):
        return
    reports = [report_json(env, env.out(t)) for t in traces]
    children = [x for x in reports if x["trace"]["fork_of"] != 0]
    parents = [x for x in reports if x["trace"]["fork_of"] == 0]
    if not results.check("c_fork: one parent and one child trace",
                         len(children) == 1 and len(parents) == 1):
        return
    child, parent = children[0], parents[0]
    results.equal("c_fork: child names its parent", child["trace"]["fork_of"],
                  parent["trace"]["pid"])
    line = lambda m: line_of(env, src, m)
    results.equal("c_fork: child holds the inherited block",
                  site_figure(child, src, line("BEFORE"), ("exit", "bytes")), 1000)
    results.equal("c_fork: child's own block",
                  site_figure(child, src, line("CHILD"), ("exit", "bytes")), 2000)
    results.equal("c_fork: parent does not see the child's block",
                  site_figure(parent, src, line("CHILD"), ("total", "bytes")), 0)
    results.equal("c_fork: parent's block after the fork",
                  site_figure(parent, src, line("AFTER"), ("exit", "bytes")), 3000)


def case_c_exec(env, results):
    src = "c_exec.c"
    exe = build(env, src)
    trace = env.out("c_exec.trace")
    if os.path.exists(trace):
        os.remove(trace)
    proc = memattr(env, exe, trace)
    results.equal("c_exec: program exit status (of /bin/true)", proc.returncode, 0)
    if not results.check("c_exec: trace written before the exec", os.path.exists(trace)):
        return
    r = report_json(env, trace)
    results.equal("c_exec: exit reason", r["trace"]["exit_reason"], "exec")
    results.equal("c_exec: block live at the exec",
                  site_figure(r, src, line_of(env, src, "HELD"), ("exit", "bytes")), 500)


def case_tool_options(env, results):
    proc = run([env.launcher, "--help"])
    for option in ("--memattr-out-file", "--timeline-points", "--track-access"):
        results.check(f"tool options: --help documents {option}", option in proc.stdout)
    exe = build(env, "c_basic_peak.c")
    proc = run([env.launcher, "--no-such-option=1", exe])
    results.check("tool options: an unknown option is refused with a message",
                  proc.returncode != 0 and "no-such-option" in proc.stderr,
                  f"rc {proc.returncode}: {proc.stderr[-500:]}")
    proc = run([env.launcher, "--timeline-points=5", exe])
    results.check("tool options: an out-of-range value is refused",
                  proc.returncode != 0 and "timeline-points" in proc.stderr,
                  f"rc {proc.returncode}: {proc.stderr[-500:]}")


def case_trace_destinations(env, results):
    exe = build(env, "c_basic_peak.c")
    missing = env.out("no-such-dir/trace")
    proc = memattr(env, exe, missing)
    results.check("trace destinations: an unwritable trace path is named in a clear error",
                  f"cannot create the trace file '{missing}': no such directory" in proc.stderr,
                  proc.stderr[-500:])
    results.check("trace destinations: the program still runs normally",
                  proc.returncode == 0 and proc.stdout == "done\n", f"rc {proc.returncode}")

    # A destination that is not a regular file is written in place, never replaced
    # by a rename (as root that would replace e.g. a /dev node).
    fifo = env.out("trace.fifo")
    if os.path.exists(fifo):
        os.remove(fifo)
    os.mkfifo(fifo)
    received = env.out("trace.from-fifo")
    with open(received, "w") as sink:
        reader = subprocess.Popen(["cat", fifo], stdout=sink)
        memattr(env, exe, fifo)
        try:
            reader.wait(timeout=60)
        except subprocess.TimeoutExpired:   # nothing was written into the FIFO
            reader.kill()
    results.check("trace destinations: a FIFO stays a FIFO",
                  stat.S_ISFIFO(os.stat(fifo).st_mode))
    summary = report_json(env, received)["summary"]
    results.equal("trace destinations: the trace streamed through a FIFO is complete",
                  summary["peak"]["bytes"], 7000)


# ------------------------------------------------------------ copy lineage

def site_by_id(report, site_id):
    return next(site for site in report["sites"] if site["id"] == site_id)


def at_line(location, source, line):
    return os.path.basename(location["file"]) == source and location["line"] == line


def movable_rows(report, source, line):
    """'Copies that could be moves' rows whose copy site is source:line."""
    return [row for row in report["copies"]["movable_clones"]
            if at_line(row["location"], source, line)]


def without_time(figures):
    return {key: value for key, value in figures.items() if key != "t"}


def rows_in_source(report, source):
    return [row for row in report["copies"]["movable_clones"]
            if os.path.basename(row["location"]["file"]) == source]


def text_report(env, trace, *options):
    proc = run([env.graph, "report", trace, *options])
    if proc.returncode != 0:
        raise RuntimeError(f"memattr-graph report {trace} failed: {proc.stderr}")
    return proc.stdout


def check_movable(results, name, report, source, copy_line, original_line, peak_bytes):
    """One copy site's clones that could be moves: bytes at the peak, and the
    original's allocation site."""
    rows = movable_rows(report, source, copy_line)
    results.equal(f"{name}: bytes at the peak of originals beside their clones",
                  sum(row["peak_source_bytes"] for row in rows), peak_bytes)
    originals = {site_by_id(report, row["source_site"])["location"]["line"] for row in rows}
    results.equal(f"{name}: the originals' allocation site", originals, {original_line})


def case_c_clone_memcpy(env, results):
    src = "c_clone_memcpy.c"
    r = traced(env, results, "c_clone_memcpy", src)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    check_movable(results, "c_clone_memcpy: memcpy clone", r, src, line("CLONE"),
                  line("ORIGINAL"), 300000)
    check_movable(results, "c_clone_memcpy: inline copy loop clone", r, src,
                  line("LOOP_CLONE"), line("LOOP_ORIGINAL"), 40000)
    check_movable(results, "c_clone_memcpy: rep movsq clone", r, src, line("REP_CLONE"),
                  line("REP_ORIGINAL"), 16384)
    results.equal("c_clone_memcpy: no other copy flagged (source read after, relocations)",
                  r["copies"]["totals"]["movable_clones"]["peak_source_bytes"], 356384)
    for marker in ("READ_AFTER", "MOVE_BY_COPY", "REALLOC"):
        results.equal(f"c_clone_memcpy: @{marker} is not a clone that could be a move",
                      movable_rows(r, src, line(marker)), [])
    relocations = r["copies"]["relocations"]
    results.check("c_clone_memcpy: realloc that moved is relocation churn at its line",
                  any(at_line(row["location"], src, line("REALLOC")) and row["kind"] == "realloc"
                      and row["bytes"] == 1000 for row in relocations), f"{relocations}")
    results.check("c_clone_memcpy: memcpy then free is relocation churn at its line",
                  any(at_line(row["location"], src, line("MOVE_BY_COPY"))
                      and row["bytes"] == 4000 for row in relocations), f"{relocations}")
    never = sites_with_frame(r, src, line("NEVER_READ"))
    results.equal("c_clone_memcpy: the table written and never read",
                  [site["access"]["written_never_read"]["bytes"] for site in never], [64000])
    results.equal("c_clone_memcpy: the clone read back is not never-read",
                  [site["access"]["never_read"]["bytes"]
                   for site in sites_with_frame(r, src, line("CLONE_ALLOC"))], [0])
    text = text_report(env, env.out("c_clone_memcpy.trace"))
    results.check("c_clone_memcpy: the text report names the copy line",
                  f"{src}:{line('CLONE')}" in text.split("Copies that could be moves")[-1],
                  text[-3000:])


def record_lengths():
    """cxx_clone_vs_move.cpp's records: "record-<i>:" then 24 + i % 50 letters."""
    return [len(f"record-{i}:") + 24 + i % 50 for i in range(200)]


def case_cxx_clone_vs_move(env, results):
    src = "cxx_clone_vs_move.cpp"
    line = lambda m: line_of(env, src, m)
    r = traced(env, results, "cxx_clone_vs_move copy", src, args=["copy"])
    if r:
        check_movable(results, "cxx_clone_vs_move copy: vector<string> passed by value",
                      r, src, line("COPY"), line("APPEND"),
                      sum(n + 1 for n in record_lengths()))
        results.equal("cxx_clone_vs_move copy: one pair per record",
                      sum(row["pairs"] for row in movable_rows(r, src, line("COPY"))), 200)
    r = traced(env, results, "cxx_clone_vs_move move", src, args=["move"])
    if r:
        results.equal("cxx_clone_vs_move move: std::move gives no finding",
                      r["copies"]["movable_clones"], [])


def rust_segment_bytes():
    """rust_clone_vs_move.rs's segment_size over 4 threads of 40 segments."""
    return sum(1000 + 16 * ((t * 31 + i * 7) % 64) for t in range(4) for i in range(40))


def case_rust_clone_vs_move(env, results):
    if not shutil.which("rustc"):
        results.check("rust_clone_vs_move: rustc available", False, "rustc not in PATH")
        return
    src = "rust_clone_vs_move.rs"
    line = lambda m: line_of(env, src, m)
    r = traced(env, results, "rust_clone_vs_move clone", src, args=["clone"])
    if r:
        rows = movable_rows(r, src, line("CLONE"))
        results.equal("rust_clone_vs_move clone: bytes at the peak of originals beside "
                      "their clones (4 threads)",
                      sum(row["peak_source_bytes"] for row in rows), rust_segment_bytes())
        results.equal("rust_clone_vs_move clone: one pair per segment",
                      sum(row["pairs"] for row in rows), 160)
        results.equal("rust_clone_vs_move clone: nothing else in the program flagged",
                      sum(row["pairs"] for row in rows_in_source(r, src)), 160)
        originals = {site_by_id(r, row["source_site"])["location"]["line"] for row in rows}
        results.check("rust_clone_vs_move clone: originals allocated in make_segments",
                      originals and originals <= {line("ORIGINAL")}, f"{originals}")
        results.check("rust_clone_vs_move clone: Vec growth is relocation churn",
                      any(row["kind"] == "realloc" for row in r["copies"]["relocations"]))
    r = traced(env, results, "rust_clone_vs_move move", src, args=["move"])
    if r:
        # (The Rust runtime's own start-up copies are reported at `main`, outside
        # the program's source; they are not the program's.)
        results.equal("rust_clone_vs_move move: into_iter() gives no finding",
                      rows_in_source(r, src), [])


def case_lineage_graph(env, results):
    trace = env.out("c_clone_memcpy.trace")
    if not os.path.exists(trace):
        traced(env, results, "c_clone_memcpy", "c_clone_memcpy.c")
    dot_file = env.out("lineage.dot")
    proc = run([env.graph, "lineage", trace, "-o", dot_file])
    if not results.check("lineage: memattr-graph lineage writes a DOT file",
                         proc.returncode == 0 and os.path.exists(dot_file), proc.stderr):
        return
    with open(dot_file) as f:
        dot = f.read()
    results.check("lineage: the clone that could be a move is highlighted", "red" in dot, dot[:2000])
    if shutil.which("dot"):
        proc = run(["dot", "-Tsvg", dot_file, "-o", env.out("lineage.svg")])
        results.check("lineage: Graphviz renders it", proc.returncode == 0, proc.stderr)


def case_access_off(env, results):
    src = "c_clone_memcpy.c"
    r = traced(env, results, "access off", src, options=["--track-access=no"])
    if not r:
        return
    results.equal("access off: the trace says access tracking was off",
                  r["trace"]["access"], False)
    results.equal("access off: no copy findings", r["copies"]["movable_clones"], [])
    text = text_report(env, env.out("access_off.trace"))
    results.check("access off: the report says why there is no copy analysis",
                  "--track-access=no" in text, text[-2000:])
    on = report_json(env, env.out("c_clone_memcpy.trace")) \
        if os.path.exists(env.out("c_clone_memcpy.trace")) else None
    if on:
        # (Instruction times differ: the copy functions run differently.)
        results.equal("access off: same peak as with access tracking",
                      without_time(r["summary"]["peak"]), without_time(on["summary"]["peak"]))


# ------------------------------------------------- ownership at the peak (snapshots)

# cxx_owner_tree.cpp's shape: 8 pages of 12 lines; the glyph buffer of line l of page p.
OWNER_PAGES, OWNER_LINES = 8, 12


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


def run_traced(env, results, case, source, options=(), defines=()):
    """Build a program and run it under memattr; returns (RawTrace or None, trace path, the
    CompletedProcess).  The program must print "done" and nothing else on stdout."""
    exe = build(env, source, defines)
    trace = env.out(f"{case}.trace")
    if os.path.exists(trace):
        os.remove(trace)
    proc = memattr(env, exe, trace, options=options)
    ok = results.check(f"{case}: runs and writes a trace",
                       proc.returncode == 0 and proc.stdout == "done\n" and os.path.exists(trace),
                       proc.stderr[-2000:])
    return (RawTrace(trace) if ok else None), trace, proc


def traced_raw(env, results, case, source, options=()):
    """Run a program under memattr; returns (RawTrace, trace path) or (None, path)."""
    raw, trace, _ = run_traced(env, results, case, source, options)
    return raw, trace


def traced_peak(env, results, case, source):
    """Run a program under memattr; returns (RawTrace, its peak snapshot) or (None, None)."""
    raw, _ = traced_raw(env, results, case, source)
    peak = raw.snapshot("peak") if raw else None
    if raw and not results.check(f"{case}: a peak snapshot", peak is not None):
        return None, None
    return raw, peak


def blocks_of_site(raw, snapshot, source, line):
    return [b for b in snapshot.blocks if raw.site_at(b["site"], source, line)]


def case_owner_tree_snapshot(env, results):
    """The tool's facts: the peak snapshot, pointers and named roots."""
    src = "cxx_owner_tree.cpp"
    line = lambda m: line_of(env, src, m)
    raw, peak = traced_peak(env, results, "owner_tree", src)
    if not peak:
        return
    results.equal("owner_tree: the peak snapshot is at the peak (taken at the first free after it)",
                  int(peak.fields["bytes"]), int(raw.records["peak"][0]["bytes"]))
    results.equal("owner_tree: the trace gives the snapshot budget (default 10)",
                  raw.records["run"][0].get("snapshot-budget"), "10")
    results.equal("owner_tree: the snapshot's blocks sum to its bytes",
                  sum(b["size"] for b in peak.blocks), int(peak.fields["bytes"]))
    requested = [s for s in raw.snapshots if s.name == "built"]
    results.check("owner_tree: MEMATTR_SNAPSHOT(\"built\") gives a requested snapshot",
                  len(requested) == 1 and "request" in requested[0].kinds,
                  [s.fields for s in raw.snapshots])
    results.check("owner_tree: an exit snapshot is the last",
                  "exit" in raw.snapshots[-1].kinds, [s.fields for s in raw.snapshots])

    def root_targets(kind, predicate):
        return [peak.block(r["to"]) for r in peak.roots if r["kind"] == kind and predicate(r)]

    named = lambda name: lambda r: r["name"] == name and r["toff"] == "0"
    for name, marker in [("g_document", "DOCUMENT"), ("g_cache", "CACHE")]:
        targets = root_targets("global", named(name))
        results.check(f"owner_tree: global root {name} is named and points at its object",
                      len(targets) == 1 and raw.site_at(targets[0]["site"], src, line(marker)),
                      [r for r in peak.roots if r["kind"] == "global"])
    in_frame = lambda fn: lambda r: r.get("stack", "0") != "0" and any(
        f["fn"].startswith(fn) for f in raw.stack_frames(int(r["stack"])))
    targets = root_targets("stack", in_frame("hold_on_stack"))
    results.check("owner_tree: stack root in hold_on_stack's frame holds the scratch buffer",
                  any(raw.site_at(b["site"], src, line("SCRATCH")) for b in targets),
                  [r for r in peak.roots if r["kind"] == "stack"])

    # Pointers: each Line's word 0 points at the start of a glyph buffer, and there are
    # exactly as many program pointers as the design has.
    lines = blocks_of_site(raw, peak, src, line("LINE"))
    glyph_sites = {b["site"] for b in blocks_of_site(raw, peak, src, line("GLYPH"))}
    results.check("owner_tree: every Line points at the start of a glyph buffer",
                  len(lines) == OWNER_PAGES * OWNER_LINES and all(
                      any(o == 0 and peak.block(t)["site"] in glyph_sites and to == 0
                          for o, t, to in b["ptrs"]) for b in lines))
    program = [b for b in peak.blocks if any(raw.site_at(b["site"], src, line(m)) for m in
               ["DOCUMENT", "PAGES", "PAGE", "LINES", "LINE", "CACHE", "ENTRIES"])]
    results.equal("owner_tree: pointers between the program's blocks",
                  sum(len(b["ptrs"]) for b in program),
                  1 + OWNER_PAGES + OWNER_PAGES + OWNER_PAGES * OWNER_LINES * 2 + 1 + OWNER_PAGES)


def duplicate_values():
    """cxx_duplicate_strings.cpp's 200 values: their heap block sizes (length + NUL)."""
    return [len(f"duplicate-value-{v}-") + v % 13 + 1 for v in range(200)]


def case_duplicate_strings_snapshot(env, results):
    src = "cxx_duplicate_strings.cpp"
    raw, peak = traced_peak(env, results, "duplicate_strings", src)
    if not peak:
        return
    strings = blocks_of_site(raw, peak, src, line_of(env, src, "STRING"))
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


def site_ids_at(report, source, line):
    return {site["id"] for site in sites_with_frame(report, source, line)}


def case_owner_tree_retained(env, results):
    """memattr-graph's ownership figures for cxx_owner_tree, computed from its design."""
    src = "cxx_owner_tree.cpp"
    line = lambda m: line_of(env, src, m)
    trace = env.out("owner_tree.trace")
    if not os.path.exists(trace):
        traced_raw(env, results, "owner_tree", src)
    r = report_json(env, trace)
    ownership = r["ownership"]
    if not results.check("owner_tree: ownership is available", ownership["available"],
                         ownership.get("missing_reason")):
        return
    expected = owner_tree_retained()
    retained = {row["site"]: row["retained_bytes"] for row in ownership["sites"]}
    for marker in ["DOCUMENT", "PAGES", "PAGE", "LINES", "LINE", "GLYPH", "CACHE", "ENTRIES",
                   "SCRATCH"]:
        ids = site_ids_at(r, src, line(marker))
        results.equal(f"owner_tree: retained bytes of the site at @{marker}",
                      sum(retained.get(i, 0) for i in ids), expected[marker])
    glyphs = site_ids_at(r, src, line("GLYPH"))
    shared = [row for row in ownership["owners"]
              if row["owner"]["kind"] == "several" and row["site"] in glyphs]
    results.equal("owner_tree: the glyphs the cache shares are kept alive by several roots",
                  [(row["blocks"], row["retained_bytes"]) for row in shared],
                  [(OWNER_PAGES, expected["shared"])])
    roots = ownership["roots"]

    def path_root(marker):
        rows = [row for row in ownership["sites"] if row["site"] in site_ids_at(r, src, line(marker))]
        return roots[rows[0]["path"]["root"]]["name"] if rows and rows[0]["path"] else None

    results.equal("owner_tree: the Document's retainer path starts at global g_document",
                  path_root("DOCUMENT"), "global g_document (cxx_owner_tree)")
    results.check("owner_tree: the scratch buffer's path starts at hold_on_stack's frame",
                  (path_root("SCRATCH") or "").startswith("stack of thread 1 in hold_on_stack()"),
                  path_root("SCRATCH"))
    results.equal("owner_tree: nothing unreachable at the peak",
                  ownership["unreachable_total"]["blocks"], 0)


def case_ownership_dot(env, results):
    trace = env.out("owner_tree.trace")
    if not os.path.exists(trace):
        traced_raw(env, results, "owner_tree", "cxx_owner_tree.cpp")
    page = f"cxx_owner_tree.cpp:{line_of(env, 'cxx_owner_tree.cpp', 'PAGE')}"
    for name, options in [("by site", []), ("blocks under a site", ["--blocks", page])]:
        dot_file = env.out(f"ownership-{name.replace(' ', '_')}.dot")
        proc = run([env.graph, "dot", trace, "-o", dot_file, *options])
        if not results.check(f"ownership dot {name}: written", proc.returncode == 0
                             and os.path.exists(dot_file), proc.stderr):
            continue
        with open(dot_file) as f:
            dot = f.read()
        results.check(f"ownership dot {name}: names the program's sites",
                      "cxx_owner_tree.cpp" in dot, dot[:1500])
        if shutil.which("dot"):
            proc = run(["dot", "-Tsvg", dot_file, "-o", dot_file + ".svg"])
            results.check(f"ownership dot {name}: Graphviz renders it", proc.returncode == 0,
                          proc.stderr)


def case_duplicate_strings_report(env, results):
    src = "cxx_duplicate_strings.cpp"
    trace = env.out("duplicate_strings.trace")
    if not os.path.exists(trace):
        traced_raw(env, results, "duplicate_strings", src)
    r = report_json(env, trace)
    duplicates = r["ownership"]["duplicates"]
    strings = site_ids_at(r, src, line_of(env, src, "STRING"))
    rows = [row for row in duplicates["rows"]
            if [s["site"] for s in row["sites"]] == list(strings)]
    results.equal("duplicate_strings: 200 groups of 500 identical strings",
                  sorted((row["size"], row["copies"]) for row in rows),
                  sorted((size, 500) for size in duplicate_values()))
    results.equal("duplicate_strings: wasted bytes = 499 copies of every value",
                  sum(row["wasted"] for row in rows), 499 * sum(duplicate_values()))
    text = text_report(env, trace)
    results.check("duplicate_strings: the report has a Duplicate contents section naming the line",
                  f"{src}:{line_of(env, src, 'STRING')}" in text.split("Duplicate contents")[-1],
                  text[-3000:])


def case_thread_roots(env, results):
    """Each thread's stack is a root, named by thread (c_threads.c's workers hold their
    blocks in local arrays while the peak is reached)."""
    raw, peak = traced_peak(env, results, "thread_roots", "c_threads.c")
    if not peak:
        return
    stack_threads = {int(r["thread"]) for r in peak.roots if r["kind"] == "stack"}
    results.check("thread roots: stack roots of the worker threads as well as main's",
                  len(stack_threads - {1}) >= 2, sorted(stack_threads))
    results.check("thread roots: every stack root names a frame",
                  all(r["stack"] != "0" for r in peak.roots if r["kind"] == "stack"),
                  [r for r in peak.roots if r["kind"] == "stack"][:5])


def case_snapshots_off(env, results):
    raw, _ = traced_raw(env, results, "snapshots_off", "cxx_owner_tree.cpp",
                        options=["--snapshots=no"])
    if raw:
        results.check("snapshots off: no snapshot in the trace",
                      raw.snapshots == [] and raw.records["run"][0]["snapshots"] == "no")


# ------------------------------------------------- agreement with DHAT and Massif

def under_valgrind(env, tool_options, command):
    """Run command under a Valgrind tool through the build's overlay, so that
    every tool sees the same environment, stdin and pipes (a program's
    allocations can depend on them: python builds an OSError when stdout
    is a pipe)."""
    vg_env = dict(os.environ, VALGRIND_LIB=os.path.join(os.path.dirname(env.launcher),
                                                         "memattr-overlay"),
                  PYTHONHASHSEED="0")
    proc = subprocess.run(["valgrind", *tool_options, *command], capture_output=True,
                          text=True, cwd=env.work, env=vg_env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"valgrind {tool_options[0]} failed: {proc.stderr[-1000:]}")
    return proc


def dhat_figures(env, command, name):
    """(total bytes, total blocks, t-gmax bytes, t-gmax blocks) from DHAT's JSON."""
    out = env.out(f"{name}.dhat.json")
    under_valgrind(env, ["--tool=dhat", f"--dhat-out-file={out}"], command)
    with open(out) as f:
        pps = json.load(f)["pps"]
    return (sum(p["tb"] for p in pps), sum(p["tbk"] for p in pps),
            sum(p["gb"] for p in pps), sum(p["gbk"] for p in pps))


def massif_peak(env, command, name):
    """mem_heap_B of Massif's peak snapshot, with its exact settings."""
    out = env.out(f"{name}.massif")
    under_valgrind(env, ["--tool=massif", "--heap-admin=0", "--peak-inaccuracy=0.0",
                         f"--massif-out-file={out}"], command)
    heap = None
    with open(out) as f:
        for text in f:
            if text.startswith("mem_heap_B="):
                heap = int(text.split("=")[1])
            elif text.strip() == "heap_tree=peak":
                return heap
    return None


def memattr_summary(env, command, name, *options):
    trace = env.out(f"{name}.agree.trace")
    under_valgrind(env, ["--tool=memattr", f"--memattr-out-file={trace}", *options], command)
    return report_json(env, trace)["summary"]


# A real program besides the test programs: Debian's python3 running a short script.
PYTHON_SCRIPT = "d = {str(i): [i] * 3 for i in range(20000)}; del d; print('done')"


def agreement_programs(env):
    """(name, command, malloc(0) calls) for each program compared."""
    programs = []
    for source in ["c_basic_peak.c", "c_alloc_family.c", "c_threads.c",
                   "cxx_alloc.cpp", "rust_alloc.rs", "c_many_allocs.c",
                   "c_clone_memcpy.c", "cxx_clone_vs_move.cpp"]:
        if source.endswith(".rs") and not shutil.which("rustc"):
            continue
        zero_size = 1 if source == "c_alloc_family.c" else 0
        programs.append((os.path.splitext(source)[0], [build(env, source)], zero_size))
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else shutil.which("python3")
    programs.append(("python3", [python, "-c", PYTHON_SCRIPT], 0))
    return programs


def case_agreement(env, results):
    for name, command, zero_size in agreement_programs(env):
        s = memattr_summary(env, command, name)
        tb, tbk, gb, gbk = dhat_figures(env, command, name)
        # DHAT counts each malloc(0) as 1 byte; memattr and Massif as 0 (docs/accuracy.md).
        results.equal(f"agreement {name}: total bytes = DHAT's",
                      s["total"]["bytes"] + zero_size, tb)
        results.equal(f"agreement {name}: total blocks = DHAT's", s["total"]["blocks"], tbk)
        results.equal(f"agreement {name}: peak bytes = DHAT's At t-gmax",
                      s["peak"]["bytes"] + zero_size, gb)
        results.equal(f"agreement {name}: peak blocks = DHAT's At t-gmax",
                      s["peak"]["blocks"], gbk)
        results.equal(f"agreement {name}: peak bytes = Massif's peak snapshot",
                      s["peak"]["bytes"], massif_peak(env, command, name))
        untracked = memattr_summary(env, command, name, "--track-access=no")
        results.equal(f"agreement {name}: --track-access=no gives the same peak and totals",
                      (without_time(untracked["peak"]), untracked["total"]),
                      (without_time(s["peak"]), s["total"]))


# ---------------------------------------------------------------- phases and growth

PHASES_SOURCE = "c_phases.c"
PHASE_ITERATIONS = 50


def phase_variants(env, results):
    """c_phases.c run both ways: {"requests": report, "function": report}, each with
    MEMATTR_PHASE_BEGIN/END("batch") or with --phase-fn=process_batch."""
    return {
        "requests": traced(env, results, "phases requests", PHASES_SOURCE,
                           defines=["MEMATTR_REQUESTS"]),
        "function": traced(env, results, "phases function", PHASES_SOURCE,
                           options=["--phase-fn=process_batch"]),
    }


def line_of_site(report, source):
    """{site id: line} of the sites whose frame in `source` is their first there."""
    lines = {}
    for site in report["sites"]:
        for frame in site["stack"]:
            if os.path.basename(frame["file"]) == source:
                lines[site["id"]] = frame["line"]
                break
    return lines


def growth_by_line(report, phase):
    """{line: growth row without its site id} of the phase's growth table."""
    lines = line_of_site(report, PHASES_SOURCE)
    return {lines[row["site"]]: {k: v for k, v in row.items() if k != "site"}
            for row in phase["growth"]}


def iteration_sites_by_line(report, phase_name):
    """Per iteration, {line: that site's figures in it}: what both variants must share."""
    lines = line_of_site(report, PHASES_SOURCE)
    return [{lines[row["site"]]: {k: v for k, v in row.items() if k != "site"}
             for row in instance["sites"]}
            for instance in report["phases"]["instances"] if instance["name"] == phase_name]


def check_phase_growth(env, results, variant, report, name, by, ended):
    case = f"phases {variant}"
    names = report["phases"]["names"]
    results.equal(f"{case}: one phase name", [n["name"] for n in names], [name])
    if len(names) != 1:
        return
    phase = names[0]
    results.equal(f"{case}: {PHASE_ITERATIONS} iterations", phase["iterations"], PHASE_ITERATIONS)
    results.equal(f"{case}: delimited by {by}", phase["by"], by)
    results.equal(f"{case}: every iteration ended by {ended}",
                  {i["ended"] for i in report["phases"]["instances"]}, {ended})
    line = lambda marker: line_of(env, PHASES_SOURCE, marker)
    growth = growth_by_line(report, phase)
    leak = growth.get(line("LEAK"), {})
    results.equal(f"{case}: @LEAK leaks exactly 96 bytes per iteration over 1-50",
                  [leak.get(k) for k in ("class", "slope", "exact", "first_iteration",
                                         "last_iteration", "net_growth")],
                  ["leak", 96, True, 1, PHASE_ITERATIONS, 96 * PHASE_ITERATIONS])
    cache = growth.get(line("CACHE"), {})
    results.equal(f"{case}: @CACHE is bounded at 5,120 bytes, reached at iteration 20",
                  [cache.get(k) for k in ("class", "bound", "stopped_at", "net_growth")],
                  ["bounded", 5120, 20, 5120])
    work = growth.get(line("WORK"), {})
    results.equal(f"{case}: @WORK is steady", [work.get(k) for k in ("class", "net_growth")],
                  ["steady", 0])
    boundaries = [e for e in report["timeline_events"] if e["kind"] != "mark"]
    results.equal(f"{case}: the timeline has every phase boundary",
                  len(boundaries), 2 * PHASE_ITERATIONS)


def case_phases_growth(env, results):
    reports = phase_variants(env, results)
    if not all(reports.values()):
        return
    check_phase_growth(env, results, "requests", reports["requests"], "batch", "request",
                       "request")
    check_phase_growth(env, results, "function", reports["function"], "process_batch",
                       "function", "return")
    requests, function = reports["requests"], reports["function"]
    results.equal("phases: both variants give the same growth by site",
                  growth_by_line(requests, requests["phases"]["names"][0]),
                  growth_by_line(function, function["phases"]["names"][0]))
    results.equal("phases: both variants give the same per-iteration figures by site",
                  iteration_sites_by_line(requests, "batch"),
                  iteration_sites_by_line(function, "process_batch"))
    results.equal("phases requests: the marks are on the timeline",
                  [e["name"] for e in requests["timeline_events"] if e["kind"] == "mark"],
                  ["start", "done"])
    text = text_report(env, env.out("phases_requests.trace"))
    results.check("phases requests: the text report classifies the sites",
                  "leak: +96 bytes per iteration (exact), fitted on iterations 1-50" in text
                  and "bounded: 5.00 KiB (5,120 bytes), reached at iteration 20" in text
                  and "steady: no net growth over iterations 1-50" in text, text[:4000])


def case_phases_absent(env, results):
    r = traced(env, results, "phases absent", PHASES_SOURCE)
    if not r:
        return
    results.equal("phases absent: no phases without requests or --phase-fn",
                  r["phases"]["names"], [])
    text = text_report(env, env.out("phases_absent.trace"))
    results.check("phases absent: the text report says how to get them",
                  "No phases. To get them, bracket parts of the run with MEMATTR_PHASE_BEGIN"
                  in text, text[:3000])


# ---------------------------------------------------------------- leaks at exit vs Memcheck

LEAK_KINDS = ["definitely lost", "indirectly lost", "possibly lost", "still reachable"]

# Each program's leak figures by design (bytes, blocks), from the comment at its top.
LEAK_PROGRAMS = {
    "c_leaks.c": {"definitely lost": (148, 2), "indirectly lost": (500, 2),
                  "possibly lost": (450, 2), "still reachable": (96, 2)},
    "c_leak_cycles.c": {"definitely lost": (136, 4), "indirectly lost": (304, 6),
                        "possibly lost": (264, 3), "still reachable": (144, 2)},
    "cxx_leak_tree.cpp": {"definitely lost": (104, 2), "indirectly lost": (1432, 32),
                          "possibly lost": (0, 0), "still reachable": (408, 6)},
    "c_leak_dead_frames.c": {"definitely lost": (100, 1), "indirectly lost": (0, 0),
                             "possibly lost": (0, 0), "still reachable": (64, 1)},
}


def memcheck_leak_summary(env, exe):
    """{kind: (bytes, blocks)} from the LEAK SUMMARY of `valgrind --leak-check=full`."""
    proc = under_valgrind(env, ["--tool=memcheck", "--leak-check=full"], [exe])
    summary = {kind: (0, 0) for kind in LEAK_KINDS}   # "All heap blocks were freed"
    for kind in LEAK_KINDS:
        match = re.search(re.escape(kind) + r": ([\d,]+) bytes in ([\d,]+) blocks", proc.stderr)
        if match:
            summary[kind] = tuple(int(n.replace(",", "")) for n in match.groups())
    return summary


def memattr_leak_summary(report):
    leaks = report["leaks"]
    return {kind: (leaks[kind.replace(" ", "_")]["bytes"], leaks[kind.replace(" ", "_")]["blocks"])
            for kind in LEAK_KINDS}


def leak_row(report, kind, source, line):
    """The leaks[kind] row of the site allocated at source:line (None when absent)."""
    ids = {site["id"] for site in sites_with_frame(report, source, line)}
    rows = [row for row in report["leaks"][kind]["sites"] if row["site"] in ids]
    return rows[0] if len(rows) == 1 else None


def case_leaks_agree_with_memcheck(env, results):
    for source, expected in LEAK_PROGRAMS.items():
        name = os.path.splitext(source)[0]
        r = traced(env, results, f"leaks {name}", source)
        if not r:
            continue
        results.check(f"leaks {name}: the exit snapshot is analysed", r["leaks"]["available"],
                      r["leaks"].get("missing_reason"))
        ours = memattr_leak_summary(r)
        results.equal(f"leaks {name}: categories as designed", ours, expected)
        memcheck = memcheck_leak_summary(env, build(env, source))
        for kind in LEAK_KINDS:
            results.equal(f"leaks {name}: {kind} (bytes, blocks) = Memcheck's", ours[kind],
                          memcheck[kind])


def case_leaks_by_site(env, results):
    src = "c_leaks.c"
    r = traced(env, results, "leaks by site", src)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    parent = leak_row(r, "definitely_lost", src, line("PARENT"))
    results.equal("leaks by site: the lost parent leads its children's clique",
                  parent and (parent["bytes"], parent["indirect_bytes"], parent["indirect_blocks"]),
                  (48, 500, 2))
    for kind, marker, size in [("definitely_lost", "DIRECT", 100),
                               ("indirectly_lost", "CHILD_A", 200),
                               ("indirectly_lost", "CHILD_B", 300),
                               ("possibly_lost", "INTERIOR", 400),
                               ("possibly_lost", "INTERIOR_CHILD", 50),
                               ("still_reachable", "KEPT", 64),
                               ("still_reachable", "KEPT_CHILD", 32)]:
        row = leak_row(r, kind, src, line(marker))
        results.equal(f"leaks by site: @{marker} is {kind.replace('_', ' ')}",
                      row and (row["bytes"], row["blocks"]), (size, 1))
    text = text_report(env, env.out("leaks_by_site.trace"))
    results.check("leaks by site: the text report has Memcheck's summary lines",
                  "   definitely lost: 148 bytes in 2 blocks\n"
                  "   indirectly lost: 500 bytes in 2 blocks\n" in text, text[-3000:])


# ---------------------------------------------------------------- the memory map

def traced_map(env, results, case, source, defines=(), options=()):
    """Run a program under memattr; returns (RawTrace, the program's stderr) or (None, ...)."""
    raw, _, proc = run_traced(env, results, case, source, options, defines)
    return raw, proc.stderr


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


def case_mremap_arena(env, results):
    """A bump arena grown by mremap doubling, plain and annotated: mapped, written and used
    equal the program's own figures, to the page."""
    src = "c_mremap_arena.c"
    for variant, defines in (("plain", ()), ("annotated", ("ANNOTATE",))):
        case = f"mremap_arena_{variant}"
        raw, stderr = traced_map(env, results, case, src, defines)
        if not raw:
            continue
        want = program_figures(stderr, "arena")
        growth = [int(x) for x in want["growth"].split(",")]
        peak = raw.memory_map("peak")
        arenas = peak.region_with(growth=growth)
        if not results.check(f"{case}: one region grew {want['growth']}", len(arenas) == 1,
                             [r for r in peak.regions if r["growths"]]):
            continue
        arena = arenas[0]
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
                      peak.fields["footprint"] >= arena["written"], peak.fields)
        if variant == "plain":
            results.equal(f"{case}: no blocks in it", (arena["used"], arena["used-blocks"]), (0, 0))
            continue
        results.equal(f"{case}: used by the live custom blocks",
                      (arena["used"], arena["used-blocks"]),
                      (int(want["used"]), int(want["objects"])))
        results.equal(f"{case}: the uses by site add up", sum(u["bytes"] for u in arena["uses"]),
                      int(want["used"]))
        kinds = {raw.sites[u["site"]]["kind"] for u in arena["uses"]}
        results.equal(f"{case}: the blocks' sites are custom", kinds, {"custom"})
        results.equal(f"{case}: the heap peak counts the custom blocks",
                      int(raw.records["peak"][0]["bytes"]), int(want["used"]))
        results.equal(f"{case}: nothing counted twice",
                      (peak.fields["custom-bytes"], peak.fields["custom-in-heap"]),
                      (int(want["used"]), 0))


def case_mempool(env, results):
    """Mempool chunks are blocks: in their mapping's use, or inside a malloc'd superblock
    (counted once), in snapshots instead of the superblock; trim, move and change work."""
    src = "c_mempool.c"
    raw, stderr = traced_map(env, results, "mempool", src)
    if not raw:
        return
    want = {k: int(v) for k, v in program_figures(stderr, "pools").items()}
    peak = raw.memory_map("peak")
    pool_line = line_of(env, src, "POOL_MAP")
    pools = [r for r in peak.regions if region_made_at(raw, r, src, pool_line)]
    if not results.check("mempool: the pool's mapping is a region", len(pools) == 1):
        return
    pool = pools[0]
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
    snap = next((s for s in raw.snapshots if s.name == "pools"), None)
    if not results.check("mempool: the requested snapshot", snap is not None):
        return
    sizes = sorted(b["size"] for b in snap.blocks)
    results.check("mempool: the snapshot holds the chunks, not the superblock holding them",
                  sizes.count(500) == want["heap_chunks"] and sizes.count(1000) == want["mapped_chunks"]
                  and 65536 not in sizes, sizes[-5:])
    trimmed = next((s for s in raw.snapshots if s.name == "trimmed"), None)
    if results.check("mempool: the snapshot after trim, move and change", trimmed is not None):
        kept = sorted(b["size"] for b in trimmed.blocks if b["size"] in (500, 1000))
        results.equal("mempool: trim kept 49 chunks whole and change halved one",
                      (kept.count(1000), kept.count(500)), (49, 1 + want["heap_chunks"]))
    results.equal("mempool: no request was refused",
                  raw.records["map-events"][0]["bad-requests"], "0")


def case_file_mmap(env, results):
    """A file read into the heap is heap; the same file mapped is a file region, written
    only where a private mapping was changed."""
    src = "c_file_mmap.c"
    raw, _ = traced_map(env, results, "file_mmap", src)
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
                  == anon_written + sum(r["written"] for r in peak.regions if r["kind"] == "file")
                  + peak.fields["written-outside"]
                  and anon_written < (1 << 20), peak.fields)


def case_wrap_arenas(env, results):
    """--malloc=wrap: glibc's per-thread arenas appear with their reservation and the part
    written, each holding its thread's blocks; live heap agrees with replace mode."""
    src = "c_wrap_arenas.c"
    runs = {mode: traced_map(env, results, f"wrap_arenas_{mode}", src,
                             options=[f"--malloc={mode}"])[0] for mode in ("replace", "wrap")}
    if not all(runs.values()):
        return
    replace, wrap = runs["replace"], runs["wrap"]
    figures = lambda raw: (raw.records["peak"][0]["bytes"], raw.records["peak"][0]["blocks"],
                           raw.records["totals"][0]["bytes"], raw.records["totals"][0]["blocks"])
    results.equal("wrap_arenas: peak and totals agree with replace mode", figures(wrap),
                  figures(replace))
    results.equal("wrap_arenas: the trace says wrap", wrap.records["run"][0]["malloc-mode"], "wrap")
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
    results.equal("wrap_arenas: replace mode has no block in any region",
                  sum(r["used-blocks"] for r in replace.memory_map("peak").regions), 0)


def case_wrap_agrees(env, results):
    """--malloc=wrap gives the same peak and totals as replacing the allocator."""
    for source in ("c_basic_peak.c", "c_alloc_family.c", "cxx_alloc.cpp"):
        exe = build(env, source)
        got = {}
        for mode in ("replace", "wrap"):
            trace = env.out(f"wrap_agrees_{mode}.trace")
            memattr(env, exe, trace, options=[f"--malloc={mode}", "--snapshots=no"])
            raw = RawTrace(trace)
            got[mode] = (raw.records["peak"][0]["bytes"], raw.records["peak"][0]["blocks"],
                         raw.records["totals"][0]["bytes"], raw.records["totals"][0]["blocks"])
        results.equal(f"wrap_agrees {source}: peak and totals", got["wrap"], got["replace"])


def case_soname_synonyms(env, results):
    """A malloc in a library that is not libc is replaced when named with
    --soname-synonyms=somalloc=...; with somalloc=NONE it is not."""
    lib_src, src = env.source("c_own_allocator_lib.c"), "c_own_allocator.c"
    lib = env.out("libownalloc.so")
    proc = run(["gcc", "-g", "-O0", "-shared", "-fPIC", "-Wl,-soname,libownalloc.so",
                "-o", lib, lib_src])
    if not results.check("soname_synonyms: the library builds", proc.returncode == 0, proc.stderr):
        return
    exe = env.out("c_own_allocator")
    proc = run(["gcc", "-g", "-O0", "-o", exe, env.source(src), "-L", env.work, "-lownalloc",
                f"-Wl,-rpath,{env.work}"])
    if not results.check("soname_synonyms: the program builds", proc.returncode == 0, proc.stderr):
        return
    line = line_of(env, src, "OWN_MALLOC")
    for option, blocks in (("libownalloc.so*", 100), ("NONE", 0)):
        trace = env.out("soname_synonyms.trace")
        memattr(env, exe, trace, options=[f"--soname-synonyms=somalloc={option}"])
        raw = RawTrace(trace)
        at_line = [s for sid, s in raw.sites.items() if raw.site_at(sid, src, line)]
        results.equal(f"soname_synonyms somalloc={option}: blocks recorded at the program's malloc",
                      sum(int(s["tbk"]) for s in at_line), blocks)


def case_bad_requests(env, results):
    """Wrong custom-allocator annotations are reported, counted and ignored."""
    exe = build(env, "c_bad_requests.c")
    trace = env.out("bad_requests.trace")
    proc = memattr(env, exe, trace)
    results.equal("bad_requests: the program runs on", (proc.returncode, proc.stdout), (0, "done\n"))
    results.check("bad_requests: the user is told", "FREELIKE_BLOCK of a block at" in proc.stderr
                  and "is unknown; the request is ignored" in proc.stderr, proc.stderr[-2000:])
    if not results.check("bad_requests: trace written", os.path.exists(trace)):
        return
    raw = RawTrace(trace)
    events = raw.records["map-events"][0]
    results.equal("bad_requests: counted", (events["bad-requests"], events["custom-requests"]),
                  ("5", "9"))
    custom = [s for s in raw.sites.values() if s["kind"] == "custom"]
    results.equal("bad_requests: the one good block was counted",
                  [(s["tb"], s["tbk"], s["eb"]) for s in custom], [("100", "1", "0")])


def case_mapped_gap(env, results):
    """Resident memory far above the heap: the report explains the gap, part by part, and
    names the mapping that causes most of it."""
    src = "c_mapped_gap.c"
    raw, stderr = traced_map(env, results, "mapped_gap", src)
    if not raw:
        return
    want = {k: int(v) for k, v in program_figures(stderr, "gap").items()}
    m = report_json(env, env.out("mapped_gap.trace"))["memory_map"]
    results.equal("mapped_gap: the estimate is the tool's footprint", m["estimate"], m["footprint"])
    results.check("mapped_gap: the gap is explained to within 1 %",
                  abs(m["unexplained"]) <= m["gap"] / 100 and m["explained"] + m["unexplained"] == m["gap"],
                  {k: m[k] for k in ("gap", "explained", "unexplained")})
    top = m["explanations"][0]
    cache_line = line_of(env, src, "CACHE_MAP")
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
    text = text_report(env, env.out("mapped_gap.trace"))
    results.check("mapped_gap: the text report has the memory map",
                  "Memory map at peak" in text and "unexplained 0 bytes" in text, text[-3000:])


CASES = [case_c_basic_peak, case_c_alloc_family, case_c_threads, case_cxx_alloc,
         case_rust_alloc, case_c_many_allocs, case_c_fatal_signal, case_c_signals, case_c_fork,
         case_c_exec, case_tool_options, case_trace_destinations, case_c_clone_memcpy,
         case_cxx_clone_vs_move, case_rust_clone_vs_move, case_lineage_graph, case_access_off,
         case_owner_tree_snapshot, case_owner_tree_retained, case_ownership_dot,
         case_duplicate_strings_snapshot, case_duplicate_strings_report, case_thread_roots, case_snapshots_off,
         case_agreement, case_leaks_agree_with_memcheck, case_leaks_by_site, case_phases_growth,
         case_phases_absent, case_mremap_arena, case_mempool, case_file_mmap, case_wrap_arenas,
         case_wrap_agrees, case_soname_synonyms, case_bad_requests,
         case_mapped_gap]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--srcdir", required=True)
    parser.add_argument("--builddir", required=True)
    parser.add_argument("-k", dest="only", help="run only cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    env = Env(os.path.abspath(args.srcdir), os.path.abspath(args.builddir))
    results = Results(args.verbose)
    for case in CASES:
        name = case.__name__[len("case_"):]
        if args.only and args.only not in name:
            continue
        try:
            case(env, results)
        except Exception as error:   # a broken case is a failure, not a crash of the run
            results.check(f"{name}: runs", False, f"{type(error).__name__}: {error}")
    print(f"tool tests: {results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
