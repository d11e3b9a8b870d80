#!/usr/bin/env bash
# The distributed-role tests (tests/e2e/cluster/*.cluster.js): each starts etcd, NATS JetStream and
# Ceph radosgw on free ports (scripts/*-test.sh) and `quiver run <role>` processes against them.
set -euo pipefail
BUILD_DIR=${1:-build/release}
shift || true
cd "$(dirname "$0")/.."
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/e2e/cluster/*.cluster.js)
QUIVER_BIN="$PWD/$BUILD_DIR/apps/quiver/quiver" node --test --test-concurrency=1 "${files[@]}"
