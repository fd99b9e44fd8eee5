#!/usr/bin/env bash
# Install the Debian packages memattr needs to build, test and demo -- only those missing.
# Every dependency of the project is listed here, by Debian package name.
set -euo pipefail

PACKAGES=(
  # build
  build-essential autoconf automake libtool pkg-config
  # the Valgrind tool SDK (headers + static libs) and glibc debug info for symbols
  valgrind libc6-dbg
  # memattr-graph
  libboost-graph-dev libcli11-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev zlib1g-dev libzstd-dev
  # tests: GoogleTest, the test runner, rendering DOT, the sqlite3 shell (history database),
  # the headless browser the HTML report is tested in, the pprof reader the tests check the
  # pprof profile with (go tool pprof), Debian programs whose first screen is checked
  # (tests/tool/cases/real_programs.py)
  libgtest-dev python3 graphviz sqlite3 chromium golang-go jq xz-utils gzip zstd
  # bench/: GNU time (each run's max RSS: bench/run.sh, bench/ownership.sh); g++ is
  # build-essential's (bench/run.sh's compile_unit workload)
  time
  # the reader's fuzzer (bench/fuzz-reader.sh): clang with its libFuzzer and sanitizer
  # runtimes
  clang-14 libclang-rt-14-dev
)
# Rust test programs: any rustc on PATH will do (e.g. from rustup); otherwise Debian's.
command -v rustc >/dev/null 2>&1 || PACKAGES+=(rustc)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
