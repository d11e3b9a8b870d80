#pragma once

// Exact (brute-force) search over float vectors: the FLAT index, and the search path of growing
// segments. Streams the vectors once per block of rows, evaluating every query of the batch on a
// block while it is in cache, so nq > 1 costs little extra memory bandwidth.

#include <optional>
#include <span>
#include <vector>

#include "common/bitset.h"
#include "common/status.h"
#include "index/distance.h"
#include "index/topk.h"

namespace quiver::index {

struct FlatSearchParams {
  MetricType metric = MetricType::kL2;
  size_t dim = 0;
  // Range search (Milvus semantics): L2 keeps range_filter <= d < radius; IP and COSINE keep
  // radius < s <= range_filter. Either bound may be absent.
  std::optional<float> radius;
  std::optional<float> range_filter;
  // COSINE only, optional: 1/|x| of each row of `base` (0 for zero rows), e.g. cached by a
  // sealed segment. With it COSINE costs one dot product per row, like IP.
  const float* inverse_norms = nullptr;
};

// 1/|x| for each of `rows` vectors (0 for a zero vector). `base` has rows * dim floats.
std::vector<float> InverseNorms(const float* base, size_t rows, size_t dim);

// True if `distance` passes the range bounds of `params` (always true without bounds).
bool InRange(const FlatSearchParams& params, float distance);

// Normalizes each query to unit length for COSINE (zero vectors stay zero). `queries` has
// nq * dim floats.
std::vector<float> PrepareQueries(const FlatSearchParams& params, std::span<const float> queries);

// Searches `rows` vectors at `base` (rows * dim floats) with the prepared `queries`
// (heaps->size() queries of dim floats). Row r is considered only if `allowed` is null or has bit
// `allowed_offset + r` set; its hit id is `id_base + r`. Hits go into (*heaps)[q].
// InvalidArgument if the sizes disagree.
Status FlatSearch(const FlatSearchParams& params, std::span<const float> queries,
                  const float* base, size_t rows, const Bitset* allowed, size_t allowed_offset,
                  int64_t id_base, std::vector<TopK>* heaps);

}  // namespace quiver::index
