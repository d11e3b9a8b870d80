#include "rpc/milvus/convert.h"

#include <gtest/gtest.h>

#include <cmath>

#include "schema/array_codec.h"

namespace quiver::rpc::milvus {
namespace {

using schema::DataType;

schema::CollectionSchema TestSchema(bool auto_id = false) {
  pb::schema::CollectionSchema proto;
  proto.set_name("c");
  proto.set_enable_dynamic_field(true);
  auto add = [&](const char* name, pb::schema::DataType type) {
    auto* f = proto.add_fields();
    f->set_name(name);
    f->set_data_type(type);
    return f;
  };
  auto* pk = add("id", pb::schema::Int64);
  pk->set_is_primary_key(true);
  pk->set_autoid(auto_id);
  auto* v = add("v", pb::schema::FloatVector);
  auto* dim = v->add_type_params();
  dim->set_key("dim");
  dim->set_value("2");
  auto* s = add("s", pb::schema::VarChar);
  auto* len = s->add_type_params();
  len->set_key("max_length");
  len->set_value("3");
  auto* n = add("n", pb::schema::Int32);
  n->set_nullable(true);
  auto* d = add("d", pb::schema::Int8);
  d->mutable_default_value()->set_int_data(7);
  auto* a = add("a", pb::schema::Array);
  a->set_element_type(pb::schema::Int64);
  auto* cap = a->add_type_params();
  cap->set_key("max_capacity");
  cap->set_value("2");
  auto parsed = SchemaFromProto(proto);
  EXPECT_TRUE(parsed.ok());
  schema::CollectionSchema out = *parsed;
  EXPECT_TRUE(schema::NormalizeSchema(&out).ok());
  return out;
}

struct Input {
  google::protobuf::RepeatedPtrField<pb::schema::FieldData> fields;
  pb::schema::FieldData* Add(const char* name, pb::schema::DataType type) {
    auto* f = fields.Add();
    f->set_field_name(name);
    f->set_type(type);
    return f;
  }
};

Input Valid(size_t rows) {
  Input in;
  auto* id = in.Add("id", pb::schema::Int64);
  auto* v = in.Add("v", pb::schema::FloatVector);
  v->mutable_vectors()->set_dim(2);
  auto* s = in.Add("s", pb::schema::VarChar);
  auto* a = in.Add("a", pb::schema::Array);
  for (size_t r = 0; r < rows; ++r) {
    id->mutable_scalars()->mutable_long_data()->add_data(static_cast<int64_t>(r));
    v->mutable_vectors()->mutable_float_vector()->add_data(static_cast<float>(r));
    v->mutable_vectors()->mutable_float_vector()->add_data(1.0f);
    s->mutable_scalars()->mutable_string_data()->add_data("ab");
    auto* row = a->mutable_scalars()->mutable_array_data()->add_data();
    row->mutable_long_data()->add_data(static_cast<int64_t>(r));
  }
  return in;
}

Result<int64_t> Ids(uint32_t) { return int64_t{1000}; }

TEST(ConvertTest, FillsNullsDefaultsAndDynamicField) {
  schema::CollectionSchema s = TestSchema();
  Input in = Valid(3);
  auto rows = RowsFromFieldData(s, in.fields, 0, false, Ids);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->chunk->rows, 3u);
  EXPECT_EQ(std::get<int64_t>(rows->pks[2]), 2);
  const auto* n = rows->chunk->Find(s.FindField("n")->id);
  EXPECT_FALSE(n->IsValid(0));  // nullable and missing: null
  EXPECT_EQ(rows->chunk->Find(s.FindField("d")->id)->IntAt(1), 7);  // default
  EXPECT_EQ(rows->chunk->Find(s.DynamicField()->id)->VarAt(0), "{}");
  auto arr = schema::DecodeArray(DataType::kInt64, rows->chunk->Find(s.FindField("a")->id)->VarAt(2));
  EXPECT_EQ(std::get<int64_t>((*arr)[0]), 2);
}

TEST(ConvertTest, PackedNullableColumns) {
  schema::CollectionSchema s = TestSchema();
  Input in = Valid(3);
  auto* n = in.Add("n", pb::schema::Int32);
  n->add_valid_data(true);
  n->add_valid_data(false);
  n->add_valid_data(true);
  n->mutable_scalars()->mutable_int_data()->add_data(5);  // packed: only the valid rows
  n->mutable_scalars()->mutable_int_data()->add_data(6);
  auto rows = RowsFromFieldData(s, in.fields, 3, false, Ids);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const auto* col = rows->chunk->Find(s.FindField("n")->id);
  EXPECT_EQ(col->IntAt(0), 5);
  EXPECT_FALSE(col->IsValid(1));
  EXPECT_EQ(col->IntAt(2), 6);
}

TEST(ConvertTest, RejectsBadData) {
  schema::CollectionSchema s = TestSchema();
  auto expect = [&](Input in, const std::string& needle) {
    auto rows = RowsFromFieldData(s, in.fields, 0, false, Ids);
    ASSERT_FALSE(rows.ok()) << needle;
    EXPECT_NE(rows.status().ToString().find(needle), std::string::npos) << rows.status().ToString();
  };
  Input dim = Valid(2);
  dim.fields.Mutable(1)->mutable_vectors()->set_dim(3);
  expect(std::move(dim), "not equal to schema dim");
  Input len = Valid(2);
  len.fields.Mutable(2)->mutable_scalars()->mutable_string_data()->set_data(0, "abcd");
  expect(std::move(len), "exceeds max length");
  Input missing = Valid(2);
  missing.fields.RemoveLast();
  expect(std::move(missing), "field a is missing");
  Input unknown = Valid(2);
  unknown.Add("zzz", pb::schema::Int64)->mutable_scalars()->mutable_long_data()->add_data(1);
  expect(std::move(unknown), "zzz");
  Input ragged = Valid(2);
  ragged.fields.Mutable(0)->mutable_scalars()->mutable_long_data()->add_data(9);
  expect(std::move(ragged), "number of rows");
  Input cap = Valid(1);
  cap.fields.Mutable(3)->mutable_scalars()->mutable_array_data()->mutable_data(0)->mutable_long_data()->add_data(1);
  cap.fields.Mutable(3)->mutable_scalars()->mutable_array_data()->mutable_data(0)->mutable_long_data()->add_data(2);
  expect(std::move(cap), "exceeds max capacity");
  Input range = Valid(1);
  range.Add("d", pb::schema::Int8)->mutable_scalars()->mutable_int_data()->add_data(300);
  expect(std::move(range), "out of range");
  Input nan = Valid(1);
  nan.fields.Mutable(1)->mutable_vectors()->mutable_float_vector()->set_data(0, std::nanf(""));
  expect(std::move(nan), "non-finite");
}

TEST(ConvertTest, AutoIdGeneratesKeysAndRejectsGivenOnes) {
  schema::CollectionSchema s = TestSchema(/*auto_id=*/true);
  Input given = Valid(2);
  EXPECT_FALSE(RowsFromFieldData(s, given.fields, 0, false, Ids).ok());
  Input in = Valid(2);
  in.fields.DeleteSubrange(0, 1);
  auto rows = RowsFromFieldData(s, in.fields, 0, false, Ids);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_TRUE(rows->generated_ids);
  EXPECT_EQ(std::get<int64_t>(rows->pks[0]), 1000);
  EXPECT_EQ(std::get<int64_t>(rows->pks[1]), 1001);
  // Upsert may carry the keys.
  EXPECT_TRUE(RowsFromFieldData(s, given.fields, 0, true, Ids).ok());
}

TEST(ConvertTest, ColumnsConvertBackToFieldData) {
  schema::CollectionSchema s = TestSchema();
  Input in = Valid(3);
  auto rows = RowsFromFieldData(s, in.fields, 0, false, Ids);
  ASSERT_TRUE(rows.ok());
  pb::schema::FieldData out;
  ColumnToFieldData(*s.FindField("v"), *rows->chunk->Find(s.FindField("v")->id), {}, &out);
  EXPECT_EQ(out.vectors().dim(), 2);
  EXPECT_EQ(out.vectors().float_vector().data_size(), 6);
  pb::schema::FieldData nulls;
  ColumnToFieldData(*s.FindField("n"), *rows->chunk->Find(s.FindField("n")->id), {}, &nulls);
  EXPECT_EQ(nulls.valid_data_size(), 3);  // full length with placeholders
  EXPECT_EQ(nulls.scalars().int_data().data_size(), 3);
  pb::schema::CollectionSchema proto;
  SchemaToProto(s, &proto);
  for (const auto& f : proto.fields()) EXPECT_NE(f.name(), "$meta");
  EXPECT_EQ(proto.fields(0).fieldid(), 100);
}

}  // namespace
}  // namespace quiver::rpc::milvus

