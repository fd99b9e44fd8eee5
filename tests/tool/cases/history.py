"""The nightly job (issue 15): stable keys across rebuilds, and the job of docs/nightly.md run
end to end on three builds of examples/nightly/doc_store.cpp (a baseline, a regression that
adds a clone and a leak, a fix)."""

import json
import os
import shutil
import subprocess

from fixtures import memattr, run

EXAMPLE = os.path.join("examples", "nightly", "doc_store.cpp")


def example_source(env):
    return os.path.join(os.path.dirname(os.path.dirname(env.src)), EXAMPLE)


def build_example(env, directory, flags, prefix_lines=0, defines=()):
    """doc_store.cpp built in its own directory under tests/work (with `prefix_lines` comment
    lines added at its top, an edit that shifts every line); returns the executable."""
    where = env.out(directory)
    shutil.rmtree(where, ignore_errors=True)
    os.makedirs(where)
    source = os.path.join(where, "doc_store.cpp")
    with open(example_source(env)) as original, open(source, "w") as copy:
        copy.write("// an edit above every allocation\n" * prefix_lines)
        copy.write(original.read())
    # Named after its directory: the trace cache tells runs apart by the program's name.
    exe = os.path.join(where, "doc_store-" + directory.replace(os.sep, "-"))
    proc = run(["g++", "-std=c++17", "-g", *flags, *(f"-D{d}" for d in defines), "-o", exe,
                "doc_store.cpp"], cwd=where)
    if proc.returncode != 0:
        raise RuntimeError(f"building doc_store.cpp in {where} failed:\n{proc.stderr}")
    return exe


def program_sites(report):
    """{key: sorted lines of the program's own frames} of the sites whose stack passes
    through doc_store.cpp."""
    sites = {}
    for site in report["sites"]:
        lines = [frame["line"] for frame in site["stack"] if frame["file"] == "doc_store.cpp"]
        if lines:
            sites.setdefault(site["key"], []).append(lines)
    return sites


def case_keys_survive_rebuilds(env, results):
    """The same source at -O1 and -O2, built in two directories, the second with its lines
    shifted by an edit: every site keeps its key, though ids, addresses and lines change."""
    first = memattr(env, build_example(env, "keys-O1", ["-O1"]))
    second = memattr(env, build_example(env, os.path.join("keys-O2", "elsewhere"), ["-O2"],
                                        prefix_lines=3))
    before, after = program_sites(first.report), program_sites(second.report)
    results.check("keys: the program's allocations are found", len(before) >= 4,
                  f"only {len(before)} keyed sites in doc_store.cpp")
    results.equal("keys: equal across -O1/-O2, directories and shifted lines",
                  sorted(after), sorted(before))
    shifted = all(lines_after[0][0] == lines_before[0][0] + 3
                  for key, lines_before in before.items()
                  for lines_after in [after.get(key, [[0]])])
    results.check("keys: the lines did shift (the edit reached every site)", shifted,
                  f"{before} against {after}")
    every_site = {site["key"] for site in first.report["sites"]}
    results.equal("keys: the whole program's sites keep their keys too",
                  {site["key"] for site in second.report["sites"]}, every_site)



def job_environment(env, database):
    """The job's environment: memattr-graph and the built tool first on PATH, the database."""
    return dict(os.environ, PATH=os.path.dirname(env.graph) + os.pathsep + os.environ["PATH"],
                VALGRIND_LIB=env.overlay, MEMATTR_DB=database)


def run_night(env, workdir, database, rev, exe):
    """One night of examples/nightly/nightly-job.sh; returns (process, its output folder)."""
    out = os.path.join(workdir, f"night-{rev}")
    job = os.path.join(os.path.dirname(os.path.dirname(env.src)), "examples", "nightly",
                       "nightly-job.sh")
    proc = subprocess.run(["sh", job, rev, "docs", exe], capture_output=True, text=True,
                          cwd=workdir, env=dict(job_environment(env, database), OUT=out))
    return proc, out


def read(path):
    with open(path) as f:
        return f.read()


def budget_lines(out):
    """{budget name: its line} of a night's budgets.txt."""
    lines = {}
    for line in read(os.path.join(out, "budgets.txt")).splitlines()[1:-1]:
        verdict, rest = line.split(None, 1)
        lines[rest.split(":", 1)[0]] = (verdict, rest)
    return lines


