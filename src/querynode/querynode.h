#pragma once

// QueryNode: serves searches and queries of loaded collections. Loading maps the flushed segment
// files (sealed segments), reads the delta files into one DeleteLog per channel, and follows each
// channel from its checkpoint to rebuild the growing data (ChannelBuffer), exactly as the datanode
// cuts it. A sync loop then swaps in newly flushed segments: a flushed segment of epoch e is
// loaded only once the channel has moved past epoch e, and it replaces its growing copy in one
// step under the collection lock, so a search never misses rows (a duplicate pk seen during the
// swap is removed by the reduce).
//
// Searches and queries run per channel (a primary key's rows and deletes share its channel) on the
// search pool, then merge.
//
// Shares (distributed mode): a replica may be split over several query nodes. The node then serves
// only the segments its share gives it (cluster/replica_parts.h), sealed or growing; it still
// follows every channel, for the deletes and the growing rows. A node can serve the shares of
// several replicas of one collection at once (while a replica moves to other nodes), holding the
// union; a read names its replica and sees exactly that share. Replica 0 is the whole collection.
// Thread-safe.

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "cluster/clients.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/thread_pool.h"
#include "exec/scalar_index.h"
#include "index/vector_index.h"
#include "segment/channel_buffer.h"
#include "segment/channel_consumer.h"
#include "storage/object_store/object_store.h"

namespace quiver::querynode {

class QueryNode final : public cluster::QueryNodeClient {
 public:
  // Every pointer must outlive the querynode.
  QueryNode(cluster::SegmentRegistryClient* segments, storage::Wal* wal, storage::ObjectStore* objects, ThreadPool* pool,
            segment::ConsumerPool* consumers, MetricsRegistry* metrics);
  ~QueryNode() override;
  QueryNode(const QueryNode&) = delete;
  QueryNode& operator=(const QueryNode&) = delete;

  Status Start();
  void Stop();
  // This node's session id: the member it answers for in a split replica (0, the default, in
  // standalone, which serves whole collections only). Set once, before any share names it.
  void SetNodeId(int64_t node_id) { node_id_.store(node_id); }

  // Adds `share` (loading the sealed segments it gives this node that are not held yet).
  Status LoadCollection(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share) override;
  Status ReleaseCollection(int64_t collection_id) override;
  Result<int64_t> LoadingProgress(int64_t collection_id, int64_t replica_id) override;
  // Stops serving the shares of the collection whose replicas are not in `keep` and drops the
  // sealed segments no remaining share gives this node. OK if the collection is not loaded.
  Status RetainShares(int64_t collection_id, const std::set<int64_t>& keep);
  // The replicas whose shares of the collection this node serves (empty if not loaded).
  std::set<int64_t> Shares(int64_t collection_id);
  Status LoadError(int64_t collection_id) override;
  Status WaitConsumed(const std::map<std::string, storage::Lsn>& positions, std::chrono::milliseconds timeout) override;
  Result<cluster::SearchResult> Search(const cluster::SearchRequest& request) override;
  Result<cluster::QueryResult> Query(const cluster::QueryRequest& request) override;

