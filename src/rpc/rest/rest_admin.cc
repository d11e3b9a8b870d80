// REST v2: collection creation and the administrative endpoints (partitions, indexes, aliases,
// databases, users, roles, privilege groups).

#include <limits>
#include <set>

#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

// One field of the schema form of collections/create.
Status FieldFromJson(const Json& f, bool auto_id, pb::schema::FieldSchema* out) {
  QUIVER_RETURN_IF_ERROR(OnlyKeys(f, {"fieldName", "dataType", "elementDataType", "isPrimary", "isPartitionKey",
                                      "isClusteringKey", "nullable", "defaultValue", "elementTypeParams", "description"},
                                  "a field of schema.fields"));
  QUIVER_ASSIGN_OR_RETURN(std::string name, Str(f, "fieldName", true));
  QUIVER_ASSIGN_OR_RETURN(std::string type_name, Str(f, "dataType", true));
  QUIVER_ASSIGN_OR_RETURN(pb::schema::DataType type, DataTypeFromName(type_name));
  out->set_name(name);
  out->set_data_type(type);
  QUIVER_ASSIGN_OR_RETURN(std::string description, Str(f, "description", false));
  out->set_description(description);
  QUIVER_ASSIGN_OR_RETURN(bool primary, Bool(f, "isPrimary", false));
  out->set_is_primary_key(primary);
  if (primary) out->set_autoid(auto_id);
  QUIVER_ASSIGN_OR_RETURN(bool partition_key, Bool(f, "isPartitionKey", false));
  out->set_is_partition_key(partition_key);
  QUIVER_ASSIGN_OR_RETURN(bool clustering_key, Bool(f, "isClusteringKey", false));
  out->set_is_clustering_key(clustering_key);
  QUIVER_ASSIGN_OR_RETURN(bool nullable, Bool(f, "nullable", false));
  out->set_nullable(nullable);
  QUIVER_ASSIGN_OR_RETURN(std::string element, Str(f, "elementDataType", false));
  if (!element.empty()) {
    QUIVER_ASSIGN_OR_RETURN(pb::schema::DataType element_type, DataTypeFromName(element));
    out->set_element_type(element_type);
  }
  if (f.contains("elementTypeParams")) {
    if (!f["elementTypeParams"].is_object()) return Status::InvalidArgument("elementTypeParams must be an object");
    SetKvs(f["elementTypeParams"], out->mutable_type_params());
  }
  if (f.contains("defaultValue") && !f["defaultValue"].is_null()) {
    const Json& v = f["defaultValue"];
    auto* d = out->mutable_default_value();
    switch (type) {
      case pb::schema::DataType::Bool:
        if (!v.is_boolean()) return Status::InvalidArgument("defaultValue of " + name + " must be a boolean");
        d->set_bool_data(v.get<bool>());
        break;
      case pb::schema::DataType::Int8:
      case pb::schema::DataType::Int16:
      case pb::schema::DataType::Int32:
        if (!v.is_number_integer()) return Status::InvalidArgument("defaultValue of " + name + " must be an integer");
        d->set_int_data(v.get<int32_t>());
        break;
      case pb::schema::DataType::Int64:
        if (!v.is_number_integer()) return Status::InvalidArgument("defaultValue of " + name + " must be an integer");
        d->set_long_data(v.get<int64_t>());
        break;
      case pb::schema::DataType::Float:
        if (!v.is_number()) return Status::InvalidArgument("defaultValue of " + name + " must be a number");
        d->set_float_data(v.get<float>());
        break;
      case pb::schema::DataType::Double:
        if (!v.is_number()) return Status::InvalidArgument("defaultValue of " + name + " must be a number");
        d->set_double_data(v.get<double>());
        break;
      case pb::schema::DataType::VarChar:
        if (!v.is_string()) return Status::InvalidArgument("defaultValue of " + name + " must be a string");
        d->set_string_data(v.get<std::string>());
        break;
      default:
        return Status::InvalidArgument("field " + name + " of type " + type_name + " takes no defaultValue");
    }
  }
  return Status::OK();
}

