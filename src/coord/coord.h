#pragma once

// Coord: the catalog (databases, collections, partitions, aliases, indexes, load state), the
// timestamp oracle and ID allocator, and the registry of flushed segments, delta files and channel
// checkpoints — Milvus's root, data, query and index coordinators in one (as its MixCoord).
//
// Everything lives in the MetaStore under "quiver/"; memory holds a cache rebuilt at Open().
// Mutations write the MetaStore first (one transaction each) and then the cache, under one mutex:
// a single coord process is the only writer in standalone mode.
//
// Timestamps: a HybridClock whose high-water mark is persisted ahead of use (a 5 s window; Milvus's
// TSO keeps 3 s), so timestamps never go backwards across restarts. The window is renewed in the
// background every 500 ms of allocations, so they wait for the MetaStore only once it has been
// unreachable for about 4.5 s.
//
// Thread-safe.

#include <map>
#include <memory>
#include <thread>

#include "cluster/clients.h"
#include "common/mutex.h"
#include "common/timestamp.h"
#include "coord/rbac.h"
#include "storage/meta/meta_store.h"
#include "storage/object_store/object_store.h"
#include "storage/wal/wal.h"

namespace quiver::coord {

struct CoordOptions {
  // Milvus's rootCoord.maxGeneralCapacity: the sum over collections of partitions x shards.
  int64_t max_general_capacity = 65536;
  // Milvus's quotaAndLimits.limits.maxCollectionNum.
  int64_t max_collections = 65536;
  // How many replicas of a collection the query nodes can hold (one per node), asked when a load
  // asks for more than one. Unset: one (a standalone server has one query node).
  std::function<Result<int32_t>()> replica_capacity;
  // Told after a collection's load state changed (the replica placement acts on it at once).
  std::function<void()> load_state_changed;
};

class Coord final : public cluster::CoordClient {
 public:
  // `meta` and `wal` must outlive the coord. The coord creates and drops WAL channels.
  static Result<std::unique_ptr<Coord>> Open(storage::MetaStore* meta, storage::Wal* wal,
                                             storage::ObjectStore* objects, CoordOptions options = {});
  ~Coord() override;

  // Users, roles and grants (kept beside the catalog, in the same MetaStore).
  cluster::AccessClient* access() { return &rbac_; }
  bool RootHasDefaultPassword() { return rbac_.RootHasDefaultPassword(); }

  Status CreateDatabase(const std::string& name, const cluster::KeyValues& properties) override;
  Status DropDatabase(const std::string& name) override;
  Result<std::vector<cluster::DatabaseInfo>> ListDatabases() override;
  Result<cluster::DatabaseInfo> DescribeDatabase(const std::string& name) override;
  Status AlterDatabase(const std::string& name, const cluster::KeyValues& set,
                       const std::vector<std::string>& remove) override;

  Status CreateCollection(const std::string& db, const cluster::CollectionSpec& spec) override;
  Status DropCollection(const std::string& db, const std::string& name) override;
  Result<cluster::CollectionPtr> DescribeCollection(const std::string& db, const std::string& name) override;
  Result<cluster::CollectionPtr> DescribeCollectionById(int64_t id) override;
  Result<std::vector<cluster::CollectionPtr>> ListCollections(const std::string& db) override;
  Result<std::vector<cluster::CollectionPtr>> ListAllCollections() override;
  Status RenameCollection(const std::string& db, const std::string& old_name, const std::string& new_db,
                          const std::string& new_name) override;
  Status AlterCollection(const std::string& db, const std::string& name, const cluster::KeyValues& set,
                         const std::vector<std::string>& remove) override;

  Status CreatePartition(const std::string& db, const std::string& collection, const std::string& partition) override;
  Status DropPartition(const std::string& db, const std::string& collection, const std::string& partition) override;

