#include "coord/resource_groups.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "common/log.h"

namespace quiver::coord {

using Json = nlohmann::json;

namespace {

ResourceGroupConfig DefaultGroupConfig() {
  ResourceGroupConfig c;
  c.limits = kDefaultGroupLimit;
  return c;
}

std::string GroupKey(const std::string& name) { return kResourceGroupsPrefix + name; }
std::string ReplicaGroupsKey(int64_t collection_id) { return kReplicaGroupsPrefix + std::to_string(collection_id); }

Result<std::map<std::string, int32_t>> DecodeCounts(std::string_view record) {
  Json j = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("replica groups record is not a JSON object");
  std::map<std::string, int32_t> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_number_integer()) return Status::Corruption("replica groups record: a count is not an integer");
    out[it.key()] = it.value().get<int32_t>();
  }
  return out;
}

}  // namespace

Status CheckResourceGroupName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("resource group name must not be empty");
  if (name.size() > 255) return Status::InvalidArgument("resource group name is longer than 255 characters", name);
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return Status::InvalidArgument("resource group name must start with a letter or an underscore", name);
  }
  for (char ch : name) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) {
      return Status::InvalidArgument("resource group name may hold only letters, digits and underscores", name);
    }
  }
  return Status::OK();
}

std::string EncodeResourceGroupConfig(const ResourceGroupConfig& c) {
  Json j;
  j["requests"] = c.requests;
  j["limits"] = c.limits;
  j["transfer_from"] = c.transfer_from;
  j["transfer_to"] = c.transfer_to;
  if (!c.node_labels.empty()) j["node_labels"] = c.node_labels;
  return j.dump();
}

Result<ResourceGroupConfig> DecodeResourceGroupConfig(std::string_view record) {
  Json j = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("resource group record is not a JSON object");
  try {
    ResourceGroupConfig c;
    c.requests = j.at("requests").get<int32_t>();
    c.limits = j.at("limits").get<int32_t>();
    c.transfer_from = j.value("transfer_from", std::vector<std::string>{});
    c.transfer_to = j.value("transfer_to", std::vector<std::string>{});
    c.node_labels = j.value("node_labels", std::map<std::string, std::string>{});
    return c;
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("resource group record: ") + e.what());
  }
}

