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
# the product and convolution checks again as on a machine without AVX-512:
# oneDNN's AVX2 kernels (forced: by default luanet keeps OpenBLAS there),
# then the default choice, which is OpenBLAS and im2col; bf16 mode rounds
# inputs and computes in float32, the engine's conversions take their
# portable path (ln_bf16.c honours ONEDNN_MAX_CPU_ISA too)
for kern in onednn auto; do
  for t in test_kernels test_ops_products test_ops_conv; do
    [ -x "$build/ctest/$t" ] || continue
    echo "# $t with ONEDNN_MAX_CPU_ISA=AVX2 LUANET_KERNELS=$kern"
    ONEDNN_MAX_CPU_ISA=AVX2 LUANET_KERNELS=$kern "$build/ctest/$t" > "$build/ctest/$t.avx2.out" 2>&1
    s=$?
    sed "s/^\(\(not \)\{0,1\}ok - \)/\1[AVX2, $kern] /" "$build/ctest/$t.avx2.out"
    [ $s -eq 0 ] || rc=1
    [ $s -gt 1 ] && echo "not ok - $t crashed with ONEDNN_MAX_CPU_ISA=AVX2 (status $s)"
  done
done
# the C embedding examples: train one epoch from C, then load and predict
tmp=$(mktemp -d)
if "$build/embed" "$tmp/embed.lnt" > "$tmp/embed.log" 2>&1; then
  acc=$(grep -o 'accuracy[^%]*%' "$tmp/embed.log" | tail -n 1)
  echo "ok - examples/embed.c trains one epoch from C and saves ($acc)"
else
  echo "not ok - examples/embed.c failed:"; sed 's/^/# /' "$tmp/embed.log"; rc=1
fi
if "$build/infer" "$tmp/embed.lnt" -n 100 > "$tmp/infer.log" 2>&1 && grep -q 'accuracy' "$tmp/infer.log"; then
  echo "ok - examples/infer.c loads the model and predicts ($(grep -o 'accuracy.*' "$tmp/infer.log" | tail -n 1))"
else
  echo "not ok - examples/infer.c failed:"; sed 's/^/# /' "$tmp/infer.log"; rc=1
fi
rm -rf "$tmp"
exit $rc
