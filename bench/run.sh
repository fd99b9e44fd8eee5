#!/usr/bin/env bash
# memattr benchmark (not part of the test suite).
#
# Builds a few allocation-heavy workloads into bench/work/ and runs each one natively and
# under valgrind --tool=none, massif, dhat, memcheck, memattr --track-access=no, memattr
# (access tracking, the default), memattr --snapshots=no, --track-pages=no and
# --malloc=wrap, REPS times each, in the same run (--configs picks some). Two workloads are
# issue 13's big ones: python3 with a million live blocks, and g++ -c, whose compiler proper
# (cc1plus, a child: --trace-children=yes) is measured. Prints tables of slowdown ratios
# (median wall time, against native and against --tool=none), max RSS, and issue 13's
# figures read from the default run's trace with memattr-graph (the peak snapshot's share
# of the peak, trace bytes per live block, memattr-graph's time and memory per trace MB),
# writes them as markdown to bench/work/results.md, and says on each workload which of the
# targets hold. The machine is assumed to be shared and noisy: only ratios are reported,
# nothing asserts an absolute time. See bench/README.md.
set -euo pipefail
# The whole script is one { ... } block: bash parses it completely before running it, so
# editing this file while a (long) run is in progress cannot change what that run does.
{
export LC_ALL=C # "." as the decimal point in $EPOCHREALTIME, printf and awk

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$bench")
work="$bench/work"
src="$bench/workloads"

ALL_WORKLOADS=(cxx_containers rust_alloc c_small_blocks c_big_frees python3 python3_malloc py_big_heap compile_unit)
CONFIGS=(native none massif dhat memcheck memattr_alloc memattr memattr_nosnap memattr_nopages memattr_wrap)

usage() {
    cat <<EOF
Usage: bench/run.sh [--reps N] [--only NAME[,NAME...]] [--configs NAME[,NAME...]]
                    [--memattr CMD] [--memattr-graph PATH] [--help]

Runs each workload natively and under valgrind --tool=none, massif, dhat, memcheck
(--leak-check=no), memattr --track-access=no, memattr, memattr --snapshots=no,
--track-pages=no and --malloc=wrap, N times per configuration, and prints median
wall-time ratios (x native, and / none in parentheses), memattr against massif, dhat
and memcheck, the size of memattr's trace, max RSS, and issue 13's figures (the
default trace read by memattr-graph). Results also go to bench/work/results.md; every run's
stdout, stderr and timing are kept under bench/work/runs/ and bench/work/raw.tsv.

Options:
  --reps N        runs per configuration; the median is reported (default 3; env REPS)
  --only NAMES    run only these workloads, comma-separated (env ONLY); one of:
                  ${ALL_WORKLOADS[*]}
  --memattr CMD   how to launch memattr, e.g. "valgrind --tool=memattr" (env MEMATTR).
                  Default: \$top/memattr-inplace if it exists (in-tree build), else
                  \$top/build/memattr-inplace (scripts/build.sh), else
                  "valgrind --tool=memattr" (installed).
  --configs NAMES run only these configurations, comma-separated (env CONFIGS_WANTED;
                  native is always run): ${CONFIGS[*]}.
                  The others show as SKIPPED (e.g. leave out dhat, the slowest, on the
                  big workloads)
  --memattr-graph PATH  the memattr-graph that reads the default run's trace (report and
                  json: time and max RSS per trace MB, the peak snapshot's share of the
                  peak, trace bytes per live block; env MEMATTR_GRAPH). Default: beside
                  the memattr launcher's build, else build/memattr-graph, else on PATH;
                  without one those columns are NA.
  -h, --help      this text

Environment: VALGRIND (default valgrind), CC (gcc), CXX (g++), RUSTC (rustc),
PYTHON (default /usr/bin/python3 if present, else python3 from PATH), COMPILER (the
compiler driver of the compile_unit workload; default \$CXX: g++ runs the compiler proper,
cc1plus, as a child, traced with --trace-children=yes and measured; clang++ compiles in
its own process).

Exit status: 0 if every run succeeded and printed what the native run printed;
1 otherwise; 2 on a usage error. Whether memattr meets its speed targets is
printed, never turned into a failure.
EOF
}

die() {
    echo "bench: error: $*" >&2
    exit 2
}
note() { echo "bench: $*" >&2; }

