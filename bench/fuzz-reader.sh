#!/usr/bin/env bash
# Coverage-guided fuzzing of memattr-graph's trace reader with clang's libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer (bench/fuzz_reader.cpp): any input
# must parse or be refused with a TraceError; a crash, a sanitizer report, a leak, an
# uncaught exception, a hang (over 10 s) or memory past 2 GiB is a finding, which libFuzzer
# saves as crash-*, leak-*, timeout-* or oom-* in the work directory, and the script fails.
#
#   bench/fuzz-reader.sh [SECONDS]        (default 600: ten minutes)
#
# It starts from the kept seed corpus, the unit tests' trace fixtures of every version
# (tests/postproc/data: every_record.trace and ownership_v5.trace are version 5), and from
# what earlier runs found (bench/work/fuzz-reader/corpus), with a dictionary of the
# schema's tags, keys and words. It
# needs clang-14 and its sanitizer and fuzzer runtimes (libclang-rt-14-dev, in
# scripts/install-deps.sh). One job on one core: the machine is shared.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
work=$top/bench/work/fuzz-reader
mkdir -p "$work/corpus"

# The reader's floor of memattr-graph (postproc/trace/) and the one below it that it uses
# (postproc/support/units: saturating sums), nothing above.
sources=("$top/postproc/support/units.cpp")
for name in trace_reader trace_escape object_offsets read_progress trace_input; do
  sources+=("$top/postproc/trace/$name.cpp")
done
binary=$work/fuzz-reader
if [[ ! -x $binary || -n $(find "$top/postproc/trace" "$top/postproc/support" "$top/format" \
        "$top/bench/fuzz_reader.cpp" \
        -newer "$binary" -type f -print -quit) ]]; then
  echo "fuzz-reader: building $binary"
  # shellcheck disable=SC2046  # pkg-config prints several flags
  clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$top/postproc" -I"$top/format" \
    $(pkg-config --cflags fmt libzstd zlib) "${sources[@]}" "$top/bench/fuzz_reader.cpp" \
    $(pkg-config --libs fmt libzstd zlib) -o "$binary"
fi

# Every quoted tag, key and word of the schema, as libFuzzer's dictionary entries.
grep -o '^#define MA_\(TAG\|KEY\|WORD\)_[A-Z0-9_]* "[^"]*"' "$top/format/memattr_trace_schema.h" |
  sed 's/.* \("[^"]*"\)$/\1/' | sort -u >"$work/trace.dict"

cd "$work"
rm -f crash-* leak-* timeout-* oom-*
log=$work/fuzz.log
echo "fuzz-reader: fuzzing for $seconds s; log in $log"
set +e
"$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -dict="$work/trace.dict" "$work/corpus" "$top/tests/postproc/data" \
  >"$log" 2>&1
rc=$?
set -e
# The last status line (executions, coverage) and the final statistics.
grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 || true
grep -E '^stat::' "$log" || true
findings=$(ls crash-* leak-* timeout-* oom-* 2>/dev/null || true)
if [[ $rc -ne 0 || -n $findings ]]; then
  echo "fuzz-reader: FINDING (exit $rc): ${findings:-see $log}"
  grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
  exit 1
fi
echo "fuzz-reader: no crash, leak, hang or sanitizer report"
