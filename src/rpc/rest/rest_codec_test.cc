#include "rpc/rest/rest_codec.h"

#include <gtest/gtest.h>

namespace quiver::rpc::rest {
namespace {

using schema::DataType;

schema::CollectionSchema Schema(bool dynamic, bool auto_id) {
  schema::CollectionSchema s;
  s.name = "c";
  s.enable_dynamic_field = dynamic;
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
  schema::FieldSchema tag;
  tag.name = "tag";
  tag.type = DataType::kVarChar;
  tag.nullable = true;
  tag.type_params["max_length"] = "4";
  s.fields.push_back(tag);
  EXPECT_TRUE(schema::NormalizeSchema(&s).ok());
  return s;
}

Result<int64_t> Ids(uint32_t) { return 1000; }

TEST(RestCodecTest, RowsBecomeColumnsAndBack) {
  Json rows = Json::parse(R"([{"id": 1, "v": [0.5, 1.5], "tag": "a", "color": "red"},
                              {"id": "9007199254740993", "v": [2, 3], "tag": null}])");
  schema::CollectionSchema s = Schema(true, false);
  auto in = RowsFromJson(s, rows, false, Ids, {});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->chunk->rows, 2u);
  ASSERT_EQ(in->pks.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(in->pks[1]), 9007199254740993LL);
  EXPECT_FALSE(in->generated_ids);
  Json first = Json::object();
  AppendRow(s, *in->chunk, 0, {}, true, &first);
  EXPECT_EQ(first["id"], 1);
  EXPECT_EQ(first["v"], Json::parse("[0.5, 1.5]"));
  EXPECT_EQ(first["tag"], "a");
  EXPECT_EQ(first["color"], "red");  // dynamic keys flattened into the row
  Json second = Json::object();
  AppendRow(s, *in->chunk, 1, {}, false, &second);
  EXPECT_EQ(second["id"], "9007199254740993");  // int64 as a string without Accept-Type-Allow-Int64
  EXPECT_TRUE(second["tag"].is_null());
  EXPECT_FALSE(second.contains("color"));
  // Only the dynamic keys asked for.
  Json only = Json::object();
  AppendRow(s, *in->chunk, 0, {"size"}, true, &only);
  EXPECT_FALSE(only.contains("color"));
}

TEST(RestCodecTest, AutoIdsAreAllocated) {
  schema::CollectionSchema s = Schema(false, true);
  auto in = RowsFromJson(s, Json::parse(R"([{"v": [1, 2]}, {"v": [3, 4]}])"), false, Ids, {});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_TRUE(in->generated_ids);
  ASSERT_EQ(in->pks.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(in->pks[0]), 1000);
  EXPECT_EQ(std::get<int64_t>(in->pks[1]), 1001);
}

TEST(RestCodecTest, BadRowsNameTheRowAndField) {
  auto refused = [&](const char* rows, bool dynamic, bool auto_id, const char* fragment) {
    auto in = RowsFromJson(Schema(dynamic, auto_id), Json::parse(rows), false, Ids, {});
    ASSERT_FALSE(in.ok()) << rows;
    EXPECT_EQ(in.status().code(), StatusCode::kInvalidArgument) << rows;
    EXPECT_NE(in.status().message().find(fragment), std::string::npos) << in.status().message();
  };
  refused(R"([{"id": 1, "v": [1, 2, 3]}])", true, false, "dim is 2");
  refused(R"([{"id": "x", "v": [1, 2]}])", true, false, "row 0, field id");
  refused(R"([{"v": [1, 2]}])", true, false, "field id is missing");
  refused(R"([{"id": 1, "v": [1, 2], "extra": 1}])", false, false, "not in the schema");
  refused(R"([{"id": 1, "v": [1, 2], "$meta": {}}])", true, false, "not in the schema");
  refused(R"([{"id": 1, "v": [1, 2]}])", true, true, "auto-generated");
  refused(R"([{"id": 1, "v": ["a", 2]}])", true, false, "numbers");
  refused(R"([{"id": 1, "v": [1, 2], "tag": "toolong"}])", true, false, "exceeds max length");
  refused(R"([{"id": 1, "v": [1e300, 2]}])", true, false, "non-finite");
  refused(R"([{"id": 18446744073709551615, "v": [1, 2]}])", true, false, "an integer in range");
  refused(R"([1])", true, false, "not an object");
  refused(R"([])", true, false, "empty");
}

