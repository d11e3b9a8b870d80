#pragma once

// The resource group contract (Milvus's declarative API, 2.4.1+): named sets of query nodes, so
// that collections loaded into different groups are served by different nodes. The proxy drives
// it; coord::ResourceGroupManager implements it over the metadata store (docs/design/replicas.md).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace quiver::cluster {

inline constexpr const char* kDefaultResourceGroup = "__default_resource_group";

// Milvus's "resource group not found" (code 300).
inline Status ResourceGroupNotFound(const std::string& name, const std::string& where = "") {
  return Status::NotFound("resource group " + name + where + " does not exist", name)
      .WithDetail(ErrorDetail::kResourceGroupNotFound);
}

struct ResourceGroupConfig {
  int32_t requests = 0;                    // nodes the group should hold
  int32_t limits = 0;                      // nodes it may hold at most
  std::vector<std::string> transfer_from;  // groups to take nodes from first
  std::vector<std::string> transfer_to;    // groups to give surplus nodes to first
  // node_filter: only query nodes carrying every one of these labels may join the group.
  std::map<std::string, std::string> node_labels;
  bool operator==(const ResourceGroupConfig&) const = default;
};

struct GroupNode {
  int64_t node_id = 0;
  std::string address;
  std::map<std::string, std::string> labels;  // the node's labels (cluster::ServerLabels)
};

// Whether a node with `labels` may join a group configured as `config`.
inline bool NodeFits(const ResourceGroupConfig& config, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : config.node_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

class ResourceGroups {
 public:
  virtual ~ResourceGroups() = default;

  // Every group's configuration, the default group's included.
  virtual Result<std::map<std::string, ResourceGroupConfig>> Groups() = 0;
  // Creating a group that exists with the same configuration succeeds (declarative).
  virtual Status Create(const std::string& name, const ResourceGroupConfig& config) = 0;
  virtual Status Update(const std::map<std::string, ResourceGroupConfig>& configs) = 0;
  // Refused for the default group, a group whose requests or limits are not 0, and a group that
  // holds replicas of a loaded collection; a group that does not exist is dropped already.
  virtual Status Drop(const std::string& name) = 0;
  // The old imperative API: moves `count` nodes by lowering the source's requests and limits and
  // raising the target's.
  virtual Status TransferNode(const std::string& source, const std::string& target, int32_t count) = 0;
  // The live query nodes of `group`.
  virtual Result<std::vector<GroupNode>> NodesOf(const std::string& group) = 0;

  // How a load of `replica_number` replicas into `groups` spreads over them: all in the one group
  // (or the default group when none is named), or one per group when several are named (Milvus's
  // rule). Refused when a group does not exist or has fewer nodes than its replicas.
  virtual Result<std::map<std::string, int32_t>> Distribution(int32_t replica_number,
                                                              const std::vector<std::string>& groups) = 0;
  // A collection's replicas per group (empty when never set: all in the default group).
  virtual Result<std::map<std::string, int32_t>> ReplicaGroups(int64_t collection_id) = 0;
  virtual Status SetReplicaGroups(int64_t collection_id, const std::map<std::string, int32_t>& groups) = 0;
  virtual Status ClearReplicaGroups(int64_t collection_id) = 0;
  // Every collection's replicas per group.
  virtual Result<std::map<int64_t, std::map<std::string, int32_t>>> AllReplicaGroups() = 0;
  // Moves `count` of a collection's replicas from group `source` to `target`.
  virtual Status TransferReplica(int64_t collection_id, const std::string& source, const std::string& target,
                                 int64_t count) = 0;
};

}  // namespace quiver::cluster
