// Resource groups at the proxy (docs/design/replicas.md): the configuration goes to the
// cluster::ResourceGroups contract; loads name the groups their replicas go to.

#include <algorithm>

#include "cluster/errors.h"
#include "proxy/proxy.h"

namespace quiver::proxy {

using cluster::kDefaultResourceGroup;

Result<cluster::ResourceGroups*> Proxy::Groups() const {
  if (options_.resource_groups == nullptr) return Status::NotSupported("resource groups are not available on this server");
  return options_.resource_groups;
}

Status Proxy::CreateResourceGroup(const std::string& name, const cluster::ResourceGroupConfig& config) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  return groups->Create(name, config);
}

Status Proxy::DropResourceGroup(const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  return groups->Drop(name);
}

Status Proxy::UpdateResourceGroups(const std::map<std::string, cluster::ResourceGroupConfig>& configs) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  if (configs.empty()) return Status::InvalidArgument("no resource group to update");
  return groups->Update(configs);
}

Status Proxy::TransferNode(const std::string& source, const std::string& target, int32_t count) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  return groups->TransferNode(source, target, count);
}

Status Proxy::TransferReplica(const std::string& source, const std::string& target, const std::string& db,
                              const std::string& collection, int64_t count) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  MutexLock lock(&LoadLock(c->id));
  QUIVER_ASSIGN_OR_RETURN(auto current, coord_->DescribeCollectionById(c->id));
  if (!current->loaded()) return cluster::CollectionNotLoaded(current->name);
  QUIVER_ASSIGN_OR_RETURN(auto placed, groups->ReplicaGroups(c->id));
  if (placed.empty()) {
    // Never placed in a group: all its replicas are in the default group.
    QUIVER_RETURN_IF_ERROR(groups->SetReplicaGroups(c->id, {{kDefaultResourceGroup, current->replica_number}}));
  }
  return groups->TransferReplica(c->id, source, target, count);
}

Result<std::vector<std::string>> Proxy::ListResourceGroups() {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  QUIVER_ASSIGN_OR_RETURN(auto configs, groups->Groups());
  std::vector<std::string> names;
  for (const auto& [name, config] : configs) names.push_back(name);
  return names;
}

Result<ResourceGroupView> Proxy::DescribeResourceGroup(const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::ResourceGroups * groups, Groups());
  QUIVER_ASSIGN_OR_RETURN(auto configs, groups->Groups());
  auto it = configs.find(name);
  if (it == configs.end()) return cluster::ResourceGroupNotFound(name);
  ResourceGroupView view;
  view.name = name;
  view.config = it->second;
  QUIVER_ASSIGN_OR_RETURN(view.nodes, groups->NodesOf(name));
  QUIVER_ASSIGN_OR_RETURN(auto placed, groups->AllReplicaGroups());
  std::set<int64_t> counted;
  for (const auto& [collection_id, counts] : placed) {
    auto n = counts.find(name);
    Result<cluster::CollectionPtr> c = coord_->DescribeCollectionById(collection_id);
    if (!c.ok() || !(*c)->loaded()) continue;
    counted.insert(collection_id);
    if (n != counts.end() && n->second > 0) view.loaded_replicas[(*c)->name] = n->second;
  }
  // Replicas on nodes of another group: transitional, until their own group has a node for them.
  std::set<int64_t> mine;
  for (const auto& n : view.nodes) mine.insert(n.node_id);
  QUIVER_ASSIGN_OR_RETURN(auto collections, coord_->ListAllCollections());
  for (const auto& c : collections) {
    if (!c->loaded()) continue;
    Result<std::vector<cluster::ReplicaView>> replicas = Replicas(c->id);
    if (!replicas.ok()) continue;
    for (const auto& r : *replicas) {
      for (const auto& n : r.nodes) {
        const bool here = mine.count(n.node_id) > 0;
        if (here && r.resource_group != name) ++view.outgoing_nodes[c->name];
        if (!here && r.resource_group == name) ++view.incoming_nodes[c->name];
      }
    }
  }
  if (name == kDefaultResourceGroup) {
    // Collections loaded without naming a group have every replica in the default group.
    for (const auto& c : collections) {
      if (c->loaded() && !counted.count(c->id)) view.loaded_replicas[c->name] = c->replica_number;
    }
  }
  return view;
}

Result<std::vector<cluster::ReplicaView>> Proxy::Replicas(int64_t collection_id) {
  QUIVER_ASSIGN_OR_RETURN(std::vector<cluster::ReplicaView> replicas, querynode_->Replicas(collection_id));
  // A query node client that does not know the groups (standalone's own query node): the
  // collection's one group, when it has one.
  std::string group = kDefaultResourceGroup;
  if (options_.resource_groups != nullptr) {
    QUIVER_ASSIGN_OR_RETURN(auto placed, options_.resource_groups->ReplicaGroups(collection_id));
    for (const auto& [g, n] : placed) {
      if (n > 0) group = g;
    }
  }
  for (cluster::ReplicaView& r : replicas) {
    if (r.resource_group.empty()) r.resource_group = group;
  }
  return replicas;
}

Status Proxy::PlaceInGroups(const cluster::CollectionInfo& current, int32_t replicas,
                            const std::vector<std::string>& named,
                            std::optional<std::map<std::string, int32_t>>* previous) {
  cluster::ResourceGroups* groups = options_.resource_groups;
  if (groups == nullptr) {
    for (const std::string& g : named) {
      if (g != kDefaultResourceGroup) return Status::NotSupported("resource group " + g + " is not available on this server");
    }
    return Status::OK();
  }
  QUIVER_ASSIGN_OR_RETURN(auto placed, groups->ReplicaGroups(current.id));
  int32_t placed_total = 0;
  bool only_default = true;
  for (const auto& [g, n] : placed) {
    placed_total += n;
    if (g != kDefaultResourceGroup && n > 0) only_default = false;
  }
  std::map<std::string, int32_t> wanted;
  if (!named.empty()) {
    QUIVER_ASSIGN_OR_RETURN(wanted, groups->Distribution(replicas, named));
  } else if (placed.empty()) {
    return Status::OK();  // never placed in a group: the default group (the coordinator counts its nodes)
  } else if (only_default) {
    wanted = {{kDefaultResourceGroup, replicas}};
  } else if (current.loaded() && placed_total == replicas) {
    return Status::OK();  // no group named, the same number: the replicas stay where they are
  } else {
    QUIVER_ASSIGN_OR_RETURN(wanted, groups->Distribution(replicas, {}));
  }
  if (wanted == placed) return Status::OK();
  QUIVER_RETURN_IF_ERROR(groups->SetReplicaGroups(current.id, wanted));
  *previous = placed;
  return Status::OK();
}

}  // namespace quiver::proxy
