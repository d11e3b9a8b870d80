// Quiver HNSW next to hnswlib on the same synthetic data, one thread, in one run:
// build time, and recall@10 / QPS for a range of ef. (The full ann harness of the vector-index
// milestone — real datasets, FAISS, plots — builds on this.)
//   hnsw_bench [--n=N] [--dim=D] [--queries=Q]

#include <hnswlib/hnswlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/flat/flat_search.h"
#include "index/hnsw/hnsw.h"

using namespace quiver::index;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  size_t n = 100000, dim = 128, nq = 1000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strncmp(argv[i], "--n=", 4)) n = std::stoul(argv[i] + 4);
    if (!std::strncmp(argv[i], "--dim=", 6)) dim = std::stoul(argv[i] + 6);
    if (!std::strncmp(argv[i], "--queries=", 10)) nq = std::stoul(argv[i] + 10);
  }
  // Anisotropic Gaussian mixture of 1,000 clusters (reproducible).
  std::mt19937 rng(2024);
  std::normal_distribution<float> gauss;
  const size_t clusters = 1000;
  std::vector<float> centers(clusters * dim), scales(dim);
  for (auto& c : centers) c = gauss(rng) * 4;
  for (auto& s : scales) s = 0.3f + std::abs(gauss(rng));
  auto sample = [&](float* v) {
    const float* c = centers.data() + (rng() % clusters) * dim;
    for (size_t d = 0; d < dim; ++d) v[d] = c[d] + gauss(rng) * scales[d];
  };
  std::vector<float> base(n * dim), queries(nq * dim);
  for (size_t i = 0; i < n; ++i) sample(base.data() + i * dim);
  for (size_t q = 0; q < nq; ++q) sample(queries.data() + q * dim);
  // Exact ground truth.
  FlatSearchParams flat{MetricType::kL2, dim, std::nullopt, std::nullopt};
  std::vector<TopK> truth(nq, TopK(10, false));
  (void)FlatSearch(flat, queries, base.data(), n, nullptr, 0, 0, &truth).ok();
  std::vector<std::set<int64_t>> want(nq);
  for (size_t q = 0; q < nq; ++q) {
    for (const Hit& h : truth[q].Sorted()) want[q].insert(h.id);
  }
  std::printf("data: %zu x %zu float32 (Gaussian mixture), %zu queries, k=10, M=16, efConstruction=200, 1 thread, %s kernels\n",
              n, dim, nq, std::string(SimdLevelName(Kernels().level)).c_str());

  auto t0 = Clock::now();
  auto ours = std::move(HnswIndex::Create(MetricType::kL2, dim, {16, 200, 42})).value();
  (void)ours->Build(base.data(), n, nullptr).ok();
  double ours_build = std::chrono::duration<double>(Clock::now() - t0).count();

  hnswlib::L2Space space(dim);
  t0 = Clock::now();
  hnswlib::HierarchicalNSW<float> theirs(&space, n, 16, 200, 42);
  for (size_t i = 0; i < n; ++i) theirs.addPoint(base.data() + i * dim, i);
  double theirs_build = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("build: quiver %.1f s, hnswlib %.1f s (ratio hnswlib/quiver %.2f)\n", ours_build, theirs_build,
              theirs_build / ours_build);

  std::printf("%6s | %14s %10s | %14s %10s | %s\n", "ef", "quiver recall", "QPS", "hnswlib recall", "QPS", "QPS ratio");
  for (size_t ef : {10, 16, 32, 64, 128, 256}) {
    size_t hits_ours = 0, hits_theirs = 0;
    t0 = Clock::now();
    for (size_t q = 0; q < nq; ++q) {
      TopK out(10, false);
      ours->Search(queries.data() + q * dim, 10, ef, nullptr, &out);
      for (const Hit& h : out.Sorted()) hits_ours += want[q].count(h.id);
    }
    double ours_s = std::chrono::duration<double>(Clock::now() - t0).count();
    theirs.setEf(ef);
    t0 = Clock::now();
    for (size_t q = 0; q < nq; ++q) {
      auto result = theirs.searchKnn(queries.data() + q * dim, 10);
      while (!result.empty()) {
        hits_theirs += want[q].count(static_cast<int64_t>(result.top().second));
        result.pop();
      }
    }
    double theirs_s = std::chrono::duration<double>(Clock::now() - t0).count();
    double qps_ours = nq / ours_s, qps_theirs = nq / theirs_s;
    std::printf("%6zu | %14.4f %10.0f | %14.4f %10.0f | %.2f\n", ef, hits_ours / (10.0 * nq), qps_ours,
                hits_theirs / (10.0 * nq), qps_theirs, qps_ours / qps_theirs);
  }
  return 0;
}