// The extra_params of CreateIndex for one entry of indexParams.
Status IndexRequest(const Json& p, const std::string& db, const std::string& collection,
                    pb::milvus::CreateIndexRequest* req) {
  QUIVER_RETURN_IF_ERROR(OnlyKeys(p, {"fieldName", "indexName", "metricType", "indexType", "params", "indexConfig"},
                                  "an entry of indexParams"));
  QUIVER_ASSIGN_OR_RETURN(std::string field, Str(p, "fieldName", true));
  QUIVER_ASSIGN_OR_RETURN(std::string name, Str(p, "indexName", false));
  QUIVER_ASSIGN_OR_RETURN(std::string metric, Str(p, "metricType", false));
  QUIVER_ASSIGN_OR_RETURN(std::string type, Str(p, "indexType", false));
  req->set_db_name(db);
  req->set_collection_name(collection);
  req->set_field_name(field);
  req->set_index_name(name);
  auto kv = [&](const std::string& key, const std::string& value) {
    auto* e = req->add_extra_params();
    e->set_key(key);
    e->set_value(value);
  };
  kv("index_type", type.empty() ? "AUTOINDEX" : type);
  if (!metric.empty()) kv("metric_type", metric);
  Json params = Json::object();
  for (const char* key : {"params", "indexConfig"}) {
    if (!p.contains(key)) continue;
    if (!p[key].is_object()) return Status::InvalidArgument(std::string(key) + " must be an object");
    for (const auto& [k, v] : p[key].items()) {
      if (k == "index_type" || k == "metric_type") kv(k, ParamText(v));  // as Milvus reads them there too
      else params[k] = v;
    }
  }
  kv("params", params.dump());
  return Status::OK();
}

}  // namespace

