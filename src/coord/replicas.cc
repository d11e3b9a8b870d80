#include "coord/replicas.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "cluster/session.h"
#include "common/log.h"

namespace quiver::coord {

using Json = nlohmann::json;

std::vector<Replica> CollectionReplicas::Serving() const {
  std::vector<Replica> out;
  for (const Replica& r : replicas) {
    if (r.serving) out.push_back(r);
  }
  return out;
}

std::string EncodeReplicas(const CollectionReplicas& c) {
  Json j;
  j["collection_id"] = c.collection_id;
  j["replica_number"] = c.replica_number;
  j["next_id"] = c.next_id;
  j["replicas"] = Json::array();
  for (const Replica& r : c.replicas) {
    j["replicas"].push_back({{"id", r.id},
                             {"node_id", r.node_id},
                             {"address", r.address},
                             {"serving", r.serving},
                             {"replaces", r.replaces},
                             {"resource_group", r.resource_group}});
  }
  return j.dump();
}

Result<CollectionReplicas> DecodeReplicas(std::string_view record) {
  Json j = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("replica record is not a JSON object");
  try {
    CollectionReplicas c;
    c.collection_id = j.at("collection_id").get<int64_t>();
    c.replica_number = j.at("replica_number").get<int32_t>();
    c.next_id = j.at("next_id").get<int64_t>();
    for (const Json& r : j.at("replicas")) {
      c.replicas.push_back({r.at("id").get<int64_t>(), r.at("node_id").get<int64_t>(), r.at("address").get<std::string>(),
                            r.at("serving").get<bool>(), r.value("replaces", int64_t{0}),
                            r.value("resource_group", std::string(kDefaultResourceGroup))});
    }
    return c;
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("replica record: ") + e.what());
  }
}

std::string ReplicasKey(int64_t collection_id) { return kReplicasPrefix + std::to_string(collection_id); }
std::string DrainKey(int64_t node_id) { return kDrainPrefix + std::to_string(node_id); }

Result<std::map<int64_t, CollectionReplicas>> ListReplicas(storage::MetaStore* store) {
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult range, store->Range(kReplicasPrefix));
  std::map<int64_t, CollectionReplicas> out;
  for (const auto& kv : range.kvs) {
    QUIVER_ASSIGN_OR_RETURN(CollectionReplicas c, DecodeReplicas(kv.value));
    out[c.collection_id] = std::move(c);
  }
  return out;
}