reps=${REPS:-3}
only=${ONLY:-}
memattr_cmd=${MEMATTR:-}
configs_wanted=${CONFIGS_WANTED:-}
while (($#)); do
    case $1 in
    --reps) (($# >= 2)) || die "--reps needs a number"; reps=$2; shift 2 ;;
    --reps=*) reps=${1#*=}; shift ;;
    --only) (($# >= 2)) || die "--only needs a workload name"; only=$2; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    --configs) (($# >= 2)) || die "--configs needs configuration names"; configs_wanted=$2; shift 2 ;;
    --configs=*) configs_wanted=${1#*=}; shift ;;
    --memattr) (($# >= 2)) || die "--memattr needs a command"; memattr_cmd=$2; shift 2 ;;
    --memattr=*) memattr_cmd=${1#*=}; shift ;;
    --memattr-graph) (($# >= 2)) || die "--memattr-graph needs a path"; MEMATTR_GRAPH=$2; shift 2 ;;
    --memattr-graph=*) MEMATTR_GRAPH=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer, not '$reps'"

# The configurations run (RUN_CONFIGS); the others of CONFIGS are reported as skipped.
RUN_CONFIGS=("${CONFIGS[@]}")
if [[ -n $configs_wanted ]]; then
    RUN_CONFIGS=(native)
    IFS=, read -r -a wanted <<<"$configs_wanted"
    for c in "${wanted[@]}"; do
        [[ " ${CONFIGS[*]} " == *" $c "* ]] || die "unknown configuration '$c' (known: ${CONFIGS[*]})"
        [[ $c == native ]] || RUN_CONFIGS+=("$c")
    done
fi

workloads=()
if [[ -n $only ]]; then
    IFS=, read -r -a wanted <<<"$only"
    for w in "${wanted[@]}"; do
        [[ " ${ALL_WORKLOADS[*]} " == *" $w "* ]] ||
            die "unknown workload '$w' (known: ${ALL_WORKLOADS[*]})"
        workloads+=("$w")
    done
else
    workloads=("${ALL_WORKLOADS[@]}")
fi

# ---------------------------------------------------------------------------------------
# Tools

VALGRIND=${VALGRIND:-valgrind}
command -v "$VALGRIND" >/dev/null || die "'$VALGRIND' not found; install valgrind or set VALGRIND"
CC=${CC:-gcc}
CXX=${CXX:-g++}
RUSTC=${RUSTC:-rustc}

if [[ -n $memattr_cmd ]]; then
    read -r -a memattr <<<"$memattr_cmd"
elif [[ -x $top/memattr-inplace ]]; then
    memattr=("$top/memattr-inplace")
elif [[ -x $top/build/memattr-inplace ]]; then
    memattr=("$top/build/memattr-inplace")
else
    memattr=("$VALGRIND" --tool=memattr)
fi
((${#memattr[@]})) || die "--memattr/MEMATTR is empty"

if [[ -n ${PYTHON:-} ]]; then
    python=$PYTHON
elif [[ -x /usr/bin/python3 ]]; then
    python=/usr/bin/python3
else
    python=$(command -v python3 || true)
fi

have_time=0
[[ -x /usr/bin/time ]] && have_time=1

# memattr-graph, to read the default run's trace: the one built with the launcher's tool.
graph=${MEMATTR_GRAPH:-}
if [[ -z $graph ]]; then
    for candidate in "$(dirname "${memattr[0]}")/memattr-graph" "$top/memattr-graph" \
        "$top/build/memattr-graph" "$(command -v memattr-graph || true)"; do
        if [[ -n $candidate && -x $candidate && ! -d $candidate ]]; then graph=$candidate; break; fi
    done
fi

mkdir -p "$work/bin" "$work/runs"

# Check memattr can run at all before spending minutes on the rest.
if ! "${memattr[@]}" -q --memattr-out-file="$work/runs/selftest.memattr.out" /bin/true \
    >"$work/runs/selftest.log" 2>&1; then
    cat "$work/runs/selftest.log" >&2
    die "memattr does not start with: ${memattr[*]} (set --memattr or MEMATTR)"
fi
rm -f "$work/runs/selftest.memattr.out" "$work/runs/selftest.log"

# ---------------------------------------------------------------------------------------
# Build

notes=() # lines printed under the table
build() { # build OUT SRC CMD...: run CMD unless OUT is newer than SRC
    local out=$1 srcfile=$2
    shift 2
    if [[ -x $out && $out -nt $srcfile ]]; then
        return 0
    fi
    note "building $(basename "$out"): $*"
    "$@"
}

selected=()
for w in "${workloads[@]}"; do
    case $w in
    cxx_containers)
        command -v "$CXX" >/dev/null || die "$CXX not found (set CXX)"
        build "$work/bin/cxx_containers" "$src/cxx_containers.cpp" \
            "$CXX" -O2 -g -std=c++17 -o "$work/bin/cxx_containers" "$src/cxx_containers.cpp"
        ;;
    rust_alloc)
        if ! command -v "$RUSTC" >/dev/null; then
            notes+=("rust_alloc skipped: $RUSTC not found (install rustc or set RUSTC).")
            note "${notes[-1]}"
            continue
        fi
        build "$work/bin/rust_alloc" "$src/rust_alloc.rs" \
            "$RUSTC" -O -g -o "$work/bin/rust_alloc" "$src/rust_alloc.rs"
        ;;
    c_small_blocks)
        command -v "$CC" >/dev/null || die "$CC not found (set CC)"
        build "$work/bin/c_small_blocks" "$src/c_small_blocks.c" \
            "$CC" -O2 -g -std=c11 -o "$work/bin/c_small_blocks" "$src/c_small_blocks.c"
        ;;
    c_big_frees)
        command -v "$CC" >/dev/null || die "$CC not found (set CC)"
        build "$work/bin/c_big_frees" "$src/c_big_frees.c" \
            "$CC" -O2 -g -std=c11 -o "$work/bin/c_big_frees" "$src/c_big_frees.c"
        ;;
    compile_unit)
        compiler=$(command -v "${COMPILER:-$CXX}" || true)
        [[ -n $compiler ]] || die "${COMPILER:-$CXX} not found (set COMPILER or CXX)"
        ;;
    python3 | python3_malloc | py_big_heap)
        if [[ -z $python ]]; then
            notes+=("$w skipped: no python3 found (set PYTHON).")
            note "${notes[-1]}"
            continue
        fi
        ;;
    esac
    selected+=("$w")
done
((${#selected[@]})) || die "nothing to run"

# workload_cmd NAME: sets wl_env (VAR=value words for env(1), applied outside the timer
# and every tool alike) and wl_cmd (the client command). The client must be the command
# valgrind starts: valgrind does not follow exec by default, so no wrapper may sit between.
# A workload whose work is done by a child process (a compiler driver running the compiler
# proper) also sets wl_child, the program name of that child: every tool then runs with
# --trace-children=yes and one output file per process, and the child's is the one read.
# A workload that prints nothing sets wl_product, a file it writes: its checksum is added
# to the run's stdout, so that the runs are still compared with the native one.
workload_cmd() {
    wl_env=()
    wl_child=
    wl_product=
    case $1 in
    cxx_containers) wl_cmd=("$work/bin/cxx_containers") ;;
    rust_alloc) wl_cmd=("$work/bin/rust_alloc") ;;
    c_small_blocks) wl_cmd=("$work/bin/c_small_blocks") ;;
    # 64 MiB blocks, 128 KiB of each written, freed 2,000 times: nothing may cost in
    # proportion to the bytes freed or reserved.
    c_big_frees) wl_cmd=("$work/bin/c_big_frees") ;;
    python3) wl_cmd=("$python" "$src/py_script.py") ;;
    # PYTHONMALLOC=malloc sends every object allocation to malloc (as Python's docs advise
    # under Valgrind); natively and under every tool alike.
    python3_malloc)
        wl_env=(PYTHONMALLOC=malloc)
        wl_cmd=("$python" "$src/py_script.py")
        ;;
    # Over a million live blocks at the peak (issue 13's big heap).
    py_big_heap)
        wl_env=(PYTHONMALLOC=malloc)
        wl_cmd=("$python" "$src/py_big_heap.py")
        ;;
    # The compiler proper (cc1plus for g++, clang for clang++) is what is measured.
    compile_unit)
        wl_product="$work/runs/compile_unit/compile_unit.o"
        wl_cmd=("$compiler" -std=c++17 -O1 -c "$src/compile_unit.cpp" -o "$wl_product")
        # g++ runs cc1plus as a child; clang++ (since clang 10) compiles in its own process.
        case $(basename "$(readlink -f "$compiler")") in
        clang*) wl_child= ;;
        *) wl_child=cc1plus ;;
        esac
        ;;
    esac
}

