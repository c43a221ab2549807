#!/bin/sh
# make bench: luanet and PyTorch side by side, one run, one table.
#   sh bench/run.sh [--threads N] [--steps N] [--budget S] [--quick]
#                   [--rounds N] [--no-passive] [--no-bf16] [--shapes]
# (or the environment: THREADS, STEPS, BUDGET, QUICK=1, ROUNDS, PASSIVE=0,
# BF16=0, SHAPES=1)
# Each side runs as its own process: the bare oneDNN bound of the MLP step
# (before and after luanet), luanet in fp32 and in bf16, PyTorch (Debian's
# python3-torch, /usr/bin/python3) in fp32 as installed, in fp32 with
# OMP_WAIT_POLICY=passive, and under bf16 autocast; --shapes adds the
# per-shape OpenBLAS/oneDNN table. --rounds N runs every side N times, in
# turn, and keeps each figure's best (default 3: single runs of the same
# process vary by up to 30% here, even on an idle machine). Then NMS against
# torchvision, and elementwise ops / activations against PyTorch
# (bench/act_bench.lua, bench/act_torch.py, the same rounds). Raw RESULT
# lines go to build/bench/*.txt; bench/README.md explains the tables.
set -e
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
steps=${STEPS:-40}
budget=${BUDGET:-5}
repeats=3
bf16=${BF16:-1}
passive=${PASSIVE:-1}
shapes=${SHAPES:-0}
rounds=${ROUNDS:-3}
[ "${QUICK:-0}" = 1 ] && { steps=10; repeats=1; budget=2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --threads=*) threads=${1#*=}; shift ;;
    --steps) steps=$2; shift 2 ;;
    --steps=*) steps=${1#*=}; shift ;;
    --budget) budget=$2; shift 2 ;;
    --budget=*) budget=${1#*=}; shift ;;
    --quick) steps=10; repeats=1; budget=2; shift ;;
    --no-bf16) bf16=0; shift ;;
    --no-passive) passive=0; shift ;;
    --shapes) shapes=1; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
