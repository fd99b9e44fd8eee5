"""Debian's own programs (issue 14): gzip, xz, jq, sqlite3 and python3 (with its own
allocator, pymalloc, whose arenas are anonymous mappings, and with PYTHONMALLOC=malloc) run
under memattr on inputs made
here, each in a few seconds. The first screen of each text report (its first 60 lines)
must name the top culprit of resident memory at the peak as a person recognises it (the
library or the program whose code or data it is), with no "???" where the trace has a symbol
or an object, and no root or site named after memattr's or Valgrind's own code.
bench/real-programs.sh runs the same programs on bigger inputs, and a C++ compiler (g++ -c
with --trace-children=yes, clang++ -c), and prints the first screens."""

import json
import os
import random
import shutil

from fixtures import parse_report, run, valgrind

FIRST_SCREEN = 60

# What each program's first screen must name as its top culprit (a part of the culprit's
# line), with the command and the input it reads. The inputs are deterministic.
PROGRAMS = {
    # (The compressors write files next to their input: their output is not text.)
    # gzip's heap is a few bytes: the largest part of its resident memory is libc's code
    # (about 850 KiB of its 1.8 MiB natively), then its own .data and .bss.
    "gzip": ("/usr/bin/gzip", ["-k", "-f", "{input}"],
             "code executed in /usr/lib/x86_64-linux-gnu/libc.so.6"),
    "xz": ("/usr/bin/xz", ["-3", "-k", "-f", "{input}"], "liblzma"),
    "jq": ("/usr/bin/jq", ["-c", "group_by(.name) | map({name: .[0].name, n: length})",
                           "{json}"], "libjq"),
    "sqlite3": ("/usr/bin/sqlite3", [":memory:", ".read {sql}"], "libsqlite3"),
    # pymalloc's arenas: an anonymous mapping made by the interpreter's own code.
    "python3": ("/usr/bin/python3", ["{py}"], "anonymous mapping at python3"),
    # With malloc for every object the heap is spread over many sites: the interpreter's own
    # code that ran is the largest part.
    "python3 with PYTHONMALLOC=malloc": ("/usr/bin/python3", ["{py}"], "/usr/bin/python3",
                                         {"PYTHONMALLOC": "malloc"}),
}


def make_inputs(directory):
    """A binary-ish input for the compressors, a JSON array for jq, a script for sqlite3."""
    rng = random.Random(14)
    paths = {"input": os.path.join(directory, "input.bin"),
             "json": os.path.join(directory, "input.json"),
             "sql": os.path.join(directory, "input.sql"),
             "py": os.path.join(directory, "input.py")}
    words = [f"word{n}" for n in range(500)]
    with open(paths["input"], "w") as f:
        f.write(" ".join(rng.choice(words) for _ in range(60000)))
    with open(paths["json"], "w") as f:
        json.dump([{"id": i, "name": f"user-{i % 40}", "tags": [f"t{i % 7}", "common"],
                    "v": rng.random()} for i in range(3000)], f)
    with open(paths["sql"], "w") as f:
        f.write("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);\n"
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)\n"
                "INSERT INTO t SELECT x, printf('row-%d-%s', x, hex(randomblob(16))), x * 1.5"
                " FROM n;\n"
                "CREATE INDEX tb ON t(b);\n"
                "SELECT count(*), sum(length(b)) FROM (SELECT b FROM t ORDER BY c DESC, b);\n")
    with open(paths["py"], "w") as f:
        f.write("data = {f'k{i}': [i, str(i) * 3] for i in range(20000)}\n"
                "print(sum(len(v[1]) for v in data.values()))\n")
    return paths


def with_inputs(argument, inputs):
    """`argument` with {input}, {json}, {sql}, {py} replaced by the inputs' paths (jq's filter has
    braces of its own, so no str.format)."""
    for name, path in inputs.items():
        argument = argument.replace("{" + name + "}", path)
    return argument


def culprit_lines(screen):
    """The "Top culprits" rows of a text report's summary."""
    lines = screen.splitlines()
    for at, line in enumerate(lines):
        if line.startswith("Top culprits"):
            rows = [line[len("Top culprits"):].strip()]
            for more in lines[at + 1:]:
                if not more.startswith(" " * 16) or more.strip().startswith(("install", "no debug")):
                    break
                rows.append(more.strip())
            return rows
    return []


def check_program(env, results, name, work, inputs):
    exe, arguments, expected, *program_env = PROGRAMS[name]
    if not os.path.exists(exe):
        results.check(f"{name}: installed", False, f"{exe} is missing (scripts/install-deps.sh)")
        return
    trace = os.path.join(work, f"{name.split()[0]}-{len(program_env)}.trace")
    proc = valgrind(env, ["--tool=memattr", f"--memattr-out-file={trace}"],
                    [exe, *(with_inputs(argument, inputs) for argument in arguments)],
                    extra_env=program_env[0] if program_env else None)
    if not results.check(f"{name}: runs under memattr", proc.returncode == 0
                         and os.path.exists(trace), proc.stderr[-2000:]):
        return
    screen = "\n".join(run([env.graph, "report", trace]).stdout.splitlines()[:FIRST_SCREEN])
    culprits = culprit_lines(screen)
    results.check(f"{name}: the first screen names the top culprit ({expected})",
                  bool(culprits) and expected in culprits[0], "\n".join(culprits) or screen)
    results.check(f"{name}: no ??? on the first screen", "???" not in screen,
                  "\n".join(line for line in screen.splitlines() if "???" in line))
    report = parse_report(run([env.graph, "json", trace, "--top", "0"]).stdout)
    own = [site["location"]["obj"] for site in report["sites"]
           if "vgpreload" in site["location"]["obj"]]
    own += [root["name"] for root in report["ownership"].get("roots", [])
            if "vgpreload" in root["name"] or "valgrind" in root["name"]]
    results.equal(f"{name}: no site or root named after memattr's or Valgrind's code", own, [])


def case_real_programs_first_screen(env, results):
    work = env.out("real_programs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    inputs = make_inputs(work)
    for name in PROGRAMS:
        check_program(env, results, name, work, inputs)


CASES = [case_real_programs_first_screen]
