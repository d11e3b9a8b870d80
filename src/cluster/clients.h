#pragma once

// The interfaces through which roles talk to each other (STYLE.md §2.2). Standalone mode wires the
// role objects directly (they implement these); distributed mode will put gRPC clients behind the
// same interfaces. Every method is thread-safe.

#include <chrono>
#include <functional>

#include "cluster/catalog_types.h"
#include "cluster/read_types.h"
#include "cluster/segment_types.h"
#include "common/status.h"

namespace quiver::cluster {

// Collection creation parameters, as the proxy validated them.
struct CollectionSpec {
  std::string name;
  std::shared_ptr<const schema::CollectionSchema> schema;  // normalized (field ids assigned)
  int32_t shards = 1;
  int32_t consistency_level = 2;
  KeyValues properties;
  int64_t num_partitions = 0;
};

// The catalog reads the datanode and indexnode need (their reconciliation loops).
class CatalogReader {
 public:
  virtual ~CatalogReader() = default;
  virtual Result<CollectionPtr> DescribeCollectionById(int64_t id) = 0;
  // Every collection of every database.
  virtual Result<std::vector<CollectionPtr>> ListAllCollections() = 0;
};

// The catalog: databases, collections, partitions, aliases, indexes, load state.
class CatalogClient : public CatalogReader {
 public:

  // Databases. NotFound with kDatabaseNotFound when missing.
  virtual Status CreateDatabase(const std::string& name, const KeyValues& properties) = 0;
  virtual Status DropDatabase(const std::string& name) = 0;
  virtual Result<std::vector<DatabaseInfo>> ListDatabases() = 0;
  virtual Result<DatabaseInfo> DescribeDatabase(const std::string& name) = 0;
  virtual Status AlterDatabase(const std::string& name, const KeyValues& set, const std::vector<std::string>& remove) = 0;

  // Collections; `name` may be an alias where Milvus accepts one.
  virtual Status CreateCollection(const std::string& db, const CollectionSpec& spec) = 0;
  virtual Status DropCollection(const std::string& db, const std::string& name) = 0;
  virtual Result<CollectionPtr> DescribeCollection(const std::string& db, const std::string& name) = 0;
  virtual Result<std::vector<CollectionPtr>> ListCollections(const std::string& db) = 0;
  virtual Status RenameCollection(const std::string& db, const std::string& old_name,
                                  const std::string& new_db, const std::string& new_name) = 0;
  virtual Status AlterCollection(const std::string& db, const std::string& name, const KeyValues& set,
                                 const std::vector<std::string>& remove) = 0;

  virtual Status CreatePartition(const std::string& db, const std::string& collection, const std::string& partition) = 0;
  virtual Status DropPartition(const std::string& db, const std::string& collection, const std::string& partition) = 0;

  virtual Status CreateAlias(const std::string& db, const std::string& collection, const std::string& alias) = 0;
  virtual Status DropAlias(const std::string& db, const std::string& alias) = 0;
  virtual Status AlterAlias(const std::string& db, const std::string& collection, const std::string& alias) = 0;
  // Returns the collection an alias points to.
  virtual Result<std::string> DescribeAlias(const std::string& db, const std::string& alias) = 0;

  // Indexes: AlreadyExists (kIndexDuplicate) for a different index on an indexed field.
  virtual Status CreateIndex(const std::string& db, const std::string& collection, const IndexInfo& index) = 0;
  virtual Status DropIndex(const std::string& db, const std::string& collection, const std::string& index_name) = 0;

  // Load state (loaded partition ids; empty = released) and the number of replicas, persisted so
  // a restart reloads it. InvalidArgument if more replicas are asked than query nodes can hold.
  virtual Status SetLoadState(int64_t collection_id, const std::vector<int64_t>& loaded_partitions,
                              int32_t replica_number) = 0;

  virtual Status AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                            const KeyValues& set, const std::vector<std::string>& remove) = 0;
  virtual Status AlterField(const std::string& db, const std::string& collection, const std::string& field,
                            const KeyValues& set, const std::vector<std::string>& remove) = 0;

};

// Timestamps (the hybrid clock) and ids, unique across the cluster.
class AllocClient {
 public:
  virtual ~AllocClient() = default;
  virtual Result<Timestamp> AllocTimestamp(uint32_t count = 1) = 0;
  virtual Result<int64_t> AllocIds(uint32_t count) = 0;
};

