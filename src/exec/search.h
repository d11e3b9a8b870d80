#pragma once

// Vector search over a set of segments (growing and sealed) of one shard, and the reduce that
// merges per-segment (and later per-shard) results. Each segment contributes its best
// topk + offset hits among rows that are visible at the search timestamp, not deleted, and pass
// the filter; the merge keeps one hit per primary key, skips `offset` hits and keeps `topk`.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "common/timestamp.h"
#include "exec/scalar_index.h"
#include "expr/plan.h"
#include "index/distance.h"
#include "index/vector_index.h"
#include "segment/search_window.h"
#include "segment/segment.h"

namespace quiver::exec {

struct VectorSearchRequest {
  schema::FieldId field_id = 0;
  index::MetricType metric = index::MetricType::kL2;
  index::QueryBatch queries;  // the field's type and dimension, the query vectors
  size_t topk = 10;
  size_t offset = 0;
  const expr::PlanNode* filter = nullptr;  // null = all rows
  Timestamp timestamp = kMaxTimestamp;
  // Range and iterator bounds. For an iterator page each segment returns its best topk + offset
  // hits in exactly the result order (distance by the metric, then primary key ascending), ties
  // at equal distance included (a segment's heap is widened until no tie group is cut).
  segment::SearchWindow window;
  // Search-phase index parameters (ef, nprobe, ...), already validated.
  std::map<std::string, double> search_params;
  // The built index of a sealed segment for this field, or null to search it exactly. May be
  // empty (every segment exact).
  std::function<std::shared_ptr<const index::VectorIndex>(const segment::Segment&)> index_for;
  // Scalar indexes of a sealed segment for the filter, or null. May be empty.
  std::function<const ScalarIndexMap*(const segment::Segment&)> scalar_for;

  size_t nq() const { return queries.nq(); }
  index::VectorView QueryView() const { return queries.View(); }
};

struct SearchHit {
  float distance = 0;
  segment::PrimaryKey pk;
  // Where the row lives, for fetching output fields.
  std::shared_ptr<const segment::Segment> segment;
  size_t row = 0;
};

// Per query, hits best first.
using SearchHits = std::vector<std::vector<SearchHit>>;

// Searches `segments` (deletes from `deletes`, may be null). Returns, per query, up to
// topk + offset best hits (the caller's reduce applies the offset). `pool` (may be null) runs
// segments in parallel. Sealed segments with a built index (index_for) are searched through it,
// the rest exactly. InvalidArgument if the field is missing or of another vector type or dimension.
Result<SearchHits> SearchSegments(const VectorSearchRequest& request,
                                  const std::vector<std::shared_ptr<const segment::Segment>>& segments,
                                  const segment::DeleteLog* deletes, ThreadPool* pool = nullptr);

// Merges several result sets for the same queries: per query, orders by distance (per metric),
// drops repeated primary keys (keeping the best), skips `offset` and keeps `topk`.
SearchHits MergeSearchHits(std::vector<SearchHits> parts, size_t nq, size_t topk, size_t offset,
                           bool higher_is_better);

}  // namespace quiver::exec
