#pragma once

// Replica placement (distributed mode, issue 10; docs/design/replicas.md). A loaded collection
// with replica_number R is served by R replicas, each a whole copy of the collection spread over
// its own query nodes: the nodes of a resource group are divided among the collection's replicas
// in it, and each replica's segments among its nodes (cluster/replica_parts.h), so a node that
// joins takes a share of every collection and a collection's memory is not bounded by one node.
// The coordinator's ReplicaManager keeps the assignment in the metadata store:
//
//   quiver/replicas/<collection_id>   the collection's replicas (nodes, serving or not)
//   quiver/drain/<node_id>            a query node handing its shares over before it exits
//                                     (under the node's session lease)
//
// Query nodes load the shares that name them and release the rest; proxies route each read to
// one serving replica, asking all of its nodes and merging. A replica's nodes never change in
// place once it serves: a new replica with the new nodes is placed to replace it (a move), loads,
// and only when it serves does the old one go, so reads always have a complete replica. The
// planning is a pure function (PlanReplicas), tested on its own.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clients.h"
#include "cluster/replica_parts.h"
#include "cluster/session.h"
#include "common/mutex.h"
#include "common/status.h"
#include "coord/resource_groups.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

inline constexpr const char* kReplicasPrefix = "quiver/replicas/";
inline constexpr const char* kDrainPrefix = "quiver/drain/";

struct ReplicaNode {
  int64_t node_id = 0;  // the query node's session id
  std::string address;  // its internal RPC address
  bool operator==(const ReplicaNode&) const = default;
};

// A replica never changes once recorded, but for `serving` (and `replaces`, cleared when the old
// one goes): other nodes or another division of the segments make a new replica with a new id,
// so a query node's share of replica `id` means the same to everyone.
struct Replica {
  int64_t id = 0;                  // unique within the collection, never reused
  std::vector<ReplicaNode> nodes;  // ascending node ids; its segments are spread over them
  bool serving = false;            // every node has loaded its share: reads go to it
  int64_t replaces = 0;            // a move: the replica this one takes over from once serving
  std::string resource_group = kDefaultResourceGroup;  // its nodes are this group's
  // The sealed segments known when it was placed, each pinned to a node so that the nodes hold
  // about as many rows; later ones go by hashing (cluster/replica_parts.h).
  std::map<segment::SegmentId, int64_t> pinned;
  bool operator==(const Replica&) const = default;

  // The node ids (cluster/replica_parts.h).
  cluster::ReplicaMembers Members() const;
  // What its nodes serve.
  cluster::ReplicaShare Share() const;
  bool Has(int64_t node_id) const;
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

// A sealed segment and its rows, what the division of a replica's segments balances.
struct SegmentRows {
  segment::SegmentId id = 0;
  size_t rows = 0;
};

// The division of `segments` among `nodes` (ascending ids; none empty): each segment stays with
// `previous(segment)` when that is one of `nodes`; the others, largest first, go to the node with
// the fewest rows; then, while the node with the most rows has more than one segment's rows (the
// largest) above the node with the fewest, the segment of the first that brings them closest
// moves to the second. Every segment is pinned in the result.
std::map<segment::SegmentId, int64_t> DivideSegments(const std::vector<int64_t>& nodes,
                                                     const std::vector<SegmentRows>& segments,
                                                     const std::function<int64_t(segment::SegmentId)>& previous);

// Rows per node of `share` over `segments` (the nodes of its members, zero included).
std::map<int64_t, size_t> RowsPerNode(const cluster::ReplicaShare& share, const std::vector<SegmentRows>& segments);

// The rows of the node with the most minus those of the node with the fewest (0 without nodes).
size_t RowSpread(const std::map<int64_t, size_t>& rows);

struct PlanInput {
  std::map<int64_t, int32_t> wanted;             // loaded collections: replica number
  std::vector<QueryNodeState> nodes;             // live query nodes
  std::map<int64_t, CollectionReplicas> current;  // as stored
  // Whether `node` has loaded its share of replica `replica_id` of the collection (asked only for
  // replicas not yet serving).
  std::function<bool(int64_t node_id, const std::string& address, int64_t collection_id, int64_t replica_id)> loaded;
  // Replicas per resource group of a loaded collection; a collection not here (or whose counts do
  // not add up to its replica number) has all its replicas in the default group.
  std::map<int64_t, std::map<std::string, int32_t>> groups;
  // The sealed segments of each wanted collection (none known: nothing is pinned).
  std::map<int64_t, std::vector<SegmentRows>> segments;
};

struct PlanOutput {
  std::map<int64_t, CollectionReplicas> put;  // changed or new records
  std::vector<int64_t> remove;                // records of collections no longer loaded
};

// One step towards: every wanted collection has replica_number replicas (fewer while its groups
// have fewer nodes than replicas), as many in each resource group as `groups` says, the group's
// live nodes that are not draining divided among them (each node in one replica of a collection,
// replicas differing by at most one node; a node stays in its replica while it can). A replica
// with a dead node is dropped and placed again (a share is gone); a serving replica whose nodes
// should change (a node joined, drained, left its group; the replica was transferred) moves to a
// new replica with the new nodes, which loads before the old one goes; so does one whose nodes hold
// rows so unevenly that moving a segment would help (segments flushed since it was placed went by
// hashing). One move per collection at a time. A replica whose group has no node for it keeps
// serving where it is.
PlanOutput PlanReplicas(const PlanInput& input);

struct ReplicaManagerOptions {
  std::chrono::milliseconds interval{250};
  // The progress (0..100) of the load of the share of replica `replica_id` of a collection at the
  // query node at `address`.
  std::function<Result<int64_t>(const std::string& address, int64_t collection_id, int64_t replica_id)> progress;
  // A collection's sealed segments (unset: none are pinned, every segment goes by hashing).
  std::function<Result<std::vector<SegmentRows>>(int64_t collection_id)> segments;
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
