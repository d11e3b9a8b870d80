#pragma once

// The datanode and querynode over gRPC (distributed mode, issue 10): DataNodeService and
// QueryNodeService (proto/internal/node.proto) serving a cluster::DataNodeClient /
// cluster::QueryNodeClient — in their processes, the DataNode and QueryNode themselves — and
// clients whose every call is that RPC, for the proxy. Statuses cross whole, as with the
// coordinator (coord_service.h); transport failures are Unavailable naming the call and address.

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/clients.h"

namespace quiver::rpc {

struct NodeClientOptions {
  std::string address;                       // host:port of the node's internal port
  // When set, the node's address comes from here (its election) and calls follow it when it
  // moves (call.h FollowingStub).
  std::function<Result<std::string>()> leader;
  std::chrono::milliseconds timeout{60000};  // per call, added to a call's own timeout (Flush, WaitConsumed)
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // insecure if null
  // Calls fail at once while the node cannot be reached, instead of waiting for it to come back
  // (a replica router tries another replica).
  bool fail_fast = false;
};

// `node` must outlive the service.
std::unique_ptr<grpc::Service> NewDataNodeService(cluster::DataNodeClient* node);
std::unique_ptr<grpc::Service> NewQueryNodeService(cluster::QueryNodeClient* node);

// Flush's `cancelled` is polled every 50 ms while the call runs; true cancels the RPC (the
// server's wait ends with it) and the call returns Unavailable, as in process.
std::unique_ptr<cluster::DataNodeClient> NewGrpcDataNodeClient(const NodeClientOptions& options);
std::unique_ptr<cluster::QueryNodeClient> NewGrpcQueryNodeClient(const NodeClientOptions& options);

}  // namespace quiver::rpc
