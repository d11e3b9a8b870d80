#pragma once

// Resource groups (Milvus's declarative API, 2.4.1+; docs/design/replicas.md): named sets of query
// nodes, so that collections loaded into different groups are served by different nodes. A group
// requests a number of nodes and may hold at most `limits`; nodes beyond every group's limits stay
// in __default_resource_group. State in the metadata store:
//
//   quiver/resource_groups/<name>       a group's configuration (JSON)
//   quiver/resource_group_nodes         which group each live query node is in (JSON)
//   quiver/replica_groups/<collection>  how many of a loaded collection's replicas each group holds
//
// The coordinator's ReplicaManager assigns the nodes (AssignNodes, a pure function) and places each
// replica on a node of its group. Configuration changes come from the proxies through
// ResourceGroupManager, which writes the keys above and reads the assignment back.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cluster/resource_groups.h"
#include "common/status.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

using cluster::GroupNode;
using cluster::kDefaultResourceGroup;
using cluster::ResourceGroupConfig;

inline constexpr const char* kResourceGroupsPrefix = "quiver/resource_groups/";
inline constexpr const char* kResourceGroupNodesKey = "quiver/resource_group_nodes";
inline constexpr const char* kReplicaGroupsPrefix = "quiver/replica_groups/";
// The default group's limit when no one configured it: every node fits.
inline constexpr int32_t kDefaultGroupLimit = 1000000;

std::string EncodeResourceGroupConfig(const ResourceGroupConfig& config);
Result<ResourceGroupConfig> DecodeResourceGroupConfig(std::string_view record);

// One step of node assignment: every live node (by id) in exactly one existing group, each group
// within [requests, limits] as far as the nodes allow. Nodes stay where they are unless a group is
// over its limit (it gives up its highest-id nodes, to its transfer_to groups first, else to the
// default group) or under its requests (it takes nodes from its transfer_from groups first, then
// from the default group, then from any group above its own requests). A group with a node filter
// holds only nodes whose `labels` carry all of its labels (a node that no longer fits goes back to
// the default group, which takes every node). `groups` includes the default group.
std::map<int64_t, std::string> AssignNodes(const std::map<std::string, ResourceGroupConfig>& groups,
                                           const std::vector<int64_t>& nodes,
                                           const std::map<int64_t, std::string>& current,
                                           const std::map<int64_t, std::map<std::string, std::string>>& labels = {});

struct ResourceGroupManagerOptions {
  // The live query nodes that can hold replicas (not draining).
  std::function<Result<std::vector<GroupNode>>()> nodes;
};

class ResourceGroupManager : public cluster::ResourceGroups {
 public:
  ResourceGroupManager(storage::MetaStore* store, ResourceGroupManagerOptions options);

  Result<std::map<std::string, ResourceGroupConfig>> Groups() override;
  Status Create(const std::string& name, const ResourceGroupConfig& config) override;
  Status Update(const std::map<std::string, ResourceGroupConfig>& configs) override;
  Status Drop(const std::string& name) override;
  Status TransferNode(const std::string& source, const std::string& target, int32_t count) override;
  Result<std::vector<GroupNode>> NodesOf(const std::string& group) override;
  Result<std::map<std::string, int32_t>> Distribution(int32_t replica_number,
                                                      const std::vector<std::string>& groups) override;
  Result<std::map<std::string, int32_t>> ReplicaGroups(int64_t collection_id) override;
  Status SetReplicaGroups(int64_t collection_id, const std::map<std::string, int32_t>& groups) override;
  Status ClearReplicaGroups(int64_t collection_id) override;
  Result<std::map<int64_t, std::map<std::string, int32_t>>> AllReplicaGroups() override;
  Status TransferReplica(int64_t collection_id, const std::string& source, const std::string& target,
                         int64_t count) override;

  // Assigns `nodes` (the live ones, as options.nodes lists them) to groups (AssignNodes), stores
  // the assignment if it changed, and returns it.
  Result<std::map<int64_t, std::string>> Assign(const std::vector<GroupNode>& nodes);

 private:
  Status Validate(const std::string& name, const ResourceGroupConfig& config,
                  const std::map<std::string, ResourceGroupConfig>& groups) const;

  storage::MetaStore* const store_;
  const ResourceGroupManagerOptions options_;
};

// Whether `name` is a valid group name (Milvus: a letter or underscore first, then letters, digits
// and underscores, at most 255 characters).
Status CheckResourceGroupName(const std::string& name);

}  // namespace quiver::coord
