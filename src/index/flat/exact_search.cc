#include "index/flat/exact_search.h"

#include <algorithm>
#include <cstring>

#include "index/flat/flat_search.h"

namespace quiver::index {

namespace {

using DT = schema::DataType;

struct SparseRow {
  std::vector<std::pair<uint32_t, float>> pairs;  // sorted by index
};

SparseRow ReadSparse(const VectorView& view, size_t row) {
  const uint8_t* base = static_cast<const uint8_t*>(view.data);
  size_t begin = view.offsets[row], end = view.offsets[row + 1];
  SparseRow out;
  out.pairs.resize((end - begin) / 8);
  for (size_t i = 0; i < out.pairs.size(); ++i) {
    std::memcpy(&out.pairs[i].first, base + begin + i * 8, 4);
    std::memcpy(&out.pairs[i].second, base + begin + i * 8 + 4, 4);
  }
  std::sort(out.pairs.begin(), out.pairs.end());
  return out;
}

// Inner product of two index-sorted sparse rows, and whether they share a dimension.
std::pair<float, bool> SparseIp(const SparseRow& a, const SparseRow& b) {
  float sum = 0;
  bool shared = false;
  size_t i = 0, j = 0;
  while (i < a.pairs.size() && j < b.pairs.size()) {
    if (a.pairs[i].first < b.pairs[j].first) {
      ++i;
    } else if (a.pairs[i].first > b.pairs[j].first) {
      ++j;
    } else {
      sum += a.pairs[i].second * b.pairs[j].second;
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
  if (base.type != queries.type) return Status::InvalidArgument("query vector type does not match the field");
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
          float d;
          if (metric == MetricType::kHamming) {
            d = static_cast<float>(k.hamming(query, base.Row(r), bytes));
          } else {
            uint32_t both, either;
            k.and_or_count(query, base.Row(r), bytes, &both, &either);
            d = either == 0 ? 0.0f : 1.0f - static_cast<float>(both) / static_cast<float>(either);
          }
          if (InRange(params, d) && (*heaps)[q].WouldAccept(d)) (*heaps)[q].Push(d, id_base + static_cast<int64_t>(r));
        }
      }
      return Status::OK();
    }
    case DT::kSparseFloatVector: {
      if (metric != MetricType::kIP) return Status::InvalidArgument("sparse vectors are searched by IP");
      std::vector<SparseRow> qs;
      for (size_t q = 0; q < queries.rows; ++q) qs.push_back(ReadSparse(queries, q));
      for (size_t r = 0; r < base.rows; ++r) {
        if (!admitted(r)) continue;
        SparseRow row = ReadSparse(base, r);
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
