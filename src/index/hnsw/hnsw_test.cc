#include "index/hnsw/hnsw.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "index/flat/flat_search.h"

namespace quiver::index {
namespace {

struct Dataset {
  size_t n, dim;
  std::vector<float> base, queries;
};

// A Gaussian mixture: clustered data, as real embeddings are.
Dataset MakeData(size_t n, size_t dim, size_t nq, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> gauss;
  std::vector<float> centers(32 * dim);
  for (auto& x : centers) x = gauss(rng) * 3;
  Dataset d{n, dim, std::vector<float>(n * dim), std::vector<float>(nq * dim)};
  auto fill = [&](float* v) {
    const float* c = centers.data() + (rng() % 32) * dim;
    for (size_t k = 0; k < dim; ++k) v[k] = c[k] + gauss(rng);
  };
  for (size_t i = 0; i < n; ++i) fill(d.base.data() + i * dim);
  for (size_t q = 0; q < nq; ++q) fill(d.queries.data() + q * dim);
  return d;
}

double Recall(const HnswIndex& index, const Dataset& d, MetricType metric, size_t k, size_t ef, const Bitset* allowed) {
  size_t nq = d.queries.size() / d.dim;
  FlatSearchParams params{metric, d.dim, std::nullopt, std::nullopt};
  std::vector<float> prepared = PrepareQueries(params, d.queries);
  std::vector<TopK> truth(nq, TopK(k, HigherIsBetter(metric)));
  EXPECT_TRUE(FlatSearch(params, prepared, d.base.data(), d.n, allowed, 0, 0, &truth).ok());
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < nq; ++q) {
    TopK got(k, HigherIsBetter(metric));
    index.Search(d.queries.data() + q * d.dim, k, ef, allowed, &got);
    std::set<int64_t> want;
    for (const Hit& h : truth[q].Sorted()) want.insert(h.id);
    for (const Hit& h : got.Sorted()) {
      hits += want.count(h.id);
      if (allowed) {
        EXPECT_TRUE(allowed->Test(static_cast<size_t>(h.id)));
      }
    }
    total += want.size();
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(total);
}

class HnswTest : public ::testing::TestWithParam<MetricType> {};

// Recall floors written here; the table covers each metric, with and without filters.
TEST_P(HnswTest, RecallAgainstBruteForce) {
  MetricType metric = GetParam();
  Dataset d = MakeData(30000, 32, 100, 1);  // 10% selectivity = 3000 rows: the graph path, not the fallback
  auto index = HnswIndex::Create(metric, d.dim, {16, 100, 7});
  ASSERT_TRUE(index.ok());
  ThreadPool pool("build", 2, 16);
  ASSERT_TRUE((*index)->Build(d.base.data(), d.n, &pool).ok());
  double recall = Recall(**index, d, metric, 10, 64, nullptr);
  EXPECT_GE(recall, 0.95) << MetricName(metric);
  std::printf("%s recall@10 ef=64: %.4f\n", std::string(MetricName(metric)).c_str(), recall);
  EXPECT_GE(Recall(**index, d, metric, 10, 16, nullptr), 0.80) << "ef below k is raised to k";
  // Filters at 90%, 10% and 1% selectivity (1% takes the exact fallback).
  std::mt19937 rng(3);
  for (double selectivity : {0.9, 0.1, 0.01}) {
    Bitset allowed(d.n);
    for (size_t i = 0; i < d.n; ++i) {
      if (std::uniform_real_distribution<double>(0, 1)(rng) < selectivity) allowed.Set(i);
    }
    double filtered = Recall(**index, d, metric, 10, 64, &allowed);
    EXPECT_GE(filtered, selectivity < 0.05 ? 0.999 : 0.90) << MetricName(metric) << " selectivity " << selectivity;
    std::printf("  selectivity %.2f recall %.4f\n", selectivity, filtered);
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, HnswTest, ::testing::Values(MetricType::kL2, MetricType::kIP, MetricType::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(HnswSerializeTest, RoundTripAndCorruption) {
  Dataset d = MakeData(1500, 16, 20, 2);
  auto index = std::move(HnswIndex::Create(MetricType::kL2, 16, {8, 50, 1})).value();
  ASSERT_TRUE(index->Build(d.base.data(), d.n, nullptr).ok());
  std::string bytes = index->Serialize();
  auto loaded = HnswIndex::Deserialize(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (size_t q = 0; q < 20; ++q) {
    TopK a(5, false), b(5, false);
    index->Search(d.queries.data() + q * 16, 5, 32, nullptr, &a);
    (*loaded)->Search(d.queries.data() + q * 16, 5, 32, nullptr, &b);
    auto x = a.Sorted(), y = b.Sorted();
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].id, y[i].id);
  }
  for (size_t pos = 0; pos < bytes.size(); pos += bytes.size() / 50) {
    std::string damaged = bytes;
    damaged[pos] ^= 0x10;
    EXPECT_FALSE(HnswIndex::Deserialize(damaged).ok()) << pos;
  }
  EXPECT_FALSE(HnswIndex::Deserialize(bytes.substr(0, bytes.size() / 2)).ok());
}

TEST(HnswCreateTest, RejectsBadParameters) {
  EXPECT_FALSE(HnswIndex::Create(MetricType::kHamming, 8, {}).ok());
  EXPECT_FALSE(HnswIndex::Create(MetricType::kL2, 8, {1, 10, 0}).ok());
  EXPECT_FALSE(HnswIndex::Create(MetricType::kL2, 0, {}).ok());
  auto empty = std::move(HnswIndex::Create(MetricType::kL2, 4, {})).value();
  ASSERT_TRUE(empty->Build(nullptr, 0, nullptr).ok());
  TopK out(3, false);
  float q[4] = {0, 0, 0, 0};
  empty->Search(q, 3, 10, nullptr, &out);
  EXPECT_EQ(out.size(), 0u);
}

}  // namespace
}  // namespace quiver::index
