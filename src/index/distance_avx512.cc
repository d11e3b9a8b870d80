// AVX-512F kernels (compiled with -mavx512f -mavx2 -mfma; only called when the CPU has them).
// Tails use masked loads, so no scalar remainder loop is needed.

#include <immintrin.h>

#include <cmath>

#include "index/distance.h"
#include "index/distance_bits.h"

namespace quiver::index {
namespace {

constexpr size_t kPrefetchRows = 16;

inline __mmask16 TailMask(size_t left) { return static_cast<__mmask16>((1u << left) - 1); }

float L2Avx512(const float* a, const float* b, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i + 16 <= dim; i += 16) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
  }
  if (i < dim) {
    __mmask16 m = TailMask(dim - i);
    __m512 d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    s1 = _mm512_fmadd_ps(d0, d0, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

float IpAvx512(const float* a, const float* b, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= dim; i += 16) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  }
  if (i < dim) {
    __mmask16 m = TailMask(dim - i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

// Four rows at a time: four independent accumulator chains hide FMA latency, and the query
// registers are reused across the rows.
template <bool kL2>
void BatchAvx512(const float* q, const float* base, size_t n, size_t dim, float* out) {
  size_t r = 0;
  for (; r + 4 <= n; r += 4) {
    const float* x0 = base + r * dim;
    const float* x1 = x0 + dim;
    const float* x2 = x1 + dim;
    const float* x3 = x2 + dim;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    // Prefetch the rows two groups ahead: the loop is fast enough that the hardware prefetcher
    // alone leaves memory bandwidth unused.
    const char* ahead = reinterpret_cast<const char*>(x0 + kPrefetchRows * dim);
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
      _mm_prefetch(ahead + i * 4 * 4, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 4 * 4 + 64, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 4 * 4 + 128, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 4 * 4 + 192, _MM_HINT_T0);
      __m512 qv = _mm512_loadu_ps(q + i);
      if constexpr (kL2) {
        __m512 d0 = _mm512_sub_ps(qv, _mm512_loadu_ps(x0 + i));
        __m512 d1 = _mm512_sub_ps(qv, _mm512_loadu_ps(x1 + i));
        __m512 d2 = _mm512_sub_ps(qv, _mm512_loadu_ps(x2 + i));
        __m512 d3 = _mm512_sub_ps(qv, _mm512_loadu_ps(x3 + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
      } else {
        s0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(x0 + i), s0);
        s1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(x1 + i), s1);
        s2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(x2 + i), s2);
        s3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(x3 + i), s3);
      }
    }
    if (i < dim) {
      __mmask16 m = TailMask(dim - i);
      __m512 qv = _mm512_maskz_loadu_ps(m, q + i);
      if constexpr (kL2) {
        __m512 d0 = _mm512_sub_ps(qv, _mm512_maskz_loadu_ps(m, x0 + i));
        __m512 d1 = _mm512_sub_ps(qv, _mm512_maskz_loadu_ps(m, x1 + i));
        __m512 d2 = _mm512_sub_ps(qv, _mm512_maskz_loadu_ps(m, x2 + i));
        __m512 d3 = _mm512_sub_ps(qv, _mm512_maskz_loadu_ps(m, x3 + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
      } else {
        s0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, x0 + i), s0);
        s1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, x1 + i), s1);
        s2 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, x2 + i), s2);
        s3 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, x3 + i), s3);
      }
    }
    out[r] = _mm512_reduce_add_ps(s0);
    out[r + 1] = _mm512_reduce_add_ps(s1);
    out[r + 2] = _mm512_reduce_add_ps(s2);
    out[r + 3] = _mm512_reduce_add_ps(s3);
  }
  for (; r < n; ++r) out[r] = kL2 ? L2Avx512(q, base + r * dim, dim) : IpAvx512(q, base + r * dim, dim);
}

void L2BatchAvx512(const float* q, const float* base, size_t n, size_t dim, float* out) {
  BatchAvx512<true>(q, base, n, dim, out);
}

