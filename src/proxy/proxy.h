#pragma once

// Proxy logic below the gRPC layer: timestamps for writes, routing rows to shards and partitions,
// appending to the WAL (a write is acknowledged once the WAL holds it durably), consistency waits
// before reads, and resolving output fields. The front doors (src/rpc/) turn wire messages into calls here.
// Thread-safe.

#include <array>
#include <memory>
#include <atomic>
#include <functional>
#include <set>

#include "cluster/clients.h"
#include "cluster/resource_groups.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "proxy/indexes.h"
#include "proxy/rows.h"
#include "proxy/search.h"
#include "schema/schema.h"
#include "storage/wal/wal.h"

namespace quiver::proxy {

struct ProxyOptions {
  std::chrono::milliseconds consistency_timeout{30000};
  // Bounded consistency (Milvus's common.gracefulTime): a Bounded read sees every write
  // acknowledged at least this long before it, and every write made through this proxy.
  std::chrono::milliseconds graceful_time{5000};
  std::chrono::milliseconds flush_timeout{600000};
  size_t max_json_bytes = 64 << 10;  // per JSON value of a row (RowLimits)
  // Resource groups (proxy/resource_groups.cc); none: their RPCs answer "not supported".
  cluster::ResourceGroups* resource_groups = nullptr;
};

// A resource group as DescribeResourceGroup shows it.
struct ResourceGroupView {
  std::string name;
  cluster::ResourceGroupConfig config;
  std::vector<cluster::GroupNode> nodes;
  std::map<std::string, int32_t> loaded_replicas;  // collection name -> replicas in the group
  std::map<std::string, int32_t> outgoing_nodes;   // collection name -> this group's nodes its other-group replicas use
  std::map<std::string, int32_t> incoming_nodes;   // collection name -> other groups' nodes this group's replicas use
};

// A new collection as the client describes it.
struct CollectionRequest {
  schema::CollectionSchema schema;  // field ids not assigned yet
  int32_t shards_num = 0;           // 0 or less: 1; at most 16
  int32_t consistency_level = 2;    // Milvus's numbering (Bounded)
  cluster::KeyValues properties;
  int64_t num_partitions = 0;       // partition-key collections only (0: 16; at most 1024)
};

// Build state of an index: rows of flushed segments covered by a built index file (all of them
// for exact families and scalar fields, which need no file), flushed rows still waiting, and
// every row of the collection (flushed and growing).
struct IndexProgress {
  size_t indexed_rows = 0;
  size_t pending_rows = 0;
  size_t total_rows = 0;
};

// An index of a collection with its build state (DescribeIndex).
struct IndexDescription {
  cluster::IndexInfo info;
  IndexProgress progress;
};

struct MutationOutcome {
  size_t count = 0;
  Timestamp timestamp = 0;
};

class Proxy {
 public:
  Proxy(cluster::CoordClient* coord, cluster::DataNodeClient* datanode, cluster::QueryNodeClient* querynode,
        storage::Wal* wal, MetricsRegistry* metrics, ProxyOptions options);

  const ProxyOptions& options() const { return options_; }