std::map<int64_t, std::string> AssignNodes(const std::map<std::string, ResourceGroupConfig>& groups,
                                           const std::vector<int64_t>& nodes,
                                           const std::map<int64_t, std::string>& current,
                                           const std::map<int64_t, std::map<std::string, std::string>>& labels) {
  static const std::map<std::string, std::string> kNoLabels;
  auto labels_of = [&](int64_t node) -> const std::map<std::string, std::string>& {
    auto it = labels.find(node);
    return it == labels.end() ? kNoLabels : it->second;
  };
  // The default group takes any node: a node that fits no group must be somewhere.
  auto fits = [&](int64_t node, const std::string& group) {
    return group == kDefaultResourceGroup || cluster::NodeFits(groups.at(group), labels_of(node));
  };
  std::map<std::string, std::set<int64_t>> members;
  for (const auto& [name, config] : groups) members[name];
  std::map<int64_t, std::string> out;
  for (int64_t node : nodes) {
    auto it = current.find(node);
    // A node stays in its group while the group exists and its filter admits the node.
    std::string group = it != current.end() && groups.count(it->second) && fits(node, it->second)
                            ? it->second
                            : kDefaultResourceGroup;
    out[node] = group;
    members[group].insert(node);
  }
  auto config = [&](const std::string& name) -> const ResourceGroupConfig& { return groups.at(name); };
  auto size = [&](const std::string& name) { return static_cast<int32_t>(members[name].size()); };
  // How many filtered groups a node fits: a node with labels some group asks for is the last to
  // go elsewhere.
  auto wanted = [&](int64_t node) {
    int n = 0;
    for (const auto& [name, c] : groups) n += !c.node_labels.empty() && fits(node, name);
    return n;
  };
  // The node of `from` that may join `to` and is wanted by the fewest filtered groups, the newest
  // of those (0 if none).
  auto candidate = [&](const std::string& from, const std::string& to) -> int64_t {
    int64_t best = 0;
    int best_wanted = 0;
    for (auto it = members[from].rbegin(); it != members[from].rend(); ++it) {
      if (!fits(*it, to)) continue;
      int w = wanted(*it);
      if (best == 0 || w < best_wanted) best = *it, best_wanted = w;
    }
    return best;
  };
  auto move = [&](int64_t node, const std::string& from, const std::string& to) {
    members[from].erase(node);
    members[to].insert(node);
    out[node] = to;
  };
  const bool has_default = groups.count(kDefaultResourceGroup) > 0;
  // Bounded: each move settles one node for good (over-limit groups only shrink, under-request
  // groups only take from groups above their requests).
  for (size_t round = 0; round < nodes.size() * (groups.size() + 1) + 1; ++round) {
    bool moved = false;
    // A group over its limit gives up a node.
    for (const auto& [name, c] : groups) {
      if (size(name) <= c.limits) continue;
      std::string to;
      int64_t node = 0;
      auto take = [&](const std::string& t) {
        if (t == name || !groups.count(t)) return false;
        node = candidate(name, t);
        if (node == 0) return false;
        to = t;
        return true;
      };
      for (const std::string& t : c.transfer_to) {
        if (groups.count(t) && size(t) < config(t).limits && take(t)) break;
      }
      if (to.empty()) {
        for (const auto& [other, oc] : groups) {
          if (size(other) < oc.requests && take(other)) break;
        }
      }
      if (to.empty() && has_default && name != kDefaultResourceGroup) take(kDefaultResourceGroup);
      if (to.empty()) continue;
      move(node, name, to);
      moved = true;
    }
    // A group under its requests takes a node that may join it.
    for (const auto& [name, c] : groups) {
      if (size(name) >= c.requests) continue;
      std::string from;
      int64_t node = 0;
      auto spare = [&](const std::string& g) {
        if (g == name || !groups.count(g) || size(g) <= config(g).requests) return false;
        node = candidate(g, name);
        if (node == 0) return false;
        from = g;
        return true;
      };
      bool found = false;
      for (const std::string& f : c.transfer_from) {
        if ((found = spare(f))) break;
      }
      if (!found) found = spare(kDefaultResourceGroup);
      if (!found) {
        for (const auto& [other, oc] : groups) {
          if ((found = spare(other))) break;
        }
      }
      if (!found) continue;
      move(node, from, name);
      moved = true;
    }
    if (!moved) break;
  }
  return out;
}

ResourceGroupManager::ResourceGroupManager(storage::MetaStore* store, ResourceGroupManagerOptions options)
    : store_(store), options_(std::move(options)) {}

Result<std::map<std::string, ResourceGroupConfig>> ResourceGroupManager::Groups() {
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store_->Range(kResourceGroupsPrefix));
  std::map<std::string, ResourceGroupConfig> out;
  out[kDefaultResourceGroup] = DefaultGroupConfig();
  for (const auto& kv : range.kvs) {
    QUIVER_ASSIGN_OR_RETURN(ResourceGroupConfig c, DecodeResourceGroupConfig(kv.value));
    out[kv.key.substr(std::string(kResourceGroupsPrefix).size())] = std::move(c);
  }
  return out;
}

Status ResourceGroupManager::Validate(const std::string& name, const ResourceGroupConfig& c,
                                      const std::map<std::string, ResourceGroupConfig>& groups) const {
  if (c.requests < 0 || c.limits < 0) {
    return Status::InvalidArgument("resource group requests and limits node_num must not be negative", name);
  }
  if (c.limits < c.requests) {
    return Status::InvalidArgument("resource group limits node_num (" + std::to_string(c.limits) +
                                       ") must not be below its requests node_num (" + std::to_string(c.requests) + ")",
                                   name);
  }
  for (const auto& [key, value] : c.node_labels) {
    if (key.empty()) return Status::InvalidArgument("a resource group node_filter label needs a key", name);
  }
  if (name == kDefaultResourceGroup && !c.node_labels.empty()) {
    return Status::InvalidArgument("the default resource group takes every node: it cannot have a node_filter", name);
  }
  for (const auto* list : {&c.transfer_from, &c.transfer_to}) {
    for (const std::string& g : *list) {
      if (g == name) return Status::InvalidArgument("a resource group cannot transfer nodes to or from itself", name);
      if (!groups.count(g)) return cluster::ResourceGroupNotFound(g, " (in transfer_from/transfer_to)");
    }
  }
  return Status::OK();
}

