#include "index/distance.h"

#include <gtest/gtest.h>

#include <random>

namespace quiver::index {
namespace {

// Every SIMD level this CPU has agrees with the scalar reference for every dimension up to 130
// (covering all tail lengths) and for batch kernels.
TEST(DistanceTest, SimdLevelsMatchScalarReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  int levels_checked = 0;
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    const DistanceKernels* k = KernelsFor(level);
    if (k == nullptr) continue;
    ++levels_checked;
    EXPECT_EQ(k->level, level);
    for (size_t dim = 1; dim <= 130; ++dim) {
      const size_t n = 7;
      std::vector<float> q(dim), base(n * dim);
      for (auto& x : q) x = dist(rng);
      for (auto& x : base) x = dist(rng);
      std::vector<float> l2(n), ip(n), cosine(n);
      k->l2_batch(q.data(), base.data(), n, dim, l2.data());
      k->ip_batch(q.data(), base.data(), n, dim, ip.data());
      // cosine_batch expects a unit query
      float qn = 0;
      for (float x : q) qn += x * x;
      std::vector<float> unit(q);
      for (auto& x : unit) x /= std::sqrt(qn);
      k->cosine_batch(unit.data(), base.data(), n, dim, cosine.data());
      for (size_t i = 0; i < n; ++i) {
        const float* x = base.data() + i * dim;
        double rl2 = 0, rip = 0, xn = 0;
        for (size_t d = 0; d < dim; ++d) {
          rl2 += double(q[d] - x[d]) * (q[d] - x[d]);
          rip += double(q[d]) * x[d];
          xn += double(x[d]) * x[d];
        }
        double rcos = rip / std::sqrt(qn) / std::sqrt(xn);
        EXPECT_NEAR(l2[i], rl2, 1e-4 * (1 + rl2)) << SimdLevelName(level) << " dim " << dim;
        EXPECT_NEAR(ip[i], rip, 1e-4 * (1 + std::abs(rip))) << SimdLevelName(level) << " dim " << dim;
        EXPECT_NEAR(cosine[i], rcos, 1e-4) << SimdLevelName(level) << " dim " << dim;
        EXPECT_NEAR(k->l2(q.data(), x, dim), rl2, 1e-4 * (1 + rl2));
        EXPECT_NEAR(k->ip(q.data(), x, dim), rip, 1e-4 * (1 + std::abs(rip)));
      }
    }
  }
  EXPECT_GE(levels_checked, 1);
  EXPECT_NE(KernelsFor(SimdLevel::kScalar), nullptr);
}

TEST(DistanceTest, MetricNames) {
  EXPECT_EQ(ParseMetric("cosine"), MetricType::kCosine);
  EXPECT_EQ(ParseMetric("L2"), MetricType::kL2);
  EXPECT_FALSE(ParseMetric("manhattan").has_value());
  EXPECT_TRUE(HigherIsBetter(MetricType::kIP));
  EXPECT_FALSE(HigherIsBetter(MetricType::kL2));
}

}  // namespace
}  // namespace quiver::index
