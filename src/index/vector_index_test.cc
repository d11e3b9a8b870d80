// One table-driven suite for every index family behind the VectorIndex contract: each (family,
// metric, params) row is built over the same clustered data, searched, and compared with a brute
// force written here independently of the kernels (double precision, plain loops). Each row states
// its recall floor. Filtered search runs at 1%, 10% and 90% selectivity; every index must also
// survive serialization unchanged and reject damaged files.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "index/flat/exact_search.h"
#include "index/registry.h"
#include "index/vector_index.h"

namespace quiver::index {
namespace {

using DT = schema::DataType;

constexpr size_t kRows = 4000;
constexpr size_t kDim = 32;
constexpr size_t kQueries = 40;
constexpr size_t kK = 10;

// A Gaussian mixture (clustered like real embeddings), deterministic.
std::vector<float> Mixture(size_t rows, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> centers(32 * dim);
  for (float& c : centers) c = normal(rng) * 3;
  std::vector<float> out(rows * dim);
  for (size_t i = 0; i < rows; ++i) {
    size_t c = rng() % 32;
    for (size_t d = 0; d < dim; ++d) out[i * dim + d] = centers[c * dim + d] + normal(rng);
  }
  return out;
}

double NaiveFloat(MetricType metric, const float* a, const float* b, size_t dim) {
  double dot = 0, l2 = 0, na = 0, nb = 0;
  for (size_t d = 0; d < dim; ++d) {
    dot += double(a[d]) * b[d];
    l2 += (double(a[d]) - b[d]) * (double(a[d]) - b[d]);
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
  }
  if (metric == MetricType::kL2) return l2;
  if (metric == MetricType::kIP) return dot;
  return (na == 0 || nb == 0) ? 0 : dot / std::sqrt(na * nb);
}

double NaiveBinary(MetricType metric, const uint8_t* a, const uint8_t* b, size_t bytes) {
  int diff = 0, both = 0, either = 0;
  for (size_t i = 0; i < bytes; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bool x = (a[i] >> bit) & 1, y = (b[i] >> bit) & 1;
      diff += x != y;
      both += x && y;
      either += x || y;
    }
  }
  if (metric == MetricType::kHamming) return diff;
  return either == 0 ? 0 : 1.0 - double(both) / either;
}

// The exact top-k ids per query among allowed rows, given a distance function.
template <typename Fn>
std::vector<std::vector<int64_t>> BruteForce(size_t rows, size_t queries, bool higher, const Bitset* allowed, Fn distance) {
  std::vector<std::vector<int64_t>> out(queries);
  for (size_t q = 0; q < queries; ++q) {
    std::vector<std::pair<double, int64_t>> all;
    for (size_t r = 0; r < rows; ++r) {
      if (allowed == nullptr || allowed->Test(r)) all.push_back({higher ? -distance(q, r) : distance(q, r), int64_t(r)});
    }
    size_t k = std::min(kK, all.size());
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    for (size_t i = 0; i < k; ++i) out[q].push_back(all[i].second);
  }
  return out;
}

// Recall@k of `got` against `truth`, with ties at the k-th distance counted as found.
double Recall(const std::vector<std::vector<Hit>>& got, const std::vector<std::vector<int64_t>>& truth) {
  size_t found = 0, total = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    std::set<int64_t> want(truth[q].begin(), truth[q].end());
    total += want.size();
    for (const Hit& h : got[q]) found += want.count(h.id);
  }
  return total == 0 ? 1.0 : double(found) / double(total);
}

std::vector<std::vector<Hit>> RunSearch(const VectorIndex& index, const VectorView& queries, const SearchOptions& options) {
  std::vector<TopK> heaps(queries.rows, TopK(options.k, HigherIsBetter(index.metric())));
  Status s = index.Search(queries, options, &heaps);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<std::vector<Hit>> out;
  for (const TopK& h : heaps) out.push_back(h.Sorted());
  return out;
}

