#!/usr/bin/env bash
# Run every test: the GoogleTest unit tests of memattr-graph (also under ASan and UBSan),
# the layering check (two cases),
# the tool regression tests, and the distribution check (every file in git that a release
# needs is in the tarball; one case). Prints each suite's output, then one line
# "N passed, N failed" over all test cases.
# Usage: tests/run-all.sh SRCDIR BUILDDIR
set -uo pipefail
srcdir=$1 builddir=$2
passed=0 failed=0

# The distribution check runs meanwhile: it is mostly waiting on make and tar.
dist_log=$(mktemp)
"$srcdir/tests/dist-check.sh" "$srcdir" "$builddir" >"$dist_log" 2>&1 &
dist_pid=$!

# GoogleTest: count from its own summary lines; a crash counts as a failure. The unit tests
# run twice: as built for memattr-graph, and under ASan and UBSan (any finding aborts). The
# seeded mutation tests (TraceFuzz) run in the sanitized binary only, where a damaged trace
# that reads out of bounds fails them; in the plain one they would check the same outcomes
# at three times the cost. Both run in the background, the sanitized one in two shards, while
# the tool tests below use every CPU: each alone is one process.
gtest_logs=$(mktemp -d)
trap 'rm -f "$dist_log"; rm -rf "$gtest_logs"' EXIT
start_gtest() {  # NAME BINARY [GTEST_FILTER [SHARD SHARDS]]
  local name=$1 gtest=$2 filter=${3:-*} shard=${4:-0} shards=${5:-1}
  [ -x "$gtest" ] || return 0
  # Each run its own temporary directory (GoogleTest's TempDir()): runs at the same time
  # must not write each other's files.
  mkdir -p "$gtest_logs/$name.tmp"
  TEST_TMPDIR=$gtest_logs/$name.tmp GTEST_SHARD_INDEX=$shard GTEST_TOTAL_SHARDS=$shards \
    "$gtest" --gtest_filter="$filter" >"$gtest_logs/$name.out" 2>&1
  echo $? >"$gtest_logs/$name.rc"
}
count_gtest() {  # LABEL BINARY NAME...: the named runs' results, as one suite
  local label=$1 gtest=$2 name out rc ran bad total_ran=0 total_bad=0
  shift 2
  if [ ! -x "$gtest" ]; then
    echo "$label: $gtest not built (GoogleTest missing?)"; failed=$((failed + 1)); return
  fi
  for name in "$@"; do
    out=$(cat "$gtest_logs/$name.out"); rc=$(cat "$gtest_logs/$name.rc")
    printf '%s\n' "$out" | grep -E '^\[  (FAILED|PASSED) |^\[==========\]|^\[  FAILED  \]' || true
    ran=$(printf '%s\n' "$out" | sed -n 's/^\[==========\] \([0-9]*\) tests\? from .* ran.*/\1/p' | tail -1)
    # (GoogleTest names a failed test twice: as it fails, and in the list at the end.)
    bad=$(printf '%s\n' "$out" | grep -o '^\[  FAILED  \] [A-Za-z_0-9/]*\.[A-Za-z_0-9/]*' |
          sort -u | wc -l)
    if [ -z "$ran" ]; then
      # A sanitizer's report ends the run: show it.
      printf '%s\n' "$out" | grep -E -A12 '^==[0-9]+==ERROR|runtime error' | head -40
      echo "$label: $gtest did not finish (exit $rc)"; total_bad=$((total_bad + 1)); continue
    fi
    [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    total_ran=$((total_ran + ran)); total_bad=$((total_bad + bad))
  done
  passed=$((passed + total_ran - total_bad)); failed=$((failed + total_bad))
  echo "$label: $((total_ran - total_bad)) passed, $total_bad failed"
}
plain_gtest=$builddir/tests/postproc/postproc-tests
sanitized_gtest=$builddir/tests/postproc/postproc-tests-sanitized
start_gtest plain "$plain_gtest" '-*TraceFuzz.*' &
gtest_pids=$!
start_gtest sanitized-0 "$sanitized_gtest" '*' 0 2 &
gtest_pids="$gtest_pids $!"
start_gtest sanitized-1 "$sanitized_gtest" '*' 1 2 &
gtest_pids="$gtest_pids $!"

# The house plan (docs/architecture.md): no call circle in memattr/, no include running back
# up the floors of postproc/. Two cases; the script prints its own counts last.
out=$(python3 "$srcdir/tests/check-layering.py" "$srcdir" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E '^(FAIL|layering:)' || true
line=$(printf '%s\n' "$out" | tail -1)
if [[ $line =~ ^layering:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
else
  echo "layering: the check did not finish (exit $rc)"; failed=$((failed + 1))
fi

# Tool regression tests (each check is a case); they print their own counts last.
out=$(python3 "$srcdir/tests/tool/test_tool.py" --srcdir "$srcdir" --builddir "$builddir" 2>&1); rc=$?
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | tail -1)
if [[ $line =~ ^tool\ tests:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
else
  echo "tool tests: the runner did not finish (exit $rc)"; failed=$((failed + 1))
fi

# (Each waited for by its own pid: a plain `wait` would also wait for the dist check.)
for pid in $gtest_pids; do wait "$pid"; done
count_gtest "unit tests (the seeded mutation tests run in the sanitized binary)" \
  "$plain_gtest" plain
count_gtest "unit tests under ASan and UBSan" "$sanitized_gtest" sanitized-0 sanitized-1

wait "$dist_pid"; rc=$?
cat "$dist_log"
case $rc in
  0) passed=$((passed + 1)) ;;
  77) ;;   # not a git checkout: nothing to compare the tarball with
  *) failed=$((failed + 1)) ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
