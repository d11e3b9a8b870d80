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

cluster::ReplicaMembers Replica::Members() const {
  cluster::ReplicaMembers out;
  for (const ReplicaNode& n : nodes) out.push_back(n.node_id);
  return out;
}

cluster::ReplicaShare Replica::Share() const { return {id, Members(), pinned}; }

bool Replica::Has(int64_t node_id) const {
  return std::any_of(nodes.begin(), nodes.end(), [&](const ReplicaNode& n) { return n.node_id == node_id; });
}

std::string EncodeReplicas(const CollectionReplicas& c) {
  Json j;
  j["collection_id"] = c.collection_id;
  j["replica_number"] = c.replica_number;
  j["next_id"] = c.next_id;
  j["replicas"] = Json::array();
  for (const Replica& r : c.replicas) {
    Json nodes = Json::array();
    for (const ReplicaNode& n : r.nodes) nodes.push_back({{"node_id", n.node_id}, {"address", n.address}});
    Json pinned = Json::array();
    for (const auto& [segment, node] : r.pinned) pinned.push_back({segment, node});
    j["replicas"].push_back({{"id", r.id},
                             {"nodes", std::move(nodes)},
                             {"serving", r.serving},
                             {"replaces", r.replaces},
                             {"resource_group", r.resource_group},
                             {"pinned", std::move(pinned)}});
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
      Replica replica{r.at("id").get<int64_t>(), {}, r.at("serving").get<bool>(), r.value("replaces", int64_t{0}),
                      r.value("resource_group", std::string(kDefaultResourceGroup)), {}};
      if (r.contains("nodes")) {
        for (const Json& n : r.at("nodes")) {
          replica.nodes.push_back({n.at("node_id").get<int64_t>(), n.at("address").get<std::string>()});
        }
      } else {  // written before replicas were split: one node
        replica.nodes.push_back({r.at("node_id").get<int64_t>(), r.at("address").get<std::string>()});
      }
      if (replica.nodes.empty()) return Status::Corruption("replica record: a replica without nodes");
      std::sort(replica.nodes.begin(), replica.nodes.end(),
                [](const ReplicaNode& a, const ReplicaNode& b) { return a.node_id < b.node_id; });
      if (r.contains("pinned")) {
        for (const Json& p : r.at("pinned")) {
          const int64_t node = p.at(1).get<int64_t>();
          if (!replica.Has(node)) return Status::Corruption("replica record: a segment pinned to a node outside the replica");
          replica.pinned[p.at(0).get<segment::SegmentId>()] = node;
        }
      }
      c.replicas.push_back(std::move(replica));
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

Replica* FindReplica(CollectionReplicas* c, int64_t id) {
  for (Replica& r : c->replicas) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Replaced(const CollectionReplicas& c, int64_t id) {
  return std::any_of(c.replicas.begin(), c.replicas.end(), [&](const Replica& r) { return r.replaces == id; });
}

std::set<int64_t> NodeIds(const Replica& r) {
  std::set<int64_t> out;
  for (const ReplicaNode& n : r.nodes) out.insert(n.node_id);
  return out;
}

// The desired node sets of one group's active replicas of a collection (in `replicas` order):
// nodes stay in their replica while eligible; free nodes go to the replica with the fewest; then
// a replica two nodes above another gives one (its highest id) until they differ by at most one,
// which also gives every replica a node when there are enough.
std::vector<std::set<int64_t>> DivideNodes(const std::vector<const Replica*>& replicas, const std::set<int64_t>& eligible) {
  std::vector<std::set<int64_t>> sets(replicas.size());
  std::set<int64_t> taken;
  for (size_t i = 0; i < replicas.size(); ++i) {
    for (const ReplicaNode& n : replicas[i]->nodes) {
      if (eligible.count(n.node_id) && taken.insert(n.node_id).second) sets[i].insert(n.node_id);
    }
  }
  auto smallest = [&] {
    size_t best = 0;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i].size() < sets[best].size()) best = i;
    }
    return best;
  };
  for (int64_t node : eligible) {
    if (!taken.count(node) && !sets.empty()) sets[smallest()].insert(node);
  }
  while (sets.size() > 1) {
    size_t low = smallest();
    size_t high = 0;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i].size() > sets[high].size()) high = i;
    }
    if (sets[high].size() < sets[low].size() + 2) break;
    int64_t node = *sets[high].rbegin();
    sets[high].erase(node);
    sets[low].insert(node);
  }
  return sets;
}

}  // namespace

