#pragma once

// Binary-vector kernels as inline templates, included by each per-ISA distance file so each copy
// is compiled with that file's flags (the AVX2 and AVX-512 files add -mpopcnt, which turns
// std::popcount into one instruction; the scalar file keeps the portable fallback).

#include <bit>
#include <cstdint>
#include <cstring>

namespace quiver::index::bits {

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint64_t c0 = 0, c1 = 0;
  size_t i = 0;
  for (; i + 16 <= bytes; i += 16) {
    c0 += static_cast<uint64_t>(std::popcount(Load64(a + i) ^ Load64(b + i)));
    c1 += static_cast<uint64_t>(std::popcount(Load64(a + i + 8) ^ Load64(b + i + 8)));
  }
  for (; i + 8 <= bytes; i += 8) c0 += static_cast<uint64_t>(std::popcount(Load64(a + i) ^ Load64(b + i)));
  for (; i < bytes; ++i) c1 += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(a[i] ^ b[i])));
  return static_cast<uint32_t>(c0 + c1);
}

inline void AndOrCount(const uint8_t* a, const uint8_t* b, size_t bytes, uint32_t* and_bits, uint32_t* or_bits) {
  uint64_t n_and = 0, n_or = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t x = Load64(a + i), y = Load64(b + i);
    n_and += static_cast<uint64_t>(std::popcount(x & y));
    n_or += static_cast<uint64_t>(std::popcount(x | y));
  }
  for (; i < bytes; ++i) {
    n_and += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(a[i] & b[i])));
    n_or += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(a[i] | b[i])));
  }
  *and_bits = static_cast<uint32_t>(n_and);
  *or_bits = static_cast<uint32_t>(n_or);
}

// Scalar SQ8 decode-and-compare, also the tail of the SIMD versions.
inline float Sq8L2Tail(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t from, size_t dim) {
  float sum = 0;
  for (size_t i = from; i < dim; ++i) {
    float d = q[i] - (vmin[i] + static_cast<float>(c[i]) * vscale[i]);
    sum += d * d;
  }
  return sum;
}

inline float Sq8IpTail(const float* q, const uint8_t* c, const float* vmin, const float* vscale, size_t from, size_t dim) {
  float sum = 0;
  for (size_t i = from; i < dim; ++i) sum += q[i] * (vmin[i] + static_cast<float>(c[i]) * vscale[i]);
  return sum;
}

}  // namespace quiver::index::bits
