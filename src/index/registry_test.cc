#include "index/registry.h"

#include <gtest/gtest.h>

namespace quiver::index {
namespace {

using DT = schema::DataType;

TEST(IndexRegistryTest, ValidatesFamiliesTypesMetricsAndRanges) {
  const IndexRegistry& r = IndexRegistry::Builtin();
  ASSERT_NE(r.Find("HNSW"), nullptr);
  EXPECT_EQ(r.Find("NOPE"), nullptr);
  EXPECT_TRUE(r.ValidateBuild("HNSW", DT::kFloatVector, 8, MetricType::kCosine, {{"M", "16"}, {"efConstruction", "64"}}).ok());
  EXPECT_TRUE(r.ValidateBuild("HNSW", DT::kFloatVector, 8, MetricType::kL2, {{"unknown", "x"}}).ok());
  auto expect = [&](Status st, const std::string& needle) {
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_NE(st.ToString().find(needle), std::string::npos) << st.ToString();
  };
  expect(r.ValidateBuild("HNSW", DT::kFloatVector, 8, MetricType::kL2, {{"M", "1"}}), "out of range");
  expect(r.ValidateBuild("HNSW", DT::kFloatVector, 8, MetricType::kL2, {{"M", "4.5"}}), "must be an integer");
  expect(r.ValidateBuild("HNSW", DT::kFloatVector, 8, MetricType::kL2, {{"efConstruction", "abc"}}), "must be a number");
  expect(r.ValidateBuild("HNSW", DT::kBinaryVector, 8, MetricType::kHamming, {}), "does not support BinaryVector");
  expect(r.ValidateBuild("BIN_FLAT", DT::kBinaryVector, 8, MetricType::kL2, {}), "metric type L2");
  expect(r.ValidateBuild("IVF_FLAT", DT::kFloatVector, 8, MetricType::kL2, {{"nlist", "70000"}}), "out of range");
  expect(r.ValidateBuild("IVF_PQ", DT::kFloatVector, 10, MetricType::kL2, {{"m", "4"}}), "dim % m == 0");
  EXPECT_TRUE(r.ValidateBuild("IVF_PQ", DT::kFloatVector, 12, MetricType::kL2, {{"m", "4"}, {"nbits", "8"}}).ok());
  expect(r.ValidateBuild("SPARSE_INVERTED_INDEX", DT::kSparseFloatVector, 0, MetricType::kIP, {{"drop_ratio_build", "1.5"}}),
         "out of range");
  EXPECT_TRUE(r.ValidateBuild("AUTOINDEX", DT::kSparseFloatVector, 0, MetricType::kIP, {}).ok());
}

}  // namespace
}  // namespace quiver::index
