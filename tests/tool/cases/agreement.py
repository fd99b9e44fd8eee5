"""Agreement with DHAT and Massif: the same programs (the test programs and Debian's
python3) give memattr's peak and totals equal to DHAT's and Massif's, with and without
access tracking."""

import json
import os
import shutil

from fixtures import executable, memattr, under_valgrind, without_time

# A real program besides the test programs: Debian's python3 running a short script.
PYTHON_SCRIPT = "d = {str(i): [i] * 3 for i in range(20000)}; del d; print('done')"
SOURCES = ["c_basic_peak.c", "c_alloc_family.c", "c_threads.c", "c_thread_peaks.c", "cxx_alloc.cpp",
           "rust_alloc.rs", "c_many_allocs.c", "c_clone_memcpy.c", "cxx_clone_vs_move.cpp"]


def python3():
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else shutil.which("python3")


# (name, program, arguments, malloc(0) calls) of each program compared.
ZERO_SIZE_CALLS = {"c_alloc_family.c": 1, "c_thread_peaks.c": 2}
PROGRAMS = [*((os.path.splitext(source)[0], source, [], ZERO_SIZE_CALLS.get(source, 0))
              for source in SOURCES),
            ("python3", None, ["-c", PYTHON_SCRIPT], 0)]


def memattr_summary(env, program, args, *options):
    """memattr's summary of a run (the other cases' run of the same program is reused);
    a run that failed fails the case, as DHAT's or Massif's would."""
    traced = memattr(env, program, args=args, options=options)
    if traced.proc.returncode != 0:
        raise RuntimeError(f"valgrind --tool=memattr failed: {traced.proc.stderr[-1000:]}")
    return traced.report["summary"]


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


def check_agreement(env, results, name, program, args, zero_size):
    s = memattr_summary(env, program, args)
    command = [executable(env, program), *args]
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
    untracked = memattr_summary(env, program, args, "--track-access=no")
    results.equal(f"agreement {name}: --track-access=no gives the same peak and totals",
                  (without_time(untracked["peak"]), untracked["total"]),
                  (without_time(s["peak"]), s["total"]))


def agreement_case(name, program, args, zero_size):
    """One case per program, so that the programs are compared on all cores at once."""
    def case(env, results):
        if program and program.endswith(".rs") and not shutil.which("rustc"):
            return   # (rust_alloc fails for it)
        check_agreement(env, results, name, program or python3(), args, zero_size)
    case.__name__ = f"case_agreement_{name}"
    return case


CASES = [agreement_case(*program) for program in PROGRAMS]