RestService::Outcome RestService::CreateCollection(Call& c) {
  REST_TRY(OnlyKeys(c.body, {"collectionName", "description", "dimension", "metricType", "idType", "autoID",
                             "primaryFieldName", "vectorFieldName", "params", "schema", "indexParams"},
                    "collections/create"));
  REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
  REST_ASSIGN(std::string description, Str(c.body, "description", false));
  pb::schema::CollectionSchema schema;
  schema.set_name(name);
  schema.set_description(description);
  Json params = c.body.contains("params") ? c.body["params"] : Json::object();
  REST_TRY(OnlyKeys(params, {"max_length", "enableDynamicField", "shardsNum", "consistencyLevel", "partitionsNum",
                             "ttlSeconds", "partitionKeyIsolation", "mmap.enabled"},
                    "params"));
  bool quick = c.body.contains("dimension");
  std::vector<pb::milvus::CreateIndexRequest> indexes;
  std::string quick_metric;  // the quick form's metricType
  if (quick) {
    if (c.body.contains("schema")) return Outcome::From(Status::InvalidArgument("give either dimension or schema, not both"));
    REST_ASSIGN(int64_t dim, Int(c.body, "dimension", 0));
    REST_ASSIGN(std::string id_type, Str(c.body, "idType", false));
    REST_ASSIGN(bool auto_id, Bool(c.body, "autoID", false));
    REST_ASSIGN(std::string pk_name, Str(c.body, "primaryFieldName", false));
    REST_ASSIGN(std::string vector_name, Str(c.body, "vectorFieldName", false));
    REST_ASSIGN(std::string metric, Str(c.body, "metricType", false));
    quick_metric = metric;
    auto* pk = schema.add_fields();
    pk->set_name(pk_name.empty() ? "id" : pk_name);
    pk->set_is_primary_key(true);
    pk->set_autoid(auto_id);
    if (id_type.empty() || id_type == "Int64") {
      if (params.contains("max_length")) {
        return Outcome::From(Status::InvalidArgument("params.max_length applies only to idType VarChar"));
      }
      pk->set_data_type(pb::schema::DataType::Int64);
    } else if (id_type == "VarChar") {
      pk->set_data_type(pb::schema::DataType::VarChar);
      REST_ASSIGN(int64_t max_length, Int(params, "max_length", 65535));
      if (max_length < 1 || max_length > 65535) {
        return Outcome::From(Status::InvalidArgument("params.max_length must be in [1, 65535], got " +
                                                     std::to_string(max_length)));
      }
      auto* kv = pk->add_type_params();
      kv->set_key("max_length");
      kv->set_value(std::to_string(max_length));
    } else {
      return Outcome::From(Status::InvalidArgument("idType must be Int64 or VarChar, not " + id_type));
    }
    auto* v = schema.add_fields();
    v->set_name(vector_name.empty() ? "vector" : vector_name);
    v->set_data_type(pb::schema::DataType::FloatVector);
    auto* kv = v->add_type_params();
    kv->set_key("dim");
    kv->set_value(std::to_string(dim));
    REST_ASSIGN(bool dynamic, Bool(params, "enableDynamicField", true));
    schema.set_enable_dynamic_field(dynamic);
    if (!c.body.contains("indexParams")) {
      pb::milvus::CreateIndexRequest index;
      Json entry{{"fieldName", v->name()}, {"indexName", v->name()}, {"metricType", metric.empty() ? "COSINE" : metric}};
      REST_TRY(IndexRequest(entry, c.db, name, &index));
      indexes.push_back(std::move(index));
    }
  }
  // indexParams replace the quick form's own index of its vector field (Milvus ignores them there;
  // an ignored parameter would be a wrong result).
  if (c.body.contains("indexParams")) {
    if (quick && !quick_metric.empty()) {
      return Outcome::From(Status::InvalidArgument("give the metric in indexParams or metricType, not both"));
    }
    if (!c.body["indexParams"].is_array()) return Outcome::From(Status::InvalidArgument("indexParams must be an array"));
    for (const auto& p : c.body["indexParams"]) {
      pb::milvus::CreateIndexRequest index;
      REST_TRY(IndexRequest(p, c.db, name, &index));
      indexes.push_back(std::move(index));
    }
  }
  if (!quick) {
    if (!c.body.contains("schema")) return Outcome::From(Missing("dimension or schema"));
    const Json& s = c.body["schema"];
    REST_TRY(OnlyKeys(s, {"autoID", "enableDynamicField", "fields", "functions", "description"}, "schema"));
    REST_ASSIGN(bool auto_id, Bool(s, "autoID", false));
    REST_ASSIGN(bool dynamic, Bool(s, "enableDynamicField", false));
    schema.set_enable_dynamic_field(dynamic);
    if (!s.contains("fields") || !s["fields"].is_array()) return Outcome::From(Missing("schema.fields"));
    for (const auto& f : s["fields"]) REST_TRY(FieldFromJson(f, auto_id, schema.add_fields()));
    if (s.contains("functions") && !s["functions"].empty()) {
      return Outcome::From(Status::NotSupported("schema functions (BM25) are not supported yet by Quiver")
                               .WithDetail(ErrorDetail::kUnimplemented));
    }
  }
  pb::milvus::CreateCollectionRequest req;
  req.set_db_name(c.db);
  req.set_collection_name(name);
  req.set_schema(schema.SerializeAsString());
  REST_ASSIGN(int64_t shards, Int(params, "shardsNum", 1));
  if (shards < 1 || shards > std::numeric_limits<int32_t>::max()) {
    return Outcome::From(Status::InvalidArgument("params.shardsNum must be a positive integer, got " + std::to_string(shards)));
  }
  req.set_shards_num(static_cast<int32_t>(shards));
  REST_ASSIGN(int64_t partitions, Int(params, "partitionsNum", 0));
  if (partitions < 0) {
    return Outcome::From(Status::InvalidArgument("params.partitionsNum must not be negative, got " + std::to_string(partitions)));
  }
  req.set_num_partitions(partitions);
  if (params.contains("consistencyLevel")) {
    bool given = false;
    REST_ASSIGN(pb::common::ConsistencyLevel level, Consistency(params, &given));
    req.set_consistency_level(level);
  } else {
    req.set_consistency_level(pb::common::ConsistencyLevel::Bounded);
  }
  if (params.contains("ttlSeconds")) {
    auto* kv = req.add_properties();
    kv->set_key("collection.ttl.seconds");
    kv->set_value(ParamText(params["ttlSeconds"]));
  }
  for (const char* key : {"partitionKeyIsolation", "mmap.enabled"}) {
    if (!params.contains(key)) continue;
    auto* kv = req.add_properties();
    kv->set_key(std::string(key) == "partitionKeyIsolation" ? "partitionkey.isolation" : key);
    kv->set_value(ParamText(params[key]));
  }
  // The indexes are checked before anything is created, so that bad index parameters leave no
  // collection behind. Nothing is dropped after a later failure (as in Milvus): a concurrent
  // identical create may have been told that the collection exists.
  {
    REST_ASSIGN(schema::CollectionSchema checked, milvus::SchemaFromProto(schema));
    REST_TRY(schema::NormalizeSchema(&checked));
    std::set<std::string> names;
    std::set<std::string> fields;
    for (const auto& index : indexes) {
      proxy::IndexSpec spec;
      spec.field_name = index.field_name();
      spec.index_name = index.index_name();
      spec.extra_params = milvus::KeyValuesFromProto(index.extra_params());
      const schema::FieldSchema* field = checked.FindField(spec.field_name);
      if (field == nullptr || field->is_dynamic) {
        return Outcome::From(Status::InvalidArgument("cannot create index on non-exist field: " + spec.field_name)
                                 .WithDetail(ErrorDetail::kFieldNotFound));
      }
      REST_TRY(proxy::ResolveIndex(*field, spec).status());
      std::string index_name = spec.index_name.empty() ? field->name : spec.index_name;
      if (!names.insert(index_name).second) {
        return Outcome::From(Status::InvalidArgument("index name " + index_name + " is given twice in indexParams"));
      }
      if (!fields.insert(field->name).second) {
        return Outcome::From(Status::InvalidArgument("field " + field->name + " is indexed twice in indexParams"));
      }
    }
  }
  pb::common::Status status;
  Outcome o;
  if (Failed(milvus_->CreateCollection(&c.context, &req, &status), status, &o)) return o;
  for (auto& index : indexes) {
    if (Failed(milvus_->CreateIndex(&c.context, &index, &status), status, &o)) return o;
  }
  if (!indexes.empty()) {
    pb::milvus::LoadCollectionRequest load;
    load.set_db_name(c.db);
    load.set_collection_name(name);
    if (Failed(milvus_->LoadCollection(&c.context, &load, &status), status, &o)) return o;
  }
  return Outcome::Ok();
}

