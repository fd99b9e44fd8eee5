#!/usr/bin/env bash
# memattr-graph on big heaps (not part of the test suite).
#
# Generates deterministic synthetic traces of the current version (bench/synthetic_trace.cpp:
# one heap snapshot of N blocks, about 5 pointers per block, a few roots, trees with cross links,
# linked lists, duplicates and leaked blocks) and runs `memattr-graph report` and
# `memattr-graph json` on each under /usr/bin/time -v, printing wall time and max RSS. The
# 1 M-block trace is checked against the budget (10 s and 2 GB for reading and analysing):
# the verdict is printed, never turned into a failure. See bench/README.md.
set -euo pipefail
{
export LC_ALL=C

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$bench")
work="$bench/work/ownership"
sizes=(100000 1000000 10000000)
BUDGET_BLOCKS=1000000
BUDGET_SECONDS=10
BUDGET_KIB=$((2 * 1024 * 1024))

usage() {
    cat <<USAGE
Usage: bench/ownership.sh [--sizes N,N,...] [--memattr-graph PATH] [--keep] [--help]

Generates synthetic traces (of the current version) of N blocks each (default: ${sizes[*]}) under
bench/work/ownership/ and times memattr-graph report and json on them (wall time, max RSS).
The ${BUDGET_BLOCKS}-block case is checked against ${BUDGET_SECONDS} s and 2 GB.

Options:
  --sizes N,...          block counts to run (env SIZES, comma-separated)
  --memattr-graph PATH   the memattr-graph to run (env MEMATTR_GRAPH). Default: memattr-graph
                         at the top of the tree (an in-tree build), else build/memattr-graph,
                         else the one on PATH
  --keep                 reuse traces already generated (they are deterministic)
USAGE
}

keep=no
[[ -n ${SIZES:-} ]] && IFS=, read -r -a sizes <<<"$SIZES"
while (($#)); do
    case $1 in
    --sizes) IFS=, read -r -a sizes <<<"$2"; shift 2 ;;
    --memattr-graph) MEMATTR_GRAPH=$2; shift 2 ;;
    --keep) keep=yes; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "bench/ownership.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if [[ -z ${MEMATTR_GRAPH:-} ]]; then
    for candidate in "$top/memattr-graph" "$top/build/memattr-graph" "$(command -v memattr-graph || true)"; do
        if [[ -n $candidate && -x $candidate ]]; then MEMATTR_GRAPH=$candidate; break; fi
    done
fi
if [[ -z ${MEMATTR_GRAPH:-} || ! -x $MEMATTR_GRAPH ]]; then
    echo "bench/ownership.sh: no memattr-graph found: build it, or give --memattr-graph PATH" >&2
    exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "bench/ownership.sh: needs /usr/bin/time (Debian package 'time') for max RSS" >&2
    exit 1
fi

mkdir -p "$work"
generator="$work/synthetic-trace"
if [[ ! -x $generator || $bench/synthetic_trace.cpp -nt $generator ||
      $bench/../format/memattr_trace_schema.h -nt $generator ]]; then
    echo "building synthetic-trace" >&2
    "${CXX:-g++}" -std=c++20 -O2 -Wall -Wextra -o "$generator" "$bench/synthetic_trace.cpp"
fi

# run NAME CMD...: runs CMD under /usr/bin/time -v; sets seconds and kib.
run() {
    local log="$work/$1.time"
    shift
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$log.stderr"; then
        echo "!!! failed: $* (see $log.stderr)" >&2
        cat "$log.stderr" >&2
        exit 1
    fi
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
}

printf '%-10s %10s %12s %12s %10s %10s %10s %10s\n' blocks pointers "trace MB" "generate s" \
    "report s" "report MB" "json s" "json MB"
verdict=""
for blocks in "${sizes[@]}"; do
    trace="$work/synthetic-$blocks.trace"
    generate=-
    if [[ $keep == no || ! -s $trace ]]; then
        start=$EPOCHREALTIME
        "$generator" "$blocks" "$trace"
        generate=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    fi
    pointers=$(awk -F'\t' '$1 == "snapshot" { for (i = 2; i <= NF; i++) if ($i ~ /^edges=/) { sub("edges=", "", $i); print $i; exit } }' "$trace")
    size_mb=$(( $(stat -c %s "$trace") / 1000000 ))
    run "report-$blocks" "$MEMATTR_GRAPH" report "$trace" -o /dev/null
    report_s=$seconds report_kib=$kib
    run "json-$blocks" "$MEMATTR_GRAPH" json "$trace" -o /dev/null
    json_s=$seconds json_kib=$kib
    printf '%-10s %10s %12s %12s %10s %10s %10s %10s\n' "$blocks" "$pointers" "$size_mb" "$generate" \
        "$report_s" "$((report_kib / 1024))" "$json_s" "$((json_kib / 1024))"
    if ((blocks == BUDGET_BLOCKS)); then
        worst_s=$(awk -v a="$report_s" -v b="$json_s" 'BEGIN { print (a > b ? a : b) }')
        worst_kib=$((report_kib > json_kib ? report_kib : json_kib))
        if awk -v s="$worst_s" -v limit="$BUDGET_SECONDS" 'BEGIN { exit !(s < limit) }' &&
            ((worst_kib < BUDGET_KIB)); then
            verdict="1 M blocks: within budget (${worst_s} s < ${BUDGET_SECONDS} s, $((worst_kib / 1024)) MB < 2048 MB)"
        else
            verdict="1 M blocks: OVER BUDGET (${worst_s} s, $((worst_kib / 1024)) MB; budget ${BUDGET_SECONDS} s, 2048 MB)"
        fi
    fi
done
[[ -n $verdict ]] && echo "$verdict"
echo "memattr-graph: $MEMATTR_GRAPH; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
}