namespace {

bool Holds(const CollectionReplicas& c, int64_t node_id) {
  return std::any_of(c.replicas.begin(), c.replicas.end(), [&](const Replica& r) { return r.node_id == node_id; });
}

Replica* FindReplica(CollectionReplicas* c, int64_t id) {
  for (Replica& r : c->replicas) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Replaced(const CollectionReplicas& c, int64_t id) {
  return std::any_of(c.replicas.begin(), c.replicas.end(), [&](const Replica& r) { return r.replaces == id; });
}

}  // namespace

PlanOutput PlanReplicas(const PlanInput& in) {
  PlanOutput out;
  std::map<int64_t, const QueryNodeState*> live;
  for (const QueryNodeState& n : in.nodes) live[n.node_id] = &n;
  // Whether `node_id` can hold a replica of group `group`.
  auto eligible = [&](int64_t node_id, const std::string& group) {
    auto it = live.find(node_id);
    return it != live.end() && !it->second->draining && it->second->resource_group == group;
  };
  for (const auto& [id, record] : in.current) {
    if (!in.wanted.count(id)) out.remove.push_back(id);
  }

  std::map<int64_t, CollectionReplicas> next;
  std::map<int64_t, std::map<std::string, int32_t>> desired;  // replicas per group
  for (const auto& [id, number] : in.wanted) {
    auto found = in.current.find(id);
    CollectionReplicas c = found != in.current.end() ? found->second : CollectionReplicas{id, number, 1, {}};
    c.replica_number = std::max(1, number);
    std::map<std::string, int32_t>& want = desired[id];
    auto g = in.groups.find(id);
    int32_t sum = 0;
    if (g != in.groups.end()) {
      for (const auto& [group, n] : g->second) sum += n;
    }
    if (g != in.groups.end() && sum == c.replica_number) {
      want = g->second;
    } else {
      want = {{kDefaultResourceGroup, c.replica_number}};
    }
    // Replicas of nodes that are gone go; the others serve once loaded.
    std::erase_if(c.replicas, [&](const Replica& r) { return !live.count(r.node_id); });
    for (Replica& r : c.replicas) {
      if (!r.serving && in.loaded && in.loaded(r.node_id, r.address, id)) r.serving = true;
    }
    for (Replica& r : c.replicas) {
      if (r.replaces != 0 && FindReplica(&c, r.replaces) == nullptr) r.replaces = 0;  // nothing left to take over
    }
    // A move whose new replica serves: the old one goes.
    std::vector<int64_t> finished;
    for (Replica& r : c.replicas) {
      if (r.serving && r.replaces != 0) {
        finished.push_back(r.replaces);
        r.replaces = 0;
      }
    }
    std::erase_if(c.replicas, [&](const Replica& r) {
      return std::find(finished.begin(), finished.end(), r.id) != finished.end();
    });
    next[id] = std::move(c);
  }

  std::map<int64_t, int> load;  // replicas per node that can hold them
  for (const auto& [node_id, node] : live) {
    if (!node->draining) load[node_id] = 0;
  }
  for (const auto& [id, c] : next) {
    for (const Replica& r : c.replicas) {
      if (load.count(r.node_id)) ++load[r.node_id];
    }
  }
  // The least loaded node of `group` without a replica of `c` (lowest id on ties).
  auto pick = [&](const CollectionReplicas& c, const std::string& group) -> const QueryNodeState* {
    const QueryNodeState* best = nullptr;
    for (const auto& [node_id, count] : load) {
      if (Holds(c, node_id) || live[node_id]->resource_group != group) continue;
      if (best == nullptr || count < load[best->node_id]) best = live[node_id];
    }
    return best;
  };
  auto add = [&](CollectionReplicas* c, const QueryNodeState* node, int64_t replaces, const std::string& group) {
    c->replicas.push_back({c->next_id++, node->node_id, node->address, false, replaces, group});
    ++load[node->node_id];
    QUIVER_LOG(INFO) << "replica placed" << Kv("collection_id", c->collection_id) << Kv("replica", c->next_id - 1)
                     << Kv("node_id", node->node_id) << Kv("group", group) << Kv("replaces", replaces);
  };
  auto retiring = [&](const CollectionReplicas& c, const Replica& r) {
    return !eligible(r.node_id, r.resource_group) || Replaced(c, r.id);
  };
  // Replicas that stay (of `group`, or of every group when empty).
  auto active_count = [&](const CollectionReplicas& c, const std::string& group, bool serving_only) {
    int n = 0;
    for (const Replica& r : c.replicas) {
      if (!group.empty() && r.resource_group != group) continue;
      if (!retiring(c, r) && (!serving_only || r.serving)) ++n;
    }
    return n;
  };

  bool in_flight = false;
  for (auto& [id, c] : next) {
    std::map<std::string, int32_t>& want = desired[id];
    // Transferred replicas: a group with more than it should have hands one over to a group with
    // fewer (it then moves to a node of its new group, loading first).
    for (Replica& r : c.replicas) {
      if (Replaced(c, r.id) || r.replaces != 0) continue;
      const std::string from = r.resource_group;
      auto surplus = [&](const std::string& g) {
        int n = 0;
        for (const Replica& x : c.replicas) {
          if (x.resource_group == g && !Replaced(c, x.id)) ++n;
        }
        auto w = want.find(g);
        return n - (w == want.end() ? 0 : w->second);
      };
      if (surplus(from) <= 0) continue;
      for (const auto& [to, n] : want) {
        if (to != from && surplus(to) < 0) {
          QUIVER_LOG(INFO) << "replica transferred" << Kv("collection_id", id) << Kv("replica", r.id)
                           << Kv("from", from) << Kv("to", to);
          r.resource_group = to;
          break;
        }
      }
    }
    // Replicas on nodes that cannot hold them (draining, moved to another group, transferred):
    // dropped when enough others serve, else moved.
    std::vector<std::pair<int64_t, std::string>> moving;
    for (const Replica& r : c.replicas) {
      if (!eligible(r.node_id, r.resource_group) && !Replaced(c, r.id)) moving.emplace_back(r.id, r.resource_group);
    }
    for (const auto& [rid, group] : moving) {
      auto w = want.find(group);
      const int32_t wanted_here = w == want.end() ? 0 : w->second;
      if (active_count(c, group, false) >= wanted_here && active_count(c, "", true) > 0) {
        std::erase_if(c.replicas, [&](const Replica& r) { return r.id == rid; });
        continue;
      }
      if (const QueryNodeState* node = pick(c, group)) add(&c, node, rid, group);
    }
    for (const auto& [group, n] : want) {
      while (active_count(c, group, false) < n) {
        const QueryNodeState* node = pick(c, group);
        if (node == nullptr) break;  // under-replicated until a node joins the group
        add(&c, node, 0, group);
      }
    }
    // Fewer replicas wanted (in a group): drop one not serving first, else one on the busiest node.
    auto over = [&](std::string* group) {
      for (const Replica& r : c.replicas) {
        if (retiring(c, r)) continue;
        auto w = want.find(r.resource_group);
        if (active_count(c, r.resource_group, false) > (w == want.end() ? 0 : w->second)) {
          *group = r.resource_group;
          return true;
        }
      }
      return false;
    };
    std::string group;
    while (over(&group)) {
      const Replica* victim = nullptr;
      for (const Replica& r : c.replicas) {
        if (retiring(c, r) || r.resource_group != group) continue;
        auto better = [&](const Replica& a, const Replica& b) {
          if (a.serving != b.serving) return !a.serving;
          return load[a.node_id] > load[b.node_id];
        };
        if (victim == nullptr || better(r, *victim)) victim = &r;
      }
      if (victim == nullptr) break;
      int64_t rid = victim->id;
      if (load.count(victim->node_id)) --load[victim->node_id];
      std::erase_if(c.replicas, [&](const Replica& r) { return r.id == rid; });
    }
    for (const Replica& r : c.replicas) {
      if (!r.serving || r.replaces != 0 || !eligible(r.node_id, r.resource_group)) in_flight = true;
    }
  }

  // Rebalance within a group, one move at a time, when nothing else is moving.
  if (!in_flight) {
    std::map<std::string, std::vector<std::pair<int64_t, int>>> by_group;
    for (const auto& [node_id, count] : load) by_group[live[node_id]->resource_group].emplace_back(node_id, count);
    for (const auto& [group, nodes] : by_group) {
      if (nodes.size() < 2) continue;
      auto [low, high] = std::minmax_element(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
        return a.second < b.second || (a.second == b.second && a.first < b.first);
      });
      if (high->second - low->second < 2) continue;
      const int64_t from = high->first, to = low->first;
      bool moved = false;
      for (auto& [id, c] : next) {
        if (Holds(c, to)) continue;
        Replica* source = nullptr;
        for (Replica& r : c.replicas) {
          if (r.node_id == from) source = &r;
        }
        if (source == nullptr) continue;
        const int64_t rid = source->id;
        const std::string g = source->resource_group;
        --load[from];
        add(&c, live[to], rid, g);
        moved = true;
        break;
      }
      if (moved) break;
    }
  }