out=build/bench
mkdir -p "$out"
rm -f "$out"/*.txt
[ -f build/libluanet.a ] && [ -x ./luanet ] || { echo "run.sh: build luanet first (make all)" >&2; exit 1; }
# the bounds are compiled as the engine is (-O3 -fno-math-errno: Adam vectorises)
for b in dnnl_bound sgemm_bound dnnl_shapes; do
  cc -O3 -fno-math-errno -Isrc/include -Isrc/core -Isrc/kernels bench/$b.c build/libluanet.a -ldnnl -fopenmp -lpng -lz -ldl -lm -o build/$b
done

# busy and total CPU ticks of the whole machine (all processes, all CPUs)
ticks () { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
ncpu=$(nproc)

# run NAME CMD...: CMD's output to $out/NAME.txt, plus the machine's busy
# CPU seconds and the capacity (CPU seconds) over the run, to tell how much
# other processes took
run () {
  name=$1; shift
  set -- $(ticks) "$@"; b0=$1; t0=$2; shift 2
  if "$@" > "$out/$name.txt"; then :; else
    echo "run.sh: '$*' failed (exit $?); see $out/$name.txt" >&2; return 1; fi
  set -- $(ticks); b1=$1; t1=$2
  awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" -v hz="$hz" \
    'BEGIN{printf "RESULT sys busy_s %.3f s\nRESULT sys capacity_s %.3f s\n", b/hz, t/hz}' >> "$out/$name.txt"
}

core=$(./luanet -e 'io.write((ln.core.blas()))')
set -- $(ticks); b0=$1; t0=$2; sleep 1; set -- $(ticks)
idle_load=$(awk -v b="$(($1 - b0))" -v t="$(($2 - t0))" 'BEGIN{printf "%.0f", (t > 0) ? 100*b/t : 0}')
echo "luanet vs PyTorch: $threads threads ($ncpu CPUs), batch 128, Adam lr 1e-3, random data"
echo "OpenBLAS core: $core; $(./luanet -e 'local v, isa = ln.core.dnnl(); io.write(v, ", ISA ", isa)')"
echo "CPU busy before the run (other processes): $idle_load%"
args="--threads $threads --steps $steps --repeats $repeats --budget $budget"
if [ "$shapes" = 1 ]; then
  echo "OpenBLAS vs oneDNN by shape class ..."
  run shapes ./build/dnnl_shapes "$threads" 5
fi
have_torch=0
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
run sgemm ./build/sgemm_bound "$threads" "$steps" "$repeats"
r=1
while [ "$r" -le "$rounds" ]; do
  sfx=; [ "$r" -gt 1 ] && sfx=.$r
  [ "$rounds" -gt 1 ] && echo "round $r of $rounds"
  echo "bare oneDNN bound ..."
  run bound$sfx ./build/dnnl_bound "$threads" "$steps" "$repeats"
  echo "luanet fp32 ..."
  run luanet$sfx ./luanet bench/luanet_bench.lua $args
  if [ "$bf16" = 1 ]; then
    echo "luanet bf16 ..."
    run luanet_bf16$sfx ./luanet bench/luanet_bench.lua $args --precision bf16
  fi
  echo "bare oneDNN bound again ..."
  run bound2$sfx ./build/dnnl_bound "$threads" "$steps" "$repeats"
  if [ "$have_torch" = 1 ]; then
    echo "PyTorch fp32 ..."
    run torch$sfx /usr/bin/python3 bench/torch_bench.py $args
    if [ "$passive" = 1 ]; then
      echo "PyTorch fp32, OMP_WAIT_POLICY=passive ..."
      run torch_passive$sfx env OMP_WAIT_POLICY=passive /usr/bin/python3 bench/torch_bench.py $args
    fi
    if [ "$bf16" = 1 ]; then
      echo "PyTorch bf16 autocast ..."
      run torch_bf16$sfx /usr/bin/python3 bench/torch_bench.py $args --bf16
    fi
  fi
  r=$((r + 1))
done
[ "$have_torch" = 1 ] || echo "(python3-torch is not installed: luanet's figures only; make bench installs it)"
[ "$shapes" = 1 ] && grep -v '^RESULT' "$out/shapes.txt"
lua5.4 bench/report.lua "$out" "$core" "$threads"
# detection post-processing: luanet.detect against torchvision.ops.nms on
# the same boxes (bench/nms_bench.lua runs bench/nms_torch.py itself)
echo
echo "NMS and Soft-NMS (luanet.detect) vs torchvision.ops.nms ..."
nms_budget=1; [ "$repeats" = 1 ] && nms_budget=0.3
./luanet bench/nms_bench.lua --budget "$nms_budget" --dir "$out/nms" | tee "$out/nms.txt"

# elementwise ops and activations: luanet (fused and unfused chain) against
# PyTorch eager, on the same input (act_bench.lua writes it, act_torch.py
# reads it), each side its own process, every round; bench/act_report.lua
# keeps each figure's best
echo
act_args="--threads $threads --repeats 10 --budget 1"
[ "$repeats" = 1 ] && act_args="--threads $threads --repeats 2 --calls 20 --budget 0.3"
r=1
while [ "$r" -le "$rounds" ]; do
  sfx=; [ "$r" -gt 1 ] && sfx=.$r
  echo "elementwise ops: luanet${sfx:+ (round $r)} ..."
  run act$sfx ./luanet bench/act_bench.lua $act_args --save "$out/act_x.npy"
  if [ "$have_torch" = 1 ]; then
    echo "elementwise ops: PyTorch${sfx:+ (round $r)} ..."
    run act_torch$sfx /usr/bin/python3 bench/act_torch.py $act_args --input "$out/act_x.npy"
  fi
  r=$((r + 1))
done
lua5.4 bench/act_report.lua "$out" "$threads"
