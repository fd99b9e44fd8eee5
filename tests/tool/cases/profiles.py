"""The profile formats (issue 16), each read by its real consumer where there is one:
`memattr-graph folded` parsed as flamegraph.pl reads it (flamegraph.pl is not a Debian
package), `memattr-graph callgrind` through callgrind_annotate, `memattr-graph massif`
through ms_print and `memattr-graph pprof` through `go tool pprof` (golang-go), the figures
compared with the JSON report's."""

import os
import pty
import re
import shutil
import subprocess

from fixtures import expect_report, graph, memattr, run

PROGRAM = "cxx_leak_tree.cpp"   # nested callers, leaks and a peak snapshot

FOLDED_LINE = re.compile(r"^([^\n]+) (\d+)$")
FOLDED_DIFF_LINE = re.compile(r"^([^\n]+) (\d+) (\d+)$")


def traced_program(env, results, case):
    """The program's run and its JSON report, or (None, None)."""
    traced = memattr(env, PROGRAM)
    report = expect_report(results, case, traced)
    return (traced, report) if report else (None, None)


def folded_stacks(results, case, text, line_rule=FOLDED_LINE):
    """{stack: figures} of a folded profile; every line must be one flamegraph.pl keeps (it
    drops bad lines silently, exit 0)."""
    lines = text.splitlines()
    bad = [line for line in lines if not line_rule.match(line)]
    results.check(f"{case}: every line is 'stack count'", lines and not bad, f"bad lines: {bad[:5]}")
    stacks = {}
    for line in lines:
        match = line_rule.match(line)
        if match:
            stacks[match.group(1)] = [int(n) for n in match.groups()[1:]]
    results.equal(f"{case}: one line per stack", len(stacks), len(lines))
    return stacks


def top_site_function(report):
    """The top site's function as the profiles name it: a frame without a symbol by its
    object, "[libstdc++.so.6.0.30]" (the top site of a small C++ program is often the C++
    runtime's start-up pool)."""
    location = report["sites"][0]["location"]
    if location["fn"] != "???":
        return location["fn"]
    return f"[{os.path.basename(location['obj'])}]"


def peak_through(report, function):
    """Peak bytes of the sites with `function` on their stack."""
    return sum(site["peak"]["bytes"] for site in report["sites"]
               if any(frame["fn"] == function for frame in site["stack"]))


def case_profiles_folded(env, results):
    """Folded stacks of the peak add up to the report's peak, root first; leaked and retained
    add up to the leak check's and the snapshot's figures; --diff writes both runs."""
    case = "profiles_folded"
    traced, report = traced_program(env, results, case)
    if not report:
        return
    stacks = folded_stacks(results, case, graph(env, "folded", traced.trace))
    results.equal(f"{case}: the peak stacks add up to the peak",
                  sum(figures[0] for figures in stacks.values()), report["summary"]["peak"]["bytes"])
    top = top_site_function(report)
    results.check(f"{case}: the top site's function ends a stack",
                  any(stack.split(";")[-1] == top for stack in stacks), f"{top} not in {list(stacks)}")
    results.check(f"{case}: stacks start at the root (main)",
                  any(stack.startswith("main;") for stack in stacks), list(stacks))

    leaks = report["leaks"]
    leaked = folded_stacks(results, f"{case} leaked",
                           graph(env, "folded", traced.trace, "--metric", "leaked"))
    results.equal(f"{case}: leaked stacks add up to definitely + indirectly lost",
                  sum(figures[0] for figures in leaked.values()),
                  leaks["definitely_lost"]["bytes"] + leaks["indirectly_lost"]["bytes"])
    results.equal(f"{case}: leaked is the program's known answer (104 + 1,432 bytes)",
                  sum(figures[0] for figures in leaked.values()), 1536)
    retained = folded_stacks(results, f"{case} retained",
                             graph(env, "folded", traced.trace, "--metric", "retained"))
    results.equal(f"{case}: retained stacks add up to the snapshot's reachable bytes",
                  sum(figures[0] for figures in retained.values()),
                  report["ownership"]["reachable"]["bytes"])

    diff = folded_stacks(results, f"{case} diff",
                         graph(env, "folded", traced.trace, "--diff", traced.trace),
                         FOLDED_DIFF_LINE)
    results.check(f"{case}: --diff against itself: before = after on every line",
                  all(before == after for before, after in diff.values()), diff)
    results.equal(f"{case}: --diff has the same stacks", sorted(diff), sorted(stacks))


