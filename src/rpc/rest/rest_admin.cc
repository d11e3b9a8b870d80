// REST v2: collection creation and the administrative endpoints (partitions, indexes, aliases,
// databases, users, roles, privilege groups).

#include <limits>
#include <set>

#include "proxy/indexes.h"

#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

// One field of the schema form of collections/create.
Status FieldFromJson(Json& f, bool auto_id, schema::FieldSchema* out) {
  QUIVER_RETURN_IF_ERROR(OnlyKeys(f, {"fieldName", "dataType", "elementDataType", "isPrimary", "isPartitionKey",
                                      "isClusteringKey", "nullable", "defaultValue", "elementTypeParams", "description"},
                                  "a field of schema.fields"));
  QUIVER_ASSIGN_OR_RETURN(out->name, Str(f, "fieldName", true));
  QUIVER_ASSIGN_OR_RETURN(std::string type_name, Str(f, "dataType", true));
  QUIVER_ASSIGN_OR_RETURN(out->type, DataTypeFromName(type_name));
  QUIVER_ASSIGN_OR_RETURN(out->description, Str(f, "description", false));
  QUIVER_ASSIGN_OR_RETURN(out->primary_key, Bool(f, "isPrimary", false));
  out->auto_id = out->primary_key && auto_id;
  QUIVER_ASSIGN_OR_RETURN(out->partition_key, Bool(f, "isPartitionKey", false));
  QUIVER_ASSIGN_OR_RETURN(out->clustering_key, Bool(f, "isClusteringKey", false));
  QUIVER_ASSIGN_OR_RETURN(out->nullable, Bool(f, "nullable", false));
  QUIVER_ASSIGN_OR_RETURN(std::string element, Str(f, "elementDataType", false));
  if (!element.empty()) {
    QUIVER_ASSIGN_OR_RETURN(out->element_type, DataTypeFromName(element));
  }
  if (f.contains("elementTypeParams")) {
    if (!f["elementTypeParams"].is_object()) return Status::InvalidArgument("elementTypeParams must be an object");
    for (const auto& [key, value] : f["elementTypeParams"].items()) out->type_params[key] = ParamText(value);
  }
  if (f.contains("defaultValue") && !f["defaultValue"].is_null()) {
    const Json& v = f["defaultValue"];
    const std::string& name = out->name;
    switch (out->type) {
      case DataType::kBool:
        if (!v.is_boolean()) return Status::InvalidArgument("defaultValue of " + name + " must be a boolean");
        out->default_value = v.get<bool>();
        break;
      case DataType::kInt8:
      case DataType::kInt16:
      case DataType::kInt32:
      case DataType::kInt64:
        if (!v.is_number_integer()) return Status::InvalidArgument("defaultValue of " + name + " must be an integer");
        out->default_value = out->type == DataType::kInt64 ? v.get<int64_t>() : static_cast<int64_t>(v.get<int32_t>());
        break;
      case DataType::kFloat:
        if (!v.is_number()) return Status::InvalidArgument("defaultValue of " + name + " must be a number");
        out->default_value = static_cast<double>(v.get<float>());
        break;
      case DataType::kDouble:
        if (!v.is_number()) return Status::InvalidArgument("defaultValue of " + name + " must be a number");
        out->default_value = v.get<double>();
        break;
      case DataType::kVarChar:
        if (!v.is_string()) return Status::InvalidArgument("defaultValue of " + name + " must be a string");
        out->default_value = v.get<std::string>();
        break;
      default:
        return Status::InvalidArgument("field " + name + " of type " + type_name + " takes no defaultValue");
    }
  }
  return Status::OK();
}