# tool_prefix WORKLOAD CONFIG: sets prefix (the launcher in front of the client command)
# and outfile (the tool's output file, or ""; with wl_child, a name with %p in it)
tool_prefix() {
    local d="$work/runs/$1" pid="" children=()
    if [[ -n $wl_child ]]; then
        pid=".%p"
        children=(--trace-children=yes)
    fi
    outfile=
    case $2 in
    native) prefix=() ;;
    none) prefix=("$VALGRIND" --tool=none) ;;
    massif) outfile="$d/massif.out$pid"; prefix=("$VALGRIND" --tool=massif --massif-out-file="$outfile") ;;
    dhat) outfile="$d/dhat.json$pid"; prefix=("$VALGRIND" --tool=dhat --dhat-out-file="$outfile") ;;
    memcheck) prefix=("$VALGRIND" --tool=memcheck --leak-check=no) ;;
    memattr_alloc) outfile="$d/memattr_alloc.out$pid"; prefix=("${memattr[@]}" --track-access=no --memattr-out-file="$outfile") ;;
    memattr) outfile="$d/memattr.out$pid"; prefix=("${memattr[@]}" --memattr-out-file="$outfile") ;;
    memattr_nosnap) outfile="$d/memattr_nosnap.out$pid"; prefix=("${memattr[@]}" --snapshots=no --memattr-out-file="$outfile") ;;
    memattr_nopages) outfile="$d/memattr_nopages.out$pid"; prefix=("${memattr[@]}" --track-pages=no --memattr-out-file="$outfile") ;;
    memattr_wrap) outfile="$d/memattr_wrap.out$pid"; prefix=("${memattr[@]}" --malloc=wrap --track-access=no --memattr-out-file="$outfile") ;;
    esac
    [[ $2 == native ]] || prefix+=("${children[@]}")
}