Bitset Selectivity(size_t rows, double fraction, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bitset allowed(rows);
  for (size_t r = 0; r < rows; ++r) {
    if (std::uniform_real_distribution<double>(0, 1)(rng) < fraction) allowed.Set(r);
  }
  return allowed;
}

struct Case {
  std::string family;
  MetricType metric;
  std::map<std::string, std::string> build;
  std::map<std::string, double> search;
  double floor;           // recall@10 without a filter
  double filtered_floor;  // recall@10 at 10% and 90% selectivity (1% is checked as exact-ish below)
  DT type = DT::kFloatVector;
};

std::string Name(const Case& c) {
  std::string name = c.family + "/" + std::string(MetricName(c.metric)) + "/" + std::string(schema::DataTypeName(c.type));
  for (const auto& [key, value] : c.build) name += "/" + key + value;
  return name;
}

std::vector<Case> FloatCases() {
  std::vector<Case> cases;
  for (MetricType m : {MetricType::kL2, MetricType::kIP, MetricType::kCosine}) {
    cases.push_back({"FLAT", m, {}, {}, 0.999, 0.999});
    cases.push_back({"HNSW", m, {{"M", "16"}, {"efConstruction", "200"}}, {{"ef", 128}}, 0.95, 0.90});
    cases.push_back({"IVF_FLAT", m, {{"nlist", "64"}}, {{"nprobe", 16}}, 0.95, 0.80});
    cases.push_back({"IVF_SQ8", m, {{"nlist", "64"}}, {{"nprobe", 16}}, 0.90, 0.80});
    cases.push_back({"IVF_PQ", m, {{"nlist", "64"}, {"m", "16"}, {"nbits", "8"}}, {{"nprobe", 16}}, 0.85, 0.60});
    // 4-bit codes: cells hold more rows than codes, which takes the merged-table scan.
    cases.push_back({"IVF_PQ", m, {{"nlist", "16"}, {"m", "16"}, {"nbits", "4"}}, {{"nprobe", 8}}, 0.40, 0.35});
    cases.push_back({"AUTOINDEX", m, {}, {{"ef", 128}}, 0.95, 0.90});
    cases.push_back({"DISKANN", m, {}, {{"ef", 128}}, 0.95, 0.90});
  }
  // Half-precision columns through FLAT and HNSW (compared with brute force on the rounded values).
  for (DT t : {DT::kFloat16Vector, DT::kBFloat16Vector}) {
    cases.push_back({"FLAT", MetricType::kL2, {}, {}, 0.999, 0.999, t});
    cases.push_back({"HNSW", MetricType::kCosine, {}, {{"ef", 128}}, 0.95, 0.90, t});
  }
  return cases;
}

// Encodes float rows as the column type (float16/bfloat16) and returns the values it holds.
std::vector<uint8_t> Encode(DT type, const std::vector<float>& values, std::vector<float>* rounded) {
  if (type == DT::kFloatVector) {
    *rounded = values;
    std::vector<uint8_t> out(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
    return out;
  }
  std::vector<uint16_t> half(values.size());
  rounded->resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    half[i] = type == DT::kFloat16Vector ? FloatToHalf(values[i]) : FloatToBFloat16(values[i]);
    (*rounded)[i] = type == DT::kFloat16Vector ? HalfToFloat(half[i]) : BFloat16ToFloat(half[i]);
  }
  std::vector<uint8_t> out(half.size() * 2);
  std::memcpy(out.data(), half.data(), out.size());
  return out;
}

class FloatFamilies : public ::testing::TestWithParam<Case> {};

