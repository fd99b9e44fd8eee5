#!/bin/sh
# The nightly job of docs/nightly.md, ready to copy: run one workload of a program under
# memattr, compare it with the last night the history database keeps for that workload,
# hold it to the budgets kept in the program's repository, and keep tonight's figures.
#
#   usage: nightly-job.sh REV WORKLOAD PROGRAM [ARGS...]
#
# REV names tonight's build (a commit id), WORKLOAD the run (several workloads share one
# database). Settings, from the environment:
#   MEMATTR_DB       the history database (default memattr.db; created on the first night)
#   MEMATTR_BUDGETS  the budget file (default memattr-budgets.conf beside this script)
#   MEMATTR_OPTIONS  options for the tool (default: none, every analysis on)
#   OUT              where tonight's files go (default nightly-REV-WORKLOAD)
# Tonight's files: the trace, report.txt and report.json, diff.txt and diff.md (not on a
# workload's first night), budgets.txt, budgets.xml (JUnit) and budgets.md (for a CI page).
#
# Exit status: 0 when every budget held, 3 when one is broken (its line in budgets.txt names
# the sites that broke it), 1 when something could not run. Tonight is recorded whenever
# the check could judge it, broken or not, so that tomorrow compares with tonight.
set -eu

[ $# -ge 3 ] || { echo "usage: $0 REV WORKLOAD PROGRAM [ARGS...]" >&2; exit 2; }
rev=$1 workload=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
db=${MEMATTR_DB:-memattr.db}
budgets=${MEMATTR_BUDGETS:-$here/memattr-budgets.conf}
out=${OUT:-nightly-$rev-$workload}
mkdir -p "$out"

# 1. Run the workload under memattr. The program's output goes to program.log.
# shellcheck disable=SC2086  # MEMATTR_OPTIONS is a list of options
valgrind --tool=memattr ${MEMATTR_OPTIONS:-} --memattr-out-file="$out/memattr.out" \
    "$@" >"$out/program.log" 2>&1 || {
    echo "nightly: the program failed under memattr (see $out/program.log)" >&2
    exit 1
}
memattr-graph json "$out/memattr.out" --top 0 -o "$out/report.json"
memattr-graph report "$out/memattr.out" -o "$out/report.txt"

# 2. Compare with the last night of this workload, when there is one.
last_night="--baseline-db $db --baseline-label workload=$workload"
if memattr-graph trend --db "$db" --workload "$workload" --last 1 >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    memattr-graph diff $last_night "$out/report.json" -o "$out/diff.txt"
    # shellcheck disable=SC2086
    memattr-graph diff $last_night "$out/report.json" --format markdown -o "$out/diff.md"
fi

# 3. Hold tonight to the budgets (those that compare are skipped on a first night).
status=0
# shellcheck disable=SC2086
memattr-graph check "$out/report.json" --budgets "$budgets" $last_night \
    --junit "$out/budgets.xml" --markdown "$out/budgets.md" -o "$out/budgets.txt" || status=$?
cat "$out/budgets.txt"
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"

# 4. Keep tonight's figures.
memattr-graph record "$out/report.json" --db "$db" --label rev="$rev" --label workload="$workload"
exit "$status"