 private:
  struct Channel {
    std::string name;
    std::shared_ptr<segment::DeleteLog> deletes;
    std::unique_ptr<segment::ChannelBuffer> buffer;
    std::unique_ptr<segment::ChannelConsumer> consumer;
  };
  // Built vector indexes of sealed segments, by (segment, field).
  using IndexMap = std::map<std::pair<segment::SegmentId, schema::FieldId>, std::shared_ptr<const index::VectorIndex>>;
  struct Loaded {
    // Replaced by LoadCollection (partitions, indexes) while the syncer and searches read it.
    std::atomic<cluster::CollectionPtr> collection;
    std::map<std::string, std::unique_ptr<Channel>> channels;
    // One change of the held segments at a time: the syncer's swaps and share changes (a share
    // added while a flushed segment's growing copy is dropped would miss it).
    Mutex sync_mu;
    mutable Mutex mu;  // guards `sealed` and swaps with the buffers
    // The shares served, by replica id (0: the whole collection).
    std::map<int64_t, cluster::ReplicaShare> shares QUIVER_GUARDED_BY(mu);
    std::map<segment::SegmentId, std::shared_ptr<const segment::Segment>> sealed QUIVER_GUARDED_BY(mu);
    IndexMap indexes QUIVER_GUARDED_BY(mu);  // built indexes of sealed segments
    // Scalar indexes per sealed segment, shared with snapshots (never copied per search).
    std::map<segment::SegmentId, std::shared_ptr<const exec::ScalarIndexMap>> scalar QUIVER_GUARDED_BY(mu);
  };
  // What one channel holds at one moment: the segments to search and its deletes.
  struct ChannelView {
    std::vector<std::shared_ptr<const segment::Segment>> segments;
    const segment::DeleteLog* deletes;
    IndexMap indexes;  // of the sealed segments in `segments`
    std::map<segment::SegmentId, std::shared_ptr<const exec::ScalarIndexMap>> scalar;
  };

  Result<std::shared_ptr<Loaded>> Find(int64_t collection_id);
  // The segments of replica `replica_id`'s share in `partitions`, per channel. NotFound
  // (kCollectionNotLoaded) if the node does not serve that share.
  Result<std::vector<ChannelView>> Snapshot(const Loaded& loaded, const std::vector<int64_t>& partitions,
                                            int64_t replica_id) const;
  // Whether a share the node serves gives it `segment`.
  bool Held(const Loaded& loaded, segment::SegmentId segment) const QUIVER_REQUIRES(loaded.mu);
  // Loads the sealed segments `share` gives this node that are not held, then serves it.
  Status AddShare(Loaded* loaded, const cluster::ReplicaShare& share);
  Status SyncFlushed(Loaded* loaded);
  // Loads the recorded segment indexes of loaded sealed segments that are not in memory yet and
  // swaps them in (searches switch from exact to indexed between two snapshots, with no gap).
  Status LoadSegmentIndexes(Loaded* loaded, const cluster::CollectionSegments& segments);
  Result<std::unique_ptr<index::VectorIndex>> ReadSegmentIndex(Loaded* loaded, const cluster::SegmentIndexInfo& info);
  // `replacing` (a copy being resynced) lends its sealed segments, and the new copy takes its place
  // only if it is still the loaded one (Aborted otherwise: released or replaced meanwhile).
  // `replacing` also lends its shares; without it the copy serves `share`.
  Status LoadCollectionData(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share,
                            const std::shared_ptr<Loaded>& replacing = nullptr);
  // Loads again a collection whose channel lost unread records to a truncation (ChannelConsumer::
  // truncated): the registry's checkpoint now covers them as flushed segments.
  Status Resync(const std::shared_ptr<Loaded>& loaded);
  // Builds, in memory, the scalar indexes (INVERTED, STL_SORT, Trie, ...) the collection declares
  // for sealed segments that lack them. Cheap (a sort per column), so they need no files.
  void BuildScalarIndexes(Loaded* loaded);
  Result<std::shared_ptr<const segment::Segment>> LoadSegment(const cluster::CollectionPtr& collection,
                                                               const cluster::SegmentInfo& info);

  cluster::SegmentRegistryClient* segments_;
  std::atomic<int64_t> node_id_{0};
  storage::Wal* wal_;
  segment::ConsumerPool* consumers_;
  storage::ObjectStore* objects_;
  ThreadPool* pool_;
  Gauge* loaded_segments_;
  Gauge* loaded_indexes_;
  Counter* indexed_searches_;
  Mutex mu_;
  std::map<int64_t, std::shared_ptr<Loaded>> loaded_ QUIVER_GUARDED_BY(mu_);
  std::map<int64_t, Status> load_errors_ QUIVER_GUARDED_BY(mu_);  // failed loads, by collection
  // One load of a collection at a time (several proxies and the placement may ask at once).
  std::map<int64_t, std::shared_ptr<Mutex>> load_locks_ QUIVER_GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::thread syncer_;
};

}  // namespace quiver::querynode
