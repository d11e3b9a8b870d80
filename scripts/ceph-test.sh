#!/usr/bin/env bash
# Starts a throwaway single-host Ceph with an S3 endpoint for a test:
#   `ceph-test.sh start DATA_DIR MON_PORT RGW_PORT [OWNER_PID]`
# builds a cluster of one monitor (msgr v2 only, 127.0.0.1:MON_PORT), one OSD on memstore (in RAM,
# at most 1 GiB) and radosgw (beast, http://127.0.0.1:RGW_PORT, `rgw_dns_name = s3.test` so that
# `BUCKET.s3.test` works virtual-host style), with cephx off and every file (ceph.conf, mon and osd
# data, admin sockets, logs) under DATA_DIR. No mgr: RADOS I/O and radosgw do not need one. It
# creates the S3 user with access key $CEPH_TEST_ACCESS_KEY (default QUIVERTESTACCESSKEY) and
# secret $CEPH_TEST_SECRET_KEY (default quiver-test-secret-key-0123456789), waits until radosgw
# answers, and prints `MON_PID OSD_PID RGW_PID` on one line (about 4 s). The caller stops it by
# sending SIGTERM to those PIDs (they exit within about 2 s; wait for that) and removing DATA_DIR;
# with OWNER_PID, the daemons are also stopped once that process is gone (a crashed test leaves
# nothing running). Logs are in DATA_DIR/log; the ceph CLI works with `-c DATA_DIR/ceph.conf`.
# The OSD takes its ports from Ceph's default range 6800-7300 on 127.0.0.1 (4 per OSD), so several
# clusters can run side by side with different DATA_DIR and ports.
#
# With CEPH_TEST_TLS_PORT set, radosgw also serves https on 127.0.0.1:$CEPH_TEST_TLS_PORT with a
# self-signed certificate for s3.test, *.s3.test and 127.0.0.1 in DATA_DIR/tls/cert.pem (usable as
# the CA file) and its key in DATA_DIR/tls/key.pem.
#
#   `ceph-test.sh restart-rgw DATA_DIR [OWNER_PID]` starts radosgw again (after a test killed it)
# from the config left in DATA_DIR, waits until it answers, and prints its PID.
#
# Debian's ceph-mon, ceph-osd, radosgw, ceph-common and ceph-base (scripts/install-deps.sh) provide
# the daemons, `ceph`, `radosgw-admin` and `monmaptool`; openssl makes the certificate.
set -euo pipefail
usage="usage: ceph-test.sh start DATA_DIR MON_PORT RGW_PORT [OWNER_PID] | restart-rgw DATA_DIR [OWNER_PID]"
cmd="${1:?$usage}"
for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool; do
  command -v "$bin" > /dev/null || { echo "ceph-test: $bin is not installed (scripts/install-deps.sh installs it)" >&2; exit 3; }
done

# shellcheck source=lib/watch-owner.sh
source "$(dirname "$0")/lib/watch-owner.sh"

access_key="${CEPH_TEST_ACCESS_KEY:-QUIVERTESTACCESSKEY}"
secret_key="${CEPH_TEST_SECRET_KEY:-quiver-test-secret-key-0123456789}"
pids=() names=() logs=()  # the daemons started here, their names and their log files

# fail MESSAGE [LOG...]: prints MESSAGE, the first error lines (level -1) and the tail of each LOG,
# stops every daemon started here, exits 1.
fail() {
  echo "ceph-test: $1" >&2
  shift
  for log in "$@"; do
    [ -s "$log" ] || continue
    if grep -q ' -1 ' "$log"; then echo "--- first errors in $log:" >&2; grep -m 5 ' -1 ' "$log" >&2; fi
    echo "--- last lines of $log:" >&2
    grep -v '^$' "$log" | tail -n 10 >&2
  done
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
  exit 1
}

# spawn NAME LOG CMD...: starts daemon CMD (stdout and stderr to DATA_DIR/log/NAME.out; LOG is its
# own log file) and sets $spawned to its PID.
spawn() {
  local name="$1" log="$2"; shift 2
  "$@" >> "$dir/log/$name.out" 2>&1 &
  spawned=$!
  pids+=("$spawned"); names+=("$name"); logs+=("$log")
  watch_owner "$owner" "$spawned"
}

