#include "exec/search.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "exec/filter.h"
#include "exec/reduce.h"
#include "index/flat/exact_search.h"
#include "index/flat/flat_search.h"

namespace quiver::exec {

namespace {

Status SearchChunksExactly(const VectorSearchRequest& request, const index::FlatSearchParams& params,
                           const std::vector<float>& prepared, const segment::Segment& seg,
                           const std::vector<segment::ChunkRef>& chunks, const Bitset& allowed,
                           std::vector<index::TopK>* heaps) {
  for (const auto& ref : chunks) {
    const schema::ColumnChunk* column = ref.chunk->Find(request.field_id);
    if (column == nullptr || column->type != request.queries.field_type ||
        (request.queries.field_type != schema::DataType::kSparseFloatVector && static_cast<size_t>(column->dim) != request.queries.dim)) {
      return Status::InvalidArgument("segment has no " + std::string(schema::DataTypeName(request.queries.field_type)) +
                                     " column of the requested dimension");
    }
    if (request.queries.field_type != schema::DataType::kFloatVector) {
      index::SearchOptions options;
      options.allowed = &allowed;
      options.radius = request.window.radius;
      options.range_filter = request.window.range_filter;
      QUIVER_RETURN_IF_ERROR(index::ExactSearch(request.metric, index::ColumnVectors(*column, ref.chunk->rows), request.QueryView(),
                                                options, ref.base, static_cast<int64_t>(ref.base), heaps));
      continue;
    }
    index::FlatSearchParams chunk_params = params;
    if (params.metric == index::MetricType::kCosine && chunks.size() == 1) {
      const std::vector<float>* norms = seg.CachedRowFloats(request.field_id, [&] {
        return index::InverseNorms(column->Values<float>().data(), ref.chunk->rows, request.queries.dim);
      });
      if (norms != nullptr) chunk_params.inverse_norms = norms->data();
    }
    QUIVER_RETURN_IF_ERROR(index::FlatSearch(chunk_params, prepared, column->Values<float>().data(), ref.chunk->rows,
                                             &allowed, ref.base, static_cast<int64_t>(ref.base), heaps));
  }
  return Status::OK();
}

// Queries [from, from + count) of `all`.
index::VectorView QuerySlice(const index::VectorView& all, size_t from, size_t count) {
  index::VectorView slice = all;
  slice.rows = count;
  if (all.type == schema::DataType::kSparseFloatVector) {
    slice.offsets = all.offsets + from;
  } else {
    slice.data = all.Row(from);
  }
  return slice;
}

// Searches a sealed segment through its built index; a batch of queries is split across `pool`
// (may be null), since an index answers one query at a time.
Status SearchIndexed(const VectorSearchRequest& request, const index::VectorIndex& built, const Bitset& allowed,
                     size_t rows, size_t capacity, ThreadPool* pool, std::vector<index::TopK>* heaps) {
  index::SearchOptions options;
  options.k = capacity;
  options.params = request.search_params;
  options.allowed = allowed.Count() == rows ? nullptr : &allowed;
  if (request.window.radius || request.window.range_filter) {
    options.radius = request.window.radius;
    options.range_filter = request.window.range_filter;
    std::vector<std::vector<index::Hit>> ranged;
    QUIVER_RETURN_IF_ERROR(index::RangeSearch(built, request.QueryView(), options, &ranged));
    for (size_t q = 0; q < ranged.size(); ++q) {
      for (const index::Hit& hit : ranged[q]) (*heaps)[q].Push(hit.distance, hit.id);
    }
    return Status::OK();
  }
  index::VectorView queries = request.QueryView();
  const size_t nq = queries.rows;
  const size_t parts = pool == nullptr ? 1 : std::min(nq, pool->size() + 1);
  if (parts <= 1) return built.Search(queries, options, heaps);
  const size_t per = (nq + parts - 1) / parts;
  std::vector<Status> statuses(parts, Status::OK());
  pool->ParallelFor(parts, [&](size_t p) {
    size_t from = p * per, count = std::min(nq, from + per) - std::min(nq, from);
    if (count == 0) return;
    std::vector<index::TopK> part(heaps->begin() + static_cast<ptrdiff_t>(from),
                                  heaps->begin() + static_cast<ptrdiff_t>(from + count));
    statuses[p] = built.Search(QuerySlice(queries, from, count), options, &part);
    std::move(part.begin(), part.end(), heaps->begin() + static_cast<ptrdiff_t>(from));
  });
  for (Status& st : statuses) QUIVER_RETURN_IF_ERROR(st);
  return Status::OK();
}

// True if a hit at (distance, pk) lies after the iterator position of `request` (always true
// outside iterators).
bool AfterCursor(const VectorSearchRequest& request, float distance, const segment::PrimaryKey& pk) {
  if (!request.window.after_distance) return true;
  if (distance != *request.window.after_distance) {
    return index::HigherIsBetter(request.metric) ? distance < *request.window.after_distance
                                                 : distance > *request.window.after_distance;
  }
  return request.window.after_pk.has_value() && pk > *request.window.after_pk;
}

// Extra heap places an iterator page asks for: the previous page's last hit (at the cursor, left
// out here) and a few ties at the worst distance fit without widening.
constexpr size_t kIteratorSlack = 16;

Result<SearchHits> SearchOne(const VectorSearchRequest& request, const index::FlatSearchParams& params,
                             const std::vector<float>& prepared,
                             const std::shared_ptr<const segment::Segment>& seg,
                             const segment::DeleteLog* deletes, ThreadPool* pool) {
  std::vector<segment::ChunkRef> chunks = seg->Chunks();
  size_t rows = 0;
  for (const auto& ref : chunks) rows = std::max(rows, ref.base + ref.chunk->rows);
  size_t nq = request.nq();
  SearchHits hits(nq);
  if (rows == 0) return hits;
  const ScalarIndexMap* scalar = seg->sealed() && request.scalar_for ? request.scalar_for(*seg) : nullptr;
  QUIVER_ASSIGN_OR_RETURN(Bitset allowed, EvaluateFilter(request.filter, chunks, rows, scalar));
  allowed &= seg->VisibleRows(chunks, rows, request.timestamp, deletes);
  if (allowed.None()) return hits;
  std::shared_ptr<const index::VectorIndex> built;
  if (seg->sealed() && request.index_for) built = request.index_for(*seg);
  const bool indexed = built != nullptr && built->size() == rows && built->metric() == request.metric;
  const schema::FieldSchema* pk_field = seg->schema().PrimaryField();
  const size_t needed = request.topk + request.offset;
  const size_t candidates = allowed.Count();
  // An iterator page leaves out hits at or before its cursor, and a full heap may hold only part
  // of the tie group at its worst distance (TopK breaks ties on the row, not the key). So it asks
  // for a few more hits, drops that uncertain worst group, and widens the heap until what is left
  // still fills the page.
  const bool iterating = request.window.iterator;
  size_t capacity = iterating ? needed + kIteratorSlack : needed;
  while (true) {
    std::vector<index::TopK> heaps(nq, index::TopK(capacity, index::HigherIsBetter(request.metric)));
    if (indexed) {
      QUIVER_RETURN_IF_ERROR(SearchIndexed(request, *built, allowed, rows, capacity, pool, &heaps));
    } else {
      QUIVER_RETURN_IF_ERROR(SearchChunksExactly(request, params, prepared, *seg, chunks, allowed, &heaps));
    }
    bool widen = false;
    for (size_t q = 0; q < nq; ++q) {
      std::vector<index::Hit> sorted = heaps[q].Sorted();
      const bool cut = iterating && sorted.size() >= capacity && capacity < candidates;
      hits[q].clear();
      for (const index::Hit& hit : sorted) {
        if (cut && hit.distance == sorted.back().distance) break;  // the worst group is last
        size_t row = static_cast<size_t>(hit.id);
        // Find the chunk holding the row for its primary key.
        auto it = std::upper_bound(chunks.begin(), chunks.end(), row,
                                   [](size_t r, const segment::ChunkRef& c) { return r < c.base; });
        const segment::ChunkRef& ref = *std::prev(it);
        segment::PrimaryKey pk = segment::PrimaryKeyAt(*ref.chunk->Find(pk_field->id), row - ref.base);
        if (!AfterCursor(request, hit.distance, pk)) continue;
        hits[q].push_back({hit.distance, std::move(pk), seg, row});
      }
      if (cut && hits[q].size() < needed) widen = true;
    }
    if (!widen) return hits;
    capacity *= 2;
  }
}

// Searches every segment (in parallel on `pool`) and merges.
Result<SearchHits> SearchAll(const VectorSearchRequest& request,
                             const std::vector<std::shared_ptr<const segment::Segment>>& segments,
                             const segment::DeleteLog* deletes, ThreadPool* pool) {
  index::FlatSearchParams params{request.metric, request.queries.dim, request.window.radius, request.window.range_filter};
  std::vector<float> prepared = index::PrepareQueries(params, request.queries.floats);
  std::vector<Result<SearchHits>> parts(segments.size(), Status::Internal("not run"));
  auto run = [&](size_t i) { parts[i] = SearchOne(request, params, prepared, segments[i], deletes, pool); };
  if (pool != nullptr && segments.size() > 1) {
    pool->ParallelFor(segments.size(), run);
  } else {
    for (size_t i = 0; i < segments.size(); ++i) run(i);
  }
  std::vector<SearchHits> ok_parts;
  for (auto& part : parts) {
    if (!part.ok()) return part.status();
    ok_parts.push_back(std::move(part).value());
  }
  return MergeSearchHits(std::move(ok_parts), request.nq(), request.topk + request.offset, 0,
                         index::HigherIsBetter(request.metric));
}

}  // namespace

Result<SearchHits> SearchSegments(const VectorSearchRequest& request,
                                  const std::vector<std::shared_ptr<const segment::Segment>>& segments,
                                  const segment::DeleteLog* deletes, ThreadPool* pool) {
  if (request.queries.field_type == schema::DataType::kFloatVector &&
      (request.queries.dim == 0 || request.queries.floats.empty() || request.queries.floats.size() % request.queries.dim != 0)) {
    return Status::InvalidArgument("query vectors do not match the dimension");
  }
  if (request.nq() == 0) return Status::InvalidArgument("no query vectors");
  if (request.queries.field_type == schema::DataType::kSparseFloatVector &&
      (request.queries.sparse_offsets.empty() || request.queries.sparse_offsets.back() != request.queries.raw.size() ||
       !std::is_sorted(request.queries.sparse_offsets.begin(), request.queries.sparse_offsets.end()))) {
    return Status::InvalidArgument("sparse query vectors are malformed");
  }
  if (request.window.after_distance && !std::isfinite(*request.window.after_distance)) {
    return Status::InvalidArgument("the search iterator bound is not a finite number");
  }
  if (request.window.after_distance) {
    // The cursor doubles as an inclusive inner range bound, so kernels and indexes skip every
    // hit before it (hits at exactly the bound are then sorted out by primary key).
    const float bound = *request.window.after_distance;
    VectorSearchRequest narrowed = request;
    if (index::HigherIsBetter(request.metric)) {
      narrowed.window.range_filter = request.window.range_filter ? std::min(*request.window.range_filter, bound) : bound;
    } else {
      narrowed.window.range_filter = request.window.range_filter ? std::max(*request.window.range_filter, bound) : bound;
    }
    return SearchAll(narrowed, segments, deletes, pool);
  }
  return SearchAll(request, segments, deletes, pool);
}

SearchHits MergeSearchHits(std::vector<SearchHits> parts, size_t nq, size_t topk, size_t offset,
                           bool higher_is_better) {
  return MergeRanked(std::move(parts), nq, topk, offset, higher_is_better);
}

}  // namespace quiver::exec
