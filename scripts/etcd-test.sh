#!/usr/bin/env bash
# Starts a throwaway etcd for a test: `etcd-test.sh start DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID]`
# starts a single-member etcd on 127.0.0.1 with its data in DATA_DIR, waits until it answers, and
# prints its PID. The caller stops it by PID (SIGTERM) and removes DATA_DIR; with OWNER_PID, etcd
# is also stopped once that process is gone (a test that crashed leaves nothing running).
# Debian's etcd-server (scripts/install-deps.sh) provides /usr/bin/etcd.
set -euo pipefail
cmd="${1:?usage: etcd-test.sh start DATA_DIR CLIENT_PORT PEER_PORT}"
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
dir="$2"; client="$3"; peer="$4"; owner="${5:-}"
etcd_bin="$(command -v etcd || true)"
[ -n "$etcd_bin" ] || { echo "etcd-test: etcd is not installed (scripts/install-deps.sh installs etcd-server)" >&2; exit 3; }
mkdir -p "$dir"
"$etcd_bin" --name quiver-test --data-dir "$dir/data" \
  --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "quiver-test=http://127.0.0.1:$peer" --log-level error > "$dir/etcd.log" 2>&1 &
pid=$!
if [ -n "$owner" ]; then
  # A watchdog, detached from the caller's pipes: stops etcd when the owner is gone.
  nohup bash -c "while kill -0 $owner 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 1; done; kill $pid 2>/dev/null" \
    > /dev/null 2>&1 < /dev/null &
fi
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "etcd-test: etcd exited:" >&2; cat "$dir/etcd.log" >&2; exit 1; fi
  if curl -sf "http://127.0.0.1:$client/health" | grep -q '"health":"true"'; then echo "$pid"; exit 0; fi
  sleep 0.1
done
echo "etcd-test: etcd did not become healthy" >&2
kill "$pid" 2>/dev/null || true
exit 1
