#!/usr/bin/env bash
# The distributed-role tests: each file starts etcd, NATS JetStream and Ceph radosgw on free ports
# (scripts/*-test.sh) and `quiver run <role>` processes against them. With file arguments, only
# those (e.g. tests/e2e/cluster/failover.cluster.js, the kill -9 drills: `make test-drills`).
set -euo pipefail
BUILD_DIR=${1:-build/release}
shift || true
cd "$(dirname "$0")/.."
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
export QUIVER_BIN="$PWD/$BUILD_DIR/apps/quiver/quiver"
if [ $# -gt 0 ]; then
  node --test --test-concurrency=1 "$@"
  exit
fi
# The role tests and drills (failover.cluster.js: kill -9 of every role under load; storage.cluster.js:
# etcd, NATS and radosgw outages on 3 etcd members and 3 NATS nodes; split.cluster.js: one replica
# over several query nodes), then the suite files written for one server, each against a whole
# deployment in the layout issue 10 names (lib/server.js startServer: 3 etcd members, 3 NATS nodes,
# radosgw, two coordinators, datanodes, query nodes and indexnodes, one proxy). The files left out
# test one standalone process itself (crash, recovery, faults, signals, sealing and its WAL files,
# the access log file, TLS of its status port) or start storage servers of their own (etcd, nats,
# s3).
node --test --test-concurrency=1 tests/e2e/cluster/coord.cluster.js tests/e2e/cluster/replicas.cluster.js \
  tests/e2e/cluster/split.cluster.js tests/e2e/cluster/failover.cluster.js tests/e2e/cluster/storage.cluster.js
QUIVER_E2E_CLUSTER=1 node --test --test-concurrency=1 tests/e2e/flow.test.js tests/e2e/api.test.js \
  tests/e2e/resource_groups.test.js tests/e2e/hardening.test.js tests/e2e/iterators.test.js tests/e2e/races.test.js \
  tests/e2e/options.test.js tests/e2e/index.test.js tests/e2e/auth.test.js tests/e2e/rest.test.js \
  tests/e2e/rest_sdk.test.js tests/e2e/smoke.test.js
