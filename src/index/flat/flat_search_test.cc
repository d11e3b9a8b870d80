#include "index/flat/flat_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace quiver::index {
namespace {

struct Ref {
  float distance;
  int64_t id;
};

// `count` standard-normal floats drawn from `rng`.
std::vector<float> Gaussian(size_t count, std::mt19937& rng) {
  std::normal_distribution<float> gauss;
  std::vector<float> out(count);
  for (auto& x : out) x = gauss(rng);
  return out;
}

// Brute force in double precision with a full sort: the oracle.
std::vector<Ref> Oracle(MetricType metric, const float* q, const std::vector<float>& base, size_t dim,
                        const Bitset* allowed, size_t k) {
  std::vector<Ref> all;
  size_t rows = base.size() / dim;
  double qn = 0;
  for (size_t d = 0; d < dim; ++d) qn += double(q[d]) * q[d];
  for (size_t r = 0; r < rows; ++r) {
    if (allowed && !allowed->Test(r)) continue;
    const float* x = base.data() + r * dim;
    double l2 = 0, ip = 0, xn = 0;
    for (size_t d = 0; d < dim; ++d) {
      l2 += double(q[d] - x[d]) * (q[d] - x[d]);
      ip += double(q[d]) * x[d];
      xn += double(x[d]) * x[d];
    }
    double value = metric == MetricType::kL2 ? l2 : metric == MetricType::kIP ? ip : ip / std::sqrt(qn * xn);
    all.push_back({static_cast<float>(value), static_cast<int64_t>(r)});
  }
  bool higher = HigherIsBetter(metric);
  std::sort(all.begin(), all.end(), [&](const Ref& a, const Ref& b) {
    return higher ? a.distance > b.distance : a.distance < b.distance;
  });
  if (all.size() > k) all.resize(k);
  return all;
}

class FlatSearchTest : public ::testing::TestWithParam<MetricType> {};

TEST_P(FlatSearchTest, MatchesBruteForceWithAndWithoutFilter) {
  MetricType metric = GetParam();
  std::mt19937 rng(11);
  const size_t dim = 37, rows = 3000, nq = 5, k = 10;
  std::vector<float> base = Gaussian(rows * dim, rng), queries = Gaussian(nq * dim, rng);
  for (double selectivity : {1.0, 0.5, 0.1, 0.01, 0.0}) {
    Bitset allowed(rows);
    for (size_t r = 0; r < rows; ++r) {
      if (std::uniform_real_distribution<double>(0, 1)(rng) < selectivity) allowed.Set(r);
    }
    FlatSearchParams params{metric, dim, std::nullopt, std::nullopt};
    std::vector<float> prepared = PrepareQueries(params, queries);
    std::vector<TopK> heaps(nq, TopK(k, HigherIsBetter(metric)));
    // Search in two pieces to exercise id_base / allowed_offset.
    ASSERT_TRUE(FlatSearch(params, prepared, base.data(), 1234, &allowed, 0, 0, &heaps).ok());
    ASSERT_TRUE(FlatSearch(params, prepared, base.data() + 1234 * dim, rows - 1234, &allowed, 1234,
                           1234, &heaps).ok());
    for (size_t q = 0; q < nq; ++q) {
      auto got = heaps[q].Sorted();
      auto want = Oracle(metric, queries.data() + q * dim, base, dim, &allowed, k);
      ASSERT_EQ(got.size(), want.size()) << "selectivity " << selectivity;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, want[i].id) << "q " << q << " rank " << i << " sel " << selectivity;
        EXPECT_NEAR(got[i].distance, want[i].distance, 1e-3 * (1 + std::abs(want[i].distance)));
        EXPECT_TRUE(allowed.Test(static_cast<size_t>(got[i].id)));
      }
    }
  }
}

