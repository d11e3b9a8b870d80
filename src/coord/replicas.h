#pragma once

// Replica placement (distributed mode, issue 10; docs/design/replicas.md). A loaded collection
// with replica_number R is served by R replicas, each a whole copy of the collection on its own
// query node. The coordinator's ReplicaManager keeps the assignment in the metadata store:
//
//   quiver/replicas/<collection_id>   the collection's replicas (node, address, serving or not)
//   quiver/drain/<node_id>            a query node handing its replicas over before it exits
//                                     (under the node's session lease)
//
// Query nodes load what names them and release the rest; proxies route reads to serving
// replicas. A replica becomes serving once its node reports the collection loaded, so a moved
// replica (rebalance, drain) is loaded at its new node before the old one lets go. The planning
// is a pure function (PlanReplicas), tested on its own.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clients.h"
#include "cluster/session.h"
#include "common/mutex.h"
#include "common/status.h"
#include "coord/resource_groups.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

inline constexpr const char* kReplicasPrefix = "quiver/replicas/";
inline constexpr const char* kDrainPrefix = "quiver/drain/";

struct Replica {
  int64_t id = 0;           // unique within the collection, never reused
  int64_t node_id = 0;      // the query node's session id
  std::string address;      // its internal RPC address
  bool serving = false;     // loaded there: reads go to it
  int64_t replaces = 0;     // a move: the replica this one takes over from once serving
  std::string resource_group = kDefaultResourceGroup;  // its node is one of this group's
  bool operator==(const Replica&) const = default;
};

struct CollectionReplicas {
  int64_t collection_id = 0;
  int32_t replica_number = 1;
  int64_t next_id = 1;
  std::vector<Replica> replicas;
  bool operator==(const CollectionReplicas&) const = default;

  // The replicas reads may go to.
  std::vector<Replica> Serving() const;
};

std::string EncodeReplicas(const CollectionReplicas& replicas);
Result<CollectionReplicas> DecodeReplicas(std::string_view record);
std::string ReplicasKey(int64_t collection_id);
std::string DrainKey(int64_t node_id);

// The sessions of `role` without a drain key (nodes that can take work), by node id.
Result<std::map<int64_t, cluster::SessionInfo>> UndrainedSessions(storage::MetaStore* store, const std::string& role);

// The live query nodes that can hold replicas (a session, no drain key).
Result<std::vector<GroupNode>> LiveQueryNodes(storage::MetaStore* store);

// Every collection's replicas, by collection id.
Result<std::map<int64_t, CollectionReplicas>> ListReplicas(storage::MetaStore* store);

struct QueryNodeState {
  int64_t node_id = 0;
  std::string address;
  bool draining = false;
  std::string resource_group = kDefaultResourceGroup;
};

struct PlanInput {
  std::map<int64_t, int32_t> wanted;             // loaded collections: replica number
  std::vector<QueryNodeState> nodes;             // live query nodes
  std::map<int64_t, CollectionReplicas> current;  // as stored
  // Whether `node` has the collection loaded (asked only of replicas not yet serving).
  std::function<bool(int64_t node_id, const std::string& address, int64_t collection_id)> loaded;
  // Replicas per resource group of a loaded collection; a collection not here (or whose counts do
  // not add up to its replica number) has all its replicas in the default group.
  std::map<int64_t, std::map<std::string, int32_t>> groups;
};

struct PlanOutput {
  std::map<int64_t, CollectionReplicas> put;  // changed or new records
  std::vector<int64_t> remove;                // records of collections no longer loaded
};

// One step towards: every wanted collection has replica_number replicas on distinct live nodes
// that are not draining, as many in each resource group as `groups` says, each on a node of its
// group, spread so that no node holds two more replicas than another of its group. Replicas of
// dead nodes are dropped and placed again; replicas of draining nodes, of nodes that left their
// group, transferred ones and rebalanced ones move (the new one loads, then the old one goes).
// One rebalancing move at a time, and only while nothing else is loading.
PlanOutput PlanReplicas(const PlanInput& input);

struct ReplicaManagerOptions {
  std::chrono::milliseconds interval{250};
  // The progress (0..100) of a collection's load at the query node at `address`.
  std::function<Result<int64_t>(const std::string& address, int64_t collection_id)> progress;
};

// The coordinator's loop: reads the catalog, the query node sessions, drains and the stored
// replicas, plans, and writes the changes. Runs while the coordinator leads.
class ReplicaManager {
 public:
  ReplicaManager(storage::MetaStore* store, cluster::CatalogReader* catalog, ReplicaManagerOptions options);
  ~ReplicaManager();

  void Start();
  void Stop();
  // Plans at once (a load, a release) instead of at the next interval.
  void Kick();
  // One round (the loop's body), for tests and Kick.
  Status RunOnce();
  // Query nodes that can hold a replica (live, not draining): bounds replica_number.
  Result<int32_t> Capacity();
  // The resource groups (node assignment happens in each round).
  ResourceGroupManager* groups() { return &groups_; }

 private:
  void Loop();

  storage::MetaStore* const store_;
  cluster::CatalogReader* const catalog_;
  const ReplicaManagerOptions options_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool stop_ QUIVER_GUARDED_BY(mu_) = false;
  bool kicked_ QUIVER_GUARDED_BY(mu_) = false;
  ResourceGroupManager groups_;
  Mutex round_mu_;  // one round at a time
  std::thread thread_;
};

}  // namespace quiver::coord