Status ResourceGroupManager::Create(const std::string& name, const ResourceGroupConfig& config) {
  QUIVER_RETURN_IF_ERROR(CheckResourceGroupName(name));
  QUIVER_ASSIGN_OR_RETURN(auto groups, Groups());
  auto existing = groups.find(name);
  if (existing != groups.end()) {
    // Declarative: creating what exists with the same configuration changes nothing.
    if (existing->second == config) return Status::OK();
    return Status::AlreadyExists("resource group " + name + " already exists with another configuration", name);
  }
  QUIVER_RETURN_IF_ERROR(Validate(name, config, groups));
  storage::TxnRequest txn;
  txn.compares.push_back(storage::Compare::Absent(GroupKey(name)));
  txn.success.push_back(storage::TxnOp::Put(GroupKey(name), EncodeResourceGroupConfig(config)));
  QUIVER_ASSIGN_OR_RETURN(storage::TxnResponse done, store_->Txn(txn));
  if (!done.succeeded) return Status::AlreadyExists("resource group " + name + " was created concurrently", name);
  QUIVER_LOG(INFO) << "resource group created" << Kv("name", name) << Kv("requests", config.requests)
                   << Kv("limits", config.limits);
  return Status::OK();
}

Status ResourceGroupManager::Update(const std::map<std::string, ResourceGroupConfig>& configs) {
  QUIVER_ASSIGN_OR_RETURN(auto groups, Groups());
  for (const auto& [name, config] : configs) {
    if (!groups.count(name)) return cluster::ResourceGroupNotFound(name);
  }
  for (const auto& [name, config] : configs) QUIVER_RETURN_IF_ERROR(Validate(name, config, groups));
  storage::TxnRequest txn;
  for (const auto& [name, config] : configs) txn.success.push_back(storage::TxnOp::Put(GroupKey(name), EncodeResourceGroupConfig(config)));
  QUIVER_RETURN_IF_ERROR(store_->Txn(txn).status());
  for (const auto& [name, config] : configs) {
    QUIVER_LOG(INFO) << "resource group updated" << Kv("name", name) << Kv("requests", config.requests)
                     << Kv("limits", config.limits);
  }
  return Status::OK();
}

Status ResourceGroupManager::Drop(const std::string& name) {
  if (name == kDefaultResourceGroup) return Status::InvalidArgument("the default resource group cannot be dropped", name);
  QUIVER_ASSIGN_OR_RETURN(auto groups, Groups());
  auto it = groups.find(name);
  if (it == groups.end()) return Status::OK();  // Milvus: dropping a group that does not exist succeeds
  if (it->second.requests != 0 || it->second.limits != 0) {
    return Status::FailedPrecondition("resource group " + name +
                                          " still requests or may hold nodes: update its requests and limits node_num to 0 first",
                                      name);
  }
  QUIVER_ASSIGN_OR_RETURN(auto loaded, AllReplicaGroups());
  for (const auto& [collection_id, counts] : loaded) {
    auto c = counts.find(name);
    if (c != counts.end() && c->second > 0) {
      return Status::FailedPrecondition("resource group " + name + " holds replicas of collection " +
                                            std::to_string(collection_id) + ": release or transfer them first",
                                        name);
    }
  }
  for (const auto& [other, config] : groups) {
    for (const auto* list : {&config.transfer_from, &config.transfer_to}) {
      if (std::find(list->begin(), list->end(), name) != list->end()) {
        return Status::FailedPrecondition("resource group " + other + " names " + name +
                                              " in transfer_from/transfer_to: update it first",
                                          name);
      }
    }
  }
  QUIVER_RETURN_IF_ERROR(store_->Delete(GroupKey(name)).status());
  QUIVER_LOG(INFO) << "resource group dropped" << Kv("name", name);
  return Status::OK();
}