# measured_pid LOG: the pid of the process a run measures, from a Valgrind log: the child
# named wl_child when there is one (its "Command:" line), else the first process.
measured_pid() {
    if [[ -n $wl_child ]]; then
        sed -n "s|^==\([0-9]*\)== Command: [^ ]*/$wl_child .*|\1|p" "$1" | head -n 1
    else
        sed -n 's|^==\([0-9]*\)== Command: .*|\1|p' "$1" | head -n 1
    fi
}

# ---------------------------------------------------------------------------------------
# Run

declare -A times rss status outsize outpath
failed=0
raw="$work/raw.tsv"
printf 'workload\tconfig\trep\tseconds\tmax_rss_kib\tstatus\n' >"$raw"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
start=$EPOCHREALTIME

for w in "${selected[@]}"; do
    d="$work/runs/$w"
    rm -rf "$d"
    mkdir -p "$d"
    workload_cmd "$w"
    # Repetitions outermost, so drift in the machine's load spreads over all configurations.
    for ((r = 1; r <= reps; r++)); do
        for c in "${RUN_CONFIGS[@]}"; do
            tool_prefix "$w" "$c"
            base="$d/$c.$r"
            [[ -z $outfile ]] || rm -f "${outfile%.%p}"*
            runner=()
            ((have_time)) && runner=(/usr/bin/time -f %M -o "$base.rss")
            rc=0
            t0=$EPOCHREALTIME
            env "${wl_env[@]}" "${runner[@]}" "${prefix[@]}" "${wl_cmd[@]}" >"$base.stdout" 2>"$base.stderr" </dev/null || rc=$?
            t1=$EPOCHREALTIME
            if [[ -n $wl_product && -f $wl_product ]]; then
                echo "product sha256 $(sha256sum <"$wl_product" | cut -c1-64)" >>"$base.stdout"
                rm -f "$wl_product"
            fi
            got=$outfile # the measured process's output file
            if [[ -n $wl_child && -n $outfile ]]; then
                got=${outfile/\%p/$(measured_pid "$base.stderr")}
            fi
            secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
            kib=NA
            if ((have_time)) && [[ -s $base.rss ]]; then
                kib=$(tail -n 1 "$base.rss")
                [[ $kib =~ ^[0-9]+$ ]] || kib=NA
            fi
            st=ok
            if ((rc != 0)); then
                st="exit$rc"
                failed=1
                echo "bench: !!! $w under $c (rep $r) FAILED with exit status $rc; last lines of $base.stderr:" >&2
                tail -n 5 "$base.stderr" | sed 's/^/bench: !!!   /' >&2
            elif [[ $c != native ]] && { ! grep -qF -- "== Command: ${wl_cmd[0]}" "$base.stderr" ||
                [[ -z $(measured_pid "$base.stderr") ]]; }; then
                st=notraced
                failed=1
                echo "bench: !!! $w under $c (rep $r): valgrind did not report running ${wl_cmd[0]}${wl_child:+ and its child $wl_child} (see $base.stderr)" >&2
            elif [[ -n $got && ! -s $got ]]; then
                st=nooutput
                failed=1
                echo "bench: !!! $w under $c (rep $r): the tool wrote no output file $got" >&2
            elif [[ $c != native ]] && ! cmp -s "$d/native.$r.stdout" "$base.stdout"; then
                st=mismatch
                failed=1
                echo "bench: !!! $w under $c (rep $r): stdout DIFFERS from the native run's:" >&2
                diff "$d/native.$r.stdout" "$base.stdout" | head -n 6 | sed 's/^/bench: !!!   /' >&2 || true
            fi
            times[$w,$c]+="$secs "
            rss[$w,$c]+="$kib "
            [[ $st == ok ]] || status[$w,$c]=$st
            # Output size from the last repetition (the file is overwritten each time).
            if [[ -n $outfile ]]; then
                outpath[$w,$c]=$got
                if [[ -f $got ]]; then
                    outsize[$w,$c]=$(stat -c %s "$got")
                else
                    outsize[$w,$c]=NA
                fi
            fi
            printf '%s\t%s\t%d\t%s\t%s\t%s\n' "$w" "$c" "$r" "$secs" "$kib" "$st" >>"$raw"
            printf 'bench: %-15s rep %d/%d  %-8s %8.2f s  %s\n' "$w" "$r" "$reps" "$c" "$secs" "$st" >&2
        done
    done
