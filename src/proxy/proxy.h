#pragma once

// Proxy logic below the gRPC layer: timestamps for writes, routing rows to shards and partitions,
// appending to the WAL (a write is acknowledged once the WAL holds it durably), consistency waits
// before reads, and resolving output fields. The front doors (src/rpc/) turn wire messages into calls here.
// Thread-safe.

#include <memory>
#include <atomic>
#include <functional>
#include <set>

#include "cluster/clients.h"
#include "common/metrics.h"
#include "proxy/rows.h"
#include "schema/schema.h"
#include "storage/wal/wal.h"

namespace quiver::proxy {

struct ProxyOptions {
  std::chrono::milliseconds consistency_timeout{30000};
  std::chrono::milliseconds flush_timeout{600000};
  size_t max_json_bytes = 64 << 10;  // per JSON value of a row (RowLimits)
};

struct MutationOutcome {
  size_t count = 0;
  Timestamp timestamp = 0;
};

// Which columns a search or query returns.
struct OutputPlan {
  std::vector<schema::FieldId> field_ids;  // schema fields to fetch
  std::set<std::string> dynamic_keys;      // keys kept from $meta (empty + dynamic_all = all keys)
  bool dynamic_all = false;
  std::vector<std::string> names;          // output_fields as reported to the client
};

// Build state of an index: rows of flushed segments covered by a built index file (all of them
// for exact families and scalar fields, which need no file), flushed rows still waiting, and
// every row of the collection (flushed and growing).
struct IndexProgress {
  size_t indexed_rows = 0;
  size_t pending_rows = 0;
  size_t total_rows = 0;
};

class Proxy {
 public:
  Proxy(cluster::CoordClient* coord, cluster::DataNodeClient* datanode, cluster::QueryNodeClient* querynode,
        storage::Wal* wal, MetricsRegistry* metrics, ProxyOptions options);

  cluster::CoordClient* coord() { return coord_; }
  cluster::DataNodeClient* datanode() { return datanode_; }
  cluster::QueryNodeClient* querynode() { return querynode_; }
  const ProxyOptions& options() const { return options_; }

  // Writes rows (and, for upsert, deletes of their keys at the same timestamp) to the WAL.
  Result<MutationOutcome> Write(const cluster::CollectionInfo& collection, const std::string& partition_name,
                                const RowsIn& rows, bool upsert);
  Result<MutationOutcome> Delete(const cluster::CollectionInfo& collection, const std::vector<segment::PrimaryKey>& pks);

  // Waits until the querynode has consumed every write acknowledged before this call (all levels
  // except Eventually) and returns the timestamp to read at.
  // Waits at most `budget` (and while `cancelled` is false) for the consistency level.
  Result<Timestamp> ReadTimestamp(const cluster::CollectionInfo& collection, int32_t consistency_level,
                                  std::chrono::milliseconds budget, const std::function<bool()>& cancelled = {});
  // From now on, waits of requests end (Unavailable) so that the server can shut down.
  void BeginShutdown() { stopping_.store(true); }
  bool stopping() const { return stopping_.load(); }

  // Collection state across roles (proxy/collections.cc).
  // Loads `partitions` (the whole loaded set afterwards): refused without an index on every
  // vector field; the catalog's load state is rolled back if the querynode cannot load.
  Status LoadPartitions(const cluster::CollectionPtr& collection, std::vector<int64_t> partitions);
  // Keeps only `partitions` loaded (none: the collection is released).
  Status KeepLoadedPartitions(const cluster::CollectionPtr& collection, const std::vector<int64_t>& partitions);
  Status Release(const cluster::CollectionInfo& collection);
  Status DropCollection(const std::string& db, const std::string& name);
  // Creates a partition; a loaded collection loads it at once.
  Status CreatePartition(const std::string& db, const std::string& collection, const std::string& partition);
  // Rows of the collection (or one partition), flushed and buffered. `segments` saves reading
  // the segment records again when the caller has them.
  Result<size_t> RowCount(const cluster::CollectionInfo& collection, std::optional<int64_t> partition,
                          const cluster::CollectionSegments* segments = nullptr);
  // Of every index of the collection, by index id, from one read of its segment records.
  Result<std::map<int64_t, IndexProgress>> IndexProgressOf(const cluster::CollectionInfo& collection);

  // Resolves output field names (`*`, schema fields, $meta, dynamic keys).
  Result<OutputPlan> ResolveOutputFields(const schema::CollectionSchema& schema,
                                         const std::vector<std::string>& requested, bool include_pk) const;

  // Shard of a primary key (stable across restarts: deletes must reach the insert's channel).
  static size_t ShardOf(const segment::PrimaryKey& pk, size_t shards);

 private:
  cluster::CoordClient* coord_;
  cluster::DataNodeClient* datanode_;
  cluster::QueryNodeClient* querynode_;
  storage::Wal* wal_;
  ProxyOptions options_;
  std::atomic<bool> stopping_{false};
  Counter* rows_inserted_;
  Counter* rows_deleted_;
};

}  // namespace quiver::proxy
