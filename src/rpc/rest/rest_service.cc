#include "rpc/rest/rest_service.h"

#include "common/json_depth.h"
#include "common/log.h"
#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

// A body nests a few levels above the JSON values it carries ({"data": [{"field": value}]}).
constexpr size_t kMaxBodyNesting = kMaxJsonNesting + 4;

}  // namespace

RestService::RestService(milvus::MilvusServiceImpl* milvus, proxy::AccessControl* access, MetricsRegistry* metrics)
    : milvus_(milvus), access_(access), metrics_(metrics) {
  Register();
}

std::string RestService::Credentials(const HttpRequest& request) {
  std::string header = request.Header("authorization");
  if (header.starts_with("Bearer ")) return header.substr(7);
  if (header.starts_with("Basic ")) return Base64Decode(header.substr(6)).value_or("");
  return {};
}

std::string RestService::EndpointOf(const HttpRequest& request) const {
  constexpr std::string_view kPrefix = "/v2/vectordb/";
  std::string endpoint = request.path.starts_with(kPrefix) ? request.path.substr(kPrefix.size()) : "";
  return endpoints_.count(endpoint) ? endpoint : std::string();
}

std::optional<HttpResponse> RestService::CheckHead(const HttpRequest& head) {
  // Everything Handle would refuse without looking at the body is refused from the head, so that
  // no body is read (or invited) for a request that cannot be served.
  auto start = std::chrono::steady_clock::now();
  Logged logged;
  logged.endpoint = EndpointOf(head);
  if (logged.endpoint.empty()) {
    return Finish(head, logged, Outcome::Error(404, "no such endpoint: " + head.path, 404), start);
  }
  if (head.method != "POST") return Finish(head, logged, Outcome::Error(405, "REST v2 endpoints take POST", 405), start);
  if (!access_->enabled()) return std::nullopt;
  std::string credentials = Credentials(head);
  if (access_->Authenticate(credentials, head.peer).ok()) return std::nullopt;  // cached for Handle
  size_t colon = credentials.find(':');
  if (colon != std::string::npos) logged.user = credentials.substr(0, colon);  // never a token
  return Finish(head, logged, Outcome::Error(1800, "user hasn't authenticated", 401), start);
}

HttpResponse RestService::Handle(const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  Outcome outcome;
  Logged logged;
  logged.endpoint = EndpointOf(request);
  auto found = endpoints_.find(logged.endpoint);
  if (logged.endpoint.empty()) {
    outcome = Outcome::Error(404, "no such endpoint: " + request.path, 404);
  } else if (request.method != "POST") {
    outcome = Outcome::Error(405, "REST v2 endpoints take POST", 405);
  } else {
    Call call;
    call.context.client = request.peer;
    call.int64_as_number = request.Header("accept-type-allow-int64") == "true";
    bool authenticated = true;
    if (access_->enabled()) {
      std::string credentials = Credentials(request);
      size_t colon = credentials.find(':');
      if (colon != std::string::npos) logged.user = credentials.substr(0, colon);  // never a token
      auto identity = access_->Authenticate(credentials, request.peer);
      if (!identity.ok()) {
        outcome = Outcome::Error(1800, "user hasn't authenticated", 401);
        authenticated = false;
      } else {
        call.context.authorization = Base64Encode(credentials);
        call.identity = *identity;
      }
    }
    if (authenticated) {
      bool too_deep = JsonNestingDepth(request.body) > kMaxBodyNesting;
      Json body = request.body.empty() || too_deep ? Json::object() : Json::parse(request.body, nullptr, false);
      if (too_deep) {
        outcome = Outcome::Error(1801, "the JSON body is nested deeper than " + std::to_string(kMaxBodyNesting) + " levels");
      } else if (body.is_discarded() || !body.is_object()) {
        outcome = Outcome::Error(1801, "can only accept json format request, the body is not a JSON object");
      } else {
        call.body = std::move(body);
        call.db = call.body.contains("dbName") && call.body["dbName"].is_string() ? call.body["dbName"].get<std::string>() : "";
        if (call.db.empty()) call.db = request.Header("db-name");
        if (call.db.empty()) call.db = "default";
        call.context.db = call.db;
        logged.db = call.db;
        if (call.body.contains("collectionName") && call.body["collectionName"].is_string()) {
          logged.collection = call.body["collectionName"].get<std::string>();
        }
        std::string timeout = request.Header("request-timeout");
        bool bad_timeout = false;
        if (!timeout.empty()) {
          char* end = nullptr;
          long long seconds = std::strtoll(timeout.c_str(), &end, 10);
          bad_timeout = *end != '\0' || seconds <= 0 || seconds > 86400;
          if (!bad_timeout) call.context.until = std::chrono::system_clock::now() + std::chrono::seconds(seconds);
        }
        if (bad_timeout) {
          outcome = Outcome::Error(1100, "Request-Timeout must be a number of seconds in [1, 86400]");
        } else try {
          outcome = found->second(call);
        } catch (const std::exception& e) {
          // nlohmann::json raises on a value of the wrong type deep in a body: a client error.
          outcome = Outcome::Error(1100, std::string("invalid request: ") + e.what());
        }
      }
    }
  }
  return Finish(request, logged, outcome, start);
}

