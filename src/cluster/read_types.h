#pragma once

// Reads across the querynode boundary: a vector search and a query, and their results.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/replica_parts.h"
#include "common/timestamp.h"
#include "expr/plan.h"
#include "index/distance.h"
#include "index/vector_index.h"
#include "schema/column.h"
#include "segment/search_window.h"
#include "segment/segment.h"
#include "storage/wal/wal.h"

namespace quiver::cluster {

// What a read must see: the positions, per channel, that the query node serving it must have
// consumed first (the writes acknowledged before a Strong or Bounded read), and how long it may
// wait for them. Empty: read at once. Carried in the read, so that whichever replica serves it
// waits, not only the one a separate wait went to.
struct ReadAfter {
  std::map<std::string, storage::Lsn> positions;
  std::chrono::milliseconds timeout{0};
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
  segment::SearchWindow window;  // range and iterator bounds
  std::vector<schema::FieldId> output_fields;
  ReadAfter after;
  // The share the node answers for (cluster/replica_parts.h: a replica split over several query
  // nodes; the caller merges the nodes' answers). 0: the whole collection.
  int64_t replica_id = 0;
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
  ReadAfter after;
  int64_t replica_id = 0;  // as in SearchRequest
};

struct QueryResult {
  // count(*): the distinct keys matched (the only output); otherwise the rows returned.
  size_t count = 0;
  // Ordered by primary key (so pk-cursor pagination with a limit returns every row once).
  std::shared_ptr<const schema::DataChunk> rows;
  // Each row's primary key and insert timestamp, in row order: what merging the answers of a split
  // replica's members needs (the same key in two members' segments: the latest version wins).
  std::vector<segment::PrimaryKey> pks;
  std::vector<Timestamp> timestamps;
};

}  // namespace quiver::cluster
