#include "index/flat/flat_search.h"

#include <algorithm>
#include <cmath>

namespace quiver::index {

bool InRange(const FlatSearchParams& params, float distance) {
  if (HigherIsBetter(params.metric)) {
    if (params.radius && !(distance > *params.radius)) return false;
    if (params.range_filter && !(distance <= *params.range_filter)) return false;
  } else {
    if (params.radius && !(distance < *params.radius)) return false;
    if (params.range_filter && !(distance >= *params.range_filter)) return false;
  }
  return true;
}

std::vector<float> PrepareQueries(const FlatSearchParams& params, std::span<const float> queries) {
  std::vector<float> out(queries.begin(), queries.end());
  if (params.metric == MetricType::kCosine && params.dim > 0) {
    for (size_t q = 0; q + params.dim <= out.size(); q += params.dim) NormalizeInPlace(out.data() + q, params.dim);
  }
  return out;
}

std::vector<float> InverseNorms(const float* base, size_t rows, size_t dim) {
  std::vector<float> out(rows);
  for (size_t r = 0; r < rows; ++r) out[r] = InverseNorm(base + r * dim, dim);
  return out;
}

namespace {

constexpr size_t kBlockRows = 256;

}  // namespace

Status FlatSearch(const FlatSearchParams& params, std::span<const float> queries,
                  const float* base, size_t rows, const Bitset* allowed, size_t allowed_offset,
                  int64_t id_base, std::vector<TopK>* heaps) {
  const size_t dim = params.dim;
  const size_t nq = heaps->size();
  if (dim == 0 || queries.size() != nq * dim) {
    return Status::InvalidArgument("query vectors do not match the dimension");
  }
  if (allowed != nullptr && allowed->size() < allowed_offset + rows) {
    return Status::InvalidArgument("filter bitset smaller than the segment");
  }
  if (rows == 0 || nq == 0) return Status::OK();
  const DistanceKernels& kernels = Kernels();
  auto batch = params.metric == MetricType::kL2   ? kernels.l2_batch
               : params.metric == MetricType::kIP ? kernels.ip_batch
                                                  : kernels.cosine_batch;
  if (params.metric != MetricType::kL2 && params.metric != MetricType::kIP &&
      params.metric != MetricType::kCosine) {
    return Status::InvalidArgument("metric not supported for float vectors", MetricName(params.metric));
  }
  const bool ranged = params.radius.has_value() || params.range_filter.has_value();
  float distances[kBlockRows];
  float inv_norms[kBlockRows];
  uint32_t picked[kBlockRows];
  for (size_t start = 0; start < rows; start += kBlockRows) {
    size_t count = std::min(kBlockRows, rows - start);
    const float* block = base + start * dim;
    // Which rows of the block pass the filter.
    size_t selected = count;
    if (allowed != nullptr) {
      selected = 0;
      for (size_t r = allowed->NextSet(allowed_offset + start);
           r < allowed_offset + start + count; r = allowed->NextSet(r + 1)) {
        picked[selected++] = static_cast<uint32_t>(r - allowed_offset - start);
      }
      if (selected == 0) continue;
    }
    const bool dense = selected == count;
    // COSINE with several queries: compute each row's norm once per block, then plain dot
    // products (the fused kernel would recompute the norms for every query).
    // Cached norms make COSINE a plain dot product even for one query.
    const bool cosine_by_norms =
        params.metric == MetricType::kCosine && (nq > 1 || params.inverse_norms != nullptr);
    if (cosine_by_norms) {
      if (params.inverse_norms != nullptr) {
        std::copy(params.inverse_norms + start, params.inverse_norms + start + count, inv_norms);
      } else {
        for (size_t r = 0; r < count; ++r) inv_norms[r] = InverseNorm(block + r * dim, dim);
      }
    }
    auto block_batch = cosine_by_norms ? kernels.ip_batch : batch;
    for (size_t q = 0; q < nq; ++q) {
      const float* query = queries.data() + q * dim;
      TopK& heap = (*heaps)[q];
      if (dense || selected * 4 > count) {
        block_batch(query, block, count, dim, distances);
        if (cosine_by_norms) {
          for (size_t r = 0; r < count; ++r) distances[r] *= inv_norms[r];
        }
        if (dense) {
          for (size_t r = 0; r < count; ++r) {
            if (heap.WouldAccept(distances[r]) && (!ranged || InRange(params, distances[r]))) {
              heap.Push(distances[r], id_base + static_cast<int64_t>(start + r));
            }
          }
        } else {
          for (size_t s = 0; s < selected; ++s) {
            float d = distances[picked[s]];
            if (heap.WouldAccept(d) && (!ranged || InRange(params, d))) {
              heap.Push(d, id_base + static_cast<int64_t>(start + picked[s]));
            }
          }
        }
      } else {
        for (size_t s = 0; s < selected; ++s) {
          float d;
          block_batch(query, block + picked[s] * dim, 1, dim, &d);
          if (cosine_by_norms) d *= inv_norms[picked[s]];
          if (heap.WouldAccept(d) && (!ranged || InRange(params, d))) {
            heap.Push(d, id_base + static_cast<int64_t>(start + picked[s]));
          }
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace quiver::index
