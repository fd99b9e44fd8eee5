"""Runs that do not end the ordinary way or are set up wrongly: fatal signals, allocation
in a signal handler, fork, exec, bad options, and trace destinations that are not plain
files."""

import os
import re
import shutil
import signal
import stat
import subprocess

from fixtures import (build, expect_report, json_report, line_of, memattr, run, site_figure,
                      site_ids_at)


def case_c_fatal_signal(env, results):
    src = "c_fatal_signal.c"
    for how, args, rc in [("SIGSEGV", [], -signal.SIGSEGV),
                          ("abort", ["abort"], -signal.SIGABRT)]:
        r = expect_report(results, f"c_fatal_signal {how}", memattr(env, src, args=args),
                          expect_rc=rc)
        if not r:
            continue
        results.equal(f"c_fatal_signal {how}: block live at death",
                      site_figure(r, src, line_of(env, src, "HELD"), ("exit", "bytes")), 4096)
        results.equal(f"c_fatal_signal {how}: the trace says a signal ended the run",
                      r["trace"]["exit_reason"], "signal")


def case_c_signals(env, results):
    src = "c_signals.c"
    r = expect_report(results, "c_signals", memattr(env, src))
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    results.equal("c_signals: blocks allocated in the handler",
                  site_figure(r, src, line("HANDLER"), ("total", "blocks")), 5)
    results.equal("c_signals: bytes allocated in the handler, all live at the peak",
                  site_figure(r, src, line("HANDLER"), ("peak", "bytes")), 640)
    results.equal("c_signals: peak bytes", r["summary"]["peak"]["bytes"], 1640)
    results.equal("c_signals: exit reason", r["trace"]["exit_reason"], "exit")


def fork_reports(env, results):
    """Run c_fork.c with a per-process trace name; returns (parent, child) JSON reports,
    or None after a failed check."""
    for old in os.listdir(env.work):
        if old.startswith("c_fork.trace."):
            os.remove(env.out(old))
    proc = memattr(env, "c_fork.c", trace=env.out("c_fork.trace.%p")).proc
    results.equal("c_fork: program exit status", proc.returncode, 0)
    traces = sorted(f for f in os.listdir(env.work) if f.startswith("c_fork.trace."))
    if not results.equal("c_fork: one trace per process", len(traces), 2):
        return None
    reports = [json_report(env, env.out(t)) for t in traces]
    children = [x for x in reports if x["trace"]["fork_of"] != 0]
    parents = [x for x in reports if x["trace"]["fork_of"] == 0]
    if not results.check("c_fork: one parent and one child trace",
                         len(children) == 1 and len(parents) == 1):
        return None
    return parents[0], children[0]


def case_c_fork(env, results):
    src = "c_fork.c"
    reports = fork_reports(env, results)
    if not reports:
        return
    parent, child = reports
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
    exec_run = memattr(env, src)
    results.equal("c_exec: program exit status (of /bin/true)", exec_run.proc.returncode, 0)
    if not results.check("c_exec: trace written before the exec", os.path.exists(exec_run.trace)):
        return
    r = exec_run.report
    results.equal("c_exec: exit reason", r["trace"]["exit_reason"], "exec")
    results.equal("c_exec: block live at the exec",
                  site_figure(r, src, line_of(env, src, "HELD"), ("exit", "bytes")), 500)


def exec_path_traces(env, case, mode, options):
    """c_exec_path.c run in `mode` with a per-process trace name: (the process, the
    traces' paths)."""
    prefix = f"c_exec_path.{mode}.trace."
    for old in os.listdir(env.work):
        if old.startswith(prefix):
            os.remove(env.out(old))
    proc = memattr(env, "c_exec_path.c", args=[mode], options=options,
                   trace=env.out(prefix + "%p")).proc
    traces = sorted(env.out(f) for f in os.listdir(env.work)
                    if f.startswith(prefix) and ".tmp." not in f)
    return proc, traces


