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
                             {"replaces", r.replaces}});
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
                            r.at("serving").get<bool>(), r.value("replaces", int64_t{0})});
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
  auto eligible = [&](int64_t node_id) {
    auto it = live.find(node_id);
    return it != live.end() && !it->second->draining;
  };
  for (const auto& [id, record] : in.current) {
    if (!in.wanted.count(id)) out.remove.push_back(id);
  }

  std::map<int64_t, CollectionReplicas> next;
  for (const auto& [id, number] : in.wanted) {
    auto found = in.current.find(id);
    CollectionReplicas c = found != in.current.end() ? found->second : CollectionReplicas{id, number, 1, {}};
    c.replica_number = std::max(1, number);
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

  std::map<int64_t, int> load;  // replicas per eligible node
  for (const auto& [node_id, node] : live) {
    if (!node->draining) load[node_id] = 0;
  }
  for (const auto& [id, c] : next) {
    for (const Replica& r : c.replicas) {
      if (load.count(r.node_id)) ++load[r.node_id];
    }
  }
  // The least loaded eligible node without a replica of `c` (lowest id on ties).
  auto pick = [&](const CollectionReplicas& c) -> const QueryNodeState* {
    const QueryNodeState* best = nullptr;
    for (const auto& [node_id, count] : load) {
      if (Holds(c, node_id)) continue;
      if (best == nullptr || count < load[best->node_id]) best = live[node_id];
    }
    return best;
  };
  auto add = [&](CollectionReplicas* c, const QueryNodeState* node, int64_t replaces) {
    c->replicas.push_back({c->next_id++, node->node_id, node->address, false, replaces});
    ++load[node->node_id];
    QUIVER_LOG(INFO) << "replica placed" << Kv("collection_id", c->collection_id) << Kv("replica", c->next_id - 1)
                     << Kv("node_id", node->node_id) << Kv("replaces", replaces);
  };
  auto retiring = [&](const CollectionReplicas& c, const Replica& r) {
    return !eligible(r.node_id) || Replaced(c, r.id);
  };
  auto active_count = [&](const CollectionReplicas& c, bool serving_only) {
    int n = 0;
    for (const Replica& r : c.replicas) {
      if (!retiring(c, r) && (!serving_only || r.serving)) ++n;
    }
    return n;
  };

  bool in_flight = false;
  for (auto& [id, c] : next) {
    // Replicas of draining nodes: dropped when enough others serve, else moved.
    std::vector<int64_t> draining;
    for (const Replica& r : c.replicas) {
      if (!eligible(r.node_id) && !Replaced(c, r.id)) draining.push_back(r.id);
    }
    for (int64_t rid : draining) {
      if (active_count(c, false) >= c.replica_number && active_count(c, true) > 0) {
        std::erase_if(c.replicas, [&](const Replica& r) { return r.id == rid; });
        continue;
      }
      if (const QueryNodeState* node = pick(c)) add(&c, node, rid);
    }
    while (active_count(c, false) < c.replica_number) {
      const QueryNodeState* node = pick(c);
      if (node == nullptr) break;  // under-replicated until a node joins
      add(&c, node, 0);
    }
    while (active_count(c, false) > c.replica_number) {
      // Fewer replicas wanted: drop one not serving first, else one on the busiest node.
      const Replica* victim = nullptr;
      for (const Replica& r : c.replicas) {
        if (retiring(c, r)) continue;
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
      if (!r.serving || r.replaces != 0 || !eligible(r.node_id)) in_flight = true;
    }
  }

  // Rebalance, one move at a time, when nothing else is moving.
  if (!in_flight && load.size() >= 2) {
    auto [low, high] = std::minmax_element(load.begin(), load.end(), [](const auto& a, const auto& b) {
      return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
    if (high->second - low->second >= 2) {
      const int64_t from = high->first, to = low->first;
      for (auto& [id, c] : next) {
        if (Holds(c, to)) continue;
        Replica* moving = nullptr;
        for (Replica& r : c.replicas) {
          if (r.node_id == from) moving = &r;
        }
        if (moving == nullptr) continue;
        const int64_t rid = moving->id;
        --load[from];
        add(&c, live[to], rid);
        break;
      }
    }
  }

  for (auto& [id, c] : next) {
    auto found = in.current.find(id);
    if (found == in.current.end() || !(found->second == c)) out.put[id] = std::move(c);
  }
  return out;
}

ReplicaManager::ReplicaManager(storage::MetaStore* store, cluster::CatalogReader* catalog, ReplicaManagerOptions options)
    : store_(store), catalog_(catalog), options_(std::move(options)) {}

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
  QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(store_, "querynode"));
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult drains, store_->Range(kDrainPrefix));
  std::set<std::string> draining;
  for (const auto& kv : drains.kvs) draining.insert(kv.key);
  int32_t n = 0;
  for (const auto& [node_id, info] : sessions) {
    if (!draining.count(DrainKey(node_id))) ++n;
  }
  return n;
}

Status ReplicaManager::RunOnce() {
  MutexLock round(&round_mu_);
  PlanInput input;
  QUIVER_ASSIGN_OR_RETURN(auto sessions, cluster::ListSessions(store_, "querynode"));
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult drains, store_->Range(kDrainPrefix));
  std::set<std::string> draining;
  for (const auto& kv : drains.kvs) draining.insert(kv.key);
  for (const auto& [node_id, info] : sessions) {
    input.nodes.push_back({node_id, info.address, draining.count(DrainKey(node_id)) > 0});
  }
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