done

# ---------------------------------------------------------------------------------------
# Reading the default run's trace (its last repetition): memattr-graph report and json,
# timed, and what the JSON says of the peak snapshot.

declare -A fig # [$w,name]: trace_mb, pct (peak snapshot % of the true peak), blocks (live
# blocks in it), taken (snapshots taken), report_s, report_kib, json_s, json_kib

time_graph() { # time_graph W COMMAND: run memattr-graph COMMAND on W's trace, keep s and KiB
    local w=$1 cmd=$2 d="$work/runs/$1" t0 t1 kib=NA
    local runner=()
    ((have_time)) && runner=(/usr/bin/time -f %M -o "$d/graph-$cmd.rss")
    t0=$EPOCHREALTIME
    if ! "${runner[@]}" "$graph" "$cmd" "${outpath[$w,memattr]}" -o "$d/memattr.$cmd" 2>"$d/graph-$cmd.stderr"; then
        echo "bench: !!! memattr-graph $cmd failed on ${outpath[$w,memattr]}; see $d/graph-$cmd.stderr" >&2
        failed=1
        return 1
    fi
    t1=$EPOCHREALTIME
    fig[$w,${cmd}_s]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    if ((have_time)) && [[ -s $d/graph-$cmd.rss ]]; then
        kib=$(tail -n 1 "$d/graph-$cmd.rss")
        [[ $kib =~ ^[0-9]+$ ]] || kib=NA
    fi
    fig[$w,${cmd}_kib]=$kib
}

read_trace() { # read_trace W: the figures of W's default trace (NA where unknown)
    local w=$1 name
    for name in trace_mb pct blocks taken report_s report_kib json_s json_kib; do fig[$w,$name]=NA; done
    local trace=${outpath[$w,memattr]:-}
    [[ -n $graph && -n $python && -n $trace && -s $trace && -z ${status[$w,memattr]:-} ]] || return 0
    fig[$w,trace_mb]=$(awk -v b="$(stat -c %s "$trace")" 'BEGIN { printf "%.3f", b / 1e6 }')
    time_graph "$w" report || return 0
    time_graph "$w" json || return 0
    local pct blocks taken
    # shellcheck disable=SC2034 # read sets them
    read -r pct blocks taken < <("$python" - "$work/runs/$w/memattr.json" <<'PY'
import json, sys
ownership = json.load(open(sys.argv[1])).get("ownership", {})
snapshot = ownership.get("snapshot") if ownership.get("available") else None
taken = (ownership.get("cost") or {}).get("taken", "NA")
if snapshot and "peak" in snapshot.get("kinds", []):
    print("%.2f" % snapshot["percent_of_peak"], snapshot["blocks"], taken)
else:
    print("NA NA", taken)
PY
    )
    fig[$w,pct]=${pct:-NA}
    fig[$w,blocks]=${blocks:-NA}
    fig[$w,taken]=${taken:-NA}
}

for w in "${selected[@]}"; do
    note "reading $w's default trace with memattr-graph report and json"
    read_trace "$w"
done
[[ -n $graph ]] || notes+=("no memattr-graph found (give --memattr-graph): the trace columns are NA.")

elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---------------------------------------------------------------------------------------
# Report

median() { # median of the numbers given; NA if none
    printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { # ratio A B FORMAT: A/B, or NA
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (a == "NA" || b == "NA" || b + 0 <= 0) print "NA"; else printf f, a / b }'
}

declare -A med medrss
for w in "${selected[@]}"; do
    for c in "${CONFIGS[@]}"; do
        if [[ " ${RUN_CONFIGS[*]} " != *" $c "* ]]; then
            status[$w,$c]=skipped
            med[$w,$c]=NA medrss[$w,$c]=NA outsize[$w,$c]=NA
            continue
        fi
        # shellcheck disable=SC2086 # word splitting of the space-separated list is intended
        med[$w,$c]=$(median ${times[$w,$c]})
        # shellcheck disable=SC2086
        medrss[$w,$c]=$(median ${rss[$w,$c]})
    done
done

table() { # the results as a markdown table, columns padded for a terminal
    local fmt='| %-15s | %8s | %6s | %14s | %14s | %14s | %14s | %14s | %9s | %9s | %9s | %15s |\n'
    # shellcheck disable=SC2059 # the format is a local constant
    printf "$fmt" workload "native s" none massif dhat memcheck "memattr alloc" "memattr" \
        "alloc/massif" "memattr/dhat" "/memcheck" "memattr trace B"
    # shellcheck disable=SC2059
    printf "$fmt" ':--' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:'
    local w c cells cell
    for w in "${selected[@]}"; do
        cells=()
        for c in none massif dhat memcheck memattr_alloc memattr; do
            if [[ -n ${status[$w,$c]:-} ]]; then
                cell="${status[$w,$c]^^}"
            else
                cell="$(ratio "${med[$w,$c]}" "${med[$w,native]}" %.1f)x"
                [[ $c == none ]] || cell+=" ($(ratio "${med[$w,$c]}" "${med[$w,none]}" %.2f))"
            fi
            cells+=("$cell")
        done
        # shellcheck disable=SC2059
        printf "$fmt" "$w" "$(awk -v t="${med[$w,native]}" 'BEGIN { if (t == "NA") print t; else printf "%.3f", t }')" \
            "${cells[@]}" "$(pair_ratio "$w" memattr_alloc massif)" "$(pair_ratio "$w" memattr dhat)" \
            "$(pair_ratio "$w" memattr memcheck)" "${outsize[$w,memattr]:-NA}"
    done
}

pair_ratio() { # pair_ratio WORKLOAD A B: A's median over B's, "-" if either failed
    if [[ -n ${status[$1,$2]:-}${status[$1,$3]:-} ]]; then echo -; else ratio "${med[$1,$2]}" "${med[$1,$3]}" %.2f; fi
}

rss_table() { # heap allocations counted by memcheck, and max RSS per configuration
    local fmt='| %-15s | %11s | %8s | %8s | %8s | %8s | %8s | %13s | %8s | %8s | %9s | %11s |\n' w c cells allocs log pid
    # shellcheck disable=SC2059
    printf "$fmt" workload "allocations" native none massif dhat memcheck "memattr alloc" memattr \
        "no snap" "no pages" "alloc, wrap"
    # shellcheck disable=SC2059
    printf "$fmt" ':--' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:'
    for w in "${selected[@]}"; do
        workload_cmd "$w"
        log="$work/runs/$w/memcheck.1.stderr"
        pid=$(measured_pid "$log" 2>/dev/null || true)
        allocs=$(sed -n "s/^==$pid== .*total heap usage: \([0-9,]*\) allocs.*/\1/p" "$log" 2>/dev/null || true)
        cells=("${allocs:-NA}")
        for c in "${CONFIGS[@]}"; do
            cells+=("$(awk -v k="${medrss[$w,$c]}" 'BEGIN { if (k == "NA") print k; else printf "%.1f", k / 1024 }')")
        done
        # shellcheck disable=SC2059
        printf "$fmt" "$w" "${cells[@]}"
    done
}

