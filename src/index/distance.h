#pragma once

// Distance kernels shared by FLAT, HNSW and IVF. Each kernel exists in a scalar, an AVX2+FMA and
// an AVX-512 version, compiled in separate files with their own flags (distance_avx2.cc,
// distance_avx512.cc); Kernels() picks the best one the running CPU supports, once, so the binary
// runs on CPUs without AVX-512 (or without AVX2).
//
// Conventions: L2 is the *squared* Euclidean distance (as Milvus reports it); IP is the dot
// product. Batch kernels compare one query with `n` consecutive vectors of `dim` floats
// (`base` has n * dim floats) and write n results to `out`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace quiver::index {

enum class MetricType { kL2, kIP, kCosine, kHamming, kJaccard, kBM25 };

std::string_view MetricName(MetricType metric);
// "L2", "IP", "COSINE", "HAMMING", "JACCARD", "BM25" (case-insensitive).
std::optional<MetricType> ParseMetric(std::string_view name);
// True when larger values are better (IP, COSINE, BM25).
inline bool HigherIsBetter(MetricType metric) {
  return metric == MetricType::kIP || metric == MetricType::kCosine || metric == MetricType::kBM25;
}

enum class SimdLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
std::string_view SimdLevelName(SimdLevel level);

struct DistanceKernels {
  float (*l2)(const float* a, const float* b, size_t dim);
  float (*ip)(const float* a, const float* b, size_t dim);
  // out[i] = l2(query, base + i * dim)
  void (*l2_batch)(const float* query, const float* base, size_t n, size_t dim, float* out);
  void (*ip_batch)(const float* query, const float* base, size_t n, size_t dim, float* out);
  // out[i] = ip(query, x_i) / |x_i| for a unit-length query: the cosine similarity.
  void (*cosine_batch)(const float* unit_query, const float* base, size_t n, size_t dim, float* out);
  // 8-bit scalar-quantized vectors (IVF_SQ8): element d of a code decodes to
  // vmin[d] + code[d] * vscale[d]. L2 / IP between a float query and the decoded vector.
  float (*sq8_l2)(const float* query, const uint8_t* code, const float* vmin, const float* vscale, size_t dim);
  float (*sq8_ip)(const float* query, const uint8_t* code, const float* vmin, const float* vscale, size_t dim);
  // Binary vectors of `bytes` bytes: the number of differing bits, and the number of bits set
  // in (a & b) and in (a | b) (Jaccard distance = 1 - and / or).
  uint32_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t bytes);
  void (*and_or_count)(const uint8_t* a, const uint8_t* b, size_t bytes, uint32_t* and_bits, uint32_t* or_bits);
  SimdLevel level;
};

// The best level this CPU supports (QUIVER_SIMD=scalar|avx2|avx512 in the environment caps it).
SimdLevel DetectSimdLevel();
// Kernels for the detected level.
const DistanceKernels& Kernels();
// Kernels for a specific level, or nullptr if the CPU (or build) lacks it. For tests and benches.
const DistanceKernels* KernelsFor(SimdLevel level);

// HAMMING (differing bits) or JACCARD (1 - |a & b| / |a | b|, 0 for two empty vectors) between
// binary vectors of `bytes` bytes.
inline float BinaryDistance(const DistanceKernels& kernels, MetricType metric, const uint8_t* a, const uint8_t* b,
                            size_t bytes) {
  if (metric == MetricType::kHamming) return static_cast<float>(kernels.hamming(a, b, bytes));
  uint32_t both, either;
  kernels.and_or_count(a, b, bytes, &both, &either);
  return either == 0 ? 0.0f : 1.0f - static_cast<float>(both) / static_cast<float>(either);
}

// 1/|v| (0 for a zero vector), and v scaled to unit length (zero vectors stay zero).
float InverseNorm(const float* v, size_t dim);
void NormalizeInPlace(float* v, size_t dim);

// Per-level tables, defined in the per-ISA files.
extern const DistanceKernels kScalarKernels;
extern const DistanceKernels kAvx2Kernels;
extern const DistanceKernels kAvx512Kernels;

}  // namespace quiver::index