Status ResourceGroupManager::TransferNode(const std::string& source, const std::string& target, int32_t count) {
  if (count <= 0) return Status::InvalidArgument("num_node must be positive");
  if (source == target) return Status::InvalidArgument("source and target resource groups are the same", source);
  QUIVER_ASSIGN_OR_RETURN(auto groups, Groups());
  if (!groups.count(source)) return cluster::ResourceGroupNotFound(source);
  if (!groups.count(target)) return cluster::ResourceGroupNotFound(target);
  QUIVER_ASSIGN_OR_RETURN(std::vector<GroupNode> nodes, NodesOf(source));
  if (static_cast<int32_t>(nodes.size()) < count) {
    return Status::InvalidArgument("resource group " + source + " has " + std::to_string(nodes.size()) +
                                       " nodes, fewer than the " + std::to_string(count) + " to transfer",
                                   source);
  }
  ResourceGroupConfig from = groups[source], to = groups[target];
  from.requests = std::max(0, from.requests - count);
  from.limits = std::max(from.requests, std::min(from.limits, static_cast<int32_t>(nodes.size()) - count));
  to.requests += count;
  to.limits = std::max(to.limits, to.requests);
  return Update({{source, from}, {target, to}});
}

Result<std::map<int64_t, std::string>> ResourceGroupManager::Assign(const std::vector<GroupNode>& nodes) {
  QUIVER_ASSIGN_OR_RETURN(auto groups, Groups());
  std::map<int64_t, std::string> current;
  QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> stored, store_->Get(kResourceGroupNodesKey));
  if (stored) {
    Json j = Json::parse(stored->value, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_string()) current[std::strtoll(it.key().c_str(), nullptr, 10)] = it.value().get<std::string>();
      }
    }
  }
  std::vector<int64_t> ids;
  std::map<int64_t, std::map<std::string, std::string>> labels;
  for (const GroupNode& n : nodes) {
    ids.push_back(n.node_id);
    if (!n.labels.empty()) labels[n.node_id] = n.labels;
  }
  std::sort(ids.begin(), ids.end());
  std::map<int64_t, std::string> next = AssignNodes(groups, ids, current, labels);
  if (next != current) {
    Json j = Json::object();
    for (const auto& [node, group] : next) j[std::to_string(node)] = group;
    QUIVER_RETURN_IF_ERROR(store_->Put(kResourceGroupNodesKey, j.dump()).status());
    for (const auto& [node, group] : next) {
      auto it = current.find(node);
      if (it == current.end() || it->second != group) {
        QUIVER_LOG(INFO) << "query node assigned to a resource group" << Kv("node_id", node) << Kv("group", group);
      }
    }
  }
  return next;
}

Result<std::vector<GroupNode>> ResourceGroupManager::NodesOf(const std::string& group) {
  QUIVER_ASSIGN_OR_RETURN(std::vector<GroupNode> nodes, options_.nodes());
  QUIVER_ASSIGN_OR_RETURN(auto assignment, Assign(nodes));
  std::vector<GroupNode> out;
  for (const GroupNode& n : nodes) {
    auto it = assignment.find(n.node_id);
    if (it != assignment.end() && it->second == group) out.push_back(n);
  }
  return out;
}

