#!/bin/sh
# Run every C test binary in $1/ctest; TAP lines on stdout; non-zero if any failed.
build=${1:-build}
rc=0
for t in "$build"/ctest/test_*; do
  [ -x "$t" ] || continue
  echo "# $t"
  "$t" || { echo "not ok - $t exited with status $?"; rc=1; }
done
exit $rc