map_table() { # what the memory map costs: page tracking, and wrapping glibc's malloc
    local fmt='| %-15s | %16s | %14s | %12s | %14s | %14s | %12s |\n' w
    # shellcheck disable=SC2059
    printf "$fmt" workload "memattr no pages" "memattr" "pages cost" "memattr alloc" "alloc, wrap" "wrap cost"
    # shellcheck disable=SC2059
    printf "$fmt" ':--' '--:' '--:' '--:' '--:' '--:' '--:'
    for w in "${selected[@]}"; do
        # shellcheck disable=SC2059
        printf "$fmt" "$w" "$(slowdown "$w" memattr_nopages)" "$(slowdown "$w" memattr)" \
            "$(pair_ratio "$w" memattr memattr_nopages)" "$(slowdown "$w" memattr_alloc)" \
            "$(slowdown "$w" memattr_wrap)" "$(pair_ratio "$w" memattr_wrap memattr_alloc)"
    done
}

issue13_table() { # the figures issue 13 asks for, one row a workload
    local fmt='| %-15s | %9s | %9s | %9s | %6s | %9s | %8s | %9s | %8s | %8s | %8s | %9s | %9s | %9s | %9s | %9s |\n' w
    # shellcheck disable=SC2059
    printf "$fmt" workload "/memcheck" "/no snap" "snap % pk" "snaps" "blocks" "trace MB" "B / block" \
        "RSS MiB" "memcheck" "massif" "RSS /mc" "report s/MB" "rep MiB/MB" "json s/MB" "json MiB/MB"
    # shellcheck disable=SC2059
    printf "$fmt" ':--' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:' '--:'
    for w in "${selected[@]}"; do
        # shellcheck disable=SC2059
        printf "$fmt" "$w" "$(pair_ratio "$w" memattr memcheck)" "$(pair_ratio "$w" memattr memattr_nosnap)" \
            "${fig[$w,pct]}" "${fig[$w,taken]}" "${fig[$w,blocks]}" "${fig[$w,trace_mb]}" \
            "$(per "$(mul "${fig[$w,trace_mb]}" 1e6)" "${fig[$w,blocks]}" %.1f)" \
            "$(mib "${medrss[$w,memattr]}")" "$(mib "${medrss[$w,memcheck]}")" "$(mib "${medrss[$w,massif]}")" \
            "$(per "${medrss[$w,memattr]}" "${medrss[$w,memcheck]}" %.2f)" \
            "$(per "${fig[$w,report_s]}" "${fig[$w,trace_mb]}" %.3f)" \
            "$(per "$(mib "${fig[$w,report_kib]}")" "${fig[$w,trace_mb]}" %.1f)" \
            "$(per "${fig[$w,json_s]}" "${fig[$w,trace_mb]}" %.3f)" \
            "$(per "$(mib "${fig[$w,json_kib]}")" "${fig[$w,trace_mb]}" %.1f)"
    done
}

per() { # per A B FORMAT: A / B, or NA
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 <= 0) print "NA"; else printf f, a / b }'
}
mul() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA") print "NA"; else printf "%.0f", a * b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "NA" || k == "") print "NA"; else printf "%.1f", k / 1024 }'; }

slowdown() { # slowdown WORKLOAD CONFIG: its median over native's, or its failure
    if [[ -n ${status[$1,$2]:-} ]]; then echo "${status[$1,$2]^^}"; else echo "$(ratio "${med[$1,$2]}" "${med[$1,native]}" %.1f)x"; fi
}

verdict() { # verdict WORKLOAD A B LABEL [LIMIT]: is A's median at most LIMIT (1) times B's?
    local q limit=${5:-1}
    q=$(ratio "${med[$1,$2]}" "${med[$1,$3]}" %.6f)
    if [[ $q == NA || -n ${status[$1,$2]:-} || -n ${status[$1,$3]:-} ]]; then
        echo "- $1: $4: no verdict (a run failed or was skipped)"
    elif awk -v q="$q" -v l="$limit" 'BEGIN { exit !(q <= l) }'; then
        awk -v w="$1" -v l="$4" -v q="$q" 'BEGIN { printf "- %s: %s: yes (%.3f, %+.1f%% time)\n", w, l, q, (q - 1) * 100 }'
    else
        awk -v w="$1" -v l="$4" -v q="$q" 'BEGIN { printf "- %s: %s: NO (%.3f, %+.1f%% time)\n", w, l, q, (q - 1) * 100 }'
    fi
}

