#!/bin/sh
# Run every C test binary in $1/ctest; TAP lines on stdout; non-zero if any failed.
build=${1:-build}
rc=0
for t in "$build"/ctest/test_*; do
  [ -x "$t" ] || continue
  echo "# $t"
  "$t"; s=$?
  [ $s -eq 0 ] || rc=1
  [ $s -gt 1 ] && echo "not ok - $t crashed (status $s)"
done
exit $rc
