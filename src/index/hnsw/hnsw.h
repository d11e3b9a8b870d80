#pragma once

// HNSW (Malkov & Yashunin), Quiver's own implementation.
//
// Layout: vectors are copied into one contiguous array (normalized for COSINE, so COSINE is an
// inner product); level-0 links live in one flat array of fixed-size blocks ([count][2M ids] per
// node) for cache-friendly traversal; upper-level links are per node. Internally every metric is
// a distance where smaller is better (L2: squared distance; IP/COSINE: negated dot product), and
// the SIMD kernels are the ones FLAT uses.
//
// Filtering: a bitset of allowed rows is consulted while walking the graph — disallowed nodes are
// still traversed (they keep the graph connected) but never enter the result set. When the filter
// leaves few rows (fewer than `kBruteForceBelow` or under 1% of the index), searching them
// exactly is both faster and exact, so the index falls back to a scan of the allowed rows.
//
// Build is multi-threaded (per-node locks, as hnswlib does); searches are read-only and
// thread-safe once Build() returned.

#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/bitset.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "index/distance.h"
#include "index/topk.h"

namespace quiver::index {

struct HnswParams {
  size_t m = 16;                // links per node on upper levels (2m on level 0)
  size_t ef_construction = 200;
  uint64_t seed = 42;
};

class HnswIndex {
 public:
  static constexpr size_t kBruteForceBelow = 2000;

  // InvalidArgument for an unsupported metric or out-of-range parameters.
  static Result<std::unique_ptr<HnswIndex>> Create(MetricType metric, size_t dim, HnswParams params);

  // Indexes `n` vectors of `dim` floats (copied). Row i gets id i. `pool` may be null.
  // `progress` (may be empty) hears the fraction of inserted vectors, about every 1%; when it
  // returns false the build stops and returns Aborted (the index is then unusable).
  Status Build(const float* data, size_t n, ThreadPool* pool,
               const std::function<bool(double)>& progress = nullptr);

  // Best `k` rows for `query` (dim floats, raw) among `allowed` (null = all), with beam width
  // max(ef, k). Distances are reported in the metric's own terms (L2 squared, IP, COSINE).
  void Search(const float* query, size_t k, size_t ef, const Bitset* allowed, TopK* out) const;

  // Serialized form and loading it back. The vectors and level-0 links start 64-byte aligned
  // (relative to the start of `bytes`); when `backing` keeps `bytes` alive (a memory-mapped
  // file) and they are aligned in memory, the index references them in place instead of copying
  // them, so a loaded index costs page cache rather than heap. Corruption if malformed.
  std::string Serialize() const;
  static Result<std::unique_ptr<HnswIndex>> Deserialize(std::string_view bytes,
                                                        std::shared_ptr<const void> backing = nullptr);

  size_t size() const { return n_; }
  size_t dim() const { return dim_; }
  MetricType metric() const { return metric_; }
  size_t MemoryBytes() const;

 private:
  HnswIndex(MetricType metric, size_t dim, HnswParams params);

  float Distance(const float* a, const float* b) const {
    return metric_ == MetricType::kL2 ? kernels_->l2(a, b, dim_) : -kernels_->ip(a, b, dim_);
  }
  const float* Vector(uint32_t id) const { return vectors_ + static_cast<size_t>(id) * dim_; }
  uint32_t* Links(uint32_t id, int level);  // [count, ids...]
  const uint32_t* Links(uint32_t id, int level) const;
  size_t Capacity(int level) const { return level == 0 ? 2 * params_.m : params_.m; }

  struct Candidate {
    float distance;
    uint32_t id;
    bool operator<(const Candidate& o) const { return distance < o.distance; }
    bool operator>(const Candidate& o) const { return distance > o.distance; }
  };
  // Beam search on one level; returns up to `ef` nearest (any order).
  std::vector<Candidate> SearchLevel(const float* query, uint32_t entry, size_t ef, int level,
                                     const Bitset* allowed, std::vector<uint32_t>* visited,
                                     uint32_t* epoch) const;
  std::vector<Candidate> SelectNeighbors(std::vector<Candidate> candidates, size_t m) const;
  void Insert(uint32_t id, std::vector<uint32_t>* visited, uint32_t* epoch);
  void Connect(uint32_t from, uint32_t to, float distance, int level);

  MetricType metric_;
  size_t dim_;
  HnswParams params_;
  const DistanceKernels* kernels_;
  size_t prefetch_bytes_;  // of a vector, prefetched while the previous distance is computed
  size_t n_ = 0;
  std::vector<float> data_;                        // owned vectors (empty when mapped)
  const float* vectors_ = nullptr;                 // data_ or the mapped file
  const uint32_t* links0_ = nullptr;               // level0_ or the mapped file
  std::shared_ptr<const void> backing_;            // keeps a mapped file alive
  std::vector<int> levels_;
  std::vector<uint32_t> level0_;                  // n * (1 + 2m)
  std::vector<std::vector<uint32_t>> upper_;      // per node: levels * (1 + m)
  std::unique_ptr<std::mutex[]> node_locks_;
  std::mutex entry_mu_;
  std::atomic<uint32_t> entry_{0};
  std::atomic<int> max_level_{-1};
};

}  // namespace quiver::index