def case_nightly_job_end_to_end(env, results):
    """docs/nightly.md's job on three nights: the baseline passes (the budgets that compare
    skipped), the regression (a clone and a leak) fails with exit 3 naming both sites and
    ranks them first in the diff, the fix passes; the database holds every night."""
    workdir = env.out("nightly-job")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    database = os.path.join(workdir, "memattr.db")
    nights = [("b1", build_example(env, "night-b1", ["-O2"])),
              ("b2", build_example(env, "night-b2", ["-O2"], defines=["DOC_STORE_REGRESSION"])),
              ("b3", build_example(env, "night-b3", ["-O2"], prefix_lines=1))]
    outcomes = {rev: run_night(env, workdir, database, rev, exe) for rev, exe in nights}

    proc, out = outcomes["b1"]
    results.equal("nightly b1: the baseline passes", proc.returncode, 0)
    if proc.returncode not in (0, 3):
        results.check("nightly b1: the job runs", False, proc.stderr[-2000:])
        return
    first = budget_lines(out)
    results.equal("nightly b1: the budgets that compare are skipped on the first night",
                  sorted(name for name, (verdict, _) in first.items() if verdict == "skipped"),
                  ["max-peak-growth", "no-new-leaks"])
    results.check("nightly b1: no diff without a last night",
                  not os.path.exists(os.path.join(out, "diff.txt")))

    proc, out = outcomes["b2"]
    results.equal("nightly b2: the regression fails with exit 3", proc.returncode, 3)
    second = budget_lines(out)
    broken = {name: rest for name, (verdict, rest) in second.items() if verdict == "BROKEN"}
    results.check("nightly b2: no-new-leaks broken by the leaking site",
                  "load_settings (doc_store.cpp:" in broken.get("no-new-leaks", ""), second)
    results.check("nightly b2: max-clone-bytes broken by the copying site",
                  "copy at cache_bodies (doc_store.cpp:" in broken.get("max-clone-bytes", ""),
                  second)
    results.check("nightly b2: max-peak-growth broken by the cache",
                  "cache_bodies (doc_store.cpp:" in broken.get("max-peak-growth", ""), second)
    diff = read(os.path.join(out, "diff.txt")) if os.path.exists(os.path.join(out, "diff.txt")) else ""
    sites = diff.split("Sites by change of peak bytes", 1)[-1]
    ranked = [line for line in sites.splitlines() if line.strip()[:3] in ("1. ", "2. ")][:2]
    results.check("nightly b2: the diff ranks the cache first",
                  len(ranked) == 2 and "appeared: cache_bodies" in ranked[0], diff[:3000])
    leak_row = [line for line in diff.splitlines() if "appeared leak: definitely lost from load_settings" in line]
    results.check("nightly b2: the diff lists the new leak", len(leak_row) == 1, diff[:3000])
    results.check("nightly b2: JUnit XML with the broken budgets as failures",
                  'failures="3"' in read(os.path.join(out, "budgets.xml")),
                  read(os.path.join(out, "budgets.xml"))[:1000])
    results.check("nightly b2: a Markdown summary for the CI page",
                  "**broken**" in read(os.path.join(out, "budgets.md")))

    proc, out = outcomes["b3"]
    results.equal("nightly b3: the fix passes", proc.returncode, 0)
    results.equal("nightly b3: every budget judged and held",
                  sorted(verdict for verdict, _ in budget_lines(out).values()), ["ok"] * 5)

    trend = run([env.graph, "trend", "--db", database, "--workload", "docs", "--format",
                 "json"])
    runs = json.loads(trend.stdout)["runs"] if trend.returncode == 0 else []
    results.equal("nightly: trend has every night, in order",
                  [night["labels"]["rev"] for night in runs], ["b1", "b2", "b3"])
    text = run([env.graph, "trend", "--db", database, "--workload", "docs", "--last", "2"]).stdout
    results.check("nightly: the text trend of the last two nights names the cache's fix",
                  "cache_bodies (doc_store.cpp:" in text, text[:2000])


def case_concurrent_records_keep_every_run(env, results):
    """Two nightly jobs recording into one database at once: both runs of every pair are
    kept, and the file stays a healthy SQLite database."""
    workdir = env.out("concurrent-record")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    traced = memattr(env, "c_basic_peak.c")
    report = os.path.join(workdir, "report.json")
    with open(report, "w") as f:
        f.write(run([env.graph, "json", traced.trace, "--top", "0"]).stdout)
    database = os.path.join(workdir, "history.db")
    rounds = 10
    script = ("for i in $(seq %d); do memattr-graph record \"$1\" --db \"$2\" --label job=$3 "
              "--label round=$i >/dev/null || exit 1; done" % rounds)
    jobs = [subprocess.Popen(["sh", "-c", script, "job", report, database, name],
                             env=job_environment(env, database), stderr=subprocess.PIPE,
                             text=True)
            for name in ("a", "b")]
    errors = [job.communicate()[1] for job in jobs]
    results.check("concurrent record: both jobs succeed",
                  all(job.returncode == 0 for job in jobs), "\n".join(errors)[-2000:])
    for name in ("a", "b"):
        proc = run([env.graph, "trend", "--db", database, "--label", f"job={name}", "--format",
                    "json"])
        count = len(json.loads(proc.stdout)["runs"]) if proc.returncode == 0 else proc.stderr
        results.equal(f"concurrent record: every run of job {name} is in the database",
                      count, rounds)
    check = run(["sqlite3", database, "PRAGMA quick_check;"])
    results.equal("concurrent record: sqlite3 finds the database sound", check.stdout.strip(), "ok")


CASES = [case_keys_survive_rebuilds, case_nightly_job_end_to_end,
         case_concurrent_records_keep_every_run]