TEST_P(FloatFamilies, RecallAgainstBruteForce) {
  const Case& c = GetParam();
  std::vector<float> base_raw = Mixture(kRows, kDim, 7), query_raw = Mixture(kQueries, kDim, 8);
  std::vector<float> base, queries;
  std::vector<uint8_t> base_bytes = Encode(c.type, base_raw, &base), query_bytes = Encode(c.type, query_raw, &queries);
  VectorView data{c.type, base_bytes.data(), kRows, kDim};
  VectorView qv{c.type, query_bytes.data(), kQueries, kDim};

  auto spec = IndexRegistry::Builtin().ResolveBuild(c.family, c.type, kDim, c.metric, c.build);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ThreadPool pool("build", 2, 64);
  double last_progress = -1;
  auto built = BuildVectorIndex(*spec, data, &pool, [&](double p) {
    last_progress = std::max(last_progress, p);
    return true;
  });
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const VectorIndex& index = **built;
  EXPECT_EQ(last_progress, 1.0);
  EXPECT_EQ(index.size(), kRows);

  SearchOptions options;
  options.k = kK;
  options.params = c.search;
  bool higher = HigherIsBetter(c.metric);
  auto distance = [&](size_t q, size_t r) { return NaiveFloat(c.metric, &queries[q * kDim], &base[r * kDim], kDim); };
  double recall = Recall(RunSearch(index, qv, options), BruteForce(kRows, kQueries, higher, nullptr, distance));
  EXPECT_GE(recall, c.floor) << Name(c);
  std::printf("%-40s recall@10 %.3f\n", Name(c).c_str(), recall);

  // Reported distances are the metric's own values.
  auto hits = RunSearch(index, qv, options);
  if (c.family == "FLAT" || c.family == "HNSW" || c.family == "IVF_FLAT") {
    for (const Hit& h : hits[0]) EXPECT_NEAR(h.distance, distance(0, size_t(h.id)), 1e-2 * (1 + std::fabs(h.distance))) << Name(c);
  }

  for (double fraction : {0.01, 0.10, 0.90}) {
    Bitset allowed = Selectivity(kRows, fraction, 99);
    options.allowed = &allowed;
    auto got = RunSearch(index, qv, options);
    for (const auto& per_query : got) {
      for (const Hit& h : per_query) ASSERT_TRUE(allowed.Test(size_t(h.id))) << Name(c) << " returned a filtered row";
      // Every family fills the top k whenever enough rows pass (1% of 4000 = ~40 rows).
      EXPECT_EQ(per_query.size(), std::min(kK, allowed.Count())) << Name(c) << " at " << fraction;
    }
    double r = Recall(got, BruteForce(kRows, kQueries, higher, &allowed, distance));
    double floor = fraction == 0.01 ? std::min(c.filtered_floor, c.family == "IVF_PQ" ? 0.5 : 0.9) : c.filtered_floor;
    EXPECT_GE(r, floor) << Name(c) << " at selectivity " << fraction;
  }
  options.allowed = nullptr;

  // Serialization round trip gives identical answers; a flipped byte is detected.
  std::string file = SerializeVectorIndex(index);
  auto loaded = LoadVectorIndex(file);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->family(), index.family());
  auto before = RunSearch(index, qv, options), after = RunSearch(**loaded, qv, options);
  for (size_t q = 0; q < kQueries; ++q) {
    ASSERT_EQ(before[q].size(), after[q].size());
    for (size_t i = 0; i < before[q].size(); ++i) EXPECT_EQ(before[q][i].id, after[q][i].id) << Name(c);
  }
  // Loaded in place from a kept-alive buffer (as from a mapped file): same answers, and HNSW
  // references the buffer instead of copying its vectors and links.
  auto kept = std::make_shared<std::string>(file);
  auto in_place = LoadVectorIndex(*kept, kept);
  ASSERT_TRUE(in_place.ok()) << in_place.status().ToString();
  auto mapped = RunSearch(**in_place, qv, options);
  for (size_t q = 0; q < kQueries; ++q) {
    ASSERT_EQ(before[q].size(), mapped[q].size());
    for (size_t i = 0; i < before[q].size(); ++i) EXPECT_EQ(before[q][i].id, mapped[q][i].id) << Name(c);
  }
  if (index.family() == "HNSW") {
    EXPECT_LT((*in_place)->MemoryBytes(), index.MemoryBytes() / 2) << Name(c);
  }
  file[file.size() / 2] ^= 0x5a;
  EXPECT_TRUE(LoadVectorIndex(file).status().IsCorruption());

  // Wrong query dimension is an error, not a crash.
  VectorView wrong = qv;
  wrong.dim = kDim / 2;
  std::vector<TopK> heaps(kQueries, TopK(kK, higher));
  EXPECT_TRUE(index.Search(wrong, options, &heaps).IsInvalidArgument());
}