void RestService::RegisterAdmin() {
  auto* m = milvus_;
  auto add = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };
  // ---- partitions
  add("partitions/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "partitions/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::ShowPartitionsRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    pb::milvus::ShowPartitionsResponse resp;
    Outcome o;
    if (Failed(m->ShowPartitions(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok(Json(std::vector<std::string>(resp.partition_names().begin(), resp.partition_names().end())));
  });
  add("partitions/has", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, "partitions/has"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
    pb::milvus::HasPartitionRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_partition_name(partition);
    pb::milvus::BoolResponse resp;
    Outcome o;
    if (Failed(m->HasPartition(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok({{"has", resp.value()}});
  });
  add("partitions/get_stats", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, "partitions/get_stats"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
    pb::milvus::GetPartitionStatisticsRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_partition_name(partition);
    pb::milvus::GetPartitionStatisticsResponse resp;
    Outcome o;
    if (Failed(m->GetPartitionStatistics(&c.context, &req, &resp), resp, &o)) return o;
    int64_t rows = 0;
    for (const auto& kv : resp.stats()) {
      if (kv.key() == "row_count") rows = std::atoll(kv.value().c_str());
    }
    return Outcome::Ok({{"rowCount", Int64Json(rows, c.int64_as_number)}});
  });
  auto partition_ddl = [m](bool create) {
    return [m, create](Call& c) -> Outcome {
      const char* endpoint = create ? "partitions/create" : "partitions/drop";
      REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, endpoint));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
      if (create) {
        pb::milvus::CreatePartitionRequest req;
        req.set_db_name(c.db);
        req.set_collection_name(name);
        req.set_partition_name(partition);
        return StatusCall(m, QUIVER_REST_METHOD(CreatePartition), c, req);
      }
      pb::milvus::DropPartitionRequest req;
      req.set_db_name(c.db);
      req.set_collection_name(name);
      req.set_partition_name(partition);
      return StatusCall(m, QUIVER_REST_METHOD(DropPartition), c, req);
    };
  };
  add("partitions/create", partition_ddl(true));
  add("partitions/drop", partition_ddl(false));
  auto partition_load = [m](bool load) {
    return [m, load](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionNames"}, load ? "partitions/load" : "partitions/release"));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", true));
      if (load) {
        pb::milvus::LoadPartitionsRequest req;
        req.set_db_name(c.db);
        req.set_collection_name(name);
        for (const auto& p : partitions) req.add_partition_names(p);
        return StatusCall(m, QUIVER_REST_METHOD(LoadPartitions), c, req);
      }
      pb::milvus::ReleasePartitionsRequest req;
      req.set_db_name(c.db);
      req.set_collection_name(name);
      for (const auto& p : partitions) req.add_partition_names(p);
      return StatusCall(m, QUIVER_REST_METHOD(ReleasePartitions), c, req);
    };
  };
  add("partitions/load", partition_load(true));
  add("partitions/release", partition_load(false));

  // ---- indexes
  add("indexes/create", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexParams"}, "indexes/create"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("indexParams") || !c.body["indexParams"].is_array() || c.body["indexParams"].empty()) {
      return Outcome::From(Missing("indexParams"));
    }
    for (const auto& p : c.body["indexParams"]) {
      pb::milvus::CreateIndexRequest req;
      REST_TRY(IndexRequest(p, c.db, name, &req));
      pb::common::Status resp;
      Outcome o;
      if (Failed(m->CreateIndex(&c.context, &req, &resp), resp, &o)) return o;
    }
    return Outcome::Ok();
  });
  auto describe_indexes = [m](Call& c, const std::string& name, const std::string& index,
                              pb::milvus::DescribeIndexResponse* resp, Outcome* o) {
    pb::milvus::DescribeIndexRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_index_name(index);
    return !Failed(m->DescribeIndex(&c.context, &req, resp), *resp, o);
  };
  add("indexes/list", [describe_indexes](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "indexes/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::DescribeIndexResponse resp;
    Outcome o;
    if (!describe_indexes(c, name, "", &resp, &o)) {
      // A collection without indexes lists none (Milvus answers index-not-found inside).
      if (o.reply.value("code", 0) == 700) return Outcome::Ok(Json::array());
      return o;
    }
    Json names = Json::array();
    for (const auto& i : resp.index_descriptions()) names.push_back(i.index_name());
    return Outcome::Ok(names);
  });
  add("indexes/describe", [describe_indexes](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName"}, "indexes/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
    pb::milvus::DescribeIndexResponse resp;
    Outcome o;
    if (!describe_indexes(c, name, index, &resp, &o)) return o;
    Json out = Json::array();
    for (const auto& i : resp.index_descriptions()) {
      std::string type;
      std::string metric;
      for (const auto& kv : i.params()) {
        if (kv.key() == "index_type") type = kv.value();
        if (kv.key() == "metric_type") metric = kv.value();
      }
      out.push_back({{"indexName", i.index_name()}, {"fieldName", i.field_name()}, {"indexType", type},
                     {"metricType", metric}, {"totalRows", i.total_rows()}, {"pendingRows", i.pending_index_rows()},
                     {"indexedRows", i.indexed_rows()}, {"indexState", pb::common::IndexState_Name(i.state())},
                     {"failReason", i.index_state_fail_reason()}});
    }
    return Outcome::Ok(out);
  });
  add("indexes/drop", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName"}, "indexes/drop"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
    pb::milvus::DropIndexRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_index_name(index);
    return StatusCall(m, QUIVER_REST_METHOD(DropIndex), c, req);
  });
  auto alter_index = [m](bool drop) {
    return [m, drop](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName", drop ? "propertyKeys" : "properties"},
                        drop ? "indexes/drop_properties" : "indexes/alter_properties"));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
      pb::milvus::AlterIndexRequest req;
      req.set_db_name(c.db);
      req.set_collection_name(name);
      req.set_index_name(index);
      if (drop) {
        REST_ASSIGN(std::vector<std::string> keys, Strings(c.body, "propertyKeys", true));
        for (const auto& k : keys) req.add_delete_keys(k);
      } else {
        if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
        SetKvs(c.body["properties"], req.mutable_extra_params());
      }
      return StatusCall(m, QUIVER_REST_METHOD(AlterIndex), c, req);
    };
  };
  add("indexes/alter_properties", alter_index(false));
  add("indexes/drop_properties", alter_index(true));

  // ---- aliases
  add("aliases/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "aliases/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", false));
    pb::milvus::ListAliasesRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    pb::milvus::ListAliasesResponse resp;
    Outcome o;
    if (Failed(m->ListAliases(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok(Json(std::vector<std::string>(resp.aliases().begin(), resp.aliases().end())));
  });
  add("aliases/describe", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"aliasName"}, "aliases/describe"));
    REST_ASSIGN(std::string alias, Str(c.body, "aliasName", true));
    pb::milvus::DescribeAliasRequest req;
    req.set_db_name(c.db);
    req.set_alias(alias);
    pb::milvus::DescribeAliasResponse resp;
    Outcome o;
    if (Failed(m->DescribeAlias(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok({{"dbName", resp.db_name()}, {"collectionName", resp.collection()}, {"aliasName", resp.alias()}});
  });
  auto alias_ddl = [m](const std::string& action) {
    return [m, action](Call& c) -> Outcome {
      bool needs_collection = action != "drop";
      if (needs_collection) {
        REST_TRY(OnlyKeys(c.body, {"collectionName", "aliasName"}, "aliases/" + action));
      } else {
        REST_TRY(OnlyKeys(c.body, {"aliasName"}, "aliases/" + action));
      }
      REST_ASSIGN(std::string alias, Str(c.body, "aliasName", true));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", needs_collection));
      if (action == "drop") {
        pb::milvus::DropAliasRequest req;
        req.set_db_name(c.db);
        req.set_alias(alias);
        return StatusCall(m, QUIVER_REST_METHOD(DropAlias), c, req);
      }
      if (action == "alter") {
        pb::milvus::AlterAliasRequest req;
        req.set_db_name(c.db);
        req.set_alias(alias);
        req.set_collection_name(name);
        return StatusCall(m, QUIVER_REST_METHOD(AlterAlias), c, req);
      }
      pb::milvus::CreateAliasRequest req;
      req.set_db_name(c.db);
      req.set_alias(alias);
      req.set_collection_name(name);
      return StatusCall(m, QUIVER_REST_METHOD(CreateAlias), c, req);
    };
  };
  add("aliases/create", alias_ddl("create"));
  add("aliases/drop", alias_ddl("drop"));
  add("aliases/alter", alias_ddl("alter"));

  // ---- databases
  add("databases/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/list"));
    pb::milvus::ListDatabasesRequest req;
    pb::milvus::ListDatabasesResponse resp;
    Outcome o;
    if (Failed(m->ListDatabases(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok(Json(std::vector<std::string>(resp.db_names().begin(), resp.db_names().end())));
  });
  add("databases/create", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"properties"}, "databases/create"));
    REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
    pb::milvus::CreateDatabaseRequest req;
    req.set_db_name(db);
    if (c.body.contains("properties")) SetKvs(c.body["properties"], req.mutable_properties());
    return StatusCall(m, QUIVER_REST_METHOD(CreateDatabase), c, req);
  });
  add("databases/drop", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/drop"));
    REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
    pb::milvus::DropDatabaseRequest req;
    req.set_db_name(db);
    return StatusCall(m, QUIVER_REST_METHOD(DropDatabase), c, req);
  });
  add("databases/describe", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/describe"));
    REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
    pb::milvus::DescribeDatabaseRequest req;
    req.set_db_name(db);
    pb::milvus::DescribeDatabaseResponse resp;
    Outcome o;
    if (Failed(m->DescribeDatabase(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok({{"dbName", resp.db_name()}, {"dbID", Int64Json(resp.dbid(), c.int64_as_number)},
                        {"properties", KvsToJson(resp.properties())}});
  });
  auto alter_db = [m](bool drop) {
    return [m, drop](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {drop ? "propertyKeys" : "properties"}, drop ? "databases/drop_properties" : "databases/alter"));
      REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
      pb::milvus::AlterDatabaseRequest req;
      req.set_db_name(db);
      if (drop) {
        REST_ASSIGN(std::vector<std::string> keys, Strings(c.body, "propertyKeys", true));
        for (const auto& k : keys) req.add_delete_keys(k);
      } else {
        if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
        SetKvs(c.body["properties"], req.mutable_properties());
      }
      return StatusCall(m, QUIVER_REST_METHOD(AlterDatabase), c, req);
    };
  };
  add("databases/alter", alter_db(false));
  add("databases/drop_properties", alter_db(true));

  // ---- users (passwords go base64-encoded, as SDKs send them over gRPC)
  add("users/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "users/list"));
    pb::milvus::ListCredUsersRequest req;
    pb::milvus::ListCredUsersResponse resp;
    Outcome o;
    if (Failed(m->ListCredUsers(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok(Json(std::vector<std::string>(resp.usernames().begin(), resp.usernames().end())));
  });
  add("users/describe", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName"}, "users/describe"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    pb::milvus::SelectUserRequest req;
    req.mutable_user()->set_name(user);
    req.set_include_role_info(true);
    pb::milvus::SelectUserResponse resp;
    Outcome o;
    if (Failed(m->SelectUser(&c.context, &req, &resp), resp, &o)) return o;
    Json roles = Json::array();
    for (const auto& r : resp.results()) {
      for (const auto& role : r.roles()) roles.push_back(role.name());
    }
    return Outcome::Ok(roles);
  });
  add("users/create", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName", "password"}, "users/create"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    REST_ASSIGN(std::string password, Str(c.body, "password", true));
    pb::milvus::CreateCredentialRequest req;
    req.set_username(user);
    req.set_password(Base64Encode(password));
    return StatusCall(m, QUIVER_REST_METHOD(CreateCredential), c, req);
  });
  add("users/update_password", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName", "password", "newPassword"}, "users/update_password"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    REST_ASSIGN(std::string password, Str(c.body, "password", true));
    REST_ASSIGN(std::string new_password, Str(c.body, "newPassword", true));
    pb::milvus::UpdateCredentialRequest req;
    req.set_username(user);
    req.set_oldpassword(Base64Encode(password));
    req.set_newpassword(Base64Encode(new_password));
    return StatusCall(m, QUIVER_REST_METHOD(UpdateCredential), c, req);
  });
  add("users/drop", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName"}, "users/drop"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    pb::milvus::DeleteCredentialRequest req;
    req.set_username(user);
    return StatusCall(m, QUIVER_REST_METHOD(DeleteCredential), c, req);
  });
  auto user_role = [m](bool grant) {
    return [m, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"userName", "roleName"}, grant ? "users/grant_role" : "users/revoke_role"));
      REST_ASSIGN(std::string user, Str(c.body, "userName", true));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      pb::milvus::OperateUserRoleRequest req;
      req.set_username(user);
      req.set_role_name(role);
      req.set_type(grant ? pb::milvus::AddUserToRole : pb::milvus::RemoveUserFromRole);
      return StatusCall(m, QUIVER_REST_METHOD(OperateUserRole), c, req);
    };
  };
  add("users/grant_role", user_role(true));
  add("users/revoke_role", user_role(false));

  // ---- roles
  add("roles/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "roles/list"));
    pb::milvus::SelectRoleRequest req;
    pb::milvus::SelectRoleResponse resp;
    Outcome o;
    if (Failed(m->SelectRole(&c.context, &req, &resp), resp, &o)) return o;
    Json names = Json::array();
    for (const auto& r : resp.results()) names.push_back(r.role().name());
    return Outcome::Ok(names);
  });
  add("roles/describe", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName"}, "roles/describe"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    pb::milvus::SelectGrantRequest req;
    req.mutable_entity()->mutable_role()->set_name(role);
    req.mutable_entity()->set_db_name("*");
    pb::milvus::SelectGrantResponse resp;
    Outcome o;
    if (Failed(m->SelectGrant(&c.context, &req, &resp), resp, &o)) return o;
    Json grants = Json::array();
    for (const auto& g : resp.entities()) {
      grants.push_back({{"objectType", g.object().name()}, {"objectName", g.object_name()},
                        {"privilege", g.grantor().privilege().name()}, {"dbName", g.db_name()},
                        {"grantor", g.grantor().user().name()}});
    }
    return Outcome::Ok(grants);
  });
  add("roles/create", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName"}, "roles/create"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    pb::milvus::CreateRoleRequest req;
    req.mutable_entity()->set_name(role);
    return StatusCall(m, QUIVER_REST_METHOD(CreateRole), c, req);
  });
  add("roles/drop", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName", "forceDrop"}, "roles/drop"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    REST_ASSIGN(bool force, Bool(c.body, "forceDrop", false));
    pb::milvus::DropRoleRequest req;
    req.set_role_name(role);
    req.set_force_drop(force);
    return StatusCall(m, QUIVER_REST_METHOD(DropRole), c, req);
  });
  auto privilege = [m](bool grant) {
    return [m, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"roleName", "objectType", "objectName", "privilege"},
                        grant ? "roles/grant_privilege" : "roles/revoke_privilege"));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      REST_ASSIGN(std::string type, Str(c.body, "objectType", true));
      REST_ASSIGN(std::string object, Str(c.body, "objectName", true));
      REST_ASSIGN(std::string priv, Str(c.body, "privilege", true));
      pb::milvus::OperatePrivilegeRequest req;
      auto* e = req.mutable_entity();
      e->mutable_role()->set_name(role);
      e->mutable_object()->set_name(type);
      e->set_object_name(object);
      e->mutable_grantor()->mutable_privilege()->set_name(priv);
      e->set_db_name(c.db);
      req.set_type(grant ? pb::milvus::Grant : pb::milvus::Revoke);
      return StatusCall(m, QUIVER_REST_METHOD(OperatePrivilege), c, req);
    };
  };
  add("roles/grant_privilege", privilege(true));
  add("roles/revoke_privilege", privilege(false));
  auto privilege_v2 = [m](bool grant) {
    return [m, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"roleName", "privilege", "collectionName"},
                        grant ? "roles/grant_privilege_v2" : "roles/revoke_privilege_v2"));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      REST_ASSIGN(std::string priv, Str(c.body, "privilege", true));
      REST_ASSIGN(std::string collection, Str(c.body, "collectionName", false));
      pb::milvus::OperatePrivilegeV2Request req;
      req.mutable_role()->set_name(role);
      req.mutable_grantor()->mutable_privilege()->set_name(priv);
      req.set_db_name(c.db);
      req.set_collection_name(collection);
      req.set_type(grant ? pb::milvus::Grant : pb::milvus::Revoke);
      return StatusCall(m, QUIVER_REST_METHOD(OperatePrivilegeV2), c, req);
    };
  };
  add("roles/grant_privilege_v2", privilege_v2(true));
  add("roles/revoke_privilege_v2", privilege_v2(false));

  // ---- privilege groups
  add("privilege_groups/create", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"privilegeGroupName"}, "privilege_groups/create"));
    REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
    pb::milvus::CreatePrivilegeGroupRequest req;
    req.set_group_name(group);
    return StatusCall(m, QUIVER_REST_METHOD(CreatePrivilegeGroup), c, req);
  });
  add("privilege_groups/drop", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"privilegeGroupName"}, "privilege_groups/drop"));
    REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
    pb::milvus::DropPrivilegeGroupRequest req;
    req.set_group_name(group);
    return StatusCall(m, QUIVER_REST_METHOD(DropPrivilegeGroup), c, req);
  });
  add("privilege_groups/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "privilege_groups/list"));
    pb::milvus::ListPrivilegeGroupsRequest req;
    pb::milvus::ListPrivilegeGroupsResponse resp;
    Outcome o;
    if (Failed(m->ListPrivilegeGroups(&c.context, &req, &resp), resp, &o)) return o;
    Json groups = Json::array();
    for (const auto& g : resp.privilege_groups()) {
      Json privileges = Json::array();
      for (const auto& p : g.privileges()) privileges.push_back(p.name());
      groups.push_back({{"privilegeGroupName", g.group_name()}, {"privileges", privileges}});
    }
    return Outcome::Ok({{"privilegeGroups", groups}});
  });
  auto group_members = [m](bool add_them) {
    return [m, add_them](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"privilegeGroupName", "privileges"},
                        add_them ? "privilege_groups/add_privileges_to_group" : "privilege_groups/remove_privileges_from_group"));
      REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
      REST_ASSIGN(std::vector<std::string> privileges, Strings(c.body, "privileges", true));
      pb::milvus::OperatePrivilegeGroupRequest req;
      req.set_group_name(group);
      for (const auto& p : privileges) req.add_privileges()->set_name(p);
      req.set_type(add_them ? pb::milvus::AddPrivilegesToGroup : pb::milvus::RemovePrivilegesFromGroup);
      return StatusCall(m, QUIVER_REST_METHOD(OperatePrivilegeGroup), c, req);
    };
  };
  add("privilege_groups/add_privileges_to_group", group_members(true));
  add("privilege_groups/remove_privileges_from_group", group_members(false));
}

}  // namespace quiver::rpc::rest
