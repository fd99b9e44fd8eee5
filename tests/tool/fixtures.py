"""Shared fixtures of the tool tests: where things are, building a test program, running a
program under memattr (or another Valgrind tool), reading its trace and reports, and the
helpers that find a site's figures by file:line.

Cases run in several processes at once (test_tool.py), so everything that writes a file
another case may want takes a lock on it first: a program is built once, and a run of one
(program, arguments, options, defines) under memattr happens once per test run, whichever
case asks first; the others wait for it and read the same trace.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager

from raw_trace import RawTrace


class Results:
    """Counts checks and keeps each outcome's line, so that a case's lines can be printed
    together although cases run concurrently."""

    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose
        self.lines = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            if self.verbose:
                self.lines.append(f"PASS {name}")
        else:
            self.failed += 1
            self.lines.append(f"FAIL {name}: {detail}")
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
        self.runs = os.path.join(self.work, "runs")   # the traces of this test run
        self.launcher = os.path.join(builddir, "memattr-inplace")
        self.overlay = os.path.join(builddir, "memattr-overlay")
        self.graph = os.path.join(builddir, "memattr-graph")
        os.makedirs(self.runs, exist_ok=True)

    def source(self, name):
        return os.path.join(self.src, name)

    def out(self, name):
        return os.path.join(self.work, name)


def start_test_run(env):
    """Forget the traces of an earlier test run: a trace is reused only within one run,
    so a rebuilt tool or program is always traced afresh.  (Built programs are kept: they
    are rebuilt when their source is newer.)"""
    shutil.rmtree(env.runs, ignore_errors=True)
    os.makedirs(env.runs)


@contextmanager
def locked(path):
    """Hold an exclusive lock named after path, across the processes running cases."""
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def compile_command(env, source, exe, defines):
    include = ["-I", env.include, *(f"-D{d}" for d in defines)]   # memattr.h, as installed
    ext = os.path.splitext(source)[1]
    src = env.source(source)
    if ext == ".c":
        return ["gcc", "-g", "-O0", "-pthread", *include, "-o", exe, src]
    if ext == ".cpp":
        return ["g++", "-std=c++17", "-g", "-O0", *include, "-o", exe, src]
    if ext == ".rs":
        return ["rustc", "-g", "-C", "opt-level=1", "--edition", "2021", "-o", exe, src]
    raise ValueError(source)


def build(env, source, defines=()):
    """Compile a test program once; returns the executable path.  Each set of
    preprocessor `defines` (e.g. ["MEMATTR_REQUESTS"]) makes its own executable."""
    name = os.path.splitext(source)[0]
    exe = env.out("-".join([name, *(d.lower() for d in defines)]))
    with locked(exe):
        if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(env.source(source)):
            return exe
        proc = run(compile_command(env, source, exe, defines))
        if proc.returncode != 0:
            raise RuntimeError(f"building {source} failed:\n{proc.stderr}")
    return exe


def executable(env, program, defines=()):
    """A test source's built executable, or `program` itself when it is an executable."""
    return build(env, program, defines) if os.path.splitext(program)[1] else program


def line_of(env, source, marker):
    """The line number of the comment marker '@MARKER' in a test source."""
    pattern = re.compile(r"@" + re.escape(marker) + r"\b")
    with open(env.source(source)) as f:
        for number, text in enumerate(f, 1):
            if pattern.search(text):
                return number
    raise KeyError(f"marker @{marker} not in {source}")


# ------------------------------------------------------------ running under Valgrind

def valgrind(env, tool_options, command, extra_env=None):
    """Run command under a Valgrind tool through the build's overlay, so that every tool
    (memattr, DHAT, Massif, Memcheck) sees the same environment, stdin and pipes (a
    program's allocations can depend on them: python builds an OSError when stdout is a
    pipe), and a memattr trace can be compared with the other tools' figures. `extra_env`:
    variables the program needs besides (PYTHONMALLOC=malloc)."""
    vg_env = dict(os.environ, VALGRIND_LIB=env.overlay, PYTHONHASHSEED="0", **(extra_env or {}))
    return subprocess.run(["valgrind", *tool_options, *command], capture_output=True,
                          text=True, cwd=env.work, env=vg_env, stdin=subprocess.DEVNULL)


def under_valgrind(env, tool_options, command):
    """valgrind() for the reference tools, whose failure is the test's failure."""
    proc = valgrind(env, tool_options, command)
    if proc.returncode != 0:
        raise RuntimeError(f"valgrind {tool_options[0]} failed: {proc.stderr[-1000:]}")
    return proc


class Run:
    """One run of a program under memattr: the process (returncode, stdout, stderr), the
    trace's path, and the trace read three ways on first use: `raw` (the tool's own
    records), `report` (memattr-graph json) and `text` (memattr-graph report)."""

    def __init__(self, env, trace, proc):
        self.env, self.trace, self.proc = env, trace, proc
        self._raw = self._report = self._text = None

    @property
    def raw(self):
        if self._raw is None:
            self._raw = RawTrace(self.trace)
        return self._raw

    @property
    def report(self):
        if self._report is None:
            self._report = json_report(self.env, self.trace)
        return self._report

    @property
    def text(self):
        if self._text is None:
            self._text = graph(self.env, "report", self.trace)
        return self._text