  for (auto& [id, c] : next) {
    auto found = in.current.find(id);
    if (found == in.current.end() || !(found->second == c)) out.put[id] = std::move(c);
  }
  return out;
}

Result<std::map<int64_t, cluster::SessionInfo>> UndrainedSessions(storage::MetaStore* store, const std::string& role) {
  QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(store, role));
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult drains, store->Range(kDrainPrefix));
  std::set<std::string> draining;
  for (const auto& kv : drains.kvs) draining.insert(kv.key);
  std::erase_if(sessions, [&](const auto& entry) { return draining.count(DrainKey(entry.first)) > 0; });
  return sessions;
}

Result<std::vector<GroupNode>> LiveQueryNodes(storage::MetaStore* store) {
  QUIVER_ASSIGN_OR_RETURN(auto sessions, UndrainedSessions(store, "querynode"));
  std::vector<GroupNode> out;
  for (const auto& [node_id, info] : sessions) out.push_back({node_id, info.address, info.labels});
  return out;
}

ReplicaManager::ReplicaManager(storage::MetaStore* store, cluster::CatalogReader* catalog, ReplicaManagerOptions options)
    : store_(store),
      catalog_(catalog),
      options_(std::move(options)),
      groups_(store, ResourceGroupManagerOptions{[store] { return LiveQueryNodes(store); }}) {}