  // The catalog (proxy/catalog.cc), as the coordinator answers it. `name` may be an alias where
  // Milvus accepts one.
  Status CreateDatabase(const std::string& name, const cluster::KeyValues& properties);
  Status DropDatabase(const std::string& name);
  Result<std::vector<cluster::DatabaseInfo>> ListDatabases();
  Result<cluster::DatabaseInfo> DescribeDatabase(const std::string& name);
  Status AlterDatabase(const std::string& name, const cluster::KeyValues& set, const std::vector<std::string>& remove);
  // Normalizes the schema (field ids) and checks the shard and partition numbers first.
  Status CreateCollection(const std::string& db, CollectionRequest request);
  // InvalidArgument for an empty name; NotFound (kCollectionNotFound) when missing.
  Result<cluster::CollectionPtr> DescribeCollection(const std::string& db, const std::string& name);
  Result<cluster::CollectionPtr> DescribeCollectionById(int64_t id);
  // False when there is no such collection (other errors are errors).
  Result<bool> HasCollection(const std::string& db, const std::string& name);
  // The collection, refused unless loaded (and its load did not fail): what reads need.
  Result<cluster::CollectionPtr> LoadedCollection(const std::string& db, const std::string& name);
  Result<std::vector<cluster::CollectionPtr>> ListCollections(const std::string& db);
  Result<std::vector<cluster::CollectionPtr>> ListAllCollections();
  Status AlterCollection(const std::string& db, const std::string& name, const cluster::KeyValues& set,
                         const std::vector<std::string>& remove);
  Status RenameCollection(const std::string& db, const std::string& old_name, const std::string& new_db,
                          const std::string& new_name);
  Status AlterField(const std::string& db, const std::string& collection, const std::string& field,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove);
  Status DropPartition(const std::string& db, const std::string& collection, const std::string& partition);
  // Ids of the named partitions, each required to exist and be loaded (none named: every loaded
  // partition). Refused for partition-key collections, whose partitions the proxy chooses.
  Result<std::vector<int64_t>> ReadPartitions(const cluster::CollectionInfo& collection,
                                              const std::vector<std::string>& names) const;
  Status CreateAlias(const std::string& db, const std::string& collection, const std::string& alias);
  Status DropAlias(const std::string& db, const std::string& alias);
  Status AlterAlias(const std::string& db, const std::string& collection, const std::string& alias);
  Result<std::string> DescribeAlias(const std::string& db, const std::string& alias);
  // Resolves and checks the index (proxy/indexes.h) and records it in the catalog.
  Status CreateIndex(const std::string& db, const std::string& collection, const IndexSpec& spec);
  // The index named, else the one on `field_name`; refused while the collection is loaded.
  Status DropIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                   const std::string& field_name);
  // The collection's indexes (only the one named, or those on `field_name`, when given);
  // NotFound (kIndexNotFound) when none matches.
  Result<std::vector<IndexDescription>> DescribeIndexes(const std::string& db, const std::string& collection,
                                                        const std::string& index_name, const std::string& field_name);
  Status AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove);
  // Load progress in percent of a loaded collection (each named partition must exist and be
  // loaded).
  Result<int64_t> LoadingProgress(const cluster::CollectionInfo& collection, const std::vector<std::string>& partitions);
  // The replicas serving a loaded collection (GetReplicas).
  Result<std::vector<cluster::ReplicaView>> Replicas(int64_t collection_id);

  // Resource groups (proxy/resource_groups.cc).
  Status CreateResourceGroup(const std::string& name, const cluster::ResourceGroupConfig& config);
  Status DropResourceGroup(const std::string& name);
  Status UpdateResourceGroups(const std::map<std::string, cluster::ResourceGroupConfig>& configs);
  Status TransferNode(const std::string& source, const std::string& target, int32_t count);
  Status TransferReplica(const std::string& source, const std::string& target, const std::string& db,
                         const std::string& collection, int64_t count);
  Result<std::vector<std::string>> ListResourceGroups();
  Result<ResourceGroupView> DescribeResourceGroup(const std::string& name);
  // Whether the collection (and every named partition, each required to exist) is loaded;
  // FailedPrecondition when it is marked loaded but its data could not be read (damaged or
  // missing files), with the reason.
  Result<bool> LoadState(const cluster::CollectionInfo& collection, const std::vector<std::string>& partitions);
  Result<Timestamp> AllocTimestamp();
  Result<int64_t> AllocIds(uint32_t count);

  // Writes rows (and, for upsert, deletes of their keys at the same timestamp) to the WAL.
  Result<MutationOutcome> Write(const cluster::CollectionInfo& collection, const std::string& partition_name,
                                const RowsIn& rows, bool upsert);
  Result<MutationOutcome> Delete(const cluster::CollectionInfo& collection, const std::vector<segment::PrimaryKey>& pks);
  // Deletes the rows `filter` matches (in `partition` if given; a filter other than a primary key
  // list needs the collection loaded). Returns the deleted keys.
  Result<MutationOutcome> DeleteWhere(const cluster::CollectionInfo& collection, const std::string& partition,
                                      const std::string& filter, const expr::TemplateValues& templates,
                                      std::chrono::milliseconds budget, const std::function<bool()>& cancelled,
                                      std::vector<segment::PrimaryKey>* keys);
  // Seals and persists the collection's buffered rows; returns the flushed segment ids and the
  // flush timestamp.
  Result<std::pair<std::vector<int64_t>, Timestamp>> Flush(const cluster::CollectionInfo& collection,
                                                           std::chrono::milliseconds budget,
                                                           const std::function<bool()>& cancelled);
  // Whether every segment id is flushed, among the segments of `collections`.
  Result<bool> SegmentsFlushed(const std::vector<cluster::CollectionPtr>& collections, const std::vector<int64_t>& ids);

  // Reads (proxy/search.cc).
  Result<SearchOutcome> Search(const SearchArgs& args);
  Result<SearchOutcome> HybridSearch(const HybridSearchArgs& args);
  Result<QueryOutcome> Query(const QueryArgs& args);

  // Waits until the querynode has consumed the writes the consistency level asks for, and
  // returns the timestamp to read at:
  //   Strong (and Customized): every write acknowledged before this call (asks the WAL);
  //   Bounded: every write acknowledged `graceful_time` before this call, and every write made
  //     through this proxy (asks the WAL only when what it knows is older than that);
  //   Session: every write made through this proxy (never asks the WAL);
  //   Eventually: nothing.
  // Waits at most `wait.budget` (and
  // while `wait.cancelled` is false). `after` gets the positions waited for: the read carries
  // them, so that a replica other than the one waited on waits too.
  Result<Timestamp> ReadTimestamp(const cluster::CollectionInfo& collection, const ReadWait& wait,
                                  cluster::ReadAfter* after);
  // From now on, waits of requests end (Unavailable) so that the server can shut down.
  void BeginShutdown() { stopping_.store(true); }
  bool stopping() const { return stopping_.load(); }

  // Collection state across roles (proxy/collections.cc).
  // Loads `partitions` (the whole loaded set afterwards): refused without an index on every
  // vector field; the catalog's load state is rolled back if the querynode cannot load.
  // `replicas` 0 keeps the number a loaded collection has (1 for one not loaded); `groups` are
  // the resource groups the replicas go to (none: where they are, or the default group).
  Status LoadPartitions(const cluster::CollectionPtr& collection, std::vector<int64_t> partitions,
                        int32_t replicas = 0, const std::vector<std::string>& groups = {});
  // Keeps only `partitions` loaded (none: the collection is released).
  Status KeepLoadedPartitions(const cluster::CollectionPtr& collection, const std::vector<int64_t>& partitions);
  Status Release(const cluster::CollectionInfo& collection);
  // The same by name: every partition loaded, the named partitions loaded besides those loaded
  // (each must exist), the named partitions released (names that do not exist are skipped).
  Status LoadCollection(const std::string& db, const std::string& name, int32_t replicas = 0,
                        const std::vector<std::string>& groups = {});
  Status ReleaseCollection(const std::string& db, const std::string& name);
  Status LoadPartitionsNamed(const std::string& db, const std::string& collection,
                             const std::vector<std::string>& partitions, int32_t replicas = 0,
                             const std::vector<std::string>& groups = {});
  Status ReleasePartitionsNamed(const std::string& db, const std::string& collection,
                                const std::vector<std::string>& partitions);
  Status DropCollection(const std::string& db, const std::string& name);
  // Creates a partition; a loaded collection loads it at once.
  Status CreatePartition(const std::string& db, const std::string& collection, const std::string& partition);
  // Rows of the collection (or one partition), flushed and buffered. `segments` saves reading
  // the segment records again when the caller has them.
  Result<size_t> RowCount(const cluster::CollectionInfo& collection, std::optional<int64_t> partition,
                          const cluster::CollectionSegments* segments = nullptr);
  // Rows of a collection by name, or of its partition `partition` (empty: every partition).
  Result<size_t> RowCountOf(const std::string& db, const std::string& collection, const std::string& partition);
  // Of every index of the collection, by index id, from one read of its segment records.
  Result<std::map<int64_t, IndexProgress>> IndexProgressOf(const cluster::CollectionInfo& collection);

  // Resolves output field names (`*`, schema fields, $meta, dynamic keys).
  Result<OutputPlan> ResolveOutputFields(const schema::CollectionSchema& schema,
                                         const std::vector<std::string>& requested, bool include_pk) const;

  // Shard of a primary key (stable across restarts: deletes must reach the insert's channel).
  static size_t ShardOf(const segment::PrimaryKey& pk, size_t shards);

 private:
  // Sets the resource groups of a load of `replicas` replicas into `groups` (proxy/resource_groups.cc);
  // `previous` gets what was stored when something was written, to restore on failure.
  Status PlaceInGroups(const cluster::CollectionInfo& current, int32_t replicas, const std::vector<std::string>& groups,
                       std::optional<std::map<std::string, int32_t>>* previous);
  Result<cluster::ResourceGroups*> Groups() const;

  cluster::CoordClient* coord_;
  cluster::DataNodeClient* datanode_;
  cluster::QueryNodeClient* querynode_;
  // Serializes the changes of one collection's load state across roles (load, release, drop, a
  // partition created in a loaded collection), so that a load racing a drop cannot leave the
  // querynode serving, and consuming the WAL channels of, a collection that no longer exists.
  // Striped by collection id: loads of different collections rarely wait for each other.
  Mutex& LoadLock(int64_t collection_id) const { return load_locks_[static_cast<uint64_t>(collection_id) % kLoadLocks]; }
  static constexpr size_t kLoadLocks = 64;
  mutable std::array<Mutex, kLoadLocks> load_locks_;

  // The freshest WAL position known per channel: `lsn` covers every write acknowledged before `at`
  // (a last lsn read from the WAL, or a record this proxy appended, timed from before the call).
  // Bounded and Session reads wait for these positions instead of asking the WAL.
  struct Observed {
    storage::Lsn lsn = 0;
    std::chrono::steady_clock::time_point at;
  };
  void Observe(const std::string& channel, storage::Lsn lsn, std::chrono::steady_clock::time_point at);
  Result<storage::Lsn> AppendObserved(const std::string& channel, const std::string& payload);

  storage::Wal* wal_;
  ProxyOptions options_;
  Mutex observed_mu_;
  std::map<std::string, Observed> observed_ QUIVER_GUARDED_BY(observed_mu_);
  std::atomic<bool> stopping_{false};
  Counter* rows_inserted_;
  Counter* rows_deleted_;
};

}  // namespace quiver::proxy
