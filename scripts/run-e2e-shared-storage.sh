#!/usr/bin/env bash
# Runs the end-to-end suite against standalone servers whose metadata, WAL and objects are in the
# distributed mode's storage: a real etcd, NATS JetStream and Ceph radosgw, started here on free
# ports (scripts/etcd-test.sh, nats-test.sh, ceph-test.sh) and stopped at the end. Each server
# gets its own roots in them (tests/e2e/lib/server.js, QUIVER_E2E_SHARED_STORAGE). Test files
# that check the local data directory's files (or local-only refusals) are listed in LOCAL_ONLY
# and run only in the default suite (scripts/run-e2e.sh).
#   run-e2e-shared-storage.sh [BUILD_DIR] [TEST_FILE...]
set -euo pipefail
BUILD_DIR=${1:-build/release}
shift || true
cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/quiver-shared-XXXXXX)"
FREE_PORT_TAKEN="$work/ports"
# shellcheck source=lib/free-port.sh
. scripts/lib/free-port.sh
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
  rm -rf "$work"
}
trap cleanup EXIT

etcd_port=$(free_port); nats_port=$(free_port); rgw_port=$(free_port)
# start SCRIPT ARGS...: runs a start script, keeps the PIDs it prints; a failed start stops here.
start() {
  local out
  out="$("$@")" || { echo "shared storage: $1 failed" >&2; exit 1; }
  read -r -a started <<< "$out"
  pids+=("${started[@]}")
}
start scripts/etcd-test.sh start "$work/etcd" "$etcd_port" "$(free_port)" $$
start scripts/nats-test.sh start "$work/nats" "$nats_port" "$(free_port)" $$
start scripts/ceph-test.sh start "$work/ceph" "$(free_port)" "$rgw_port" $$
echo "shared storage: etcd 127.0.0.1:$etcd_port, NATS 127.0.0.1:$nats_port, radosgw 127.0.0.1:$rgw_port"

# Files about the local stores themselves (their files, damage to them, their settings) or that
# start storage servers of their own.
LOCAL_ONLY="faults.test.js options.test.js sealing.test.js etcd.test.js nats.test.js s3.test.js"
if [ $# -gt 0 ]; then
  files=("$@")
else
  files=()
  for f in tests/e2e/*.test.js; do
    case " $LOCAL_ONLY " in *" $(basename "$f") "*) continue ;; esac
    files+=("$f")
  done
fi
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
QUIVER_E2E_SHARED_STORAGE=1 QUIVER_ETCD_ENDPOINTS="127.0.0.1:$etcd_port" QUIVER_NATS_SERVERS="127.0.0.1:$nats_port" \
  QUIVER_MINIO_ADDRESS="127.0.0.1:$rgw_port" QUIVER_MINIO_ACCESSKEYID=QUIVERTESTACCESSKEY \
  QUIVER_MINIO_SECRETACCESSKEY=quiver-test-secret-key-0123456789 QUIVER_MINIO_BUCKETNAME=quiver-e2e \
  QUIVER_BIN="$PWD/$BUILD_DIR/apps/quiver/quiver" node --test --test-concurrency=1 "${files[@]}"
