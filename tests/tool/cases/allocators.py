"""Whose allocator is traced: glibc's malloc wrapped instead of replaced, a malloc in
another library named with --soname-synonyms, and wrong custom-allocator annotations."""

import os

from fixtures import line_of, memattr, peak_and_totals, run


def case_wrap_agrees(env, results):
    """--malloc=wrap gives the same peak and totals as replacing the allocator."""
    for source in ("c_basic_peak.c", "c_alloc_family.c", "cxx_alloc.cpp"):
        got = {mode: peak_and_totals(memattr(env, source, options=[f"--malloc={mode}",
                                                                   "--snapshots=no"]).raw)
               for mode in ("replace", "wrap")}
        results.equal(f"wrap_agrees {source}: peak and totals", got["wrap"], got["replace"])


def build_own_allocator(env, results):
    """c_own_allocator.c linked with a library that defines malloc; its path, or None."""
    lib = env.out("libownalloc.so")
    proc = run(["gcc", "-g", "-O0", "-shared", "-fPIC", "-Wl,-soname,libownalloc.so",
                "-o", lib, env.source("c_own_allocator_lib.c")])
    if not results.check("soname_synonyms: the library builds", proc.returncode == 0, proc.stderr):
        return None
    exe = env.out("c_own_allocator")
    proc = run(["gcc", "-g", "-O0", "-o", exe, env.source("c_own_allocator.c"), "-L", env.work,
                "-lownalloc", f"-Wl,-rpath,{env.work}"])
    if not results.check("soname_synonyms: the program builds", proc.returncode == 0, proc.stderr):
        return None
    return exe


def case_soname_synonyms(env, results):
    """A malloc in a library that is not libc is replaced when named with
    --soname-synonyms=somalloc=...; with somalloc=NONE it is not."""
    src = "c_own_allocator.c"
    exe = build_own_allocator(env, results)
    if not exe:
        return
    line = line_of(env, src, "OWN_MALLOC")
    for option, blocks in (("libownalloc.so*", 100), ("NONE", 0)):
        raw = memattr(env, exe, options=[f"--soname-synonyms=somalloc={option}"]).raw
        at_line = [s for sid, s in raw.sites.items() if raw.site_at(sid, src, line)]
        results.equal(f"soname_synonyms somalloc={option}: blocks recorded at the program's malloc",
                      sum(int(s["tbk"]) for s in at_line), blocks)


def case_bad_requests(env, results):
    """Wrong custom-allocator annotations are reported, counted and ignored."""
    traced = memattr(env, "c_bad_requests.c")
    proc = traced.proc
    results.equal("bad_requests: the program runs on", (proc.returncode, proc.stdout), (0, "done\n"))
    results.check("bad_requests: the user is told", "FREELIKE_BLOCK of a block at" in proc.stderr
                  and "is unknown; the request is ignored" in proc.stderr, proc.stderr[-2000:])
    if not results.check("bad_requests: trace written", os.path.exists(traced.trace)):
        return
    raw = traced.raw
    events = raw.records["map-events"][0]
    results.equal("bad_requests: counted", (events["bad-requests"], events["custom-requests"]),
                  ("5", "9"))
    custom = [s for s in raw.sites.values() if s["kind"] == "custom"]
    results.equal("bad_requests: the one good block was counted",
                  [(s["tb"], s["tbk"], s["eb"]) for s in custom], [("100", "1", "0")])


CASES = [case_wrap_agrees, case_soname_synonyms, case_bad_requests]