INSTANTIATE_TEST_SUITE_P(All, FloatFamilies, ::testing::ValuesIn(FloatCases()), [](const auto& info) {
  std::string name = Name(info.param);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
});

class BinaryFamilies : public ::testing::TestWithParam<std::pair<std::string, MetricType>> {};

TEST_P(BinaryFamilies, RecallAgainstBruteForce) {
  auto [family, metric] = GetParam();
  constexpr size_t kBits = 128, kBytes = kBits / 8;
  // Clustered bit vectors: flip 10% of a cluster prototype's bits.
  std::mt19937_64 rng(5);
  std::vector<uint8_t> protos(16 * kBytes);
  for (auto& b : protos) b = static_cast<uint8_t>(rng());
  auto make = [&](size_t rows) {
    std::vector<uint8_t> out(rows * kBytes);
    for (size_t i = 0; i < rows; ++i) {
      size_t c = rng() % 16;
      for (size_t b = 0; b < kBytes; ++b) {
        uint8_t flip = 0;
        for (int bit = 0; bit < 8; ++bit) flip |= static_cast<uint8_t>((rng() % 10 == 0) << bit);
        out[i * kBytes + b] = protos[c * kBytes + b] ^ flip;
      }
    }
    return out;
  };
  std::vector<uint8_t> base = make(kRows), queries = make(kQueries);
  auto spec = IndexRegistry::Builtin().ResolveBuild(family, DT::kBinaryVector, kBits, metric, {{"nlist", "32"}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto built = BuildVectorIndex(*spec, {DT::kBinaryVector, base.data(), kRows, kBits}, nullptr, nullptr);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  SearchOptions options;
  options.k = kK;
  options.params = {{"nprobe", 8}};
  VectorView qv{DT::kBinaryVector, queries.data(), kQueries, kBits};
  auto distance = [&](size_t q, size_t r) { return NaiveBinary(metric, &queries[q * kBytes], &base[r * kBytes], kBytes); };
  auto truth = BruteForce(kRows, kQueries, false, nullptr, distance);
  auto got = RunSearch(**built, qv, options);
  EXPECT_GE(Recall(got, truth), family == "BIN_FLAT" ? 0.999 : 0.85);
  for (const Hit& h : got[0]) EXPECT_NEAR(h.distance, distance(0, size_t(h.id)), 1e-5);
  Bitset allowed = Selectivity(kRows, 0.01, 3);
  options.allowed = &allowed;
  got = RunSearch(**built, qv, options);
  EXPECT_GE(Recall(got, BruteForce(kRows, kQueries, false, &allowed, distance)), 0.9);
  options.allowed = nullptr;
  auto loaded = LoadVectorIndex(SerializeVectorIndex(**built));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto again = RunSearch(**loaded, qv, options);
  got = RunSearch(**built, qv, options);
  for (size_t q = 0; q < kQueries; ++q) {
    ASSERT_EQ(got[q].size(), again[q].size());
    for (size_t i = 0; i < got[q].size(); ++i) EXPECT_EQ(got[q][i].id, again[q][i].id);
  }
}

INSTANTIATE_TEST_SUITE_P(All, BinaryFamilies,
                         ::testing::Values(std::make_pair(std::string("BIN_FLAT"), MetricType::kHamming),
                                           std::make_pair(std::string("BIN_FLAT"), MetricType::kJaccard),
                                           std::make_pair(std::string("BIN_IVF_FLAT"), MetricType::kHamming),
                                           std::make_pair(std::string("BIN_IVF_FLAT"), MetricType::kJaccard),
                                           std::make_pair(std::string("AUTOINDEX"), MetricType::kHamming)));

// Sparse rows as the column stores them: (uint32 index, float value) pairs and byte offsets.
struct SparseRows {
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> offsets{0};
  std::vector<std::map<uint32_t, float>> rows;
  void Add(const std::map<uint32_t, float>& row) {
    for (auto [i, v] : row) {
      size_t at = bytes.size();
      bytes.resize(at + 8);
      std::memcpy(bytes.data() + at, &i, 4);
      std::memcpy(bytes.data() + at + 4, &v, 4);
    }
    offsets.push_back(bytes.size());
    rows.push_back(row);
  }
  VectorView View() const { return {DT::kSparseFloatVector, bytes.data(), rows.size(), 0, offsets.data()}; }
};

TEST(SparseInvertedIndex, ExactInnerProduct) {
  std::mt19937_64 rng(11);
  auto make = [&](size_t count) {
    SparseRows out;
    for (size_t r = 0; r < count; ++r) {
      std::map<uint32_t, float> row;
      size_t nnz = 1 + rng() % 12;
      for (size_t j = 0; j < nnz; ++j) row[static_cast<uint32_t>(rng() % 500)] = std::uniform_real_distribution<float>(0.1f, 1)(rng);
      out.Add(row);
    }
    return out;
  };
  SparseRows base = make(kRows), queries = make(kQueries);
  for (std::string family : {"SPARSE_INVERTED_INDEX", "SPARSE_WAND", "AUTOINDEX"}) {
    auto spec = IndexRegistry::Builtin().ResolveBuild(family, DT::kSparseFloatVector, 0, MetricType::kIP, {});
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    auto built = BuildVectorIndex(*spec, base.View(), nullptr, nullptr);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    auto ip = [&](size_t q, size_t r) {
      double sum = 0;
      for (auto [i, v] : queries.rows[q]) {
        auto it = base.rows[r].find(i);
        if (it != base.rows[r].end()) sum += double(v) * it->second;
      }
      return sum;
    };
    SearchOptions options;
    options.k = kK;
    auto got = RunSearch(**built, queries.View(), options);
    for (size_t q = 0; q < kQueries; ++q) {
      // Only rows sharing a dimension score; compare against brute force over those rows.
      std::vector<std::pair<double, int64_t>> scored;
      for (size_t r = 0; r < kRows; ++r) {
        double s = ip(q, r);
        if (s > 0) scored.push_back({-s, int64_t(r)});
      }
      std::sort(scored.begin(), scored.end());
      ASSERT_EQ(got[q].size(), std::min(kK, scored.size()));
      for (size_t i = 0; i < got[q].size(); ++i) EXPECT_NEAR(got[q][i].distance, -scored[i].first, 1e-4);
    }
    auto loaded = LoadVectorIndex(SerializeVectorIndex(**built));
    ASSERT_TRUE(loaded.ok());
    auto again = RunSearch(**loaded, queries.View(), options);
    for (size_t q = 0; q < kQueries; ++q) EXPECT_EQ(again[q].size(), got[q].size());
  }
}

// The exact path (growing segments) answers as the exact families do, for every vector type, and
// honours the bitset offset and id base used for chunks.
TEST(ExactSearch, AgreesWithExactFamiliesForEveryType) {
  auto compare = [](const VectorIndex& index, const VectorView& base, const VectorView& queries, MetricType metric) {
    Bitset allowed = Selectivity(base.rows + 100, 0.5, 21);
    Bitset shifted(base.rows);  // the same rows at offset 100
    for (size_t r = 0; r < base.rows; ++r) {
      if (allowed.Test(100 + r)) shifted.Set(r);
    }
    SearchOptions options;
    options.k = kK;
    options.allowed = &shifted;
    auto want = RunSearch(index, queries, options);
    std::vector<TopK> heaps(queries.rows, TopK(kK, HigherIsBetter(metric)));
    SearchOptions exact;
    exact.allowed = &allowed;
    ASSERT_TRUE(ExactSearch(metric, base, queries, exact, 100, 5000, &heaps).ok());
    for (size_t q = 0; q < queries.rows; ++q) {
      auto got = heaps[q].Sorted();
      ASSERT_EQ(got.size(), want[q].size()) << MetricName(metric);
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id - 5000, want[q][i].id) << MetricName(metric) << " rank " << i;
        EXPECT_NEAR(got[i].distance, want[q][i].distance, 1e-3) << MetricName(metric);
      }
    }
  };
  // Binary, both metrics, against BIN_FLAT.
  std::mt19937_64 rng(9);
  std::vector<uint8_t> bits(kRows * 16), qbits(kQueries * 16);
  for (auto& b : bits) b = static_cast<uint8_t>(rng());
  for (auto& b : qbits) b = static_cast<uint8_t>(rng());
  VectorView bin_base{DT::kBinaryVector, bits.data(), kRows, 128}, bin_queries{DT::kBinaryVector, qbits.data(), kQueries, 128};
  for (MetricType m : {MetricType::kHamming, MetricType::kJaccard}) {
    auto spec = IndexRegistry::Builtin().ResolveBuild("BIN_FLAT", DT::kBinaryVector, 128, m, {});
    auto built = BuildVectorIndex(*spec, bin_base, nullptr, nullptr);
    ASSERT_TRUE(built.ok());
    compare(**built, bin_base, bin_queries, m);
  }
  // Float16 against FLAT over the same half-precision rows.
  std::vector<float> raw = Mixture(kRows, kDim, 3), qraw = Mixture(kQueries, kDim, 4), rounded;
  std::vector<uint8_t> half = Encode(DT::kFloat16Vector, raw, &rounded), qhalf = Encode(DT::kFloat16Vector, qraw, &rounded);
  VectorView half_base{DT::kFloat16Vector, half.data(), kRows, kDim}, half_queries{DT::kFloat16Vector, qhalf.data(), kQueries, kDim};
  auto spec = IndexRegistry::Builtin().ResolveBuild("FLAT", DT::kFloat16Vector, kDim, MetricType::kCosine, {});
  auto flat = BuildVectorIndex(*spec, half_base, nullptr, nullptr);
  ASSERT_TRUE(flat.ok());
  compare(**flat, half_base, half_queries, MetricType::kCosine);
  // Wrong metric for the type is an error.
  std::vector<TopK> heaps(kQueries, TopK(kK, false));
  EXPECT_TRUE(ExactSearch(MetricType::kL2, bin_base, bin_queries, {}, 0, 0, &heaps).IsInvalidArgument());
}