HttpResponse RestService::Finish(const HttpRequest& request, const Logged& logged, const Outcome& outcome,
                                 std::chrono::steady_clock::time_point start) {
  HttpResponse response;
  response.status = outcome.http;
  response.body = outcome.reply.dump(-1, ' ', false, Json::error_handler_t::replace);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = outcome.reply.value("code", 0);
  metrics_->GetCounter("quiver_rest_requests_total", "REST v2 requests, by endpoint and outcome",
                       {{"endpoint", logged.endpoint.empty() ? "unknown" : logged.endpoint},
                        {"status", code == 0 ? "success" : "fail"}})
      ->Increment();
  metrics_->GetHistogram("quiver_rest_request_seconds", "REST v2 request latency", LatencyBuckets(), {})
      ->Observe(seconds);
  if (access_log_ != nullptr) {
    proxy::AccessEntry entry;
    entry.interface = "rest";
    entry.method = logged.endpoint.empty() ? std::string_view(request.path) : std::string_view(logged.endpoint);
    entry.user = logged.user;
    entry.db = logged.db;
    entry.code = code;
    entry.transport = outcome.http;
    entry.latency_ms = seconds * 1000;
    entry.bytes_in = request.body.size();
    entry.bytes_out = response.body.size();
    entry.client = request.peer;
    entry.collection = logged.collection;
    access_log_->Record(entry);
  }
  return response;
}

// ---- endpoints -------------------------------------------------------------------------------

