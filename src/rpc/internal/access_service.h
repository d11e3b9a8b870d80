#pragma once

// Access control over gRPC (distributed mode, issue 10): AccessService (proto/internal/coord.proto)
// serving a cluster::AccessClient — in the coord process, the coordinator's Rbac — and an
// AccessClient for the proxy in another process.
//
// Privilege checks read Snapshot() on every request, so the client keeps the last snapshot and
// fetches a new one when it is older than `max_age` (one caller fetches; the others go on with the
// copy they have) and right after each of its own successful changes, so a proxy sees its own
// grants at once and other proxies' within `max_age`. When the coordinator cannot be reached the
// old snapshot stays in use; before the first fetch succeeds it is empty (every check is denied).

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <chrono>
#include <memory>

#include "cluster/access.h"
#include "rpc/internal/coord_service.h"

namespace quiver::rpc {

// The service; `access` must outlive it. Register it on a grpc::ServerBuilder.
std::unique_ptr<grpc::Service> NewAccessService(cluster::AccessClient* access);

struct AccessClientOptions {
  CoordClientOptions coord;                  // the coordinator's internal address, timeout, credentials
  std::chrono::milliseconds max_age{1000};   // how old a snapshot may get before it is fetched again
};

std::unique_ptr<cluster::AccessClient> NewGrpcAccessClient(const AccessClientOptions& options);

}  // namespace quiver::rpc