TEST(RestCodecTest, QueryVectors) {
  auto dense = QueryVectorBytes(Json::parse("[1, 2]"), DataType::kFloatVector, 2);
  ASSERT_TRUE(dense.ok());
  EXPECT_EQ(dense->size(), 8u);
  EXPECT_FALSE(QueryVectorBytes(Json::parse("[1]"), DataType::kFloatVector, 2).ok());
  auto sparse = QueryVectorBytes(Json::parse(R"({"3": 0.5, "10": 1})"), DataType::kSparseFloatVector, 0);
  ASSERT_TRUE(sparse.ok());
  EXPECT_EQ(sparse->size(), 16u);
  EXPECT_FALSE(QueryVectorBytes(Json::parse(R"({"x": 1})"), DataType::kSparseFloatVector, 0).ok());
  auto binary = QueryVectorBytes(Json::parse("[255, 0]"), DataType::kBinaryVector, 16);
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, std::string("\xff\x00", 2));
  EXPECT_FALSE(QueryVectorBytes(Json::parse("[256, 0]"), DataType::kBinaryVector, 16).ok());
  // Search data for 16-bit float fields goes out as float32, everything else as the field's type.
  EXPECT_EQ(QueryEncodingOf(DataType::kFloat16Vector), DataType::kFloatVector);
  EXPECT_EQ(QueryEncodingOf(DataType::kBFloat16Vector), DataType::kFloatVector);
  EXPECT_EQ(QueryEncodingOf(DataType::kBinaryVector), DataType::kBinaryVector);
  EXPECT_EQ(QueryEncodingOf(DataType::kSparseFloatVector), DataType::kSparseFloatVector);
}

TEST(RestCodecTest, DataTypeNames) {
  EXPECT_EQ(*DataTypeFromName("FloatVector"), DataType::kFloatVector);
  EXPECT_EQ(*DataTypeFromName("JSON"), DataType::kJson);
  EXPECT_FALSE(DataTypeFromName("Float32").ok());
  EXPECT_FALSE(DataTypeFromName("None").ok());
  EXPECT_EQ(schema::DataTypeName(*DataTypeFromName("VarChar")), "VarChar");
}

}  // namespace
}  // namespace quiver::rpc::rest

namespace quiver::rpc::rest {
namespace {

TEST(RestCodecTest, Int64FromNumbersAndDecimalStrings) {
  EXPECT_EQ(Int64Of(Json::parse("-5")), -5);
  EXPECT_EQ(Int64Of(Json("9007199254740993")), 9007199254740993LL);
  EXPECT_EQ(Int64Of(Json::parse("9223372036854775807")), INT64_MAX);
  EXPECT_FALSE(Int64Of(Json::parse("9223372036854775808")));  // unsigned, past int64
  EXPECT_FALSE(Int64Of(Json("12x")));
  EXPECT_FALSE(Int64Of(Json::parse("1.5")));
}

TEST(RestCodecTest, Float32ValuesKeepTheirShortestDigits) {
  EXPECT_EQ(Float32Json(0.73f).dump(), "0.73");
  EXPECT_EQ(Float32Json(1.0f).dump(), "1.0");
  EXPECT_EQ(Float32Json(-2.5e-8f).dump(), "-2.5e-08");
  EXPECT_EQ(static_cast<float>(Float32Json(0.1f).get<double>()), 0.1f);  // reads back as the same float32
}

}  // namespace
}  // namespace quiver::rpc::rest