namespace quiver::rpc::milvus {
namespace {

std::string Pairs(std::initializer_list<std::pair<uint32_t, float>> entries) {
  std::string out;
  for (const auto& [index, value] : entries) {
    out.append(reinterpret_cast<const char*>(&index), 4);
    out.append(reinterpret_cast<const char*>(&value), 4);
  }
  return out;
}

TEST(ConvertTest, SparseRowsAreCheckedAndSortedByIndex) {
  auto sorted = CanonicalSparseRow(Pairs({{9, 0.5f}, {2, 1.5f}, {4, -1.0f}}), "row");
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  EXPECT_EQ(*sorted, Pairs({{2, 1.5f}, {4, -1.0f}, {9, 0.5f}}));
  EXPECT_EQ(*CanonicalSparseRow("", "row"), "");
  EXPECT_EQ(*CanonicalSparseRow(Pairs({{UINT32_MAX - 1, 1.0f}}), "row"), Pairs({{UINT32_MAX - 1, 1.0f}}));
  struct Bad {
    std::string pairs;
    const char* message;
  };
  const Bad bad[] = {
      {Pairs({{3, 1.0f}, {1, 1.0f}, {3, 2.0f}}), "more than once"},
      {Pairs({{1, 1.0f}, {1, 1.0f}}), "more than once"},
      {Pairs({{UINT32_MAX, 1.0f}}), "below 2^32-1"},
      {Pairs({{1, std::nanf("")}}), "non-finite"},
      {Pairs({{1, INFINITY}}), "non-finite"},
      {std::string(7, '\0'), "malformed"},
  };
  for (const Bad& b : bad) {
    auto result = CanonicalSparseRow(b.pairs, "sparse row 0");
    ASSERT_FALSE(result.ok()) << b.message;
    EXPECT_TRUE(result.status().IsInvalidArgument());
    EXPECT_NE(result.status().ToString().find(b.message), std::string::npos) << result.status().ToString();
  }
}

// A nullable JSON field takes empty bytes (the Node SDK's encoding of null) as null; a JSON value
// over the limit is refused.
TEST(ConvertTest, NullableJsonAndJsonLimits) {
  pb::schema::CollectionSchema proto;
  proto.set_name("j");
  auto* pk = proto.add_fields();
  pk->set_name("id");
  pk->set_data_type(pb::schema::Int64);
  pk->set_is_primary_key(true);
  auto* v = proto.add_fields();
  v->set_name("v");
  v->set_data_type(pb::schema::FloatVector);
  auto* dim = v->add_type_params();
  dim->set_key("dim");
  dim->set_value("1");
  auto* j = proto.add_fields();
  j->set_name("j");
  j->set_data_type(pb::schema::JSON);
  j->set_nullable(true);
  auto parsed = SchemaFromProto(proto);
  ASSERT_TRUE(parsed.ok());
  schema::CollectionSchema s = *parsed;
  ASSERT_TRUE(schema::NormalizeSchema(&s).ok());
  auto rows = [&](std::vector<std::string> values, const RowLimits& limits = {}) {
    Input in;
    auto* id = in.Add("id", pb::schema::Int64);
    auto* vec = in.Add("v", pb::schema::FloatVector);
    vec->mutable_vectors()->set_dim(1);
    auto* json = in.Add("j", pb::schema::JSON);
    for (size_t r = 0; r < values.size(); ++r) {
      id->mutable_scalars()->mutable_long_data()->add_data(static_cast<int64_t>(r));
      vec->mutable_vectors()->mutable_float_vector()->add_data(1.0f);
      json->mutable_scalars()->mutable_json_data()->add_data(values[r]);
      json->add_valid_data(true);
    }
    return RowsFromFieldData(s, in.fields, 0, false, Ids, limits);
  };
  auto ok = rows({"{\"a\":1}", "", "[1,2]"});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  const schema::ColumnChunk* column = ok->chunk->Find(s.FindField("j")->id);
  ASSERT_NE(column, nullptr);
  EXPECT_TRUE(column->IsValid(0));
  EXPECT_FALSE(column->IsValid(1));
  EXPECT_TRUE(column->IsValid(2));
  EXPECT_EQ(column->VarAt(2), "[1,2]");
  EXPECT_FALSE(rows({std::string(100, ' ') + "1"}, RowLimits{64}).ok());
  EXPECT_TRUE(rows({std::string(60, ' ') + "1"}, RowLimits{64}).ok());
  EXPECT_FALSE(rows({std::string(2000, '[') + std::string(2000, ']')}).ok());
  EXPECT_FALSE(rows({"{\"a\":"}).ok());
}

}  // namespace
}  // namespace quiver::rpc::milvus