def annotate(env, results, case, profile, *options):
    """callgrind_annotate's output for `profile`; it must succeed."""
    proc = run(["callgrind_annotate", *options, profile])
    results.check(f"{case}: {' '.join(['callgrind_annotate', *options])} exits 0", proc.returncode == 0,
                  proc.stderr[-2000:])
    return proc.stdout


def annotated_functions(text):
    """[(first event's figure, 'file:function')] of callgrind_annotate's function table, in
    its order, and the PROGRAM TOTALS' first figure."""
    figure = re.compile(r"^\s*([\d,]+) ")
    totals, functions = None, []
    for line in text.splitlines():
        match = figure.match(line)
        if not match:
            continue
        value = int(match.group(1).replace(",", ""))
        if line.endswith("PROGRAM TOTALS"):
            totals = value
        elif totals is not None and re.search(r"\)\s+\S", line):
            functions.append((value, line.rsplit("  ", 1)[-1].strip()))
    return totals, functions


def case_profiles_callgrind(env, results):
    """callgrind_annotate reads the file: PROGRAM TOTALS is the peak, the top function by self
    cost the top site's, and main's inclusive cost what its callees had live at the peak."""
    case = "profiles_callgrind"
    traced, report = traced_program(env, results, case)
    if not report:
        return
    profile = env.out("profiles.callgrind.out")
    graph(env, "callgrind", traced.trace, "-o", profile)
    peak = report["summary"]["peak"]["bytes"]

    totals, functions = annotated_functions(annotate(env, results, case, profile))
    results.equal(f"{case}: PROGRAM TOTALS is the peak", totals, peak)
    top = top_site_function(report)
    results.check(f"{case}: the top function (self) is the top site's",
                  functions and functions[0][1].endswith(":" + top), f"{top} vs {functions[:3]}")

    totals, functions = annotated_functions(
        annotate(env, results, case, profile, "--inclusive=yes"))
    results.equal(f"{case}: PROGRAM TOTALS (inclusive) is the peak", totals, peak)
    main = [value for value, name in functions if name.endswith(":main")]
    results.equal(f"{case}: main's inclusive peak bytes are its callees'", main,
                  [peak_through(report, "main")])


def ms_print_peak(text):
    """(the peak snapshot's number, its tree's root bytes, the tree's lines) of ms_print's
    output."""
    detailed = re.search(r"Detailed snapshots: \[.*?(\d+) \(peak\)", text)
    root = re.search(r"^[\d.]+% \(([\d,]+)B\) \(heap allocation functions\)", text, re.M)
    tree = [line for line in text.splitlines() if line.startswith(("->", "| "))]
    return (int(detailed.group(1)) if detailed else None,
            int(root.group(1).replace(",", "")) if root else None, tree)


def case_profiles_massif(env, results):
    """ms_print reads the file: one peak snapshot, its tree's root the report's peak, the top
    site's function in it; and no snapshot above the peak."""
    case = "profiles_massif"
    traced, report = traced_program(env, results, case)
    if not report:
        return
    profile = env.out("profiles.massif.out")
    graph(env, "massif", traced.trace, "-o", profile)
    proc = run(["ms_print", profile])
    if not results.check(f"{case}: ms_print exits 0", proc.returncode == 0, proc.stderr[-2000:]):
        return
    number, root, tree = ms_print_peak(proc.stdout)
    peak = report["summary"]["peak"]["bytes"]
    results.check(f"{case}: a peak snapshot", number is not None, proc.stdout[-2000:])
    results.equal(f"{case}: the peak tree's root is the peak", root, peak)
    location = report["sites"][0]["location"]   # massif names frames as the report does
    top = (location["fn"] if location["obj_offset"] is None else
           f"{os.path.basename(location['obj'])}+{location['obj_offset']}")
    results.check(f"{case}: the top site's function is in the tree",
                  any(f": {top} (" in line for line in tree), tree[:10])
    with open(profile) as f:
        heaps = [int(n) for n in re.findall(r"^mem_heap_B=(\d+)$", f.read(), re.M)]
    results.equal(f"{case}: the highest snapshot is the peak", max(heaps, default=None), peak)
    results.check(f"{case}: at most 100 snapshots", 0 < len(heaps) <= 100, len(heaps))