std::map<segment::SegmentId, int64_t> DivideSegments(const std::vector<int64_t>& nodes,
                                                     const std::vector<SegmentRows>& segments,
                                                     const std::function<int64_t(segment::SegmentId)>& previous) {
  std::map<segment::SegmentId, int64_t> owner;
  std::map<segment::SegmentId, size_t> size;
  std::map<int64_t, size_t> rows;
  for (int64_t node : nodes) rows[node] = 0;
  if (nodes.empty()) return owner;
  std::vector<SegmentRows> homeless;  // largest first, each to the node with the fewest rows
  for (const SegmentRows& s : segments) {
    size[s.id] = s.rows;
    const int64_t before = previous ? previous(s.id) : 0;
    if (!rows.count(before)) {
      homeless.push_back(s);
      continue;
    }
    owner[s.id] = before;
    rows[before] += s.rows;
  }
  std::stable_sort(homeless.begin(), homeless.end(), [](const SegmentRows& a, const SegmentRows& b) { return a.rows > b.rows; });
  for (const SegmentRows& s : homeless) {
    auto fewest = std::min_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
    owner[s.id] = fewest->first;
    fewest->second += s.rows;
  }
  // Even enough once the gap is at most one segment: each move is a load, so no more are made.
  // Each move lowers the sum of squared loads, so this ends; the bound is a guard.
  size_t largest = 0;
  for (const SegmentRows& s : segments) largest = std::max(largest, s.rows);
  for (size_t step = 0; step < 2 * segments.size() + 2; ++step) {
    auto [low, high] = std::minmax_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
    const size_t gap = high->second - low->second;
    if (gap <= largest) break;
    // The segment of the fullest node that brings the two closest together.
    std::optional<segment::SegmentId> best;
    auto distance = [&](size_t r) { return r * 2 > gap ? r * 2 - gap : gap - r * 2; };
    for (const auto& [segment, node] : owner) {
      const size_t r = size[segment];
      if (node != high->first || r == 0 || r >= gap) continue;
      if (!best || distance(r) < distance(size[*best])) best = segment;
    }
    if (!best) break;
    owner[*best] = low->first;
    high->second -= size[*best];
    low->second += size[*best];
  }
  return owner;
}

std::map<int64_t, size_t> RowsPerNode(const cluster::ReplicaShare& share, const std::vector<SegmentRows>& segments) {
  std::map<int64_t, size_t> rows;
  for (int64_t node : share.members) rows[node] = 0;
  for (const SegmentRows& s : segments) rows[share.OwnerOf(s.id)] += s.rows;
  return rows;
}

