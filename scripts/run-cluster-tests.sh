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
# The role tests and drills (failover.cluster.js: kill -9 of the elected roles; storage.cluster.js:
# etcd, NATS and radosgw outages on 3 etcd members and 3 NATS nodes), then the suite files written for one server, each against a whole deployment
# (lib/cluster.js startCluster: coord, datanode, querynode, indexnode and a proxy).
node --test --test-concurrency=1 tests/e2e/cluster/coord.cluster.js tests/e2e/cluster/replicas.cluster.js tests/e2e/cluster/split.cluster.js \
  tests/e2e/cluster/failover.cluster.js tests/e2e/cluster/storage.cluster.js
QUIVER_E2E_CLUSTER=1 node --test --test-concurrency=1 tests/e2e/flow.test.js tests/e2e/api.test.js tests/e2e/resource_groups.test.js \
  tests/e2e/hardening.test.js tests/e2e/iterators.test.js tests/e2e/races.test.js
