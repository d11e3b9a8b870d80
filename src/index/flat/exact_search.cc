#include "index/flat/exact_search.h"

#include <algorithm>
#include <cstring>

#include "index/flat/flat_search.h"

namespace quiver::index {

namespace {

using DT = schema::DataType;

using SparsePairs = std::vector<std::pair<uint32_t, float>>;

SparsePairs SortedSparseRow(const VectorView& view, size_t row) {
  SparsePairs pairs = SparseRow(view, row);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

// Inner product of two index-sorted sparse rows, and whether they share a dimension.
std::pair<float, bool> SparseIp(const SparsePairs& a, const SparsePairs& b) {
  float sum = 0;
  bool shared = false;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].first < b[j].first) {
      ++i;
    } else if (a[i].first > b[j].first) {
      ++j;
    } else {
      sum += a[i].second * b[j].second;
      shared = true;
      ++i;
      ++j;
    }
  }
  return {sum, shared};
}

}  // namespace

Status ExactSearch(MetricType metric, const VectorView& base, const VectorView& queries, const SearchOptions& options,
                   size_t allowed_offset, int64_t id_base, std::vector<TopK>* heaps) {
  if (!QueriesFit(queries.type, base.type)) return Status::InvalidArgument("query vector type does not match the field");
  if (heaps->size() != queries.rows) return Status::InvalidArgument("one result heap per query is required");
  if (base.type != DT::kSparseFloatVector && base.dim != queries.dim) {
    return Status::InvalidArgument("query dimension does not match the field");
  }
  FlatSearchParams params{metric, base.dim, options.radius, options.range_filter};
  const Bitset* allowed = options.allowed;
  auto admitted = [&](size_t r) { return allowed == nullptr || allowed->Test(allowed_offset + r); };
  switch (base.type) {
    case DT::kFloatVector:
    case DT::kFloat16Vector:
    case DT::kBFloat16Vector: {
      if (metric != MetricType::kL2 && metric != MetricType::kIP && metric != MetricType::kCosine) {
        return Status::InvalidArgument("metric " + std::string(MetricName(metric)) + " does not apply to float vectors");
      }
      std::vector<float> raw = ToFloats(queries);
      std::vector<float> prepared = PrepareQueries(params, raw);
      if (base.type == DT::kFloatVector) {
        return FlatSearch(params, prepared, static_cast<const float*>(base.data), base.rows, allowed, allowed_offset,
                          id_base, heaps);
      }
      std::vector<float> widened = ToFloats(base);
      return FlatSearch(params, prepared, widened.data(), base.rows, allowed, allowed_offset, id_base, heaps);
    }
    case DT::kBinaryVector: {
      if (metric != MetricType::kHamming && metric != MetricType::kJaccard) {
        return Status::InvalidArgument("metric " + std::string(MetricName(metric)) + " does not apply to binary vectors");
      }
      const DistanceKernels& k = Kernels();
      const size_t bytes = base.RowBytes();
      for (size_t q = 0; q < queries.rows; ++q) {
        const uint8_t* query = queries.Row(q);
        for (size_t r = 0; r < base.rows; ++r) {
          if (!admitted(r)) continue;
          float d = BinaryDistance(k, metric, query, base.Row(r), bytes);
          if (InRange(params, d) && (*heaps)[q].WouldAccept(d)) (*heaps)[q].Push(d, id_base + static_cast<int64_t>(r));
        }
      }
      return Status::OK();
    }
    case DT::kSparseFloatVector: {
      if (metric != MetricType::kIP) return Status::InvalidArgument("sparse vectors are searched by IP");
      std::vector<SparsePairs> qs;
      for (size_t q = 0; q < queries.rows; ++q) qs.push_back(SortedSparseRow(queries, q));
      for (size_t r = 0; r < base.rows; ++r) {
        if (!admitted(r)) continue;
        SparsePairs row = SortedSparseRow(base, r);
        for (size_t q = 0; q < qs.size(); ++q) {
          auto [score, shared] = SparseIp(qs[q], row);
          if (shared && InRange(params, score)) (*heaps)[q].Push(score, id_base + static_cast<int64_t>(r));
        }
      }
      return Status::OK();
    }
    default:
      return Status::InvalidArgument("field is not a vector field");
  }
}

}  // namespace quiver::index
