#!/usr/bin/env bash
# Generate the build system (if needed), configure into build/ (if needed) and make.
# Extra arguments go to ./configure on the first run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure --quiet "$@"
make --no-print-directory -j"$(nproc)"
