#!/usr/bin/env bash
# bench/html-report.sh: the HTML report's size and first render on a compiler-sized trace.
#
# Generates a C program with 20,000 allocation sites (200 allocating functions, each called
# from 100 callers of their own), traces it with memattr, writes `memattr-graph html` of the
# trace and opens the page in headless Chromium (tests/tool/chromium_cdp.py), printing the
# page's size and the seconds from navigation to every section drawn. A measurement, not a
# test: nothing is asserted. Run from the top of a built tree: bash bench/html-report.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$top/bench/work/html-report
mkdir -p "$work"
cd "$work"

python3 - <<'PY'
leaves, callers = 200, 100
lines = ["#include <stdlib.h>", "#include <string.h>", f"void* volatile keep[{leaves * callers}];"]
for leaf in range(leaves):
    lines.append(f"__attribute__((noinline)) void* leaf_{leaf}(void) "
                 f"{{ void* p = malloc(16 + {leaf}); memset(p, 1, 16); return p; }}")
for caller in range(callers):
    calls = " ".join(f"keep[{caller * leaves + leaf}] = leaf_{leaf}();" for leaf in range(leaves))
    lines.append(f"__attribute__((noinline)) void caller_{caller}(void) {{ {calls} }}")
lines += ["int main(void) {", *(f"  caller_{c}();" for c in range(callers)), "  return 0;", "}"]
open("many_sites.c", "w").write("\n".join(lines) + "\n")
PY
gcc -O1 -g -o many_sites many_sites.c
"$build/memattr-inplace" -q --memattr-out-file=many_sites.trace ./many_sites
echo "bench/html-report.sh: $build/memattr-graph html many_sites.trace -o many_sites.html"
"$build/memattr-graph" html many_sites.trace -o many_sites.html

python3 - "$top" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "tool"))
from chromium_cdp import Browser
size = os.path.getsize("many_sites.html")
with Browser() as browser:
    started = time.monotonic()
    page = browser.open(os.path.abspath("many_sites.html"))
    page.wait_for("[...document.querySelectorAll('main > section')].every(s => s.dataset.rendered)")
    seconds = time.monotonic() - started
    rows = page.evaluate("document.querySelectorAll('#site-table tbody tr').length")
    errors = page.console_errors()
print(f"sites: 20,000; page: {size / 1048576:.2f} MiB; open to every section drawn: "
      f"{seconds:.2f} s; site rows drawn at first: {rows}; console errors: {len(errors)}")
PY