// The CreateIndex request of one entry of indexParams.
Status IndexSpecOf(Json& p, proxy::IndexSpec* spec) {
  QUIVER_RETURN_IF_ERROR(OnlyKeys(p, {"fieldName", "indexName", "metricType", "indexType", "params", "indexConfig"},
                                  "an entry of indexParams"));
  QUIVER_ASSIGN_OR_RETURN(spec->field_name, Str(p, "fieldName", true));
  QUIVER_ASSIGN_OR_RETURN(spec->index_name, Str(p, "indexName", false));
  QUIVER_ASSIGN_OR_RETURN(std::string metric, Str(p, "metricType", false));
  QUIVER_ASSIGN_OR_RETURN(std::string type, Str(p, "indexType", false));
  auto& kv = spec->extra_params;
  kv.emplace_back("index_type", type.empty() ? "AUTOINDEX" : type);
  if (!metric.empty()) kv.emplace_back("metric_type", metric);
  Json params = Json::object();
  for (const char* key : {"params", "indexConfig"}) {
    if (!p.contains(key)) continue;
    if (!p[key].is_object()) return Status::InvalidArgument(std::string(key) + " must be an object");
    for (const auto& [k, v] : p[key].items()) {
      if (k == "index_type" || k == "metric_type") kv.emplace_back(k, ParamText(v));  // as Milvus reads them there too
      else params[k] = v;
    }
  }
  kv.emplace_back("params", params.dump());
  return Status::OK();
}

}  // namespace

