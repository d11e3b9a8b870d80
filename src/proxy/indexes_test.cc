#include "proxy/indexes.h"

#include <gtest/gtest.h>

namespace quiver::proxy {
namespace {

schema::FieldSchema Field(const char* name, schema::DataType type, int dim = 0) {
  schema::FieldSchema f;
  f.name = name;
  f.id = 101;
  f.type = type;
  f.dim = dim;
  return f;
}

std::string Param(const cluster::IndexInfo& index, const std::string& key) {
  for (const auto& [k, v] : index.params) {
    if (k == key) return v;
  }
  return "<none>";
}

TEST(ResolveIndexTest, TypeAndMetricFromKeysOrTheParamsJson) {
  auto v = Field("v", schema::DataType::kFloatVector, 8);
  auto flat = ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"metric_type", "l2"}, {"params", R"({"M": 8})"}}});
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_EQ(flat->name, "v");  // no name: the field's
  EXPECT_EQ(flat->index_type, "HNSW");
  EXPECT_EQ(flat->metric_type, "L2");  // upper-cased
  EXPECT_EQ(Param(*flat, "params"), R"({"M":8})");
  // Inside the params JSON, as Milvus also reads them; flat build keys from older clients.
  auto nested = ResolveIndex(v, {"v", "idx", {{"params", R"({"index_type": "IVF_FLAT", "metric_type": "IP", "nlist": 16})"}}});
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(nested->index_type, "IVF_FLAT");
  EXPECT_EQ(nested->metric_type, "IP");
  EXPECT_EQ(Param(*nested, "params"), R"({"nlist":16})");
  auto flat_keys = ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"efConstruction", "64"}}});
  ASSERT_TRUE(flat_keys.ok()) << flat_keys.status().ToString();
  EXPECT_EQ(flat_keys->metric_type, "COSINE");  // the float default
  // Given twice with different values.
  auto twice = ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"params", R"({"index_type": "FLAT"})"}}});
  EXPECT_NE(twice.status().message().find("given twice"), std::string::npos) << twice.status().ToString();
}

TEST(ResolveIndexTest, DefaultsAndRefusals) {
  auto bin = ResolveIndex(Field("b", schema::DataType::kBinaryVector, 64), {"b", "", {}});
  ASSERT_TRUE(bin.ok()) << bin.status().ToString();
  EXPECT_EQ(bin->index_type, "AUTOINDEX");
  EXPECT_EQ(bin->metric_type, "HAMMING");
  auto v = Field("v", schema::DataType::kFloatVector, 8);
  EXPECT_NE(ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"nlist", "16"}}}).status().message().find("not a build parameter"),
            std::string::npos);
  EXPECT_NE(ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"ef", "16"}}}).status().message().find("search parameter"),
            std::string::npos);
  EXPECT_EQ(ResolveIndex(v, {"v", "", {{"index_type", "HNSW"}, {"mmap.enabled", "true"}}}).status().code(),
            StatusCode::kNotSupported);
  EXPECT_FALSE(ResolveIndex(v, {"v", "", {{"metric_type", "NOPE"}}}).ok());
  EXPECT_FALSE(ResolveIndex(v, {"v", "", {{"params", "[1, 2]"}}}).ok());
  // Scalar fields: no metric, no parameters, the type must fit.
  auto s = Field("s", schema::DataType::kVarChar);
  auto trie = ResolveIndex(s, {"s", "", {{"index_type", "TRIE"}}});
  ASSERT_TRUE(trie.ok()) << trie.status().ToString();
  EXPECT_EQ(trie->index_type, "Trie");
  EXPECT_TRUE(trie->metric_type.empty());
  EXPECT_FALSE(ResolveIndex(s, {"s", "", {{"index_type", "INVERTED"}, {"metric_type", "L2"}}}).ok());
  EXPECT_FALSE(ResolveIndex(Field("n", schema::DataType::kInt64), {"n", "", {{"index_type", "Trie"}}}).ok());
  EXPECT_FALSE(ResolveIndex(Field("n", schema::DataType::kInt64), {"n", "", {{"index_type", "HNSW"}}}).ok());
  EXPECT_EQ(ResolveIndex(Field("j", schema::DataType::kJson), {"j", "", {{"index_type", "INVERTED"}}}).status().code(),
            StatusCode::kNotSupported);
  // BITMAP suits low-cardinality fields: refused on the primary key and on floating fields.
  auto pk = Field("id", schema::DataType::kInt64);
  pk.primary_key = true;
  EXPECT_FALSE(ResolveIndex(pk, {"id", "", {{"index_type", "BITMAP"}}}).ok());
  EXPECT_FALSE(ResolveIndex(Field("f", schema::DataType::kDouble), {"f", "", {{"index_type", "BITMAP"}}}).ok());
  EXPECT_TRUE(ResolveIndex(Field("n", schema::DataType::kInt64), {"n", "", {{"index_type", "BITMAP"}}}).ok());
}

}  // namespace
}  // namespace quiver::proxy
