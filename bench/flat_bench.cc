// FLAT scan throughput next to the machine's single-thread memory read bandwidth, measured in the
// same run. The target: the scan reaches >= 90% of single-thread read bandwidth.
//
//   flat_bench [--rows=N] [--dim=D] [google-benchmark flags]
// Prints, per kernel, GB/s scanned and `pct_bw` = scan rate / read bandwidth * 100.

#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "index/flat/flat_search.h"

namespace {

size_t g_rows = 1 << 20;  // 1M vectors
size_t g_dim = 128;       // 512 MiB of float32
double g_bandwidth = 0;   // bytes per second, single thread
std::vector<float>* g_base = nullptr;

// Read bandwidth: sum every float of the buffer with wide loads and independent accumulators.
__attribute__((target("avx512f"))) float ReadAvx512(const float* data, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
         s3 = _mm512_setzero_ps();
  for (size_t i = 0; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(data + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(data + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(data + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(data + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

__attribute__((target("avx2"))) float ReadAvx2(const float* data, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
         s3 = _mm256_setzero_ps();
  for (size_t i = 0; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(data + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(data + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(data + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(data + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  float sum = 0;
  for (float x : out) sum += x;
  return sum;
}

float ReadScalar(const float* data, size_t n) {
  float s[8] = {};
  for (size_t i = 0; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += data[i + k];
  }
  float sum = 0;
  for (float x : s) sum += x;
  return sum;
}

float ReadAll(const float* data, size_t n) {
  switch (quiver::index::DetectSimdLevel()) {
    case quiver::index::SimdLevel::kAvx512: return ReadAvx512(data, n);
    case quiver::index::SimdLevel::kAvx2: return ReadAvx2(data, n);
    default: return ReadScalar(data, n);
  }
}

double MeasureBandwidth(const std::vector<float>& data) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    float sum = ReadAll(data.data(), data.size());
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(sum);
    double seconds = std::chrono::duration<double>(t1 - t0).count();
    best = std::max(best, static_cast<double>(data.size() * sizeof(float)) / seconds);
  }
  return best;
}

void BM_MemoryReadBandwidth(benchmark::State& state) {
  const std::vector<float>& data = *g_base;
  for (auto _ : state) benchmark::DoNotOptimize(ReadAll(data.data(), data.size()));
  double bytes = static_cast<double>(data.size() * sizeof(float));
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_bw"] =
      benchmark::Counter(bytes / g_bandwidth * 100, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_FlatScan(benchmark::State& state) {
  using namespace quiver::index;
  auto metric = static_cast<MetricType>(state.range(0));
  size_t nq = static_cast<size_t>(state.range(1));
  bool cached_norms = state.range(2) != 0;  // COSINE with per-row norms cached (sealed segments)
  std::mt19937 rng(5);
  std::normal_distribution<float> gauss;
  std::vector<float> queries(nq * g_dim);
  for (auto& x : queries) x = gauss(rng);
  FlatSearchParams params{metric, g_dim, std::nullopt, std::nullopt};
  std::vector<float> norms;
  if (cached_norms) {
    norms = InverseNorms(g_base->data(), g_rows, g_dim);
    params.inverse_norms = norms.data();
  }
  std::vector<float> prepared = PrepareQueries(params, queries);
  for (auto _ : state) {
    std::vector<TopK> heaps(nq, TopK(10, HigherIsBetter(metric)));
    auto st = FlatSearch(params, prepared, g_base->data(), g_rows, nullptr, 0, 0, &heaps);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(heaps.data());
  }
  double bytes = static_cast<double>(g_rows * g_dim * sizeof(float));
  state.SetLabel(std::string(MetricName(metric)) + (cached_norms ? "(norms cached)" : "") + " nq=" + std::to_string(nq) + " " +
                 std::string(SimdLevelName(Kernels().level)));
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_bw"] =
      benchmark::Counter(bytes / g_bandwidth * 100, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["Mvec/s"] =
      benchmark::Counter(static_cast<double>(g_rows) * nq / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rows=", 7) == 0) g_rows = std::stoul(argv[i] + 7);
    else if (std::strncmp(argv[i], "--dim=", 6) == 0) g_dim = std::stoul(argv[i] + 6);
    else rest.push_back(argv[i]);
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  std::vector<float> base(g_rows * g_dim);
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss;
  for (auto& x : base) x = gauss(rng);
  g_base = &base;
  g_bandwidth = MeasureBandwidth(base);
  std::printf("single-thread read bandwidth: %.2f GB/s (%s loads, %zu MiB buffer)\n", g_bandwidth / 1e9,
              std::string(quiver::index::SimdLevelName(quiver::index::DetectSimdLevel())).c_str(),
              base.size() * sizeof(float) >> 20);
  benchmark::RegisterBenchmark("MemoryReadBandwidth", BM_MemoryReadBandwidth)->Unit(benchmark::kMillisecond);
  for (int metric : {0, 1, 2}) {
    for (int nq : {1, 8}) {
      benchmark::RegisterBenchmark("FlatScan", BM_FlatScan)->Args({metric, nq, 0})->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RegisterBenchmark("FlatScan", BM_FlatScan)->Args({2, 1, 1})->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
