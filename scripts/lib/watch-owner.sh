# Sourced by the test-server scripts (etcd-test.sh, nats-test.sh).
# watch_owner OWNER PID: stops PID once process OWNER (may be empty) is gone, so a test that
# crashed leaves no server running.
watch_owner() {
  local owner="$1" pid="$2"
  [ -n "$owner" ] || return 0
  nohup bash -c "while kill -0 $owner 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 1; done; kill $pid 2>/dev/null" \
    > /dev/null 2>&1 < /dev/null &
}