def case_one_trace_per_program(env, results):
    """A PATH search's refused execs write no trace, and a fork child that execs a traced
    program writes none of its own: one trace, and one "Trace written", per program."""
    case = "one trace per program (fork)"
    proc, traces = exec_path_traces(env, case, "fork", ["--trace-children=yes"])
    results.equal(f"{case}: exit status and output", (proc.returncode, proc.stdout),
                  (0, "done\n"))
    results.equal(f"{case}: 'Trace written' once per program (c_exec_path, true)",
                  proc.stderr.count("Trace written"), 2)
    reports = [json_report(env, t) for t in traces]
    results.equal(f"{case}: two traces: the parent's and true's, both ended by exit",
                  sorted((r["trace"]["exit_reason"], r["trace"]["fork_of"] != 0)
                         for r in reports), [("exit", False), ("exit", False)])
    case = "one trace per program (skipped child)"
    proc, traces = exec_path_traces(env, case, "fork", ["--trace-children=yes",
                                                         "--trace-children-skip=*/true"])
    reports = [json_report(env, t) for t in traces]
    results.equal(f"{case}: true is not traced, so the fork child's trace is written at "
                  "its exec", sorted((r["trace"]["exit_reason"], r["trace"]["fork_of"] != 0)
                                     for r in reports), [("exec", True), ("exit", False)])
    case = "one trace per program (exec)"
    proc, traces = exec_path_traces(env, case, "exec", [])
    results.equal(f"{case}: exit status of true", proc.returncode, 0)
    results.equal(f"{case}: 'Trace written' once, before the exec that ran",
                  proc.stderr.count("Trace written"), 1)
    if results.equal(f"{case}: one trace", len(traces), 1):
        r = json_report(env, traces[0])
        src = "c_exec_path.c"
        results.equal(f"{case}: written at the exec, with the block live then",
                      (r["trace"]["exit_reason"],
                       site_figure(r, src, line_of(env, src, "HELD"), ("exit", "bytes"))),
                      ("exec", 500))


def case_tool_options(env, results):
    """Through the launcher, as a user runs it."""
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


def trace_through_fifo(env, fifo, received):
    """Run c_basic_peak with its trace written into a FIFO that `cat` copies to received."""
    if os.path.exists(fifo):
        os.remove(fifo)
    os.mkfifo(fifo)
    with open(received, "w") as sink:
        reader = subprocess.Popen(["cat", fifo], stdout=sink)
        memattr(env, "c_basic_peak.c", trace=fifo)
        try:
            reader.wait(timeout=60)
        except subprocess.TimeoutExpired:   # nothing was written into the FIFO
            reader.kill()


def refused_at_start(results, case, proc):
    """The checks of a run memattr refused before the program ran."""
    results.check(f"{case}: refused before the program runs, with a non-zero exit status",
                  proc.returncode != 0 and proc.stdout == ""
                  and "memattr: the program was not run" in proc.stderr,
                  f"rc {proc.returncode}, stdout {proc.stdout!r}: {proc.stderr[-500:]}")


def case_trace_destinations(env, results):
    missing = env.out("no-such-dir/trace")
    proc = memattr(env, "c_basic_peak.c", trace=missing).proc
    results.check("trace destinations: an unwritable trace path is named in a clear error",
                  f"cannot create the trace file '{missing}': no such directory" in proc.stderr,
                  proc.stderr[-500:])
    refused_at_start(results, "trace destinations: an unwritable trace path", proc)

    directory = fresh_dir(env, "a-directory")
    proc = memattr(env, "c_basic_peak.c", trace=directory).proc
    results.check("trace destinations: a directory is named in a clear error",
                  f"cannot create the trace file '{directory}': is a directory" in proc.stderr,
                  proc.stderr[-500:])
    refused_at_start(results, "trace destinations: a directory", proc)

    proc = memattr(env, "c_basic_peak.c", trace="trace.%q{MEMATTR_TEST_UNSET}").proc
    results.check("trace destinations: an unset %q{VAR} is named in a clear error",
                  "MEMATTR_TEST_UNSET" in proc.stderr and "not set" in proc.stderr,
                  proc.stderr[-500:])
    results.check("trace destinations: an unset %q{VAR} stops the run before the program",
                  proc.returncode != 0 and proc.stdout == "", f"rc {proc.returncode}")

    # The start-up check creates the staging file and removes it again.
    work = fresh_dir(env, "destinations")
    proc = memattr(env, "c_basic_peak.c", trace=os.path.join(work, "trace")).proc
    results.equal("trace destinations: a run leaves its trace and nothing else",
                  (proc.returncode, os.listdir(work)), (0, ["trace"]))

    # A destination that is not a regular file is written in place, never replaced
    # by a rename (as root that would replace e.g. a /dev node).
    fifo, received = env.out("trace.fifo"), env.out("trace.from-fifo")
    trace_through_fifo(env, fifo, received)
    results.check("trace destinations: a FIFO stays a FIFO",
                  stat.S_ISFIFO(os.stat(fifo).st_mode))
    summary = json_report(env, received)["summary"]
    results.equal("trace destinations: the trace streamed through a FIFO is complete",
                  summary["peak"]["bytes"], 7000)


