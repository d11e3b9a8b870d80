// Portable kernels: the fallback on CPUs without AVX2, and the reference the SIMD tests compare to.

#include <cmath>

#include "index/distance.h"
#include "index/distance_bits.h"

namespace quiver::index {
namespace {

float L2Scalar(const float* a, const float* b, size_t dim) {
  float sum = 0;
  for (size_t i = 0; i < dim; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float IpScalar(const float* a, const float* b, size_t dim) {
  float sum = 0;
  for (size_t i = 0; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

void L2BatchScalar(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2Scalar(q, base + i * dim, dim);
}

void IpBatchScalar(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = IpScalar(q, base + i * dim, dim);
}

void CosineBatchScalar(const float* q, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float* x = base + i * dim;
    float dot = 0, norm = 0;
    for (size_t k = 0; k < dim; ++k) {
      dot += q[k] * x[k];
      norm += x[k] * x[k];
    }
    out[i] = norm > 0 ? dot / std::sqrt(norm) : 0.0f;
  }
}

float Sq8L2Scalar(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  return bits::Sq8L2Tail(q, c, vmin, vscale, 0, dim);
}
float Sq8IpScalar(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t dim) {
  return bits::Sq8IpTail(q, c, vmin, vscale, 0, dim);
}

}  // namespace

const DistanceKernels kScalarKernels = {L2Scalar,    IpScalar,      L2BatchScalar, IpBatchScalar,     CosineBatchScalar,
                                        Sq8L2Scalar, Sq8IpScalar,   bits::Hamming, bits::AndOrCount,  SimdLevel::kScalar};

}  // namespace quiver::index