void IpBatchAvx512(const float* q, const float* base, size_t n, size_t dim, float* out) {
  BatchAvx512<false>(q, base, n, dim, out);
}

void CosineBatchAvx512(const float* q, const float* base, size_t n, size_t dim, float* out) {
  size_t r = 0;
  for (; r + 4 <= n; r += 4) {
    const float* x[4] = {base + r * dim, base + (r + 1) * dim, base + (r + 2) * dim, base + (r + 3) * dim};
    const char* ahead = reinterpret_cast<const char*>(x[0] + kPrefetchRows * dim);
    __m512 dot[4], norm[4];
    for (int k = 0; k < 4; ++k) dot[k] = norm[k] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
      _mm_prefetch(ahead + i * 16, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 16 + 64, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 16 + 128, _MM_HINT_T0);
      _mm_prefetch(ahead + i * 16 + 192, _MM_HINT_T0);
      __m512 qv = _mm512_loadu_ps(q + i);
      for (int k = 0; k < 4; ++k) {
        __m512 xv = _mm512_loadu_ps(x[k] + i);
        dot[k] = _mm512_fmadd_ps(qv, xv, dot[k]);
        norm[k] = _mm512_fmadd_ps(xv, xv, norm[k]);
      }
    }
    if (i < dim) {
      __mmask16 m = TailMask(dim - i);
      __m512 qv = _mm512_maskz_loadu_ps(m, q + i);
      for (int k = 0; k < 4; ++k) {
        __m512 xv = _mm512_maskz_loadu_ps(m, x[k] + i);
        dot[k] = _mm512_fmadd_ps(qv, xv, dot[k]);
        norm[k] = _mm512_fmadd_ps(xv, xv, norm[k]);
      }
    }
    for (int k = 0; k < 4; ++k) {
      float nn = _mm512_reduce_add_ps(norm[k]);
      out[r + k] = nn > 0 ? _mm512_reduce_add_ps(dot[k]) / std::sqrt(nn) : 0.0f;
    }
  }
  for (; r < n; ++r) {
    const float* x = base + r * dim;
    __m512 dot = _mm512_setzero_ps(), norm = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
      __m512 xv = _mm512_loadu_ps(x + i);
      dot = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), xv, dot);
      norm = _mm512_fmadd_ps(xv, xv, norm);
    }
    if (i < dim) {
      __mmask16 m = TailMask(dim - i);
      __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
      dot = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + i), xv, dot);
      norm = _mm512_fmadd_ps(xv, xv, norm);
    }
    float nn = _mm512_reduce_add_ps(norm);
    out[r] = nn > 0 ? _mm512_reduce_add_ps(dot) / std::sqrt(nn) : 0.0f;
  }
}

inline __m512 Decode16(const uint8_t* c, const float* vmin, const float* vscale) {
  __m512 codes = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c))));
  return _mm512_fmadd_ps(codes, _mm512_loadu_ps(vscale), _mm512_loadu_ps(vmin));
}

float Sq8L2Avx512(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), Decode16(c + i, vmin + i, vscale + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(q + i + 16), Decode16(c + i + 16, vmin + i + 16, vscale + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i + 16 <= dim; i += 16) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), Decode16(c + i, vmin + i, vscale + i));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) + bits::Sq8L2Tail(q, c, vmin, vscale, i, dim);
}

float Sq8IpAvx512(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Decode16(c + i, vmin + i, vscale + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), Decode16(c + i + 16, vmin + i + 16, vscale + i + 16), s1);
  }
  for (; i + 16 <= dim; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Decode16(c + i, vmin + i, vscale + i), s0);
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) + bits::Sq8IpTail(q, c, vmin, vscale, i, dim);
}

}  // namespace

const DistanceKernels kAvx512Kernels = {L2Avx512,    IpAvx512,    L2BatchAvx512, IpBatchAvx512,    CosineBatchAvx512,
                                        Sq8L2Avx512, Sq8IpAvx512, bits::Hamming, bits::AndOrCount, SimdLevel::kAvx512};

}  // namespace quiver::index
