#include "proxy/rows.h"

#include <gtest/gtest.h>

namespace quiver::proxy {
namespace {

using schema::DataType;

schema::CollectionSchema Schema(bool auto_id) {
  schema::CollectionSchema s;
  s.name = "c";
  s.enable_dynamic_field = true;
  schema::FieldSchema id;
  id.name = "id";
  id.type = DataType::kInt64;
  id.primary_key = true;
  id.auto_id = auto_id;
  s.fields.push_back(id);
  schema::FieldSchema v;
  v.name = "v";
  v.type = DataType::kFloatVector;
  v.type_params["dim"] = "2";
  s.fields.push_back(v);
  schema::FieldSchema n;
  n.name = "n";
  n.type = DataType::kInt32;
  n.default_value = schema::ScalarValue(int64_t{7});
  s.fields.push_back(n);
  schema::FieldSchema tag;
  tag.name = "tag";
  tag.type = DataType::kVarChar;
  tag.nullable = true;
  tag.type_params["max_length"] = "3";
  s.fields.push_back(tag);
  EXPECT_TRUE(schema::NormalizeSchema(&s).ok());
  return s;
}

std::shared_ptr<const schema::ColumnChunk> Vectors(size_t rows) {
  schema::ColumnBuilder b(DataType::kFloatVector, 2);
  for (size_t r = 0; r < rows; ++r) {
    float v[2] = {static_cast<float>(r), 1};
    b.AppendBytes(std::string_view(reinterpret_cast<const char*>(v), sizeof(v)));
  }
  return b.Build();
}

Result<int64_t> Ids(uint32_t) { return 500; }

TEST(RowsTest, FieldsNotGivenGetDefaultsNullsAndGeneratedKeys) {
  schema::CollectionSchema s = Schema(true);
  auto rows = AssembleRows(s, {{"v", Vectors(2)}}, 2, false, Ids);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_TRUE(rows->generated_ids);
  ASSERT_EQ(rows->pks.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(rows->pks[0]), 500);
  EXPECT_EQ(std::get<int64_t>(rows->pks[1]), 501);
  const schema::DataChunk& chunk = *rows->chunk;
  ASSERT_EQ(chunk.columns.size(), s.fields.size());  // every schema field, in schema order
  EXPECT_EQ(chunk.Find(s.FindField("n")->id)->IntAt(1), 7);
  EXPECT_FALSE(chunk.Find(s.FindField("tag")->id)->IsValid(0));
  EXPECT_EQ(chunk.Find(s.FindField("$meta")->id)->VarAt(0), "{}");
}

TEST(RowsTest, RefusesGivenAutoIdsMissingFieldsAndRowCountMismatches) {
  schema::ColumnBuilder ids(DataType::kInt64);
  ids.AppendInt(1);
  ids.AppendInt(2);
  auto given = ids.Build();
  auto auto_ids = AssembleRows(Schema(true), {{"id", given}, {"v", Vectors(2)}}, 2, false, Ids);
  EXPECT_EQ(auto_ids.status().code(), StatusCode::kInvalidArgument);
  // An upsert names the keys even of an auto-id collection.
  EXPECT_TRUE(AssembleRows(Schema(true), {{"id", given}, {"v", Vectors(2)}}, 2, true, Ids).ok());
  auto missing = AssembleRows(Schema(false), {{"v", Vectors(2)}}, 2, false, Ids);
  EXPECT_EQ(missing.status().detail(), ErrorDetail::kParameterMissing);
  auto short_column = AssembleRows(Schema(false), {{"id", given}, {"v", Vectors(3)}}, 2, false, Ids);
  EXPECT_EQ(short_column.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(AssembleRows(Schema(false), {}, 0, false, Ids).ok());
}

TEST(RowsTest, ValueChecks) {
  schema::CollectionSchema s = Schema(false);
  const schema::FieldSchema& n = *s.FindField("n");
  EXPECT_TRUE(CheckIntRange(n, INT32_MAX).ok());
  EXPECT_FALSE(CheckIntRange(n, int64_t{INT32_MAX} + 1).ok());
  EXPECT_FALSE(CheckVarChar(*s.FindField("tag"), "abcd").ok());
  EXPECT_TRUE(CheckVarChar(*s.FindField("tag"), "abc").ok());
  const schema::FieldSchema& meta = *s.FindField("$meta");
  EXPECT_TRUE(CheckJsonText(meta, R"({"a": 1})", {}).ok());
  EXPECT_FALSE(CheckJsonText(meta, "[1]", {}).ok());  // the dynamic field holds objects
  EXPECT_FALSE(CheckJsonText(meta, "{", {}).ok());
  EXPECT_FALSE(CheckJsonText(meta, R"({"a": "long"})", RowLimits{4}).ok());
  float bad[2] = {1, std::numeric_limits<float>::infinity()};
  EXPECT_FALSE(CheckFloatVector(*s.FindField("v"), bad).ok());
}

}  // namespace
}  // namespace quiver::proxy