RestService::Outcome RestService::CreateCollection(Call& c) {
  REST_TRY(OnlyKeys(c.body, {"collectionName", "description", "dimension", "metricType", "idType", "autoID",
                             "primaryFieldName", "vectorFieldName", "params", "schema", "indexParams"},
                    "collections/create"));
  REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
  proxy::CollectionRequest request;
  schema::CollectionSchema& schema = request.schema;
  schema.name = name;
  REST_ASSIGN(schema.description, Str(c.body, "description", false));
  Json params = c.body.contains("params") ? c.body["params"] : Json::object();
  REST_TRY(OnlyKeys(params, {"max_length", "enableDynamicField", "shardsNum", "consistencyLevel", "partitionsNum",
                             "ttlSeconds", "partitionKeyIsolation", "mmap.enabled"},
                    "params"));
  bool quick = c.body.contains("dimension");
  // indexParams null or [] is the same as none (as Milvus reads it).
  bool index_params = c.body.contains("indexParams") && !c.body["indexParams"].is_null() &&
                      !(c.body["indexParams"].is_array() && c.body["indexParams"].empty());
  std::vector<proxy::IndexSpec> indexes;
  std::string quick_metric;  // the quick form's metricType
  if (quick) {
    if (c.body.contains("schema")) return Outcome::From(Status::InvalidArgument("give either dimension or schema, not both"));
    REST_ASSIGN(int64_t dim, Int(c.body, "dimension", 0));
    REST_ASSIGN(std::string id_type, Str(c.body, "idType", false));
    REST_ASSIGN(bool auto_id, Bool(c.body, "autoID", false));
    REST_ASSIGN(std::string pk_name, Str(c.body, "primaryFieldName", false));
    REST_ASSIGN(std::string vector_name, Str(c.body, "vectorFieldName", false));
    REST_ASSIGN(quick_metric, Str(c.body, "metricType", false));
    schema::FieldSchema pk;
    pk.name = pk_name.empty() ? "id" : pk_name;
    pk.primary_key = true;
    pk.auto_id = auto_id;
    if (id_type.empty() || id_type == "Int64") {
      if (params.contains("max_length")) {
        return Outcome::From(Status::InvalidArgument("params.max_length applies only to idType VarChar"));
      }
      pk.type = DataType::kInt64;
    } else if (id_type == "VarChar") {
      pk.type = DataType::kVarChar;
      REST_ASSIGN(int64_t max_length, Int(params, "max_length", 65535));
      if (max_length < 1 || max_length > 65535) {
        return Outcome::From(Status::InvalidArgument("params.max_length must be in [1, 65535], got " +
                                                     std::to_string(max_length)));
      }
      pk.type_params["max_length"] = std::to_string(max_length);
    } else {
      return Outcome::From(Status::InvalidArgument("idType must be Int64 or VarChar, not " + id_type));
    }
    schema.fields.push_back(std::move(pk));
    schema::FieldSchema v;
    v.name = vector_name.empty() ? "vector" : vector_name;
    v.type = DataType::kFloatVector;
    v.type_params["dim"] = std::to_string(dim);
    schema.fields.push_back(v);
    REST_ASSIGN(schema.enable_dynamic_field, Bool(params, "enableDynamicField", true));
    if (!index_params) {
      proxy::IndexSpec index;
      Json entry{{"fieldName", v.name}, {"indexName", v.name}, {"metricType", quick_metric.empty() ? "COSINE" : quick_metric}};
      REST_TRY(IndexSpecOf(entry, &index));
      indexes.push_back(std::move(index));
    }
  }
  // indexParams replace the quick form's own index of its vector field (Milvus ignores them there;
  // an ignored parameter would be a wrong result).
  if (index_params) {
    if (quick && !quick_metric.empty()) {
      return Outcome::From(Status::InvalidArgument("give the metric in indexParams or metricType, not both"));
    }
    if (!c.body["indexParams"].is_array()) return Outcome::From(Status::InvalidArgument("indexParams must be an array"));
    for (auto& p : c.body["indexParams"]) {
      proxy::IndexSpec index;
      REST_TRY(IndexSpecOf(p, &index));
      indexes.push_back(std::move(index));
    }
  }
  if (!quick) {
    if (!c.body.contains("schema")) return Outcome::From(Missing("dimension or schema"));
    Json& s = c.body["schema"];
    REST_TRY(OnlyKeys(s, {"autoID", "enableDynamicField", "fields", "functions", "description"}, "schema"));
    REST_ASSIGN(bool auto_id, Bool(s, "autoID", false));
    REST_ASSIGN(schema.enable_dynamic_field, Bool(s, "enableDynamicField", false));
    if (!s.contains("fields") || !s["fields"].is_array()) return Outcome::From(Missing("schema.fields"));
    for (auto& f : s["fields"]) REST_TRY(FieldFromJson(f, auto_id, &schema.fields.emplace_back()));
    if (s.contains("functions") && !s["functions"].empty()) {
      return Outcome::From(Status::NotSupported("schema functions (BM25) are not supported yet by Quiver")
                               .WithDetail(ErrorDetail::kUnimplemented));
    }
  }
  REST_ASSIGN(int64_t shards, Int(params, "shardsNum", 1));
  if (shards < 1 || shards > std::numeric_limits<int32_t>::max()) {
    return Outcome::From(Status::InvalidArgument("params.shardsNum must be a positive integer, got " + std::to_string(shards)));
  }
  request.shards_num = static_cast<int32_t>(shards);
  REST_ASSIGN(request.num_partitions, Int(params, "partitionsNum", 0));
  if (request.num_partitions < 0) {
    return Outcome::From(Status::InvalidArgument("params.partitionsNum must not be negative, got " +
                                                 std::to_string(request.num_partitions)));
  }
  if (params.contains("consistencyLevel")) {
    REST_ASSIGN(std::optional<int32_t> level, Consistency(params));
    request.consistency_level = level.value_or(2);
  }
  if (params.contains("ttlSeconds")) request.properties.emplace_back("collection.ttl.seconds", ParamText(params["ttlSeconds"]));
  if (params.contains("partitionKeyIsolation")) {
    request.properties.emplace_back("partitionkey.isolation", ParamText(params["partitionKeyIsolation"]));
  }
  if (params.contains("mmap.enabled")) request.properties.emplace_back("mmap.enabled", ParamText(params["mmap.enabled"]));
  // The indexes are checked before anything is created, so that bad index parameters leave no
  // collection behind. Nothing is dropped after a later failure (as in Milvus): a concurrent
  // identical create may have been told that the collection exists.
  {
    schema::CollectionSchema checked = schema;
    REST_TRY(schema::NormalizeSchema(&checked));
    std::set<std::string> names;
    std::set<std::string> fields;
    for (const auto& spec : indexes) {
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
  auto* p = proxy_;
  Outcome created = Run(c, "CreateCollection", c.Target(name), [&] { return p->CreateCollection(c.db, std::move(request)); });
  if (created.reply.value("code", 0) != 0) return created;
  for (const auto& spec : indexes) {
    Outcome indexed = Run(c, "CreateIndex", c.Target(name), [&] { return p->CreateIndex(c.db, name, spec); });
    if (indexed.reply.value("code", 0) != 0) return indexed;
  }
  if (!indexes.empty()) return Run(c, "LoadCollection", c.Target(name), [&] { return p->LoadCollection(c.db, name); });
  return Outcome::Ok();
}

void RestService::RegisterAdmin() {
  auto* p = proxy_;
  auto* access = access_;
  auto add = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };
  // ---- partitions
  add("partitions/list", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "partitions/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    Json names = Json::array();
    return Run(
        c, "ShowPartitions", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
          for (const auto& partition : collection->partitions) names.push_back(partition.name);
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("partitions/has", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, "partitions/has"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
    bool has = false;
    return Run(
        c, "HasPartition", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
          has = collection->FindPartition(partition) != nullptr;
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"has", has}}); });
  });
  add("partitions/get_stats", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, "partitions/get_stats"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
    size_t rows = 0;
    return Run(
        c, "GetPartitionStatistics", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(rows, p->RowCountOf(c.db, name, partition));
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"rowCount", Int64Json(static_cast<int64_t>(rows), c.int64_as_number)}}); });
  });
  auto partition_ddl = [this, p](bool create) {
    return [this, p, create](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionName"}, create ? "partitions/create" : "partitions/drop"));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::string partition, Str(c.body, "partitionName", true));
      if (create) return Run(c, "CreatePartition", c.Target(name), [&] { return p->CreatePartition(c.db, name, partition); });
      return Run(c, "DropPartition", c.Target(name), [&] { return p->DropPartition(c.db, name, partition); });
    };
  };
  add("partitions/create", partition_ddl(true));
  add("partitions/drop", partition_ddl(false));
  auto partition_load = [this, p](bool load) {
    return [this, p, load](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionNames"}, load ? "partitions/load" : "partitions/release"));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", true));
      if (load) {
        return Run(c, "LoadPartitions", c.Target(name), [&] { return p->LoadPartitionsNamed(c.db, name, partitions); });
      }
      return Run(c, "ReleasePartitions", c.Target(name),
                 [&] { return p->ReleasePartitionsNamed(c.db, name, partitions); });
    };
  };
  add("partitions/load", partition_load(true));
  add("partitions/release", partition_load(false));

  // ---- indexes
  add("indexes/create", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexParams"}, "indexes/create"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("indexParams") || !c.body["indexParams"].is_array() || c.body["indexParams"].empty()) {
      return Outcome::From(Missing("indexParams"));
    }
    std::vector<proxy::IndexSpec> specs;
    for (auto& entry : c.body["indexParams"]) REST_TRY(IndexSpecOf(entry, &specs.emplace_back()));
    for (const auto& spec : specs) {
      Outcome o = Run(c, "CreateIndex", c.Target(name), [&] { return p->CreateIndex(c.db, name, spec); });
      if (o.reply.value("code", 0) != 0) return o;
    }
    return Outcome::Ok();
  });
  // DescribeIndex of one index (or all), rendered by `render`.
  auto describe_indexes = [this, p](Call& c, const std::string& name, const std::string& index,
                                    const std::function<Outcome(const std::vector<proxy::IndexDescription>&)>& render) {
    std::vector<proxy::IndexDescription> found;
    return Run(
        c, "DescribeIndex", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(found, p->DescribeIndexes(c.db, name, index, ""));
          return Status::OK();
        },
        [&] { return render(found); });
  };
  add("indexes/list", [describe_indexes](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "indexes/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    Outcome o = describe_indexes(c, name, "", [](const std::vector<proxy::IndexDescription>& found) {
      Json names = Json::array();
      for (const auto& d : found) names.push_back(d.info.name);
      return Outcome::Ok(names);
    });
    // A collection without indexes lists none (Milvus answers index-not-found inside).
    if (o.reply.value("code", 0) == 700) return Outcome::Ok(Json::array());
    return o;
  });
  add("indexes/describe", [describe_indexes](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName"}, "indexes/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
    return describe_indexes(c, name, index, [](const std::vector<proxy::IndexDescription>& found) {
      Json out = Json::array();
      for (const auto& [info, progress] : found) {
        std::string type;
        std::string metric;
        for (const auto& [key, value] : info.params) {
          if (key == "index_type") type = value;
          if (key == "metric_type") metric = value;
        }
        out.push_back({{"indexName", info.name}, {"fieldName", info.field_name}, {"indexType", type},
                       {"metricType", metric}, {"totalRows", progress.total_rows}, {"pendingRows", progress.pending_rows},
                       {"indexedRows", progress.indexed_rows},
                       {"indexState", progress.pending_rows == 0 ? "Finished" : "InProgress"}, {"failReason", ""}});
      }
      return Outcome::Ok(out);
    });
  });
  add("indexes/drop", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName"}, "indexes/drop"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
    return Run(c, "DropIndex", c.Target(name), [&] { return p->DropIndex(c.db, name, index, ""); });
  });
  auto alter_index = [this, p](bool drop) {
    return [this, p, drop](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName", "indexName", drop ? "propertyKeys" : "properties"},
                        drop ? "indexes/drop_properties" : "indexes/alter_properties"));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      REST_ASSIGN(std::string index, Str(c.body, "indexName", true));
      cluster::KeyValues set;
      std::vector<std::string> remove;
      if (drop) {
        REST_ASSIGN(remove, Strings(c.body, "propertyKeys", true));
      } else {
        if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
        set = KeyValuesOf(c.body["properties"]);
      }
      return Run(c, "AlterIndex", c.Target(name), [&] { return p->AlterIndex(c.db, name, index, set, remove); });
    };
  };
  add("indexes/alter_properties", alter_index(false));
  add("indexes/drop_properties", alter_index(true));

  // ---- aliases
  add("aliases/list", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "aliases/list"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", false));
    Json aliases = Json::array();
    return Run(
        c, "ListAliases", c.Target(name),
        [&]() -> Status {
          std::vector<cluster::CollectionPtr> collections;
          if (!name.empty()) {
            QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
            collections.push_back(collection);
          } else {
            QUIVER_ASSIGN_OR_RETURN(collections, p->ListCollections(c.db));
          }
          for (const auto& collection : collections) {
            for (const auto& a : collection->aliases) aliases.push_back(a);
          }
          return Status::OK();
        },
        [&] { return Outcome::Ok(aliases); });
  });
  add("aliases/describe", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"aliasName"}, "aliases/describe"));
    REST_ASSIGN(std::string alias, Str(c.body, "aliasName", true));
    std::string collection;
    return Run(
        c, "DescribeAlias", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(collection, p->DescribeAlias(c.db, alias));
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"dbName", c.db}, {"collectionName", collection}, {"aliasName", alias}}); });
  });
  auto alias_ddl = [this, p](const std::string& action) {
    return [this, p, action](Call& c) -> Outcome {
      bool needs_collection = action != "drop";
      if (needs_collection) {
        REST_TRY(OnlyKeys(c.body, {"collectionName", "aliasName"}, "aliases/" + action));
      } else {
        REST_TRY(OnlyKeys(c.body, {"aliasName"}, "aliases/" + action));
      }
      REST_ASSIGN(std::string alias, Str(c.body, "aliasName", true));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", needs_collection));
      if (action == "drop") return Run(c, "DropAlias", c.Target(), [&] { return p->DropAlias(c.db, alias); });
      if (action == "alter") return Run(c, "AlterAlias", c.Target(name), [&] { return p->AlterAlias(c.db, name, alias); });
      return Run(c, "CreateAlias", c.Target(name), [&] { return p->CreateAlias(c.db, name, alias); });
    };
  };
  add("aliases/create", alias_ddl("create"));
  add("aliases/drop", alias_ddl("drop"));
  add("aliases/alter", alias_ddl("alter"));

  // ---- databases
  add("databases/list", [this, p, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/list"));
    Json names = Json::array();
    return Run(
        c, "ListDatabases", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto dbs, p->ListDatabases());
          for (const auto& db : dbs) {
            if (access->SeesDatabase(c.identity, db.name)) names.push_back(db.name);  // only databases with grants
          }
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("databases/create", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"properties"}, "databases/create"));
    REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
    cluster::KeyValues properties;
    if (c.body.contains("properties")) {
      if (!c.body["properties"].is_object()) return Outcome::From(Status::InvalidArgument("properties must be an object"));
      properties = KeyValuesOf(c.body["properties"]);
    }
    return Run(c, "CreateDatabase", c.Target(), [&] { return p->CreateDatabase(db, properties); });
  });
  add("databases/drop", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/drop"));
    REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
    return Run(c, "DropDatabase", c.Target(), [&] { return p->DropDatabase(db); });
  });
  add("databases/describe", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "databases/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "dbName", true));
    cluster::DatabaseInfo db;
    return Run(
        c, "DescribeDatabase", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(db, p->DescribeDatabase(name));
          return Status::OK();
        },
        [&] {
          return Outcome::Ok({{"dbName", db.name}, {"dbID", Int64Json(db.id, c.int64_as_number)},
                              {"properties", KeyValuesJson(db.properties)}});
        });
  });
  auto alter_db = [this, p](bool drop) {
    return [this, p, drop](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {drop ? "propertyKeys" : "properties"}, drop ? "databases/drop_properties" : "databases/alter"));
      REST_ASSIGN(std::string db, Str(c.body, "dbName", true));
      cluster::KeyValues set;
      std::vector<std::string> remove;
      if (drop) {
        REST_ASSIGN(remove, Strings(c.body, "propertyKeys", true));
      } else {
        if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
        set = KeyValuesOf(c.body["properties"]);
      }
      return Run(c, "AlterDatabase", c.Target(), [&] { return p->AlterDatabase(db, set, remove); });
    };
  };
  add("databases/alter", alter_db(false));
  add("databases/drop_properties", alter_db(true));

  // ---- users (passwords go base64-encoded, as SDKs send them over gRPC)
  auto user_target = [](const Call& c, const std::string& user) {
    proxy::AccessTarget target = c.Target();
    target.user = user;
    return target;
  };
  add("users/list", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "users/list"));
    Json names = Json::array();
    return Run(
        c, "ListCredUsers", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto users, access->ListUsers());
          for (const auto& u : users) names.push_back(u.name);
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("users/describe", [this, access, user_target](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName"}, "users/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "userName", true));
    cluster::UserInfo user;
    return Run(
        c, "SelectUser", user_target(c, name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(user, access->DescribeUser(name));
          return Status::OK();
        },
        [&] { return Outcome::Ok(Json(user.roles)); });
  });
  add("users/create", [this, access, user_target](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName", "password"}, "users/create"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    REST_ASSIGN(std::string password, Str(c.body, "password", true));
    return Run(c, "CreateCredential", user_target(c, user),
               [&] { return access->CreateUser(user, Base64Encode(password)); });
  });
  add("users/update_password", [this, access, user_target](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName", "password", "newPassword"}, "users/update_password"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    REST_ASSIGN(std::string password, Str(c.body, "password", true));
    REST_ASSIGN(std::string new_password, Str(c.body, "newPassword", true));
    return Run(c, "UpdateCredential", user_target(c, user), [&] {
      return access->UpdatePassword(c.identity, user, Base64Encode(password), Base64Encode(new_password));
    });
  });
  add("users/drop", [this, access, user_target](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"userName"}, "users/drop"));
    REST_ASSIGN(std::string user, Str(c.body, "userName", true));
    return Run(c, "DeleteCredential", user_target(c, user), [&] { return access->DeleteUser(user); });
  });
  auto user_role = [this, access, user_target](bool grant) {
    return [this, access, user_target, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"userName", "roleName"}, grant ? "users/grant_role" : "users/revoke_role"));
      REST_ASSIGN(std::string user, Str(c.body, "userName", true));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      return Run(c, "OperateUserRole", user_target(c, user), [&] { return access->OperateUserRole(user, role, grant); });
    };
  };
  add("users/grant_role", user_role(true));
  add("users/revoke_role", user_role(false));

  // ---- roles
  add("roles/list", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "roles/list"));
    Json names = Json::array();
    return Run(
        c, "SelectRole", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto roles, access->ListRoles());
          for (const auto& r : roles) names.push_back(r.name);
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("roles/describe", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName"}, "roles/describe"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    proxy::AccessTarget target = c.Target();
    target.role = role;
    Json grants = Json::array();
    return Run(
        c, "SelectGrant", target,
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto found, access->SelectGrants(role, "", "", "*"));
          for (const auto& g : found) {
            grants.push_back({{"objectType", g.object}, {"objectName", g.object_name}, {"privilege", g.privilege},
                              {"dbName", g.db_name}, {"grantor", g.grantor}});
          }
          return Status::OK();
        },
        [&] { return Outcome::Ok(grants); });
  });
  add("roles/create", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName"}, "roles/create"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    return Run(c, "CreateRole", c.Target(), [&] { return access->CreateRole(role); });
  });
  add("roles/drop", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"roleName", "forceDrop"}, "roles/drop"));
    REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
    REST_ASSIGN(bool force, Bool(c.body, "forceDrop", false));
    return Run(c, "DropRole", c.Target(), [&] { return access->DropRole(role, force); });
  });
  auto privilege = [this, access](bool grant) {
    return [this, access, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"roleName", "objectType", "objectName", "privilege"},
                        grant ? "roles/grant_privilege" : "roles/revoke_privilege"));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      REST_ASSIGN(std::string type, Str(c.body, "objectType", true));
      REST_ASSIGN(std::string object, Str(c.body, "objectName", true));
      REST_ASSIGN(std::string priv, Str(c.body, "privilege", true));
      cluster::Grant g{role, type, object, priv, c.db, c.identity.user};
      return Run(c, "OperatePrivilege", c.Target(), [&] { return access->OperatePrivilege(g, grant); });
    };
  };
  add("roles/grant_privilege", privilege(true));
  add("roles/revoke_privilege", privilege(false));
  auto privilege_v2 = [this, access](bool grant) {
    return [this, access, grant](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"roleName", "privilege", "collectionName"},
                        grant ? "roles/grant_privilege_v2" : "roles/revoke_privilege_v2"));
      REST_ASSIGN(std::string role, Str(c.body, "roleName", true));
      REST_ASSIGN(std::string priv, Str(c.body, "privilege", true));
      REST_ASSIGN(std::string collection, Str(c.body, "collectionName", false));
      return Run(c, "OperatePrivilegeV2", c.Target(), [&] {
        return access->OperatePrivilegeV2(role, priv, c.db, collection, c.identity.user, grant);
      });
    };
  };
  add("roles/grant_privilege_v2", privilege_v2(true));
  add("roles/revoke_privilege_v2", privilege_v2(false));

  // ---- privilege groups
  add("privilege_groups/create", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"privilegeGroupName"}, "privilege_groups/create"));
    REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
    return Run(c, "CreatePrivilegeGroup", c.Target(), [&] { return access->CreatePrivilegeGroup(group); });
  });
  add("privilege_groups/drop", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"privilegeGroupName"}, "privilege_groups/drop"));
    REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
    return Run(c, "DropPrivilegeGroup", c.Target(), [&] { return access->DropPrivilegeGroup(group); });
  });
  add("privilege_groups/list", [this, access](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "privilege_groups/list"));
    Json groups = Json::array();
    return Run(
        c, "ListPrivilegeGroups", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto found, access->ListPrivilegeGroups());
          for (const auto& g : found) groups.push_back({{"privilegeGroupName", g.name}, {"privileges", Json(g.privileges)}});
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"privilegeGroups", groups}}); });
  });
  auto group_members = [this, access](bool add_them) {
    return [this, access, add_them](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"privilegeGroupName", "privileges"},
                        add_them ? "privilege_groups/add_privileges_to_group" : "privilege_groups/remove_privileges_from_group"));
      REST_ASSIGN(std::string group, Str(c.body, "privilegeGroupName", true));
      REST_ASSIGN(std::vector<std::string> privileges, Strings(c.body, "privileges", true));
      return Run(c, "OperatePrivilegeGroup", c.Target(),
                 [&] { return access->OperatePrivilegeGroup(group, privileges, add_them); });
    };
  };
  add("privilege_groups/add_privileges_to_group", group_members(true));
  add("privilege_groups/remove_privileges_from_group", group_members(false));
}

}  // namespace quiver::rpc::rest
