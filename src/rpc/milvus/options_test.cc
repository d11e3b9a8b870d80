#include "rpc/milvus/options.h"

#include <gtest/gtest.h>

#include <google/protobuf/unknown_field_set.h>

#include "rpc/milvus/convert.h"
#include "rpc/milvus/milvus_status.h"

namespace quiver::rpc::milvus {
namespace {

cluster::KeyValues Props(std::initializer_list<std::pair<const char*, const char*>> kvs) {
  cluster::KeyValues out;
  for (const auto& [k, v] : kvs) out.emplace_back(k, v);
  return out;
}

google::protobuf::UnknownFieldSet* Unknown(google::protobuf::Message* message) {
  return message->GetReflection()->MutableUnknownFields(message);
}

bool MessageHas(const Status& status, std::string_view text) {
  return status.message().find(text) != std::string_view::npos;
}

TEST(OptionsTest, UnknownProtoFieldsAreRefusedWithTheirName) {
  pb::milvus::SearchRequest search;
  search.set_collection_name("c");
  EXPECT_TRUE(CheckKnownFields(search).ok());
  Unknown(&search)->AddLengthDelimited(19, "rerank");  // function_score (2.6)
  Status refused = CheckKnownFields(search);
  EXPECT_EQ(MilvusCode(refused), 10);
  EXPECT_TRUE(MessageHas(refused, "function_score")) << refused.ToString();

  // At any depth: a hybrid sub-request, a schema field's unknown field by number.
  pb::milvus::HybridSearchRequest hybrid;
  Unknown(hybrid.add_requests())->AddVarint(21, 1);
  Status nested = CheckKnownFields(hybrid);
  EXPECT_EQ(MilvusCode(nested), 10);
  EXPECT_TRUE(MessageHas(nested, "highlighter")) << nested.ToString();
  pb::schema::CollectionSchema schema;
  Unknown(schema.add_fields())->AddVarint(99, 1);
  Status numbered = CheckKnownFields(schema);
  EXPECT_EQ(MilvusCode(numbered), 10);
  EXPECT_TRUE(MessageHas(numbered, "field number 99 of FieldSchema")) << numbered.ToString();
}

TEST(OptionsTest, StructArrayFieldsAreRefusedAtCreate) {
  pb::schema::CollectionSchema proto;
  proto.set_name("c");
  Unknown(&proto)->AddLengthDelimited(9, "");  // struct_array_fields
  auto parsed = SchemaFromProto(proto);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(MilvusCode(parsed.status()), 10);
  EXPECT_TRUE(MessageHas(parsed.status(), "Array of Struct")) << parsed.status().ToString();
}

TEST(OptionsTest, CollectionPropertiesHonouredValuesOnly) {
  using P = PropertyScope;
  EXPECT_TRUE(CheckProperties(P::kCollection, Props({{"collection.ttl.seconds", "0"}})).ok());
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"collection.ttl.seconds", "3600"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"collection.ttl.seconds", "-1"}}))), 1100);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"mmap.enabled", "true"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"mmap.enabled", "false"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"mmap.enabled", "yes"}}))), 1100);
  EXPECT_TRUE(CheckProperties(P::kCollection, Props({{"partitionkey.isolation", "False"}})).ok());
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"partitionkey.isolation", "true"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"collection.insertRate.max.mb", "5"}}))), 10);
  // An unknown key in Milvus's namespaces is refused; other keys are user metadata.
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"collection.something.new", "1"}}))), 10);
  EXPECT_TRUE(CheckProperties(P::kCollection, Props({{"owner", "team-a"}})).ok());
  EXPECT_EQ(MilvusCode(CheckProperties(P::kCollection, Props({{"", "x"}}))), 1100);
  // Database scope has its own keys; collection keys are not database settings.
  EXPECT_TRUE(CheckProperties(P::kDatabase, Props({{"database.replica.number", "1"}})).ok());
  EXPECT_EQ(MilvusCode(CheckProperties(P::kDatabase, Props({{"database.replica.number", "3"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kDatabase, Props({{"database.force.deny.writing", "true"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckProperties(P::kDatabase, Props({{"collection.ttl.seconds", "0"}}))), 10);
}

TEST(OptionsTest, TypeParams) {
  EXPECT_TRUE(CheckTypeParam("v", "dim", "8").ok());
  EXPECT_TRUE(CheckTypeParam("s", "enable_analyzer", "false").ok());
  EXPECT_EQ(MilvusCode(CheckTypeParam("s", "enable_analyzer", "true")), 10);
  EXPECT_EQ(MilvusCode(CheckTypeParam("s", "mmap.enabled", "true")), 10);
  EXPECT_EQ(MilvusCode(CheckTypeParam("s", "analyzer_params", "{}")), 10);
  EXPECT_EQ(MilvusCode(CheckTypeParam("s", "not_a_param", "1")), 10);
}

TEST(OptionsTest, IndexParams) {
  schema::FieldSchema vector;
  vector.name = "v";
  vector.type = schema::DataType::kFloatVector;
  EXPECT_TRUE(CheckIndexParams(vector, "HNSW", {{"M", "16"}, {"efConstruction", "64"}}).ok());
  EXPECT_EQ(MilvusCode(CheckIndexParams(vector, "HNSW", {{"mmap.enabled", "true"}})), 10);
  EXPECT_EQ(MilvusCode(CheckIndexParams(vector, "HNSW", {{"nlist", "16"}})), 1100);
  EXPECT_EQ(MilvusCode(CheckIndexParams(vector, "HNSW", {{"ef", "16"}})), 1100);
  EXPECT_TRUE(CheckIndexParams(vector, "HNSW_SQ", {{"sq_type", "SQ8"}, {"refine", "true"}}).ok());
  EXPECT_EQ(MilvusCode(CheckIndexParams(vector, "HNSW_SQ", {{"sq_type", "SQ9"}})), 1100);

  schema::FieldSchema json;
  json.name = "j";
  json.type = schema::DataType::kJson;
  Status path = CheckIndexParams(json, "INVERTED", {{"json_path", "j[\"a\"]"}, {"json_cast_type", "double"}});
  EXPECT_EQ(MilvusCode(path), 10);
  EXPECT_TRUE(MessageHas(path, "json_path")) << path.ToString();
  schema::FieldSchema number;
  number.name = "n";
  number.type = schema::DataType::kInt64;
  EXPECT_TRUE(CheckIndexParams(number, "STL_SORT", {}).ok());
  EXPECT_EQ(MilvusCode(CheckIndexParams(number, "INVERTED", {{"mmap.enabled", "false"}})), 10);
  EXPECT_EQ(MilvusCode(CheckIndexParams(number, "INVERTED", {{"foo", "1"}})), 1100);
  EXPECT_EQ(MilvusCode(CheckAlterIndexParams(Props({{"mmap.enabled", "true"}}))), 10);
  EXPECT_EQ(MilvusCode(CheckAlterIndexParams(Props({{"anything", "1"}}))), 1100);
}

TEST(OptionsTest, SchemaOptionsWithoutAnImplementationAreRefused) {
  auto base = [] {
    pb::schema::CollectionSchema proto;
    proto.set_name("c");
    auto* pk = proto.add_fields();
    pk->set_name("id");
    pk->set_data_type(pb::schema::Int64);
    pk->set_is_primary_key(true);
    return proto;
  };
  pb::schema::CollectionSchema functions = base();
  functions.add_functions()->set_name("bm25");
  EXPECT_EQ(MilvusCode(SchemaFromProto(functions).status()), 10);
  pb::schema::CollectionSchema output = base();
  output.mutable_fields(0)->set_is_function_output(true);
  EXPECT_EQ(MilvusCode(SchemaFromProto(output).status()), 10);
  // Type params are checked by the proxy (CheckTypeParam, OptionsTest.TypeParams) for every door.
  pb::schema::CollectionSchema geometry = base();
  auto* g = geometry.add_fields();
  g->set_name("g");
  g->set_data_type(static_cast<pb::schema::DataType>(24));
  auto parsed_geometry = SchemaFromProto(geometry);
  ASSERT_TRUE(parsed_geometry.ok());  // the proxy refuses the type, for every front door
  EXPECT_EQ(MilvusCode(proxy::CheckSchemaFeatures(*parsed_geometry)), 10);
  pb::schema::CollectionSchema stray_dynamic = base();
  stray_dynamic.add_fields()->set_is_dynamic(true);
  EXPECT_EQ(MilvusCode(SchemaFromProto(stray_dynamic).status()), 1100);
  EXPECT_TRUE(SchemaFromProto(base()).ok());
}

TEST(OptionsTest, SearchAndLoadOptions) {
  pb::milvus::SearchRequest search;
  search.set_dsl("id > 0");
  search.set_dsl_type(pb::common::BoolExprV1);
  EXPECT_TRUE(CheckSearchOptions(search).ok());
  search.set_travel_timestamp(5);
  EXPECT_EQ(MilvusCode(CheckSearchOptions(search)), 10);
  search.set_travel_timestamp(0);
  search.set_dsl_type(pb::common::Dsl);
  EXPECT_EQ(MilvusCode(CheckSearchOptions(search)), 10);

  pb::milvus::HybridSearchRequest hybrid;
  auto* rank = hybrid.add_rank_params();
  rank->set_key("group_by_field");
  rank->set_value("tag");
  EXPECT_EQ(MilvusCode(CheckHybridSearchOptions(hybrid)), 10);
  hybrid.clear_rank_params();
  hybrid.add_partition_names("p1");
  hybrid.add_requests()->add_partition_names("p2");
  EXPECT_EQ(MilvusCode(CheckHybridSearchOptions(hybrid)), 1100);

  pb::milvus::LoadCollectionRequest load;
  EXPECT_TRUE(CheckLoadOptions(1, load.resource_groups(), load.load_fields(), false, load.load_params()).ok());
  load.add_load_fields("id");
  EXPECT_EQ(MilvusCode(CheckLoadOptions(1, load.resource_groups(), load.load_fields(), false, load.load_params())), 10);
  EXPECT_TRUE(CheckLoadOptions(2, load.resource_groups(), {}, false, load.load_params()).ok());
  EXPECT_EQ(MilvusCode(CheckLoadOptions(-1, load.resource_groups(), {}, false, load.load_params())), 1100);
}

}  // namespace
}  // namespace quiver::rpc::milvus
