#!/usr/bin/env bash
# The layering rules, read from the includes (docs/design/layers.md): Milvus wire types (*.pb.h)
# only under src/rpc/, and no lower layer includes a front door.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
fail=0
while IFS= read -r hit; do
  echo "layering: Milvus wire types outside src/rpc/: $hit"
  fail=1
done < <(grep -rnE '#include "milvus/|#include <grpcpp' src --include=*.h --include=*.cc | grep -v '^src/rpc/' || true)
while IFS= read -r hit; do
  echo "layering: a lower layer includes a front door: $hit"
  fail=1
done < <(grep -rn '#include "rpc/' src --include=*.h --include=*.cc | grep -v '^src/rpc/' || true)
# The contracts between roles do not depend on the execution engine.
while IFS= read -r hit; do
  echo "layering: src/cluster depends on exec: $hit"
  fail=1
done < <({ grep -rn '#include "exec/' src/cluster --include=*.h --include=*.cc; grep -n 'quiver_exec' src/cluster/CMakeLists.txt; } || true)
# REST v2 is a front door of its own over the proxy API: no Milvus wire types, no gRPC handlers.
while IFS= read -r hit; do
  echo "layering: REST reaches Milvus wire types or the gRPC service: $hit"
  fail=1
done < <(grep -rnE '#include "(milvus/|rpc/milvus/)|#include <grpcpp|pb::' src/rpc/rest || true)
# Front doors call proxy methods; the proxy hands out no role.
while IFS= read -r hit; do
  echo "layering: a front door reaches a role through the proxy: $hit"
  fail=1
done < <(grep -rnE 'proxy_->(coord|querynode|datanode|indexnode)\(\)' src/rpc || true)
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "layering: ok (wire types only under src/rpc/milvus, REST over the proxy API, cluster without exec, no role accessors)"