# check_alive [PID]: fails (stopping PID too) if a daemon started here has exited.
check_alive() {
  local i
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      if [ -n "${1:-}" ]; then kill "$1" 2>/dev/null || true; fi
      local log="${logs[$i]}"
      [ -s "$log" ] || log="$dir/log/${names[$i]}.out"  # its stdout and stderr
      fail "${names[$i]} exited" "$log"
    fi
  done
}

# step LOG WHAT CMD...: runs CMD (output to LOG) for at most 60 s, failing early if a daemon dies.
step() {
  local log="$1" what="$2"; shift 2
  "$@" > "$log" 2>&1 &
  local pid=$! deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then kill "$pid" 2>/dev/null || true; fail "$what timed out" "$log"; fi
    check_alive "$pid"
    sleep 0.1
  done
  wait "$pid" || fail "$what failed" "$log"
}

# rgw_answers PORT [https]: true once radosgw answers an anonymous GET / with S3 XML.
rgw_answers() {
  local url="http://127.0.0.1:$1/" opts=()
  if [ "${2:-}" = https ]; then url="https://s3.test:$1/"; opts=(--cacert "$dir/tls/cert.pem" --resolve "s3.test:$1:127.0.0.1"); fi
  curl -s --max-time 2 "${opts[@]}" "$url" 2>/dev/null | grep -q '<?xml'
}

# launch_rgw: starts radosgw from $conf, waits until it answers (http, and https if configured),
# and sets $rgw_pid.
launch_rgw() {
  local port tls_port deadline=$((SECONDS + 60))
  port="$(cat "$dir/rgw.port")"
  tls_port="$(cat "$dir/rgw.tls-port" 2>/dev/null || true)"
  spawn radosgw "$dir/log/client.rgw.log" radosgw -c "$conf" -n client.rgw -f
  rgw_pid=$spawned
  until rgw_answers "$port" && { [ -z "$tls_port" ] || rgw_answers "$tls_port" https; }; do
    check_alive
    [ "$SECONDS" -lt "$deadline" ] || fail "radosgw did not answer on port $port${tls_port:+ and $tls_port} within 60 s" "$dir/log/client.rgw.log"
    sleep 0.1
  done
}

