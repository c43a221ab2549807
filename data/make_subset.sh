#!/bin/sh
# make_subset.sh -- the bundled Fashion-MNIST subset, from Debian's
# dataset-fashion-mnist: 1,000 train and 200 test images per class (the
# first ones of each class, in file order), gzip'ed IDX files in
# data/fashion-mnist-subset/. Deterministic: same input, same bytes.
#
#   sh data/make_subset.sh [SRC_DIR [OUT_DIR]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-/usr/share/datasets/fashion-mnist}
out=${2:-$here/fashion-mnist-subset}
LUA=${LUA:-lua5.4}
mkdir -p "$out"

subset() {  # subset PREFIX PER_CLASS
  { gzip -dc "$src/$1-labels-idx1-ubyte.gz"; gzip -dc "$src/$1-images-idx3-ubyte.gz"; } |
    "$LUA" "$here/make_subset.lua" "$2" \
      "$out/$1-labels-idx1-ubyte" "$out/$1-images-idx3-ubyte"
  gzip -n -9 -f "$out/$1-labels-idx1-ubyte" "$out/$1-images-idx3-ubyte"
}

subset train 1000
subset t10k 200
