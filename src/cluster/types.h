#pragma once

// Domain types exchanged between roles (proxy, coord, datanode, querynode), independent of the
// wire protocol. The client interfaces in clients.h take and return these.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/timestamp.h"
#include "expr/binder.h"
#include "index/distance.h"
#include "index/vector_index.h"
#include "schema/column.h"
#include "schema/schema.h"
#include "segment/segment.h"
#include "storage/wal/wal.h"

namespace quiver::cluster {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kDefaultDatabase = "default";
inline constexpr std::string_view kDefaultPartition = "_default";

struct DatabaseInfo {
  int64_t id = 0;
  std::string name;
  Timestamp created_ts = 0;
  KeyValues properties;
};

struct PartitionInfo {
  int64_t id = 0;
  std::string name;
  uint32_t slot = 0;  // ordinal within the collection, part of segment ids
  Timestamp created_ts = 0;
};

struct IndexInfo {
  int64_t id = 0;
  std::string name;
  schema::FieldId field_id = 0;
  std::string field_name;
  std::string index_type;   // as requested (AUTOINDEX, HNSW, ...); the registry resolves the family
  std::string metric_type;  // L2 / IP / COSINE / ... (empty for scalar indexes)
  KeyValues params;         // every parameter as given, echoed by DescribeIndex
  Timestamp created_ts = 0;
};

struct ChannelInfo {
  std::string name;  // WAL channel name
  uint64_t uid = 0;  // part of segment ids
};

struct CollectionInfo {
  int64_t id = 0;
  int64_t db_id = 0;
  std::string db_name;
  std::string name;
  std::shared_ptr<const schema::CollectionSchema> schema;
  int32_t shards = 1;
  std::vector<ChannelInfo> channels;
  int32_t consistency_level = 2;  // Milvus ConsistencyLevel value (Bounded)
  KeyValues properties;
  Timestamp created_ts = 0;
  int64_t num_partitions = 0;  // partition-key collections
  std::vector<PartitionInfo> partitions;
  std::vector<IndexInfo> indexes;
  std::vector<std::string> aliases;
  std::vector<int64_t> loaded_partitions;  // empty = not loaded
  Timestamp updated_ts = 0;

  bool loaded() const { return !loaded_partitions.empty(); }
  bool PartitionLoaded(int64_t partition_id) const {
    for (int64_t id : loaded_partitions) {
      if (id == partition_id) return true;
    }
    return false;
  }

  const PartitionInfo* FindPartition(std::string_view partition) const {
    for (const auto& p : partitions) {
      if (p.name == partition) return &p;
    }
    return nullptr;
  }
  const IndexInfo* FindIndexByField(schema::FieldId field) const {
    for (const auto& i : indexes) {
      if (i.field_id == field) return &i;
    }
    return nullptr;
  }
};

using CollectionPtr = std::shared_ptr<const CollectionInfo>;

struct SegmentInfo {
  segment::SegmentId id = 0;
  int64_t collection_id = 0;
  int64_t partition_id = 0;
  std::string channel;
  uint64_t epoch = 0;
  size_t rows = 0;
  std::string object_key;
};

struct DeltaInfo {
  std::string channel;
  uint64_t epoch = 0;
  size_t count = 0;
  std::string object_key;
};

// Where a consumer of a channel resumes: the next lsn to read and the epoch it belongs to.
struct Checkpoint {
  storage::Lsn lsn = 1;
  uint64_t epoch = 0;
};

// A built index file of one sealed segment (written by the indexnode, loaded by the querynode).
struct SegmentIndexInfo {
  segment::SegmentId segment_id = 0;
  int64_t collection_id = 0;
  int64_t index_id = 0;
  schema::FieldId field_id = 0;
  std::string family;      // the family that built it (HNSW, IVF_PQ, ...)
  size_t rows = 0;
  uint64_t bytes = 0;
  std::string object_key;
};

struct CollectionSegments {
  std::vector<SegmentInfo> segments;
  std::vector<SegmentIndexInfo> indexes;  // built segment indexes of the collection's current indexes
  std::vector<DeltaInfo> deltas;
  std::map<std::string, Checkpoint> checkpoints;  // by channel
};

// A vector search as the querynode runs it.
struct SearchRequest {
  int64_t collection_id = 0;
  std::vector<int64_t> partition_ids;  // empty = all loaded
  schema::FieldId field_id = 0;
  index::MetricType metric = index::MetricType::kL2;
  // The field's type and dimension and the query vectors: the same type the querynode hands to
  // exec::VectorSearchRequest.
  index::QueryBatch queries;
  std::map<std::string, double> search_params;  // validated ef / nprobe / ...
  size_t limit = 10;  // topk + offset: the proxy applies the offset
  std::shared_ptr<const expr::PlanNode> filter;
  Timestamp timestamp = kMaxTimestamp;
  std::optional<float> radius;
  std::optional<float> range_filter;
  // A search iterator page: hits in exact (distance, primary key) order, ties included, and only
  // those after (after_distance, after_pk) in that order. Without after_pk every hit at exactly
  // after_distance is left out too (exec::VectorSearchRequest).
  bool iterator = false;
  std::optional<float> after_distance;
  std::optional<segment::PrimaryKey> after_pk;
  std::vector<schema::FieldId> output_fields;
};

struct SearchResult {
  size_t nq = 0;
  std::vector<size_t> counts;               // hits per query
  std::vector<float> distances;             // flattened, per query in order
  std::vector<segment::PrimaryKey> pks;     // flattened
  std::shared_ptr<const schema::DataChunk> fields;  // output fields aligned with the hits
};

struct QueryRequest {
  int64_t collection_id = 0;
  std::vector<int64_t> partition_ids;
  std::shared_ptr<const expr::PlanNode> filter;
  Timestamp timestamp = kMaxTimestamp;
  std::optional<size_t> limit;
  size_t offset = 0;
  bool count_only = false;
  std::vector<schema::FieldId> output_fields;
};

struct QueryResult {
  // count(*): the distinct keys matched (the only output); otherwise the rows returned.
  size_t count = 0;
  // Ordered by primary key (so pk-cursor pagination with a limit returns every row once).
  std::shared_ptr<const schema::DataChunk> rows;
};

}  // namespace quiver::cluster
