#pragma once

// The coordinator over gRPC (distributed mode, issue 10): CoordService (proto/internal/coord.proto)
// serving a cluster::CoordClient — in the coord process, the Coord itself — and a CoordClient
// whose every call is that RPC, for the proxy and the nodes in other processes. Statuses cross the
// wire whole (code, message and ErrorDetail), so a caller sees the same errors as in standalone.
//
// Transport failures (no coordinator listening, a deadline passed) are Unavailable, naming the
// call and the address; the caller decides whether to retry (a write that timed out may have
// applied, as with any RPC).

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/clients.h"

namespace quiver::rpc {

// The service; `coord` must outlive it. Register it on a grpc::ServerBuilder.
std::unique_ptr<grpc::Service> NewCoordService(cluster::CoordClient* coord);

struct CoordClientOptions {
  std::string address;                             // host:port of the coordinator's internal port
  // When set, the coordinator's address comes from here (its election, cluster/session.h) and is
  // asked again whenever the coordinator cannot be reached: calls follow a failover until their
  // deadline. `address` is then only the fallback before a leader is known.
  std::function<Result<std::string>()> leader;
  std::chrono::milliseconds timeout{60000};        // per call (DDL creates WAL streams)
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // insecure if null
};

std::unique_ptr<cluster::CoordClient> NewGrpcCoordClient(const CoordClientOptions& options);

}  // namespace quiver::rpc
