"""Leaks at exit: memattr's categories (definitely, indirectly, possibly lost, still
reachable) as each program was designed and equal to Memcheck's, and by site."""

import os
import re

import json

from fixtures import (build, expect_report, graph, line_of, memattr, sites_with_frame,
                      under_valgrind)

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
    "c_leak_exit_stale.c": {"definitely lost": (1024, 1), "indirectly lost": (0, 0),
                            "possibly lost": (0, 0), "still reachable": (64, 1)},
    "c_leak_exit_register.c": {"definitely lost": (1024, 1), "indirectly lost": (0, 0),
                               "possibly lost": (0, 0), "still reachable": (96, 2)},
    "cxx_leak_exit_stale.cpp": {"definitely lost": (32, 1), "indirectly lost": (201, 1),
                                "possibly lost": (0, 0), "still reachable": (0, 0)},
    "c_leak_metapool.c": {"definitely lost": (32, 1), "indirectly lost": (0, 0),
                          "possibly lost": (1024, 1), "still reachable": (64, 1)},
    "cxx_leak_heuristics.cpp": {"definitely lost": (0, 0), "indirectly lost": (0, 0),
                                "possibly lost": (64, 1), "still reachable": (301, 4)},
}

# Leak categories must not depend on access tracking: every program is classified in both
# modes (the heap is replaced by a different preload without it, and no block is known to
# be unwritten).
TRACKING_MODES = {"default": (), "--track-access=no": ("--track-access=no",)}


def memcheck_leak_summary(env, exe, options=()):
    """{kind: (bytes, blocks)} from the LEAK SUMMARY of `valgrind --leak-check=full`."""
    proc = under_valgrind(env, ["--tool=memcheck", "--leak-check=full", *options], [exe])
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
        memcheck = memcheck_leak_summary(env, build(env, source))
        for mode, options in TRACKING_MODES.items():
            case = f"leaks {name} ({mode})"
            r = expect_report(results, case, memattr(env, source, options=options))
            if not r:
                continue
            results.check(f"{case}: the exit snapshot is analysed", r["leaks"]["available"],
                          r["leaks"].get("missing_reason"))
            ours = memattr_leak_summary(r)
            results.equal(f"{case}: categories as designed", ours, expected)
            for kind in LEAK_KINDS:
                results.equal(f"{case}: {kind} (bytes, blocks) = Memcheck's", ours[kind],
                              memcheck[kind])


def memcheck_via_heuristic(env, exe):
    """{heuristic: (bytes, blocks)} of Memcheck's "of which reachable via heuristic" lines."""
    proc = under_valgrind(env, ["--tool=memcheck", "--leak-check=full"], [exe])
    return {name: tuple(int(n.replace(",", "")) for n in (size, count))
            for name, size, count in re.findall(r"(\w+)\s*: ([\d,]+) bytes in ([\d,]+) blocks",
                                                proc.stderr.split("of which reachable via heuristic:")[-1])
            if name in ("stdstring", "length64", "newarray", "multipleinheritance")}


def case_leak_heuristics(env, results):
    """Memcheck's leak heuristics, by default (all four) and as --leak-check-heuristics
    chooses, on a program with a block of each layout."""
    src = "cxx_leak_heuristics.cpp"
    traced = memattr(env, src)
    r = expect_report(results, "leak heuristics", traced)
    if not r:
        return
    exe = build(env, src)
    via = {name: (figures["bytes"], figures["blocks"])
           for name, figures in r["leaks"]["still_reachable"]["via_heuristic"].items()
           if figures["blocks"]}
    results.equal("leak heuristics: reachable via each heuristic = Memcheck's", via,
                  memcheck_via_heuristic(env, exe))
    results.equal("leak heuristics: one block of each layout", via,
                  {"stdstring": (65, 1), "length64": (108, 1), "newarray": (88, 1),
                   "multipleinheritance": (40, 1)})
    for choice in ["none", "stdstring,newarray"]:
        report = json.loads(graph(env, "json", traced.trace, f"--leak-check-heuristics={choice}"))
        memcheck = memcheck_leak_summary(env, exe, [f"--leak-check-heuristics={choice}"])
        results.equal(f"leak heuristics: --leak-check-heuristics={choice} = Memcheck's",
                      memattr_leak_summary(report), memcheck)


def case_leaks_realloc_in_place(env, results):
    """A pointer kept from before a realloc that left the block in place: memattr and
    Memcheck (whose realloc always moves) differ, and the leak report says why."""
    src = "c_leak_realloc_in_place.c"
    memcheck = memcheck_leak_summary(env, build(env, src))
    results.equal("realloc in place: Memcheck calls the block possibly lost",
                  memcheck["possibly lost"], (32, 1))
    for mode, options in TRACKING_MODES.items():
        case = f"realloc in place ({mode})"
        traced = memattr(env, src, options=options)
        r = expect_report(results, case, traced)
        if not r:
            continue
        results.equal(f"{case}: the kept pointer reaches the block here",
                      memattr_leak_summary(r)["still reachable"], (32, 1))
        results.equal(f"{case}: one block resized in place", r["leaks"]["in_place_blocks"], 1)
        results.check(f"{case}: the leak report says why it differs from Memcheck",
                      "Resized in place by realloc: 1 block. Memcheck's realloc always moves"
                      in traced.text, traced.text[-2000:])
    # The exit snapshot retaken from the peak one (taken when the 1 MiB block is freed):
    # the resized block, allocated since, still counts.
    retaken = memattr(env, src, args=["after-a-peak"])
    r = expect_report(results, "realloc in place (exit snapshot retaken)", retaken)
    if r:
        results.equal("realloc in place (exit snapshot retaken): one block resized in place",
                      r["leaks"]["in_place_blocks"], 1)
    plain = memattr(env, "c_leaks.c")
    results.check("realloc in place: no note without such a block",
                  "Resized in place" not in plain.text, plain.text[-2000:])


def case_leaks_by_site(env, results):
    src = "c_leaks.c"
    traced = memattr(env, src)
    r = expect_report(results, "leaks by site", traced)
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
    results.check("leaks by site: the text report has Memcheck's summary lines",
                  "   definitely lost: 148 bytes in 2 blocks\n"
                  "   indirectly lost: 500 bytes in 2 blocks\n" in traced.text, traced.text[-3000:])


CASES = [case_leaks_agree_with_memcheck, case_leak_heuristics, case_leaks_realloc_in_place,
         case_leaks_by_site]
