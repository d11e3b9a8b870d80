#include "index/ivf/kmeans.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <numeric>

namespace quiver::index {

Result<std::vector<float>> TrainKMeans(const float* x, size_t n, size_t dim, size_t k, uint64_t seed, int iterations) {
  if (k == 0 || k > n) return Status::InvalidArgument("k-means needs 1 <= k <= n");
  std::vector<float> centroids(k * dim);
  try {
    faiss::ClusteringParameters cp;
    cp.niter = iterations;
    cp.seed = static_cast<int>(seed);
    cp.max_points_per_centroid = 256;
    cp.min_points_per_centroid = 1;
    cp.verbose = false;
    faiss::Clustering clustering(static_cast<int>(dim), k, cp);
    faiss::IndexFlatL2 assign(static_cast<faiss::Index::idx_t>(dim));
    clustering.train(static_cast<faiss::Index::idx_t>(n), x, assign);
    std::copy(clustering.centroids.begin(), clustering.centroids.end(), centroids.begin());
  } catch (const std::exception& e) {
    return Status::Internal("k-means (FAISS) failed", e.what());
  }
  return centroids;
}

std::vector<uint32_t> AssignToCentroids(const float* centroids, size_t k, const float* x, size_t n, size_t dim,
                                        MetricType metric, ThreadPool* pool) {
  std::vector<uint32_t> out(n, 0);
  // Bulk assignment is a matrix product: FAISS's flat index does it with BLAS, several times
  // faster than one distance at a time. Our kernels remain the fallback.
  try {
    std::unique_ptr<faiss::IndexFlat> flat;
    if (metric == MetricType::kL2) {
      flat = std::make_unique<faiss::IndexFlatL2>(static_cast<faiss::Index::idx_t>(dim));
    } else {
      flat = std::make_unique<faiss::IndexFlatIP>(static_cast<faiss::Index::idx_t>(dim));
    }
    flat->add(static_cast<faiss::Index::idx_t>(k), centroids);
    constexpr size_t kBatch = 65536;
    std::vector<float> distances(kBatch);
    std::vector<faiss::Index::idx_t> labels(kBatch);
    for (size_t from = 0; from < n; from += kBatch) {
      size_t count = std::min(kBatch, n - from);
      flat->search(static_cast<faiss::Index::idx_t>(count), x + from * dim, 1, distances.data(), labels.data());
      for (size_t i = 0; i < count; ++i) out[from + i] = static_cast<uint32_t>(std::max<faiss::Index::idx_t>(0, labels[i]));
    }
    return out;
  } catch (const std::exception&) {
    // fall through to the kernels
  }
  constexpr size_t kBlock = 1024;
  size_t blocks = (n + kBlock - 1) / kBlock;
  auto run = [&](size_t b) {
    std::vector<float> d(k);
    const DistanceKernels& kernels = Kernels();
    for (size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) {
      if (metric == MetricType::kL2) {
        kernels.l2_batch(x + i * dim, centroids, k, dim, d.data());
        out[i] = static_cast<uint32_t>(std::min_element(d.begin(), d.end()) - d.begin());
      } else {
        kernels.ip_batch(x + i * dim, centroids, k, dim, d.data());
        out[i] = static_cast<uint32_t>(std::max_element(d.begin(), d.end()) - d.begin());
      }
    }
  };
  if (pool != nullptr && blocks > 1) {
    pool->ParallelFor(blocks, run);
  } else {
    for (size_t b = 0; b < blocks; ++b) run(b);
  }
  return out;
}

std::vector<uint32_t> NearestCentroids(const float* centroids, size_t k, const float* query, size_t dim,
                                       MetricType metric, size_t count) {
  std::vector<float> d(k);
  const DistanceKernels& kernels = Kernels();
  if (metric == MetricType::kL2) {
    kernels.l2_batch(query, centroids, k, dim, d.data());
  } else {
    kernels.ip_batch(query, centroids, k, dim, d.data());
    for (float& v : d) v = -v;
  }
  std::vector<uint32_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  count = std::min(count, k);
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(count), order.end(),
                    [&](uint32_t a, uint32_t b) { return d[a] < d[b] || (d[a] == d[b] && a < b); });
  order.resize(count);
  return order;
}

}  // namespace quiver::index
