#!/usr/bin/env bash
# Quick start: install what is missing, build, install the tool so that
# `valgrind --tool=memattr ./app` works, then profile the bundled example and print the report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
if "${SUDO[@]}" make -C "$top/build" install >/dev/null; then
  run_memattr=(valgrind --tool=memattr)
  graph=memattr-graph
  echo "quickstart: installed; 'valgrind --tool=memattr' and 'memattr-graph' are ready"
else
  echo "quickstart: could not install (no root?); running from the build tree instead" >&2
  run_memattr=("$top/build/memattr-inplace")
  graph="$top/build/memattr-graph"
fi

work="$top/build/example"
mkdir -p "$work"
g++ -std=c++17 -O1 -g -o "$work/word_index" "$top/examples/word_index.cpp"
echo "quickstart: valgrind --tool=memattr ./word_index"
"${run_memattr[@]}" -q --memattr-out-file="$work/memattr.out.example" "$work/word_index"
echo
"$graph" report "$work/memattr.out.example"