// The segment registry: flushed segments, their delete files, channel checkpoints and built
// segment indexes.
class SegmentRegistryClient {
 public:
  virtual ~SegmentRegistryClient() = default;

  // Segments: records flushed segments (and the epoch's delta file) and moves the checkpoint, in
  // one transaction.
  virtual Status CommitFlush(int64_t collection_id, const std::string& channel,
                             const std::vector<SegmentInfo>& segments, const std::optional<DeltaInfo>& delta,
                             const Checkpoint& checkpoint) = 0;
  virtual Result<CollectionSegments> GetSegments(int64_t collection_id) = 0;
  // Records a built segment index. NotFound if the collection, the index (dropped meanwhile) or
  // the segment is gone: the caller then deletes the file it wrote.
  virtual Status CommitSegmentIndex(const SegmentIndexInfo& info) = 0;
  // Forgets a built segment index whose file turned out missing or damaged (and deletes the
  // file), so that the indexnode builds it again. OK if the record is already gone.
  virtual Status DiscardSegmentIndex(const SegmentIndexInfo& info) = 0;
};

// Everything the coordinator serves (users and roles are AccessClient, cluster/access.h).
class CoordClient : public CatalogClient, public AllocClient, public SegmentRegistryClient {};

class DataNodeClient {
 public:
  virtual ~DataNodeClient() = default;
  // Seals the collection's growing segments and waits until they are flushed. Returns the ids of
  // every flushed segment of the collection, as Milvus's Flush lists them.
  // `cancelled` (may be empty) is polled while waiting: true ends the wait with Unavailable.
  virtual Result<std::vector<segment::SegmentId>> Flush(int64_t collection_id, std::chrono::milliseconds timeout,
                                                        const std::function<bool()>& cancelled = {}) = 0;
  // Rows buffered (not yet flushed), by partition id.
  virtual Result<std::map<int64_t, size_t>> BufferedRows(int64_t collection_id) = 0;
};

// One replica of a loaded collection, as GetReplicas reports it.
struct ReplicaView {
  struct Node {
    int64_t node_id = 0;
    std::string address;
  };
  int64_t id = 0;
  std::vector<Node> nodes;  // the query nodes its segments are spread over (at least one)
  bool serving = false;
  std::string resource_group;  // empty: the node client does not know (the proxy fills it in)
};

class QueryNodeClient {
 public:
  virtual ~QueryNodeClient() = default;
  // The replicas serving the collection. One query node (standalone) holds the only one.
  virtual Result<std::vector<ReplicaView>> Replicas(int64_t collection_id) {
    return std::vector<ReplicaView>{{1, {{1, "localhost"}}, true, ""}};
  }
  // Loads sealed segments and follows the collection's channels. Idempotent. With a share of a
  // replica split over several query nodes (cluster/replica_parts.h), the node serves that share,
  // besides any it already serves; a query node client that is not one node (the proxy's router)
  // ignores it and loads what the placement says.
  virtual Status LoadCollection(const CollectionPtr& collection, const ReplicaShare& share) = 0;
  virtual Status ReleaseCollection(int64_t collection_id) = 0;
  // 0..100 for the share of replica `replica_id` (0: the whole collection); NotFound
  // (kCollectionNotLoaded) if not loaded or not loaded for that share.
  virtual Result<int64_t> LoadingProgress(int64_t collection_id, int64_t replica_id) = 0;
  // Why the collection, marked loaded in the catalog, could not be loaded (damaged or missing
  // data found at start or at LoadCollection); OK when it is loaded or was never tried.
  virtual Status LoadError(int64_t collection_id) = 0;
  // Waits until each channel has been consumed up to the given lsn. Timeout on expiry. A read
  // also carries the positions (ReadAfter): where replicas serve reads, the one serving it waits.
  virtual Status WaitConsumed(const std::map<std::string, storage::Lsn>& positions,
                              std::chrono::milliseconds timeout) = 0;
  virtual Result<SearchResult> Search(const SearchRequest& request) = 0;
  virtual Result<QueryResult> Query(const QueryRequest& request) = 0;
};

}  // namespace quiver::cluster