TEST(HalfPrecision, Float32QueriesAreSearchedAtFullPrecision) {
  // Rows in 16 bits, queries in float32 (as pymilvus sends numpy float32 arrays): every family
  // and the exact search compute distances against the full-precision query, not one narrowed
  // to 16 bits first.
  std::vector<float> raw = Mixture(kRows, kDim, 5), qraw = Mixture(kQueries, kDim, 6), rounded;
  for (DT type : {DT::kFloat16Vector, DT::kBFloat16Vector}) {
    std::vector<uint8_t> rows = Encode(type, raw, &rounded);
    VectorView base{type, rows.data(), kRows, kDim};
    VectorView queries{DT::kFloatVector, qraw.data(), kQueries, kDim};
    auto exact_l2 = [&](size_t q, int64_t row) {
      double sum = 0;
      for (size_t d = 0; d < kDim; ++d) {
        double diff = static_cast<double>(qraw[q * kDim + d]) - rounded[static_cast<size_t>(row) * kDim + d];
        sum += diff * diff;
      }
      return sum;
    };
    auto check = [&](const std::vector<std::vector<Hit>>& hits, const std::string& what) {
      size_t compared = 0;
      for (size_t q = 0; q < hits.size(); ++q) {
        for (const Hit& hit : hits[q]) {
          double want = exact_l2(q, hit.id);
          EXPECT_NEAR(hit.distance, want, 1e-5 * std::max(1.0, want)) << what << " query " << q;
          ++compared;
        }
      }
      EXPECT_GE(compared, kQueries * kK / 2) << what;
    };
    for (const char* family : {"FLAT", "HNSW", "IVF_FLAT"}) {
      auto spec = IndexRegistry::Builtin().ResolveBuild(family, type, kDim, MetricType::kL2, {});
      ASSERT_TRUE(spec.ok()) << family;
      auto built = BuildVectorIndex(*spec, base, nullptr, nullptr);
      ASSERT_TRUE(built.ok()) << family << " " << built.status().ToString();
      SearchOptions options;
      options.k = kK;
      options.params = {{"ef", 64}, {"nprobe", 16}};
      check(RunSearch(**built, queries, options), std::string(family) + " " + std::string(schema::DataTypeName(type)));
    }
    std::vector<TopK> heaps(kQueries, TopK(kK, false));
    ASSERT_TRUE(ExactSearch(MetricType::kL2, base, queries, {}, 0, 0, &heaps).ok());
    std::vector<std::vector<Hit>> exact;
    for (auto& heap : heaps) exact.push_back(heap.Sorted());
    check(exact, "exact " + std::string(schema::DataTypeName(type)));
    // Binary queries still do not fit.
    std::vector<uint8_t> bits(kQueries * kDim / 8);
    VectorView binary{DT::kBinaryVector, bits.data(), kQueries, kDim};
    EXPECT_TRUE(ExactSearch(MetricType::kL2, base, binary, {}, 0, 0, &heaps).IsInvalidArgument());
  }
}

