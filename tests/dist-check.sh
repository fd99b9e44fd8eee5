#!/usr/bin/env bash
# The distribution check: every file in git that a release needs to build and test is in
# the tarball (EXTRA_DIST and the _SOURCES lists).  It makes the tarball with `make dist`
# (seconds, where `make distcheck` would build and test everything a second time) and
# compares the tarball's file list with `git ls-files`, less the files left out on purpose
# (EXCLUDED).  Prints the missing files, then "dist check: passed" or "dist check: failed".
# Exits 0 when passed, 1 when failed, 77 when there is no git checkout to compare with
# (a build from a tarball).
# Usage: tests/dist-check.sh SRCDIR BUILDDIR
set -uo pipefail
srcdir=$1 builddir=$2

# Files in git that a release does not need, as bash patterns, each with its reason.
EXCLUDED=(
  .gitignore            # git's own
  m4/.keep              # keeps the empty m4/ in git; aclocal fills the tarball's
  .ci/run               # the CI entry point: CI runs from a clone, not from a tarball
  'scripts/*'           # drive a clone: autoreconf, build/, installing what is missing, CI
  'bench/*'             # benchmarks of the tool's cost, run from a clone (bench/README.md)
)

if ! tracked=$(git -C "$srcdir" ls-files 2>/dev/null) || [ -z "$tracked" ]; then
  echo "dist check: skipped (not a git checkout)"; exit 77
fi

# A name of our own, so that a tarball the user made is neither used nor removed.
name=memattr-dist-check-$$
log=$(mktemp)
trap 'rm -f "$builddir/$name.tar.gz" "$log"; rm -rf "${builddir:?}/$name"' EXIT
# (Without the calling make's jobserver flags: this make runs on its own, one job.)
if ! env -u MAKEFLAGS -u MFLAGS make -s -C "$builddir" dist distdir="$name" >"$log" 2>&1; then
  tail -20 "$log"; echo "dist check: make dist failed"; echo "dist check: failed"; exit 1
fi
shipped=$(tar -tzf "$builddir/$name.tar.gz" | sed -n "s|^$name/||p" | grep -v '/$')

excluded() {
  local pattern
  for pattern in "${EXCLUDED[@]}"; do
    # shellcheck disable=SC2053  # the pattern is a glob on purpose
    [[ $1 == $pattern ]] && return 0
  done
  return 1
}

missing=0
while IFS= read -r file; do
  if ! excluded "$file" && ! grep -qxF -- "$file" <<<"$shipped"; then
    echo "dist check: $file is in git but not in the tarball (add it to EXTRA_DIST," \
         "or to EXCLUDED in tests/dist-check.sh with the reason)"
    missing=$((missing + 1))
  fi
done <<<"$tracked"

if [ "$missing" -ne 0 ]; then echo "dist check: failed"; exit 1; fi
echo "dist check: passed ($(wc -l <<<"$tracked") files in git, all shipped or excluded)"
