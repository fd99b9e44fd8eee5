#!/usr/bin/env python3
"""The house plan of docs/architecture.md, checked against the code.

Two rules, one test case each:

- memattr/ (the tool): the modules' calls form no circle.  A module is a
  ma_X.c with its ma_X.h; a `static inline` function of ma_X.h belongs to
  ma_X, and its calls are ma_X's.  Reading another module's variables is
  not a call (ma_events.h reads ma_heap's figures); calling its functions is.
- postproc/ (memattr-graph): no #include runs back up the floors
  support/ < trace/ < analysis/ (the sub-analyses) < analysis/analysis.h
  (the assembly of ReportModel) < report/ < cli/.

Prints what it found; exits 0 when both hold, 1 otherwise.
Usage: check-layering.py SRCDIR
"""

import glob
import os
import re
import sys


def without_comments_and_strings(text):
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def tool_call_graph(tool_dir):
    """{module: set of modules whose functions it calls} for memattr/ma_*.c."""
    owner = {}        # function name -> module that defines it
    texts = {}
    for path in glob.glob(os.path.join(tool_dir, "ma_*.[ch]")):
        module = os.path.basename(path)[:-2]
        text = without_comments_and_strings(open(path).read())
        texts[path] = text
        if path.endswith(".c"):
            pattern = r"^(?!static\b)[A-Za-z][\w \*]*?\b(ma_\w+)\s*\("
        else:
            pattern = r"^static inline [\w \*]*?\b(ma_\w+)\s*\("
        for match in re.finditer(pattern, text, re.M):
            owner.setdefault(match.group(1), module)

    def callees(module, code):
        found = set()
        for match in re.finditer(r"\b(ma_\w+)\s*\(", code):
            callee = owner.get(match.group(1))
            if callee and callee != module:
                found.add(callee)
        return found

    graph = {}
    for path, text in texts.items():
        module = os.path.basename(path)[:-2]
        if module.startswith("ma_preload"):   # runs in the client, not in the tool
            continue
        if path.endswith(".c"):
            graph.setdefault(module, set()).update(callees(module, text))
        else:   # the bodies of its static inline functions
            for body in re.finditer(r"^static inline .*?\n\{(.*?)\n\}", text, re.M | re.S):
                graph.setdefault(module, set()).update(callees(module, body.group(1)))
    return graph


def find_circle(graph):
    """A list of modules forming a circle, or None."""
    state = {}   # module -> "open" while on the path, "done" after

    def visit(module, path):
        state[module] = "open"
        for callee in sorted(graph.get(module, ())):
            if state.get(callee) == "open":
                return path[path.index(callee):] + [callee]
            if callee not in state:
                circle = visit(callee, path + [callee])
                if circle:
                    return circle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            circle = visit(module, [module])
            if circle:
                return circle
    return None


FLOORS = ["support", "trace", "analysis", "analysis/analysis", "report", "history", "cli"]


def floor_of(relative_path):
    """The floor of a file given relative to postproc/ (e.g. report/sections/leaks.cpp)."""
    stem = os.path.splitext(relative_path)[0]
    if stem == "analysis/analysis":
        return FLOORS.index("analysis/analysis")
    return FLOORS.index(relative_path.split("/")[0])


def upward_includes(postproc_dir):
    """(file, included header) pairs where the header is on a higher floor."""
    found = []
    for path in sorted(glob.glob(os.path.join(postproc_dir, "**", "*.[ch]*"), recursive=True)):
        relative = os.path.relpath(path, postproc_dir)
        for match in re.finditer(r'^#include "([^"]+)"', open(path).read(), re.M):
            header = match.group(1)
            if not os.path.exists(os.path.join(postproc_dir, header)):
                continue   # the trace schema (format/) and other outside headers
            if floor_of(header) > floor_of(relative):
                found.append((relative, header))
    return found


def main():
    srcdir = sys.argv[1]
    passed = failed = 0

    graph = tool_call_graph(os.path.join(srcdir, "memattr"))
    circle = find_circle(graph)
    for module in sorted(graph):
        print(f"  {module:15s} calls {', '.join(sorted(graph[module])) or '(nothing)'}")
    if circle:
        print("FAIL layering: memattr/ modules call in a circle: " + " -> ".join(circle))
        failed += 1
    else:
        print(f"layering: memattr/: {len(graph)} modules, no circle")
        passed += 1

    upward = upward_includes(os.path.join(srcdir, "postproc"))
    for source, header in upward:
        print(f"FAIL layering: postproc/{source} includes {header}, a floor above it")
    if upward:
        failed += 1
    else:
        print("layering: postproc/: no include runs back up (" + " < ".join(FLOORS) + ")")
        passed += 1

    print(f"layering: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