verdicts() {
    local w cmd
    for w in "${selected[@]}"; do
        verdict "$w" memattr_alloc massif "memattr --track-access=no <= massif"
        verdict "$w" memattr dhat "memattr (access tracking) <= dhat"
        verdict "$w" memattr memcheck "memattr (access tracking) <= memcheck (the aim)"
        verdict "$w" memattr memattr_nopages "page tracking adds <= 10 % to memattr" 1.10
        verdict "$w" memattr memattr_nosnap "snapshots add <= 15 % to memattr (default / --snapshots=no)" 1.15
        figure_verdict "$w" "peak snapshot >= 98 % of the true peak" "${fig[$w,pct]}" ">=" 98
        figure_verdict "$w" "memattr's max RSS <= memcheck's" \
            "$(per "${medrss[$w,memattr]}" "${medrss[$w,memcheck]}" %.3f)" "<=" 1
        if [[ $w == py_big_heap ]]; then
            figure_verdict "$w" "trace <= 25 bytes per live block at the peak snapshot" \
                "$(per "$(mul "${fig[$w,trace_mb]}" 1e6)" "${fig[$w,blocks]}" %.1f)" "<=" 25
            for cmd in json report; do
                figure_verdict "$w" "memattr-graph $cmd <= 3 s" "${fig[$w,${cmd}_s]}" "<=" 3
                figure_verdict "$w" "memattr-graph $cmd <= 600 MB (MiB here)" "$(mib "${fig[$w,${cmd}_kib]}")" "<=" 600
            done
        fi
        if [[ $w == compile_unit ]]; then
            for cmd in json report; do
                figure_verdict "$w" "memattr-graph $cmd's max RSS <= 4 x the trace (MiB per trace MB <= 3.81)" \
                    "$(per "$(mib "${fig[$w,${cmd}_kib]}")" "${fig[$w,trace_mb]}" %.2f)" "<=" 3.81
            done
        fi
    done
}

figure_verdict() { # figure_verdict WORKLOAD LABEL VALUE OP LIMIT: does VALUE OP LIMIT hold?
    if [[ $3 == NA || -z $3 ]]; then
        echo "- $1: $2: no verdict (not measured)"
    elif awk -v v="$3" -v op="$4" -v l="$5" 'BEGIN { exit !(op == "<=" ? v <= l : v >= l) }'; then
        echo "- $1: $2: yes ($3)"
    else
        echo "- $1: $2: NO ($3)"
    fi
}

vg_version=$("$VALGRIND" --version 2>/dev/null || echo "?")
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
[[ -n $os ]] || os="?"
header="$(date '+%Y-%m-%d %H:%M %Z'), $(hostname 2>/dev/null || echo '?'): $(nproc) cores, $os, $vg_version;
reps=$reps (median wall time), load average before ${load_before}, after ${load_after}; total ${elapsed} s.
memattr launcher: ${memattr[*]}"

legend="Cells: slowdown x native (and / --tool=none in parentheses), median of $reps run(s).
'memattr alloc' is --track-access=no (allocations only; compare with massif); 'memattr' is
the default, tracking every read, write and copy (compare with dhat and memcheck, which
also instrument every access). Ratios < 1 mean memattr is faster. Trace size: bytes, last run."

{
    echo
    echo "$header"
    echo
    table
    echo
    echo "$legend"
    echo
    echo "Targets (median wall time; informational, never a failure):"
    verdicts
    echo
    if ((have_time)); then
        echo "Heap allocations (memcheck's count) and max RSS in MiB (median):"
    else
        echo "Heap allocations (memcheck's count); max RSS not measured (no /usr/bin/time):"
    fi
    echo
    rss_table
    echo
    echo "The memory map's costs (x native; 'pages cost' = memattr / memattr --track-pages=no,"
    echo "'wrap cost' = memattr --malloc=wrap --track-access=no / memattr --track-access=no):"
    echo
    map_table
    echo
    echo "Issue 13's figures. '/memcheck' and '/no snap': the default memattr's median time over"
    echo "memcheck's and over memattr --snapshots=no's; 'snap % pk': the peak snapshot's live bytes"
    echo "as a % of the true peak; 'snaps': snapshots taken; 'blocks': live blocks in the peak"
    echo "snapshot; 'B / block': the default trace's bytes per such block; RSS: median max RSS of"
    echo "the valgrind process (MiB) under memattr (default), memcheck and massif, and memattr's"
    echo "over memcheck's; memattr-graph report and json on that trace: wall seconds and max RSS"
    echo "(MiB) per trace MB (${graph:-no memattr-graph})."
    echo
    issue13_table
    for n in "${notes[@]}"; do echo "Note: $n"; done
    if ((failed)); then
        echo
        echo "!!! Some runs FAILED or printed something other than the native run; see above and $raw."
    fi
} | tee "$work/results.md.tmp"
mv "$work/results.md.tmp" "$work/results.md"
echo
echo "Written: $work/results.md (raw timings: $raw)"
exit "$failed"
}
