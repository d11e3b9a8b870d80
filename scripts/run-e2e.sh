#!/usr/bin/env bash
# Runs the end-to-end suite (Milvus Node SDK against a server it starts on free ports).
set -euo pipefail
BUILD_DIR=${1:-build/release}
cd "$(dirname "$0")/.."
if [ ! -f tests/e2e/package.json ]; then
  echo "e2e: no end-to-end suite yet"
  exit 0
fi
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
QUIVER_BIN="$PWD/$BUILD_DIR/apps/quiver/quiver" node --test --test-concurrency=1 tests/e2e/