TEST(RangeSearch, KeepsOnlyHitsInsideTheBounds) {
  std::vector<float> base = Mixture(kRows, kDim, 7), queries = Mixture(4, kDim, 8);
  for (std::string family : {"FLAT", "HNSW", "IVF_FLAT"}) {
    auto spec = IndexRegistry::Builtin().ResolveBuild(family, DT::kFloatVector, kDim, MetricType::kL2, {{"nlist", "32"}});
    ASSERT_TRUE(spec.ok());
    auto built = BuildVectorIndex(*spec, {DT::kFloatVector, base.data(), kRows, kDim}, nullptr, nullptr);
    ASSERT_TRUE(built.ok());
    // Bounds between the 20th and 200th nearest distance of query 0.
    std::vector<double> d0;
    for (size_t r = 0; r < kRows; ++r) d0.push_back(NaiveFloat(MetricType::kL2, &queries[0], &base[r * kDim], kDim));
    std::sort(d0.begin(), d0.end());
    SearchOptions options;
    options.k = 50;
    options.params = {{"ef", 64}, {"nprobe", 32}};
    options.range_filter = static_cast<float>(d0[20]);
    options.radius = static_cast<float>(d0[200]);
    std::vector<std::vector<Hit>> out;
    ASSERT_TRUE(RangeSearch(**built, {DT::kFloatVector, queries.data(), 1, kDim}, options, &out).ok());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_GE(out[0].size(), family == "FLAT" ? 50u : 40u) << family;
    for (const Hit& h : out[0]) {
      EXPECT_GE(h.distance, *options.range_filter - 1e-3) << family;
      EXPECT_LT(h.distance, *options.radius) << family;
    }
  }
}

