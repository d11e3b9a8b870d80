#!/usr/bin/env bash
# Starts a throwaway NATS server with JetStream for a test:
#   `nats-test.sh start DATA_DIR CLIENT_PORT MONITOR_PORT [OWNER_PID]`
# starts one server on 127.0.0.1 with its JetStream store in DATA_DIR, waits until /healthz
# answers ok, and prints its PID. The caller stops it by PID (SIGTERM) and removes DATA_DIR; with
# OWNER_PID, the server is also stopped once that process is gone (a crashed test leaves nothing
# running).
#
#   `nats-test.sh cluster DATA_DIR C1 R1 M1 C2 R2 M2 C3 R3 M3 [OWNER_PID]`
# starts a three-node JetStream cluster (client, route and monitor port per node; server names
# n0..n2, cluster name quiver-test) and prints the three PIDs once every node is healthy.
#
#   `nats-test.sh restart DATA_DIR NODE [OWNER_PID]` starts node NODE (0..2, or `single`) of an
# earlier start/cluster again from the config it left in DATA_DIR and prints its PID.
#
# max_payload is 8 MiB (NATS's advised ceiling): the WAL splits larger records into chunks.
# Debian's nats-server (scripts/install-deps.sh) provides /usr/sbin/nats-server.
set -euo pipefail
usage="usage: nats-test.sh start DATA_DIR CLIENT_PORT MONITOR_PORT [OWNER_PID] | cluster DATA_DIR C1 R1 M1 C2 R2 M2 C3 R3 M3 [OWNER_PID] | restart DATA_DIR NODE [OWNER_PID]"
cmd="${1:?$usage}"
nats_bin="$(command -v nats-server || true)"
[ -n "$nats_bin" ] || [ ! -x /usr/sbin/nats-server ] || nats_bin=/usr/sbin/nats-server
[ -n "$nats_bin" ] || { echo "nats-test: nats-server is not installed (scripts/install-deps.sh installs it)" >&2; exit 3; }

# shellcheck source=lib/watch-owner.sh
source "$(dirname "$0")/lib/watch-owner.sh"

# Starts the server of config `$1` (its monitor port in `$1.monitor`) and prints its PID.
launch() {
  local conf="$1" owner="$2"
  "$nats_bin" -c "$conf" >> "${conf%.conf}.log" 2>&1 &
  local pid=$!
  watch_owner "$owner" "$pid"
  echo "$pid"
}

healthy() { curl -sf "http://127.0.0.1:$1/healthz" 2>/dev/null | grep -q '"ok"'; }

# Writes the config of one node: dir name client monitor [cluster_port routes].
write_conf() {
  local dir="$1" name="$2" client="$3" monitor="$4" cport="${5:-}" routes="${6:-}"
  mkdir -p "$dir/$name"
  {
    echo "server_name: $name"
    echo "listen: 127.0.0.1:$client"
    echo "http: 127.0.0.1:$monitor"
    echo "max_payload: 8MB"
    echo "jetstream { store_dir: \"$dir/$name/js\", max_memory_store: 256MB, max_file_store: 4GB }"
    if [ -n "$cport" ]; then
      echo "cluster { name: quiver-test, listen: 127.0.0.1:$cport, routes: [ $routes ] }"
    fi
  } > "$dir/$name.conf"
  echo "$monitor" > "$dir/$name.monitor"
}

wait_healthy() {  # monitor ports...
  for _ in $(seq 1 300); do
    local ok=0
    for m in "$@"; do if healthy "$m"; then ok=$((ok + 1)); fi; done
    if [ "$ok" -eq "$#" ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

case "$cmd" in
  start)
    dir="$2"; client="$3"; monitor="$4"; owner="${5:-}"
    mkdir -p "$dir"
    write_conf "$dir" single "$client" "$monitor"
    pid="$(launch "$dir/single.conf" "$owner")"
    if wait_healthy "$monitor"; then echo "$pid"; exit 0; fi
    echo "nats-test: nats-server did not become healthy:" >&2
    cat "$dir/single.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  cluster)
    dir="$2"; owner="${12:-}"
    ports=("$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${11}")
    mkdir -p "$dir"
    routes="nats-route://127.0.0.1:${ports[1]}, nats-route://127.0.0.1:${ports[4]}, nats-route://127.0.0.1:${ports[7]}"
    pids=()
    for n in 0 1 2; do
      write_conf "$dir" "n$n" "${ports[$((3 * n))]}" "${ports[$((3 * n + 2))]}" "${ports[$((3 * n + 1))]}" "$routes"
      pids+=("$(launch "$dir/n$n.conf" "$owner")")
    done
    if wait_healthy "${ports[2]}" "${ports[5]}" "${ports[8]}"; then echo "${pids[*]}"; exit 0; fi
    echo "nats-test: the cluster did not become healthy" >&2
    tail -n 20 "$dir"/n*.log >&2 || true
    kill "${pids[@]}" 2>/dev/null || true
    exit 1
    ;;
  restart)
    dir="$2"; node="$3"; owner="${4:-}"
    name="$node"; [ "$node" = single ] || name="n$node"
    [ -f "$dir/$name.conf" ] || { echo "nats-test: no config $dir/$name.conf" >&2; exit 2; }
    pid="$(launch "$dir/$name.conf" "$owner")"
    if wait_healthy "$(cat "$dir/$name.monitor")"; then echo "$pid"; exit 0; fi
    echo "nats-test: node $name did not become healthy after restart" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