ReplicaManager::~ReplicaManager() { Stop(); }

void ReplicaManager::Start() {
  MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ReplicaManager::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void ReplicaManager::Kick() {
  MutexLock lock(&mu_);
  kicked_ = true;
  cv_.SignalAll();
}

void ReplicaManager::Loop() {
  std::string last_error;
  while (true) {
    {
      MutexLock lock(&mu_);
      if (!kicked_ && !stop_) cv_.WaitFor(options_.interval);
      if (stop_) return;
      kicked_ = false;
    }
    Status round = RunOnce();
    if (!round.ok() && round.ToString() != last_error) {
      QUIVER_LOG(WARN) << "replica placement round failed" << Kv("error", round.ToString());
    }
    last_error = round.ok() ? "" : round.ToString();
  }
}

Result<int32_t> ReplicaManager::Capacity() {
  QUIVER_ASSIGN_OR_RETURN(std::vector<GroupNode> nodes, LiveQueryNodes(store_));
  return static_cast<int32_t>(nodes.size());
}

Status ReplicaManager::RunOnce() {
  MutexLock round(&round_mu_);
  PlanInput input;
  QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(store_, "querynode"));
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult drains, store_->Range(kDrainPrefix));
  std::set<std::string> draining;
  for (const auto& kv : drains.kvs) draining.insert(kv.key);
  std::vector<GroupNode> assignable;  // the nodes that can hold replicas: not draining
  for (const auto& [node_id, info] : sessions) {
    const bool drains_now = draining.count(DrainKey(node_id)) > 0;
    input.nodes.push_back({node_id, info.address, drains_now});
    if (!drains_now) assignable.push_back({node_id, info.address, info.labels});
  }
  QUIVER_ASSIGN_OR_RETURN(auto assignment, groups_.Assign(assignable));
  for (QueryNodeState& node : input.nodes) {
    auto group = assignment.find(node.node_id);
    if (group != assignment.end()) node.resource_group = group->second;
  }
  QUIVER_ASSIGN_OR_RETURN(input.groups, groups_.AllReplicaGroups());
  QUIVER_ASSIGN_OR_RETURN(auto collections, catalog_->ListAllCollections());
  for (const auto& c : collections) {
    if (c->loaded()) input.wanted[c->id] = c->replica_number;
  }
  QUIVER_ASSIGN_OR_RETURN(input.current, ListReplicas(store_));
  input.loaded = [this](int64_t, const std::string& address, int64_t collection_id) {
    if (!options_.progress) return false;
    Result<int64_t> progress = options_.progress(address, collection_id);
    return progress.ok() && *progress >= 100;
  };
  PlanOutput plan = PlanReplicas(input);
  for (int64_t id : plan.remove) {
    QUIVER_RETURN_IF_ERROR(store_->Delete(ReplicasKey(id)).status());
  }
  for (const auto& [id, record] : plan.put) {
    QUIVER_RETURN_IF_ERROR(store_->Put(ReplicasKey(id), EncodeReplicas(record)).status());
  }
  return Status::OK();
}

}  // namespace quiver::coord