def fresh_dir(env, name):
    """An empty scratch directory of this test run."""
    path = os.path.join(env.runs, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def case_trace_staging_symlink(env, results):
    """A symlink planted at the predictable staging name (TRACE.tmp.PID) while the program
    runs: the trace must not be written through it into the file it points to."""
    work = fresh_dir(env, "staging-symlink")
    trace, victim = os.path.join(work, "trace"), os.path.join(work, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    proc = memattr(env, "c_trace_sabotage.c", args=["symlink", trace, victim], trace=trace).proc
    with open(victim) as f:
        content = f.read()
    results.check("trace staging symlink: the file the symlink points to is untouched",
                  content == "precious\n", f"it now holds {content[:40]!r}...")
    results.check("trace staging symlink: no trace is published",
                  not os.path.lexists(trace), str(os.listdir(work)))
    results.check("trace staging symlink: the error names the staging file",
                  re.search(rf"cannot create the trace file '{re.escape(trace)}': its staging "
                            rf"file '{re.escape(trace)}\.tmp\.\d+' already exists", proc.stderr),
                  proc.stderr[-500:])
    results.equal("trace staging symlink: the program runs, and the run fails without a trace",
                  (proc.stdout, proc.returncode), ("done\n", 1))


def case_trace_lost_at_exit(env, results):
    """The trace's directory disappears while the program runs: the program ends as it
    would, but the run fails, so that a script cannot take it for a profiled run."""
    gone = os.path.join(fresh_dir(env, "lost-at-exit"), "gone")
    os.makedirs(gone)
    trace = os.path.join(gone, "trace")
    proc = memattr(env, "c_trace_sabotage.c", args=["rmdir", gone], trace=trace).proc
    results.equal("trace lost at exit: the program runs to its end", proc.stdout, "done\n")
    results.check("trace lost at exit: the error names the trace file",
                  f"cannot create the trace file '{trace}': no such directory" in proc.stderr
                  and "memattr: error: no trace was written" in proc.stderr, proc.stderr[-500:])
    results.equal("trace lost at exit: the exit status is 1, not the program's 0",
                  proc.returncode, 1)


def case_mprotect_heap(env, results):
    """A program that makes a heap page inaccessible and exits: the exit snapshot does not
    read it (reading it faulted inside the tool and lost the trace), says what it left out,
    and the trace and its leak check are whole."""
    traced = memattr(env, "c_mprotect_heap.c")
    report = expect_report(results, "mprotect heap", traced)
    if not report:
        return
    exit_snapshot = report["leaks"].get("snapshot") or {}
    results.equal("mprotect heap: the exit snapshot says which block it could not read",
                  exit_snapshot.get("unreadable"), {"blocks": 1, "bytes": 64 * 1024})
    results.equal("mprotect heap: both blocks are live at exit",
                  (report["summary"]["exit"]["blocks"], report["summary"]["exit"]["bytes"]),
                  (2, 64 * 1024 + 100))
    small = site_ids_at(report, "c_mprotect_heap.c", line_of(env, "c_mprotect_heap.c", "small"))
    reachable = {row["site"] for row in report["leaks"]["still_reachable"]["sites"]}
    results.check("mprotect heap: the global's block is still reachable", small <= reachable,
                  f"sites {small}, still reachable {reachable}")
    results.check("mprotect heap: the report names what was not read",
                  re.search(r"Unreadable +64\.00 KiB \(65,536 bytes\) in 1 block not read",
                            traced.text) is not None,
                  traced.text[:3000])


CASES = [case_c_fatal_signal, case_c_signals, case_c_fork, case_c_exec, case_one_trace_per_program,
         case_tool_options,
         case_trace_destinations, case_trace_staging_symlink, case_trace_lost_at_exit, case_mprotect_heap]
