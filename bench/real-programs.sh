#!/usr/bin/env bash
# bench/real-programs.sh: Debian's programs under memattr at a real size, each report's first
# screen, and memattr's resident estimate beside the native peak RSS of the same run.
#
# gzip, xz (-9, a small and a big input: a big dictionary, mostly never written, then mostly
# written), jq and sqlite3, on inputs generated here; python3 with its own allocator
# (pymalloc: its arenas are mappings, not malloc blocks) and with PYTHONMALLOC=malloc on
# bench's big-heap workload; and
# a C++ compiler on bench/workloads/compile_unit.cpp: g++ -c (the compiler proper, cc1plus,
# is a child process: traced with --trace-children=yes, and its trace is the one read) and
# clang++ -c when installed (clang compiles in its own process). For each: the command, the
# first 24 lines of the report's summary (what tests/tool/cases/real_programs.py checks on
# small inputs), and "estimate / native RSS" as a ratio (native RSS: the largest process of
# the native run, so cc1plus for g++). A measurement, not a test: nothing is asserted.
# Run from the top of a built tree: bash bench/real-programs.sh [NAME...], where each NAME
# (gzip, xz-small, xz-big, jq, sqlite3, python3, python3-malloc, g++, clang++) picks one
# program; all of them without one.
set -euo pipefail
wanted=" $* "
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$top/bench/work/real-programs
mkdir -p "$work"
cd "$work"

python3 - <<'PY'
import json, random
rng = random.Random(14)
words = [f"word{n}" for n in range(5000)]
open("text.txt", "w").write(" ".join(rng.choice(words) for _ in range(2_000_000)))
open("small.txt", "w").write(" ".join(rng.choice(words) for _ in range(20_000)))
json.dump([{"id": i, "name": f"user-{i % 50}", "tags": [f"t{i % 7}", "common"], "v": rng.random()}
           for i in range(40_000)], open("input.json", "w"))
open("input.sql", "w").write(
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);\n"
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000)\n"
    "INSERT INTO t SELECT x, printf('row-%d-%s', x, hex(randomblob(16))), x * 1.5 FROM n;\n"
    "CREATE INDEX tb ON t(b);\n"
    "SELECT count(*), sum(length(b)) FROM (SELECT b FROM t ORDER BY c DESC, b);\n")
PY

measure() {  # NAME [--child PROGRAM] COMMAND...: trace it (or its child PROGRAM), print
             # its first screen and the estimate's ratio
  local name=$1 child=; shift
  [[ $wanted == "  " || $wanted == *" $name "* ]] || return 0
  if [[ $1 == --child ]]; then child=$2; shift 2; fi
  if [[ -z $child ]]; then
    echo "== $name: valgrind --tool=memattr $*"
    "$build/memattr-inplace" -q --memattr-out-file="$name.trace" "$@" > /dev/null
  else
    echo "== $name: valgrind --tool=memattr --trace-children=yes $* (the trace of $child)"
    rm -f "$name".trace.*
    "$build/memattr-inplace" --trace-children=yes --memattr-out-file="$name.trace.%p" "$@" \
      > /dev/null 2> "$name.log"
    local pid
    pid=$(sed -n "s|^==\([0-9]*\)== Command: [^ ]*/$child .*|\1|p" "$name.log" | head -n 1)
    [[ -n $pid && -s $name.trace.$pid ]] || { echo "no trace of $child (see $work/$name.log)"; return 1; }
    mv "$name.trace.$pid" "$name.trace"
  fi
  local native
  native=$("$build/memattr-graph" native-rss -- "$@" 2>&1 >/dev/null | sed -n 's/.*--native-rss=\([0-9]*\)K.*/\1/p')
  "$build/memattr-graph" report "$name.trace" --native-rss="${native}K" | sed -n '9,24p'
  "$build/memattr-graph" json "$name.trace" --native-rss="${native}K" | python3 -c '
import json, sys
m = json.load(sys.stdin)["memory_map"]
ratio = m["estimate"] / m["native_rss"]["bytes"]
print("estimate / native RSS: %.2f" % ratio)'
  echo
}

measure gzip gzip -k -f text.txt
measure xz-small xz -9 -k -f small.txt
measure xz-big xz -9 -k -f text.txt
measure jq jq -c 'group_by(.name) | map({name: .[0].name, n: length})' input.json
measure sqlite3 sqlite3 :memory: ".read input.sql"
measure python3 /usr/bin/python3 "$top/bench/workloads/py_big_heap.py"
# (Every object a malloc block: 1 M live blocks at the peak, the bench's big-heap workload.)
PYTHONMALLOC=malloc measure python3-malloc /usr/bin/python3 "$top/bench/workloads/py_big_heap.py"
measure g++ --child cc1plus g++ -std=c++17 -O1 -c "$top/bench/workloads/compile_unit.cpp" -o compile_unit.o
if command -v clang++ > /dev/null; then
  measure clang++ clang++ -std=c++17 -O1 -c "$top/bench/workloads/compile_unit.cpp" -o compile_unit.o
elif [[ $wanted == "  " || $wanted == *" clang++ "* ]]; then
  echo "== clang++: not installed (apt-get install clang), skipped"
fi
