"""Phases and growth: c_phases.c's batches delimited by requests or by --phase-fn give the
same per-site growth (a leak, a bounded cache, steady work), and no phases without either."""

import os
import subprocess

from fixtures import build, expect_report, line_of, memattr

PHASES_SOURCE = "c_phases.c"
PHASE_ITERATIONS = 50


def phase_variants(env, results):
    """c_phases.c run both ways: {"requests": Run, "function": Run} and their reports,
    each with MEMATTR_PHASE_BEGIN/END("batch") or with --phase-fn=process_batch."""
    runs = {"requests": memattr(env, PHASES_SOURCE, defines=["MEMATTR_REQUESTS"]),
            "function": memattr(env, PHASES_SOURCE, options=["--phase-fn=process_batch"])}
    reports = {variant: expect_report(results, f"phases {variant}", traced)
               for variant, traced in runs.items()}
    return runs, reports


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
    """{line: growth row without its site id and key} of the phase's growth table (the key
    names the phase too, and the variants name their phases differently)."""
    lines = line_of_site(report, PHASES_SOURCE)
    return {lines[row["site"]]: {k: v for k, v in row.items() if k not in ("site", "key")}
            for row in phase["growth"]}


def iteration_sites_by_line(report, phase_name):
    """Per iteration, {line: that site's figures in it}: what both variants must share."""
    lines = line_of_site(report, PHASES_SOURCE)
    return [{lines[row["site"]]: {k: v for k, v in row.items() if k != "site"}
             for row in instance["sites"]}
            for instance in report["phases"]["instances"] if instance["name"] == phase_name]


def check_site_growth(env, results, case, growth):
    """c_phases.c's three sites: a leak, a bounded cache, steady work."""
    line = lambda marker: line_of(env, PHASES_SOURCE, marker)
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
    check_site_growth(env, results, case, growth_by_line(report, phase))
    boundaries = [e for e in report["timeline_events"] if e["kind"] != "mark"]
    results.equal(f"{case}: the timeline has every phase boundary",
                  len(boundaries), 2 * PHASE_ITERATIONS)


def case_phases_growth(env, results):
    runs, reports = phase_variants(env, results)
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
    text = runs["requests"].text
    results.check("phases requests: the text report classifies the sites",
                  "leak: +96 bytes per iteration (exact), fitted on iterations 1-50" in text
                  and "bounded: 5.00 KiB (5,120 bytes), reached at iteration 20" in text
                  and "steady: no net growth over iterations 1-50" in text, text[:4000])


def case_phases_absent(env, results):
    traced = memattr(env, PHASES_SOURCE)
    r = expect_report(results, "phases absent", traced)
    if not r:
        return
    results.equal("phases absent: no phases without requests or --phase-fn",
                  r["phases"]["names"], [])
    results.check("phases absent: the text report says how to get them",
                  "No phases. To get them, bracket parts of the run with MEMATTR_PHASE_BEGIN"
                  in traced.text, traced.text[:3000])


def case_phase_ends_at_return(env, results):
    """c_phase_return.c: the last iteration ends at step()'s return, before main's printf
    allocates stdout's buffer, so it holds 300 bytes at its end and retains 100, as the
    others do."""
    traced = memattr(env, "c_phase_return.c", options=["--phase-fn=step"])
    r = expect_report(results, "phase ends at return", traced)
    if not r:
        return
    instances = r["phases"]["instances"]
    results.equal("phase ends at return: live heap after each iteration, retained by each",
                  [(i["iteration"], i["end"]["bytes"], i["end"]["blocks"], i["retained"],
                    i["ended"]) for i in instances],
                  [(k, 100 * k, k, 100, "return") for k in (1, 2, 3)])
    results.equal("phase ends at return: the phase retains the three kept blocks",
                  r["phases"]["names"][0]["retained"], 300)
    results.equal("phase ends at return: stdout's buffer is live at exit, in no iteration",
                  r["summary"]["peak"]["bytes"], 300 + 4096)


def case_phase_fn_not_found(env, results):
    """A --phase-fn name that matches no function is reported as the program starts (before
    its output, which stdio writes at exit on a pipe) and again at exit, and a C++ function
    named without its parameters is found (no warning)."""
    case = "phase-fn not found"
    exe = build(env, "c_phase_return.c")
    vg_env = dict(os.environ, VALGRIND_LIB=env.overlay)
    proc = subprocess.run(["valgrind", "--tool=memattr", "--phase-fn=no_such_step",
                           "--phase-fn=step", f"--memattr-out-file={env.out('phase_fn.trace')}",
                           exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          cwd=env.work, env=vg_env, stdin=subprocess.DEVNULL)
    out = proc.stdout
    start = out.find("--phase-fn=no_such_step matches no function")
    done = out.find("done\n")
    end = out.find("--phase-fn=no_such_step never ran")
    results.check(f"{case}: warned at start, before the program's output, and at exit",
                  proc.returncode == 0 and 0 <= start < done < end, out[-3000:])
    results.check(f"{case}: no warning for the function that exists and ran",
                  "--phase-fn=step" not in out, out[-3000:])
    cxx = memattr(env, "cxx_alloc.cpp", options=["--phase-fn=check", "--phase-fn=missing_fn"])
    results.check(f"{case}: C++: only the missing name is reported",
                  "--phase-fn=check" not in cxx.proc.stderr
                  and "--phase-fn=missing_fn matches no function" in cxx.proc.stderr,
                  cxx.proc.stderr[-3000:])


CASES = [case_phases_growth, case_phases_absent, case_phase_ends_at_return,
         case_phase_fn_not_found]
