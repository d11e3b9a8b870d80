#!/usr/bin/env bash
# Starts a throwaway etcd for a test: `etcd-test.sh start DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID]`
# starts a single-member etcd on 127.0.0.1 with its data in DATA_DIR, waits until it answers, and
# prints its PID. The caller stops it by PID (SIGTERM) and removes DATA_DIR; with OWNER_PID, etcd
# is also stopped once that process is gone (a test that crashed leaves nothing running).
# Debian's etcd-server (scripts/install-deps.sh) provides /usr/bin/etcd.
#
# `etcd-test.sh cluster DATA_DIR C1 P1 C2 P2 C3 P3 [OWNER_PID]` starts a three-member cluster
# (client and peer ports per member) and prints the three PIDs, once every member is healthy.
#
# `etcd-test.sh start-tls DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID]` is `start` with TLS on the
# client port: a self-signed certificate for 127.0.0.1 (openssl) in DATA_DIR/tls/cert.pem.
#
# `etcd-test.sh restore SNAPSHOT DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID]` restores SNAPSHOT
# (`etcdctl snapshot restore`, which checks its hash; etcd-client) into DATA_DIR as a new
# single-member cluster and starts it as `start` does.
#
# `etcd-test.sh restart DATA_DIR MEMBER [OWNER_PID]` starts member MEMBER (0..2) of an earlier
# `cluster` again from its data (after a test killed it), waits until it is healthy and prints
# its PID.
set -euo pipefail
cmd="${1:?usage: etcd-test.sh start|start-tls DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID] | restore SNAPSHOT DATA_DIR CLIENT_PORT PEER_PORT [OWNER_PID] | cluster DATA_DIR C1 P1 C2 P2 C3 P3 [OWNER_PID] | restart DATA_DIR MEMBER [OWNER_PID]}"
etcd_bin="$(command -v etcd || true)"
[ -n "$etcd_bin" ] || { echo "etcd-test: etcd is not installed (scripts/install-deps.sh installs etcd-server)" >&2; exit 3; }

# shellcheck source=lib/watch-owner.sh
source "$(dirname "$0")/lib/watch-owner.sh"

if [ "$cmd" = cluster ]; then
  dir="$2"; owner="${9:-}"
  ports=("$3" "$4" "$5" "$6" "$7" "$8")
  initial="m0=http://127.0.0.1:${ports[1]},m1=http://127.0.0.1:${ports[3]},m2=http://127.0.0.1:${ports[5]}"
  pids=()
  for m in 0 1 2; do
    c="${ports[$((2 * m))]}"; p="${ports[$((2 * m + 1))]}"
    mkdir -p "$dir/m$m"
    # The member's arguments, kept for `restart`.
    printf '%s\n' --name "m$m" --data-dir "$dir/m$m/data" \
      --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
      --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "quiver-test-$$" \
      --log-level error > "$dir/m$m/args"
    echo "$c" > "$dir/m$m/client.port"
    mapfile -t args < "$dir/m$m/args"
    "$etcd_bin" "${args[@]}" > "$dir/m$m/etcd.log" 2>&1 &
    pids+=($!)
    watch_owner "$owner" "$!"
  done
  for _ in $(seq 1 200); do
    healthy=0
    for m in 0 1 2; do
      if curl -sf "http://127.0.0.1:${ports[$((2 * m))]}/health" | grep -q '"health":"true"'; then healthy=$((healthy + 1)); fi
    done
    if [ "$healthy" -eq 3 ]; then echo "${pids[*]}"; exit 0; fi
    sleep 0.1
  done
  echo "etcd-test: the cluster did not become healthy" >&2
  kill "${pids[@]}" 2>/dev/null || true
  exit 1
fi

if [ "$cmd" = restart ]; then
  dir="$2"; m="$3"; owner="${4:-}"
  [ -f "$dir/m$m/args" ] || { echo "etcd-test: no member m$m in $dir" >&2; exit 2; }
  mapfile -t args < "$dir/m$m/args"
  "$etcd_bin" "${args[@]}" >> "$dir/m$m/etcd.log" 2>&1 &
  pid=$!
  watch_owner "$owner" "$pid"
  c="$(cat "$dir/m$m/client.port")"
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "etcd-test: member m$m exited:" >&2; tail -n 20 "$dir/m$m/etcd.log" >&2; exit 1; fi
    if curl -sf "http://127.0.0.1:$c/health" | grep -q '"health":"true"'; then echo "$pid"; exit 0; fi
    sleep 0.1
  done
  echo "etcd-test: member m$m did not become healthy after restart" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi

if [ "$cmd" = restore ]; then
  snapshot="$2"; shift
  dir="$2"; peer="$4"
  mkdir -p "$dir"
  ETCDCTL_API=3 etcdctl snapshot restore "$snapshot" --name quiver-test --data-dir "$dir/data" \
    --initial-cluster "quiver-test=http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    > "$dir/restore.log" 2>&1 || { echo "etcd-test: restore failed:" >&2; cat "$dir/restore.log" >&2; exit 1; }
  cmd=start
fi

scheme=http
tls_args=()
curl_args=()
if [ "$cmd" = start-tls ]; then
  mkdir -p "$2/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=etcd.test" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$2/tls/key.pem" -out "$2/tls/cert.pem" > "$2/tls/openssl.log" 2>&1 \
    || { echo "etcd-test: openssl could not create the certificate" >&2; cat "$2/tls/openssl.log" >&2; exit 1; }
  scheme=https
  tls_args=(--cert-file "$2/tls/cert.pem" --key-file "$2/tls/key.pem")
  curl_args=(--cacert "$2/tls/cert.pem")
  cmd=start
fi

[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
dir="$2"; client="$3"; peer="$4"; owner="${5:-}"
mkdir -p "$dir"
"$etcd_bin" --name quiver-test --data-dir "$dir/data" "${tls_args[@]}" \
  --listen-client-urls "$scheme://127.0.0.1:$client" --advertise-client-urls "$scheme://127.0.0.1:$client" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "quiver-test=http://127.0.0.1:$peer" --log-level error > "$dir/etcd.log" 2>&1 &
pid=$!
watch_owner "$owner" "$pid"
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "etcd-test: etcd exited:" >&2; cat "$dir/etcd.log" >&2; exit 1; fi
  if curl -sf "${curl_args[@]}" "$scheme://127.0.0.1:$client/health" | grep -q '"health":"true"'; then echo "$pid"; exit 0; fi
  sleep 0.1
done
echo "etcd-test: etcd did not become healthy" >&2
kill "$pid" 2>/dev/null || true
exit 1