Result<std::map<std::string, int32_t>> ResourceGroupManager::Distribution(int32_t replica_number,
                                                                           const std::vector<std::string>& named) {
  std::vector<std::string> groups = named;
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  if (groups.size() != named.size()) return Status::InvalidArgument("a resource group is named twice");
  if (groups.empty()) groups.push_back(kDefaultResourceGroup);
  if (groups.size() > 1 && static_cast<int32_t>(groups.size()) != replica_number) {
    return Status::InvalidArgument("replica number " + std::to_string(replica_number) + " with " +
                                   std::to_string(groups.size()) +
                                   " resource groups: name none or one group, or as many groups as replicas");
  }
  QUIVER_ASSIGN_OR_RETURN(auto configs, Groups());
  std::map<std::string, int32_t> out;
  for (const std::string& g : groups) {
    if (!configs.count(g)) return cluster::ResourceGroupNotFound(g);
    out[g] = groups.size() == 1 ? replica_number : 1;
  }
  for (const auto& [g, n] : out) {
    QUIVER_ASSIGN_OR_RETURN(std::vector<GroupNode> nodes, NodesOf(g));
    if (static_cast<int32_t>(nodes.size()) < n) {
      return Status::InvalidArgument("resource group " + g + " has " + std::to_string(nodes.size()) +
                                         " query nodes available, fewer than its " + std::to_string(n) + " replicas",
                                     g);
    }
  }
  return out;
}

Result<std::map<std::string, int32_t>> ResourceGroupManager::ReplicaGroups(int64_t collection_id) {
  QUIVER_ASSIGN_OR_RETURN(std::optional<storage::KeyValue> stored, store_->Get(ReplicaGroupsKey(collection_id)));
  if (!stored) return std::map<std::string, int32_t>{};
  return DecodeCounts(stored->value);
}

Status ResourceGroupManager::SetReplicaGroups(int64_t collection_id, const std::map<std::string, int32_t>& groups) {
  Json j = Json::object();
  for (const auto& [g, n] : groups) {
    if (n > 0) j[g] = n;
  }
  return store_->Put(ReplicaGroupsKey(collection_id), j.dump()).status();
}

Status ResourceGroupManager::ClearReplicaGroups(int64_t collection_id) {
  return store_->Delete(ReplicaGroupsKey(collection_id)).status();
}

Result<std::map<int64_t, std::map<std::string, int32_t>>> ResourceGroupManager::AllReplicaGroups() {
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store_->Range(kReplicaGroupsPrefix));
  std::map<int64_t, std::map<std::string, int32_t>> out;
  for (const auto& kv : range.kvs) {
    const int64_t id = std::strtoll(kv.key.c_str() + std::string(kReplicaGroupsPrefix).size(), nullptr, 10);
    QUIVER_ASSIGN_OR_RETURN(out[id], DecodeCounts(kv.value));
  }
  return out;
}

Status ResourceGroupManager::TransferReplica(int64_t collection_id, const std::string& source,
                                             const std::string& target, int64_t count) {
  if (count <= 0) return Status::InvalidArgument("num_replica must be positive");
  if (source == target) return Status::InvalidArgument("source and target resource groups are the same", source);
  QUIVER_ASSIGN_OR_RETURN(auto configs, Groups());
  if (!configs.count(source)) return cluster::ResourceGroupNotFound(source);
  if (!configs.count(target)) return cluster::ResourceGroupNotFound(target);
  QUIVER_ASSIGN_OR_RETURN(auto groups, ReplicaGroups(collection_id));
  if (groups[source] < count) {
    return Status::InvalidArgument("resource group " + source + " holds " + std::to_string(groups[source]) +
                                       " replicas of the collection, fewer than the " + std::to_string(count) +
                                       " to transfer",
                                   source);
  }
  QUIVER_ASSIGN_OR_RETURN(std::vector<GroupNode> nodes, NodesOf(target));
  if (static_cast<int64_t>(nodes.size()) < groups[target] + count) {
    return Status::InvalidArgument("resource group " + target + " has " + std::to_string(nodes.size()) +
                                       " query nodes available, fewer than the " +
                                       std::to_string(groups[target] + count) + " replicas it would hold",
                                   target);
  }
  groups[source] -= static_cast<int32_t>(count);
  groups[target] += static_cast<int32_t>(count);
  QUIVER_RETURN_IF_ERROR(SetReplicaGroups(collection_id, groups));
  QUIVER_LOG(INFO) << "replicas transferred" << Kv("collection_id", collection_id) << Kv("from", source)
                   << Kv("to", target) << Kv("count", count);
  return Status::OK();
}

}  // namespace quiver::coord