def go_pprof_top(env, results, case, go, profile, sample_index):
    """`go tool pprof -top` of `profile` for `sample_index`, every node and figure in bytes
    (-unit=B: pprof otherwise rounds to kB and MB); its output, or None when it fails."""
    # go keeps a cache and settings under HOME: a directory of the test run's own, so that it
    # runs as any user, whatever HOME is.
    home = env.out("pprof-go-home")
    os.makedirs(home, exist_ok=True)
    go_env = dict(os.environ, HOME=home, GOCACHE=os.path.join(home, "cache"),
                  GOPATH=os.path.join(home, "go"))
    options = ["-top", f"-sample_index={sample_index}", "-unit=B", "-nodefraction=0"]
    proc = run([go, "tool", "pprof", *options, profile], env=go_env)
    if not results.check(f"{case}: go tool pprof {' '.join(options)} exits 0",
                         proc.returncode == 0, proc.stderr[-2000:]):
        return None
    return proc.stdout


PPROF_TOTAL = re.compile(r"^Showing nodes accounting for (\d+)B, [\d.]+% of (\d+)B total$", re.M)
PPROF_ROW = re.compile(r"^\s*(\d+)B\s+[\d.]+%\s+[\d.]+%\s+(\d+)B\s+[\d.]+%\s+(.+)$")


def pprof_top(text):
    """(the total, [(flat bytes, function)] in pprof's order) of `go tool pprof -top`."""
    total = PPROF_TOTAL.search(text)
    rows = [(int(match.group(1)), match.group(3)) for match in map(PPROF_ROW.match, text.splitlines())
            if match]
    return (int(total.group(2)) if total else None), rows


def check_pprof_figure(env, results, case, go, profile, sample_index, expected, top=None):
    """pprof's total and flat sum for `sample_index` are `expected`; its first function is
    `top`, when given."""
    text = go_pprof_top(env, results, case, go, profile, sample_index)
    if text is None:
        return
    total, rows = pprof_top(text)
    results.equal(f"{case}: {sample_index}: pprof's total is the report's", total, expected)
    results.equal(f"{case}: {sample_index}: the functions' flat bytes add up to it",
                  sum(flat for flat, _ in rows), expected)
    if top is not None:
        results.check(f"{case}: {sample_index}: the top function is the top site's",
                      rows and rows[0][1] == top, f"{top!r} vs {rows[:3]}")


def graph_to_terminal(env, trace):
    """memattr-graph pprof TRACE with standard output a terminal: (exit status, stderr)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([env.graph, "pprof", trace], stdout=follower,
                              stderr=subprocess.PIPE, text=True)
    finally:
        os.close(follower)
        os.close(leader)
    return proc.returncode, proc.stderr


def case_profiles_pprof(env, results):
    """go tool pprof reads the profile: inuse_space (its default) adds up to the report's
    peak with the top site's function first, alloc_space to the bytes allocated, exit_space
    to the bytes live at exit. Standard output takes the same bytes unless it is a
    terminal, which is a usage error."""
    case = "profiles_pprof"
    traced, report = traced_program(env, results, case)
    if not report:
        return
    profile = env.out("profiles.pb.gz")
    graph(env, "pprof", traced.trace, "-o", profile)
    go = shutil.which("go")
    if results.check(f"{case}: go is installed (golang-go, which scripts/install-deps.sh "
                     "installs: the pprof reader)", go is not None, "no 'go' on PATH"):
        summary = report["summary"]
        check_pprof_figure(env, results, case, go, profile, "inuse_space",
                           summary["peak"]["bytes"], top_site_function(report))
        check_pprof_figure(env, results, case, go, profile, "alloc_space",
                           summary["total"]["bytes"])
        check_pprof_figure(env, results, case, go, profile, "exit_space", summary["exit"]["bytes"])

    with open(profile, "rb") as f:
        written = f.read()
    piped = subprocess.run([env.graph, "pprof", traced.trace], capture_output=True)
    results.check(f"{case}: to a pipe: exit 0 and the file's bytes (gzip)",
                  piped.returncode == 0 and piped.stdout == written and written[:2] == b"\x1f\x8b",
                  f"exit {piped.returncode}, {len(piped.stdout)} vs {len(written)} bytes")
    status, stderr = graph_to_terminal(env, traced.trace)
    results.check(f"{case}: to a terminal: a usage error (exit 2) asking for -o",
                  status == 2 and "give -o FILE" in stderr, f"exit {status}: {stderr}")


CASES = [case_profiles_folded, case_profiles_callgrind, case_profiles_massif,
         case_profiles_pprof]
