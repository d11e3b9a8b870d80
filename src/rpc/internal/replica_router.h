#pragma once

// The proxy's query node in distributed mode (issue 10; docs/design/replicas.md): a
// cluster::QueryNodeClient over every query node, routing each collection's reads to the
// replicas the coordinator placed (coord/replicas.h). Reads rotate over the serving replicas;
// one that cannot be reached or no longer holds the collection is left for the next, and while
// none answers the placement is read again until `failover_timeout`, so the loss of a query node
// costs its in-flight reads a retry elsewhere, not an error. Loads and releases go to every
// replica at once, so they are as synchronous as in standalone.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/clients.h"
#include "rpc/internal/node_service.h"
#include "storage/meta/meta_store.h"

namespace quiver::rpc {

// A client per query node address, made on first use; calls fail at once while the node cannot be
// reached (NodeClientOptions::fail_fast). Thread-safe.
class QueryNodeClients {
 public:
  explicit QueryNodeClients(NodeClientOptions options) : options_(std::move(options)) {}
  cluster::QueryNodeClient* Get(const std::string& address);

 private:
  const NodeClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<cluster::QueryNodeClient>> nodes_;
};

struct ReplicaRouterOptions {
  storage::MetaStore* meta = nullptr;  // where the placement is (must outlive the router)
  NodeClientOptions node;              // per query node (address and leader ignored)
  std::chrono::milliseconds failover_timeout{15000};  // a read retries replicas this long
  std::chrono::milliseconds place_timeout{10000};     // a load waits this long for its placement
  std::chrono::milliseconds cache_age{200};           // placement re-read at least this often
};

std::unique_ptr<cluster::QueryNodeClient> NewReplicaRouter(const ReplicaRouterOptions& options);

}  // namespace quiver::rpc
