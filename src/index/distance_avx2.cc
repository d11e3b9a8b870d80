// AVX2 + FMA kernels (compiled with -mavx2 -mfma; only called when the CPU has both).

#include <immintrin.h>

#include <cmath>

#include "index/distance.h"
#include "index/distance_bits.h"

namespace quiver::index {
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  __m128 shuf = _mm_movehdup_ps(lo);
  __m128 sums = _mm_add_ps(lo, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  sums = _mm_add_ss(sums, shuf);
  return _mm_cvtss_f32(sums);
}

float L2Avx2(const float* a, const float* b, size_t dim) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
  }
  if (i + 8 <= dim) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    i += 8;
  }
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < dim; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float IpAvx2(const float* a, const float* b, size_t dim) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  if (i + 8 <= dim) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    i += 8;
  }
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

void L2BatchAvx2(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2Avx2(q, base + i * dim, dim);
}

void IpBatchAvx2(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = IpAvx2(q, base + i * dim, dim);
}

void CosineBatchAvx2(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t r = 0; r < n; ++r) {
    const float* x = base + r * dim;
    __m256 dot = _mm256_setzero_ps(), norm = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= dim; i += 8) {
      __m256 xv = _mm256_loadu_ps(x + i);
      dot = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), xv, dot);
      norm = _mm256_fmadd_ps(xv, xv, norm);
    }
    float d = HorizontalSum(dot), nn = HorizontalSum(norm);
    for (; i < dim; ++i) {
      d += q[i] * x[i];
      nn += x[i] * x[i];
    }
    out[r] = nn > 0 ? d / std::sqrt(nn) : 0.0f;
  }
}

inline __m256 Decode8(const uint8_t* c, const float* vmin, const float* vscale) {
  __m256 codes = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c))));
  return _mm256_fmadd_ps(codes, _mm256_loadu_ps(vscale), _mm256_loadu_ps(vmin));
}

float Sq8L2Avx2(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  __m256 sum = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(q + i), Decode8(c + i, vmin + i, vscale + i));
    sum = _mm256_fmadd_ps(d, d, sum);
  }
  return HorizontalSum(sum) + bits::Sq8L2Tail(q, c, vmin, vscale, i, dim);
}

float Sq8IpAvx2(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  __m256 sum = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) sum = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Decode8(c + i, vmin + i, vscale + i), sum);
  return HorizontalSum(sum) + bits::Sq8IpTail(q, c, vmin, vscale, i, dim);
}

}  // namespace

const DistanceKernels kAvx2Kernels = {L2Avx2,    IpAvx2,    L2BatchAvx2,   IpBatchAvx2,      CosineBatchAvx2,
                                      Sq8L2Avx2, Sq8IpAvx2, bits::Hamming, bits::AndOrCount, SimdLevel::kAvx2};

}  // namespace quiver::index
