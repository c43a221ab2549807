#!/bin/sh
# Memcheck over the C tests and the busted suite (less the specs tagged
# 'slow': trainings that take minutes natively). One TAP line each; fails on
# any memory error or any definitely/indirectly lost byte.
build=${1:-build}
lua=${LUA:-lua5.4}
busted=${BUSTED_SCRIPT:-$(command -v busted)}
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --suppressions=spec/valgrind.supp"
rc=0
mkdir -p "$build/valgrind"
for t in "$build"/ctest/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if $vg --log-file="$build/valgrind/$name.log" "$t" > /dev/null 2>&1 && [ ! -s "$build/valgrind/$name.log" ]; then
    echo "ok - valgrind: $name"
  else
    echo "not ok - valgrind: $name (see $build/valgrind/$name.log)"
    sed 's/^/# /' "$build/valgrind/$name.log" | head -40
    rc=1
  fi
done
log="$build/valgrind/busted.log"
if LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH="$build/?.so;;" \
   $vg --log-file="$log" $lua "$busted" --exclude-tags=slow -o utfTerminal spec > "$build/valgrind/busted.out" 2>&1 \
   && [ ! -s "$log" ]; then
  echo "ok - valgrind: busted suite ($(tail -n 1 "$build/valgrind/busted.out" | sed 's/\x1b\[[0-9;]*m//g'))"
else
  echo "not ok - valgrind: busted suite (see $log)"
  sed 's/^/# /' "$log" | head -60
  tail -n 20 "$build/valgrind/busted.out" | sed 's/^/# /'
  rc=1
fi
exit $rc
