#pragma once

// The proxy's view of the datanodes (distributed mode): every datanode is active and consumes the
// channels the coordinator placed on it (coord/channels.h). A flush can be asked of any of them
// (it seals every channel of the collection and waits for the commits, wherever they happen), so
// it goes to the first that answers; buffered rows are summed over all. Thread-safe.

#include <memory>

#include "cluster/clients.h"
#include "rpc/internal/node_service.h"
#include "storage/meta/meta_store.h"

namespace quiver::rpc {

struct DataNodeRouterOptions {
  storage::MetaStore* meta = nullptr;  // where the sessions are (must outlive the router)
  NodeClientOptions node;              // per datanode (address and leader ignored)
};

std::unique_ptr<cluster::DataNodeClient> NewDataNodeRouter(const DataNodeRouterOptions& options);

}  // namespace quiver::rpc
