#!/usr/bin/env python3
"""Tool regression tests for memattr.

Each case builds small C, C++ or Rust programs from tests/tool/ whose allocation figures
are known exactly, runs them under memattr, reads the trace back (through `memattr-graph
json`, or raw), and checks the figures.  The cases live in tests/tool/cases/, one module
per behaviour; their shared fixtures (building, running under memattr once per program
and options, reading the trace) in tests/tool/fixtures.py.

Cases run concurrently, one process per CPU; each case's lines are printed together, in
the order of CASES.  Every check is one test case; the script ends with
`tool tests: N passed, N failed`.
Usage: test_tool.py --srcdir DIR --builddir DIR [-k SUBSTRING] [-v]
"""

import argparse
import multiprocessing
import os
import sys
import time

from cases import (agreement, allocators, bad_input, copies, history, html, leaks,
                   memory_map, ownership, peak_and_totals, phases, profiles, progress,
                   real_programs, snapshots, trace_input)
from fixtures import Env, Results, start_test_run

CASES = [*peak_and_totals.CASES, *bad_input.CASES, *copies.CASES, *ownership.CASES,
         *agreement.CASES, *leaks.CASES, *phases.CASES, *memory_map.CASES,
         *allocators.CASES, *history.CASES, *html.CASES, *profiles.CASES,
         *progress.CASES, *real_programs.CASES, *snapshots.CASES, *trace_input.CASES]

# The longest cases (each runs several programs under several Valgrind tools) start first,
# so that both cores stay busy until the end instead of one finishing them alone.
# (A name here stands for every case whose name starts with it.)
LONG_FIRST = ["agreement_python3", "agreement_c_many_allocs", "agreement",
              "leaks_agree_with_memcheck", "duplicate_strings_snapshot", "wrap_agrees",
              "cxx_clone_vs_move", "rust_clone_vs_move"]

_env = None     # each worker's Env, set once by the pool's initializer
_verbose = False


def case_name(case):
    return case.__name__[len("case_"):]


def init_worker(env, verbose):
    global _env, _verbose
    _env, _verbose = env, verbose


def run_case(index):
    """Run CASES[index] in a worker: (index, passed, failed, its lines)."""
    case = CASES[index]
    results = Results(_verbose)
    started = time.monotonic()
    try:
        case(_env, results)
    except Exception as error:   # a broken case is a failure, not a crash of the run
        results.check(f"{case_name(case)}: runs", False, f"{type(error).__name__}: {error}")
    if _verbose:
        results.lines.append(f"({case_name(case)}: {time.monotonic() - started:.1f} s)")
    return index, results.passed, results.failed, results.lines


def schedule(indices):
    """The selected cases, the long ones first."""
    def rank(index):
        name = case_name(CASES[index])
        return next((i for i, long in enumerate(LONG_FIRST) if name.startswith(long)),
                    len(LONG_FIRST))
    return sorted(indices, key=rank)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--srcdir", required=True)
    parser.add_argument("--builddir", required=True)
    parser.add_argument("-k", dest="only", help="run only cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    env = Env(os.path.abspath(args.srcdir), os.path.abspath(args.builddir))
    start_test_run(env)
    selected = [i for i, case in enumerate(CASES) if not args.only or args.only in case_name(case)]
    passed = failed = 0
    done, next_to_print = {}, 0
    with multiprocessing.get_context("fork").Pool(os.cpu_count(), init_worker,
                                                  (env, args.verbose)) as pool:
        for index, p, f, lines in pool.imap_unordered(run_case, schedule(selected)):
            passed, failed = passed + p, failed + f
            done[index] = lines
            # Print in the order of CASES, each case as soon as those before it are out.
            while next_to_print < len(selected) and selected[next_to_print] in done:
                for line in done.pop(selected[next_to_print]):
                    print(line, flush=True)
                next_to_print += 1
    print(f"tool tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