void RestService::Register() {
  auto* m = milvus_;
  auto simple = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };

  // Describes a collection (schema and id) for endpoints that need the schema.
  auto describe = [m](Call& c, const std::string& name, pb::milvus::DescribeCollectionResponse* out,
                      Outcome* failure) {
    pb::milvus::DescribeCollectionRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    return !Failed(m->DescribeCollection(&c.context, &req, out), *out, failure);
  };

  // ---- collections
  simple("collections/list", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "collections/list"));
    pb::milvus::ShowCollectionsRequest req;
    req.set_db_name(c.db);
    pb::milvus::ShowCollectionsResponse resp;
    Outcome o;
    if (Failed(m->ShowCollections(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok(Json(std::vector<std::string>(resp.collection_names().begin(), resp.collection_names().end())));
  });
  simple("collections/has", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/has"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::HasCollectionRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    pb::milvus::BoolResponse resp;
    Outcome o;
    if (Failed(m->HasCollection(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok({{"has", resp.value()}});
  });
  simple("collections/describe", [m, describe](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::DescribeCollectionResponse d;
    Outcome o;
    if (!describe(c, name, &d, &o)) return o;
    Json fields = Json::array();
    for (const auto& f : d.schema().fields()) {
      if (f.is_dynamic()) continue;
      Json field{{"name", f.name()}, {"type", DataTypeName(f.data_type())}, {"primaryKey", f.is_primary_key()},
                 {"partitionKey", f.is_partition_key()}, {"clusteringKey", f.is_clustering_key()},
                 {"autoId", f.autoid()}, {"nullable", f.nullable()}, {"description", f.description()},
                 {"params", KvsToJson(f.type_params())}, {"id", Int64Json(f.fieldid(), c.int64_as_number)}};
      if (f.data_type() == DataType::Array) field["elementType"] = DataTypeName(f.element_type());
      fields.push_back(std::move(field));
    }
    Json indexes = Json::array();
    pb::milvus::DescribeIndexRequest ireq;
    ireq.set_db_name(c.db);
    ireq.set_collection_name(name);
    pb::milvus::DescribeIndexResponse iresp;
    if (m->DescribeIndex(&c.context, &ireq, &iresp).ok() && iresp.status().code() == 0) {
      for (const auto& idx : iresp.index_descriptions()) {
        std::string metric;
        for (const auto& kv : idx.params()) {
          if (kv.key() == "metric_type") metric = kv.value();
        }
        indexes.push_back({{"fieldName", idx.field_name()}, {"indexName", idx.index_name()}, {"metricType", metric}});
      }
    }
    std::string load = "LoadStateNotLoad";
    pb::milvus::GetLoadStateRequest lreq;
    lreq.set_db_name(c.db);
    lreq.set_collection_name(name);
    pb::milvus::GetLoadStateResponse lresp;
    if (m->GetLoadState(&c.context, &lreq, &lresp).ok() && lresp.status().code() == 0) {
      load = pb::common::LoadState_Name(lresp.state());
    }
    return Outcome::Ok({{"collectionName", d.collection_name()},
                        {"collectionID", Int64Json(d.collectionid(), c.int64_as_number)},
                        {"description", d.schema().description()},
                        {"autoId", PrimaryField(d.schema()) != nullptr && PrimaryField(d.schema())->autoid()},
                        {"fields", fields},
                        {"functions", Json::array()},
                        {"aliases", Json(std::vector<std::string>(d.aliases().begin(), d.aliases().end()))},
                        {"indexes", indexes},
                        {"load", load},
                        {"shardsNum", d.shards_num()},
                        {"partitionsNum", d.num_partitions()},
                        {"consistencyLevel", pb::common::ConsistencyLevel_Name(d.consistency_level())},
                        {"enableDynamicField", d.schema().enable_dynamic_field()},
                        {"properties", KvsToJson(d.properties())}});
  });
  simple("collections/create", [this](Call& c) { return CreateCollection(c); });
  auto by_name = [this, m](const std::string& endpoint, auto method, auto make) {
    endpoints_[endpoint] = [m, method, make, endpoint](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName"}, endpoint));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      auto req = make(c.db, name);
      return StatusCall(m, method, c, req);
    };
  };
  by_name("collections/drop", QUIVER_REST_METHOD(DropCollection), [](const std::string& db, const std::string& n) {
    pb::milvus::DropCollectionRequest r;
    r.set_db_name(db);
    r.set_collection_name(n);
    return r;
  });
  by_name("collections/load", QUIVER_REST_METHOD(LoadCollection), [](const std::string& db, const std::string& n) {
    pb::milvus::LoadCollectionRequest r;
    r.set_db_name(db);
    r.set_collection_name(n);
    return r;
  });
  by_name("collections/release", QUIVER_REST_METHOD(ReleaseCollection), [](const std::string& db, const std::string& n) {
    pb::milvus::ReleaseCollectionRequest r;
    r.set_db_name(db);
    r.set_collection_name(n);
    return r;
  });
  simple("collections/flush", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/flush"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::FlushRequest req;
    req.set_db_name(c.db);
    req.add_collection_names(name);
    pb::milvus::FlushResponse resp;
    Outcome o;
    if (Failed(m->Flush(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok();
  });
  simple("collections/get_stats", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/get_stats"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::GetCollectionStatisticsRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    pb::milvus::GetCollectionStatisticsResponse resp;
    Outcome o;
    if (Failed(m->GetCollectionStatistics(&c.context, &req, &resp), resp, &o)) return o;
    int64_t rows = 0;
    for (const auto& kv : resp.stats()) {
      if (kv.key() == "row_count") rows = std::atoll(kv.value().c_str());
    }
    return Outcome::Ok({{"rowCount", Int64Json(rows, c.int64_as_number)}});
  });
  simple("collections/get_load_state", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionNames"}, "collections/get_load_state"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    pb::milvus::GetLoadStateRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    for (const auto& p : partitions) req.add_partition_names(p);
    pb::milvus::GetLoadStateResponse resp;
    Outcome o;
    if (Failed(m->GetLoadState(&c.context, &req, &resp), resp, &o)) return o;
    Json data{{"loadState", pb::common::LoadState_Name(resp.state())}};
    if (resp.state() == pb::common::LoadState::LoadStateLoading || resp.state() == pb::common::LoadState::LoadStateLoaded) {
      pb::milvus::GetLoadingProgressRequest preq;
      preq.set_db_name(c.db);
      preq.set_collection_name(name);
      for (const auto& p : partitions) preq.add_partition_names(p);
      pb::milvus::GetLoadingProgressResponse presp;
      if (m->GetLoadingProgress(&c.context, &preq, &presp).ok() && presp.status().code() == 0) {
        data["loadProgress"] = presp.progress();
      }
    }
    return Outcome::Ok(data);
  });
  simple("collections/rename", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "newCollectionName", "newDbName"}, "collections/rename"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string new_name, Str(c.body, "newCollectionName", true));
    REST_ASSIGN(std::string new_db, Str(c.body, "newDbName", false));
    pb::milvus::RenameCollectionRequest req;
    req.set_db_name(c.db);
    req.set_oldname(name);
    req.set_newname(new_name);
    req.set_newdbname(new_db);
    pb::common::Status resp;
    Outcome o;
    if (Failed(m->RenameCollection(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok();
  });
  auto alter = [m](Call& c, bool drop) -> Outcome {
    const char* endpoint = drop ? "collections/drop_properties" : "collections/alter_properties";
    REST_TRY(OnlyKeys(c.body, {"collectionName", drop ? "propertyKeys" : "properties"}, endpoint));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    pb::milvus::AlterCollectionRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    if (drop) {
      REST_ASSIGN(std::vector<std::string> keys, Strings(c.body, "propertyKeys", true));
      for (const auto& k : keys) req.add_delete_keys(k);
    } else {
      if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
      SetKvs(c.body["properties"], req.mutable_properties());
    }
    pb::common::Status resp;
    Outcome o;
    if (Failed(m->AlterCollection(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok();
  };
  simple("collections/alter_properties", [alter](Call& c) { return alter(c, false); });
  simple("collections/drop_properties", [alter](Call& c) { return alter(c, true); });
  simple("collections/fields/alter_properties", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "fieldName", "fieldParams"}, "collections/fields/alter_properties"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string field, Str(c.body, "fieldName", true));
    if (!c.body.contains("fieldParams") || !c.body["fieldParams"].is_object()) return Outcome::From(Missing("fieldParams"));
    pb::milvus::AlterCollectionFieldRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_field_name(field);
    SetKvs(c.body["fieldParams"], req.mutable_properties());
    pb::common::Status resp;
    Outcome o;
    if (Failed(m->AlterCollectionField(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok();
  });
  for (const char* unsupported : {"collections/compact", "collections/fields/add", "collections/get_compaction_state", "collections/refresh_load",
                                  "jobs/import/create", "jobs/import/list", "jobs/import/get_progress",
                                  "jobs/import/describe", "resource_groups/create", "resource_groups/list"}) {
    std::string name = unsupported;
    simple(name, [name](Call&) {
      return Outcome::From(Status::NotSupported(name + " is not supported yet by Quiver").WithDetail(ErrorDetail::kUnimplemented));
    });
  }

  // ---- entities
  // The privilege of the handler an endpoint ends in, checked before the REST layer decodes rows
  // or vectors, so an unprivileged caller costs no decoding.
  auto allowed = [this](Call& c, const char* method, const std::string& collection, Outcome* denied) {
    proxy::AccessTarget target;
    target.db = c.db;
    target.collections = {collection};
    Status st = access_->Authorize(c.identity, method, target);
    if (st.ok()) return true;
    *denied = Outcome::Error(65535, "rpc error: code = PermissionDenied desc = " + std::string(st.message()), 403);
    return false;
  };
  auto mutate = [m, describe, allowed](Call& c, bool upsert) -> Outcome {
    const char* endpoint = upsert ? "entities/upsert" : "entities/insert";
    REST_TRY(OnlyKeys(c.body, {"collectionName", "data", "partitionName"}, endpoint));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", false));
    if (!c.body.contains("data")) return Outcome::From(Missing("data"));
    Outcome o;
    if (!allowed(c, upsert ? "Upsert" : "Insert", name, &o)) return o;
    pb::milvus::DescribeCollectionResponse d;
    if (!describe(c, name, &d, &o)) return o;
    const Json& data = c.body["data"].is_object() ? Json::array({c.body["data"]}) : c.body["data"];
    pb::milvus::MutationResult resp;
    uint32_t rows = 0;
    grpc::Status transport;
    if (upsert) {
      pb::milvus::UpsertRequest req;
      req.set_db_name(c.db);
      req.set_collection_name(name);
      req.set_partition_name(partition);
      if (Status st = RowsToFieldData(d.schema(), data, true, req.mutable_fields_data(), &rows); !st.ok()) {
        return Outcome::Error(1804, std::string(st.message()));
      }
      req.set_num_rows(rows);
      transport = m->Upsert(&c.context, &req, &resp);
    } else {
      pb::milvus::InsertRequest req;
      req.set_db_name(c.db);
      req.set_collection_name(name);
      req.set_partition_name(partition);
      if (Status st = RowsToFieldData(d.schema(), data, false, req.mutable_fields_data(), &rows); !st.ok()) {
        return Outcome::Error(1804, std::string(st.message()));
      }
      req.set_num_rows(rows);
      transport = m->Insert(&c.context, &req, &resp);
    }
    if (Failed(transport, resp, &o)) return o;
    if (upsert) return Outcome::Ok({{"upsertCount", resp.upsert_cnt()}, {"upsertIds", IdsJson(resp.ids(), c.int64_as_number)}});
    return Outcome::Ok({{"insertCount", resp.insert_cnt()}, {"insertIds", IdsJson(resp.ids(), c.int64_as_number)}});
  };
  simple("entities/insert", [mutate](Call& c) { return mutate(c, false); });
  simple("entities/upsert", [mutate](Call& c) { return mutate(c, true); });
  simple("entities/delete", [m](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "filter", "partitionName"}, "entities/delete"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string filter, Str(c.body, "filter", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", false));
    pb::milvus::DeleteRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_partition_name(partition);
    req.set_expr(filter);
    pb::milvus::MutationResult resp;
    Outcome o;
    if (Failed(m->Delete(&c.context, &req, &resp), resp, &o)) return o;
    return Outcome::Ok({{"deleteCount", resp.delete_cnt()}});
  });
  // `limit` / `offset` nullopt: not sent (the handler's defaults apply); any sent value reaches
  // the handler, which refuses what is out of range.
  auto query = [m](Call& c, const std::string& name, const std::string& filter, std::optional<int64_t> limit,
                   std::optional<int64_t> offset) -> Outcome {
    REST_ASSIGN(std::vector<std::string> output, Strings(c.body, "outputFields", false));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    bool given = false;
    REST_ASSIGN(pb::common::ConsistencyLevel level, Consistency(c.body, &given));
    pb::milvus::QueryRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    req.set_expr(filter);
    if (output.empty()) output = {"*"};
    for (const auto& f : output) req.add_output_fields(f);
    for (const auto& p : partitions) req.add_partition_names(p);
    if (limit) {
      auto* kv = req.add_query_params();
      kv->set_key("limit");
      kv->set_value(std::to_string(*limit));
    }
    if (offset) {
      auto* kv = req.add_query_params();
      kv->set_key("offset");
      kv->set_value(std::to_string(*offset));
    }
    req.set_consistency_level(level);
    req.set_use_default_consistency(!given);
    pb::milvus::QueryResults resp;
    Outcome o;
    if (Failed(m->Query(&c.context, &req, &resp), resp, &o)) return o;
    Json rows = Json::array();
    size_t n = ColumnRows(resp.fields_data());
    for (size_t i = 0; i < n; ++i) {
      Json row = Json::object();
      AppendRowFields(resp.fields_data(), i, c.int64_as_number, &row);
      rows.push_back(std::move(row));
    }
    return Outcome::Ok(rows);
  };
  simple("entities/query", [query](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "filter", "outputFields", "limit", "offset", "partitionNames",
                               "consistencyLevel"},
                      "entities/query"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string filter, Str(c.body, "filter", false));
    bool count_only = false;
    if (c.body.contains("outputFields") && c.body["outputFields"].is_array()) {
      for (const auto& f : c.body["outputFields"]) count_only = count_only || f == "count(*)";
    }
    std::optional<int64_t> limit;
    std::optional<int64_t> offset;
    if (c.body.contains("limit") && !c.body["limit"].is_null()) {
      REST_ASSIGN(limit, Int(c.body, "limit", 0));
    } else if (!count_only) {
      limit = 100;  // Milvus REST's default (a count needs none)
    }
    if (c.body.contains("offset") && !c.body["offset"].is_null()) {
      REST_ASSIGN(offset, Int(c.body, "offset", 0));
    }
    return query(c, name, filter, limit, offset);
  });
  simple("entities/get", [query, describe](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "id", "outputFields", "partitionNames", "consistencyLevel"}, "entities/get"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("id")) return Outcome::From(Missing("id"));
    pb::milvus::DescribeCollectionResponse d;
    Outcome o;
    if (!describe(c, name, &d, &o)) return o;
    const pb::schema::FieldSchema* pk = PrimaryField(d.schema());
    Json ids = c.body["id"].is_array() ? c.body["id"] : Json::array({c.body["id"]});
    std::string list;
    bool varchar = pk != nullptr && pk->data_type() == DataType::VarChar;
    for (const auto& id : ids) {
      bool good = varchar ? id.is_string() : (id.is_number_integer() || id.is_string());
      if (!good) return Outcome::Error(1806, "invalid primary key " + id.dump() + " for " + (pk ? pk->name() : "?"));
      if (!list.empty()) list += ", ";
      list += varchar ? Literal(id) : (id.is_string() ? id.get<std::string>() : id.dump());
      if (!varchar && id.is_string()) {
        const std::string& s = id.get_ref<const std::string&>();
        if (s.empty() || s.find_first_not_of("-0123456789") != std::string::npos) {
          return Outcome::Error(1806, "invalid primary key " + s);
        }
      }
    }
    if (ids.empty()) return Outcome::From(Missing("id"));
    return query(c, name, (pk ? pk->name() : "id") + " in [" + list + "]", std::nullopt, std::nullopt);
  });

  // Search: one SearchRequest from a body (entities/search or one entry of hybrid_search).
  auto build_search = [](Call& c, const pb::milvus::DescribeCollectionResponse& d, const Json& s,
                         pb::milvus::SearchRequest* req) -> Status {
    QUIVER_ASSIGN_OR_RETURN(std::string anns, Str(s, "annsField", false));
    const pb::schema::FieldSchema* field = nullptr;
    for (const auto& f : d.schema().fields()) {
      if (!IsVectorType(f.data_type())) continue;
      if (anns.empty() ? field == nullptr : f.name() == anns) field = &f;
      else if (anns.empty()) return Status::InvalidArgument("the collection has several vector fields: set annsField");
    }
    if (field == nullptr) return Status::InvalidArgument("no vector field " + anns);
    if (!s.contains("data") || !s["data"].is_array() || s["data"].empty()) return Missing("data");
    pb::common::PlaceholderGroup group;
    auto* ph = group.add_placeholders();
    ph->set_tag("$0");
    // JSON numbers go out as float32 for Float16/BFloat16 fields too: the index searches them at
    // full precision (narrowing them here would lose it).
    const DataType sent = QueryEncodingOf(field->data_type());
    ph->set_type(PlaceholderTypeOf(sent));
    for (const auto& q : s["data"]) {
      QUIVER_ASSIGN_OR_RETURN(std::string bytes, QueryVectorBytes(q, sent, DimOf(*field)));
      ph->add_values(bytes);
    }
    req->set_placeholder_group(group.SerializeAsString());
    req->set_nq(static_cast<int64_t>(s["data"].size()));
    req->set_db_name(c.db);
    req->set_collection_name(d.collection_name());
    QUIVER_ASSIGN_OR_RETURN(std::string filter, Str(s, "filter", false));
    req->set_dsl(filter);
    req->set_dsl_type(pb::common::DslType::BoolExprV1);
    auto param = [&](const std::string& key, const std::string& value) {
      auto* kv = req->add_search_params();
      kv->set_key(key);
      kv->set_value(value);
    };
    param("anns_field", field->name());
    QUIVER_ASSIGN_OR_RETURN(int64_t limit, Int(s, "limit", 100));
    param("topk", std::to_string(limit));
    QUIVER_ASSIGN_OR_RETURN(int64_t offset, Int(s, "offset", 0));
    if (offset != 0) param("offset", std::to_string(offset));
    Json params = Json::object();
    std::string metric = s.contains("metricType") && s["metricType"].is_string() ? s["metricType"].get<std::string>() : "";
    if (s.contains("searchParams")) {
      const Json& sp = s["searchParams"];
      QUIVER_RETURN_IF_ERROR(OnlyKeys(sp, {"metricType", "params", "ignore_growing", "radius", "range_filter"}, "searchParams"));
      if (sp.contains("metricType")) metric = ParamText(sp["metricType"]);
      if (sp.contains("params")) {
        if (!sp["params"].is_object()) return Status::InvalidArgument("searchParams.params must be an object");
        params = sp["params"];
      }
      for (const char* key : {"radius", "range_filter"}) {
        if (sp.contains(key)) params[key] = sp[key];
      }
      if (sp.contains("ignore_growing")) param("ignore_growing", ParamText(sp["ignore_growing"]));
    }
    if (s.contains("params")) {  // hybrid_search sub-requests carry params directly
      if (!s["params"].is_object()) return Status::InvalidArgument("params must be an object");
      for (const auto& [k, v] : s["params"].items()) params[k] = v;
    }
    if (!metric.empty()) param("metric_type", metric);
    param("params", params.dump());
    QUIVER_ASSIGN_OR_RETURN(std::string group_by, Str(s, "groupingField", false));
    if (!group_by.empty()) param("group_by_field", group_by);
    if (s.contains("groupSize")) param("group_size", ParamText(s["groupSize"]));
    if (s.contains("strictGroupSize")) param("strict_group_size", ParamText(s["strictGroupSize"]));
    if (s.contains("exprParams") && !s["exprParams"].empty()) {
      return Status::NotSupported("exprParams (filter templates) are not supported over REST yet; inline the values")
          .WithDetail(ErrorDetail::kUnimplemented);
    }
    return Status::OK();
  };
  // Renders search results as Milvus REST rows: output fields, "distance" and the key "id".
  auto render_hits = [](Call& c, const pb::milvus::SearchResults& resp) {
    const auto& r = resp.results();
    Json rows = Json::array();
    size_t offset = 0;
    Json topks = Json::array();
    for (int q = 0; q < r.topks_size(); ++q) {
      for (int64_t k = 0; k < r.topks(q); ++k) {
        size_t i = offset + static_cast<size_t>(k);
        Json row = Json::object();
        AppendRowFields(r.fields_data(), i, c.int64_as_number, &row);
        row["distance"] = r.scores(static_cast<int>(i));
        row["id"] = IdJson(r.ids(), static_cast<int>(i), c.int64_as_number);
        rows.push_back(std::move(row));
      }
      offset += static_cast<size_t>(r.topks(q));
      topks.push_back(r.topks(q));
    }
    Outcome o = Outcome::Ok(rows);
    if (r.topks_size() > 1) o.reply["topks"] = topks;
    return o;
  };
  simple("entities/search", [m, describe, build_search, render_hits, allowed](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "data", "annsField", "filter", "limit", "offset", "outputFields",
                               "searchParams", "groupingField", "groupSize", "strictGroupSize", "consistencyLevel",
                               "partitionNames", "exprParams"},
                      "entities/search"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    Outcome o;
    if (!allowed(c, "Search", name, &o)) return o;
    pb::milvus::DescribeCollectionResponse d;
    if (!describe(c, name, &d, &o)) return o;
    pb::milvus::SearchRequest req;
    REST_TRY(build_search(c, d, c.body, &req));
    REST_ASSIGN(std::vector<std::string> output, Strings(c.body, "outputFields", false));
    for (const auto& f : output) req.add_output_fields(f);
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    for (const auto& p : partitions) req.add_partition_names(p);
    bool given = false;
    REST_ASSIGN(pb::common::ConsistencyLevel level, Consistency(c.body, &given));
    req.set_consistency_level(level);
    req.set_use_default_consistency(!given);
    pb::milvus::SearchResults resp;
    if (Failed(m->Search(&c.context, &req, &resp), resp, &o)) return o;
    return render_hits(c, resp);
  });
  auto hybrid = [m, describe, build_search, render_hits, allowed](Call& c) -> Outcome {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "search", "rerank", "limit", "outputFields", "partitionNames",
                               "consistencyLevel"},
                      "entities/hybrid_search"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("search") || !c.body["search"].is_array() || c.body["search"].empty()) {
      return Outcome::From(Missing("search"));
    }
    Outcome o;
    if (!allowed(c, "HybridSearch", name, &o)) return o;
    pb::milvus::DescribeCollectionResponse d;
    if (!describe(c, name, &d, &o)) return o;
    pb::milvus::HybridSearchRequest req;
    req.set_db_name(c.db);
    req.set_collection_name(name);
    for (const auto& s : c.body["search"]) {
      REST_TRY(OnlyKeys(s, {"data", "annsField", "filter", "limit", "offset", "metricType", "params", "searchParams",
                            "groupingField", "exprParams"},
                        "search"));
      REST_TRY(build_search(c, d, s, req.add_requests()));
    }
    auto rank = [&](const std::string& key, const std::string& value) {
      auto* kv = req.add_rank_params();
      kv->set_key(key);
      kv->set_value(value);
    };
    if (c.body.contains("rerank")) {
      const Json& rr = c.body["rerank"];
      REST_TRY(OnlyKeys(rr, {"strategy", "params"}, "rerank"));
      REST_ASSIGN(std::string strategy, Str(rr, "strategy", true));
      rank("strategy", strategy);
      rank("params", rr.contains("params") ? rr["params"].dump() : "{}");
    }
    REST_ASSIGN(int64_t limit, Int(c.body, "limit", 100));
    rank("limit", std::to_string(limit));
    REST_ASSIGN(std::vector<std::string> output, Strings(c.body, "outputFields", false));
    for (const auto& f : output) req.add_output_fields(f);
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    for (const auto& p : partitions) req.add_partition_names(p);
    bool given = false;
    REST_ASSIGN(pb::common::ConsistencyLevel level, Consistency(c.body, &given));
    req.set_consistency_level(level);
    req.set_use_default_consistency(!given);
    pb::milvus::SearchResults resp;
    if (Failed(m->HybridSearch(&c.context, &req, &resp), resp, &o)) return o;
    return render_hits(c, resp);
  };
  simple("entities/hybrid_search", hybrid);
  simple("entities/advanced_search", hybrid);

  RegisterAdmin();
}

}  // namespace quiver::rpc::rest