  Status CreateAlias(const std::string& db, const std::string& collection, const std::string& alias) override;
  Status DropAlias(const std::string& db, const std::string& alias) override;
  Status AlterAlias(const std::string& db, const std::string& collection, const std::string& alias) override;
  Result<std::string> DescribeAlias(const std::string& db, const std::string& alias) override;

  Status CreateIndex(const std::string& db, const std::string& collection, const cluster::IndexInfo& index) override;
  Status DropIndex(const std::string& db, const std::string& collection, const std::string& index_name) override;

  Status SetLoadState(int64_t collection_id, const std::vector<int64_t>& loaded_partitions,
                      int32_t replica_number) override;

  // Replaces index parameters (AlterIndex) and field type params (AlterCollectionField).
  Status AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove) override;
  Status AlterField(const std::string& db, const std::string& collection, const std::string& field,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove) override;

  Result<Timestamp> AllocTimestamp(uint32_t count) override;
  Result<int64_t> AllocIds(uint32_t count) override;

  Status CommitFlush(int64_t collection_id, const std::string& channel,
                     const std::vector<cluster::SegmentInfo>& segments,
                     const std::optional<cluster::DeltaInfo>& delta, const cluster::Checkpoint& checkpoint) override;
  Result<cluster::CollectionSegments> GetSegments(int64_t collection_id) override;
  Status CommitSegmentIndex(const cluster::SegmentIndexInfo& info) override;
  Status DiscardSegmentIndex(const cluster::SegmentIndexInfo& info) override;

 private:
  Coord(storage::MetaStore* meta, storage::Wal* wal, storage::ObjectStore* objects, CoordOptions options)
      : meta_(meta), wal_(wal), objects_(objects), options_(options) {}
  Status Load();
  // Refuses adding `collections` collections and `units` partitions x shards beyond the limits.
  Status CheckCapacity(int64_t collections, int64_t units) QUIVER_REQUIRES(mu_);

  Result<std::shared_ptr<const cluster::DatabaseInfo>> FindDb(const std::string& name) QUIVER_REQUIRES(mu_);
  // Resolves a collection name or alias in a database.
  Result<cluster::CollectionPtr> Find(const std::string& db, const std::string& name) QUIVER_REQUIRES(mu_);
  Status PutCollection(const cluster::CollectionInfo& info) QUIVER_REQUIRES(mu_);
  Result<int64_t> AllocIdsLocked(uint32_t count) QUIVER_REQUIRES(mu_);

  storage::MetaStore* meta_;
  storage::Wal* wal_;
  storage::ObjectStore* objects_;
  CoordOptions options_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<const cluster::DatabaseInfo>> databases_ QUIVER_GUARDED_BY(mu_);
  std::map<int64_t, cluster::CollectionPtr> collections_ QUIVER_GUARDED_BY(mu_);
  std::map<int64_t, cluster::CollectionSegments> segments_ QUIVER_GUARDED_BY(mu_);
  int64_t next_id_ QUIVER_GUARDED_BY(mu_) = 0;
  int64_t id_limit_ QUIVER_GUARDED_BY(mu_) = 0;
  uint64_t next_channel_uid_ QUIVER_GUARDED_BY(mu_) = 1;
  Rbac rbac_{meta_};  // its own lock: privilege checks never wait for catalog work

  // Stores a window limit of at least `limit` and returns the one stored.
  Result<uint64_t> PersistTsoLimit(uint64_t limit) QUIVER_EXCLUDES(tso_persist_mu_);

  Mutex tso_mu_;
  HybridClock clock_;
  Timestamp tso_limit_ QUIVER_GUARDED_BY(tso_mu_) = 0;  // physical ms handed out only below this
  bool tso_renewing_ QUIVER_GUARDED_BY(tso_mu_) = false;
  std::thread tso_renewal_ QUIVER_GUARDED_BY(tso_mu_);
  Mutex tso_persist_mu_;  // after tso_mu_ when both are held
  uint64_t tso_persisted_ QUIVER_GUARDED_BY(tso_persist_mu_) = 0;
};

}  // namespace quiver::coord