case "$cmd" in
  start)
    [ $# -ge 4 ] || { echo "$usage" >&2; exit 2; }
    dir="$2"; mon_port="$3"; rgw_port="$4"; owner="${5:-}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    conf="$dir/ceph.conf"
    [ ! -e "$conf" ] || { echo "ceph-test: $dir already holds a cluster; give an empty DATA_DIR" >&2; exit 2; }
    mkdir -p "$dir/mon" "$dir/osd" "$dir/run" "$dir/log" "$dir/rgw" "$dir/crash"
    echo "$rgw_port" > "$dir/rgw.port"
    frontends="beast endpoint=127.0.0.1:$rgw_port"
    if [ -n "${CEPH_TEST_TLS_PORT:-}" ]; then
      mkdir -p "$dir/tls"
      openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=s3.test" \
        -addext "subjectAltName=DNS:s3.test,DNS:*.s3.test,IP:127.0.0.1" \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" > "$dir/log/openssl.log" 2>&1 \
        || fail "openssl could not create the certificate" "$dir/log/openssl.log"
      echo "$CEPH_TEST_TLS_PORT" > "$dir/rgw.tls-port"
      frontends+=" ssl_endpoint=127.0.0.1:$CEPH_TEST_TLS_PORT ssl_certificate=$dir/tls/cert.pem ssl_private_key=$dir/tls/key.pem"
    fi
    fsid="$(cat /proc/sys/kernel/random/uuid)"
    osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
    : > "$dir/keyring"  # auth is off; an empty keyring keeps the daemons away from /etc/ceph
    cat > "$conf" <<EOF
# Throwaway test cluster written by scripts/ceph-test.sh; every path is under $dir.
[global]
fsid = $fsid
# One monitor port: msgr v2 only (no v1 listener on 6789).
mon_host = v2:127.0.0.1:$mon_port
ms_bind_msgr1 = false
ms_bind_msgr2 = true
ms_bind_ipv6 = false
# A busy MON_PORT fails the start after 2 s instead of 10 s.
ms_bind_retry_delay = 1
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
public_network = 127.0.0.1/32
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
keyring = $dir/keyring
run_dir = $dir/run
admin_socket = $dir/run/\$cluster-\$name.asok
pid_file = $dir/run/\$name.pid
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.log
crash_dir = $dir/crash
mon_data = $dir/mon
osd_data = $dir/osd/\$cluster-\$id
rgw_data = $dir/rgw
# The mon stops itself when its disk is below 5% free by default.
mon_data_avail_crit = 1
mon_data_avail_warn = 2
# Every osdmap change (radosgw creates 7 pools, each also gets an application tag) waits for the
# next paxos proposal, 1 s by default: 0.05 s brings the start from 13 s to about 4 s.
paxos_propose_interval = 0.05
osd_objectstore = memstore
memstore_device_bytes = 1073741824
# One OSD: single-replica pools with few PGs, no PG autoscaler (that is a mgr module anyway).
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
# On SIGTERM the OSD waits this long for the (maybe already stopped) mon to ack its mark-down.
osd_mon_shutdown_timeout = 1

[client.admin]
# The ceph CLI and radosgw-admin run as client.admin, several at a time: no admin socket.
admin_socket =

[client.rgw]
# radosgw defaults to ms_mon_client_mode = secure, which auth none cannot give (EACCES at connect).
ms_mon_client_mode = crc
rgw_frontends = $frontends
rgw_dns_name = s3.test
rgw_thread_pool_size = 64
EOF
    monmaptool --create --enable-all-features --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" \
      > "$dir/log/mkfs.log" 2>&1 || fail "monmaptool failed" "$dir/log/mkfs.log"
    ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >> "$dir/log/mkfs.log" 2>&1 \
      || fail "ceph-mon --mkfs failed" "$dir/log/mkfs.log"
    spawn ceph-mon "$dir/log/mon.a.log" ceph-mon -c "$conf" -i a -f
    mon_pid=$spawned
    deadline=$((SECONDS + 20))
    until (exec 3<> "/dev/tcp/127.0.0.1/$mon_port") 2>/dev/null; do
      check_alive
      [ "$SECONDS" -lt "$deadline" ] || fail "ceph-mon does not listen on port $mon_port" "$dir/log/mon.a.log"
      sleep 0.05
    done
    step "$dir/log/osd-new.log" "ceph osd new" timeout 30 ceph -c "$conf" --connect-timeout 20 osd new "$osd_uuid"
    osd_id="$(tail -n 1 "$dir/log/osd-new.log")"
    [[ "$osd_id" =~ ^[0-9]+$ ]] || fail "ceph osd new printed no OSD id" "$dir/log/osd-new.log"
    mkdir -p "$dir/osd/ceph-$osd_id"
    step "$dir/log/osd-mkfs.log" "ceph-osd --mkfs" ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid"
    spawn ceph-osd "$dir/log/osd.$osd_id.log" ceph-osd -c "$conf" -i "$osd_id" -f
    osd_pid=$spawned
    # Creates the default zone and radosgw's first pools, so it also waits for the OSD to be up.
    step "$dir/log/user-create.log" "radosgw-admin user create" radosgw-admin -c "$conf" user create \
      --uid quiver-test --display-name "Quiver test" --access-key "$access_key" --secret-key "$secret_key"
    launch_rgw
    echo "$mon_pid $osd_pid $rgw_pid"
    ;;
  restart-rgw)
    [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
    dir="$2"; owner="${3:-}"
    if [ ! -f "$dir/ceph.conf" ] || [ ! -f "$dir/rgw.port" ]; then echo "ceph-test: no cluster config in $dir" >&2; exit 2; fi
    dir="$(cd "$dir" && pwd)"
    conf="$dir/ceph.conf"
    launch_rgw
    echo "$rgw_pid"
    ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
