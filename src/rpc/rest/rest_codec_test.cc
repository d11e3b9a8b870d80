#include "rpc/rest/rest_codec.h"

#include <gtest/gtest.h>

namespace quiver::rpc::rest {
namespace {

using pb::schema::DataType;

pb::schema::CollectionSchema Schema(bool dynamic, bool auto_id) {
  pb::schema::CollectionSchema s;
  s.set_enable_dynamic_field(dynamic);
  auto* id = s.add_fields();
  id->set_name("id");
  id->set_data_type(DataType::Int64);
  id->set_is_primary_key(true);
  id->set_autoid(auto_id);
  auto* v = s.add_fields();
  v->set_name("v");
  v->set_data_type(DataType::FloatVector);
  auto* dim = v->add_type_params();
  dim->set_key("dim");
  dim->set_value("2");
  auto* tag = s.add_fields();
  tag->set_name("tag");
  tag->set_data_type(DataType::VarChar);
  tag->set_nullable(true);
  auto* meta = s.add_fields();
  meta->set_name("$meta");
  meta->set_data_type(DataType::JSON);
  meta->set_is_dynamic(true);
  return s;
}

TEST(RestCodecTest, RowsBecomeColumnsAndBack) {
  Json rows = Json::parse(R"([{"id": 1, "v": [0.5, 1.5], "tag": "a", "color": "red"},
                              {"id": "9007199254740993", "v": [2, 3], "tag": null}])");
  google::protobuf::RepeatedPtrField<pb::schema::FieldData> fields;
  uint32_t n = 0;
  ASSERT_TRUE(RowsToFieldData(Schema(true, false), rows, false, &fields, &n).ok());
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(ColumnRows(fields), 2u);
  Json first = Json::object();
  AppendRowFields(fields, 0, true, &first);
  EXPECT_EQ(first["id"], 1);
  EXPECT_EQ(first["v"], Json::parse("[0.5, 1.5]"));
  EXPECT_EQ(first["tag"], "a");
  EXPECT_EQ(first["color"], "red");  // dynamic keys flattened into the row
  Json second = Json::object();
  AppendRowFields(fields, 1, false, &second);
  EXPECT_EQ(second["id"], "9007199254740993");  // int64 as a string without Accept-Type-Allow-Int64
  EXPECT_TRUE(second["tag"].is_null());
}

TEST(RestCodecTest, BadRowsNameTheRowAndField) {
  google::protobuf::RepeatedPtrField<pb::schema::FieldData> fields;
  uint32_t n = 0;
  auto refused = [&](const char* rows, bool dynamic, bool auto_id, const char* fragment) {
    fields.Clear();
    Status st = RowsToFieldData(Schema(dynamic, auto_id), Json::parse(rows), false, &fields, &n);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << rows;
    EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
  };
  refused(R"([{"id": 1, "v": [1, 2, 3]}])", true, false, "dim is 2");
  refused(R"([{"id": "x", "v": [1, 2]}])", true, false, "row 0, field id");
  refused(R"([{"v": [1, 2]}])", true, false, "field id is missing");
  refused(R"([{"id": 1, "v": [1, 2], "extra": 1}])", false, false, "not in the schema");
  refused(R"([{"id": 1, "v": [1, 2]}])", true, true, "auto-generated");
  refused(R"([{"id": 1, "v": ["a", 2]}])", true, false, "numbers");
  refused(R"([1])", true, false, "not an object");
  refused(R"([])", true, false, "empty");
}

TEST(RestCodecTest, QueryVectors) {
  auto dense = QueryVectorBytes(Json::parse("[1, 2]"), DataType::FloatVector, 2);
  ASSERT_TRUE(dense.ok());
  EXPECT_EQ(dense->size(), 8u);
  EXPECT_FALSE(QueryVectorBytes(Json::parse("[1]"), DataType::FloatVector, 2).ok());
  auto sparse = QueryVectorBytes(Json::parse(R"({"3": 0.5, "10": 1})"), DataType::SparseFloatVector, 0);
  ASSERT_TRUE(sparse.ok());
  EXPECT_EQ(sparse->size(), 16u);
  EXPECT_FALSE(QueryVectorBytes(Json::parse(R"({"x": 1})"), DataType::SparseFloatVector, 0).ok());
  auto binary = QueryVectorBytes(Json::parse("[255, 0]"), DataType::BinaryVector, 16);
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, std::string("\xff\x00", 2));
  EXPECT_FALSE(QueryVectorBytes(Json::parse("[256, 0]"), DataType::BinaryVector, 16).ok());
  // Search data for 16-bit float fields goes out as float32, everything else as the field's type.
  EXPECT_EQ(QueryEncodingOf(DataType::Float16Vector), DataType::FloatVector);
  EXPECT_EQ(QueryEncodingOf(DataType::BFloat16Vector), DataType::FloatVector);
  EXPECT_EQ(QueryEncodingOf(DataType::BinaryVector), DataType::BinaryVector);
  EXPECT_EQ(QueryEncodingOf(DataType::SparseFloatVector), DataType::SparseFloatVector);
}

TEST(RestCodecTest, DataTypeNames) {
  EXPECT_EQ(*DataTypeFromName("FloatVector"), DataType::FloatVector);
  EXPECT_EQ(*DataTypeFromName("JSON"), DataType::JSON);
  EXPECT_FALSE(DataTypeFromName("Float32").ok());
  EXPECT_EQ(DataTypeName(DataType::VarChar), "VarChar");
}

}  // namespace
}  // namespace quiver::rpc::rest
