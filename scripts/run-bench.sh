#!/usr/bin/env bash
# Benchmarks (not part of `make test`): FLAT scan rate next to memory bandwidth.
set -euo pipefail
BUILD_DIR=${1:-build/release}
cd "$(dirname "$0")/.."
mkdir -p bench/results
"$BUILD_DIR/bench/flat_bench" --benchmark_min_time=1 | tee bench/results/flat_bench.txt
"$BUILD_DIR/bench/hnsw_bench" --n=100000 --queries=1000 | tee bench/results/hnsw_bench.txt
