#include "index/distance.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace quiver::index {

std::string_view MetricName(MetricType metric) {
  switch (metric) {
    case MetricType::kL2: return "L2";
    case MetricType::kIP: return "IP";
    case MetricType::kCosine: return "COSINE";
    case MetricType::kHamming: return "HAMMING";
    case MetricType::kJaccard: return "JACCARD";
    case MetricType::kBM25: return "BM25";
  }
  return "L2";
}

std::optional<MetricType> ParseMetric(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  for (MetricType m : {MetricType::kL2, MetricType::kIP, MetricType::kCosine, MetricType::kHamming,
                       MetricType::kJaccard, MetricType::kBM25}) {
    if (MetricName(m) == upper) return m;
  }
  return std::nullopt;
}

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
  }
  return "scalar";
}

namespace {

bool CpuHas(SimdLevel level) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kScalar: return true;
    case SimdLevel::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma");
  }
#endif
  return level == SimdLevel::kScalar;
}

SimdLevel Detect() {
  SimdLevel best = SimdLevel::kScalar;
  if (CpuHas(SimdLevel::kAvx2)) best = SimdLevel::kAvx2;
  if (CpuHas(SimdLevel::kAvx512)) best = SimdLevel::kAvx512;
  if (const char* cap = std::getenv("QUIVER_SIMD")) {
    std::string_view value(cap);
    SimdLevel limit = value == "scalar" ? SimdLevel::kScalar
                      : value == "avx2" ? SimdLevel::kAvx2
                                        : SimdLevel::kAvx512;
    best = std::min(best, limit);
  }
  return best;
}

}  // namespace

SimdLevel DetectSimdLevel() {
  static const SimdLevel level = Detect();
  return level;
}

const DistanceKernels* KernelsFor(SimdLevel level) {
  if (!CpuHas(level)) return nullptr;
  switch (level) {
    case SimdLevel::kScalar: return &kScalarKernels;
    case SimdLevel::kAvx2: return &kAvx2Kernels;
    case SimdLevel::kAvx512: return &kAvx512Kernels;
  }
  return &kScalarKernels;
}

float InverseNorm(const float* v, size_t dim) {
  float norm = Kernels().ip(v, v, dim);
  return norm > 0 ? 1.0f / std::sqrt(norm) : 0.0f;
}

void NormalizeInPlace(float* v, size_t dim) {
  float inv = InverseNorm(v, dim);
  if (inv == 0) return;
  for (size_t d = 0; d < dim; ++d) v[d] *= inv;
}

const DistanceKernels& Kernels() {
  static const DistanceKernels* kernels = KernelsFor(DetectSimdLevel());
  return *kernels;
}

}  // namespace quiver::index
