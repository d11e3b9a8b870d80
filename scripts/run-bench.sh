#!/usr/bin/env bash
# Benchmarks (not part of `make test`). Writes everything under bench/results/.
#   run-bench.sh BUILD_DIR [--quick]
# Full: FLAT scan rate next to memory bandwidth, HNSW next to hnswlib, the ann harness on
# Fashion-MNIST and 1M synthetic vectors, the recall/QPS plot, and the end-to-end mode through the
# Node SDK against a server started here (free ports, temporary data directory).
# --quick: the ann harness on small datasets, the plot and the end-to-end mode (about 2 minutes).
set -euo pipefail
BUILD_DIR=${1:-build/release}
QUICK=${2:-}
cd "$(dirname "$0")/.."
OUT=bench/results
mkdir -p "$OUT"

if [ "$QUICK" != "--quick" ]; then
  "$BUILD_DIR/bench/flat_bench" --benchmark_min_time=1 | tee "$OUT/flat_bench.txt"
  "$BUILD_DIR/bench/hnsw_bench" --n=100000 --queries=1000 | tee "$OUT/hnsw_bench.txt"
fi

"$BUILD_DIR/bench/ann" $QUICK --out="$OUT" --cache="$OUT/cache" | tee "$OUT/ann.txt"

# Recall vs QPS, one panel per dataset, 1 search thread.
if command -v gnuplot >/dev/null; then
  for dataset in $(cut -d, -f1 "$OUT/ann.csv" | tail -n +2 | sort -u); do
    plot="plot"
    sep=""
    for index in $(awk -F, -v d="$dataset" 'NR > 1 && $1 == d { print $2 }' "$OUT/ann.csv" | awk '!seen[$0]++'); do
      awk -F, -v d="$dataset" -v i="$index" 'NR > 1 && $1 == d && $2 == i && $5 == 1 { print $6, $7 }' "$OUT/ann.csv" \
        > "$OUT/cache/plot-$dataset-$index.dat"
      plot="$plot$sep '$OUT/cache/plot-$dataset-$index.dat' using 1:2 with linespoints title '$index'"
      sep=","
    done
    gnuplot <<GP
set terminal png size 1000,700
set output '$OUT/ann-$dataset.png'
set title 'recall@10 vs QPS, 1 thread: $dataset'
set xlabel 'recall@10'
set ylabel 'queries per second'
set logscale y
set key bottom left
set grid
$plot
GP
    echo "plot: $OUT/ann-$dataset.png"
  done
fi

# End-to-end mode: the synthetic dataset through the Node SDK against a fresh server.
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
DATASET=synthetic-1m-128
[ "$QUICK" = "--quick" ] && DATASET=synthetic-100k-128
DATA_DIR=$(mktemp -d /tmp/quiver-bench-XXXXXX)
FREE_PORT_TAKEN="$DATA_DIR.ports"
# shellcheck source=lib/free-port.sh
. scripts/lib/free-port.sh
PORT=$(free_port); STATUS_PORT=$(free_port)
"$BUILD_DIR/apps/quiver/quiver" run standalone --data-dir "$DATA_DIR" --port "$PORT" --status-port "$STATUS_PORT" \
  > "$OUT/e2e-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA_DIR" "$FREE_PORT_TAKEN"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$STATUS_PORT/healthz" >/dev/null && break
  sleep 0.1
done
NODE_PATH=tests/e2e/node_modules node bench/ann_e2e.js --address="127.0.0.1:$PORT" --dataset="$DATASET" \
  --cache="$OUT/cache" --csv="$OUT/ann.csv" --batch=100 --out="$OUT/ann_e2e.csv" | tee "$OUT/ann_e2e.txt"