size_t RowSpread(const std::map<int64_t, size_t>& rows) {
  if (rows.empty()) return 0;
  auto [low, high] = std::minmax_element(rows.begin(), rows.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
  return high->second - low->second;
}

PlanOutput PlanReplicas(const PlanInput& in) {
  PlanOutput out;
  std::map<int64_t, const QueryNodeState*> live;
  for (const QueryNodeState& n : in.nodes) live[n.node_id] = &n;
  // The nodes that can hold replicas of `group`.
  auto eligible_nodes = [&](const std::string& group) {
    std::set<int64_t> nodes;
    for (const auto& [id, n] : live) {
      if (!n->draining && n->resource_group == group) nodes.insert(id);
    }
    return nodes;
  };
  for (const auto& [id, record] : in.current) {
    if (!in.wanted.count(id)) out.remove.push_back(id);
  }

  for (const auto& [id, number] : in.wanted) {
    auto found = in.current.find(id);
    CollectionReplicas c = found != in.current.end() ? found->second : CollectionReplicas{id, number, 1, {}};
    c.replica_number = std::max(1, number);
    std::map<std::string, int32_t> want;
    auto g = in.groups.find(id);
    int32_t sum = 0;
    if (g != in.groups.end()) {
      for (const auto& [group, n] : g->second) sum += n;
    }
    if (g != in.groups.end() && sum == c.replica_number) {
      for (const auto& [group, n] : g->second) {
        if (n > 0) want[group] = n;
      }
    } else {
      want = {{kDefaultResourceGroup, c.replica_number}};
    }

    // A replica with a node gone has lost a share: it goes (and is placed again below).
    std::erase_if(c.replicas, [&](const Replica& r) {
      return std::any_of(r.nodes.begin(), r.nodes.end(), [&](const ReplicaNode& n) { return !live.count(n.node_id); });
    });
    for (Replica& r : c.replicas) {
      if (r.serving || !in.loaded) continue;
      r.serving = std::all_of(r.nodes.begin(), r.nodes.end(),
                              [&](const ReplicaNode& n) { return in.loaded(n.node_id, n.address, id, r.id); });
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

    // The active replicas: each one not being replaced (the newest of its line).
    auto active = [&](const std::string& group) {
      std::vector<Replica*> out;
      for (Replica& r : c.replicas) {
        if (!Replaced(c, r.id) && (group.empty() || r.resource_group == group)) out.push_back(&r);
      }
      return out;
    };
    auto serving_count = [&] {
      int n = 0;
      for (Replica* r : active("")) n += r->serving ? 1 : 0;
      return n;
    };

    // Transfers: a group holding more replicas than it should hands one to a group with fewer.
    for (Replica* r : active("")) {
      auto surplus = [&](const std::string& group) {
        auto w = want.find(group);
        return static_cast<int>(active(group).size()) - (w == want.end() ? 0 : w->second);
      };
      const std::string from = r->resource_group;
      if (surplus(from) <= 0) continue;
      for (const auto& [to, n] : want) {
        if (to != from && surplus(to) < 0) {
          QUIVER_LOG(INFO) << "replica transferred" << Kv("collection_id", id) << Kv("replica", r->id) << Kv("from", from)
                           << Kv("to", to);
          r->resource_group = to;
          break;
        }
      }
    }

    // Per group: as many replicas as wanted and nodes allow, the nodes divided among them.
    std::set<std::string> groups;
    for (const auto& [group, n] : want) groups.insert(group);
    for (Replica* r : active("")) groups.insert(r->resource_group);
    // Active replicas (by id: the list grows below) whose nodes should change.
    std::vector<std::pair<int64_t, std::set<int64_t>>> changes;
    for (const std::string& group : groups) {
      const std::set<int64_t> nodes = eligible_nodes(group);
      auto w = want.find(group);
      const int32_t wanted = w == want.end() ? 0 : w->second;
      if (wanted > 0 && nodes.empty()) continue;  // nowhere to go: they serve where they are
      const size_t target = std::min<size_t>(static_cast<size_t>(wanted), nodes.size());
      // Fewer wanted: drop one not serving first, else the one with the fewest nodes that can stay;
      // never the collection's last serving replica (it goes once another serves). Fewer nodes than
      // replicas drop none: a replica whose nodes left the group serves there until one joins.
      auto staying = [&](const Replica* r) {
        return std::count_if(r->nodes.begin(), r->nodes.end(), [&](const ReplicaNode& n) { return nodes.count(n.node_id) > 0; });
      };
      for (std::vector<Replica*> mine = active(group); mine.size() > static_cast<size_t>(wanted); mine = active(group)) {
        Replica* victim = nullptr;
        for (Replica* r : mine) {
          auto better = [&](const Replica* a, const Replica* b) {
            if (a->serving != b->serving) return !a->serving;
            return staying(a) < staying(b);
          };
          if (victim == nullptr || better(r, victim)) victim = r;
        }
        if (victim->serving && serving_count() <= 1) break;
        const int64_t rid = victim->id;
        std::erase_if(c.replicas, [&](const Replica& r) { return r.id == rid || r.replaces == rid; });
      }
      if (wanted == 0) continue;  // only a last serving replica left here, until another serves
      while (active(group).size() < target) c.replicas.push_back({c.next_id++, {}, false, 0, group, {}});
      std::vector<Replica*> mine = active(group);
      std::vector<const Replica*> view(mine.begin(), mine.end());
      std::vector<std::set<int64_t>> sets = DivideNodes(view, nodes);
      for (size_t i = 0; i < mine.size(); ++i) {
        if (!sets[i].empty() && sets[i] != NodeIds(*mine[i])) changes.emplace_back(mine[i]->id, sets[i]);
      }
    }
    // Apply. A replica never changes under its id: one not serving yet is placed again (a new id,
    // taking over what it was to take over); a serving one is replaced by a new replica that loads
    // first (one move per collection at a time, and none while another loads). Each new replica
    // divides the sealed segments among its nodes, keeping each where it was when it can.
    static const std::vector<SegmentRows> kNoSegments;
    auto known = in.segments.find(id);
    const std::vector<SegmentRows>& segments = known == in.segments.end() ? kNoSegments : known->second;
    // A replica like `old` on nodes `ids` (its id is the caller's to give).
    auto replacement = [&](const Replica& old, const std::set<int64_t>& ids, int64_t replaces) {
      Replica r{0, {}, false, replaces, old.resource_group, {}};
      for (int64_t node : ids) r.nodes.push_back({node, live[node]->address});
      if (r.nodes.size() > 1) {
        const cluster::ReplicaShare before = old.Share();
        const bool had_nodes = !old.nodes.empty();
        r.pinned = DivideSegments(r.Members(), segments,
                                  [&](segment::SegmentId s) { return had_nodes ? before.OwnerOf(s) : int64_t{0}; });
      }
      return r;
    };
    bool loading = false;
    for (Replica* r : active("")) loading = loading || !r->serving;
    std::set<int64_t> changing;
    for (const auto& [rid, ids] : changes) changing.insert(rid);
    // A serving replica on the right nodes whose rows are uneven: the same nodes, divided again
    // (the division is kept for the move below, when one may start).
    std::map<int64_t, Replica> divided;
    size_t largest = 0;
    for (const SegmentRows& s : segments) largest = std::max(largest, s.rows);
    for (Replica* r : active("")) {
      if (!r->serving || changing.count(r->id) || r->nodes.size() < 2 || segments.empty()) continue;
      const size_t now = RowSpread(RowsPerNode(r->Share(), segments));
      if (now <= largest) continue;
      Replica again = replacement(*r, NodeIds(*r), r->id);
      if (RowSpread(RowsPerNode(again.Share(), segments)) < now) {
        changes.emplace_back(r->id, NodeIds(*r));
        divided.emplace(r->id, std::move(again));
      }
    }
    std::vector<Replica> added;
    for (const auto& [rid, ids] : changes) {
      Replica* r = FindReplica(&c, rid);
      if (!r->serving) {
        // A new id unless it was made this round (no one has seen it yet).
        Replica again = replacement(*r, ids, r->replaces);
        again.id = r->nodes.empty() ? r->id : c.next_id++;
        QUIVER_LOG(INFO) << "replica placed" << Kv("collection_id", id) << Kv("replica", again.id)
                         << Kv("nodes", again.nodes.size()) << Kv("group", again.resource_group);
        *r = std::move(again);
        continue;
      }
      if (loading) continue;
      loading = true;
      auto proposed = divided.find(r->id);
      added.push_back(proposed != divided.end() ? std::move(proposed->second) : replacement(*r, ids, r->id));
      added.back().id = c.next_id++;
      QUIVER_LOG(INFO) << "replica moving" << Kv("collection_id", id) << Kv("replica", added.back().id)
                       << Kv("replaces", r->id) << Kv("nodes", ids.size()) << Kv("group", r->resource_group);
    }
    for (Replica& r : added) c.replicas.push_back(std::move(r));
    // Replicas that found no node yet are not recorded (a node joining places them).
    std::erase_if(c.replicas, [](const Replica& r) { return r.nodes.empty(); });
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
  if (options_.segments) {
    for (const auto& [id, number] : input.wanted) {
      QUIVER_ASSIGN_OR_RETURN(input.segments[id], options_.segments(id));
    }
  }
  input.loaded = [this](int64_t, const std::string& address, int64_t collection_id, int64_t replica_id) {
    if (!options_.progress) return false;
    Result<int64_t> progress = options_.progress(address, collection_id, replica_id);
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
