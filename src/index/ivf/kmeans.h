#pragma once

// Coarse quantizer training for the IVF families: k-means by FAISS (its BLAS-backed assignment is
// fast even in Debian's non-SIMD build), wrapped so no FAISS exception escapes.

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "index/distance.h"

namespace quiver::index {

// `k` centroids of `n` vectors of `dim` floats (k <= n), trained on at most 256 * k of them
// sampled with `seed`. Internal if FAISS fails.
Result<std::vector<float>> TrainKMeans(const float* x, size_t n, size_t dim, size_t k, uint64_t seed, int iterations = 20);

// For each of `n` vectors, the best of `k` centroids by `metric` (L2: nearest; IP: largest inner
// product): FAISS's BLAS-backed flat search in batches, or Quiver's kernels on `pool` (may be
// null) should FAISS fail.
std::vector<uint32_t> AssignToCentroids(const float* centroids, size_t k, const float* x, size_t n, size_t dim,
                                        MetricType metric, ThreadPool* pool);

// The `count` best centroids for one query (best first), by `metric`.
std::vector<uint32_t> NearestCentroids(const float* centroids, size_t k, const float* query, size_t dim,
                                       MetricType metric, size_t count);

}  // namespace quiver::index