TEST_P(FlatSearchTest, RangeSearchKeepsOnlyHitsInsideBounds) {
  MetricType metric = GetParam();
  std::mt19937 rng(3);
  const size_t dim = 8, rows = 2000;
  std::vector<float> base = Gaussian(rows * dim, rng), query = Gaussian(dim, rng);
  auto all = Oracle(metric, query.data(), base, dim, nullptr, rows);
  // Pick bounds between the 10th and 100th best results.
  float inner = all[10].distance, outer = all[100].distance;
  FlatSearchParams params{metric, dim, outer, inner};  // radius = outer bound, range_filter = inner
  std::vector<TopK> heaps(1, TopK(1000, HigherIsBetter(metric)));
  ASSERT_TRUE(FlatSearch(params, PrepareQueries(params, query), base.data(), rows, nullptr, 0, 0, &heaps).ok());
  auto hits = heaps[0].Sorted();
  EXPECT_NEAR(static_cast<double>(hits.size()), 90.0, 2.0);  // ranks 10..99 (float rounding at the edges)
  for (const Hit& h : hits) EXPECT_TRUE(InRange(params, h.distance));
}

INSTANTIATE_TEST_SUITE_P(Metrics, FlatSearchTest,
                         ::testing::Values(MetricType::kL2, MetricType::kIP, MetricType::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(FlatSearchTest, RejectsMismatchedSizes) {
  std::vector<float> base(80), query(7);
  std::vector<TopK> heaps(1, TopK(3, false));
  FlatSearchParams params{MetricType::kL2, 8, std::nullopt, std::nullopt};
  EXPECT_TRUE(FlatSearch(params, query, base.data(), 10, nullptr, 0, 0, &heaps).IsInvalidArgument());
  Bitset small(5);
  std::vector<float> q8(8);
  EXPECT_TRUE(FlatSearch(params, q8, base.data(), 10, &small, 0, 0, &heaps).IsInvalidArgument());
}

TEST(TopKTest, KeepsBestAndBreaksTiesById) {
  TopK low(3, false);
  for (int i = 0; i < 10; ++i) low.Push(static_cast<float>(10 - i), i);
  auto sorted = low.Sorted();
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].id, 9);
  EXPECT_EQ(sorted[2].id, 7);
  TopK ties(2, true);
  ties.Push(1.0f, 5);
  ties.Push(1.0f, 2);
  ties.Push(1.0f, 9);
  auto t = ties.Sorted();
  EXPECT_EQ(t[0].id, 2);
  EXPECT_EQ(t[1].id, 5);
}

}  // namespace
}  // namespace quiver::index

namespace quiver::index {
namespace {

TEST(FlatSearchTest, CosineWithCachedNormsMatchesFusedKernel) {
  std::mt19937 rng(5);
  const size_t dim = 24, rows = 1000;
  std::vector<float> base = Gaussian(rows * dim, rng), query = Gaussian(dim, rng);
  for (size_t d = 0; d < dim; ++d) base[7 * dim + d] = 0;  // a zero vector scores 0
  FlatSearchParams fused{MetricType::kCosine, dim, std::nullopt, std::nullopt};
  FlatSearchParams cached = fused;
  std::vector<float> norms = InverseNorms(base.data(), rows, dim);
  EXPECT_EQ(norms[7], 0.0f);
  cached.inverse_norms = norms.data();
  std::vector<TopK> a(1, TopK(20, true)), b(1, TopK(20, true));
  ASSERT_TRUE(FlatSearch(fused, PrepareQueries(fused, query), base.data(), rows, nullptr, 0, 0, &a).ok());
  ASSERT_TRUE(FlatSearch(cached, PrepareQueries(cached, query), base.data(), rows, nullptr, 0, 0, &b).ok());
  auto x = a[0].Sorted(), y = b[0].Sorted();
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].id, y[i].id);
    EXPECT_NEAR(x[i].distance, y[i].distance, 1e-5);
  }
}

}  // namespace
}  // namespace quiver::index
