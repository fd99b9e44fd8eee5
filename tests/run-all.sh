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
trap 'rm -f "$dist_log"' EXIT
"$srcdir/tests/dist-check.sh" "$srcdir" "$builddir" >"$dist_log" 2>&1 &
dist_pid=$!

# GoogleTest: count from its own summary lines; a crash counts as a failure. The unit tests
# run twice: as built for memattr-graph, and under ASan and UBSan (any finding aborts).
run_gtest() {
  local label=$1 gtest=$2 out rc ran bad
  if [ ! -x "$gtest" ]; then
    echo "$label: $gtest not built (GoogleTest missing?)"; failed=$((failed + 1)); return
  fi
  out=$("$gtest" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^\[  (FAILED|PASSED) |^\[==========\]|^\[  FAILED  \]' || true
  ran=$(printf '%s\n' "$out" | sed -n 's/^\[==========\] \([0-9]*\) tests\? from .* ran.*/\1/p' | tail -1)
  bad=$(printf '%s\n' "$out" | grep -c '^\[  FAILED  \] [A-Za-z_0-9/]*\.' || true)
  if [ -z "$ran" ]; then
    # A sanitizer's report ends the run: show it.
    printf '%s\n' "$out" | grep -E -A12 '^==[0-9]+==ERROR|runtime error' | head -40
    echo "$label: $gtest did not finish (exit $rc)"; failed=$((failed + 1)); return
  fi
  [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
  passed=$((passed + ran - bad)); failed=$((failed + bad))
  echo "$label: $((ran - bad)) passed, $bad failed"
}
run_gtest "unit tests" "$builddir/tests/postproc/postproc-tests"
run_gtest "unit tests under ASan and UBSan" "$builddir/tests/postproc/postproc-tests-sanitized"

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

wait "$dist_pid"; rc=$?
cat "$dist_log"
case $rc in
  0) passed=$((passed + 1)) ;;
  77) ;;   # not a git checkout: nothing to compare the tarball with
  *) failed=$((failed + 1)) ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
