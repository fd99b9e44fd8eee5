#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test (GoogleTest unit
# tests of memattr-graph and the tool regression tests, including agreement with DHAT and
# Massif). Ends with the line "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
make --no-print-directory -C "$top/build" -j"$(nproc)" check