TEST(Build, CancelledByProgressCallback) {
  std::vector<float> base = Mixture(kRows, kDim, 7);
  for (std::string family : {"HNSW", "IVF_FLAT", "IVF_PQ"}) {
    auto spec = IndexRegistry::Builtin().ResolveBuild(family, DT::kFloatVector, kDim, MetricType::kL2, {});
    ASSERT_TRUE(spec.ok());
    int calls = 0;
    auto built = BuildVectorIndex(*spec, {DT::kFloatVector, base.data(), kRows, kDim}, nullptr, [&](double) {
      ++calls;
      return false;
    });
    EXPECT_TRUE(built.status().IsAborted()) << family << " " << built.status().ToString();
    EXPECT_EQ(calls, 1) << family << " kept building after being cancelled";
  }
}

TEST(Registry, ResolvesServedFamiliesAndDefaults) {
  const auto& r = IndexRegistry::Builtin();
  auto spec = r.ResolveBuild("AUTOINDEX", DT::kFloatVector, 64, MetricType::kCosine, {});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->family, "HNSW");
  EXPECT_EQ(spec->Param("M", 0), 16);
  EXPECT_EQ(spec->Param("efConstruction", 0), 200);
  EXPECT_EQ(r.ResolveBuild("AUTOINDEX", DT::kBinaryVector, 64, MetricType::kJaccard, {})->family, "BIN_IVF_FLAT");
  EXPECT_TRUE(r.ResolveBuild("AUTOINDEX", DT::kBinaryVector, 64, MetricType::kL2, {}).status().IsInvalidArgument());
  EXPECT_EQ(r.ResolveBuild("HNSW_SQ", DT::kFloatVector, 64, MetricType::kL2, {{"M", "8"}})->Param("M", 0), 8);
  EXPECT_TRUE(r.ResolveBuild("IVF_PQ", DT::kFloatVector, 64, MetricType::kL2, {{"m", "7"}}).status().IsInvalidArgument());
  EXPECT_TRUE(r.ResolveBuild("IVF_PQ", DT::kFloatVector, 64, MetricType::kL2, {{"nbits", "9"}}).status().IsInvalidArgument());
  auto search = r.ResolveSearch("IVF_FLAT", {{"nprobe", "4"}});
  ASSERT_TRUE(search.ok());
  EXPECT_EQ(search->at("nprobe"), 4);
  EXPECT_TRUE(r.ResolveSearch("HNSW", {{"ef", "0"}}).status().IsInvalidArgument());
  EXPECT_TRUE(r.ResolveSearch("HNSW", {{"ef", "abc"}}).status().IsInvalidArgument());
  // No search parameter is silently ignored: a name the index does not use is refused...
  auto unused = r.ResolveSearch("FLAT", {{"ef", "64"}});
  ASSERT_FALSE(unused.ok());
  EXPECT_NE(unused.status().ToString().find("search param ef is not supported by index FLAT"), std::string::npos)
      << unused.status().ToString();
  EXPECT_TRUE(r.ResolveSearch("HNSW", {{"nprobe", "8"}}).status().IsInvalidArgument());
  auto build_param = r.ResolveSearch("HNSW", {{"M", "8"}});
  ASSERT_FALSE(build_param.ok());
  EXPECT_NE(build_param.status().ToString().find("set when the index is built"), std::string::npos);
  // ...and a served family's documented name reaches the family that serves it.
  auto diskann = r.ResolveSearch("DISKANN", {{"search_list", "150"}});
  ASSERT_TRUE(diskann.ok()) << diskann.status().ToString();
  EXPECT_EQ(diskann->at("ef"), 150);
  EXPECT_EQ(r.ResolveSearch("AUTOINDEX", {{"nprobe", "16"}}, DT::kBinaryVector)->at("nprobe"), 16);
  EXPECT_EQ(r.ResolveSearch("AUTOINDEX", {{"ef", "32"}}, DT::kFloatVector)->at("ef"), 32);
  EXPECT_TRUE(r.ResolveSearch("AUTOINDEX", {{"ef", "32"}}, DT::kBinaryVector).status().IsInvalidArgument());
}

TEST(HalfPrecision, ConversionsRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-5f, 3.14159f}) {
    EXPECT_NEAR(HalfToFloat(FloatToHalf(v)), v, std::fabs(v) * 1e-3 + 1e-7) << v;
    EXPECT_NEAR(BFloat16ToFloat(FloatToBFloat16(v)), v, std::fabs(v) * 1e-2 + 1e-7) << v;
  }
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3f80);
  EXPECT_TRUE(std::isinf(HalfToFloat(FloatToHalf(1e6f))));
}

}  // namespace
}  // namespace quiver::index
