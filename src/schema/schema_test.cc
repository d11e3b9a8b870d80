#include "schema/schema.h"

#include <gtest/gtest.h>

namespace quiver::schema {
namespace {

FieldSchema Field(std::string name, DataType type, std::map<std::string, std::string> params = {}) {
  FieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.type_params = std::move(params);
  return f;
}

CollectionSchema Basic() {
  CollectionSchema s;
  s.name = "docs";
  FieldSchema pk = Field("id", DataType::kInt64);
  pk.primary_key = true;
  s.fields.push_back(pk);
  s.fields.push_back(Field("vec", DataType::kFloatVector, {{"dim", "8"}}));
  s.fields.push_back(Field("title", DataType::kVarChar, {{"max_length", "64"}}));
  FieldSchema tags = Field("tags", DataType::kArray, {{"max_capacity", "4"}, {"max_length", "16"}});
  tags.element_type = DataType::kVarChar;
  s.fields.push_back(tags);
  return s;
}

TEST(SchemaTest, NormalizeAssignsIdsParsesParamsAndAddsMeta) {
  CollectionSchema s = Basic();
  s.enable_dynamic_field = true;
  ASSERT_TRUE(NormalizeSchema(&s).ok());
  EXPECT_EQ(s.fields[0].id, 100);
  EXPECT_EQ(s.fields[1].id, 101);
  EXPECT_EQ(s.fields[1].dim, 8);
  EXPECT_EQ(s.fields[2].max_length, 64);
  EXPECT_EQ(s.fields[3].max_capacity, 4);
  ASSERT_NE(s.DynamicField(), nullptr);
  EXPECT_EQ(s.DynamicField()->name, "$meta");
  EXPECT_EQ(s.DynamicField()->type, DataType::kJson);
  EXPECT_EQ(s.PrimaryField()->name, "id");
  EXPECT_EQ(s.VectorFields().size(), 1u);
}

TEST(SchemaTest, RejectsInvalidSchemas) {
  auto expect_error = [](CollectionSchema s, const std::string& needle) {
    Status st = NormalizeSchema(&s);
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_NE(st.ToString().find(needle), std::string::npos) << st.ToString();
  };
  CollectionSchema s = Basic();
  s.name = "1bad";
  expect_error(s, "collection name");
  s = Basic();
  s.fields[0].primary_key = false;
  expect_error(s, "no primary key");
  s = Basic();
  s.fields[2].primary_key = true;
  s.fields[0].primary_key = false;
  s.fields[2].type = DataType::kFloat;
  expect_error(s, "Int64 or VarChar");
  s = Basic();
  s.fields.erase(s.fields.begin() + 1);
  expect_error(s, "no vector field");
  s = Basic();
  s.fields[1].type_params.clear();
  expect_error(s, "dim");
  s = Basic();
  s.fields[1].type_params["dim"] = "40000";
  expect_error(s, "invalid dimension");
  s = Basic();
  s.fields[2].type_params.clear();
  expect_error(s, "max_length");
  s = Basic();
  s.fields.push_back(Field("title", DataType::kBool));
  expect_error(s, "duplicated field name");
  s = Basic();
  s.fields[2].name = "has space";
  expect_error(s, "field name");
}

TEST(SchemaTest, JsonRoundTrip) {
  CollectionSchema s = Basic();
  s.enable_dynamic_field = true;
  s.fields[2].nullable = true;
  s.fields[2].default_value = ScalarValue(std::string("untitled"));
  ASSERT_TRUE(NormalizeSchema(&s).ok());
  auto back = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(SchemaToJson(*back), SchemaToJson(s));
  EXPECT_EQ(std::get<std::string>(*back->fields[2].default_value), "untitled");
  EXPECT_FALSE(SchemaFromJson("{not json").ok());
}

TEST(SchemaTest, DataTypeNames) {
  EXPECT_EQ(ParseDataType("floatvector"), DataType::kFloatVector);
  EXPECT_EQ(DataTypeName(DataType::kJson), "JSON");
  EXPECT_FALSE(ParseDataType("Quaternion").has_value());
  EXPECT_EQ(FixedWidth(DataType::kFloatVector, 8), 32u);
  EXPECT_EQ(FixedWidth(DataType::kBinaryVector, 64), 8u);
  EXPECT_TRUE(IsVariableWidth(DataType::kSparseFloatVector));
}

}  // namespace
}  // namespace quiver::schema