def graph(env, command, trace, *options):
    """memattr-graph's output for a trace; it must succeed."""
    proc = run([env.graph, command, trace, *options])
    if proc.returncode != 0:
        raise RuntimeError(f"memattr-graph {command} {trace} failed: {proc.stderr}")
    return proc.stdout


FRAME_KEYS = ("location", "via", "function", "program_function")
FRAME_LIST_KEYS = ("stack", "locations")


def with_frames(value, frames):
    """A JSON report's `value` with each frame index (of a location, a stack, ...) replaced by
    its entry of the report's `frames` table: the report as the tests read it."""
    if isinstance(value, list):
        return [with_frames(entry, frames) for entry in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, member in value.items():
        if key in FRAME_KEYS and isinstance(member, int) and not isinstance(member, bool):
            result[key] = frames[member]
        elif key in FRAME_LIST_KEYS and isinstance(member, list):
            result[key] = [frames[index] for index in member]
        else:
            result[key] = with_frames(member, frames)
    return result


def parse_report(text):
    """A JSON report's text, parsed, its frames in place (with_frames)."""
    report = json.loads(text)
    return with_frames(report, report["frames"])


def json_report(env, trace):
    """memattr-graph's JSON report of a trace, every row, with deep enough stacks to find
    the test program's lines, its frames in place."""
    return parse_report(graph(env, "json", trace, "--frames", "40", "--top", "0"))


def memattr(env, program, args=(), options=(), defines=(), trace=None):
    """Run a program under memattr; returns its Run.  `program` is a test source (built
    with `defines`) or an executable's path.  Without `trace`, the trace goes to this test
    run's cache, and the same (program, args, options, defines) is run only once, whichever
    case asks first.  With `trace` (a FIFO, an unwritable path, a %p pattern), it runs
    every time, writing there."""
    command = [executable(env, program, defines), *args]

    def traced_into(path):
        return valgrind(env, ["--tool=memattr", f"--memattr-out-file={path}", *options],
                        command)

    if trace is not None:
        return Run(env, trace, traced_into(trace))
    trace = cached_trace_path(env, program, args, options, defines)
    with locked(trace):
        meta = trace + ".proc.json"
        if not os.path.exists(meta):
            proc = traced_into(trace)
            with open(meta, "w") as f:
                json.dump([proc.args, proc.returncode, proc.stdout, proc.stderr], f)
        with open(meta) as f:
            proc = subprocess.CompletedProcess(*json.load(f))
    return Run(env, trace, proc)


def cached_trace_path(env, program, args, options, defines):
    """The cache's trace for one run: named after the program, with a digest of the
    whole run when there is more to it than the program."""
    stem = os.path.basename(os.path.splitext(program)[0])
    if args or options or defines:
        key = json.dumps([program, list(args), list(options), list(defines)])
        stem += "-" + hashlib.sha1(key.encode()).hexdigest()[:10]
    return os.path.join(env.runs, f"{stem}.trace")


# ------------------------------------------------------------ the usual checks of a run

def expect_report(results, case, traced, expect_rc=0):
    """The checks of a run read through memattr-graph: exit status, the program's output,
    a complete trace.  Returns its JSON report, or None when there is none to check."""
    proc = traced.proc
    results.check(f"{case}: program exit status", proc.returncode == expect_rc,
                  f"exit {proc.returncode}, expected {expect_rc}; stderr:\n{proc.stderr[-2000:]}")
    if expect_rc == 0:
        results.equal(f"{case}: program output unchanged", proc.stdout, "done\n")
    if not results.check(f"{case}: trace written", os.path.exists(traced.trace),
                         proc.stderr[-2000:]):
        return None
    results.check(f"{case}: trace complete", traced.report["trace"]["complete"] is True)
    return traced.report


def expect_raw(results, case, traced):
    """The one check of a run whose raw trace is read: it ran, printed "done" and nothing
    else, and wrote a trace.  Returns the RawTrace, or None."""
    proc = traced.proc
    ok = results.check(f"{case}: runs and writes a trace",
                       proc.returncode == 0 and proc.stdout == "done\n"
                       and os.path.exists(traced.trace), proc.stderr[-2000:])
    return traced.raw if ok else None


def expect_peak(results, case, traced):
    """expect_raw, and a peak snapshot in the trace: (RawTrace, snapshot) or (None, None)."""
    raw = expect_raw(results, case, traced)
    peak = raw.snapshot("peak") if raw else None
    if raw and not results.check(f"{case}: a peak snapshot", peak is not None):
        return None, None
    return raw, peak


# ------------------------------------------------------------ finding figures in a report

def peak_and_totals(raw):
    """(peak bytes, peak blocks, total bytes, total blocks) of a RawTrace, as written."""
    return (raw.records["peak"][0]["bytes"], raw.records["peak"][0]["blocks"],
            raw.records["totals"][0]["bytes"], raw.records["totals"][0]["blocks"])


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


def site_ids_at(report, source, line):
    return {site["id"] for site in sites_with_frame(report, source, line)}


def at_line(location, source, line):
    return os.path.basename(location["file"]) == source and location["line"] == line


def without_time(figures):
    return {key: value for key, value in figures.items() if key != "t"}


def rustc_missing(results, case):
    """A Rust case fails, rather than passing silently, when rustc is missing."""
    if shutil.which("rustc"):
        return False
    results.check(f"{case}: rustc available", False, "rustc not in PATH")
    return True
