#!/bin/sh
# make bench: luanet and PyTorch side by side, one run, one table.
#   sh bench/run.sh [--threads N] [--steps N] [--quick]
# PyTorch (Debian's python3-torch, /usr/bin/python3) runs twice in fp32: as
# installed, and with OPENBLAS_CORETYPE set to the core luanet uses.
set -e
cd "$(dirname "$0")/.."
threads=$(nproc)
steps=40
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --quick) steps=10; shift ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=build/bench
mkdir -p "$out"
cc -O2 -Isrc bench/sgemm_bound.c build/libluanet.a -fopenmp -lpng -lz -ldl -lm -o build/sgemm_bound
core=$(./luanet -e 'io.write((ln.core.blas()))')
echo "luanet vs PyTorch: $threads threads, batch 128, Adam; OpenBLAS core for luanet: $core"
./build/sgemm_bound "$threads" "$steps" > "$out/bound.txt"
./luanet bench/luanet_bench.lua --threads "$threads" --steps "$steps" > "$out/luanet.txt"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 bench/torch_bench.py --threads "$threads" --steps "$steps" > "$out/torch.txt"
  OPENBLAS_CORETYPE=$core /usr/bin/python3 bench/torch_bench.py --threads "$threads" --steps "$steps" > "$out/torch_core.txt"
  /usr/bin/python3 bench/torch_bench.py --threads "$threads" --steps "$steps" --bf16 > "$out/torch_bf16.txt"
else
  echo "(python3-torch is not installed: luanet's figures only)"
  : > "$out/torch.txt"; : > "$out/torch_core.txt"; : > "$out/torch_bf16.txt"
fi
./build/sgemm_bound "$threads" "$steps" >> "$out/bound.txt"
lua5.4 bench/report.lua "$out" "$core"
