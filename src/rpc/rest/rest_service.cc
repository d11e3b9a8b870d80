#include "rpc/rest/rest_service.h"

#include "common/json_depth.h"
#include "common/log.h"
#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

// A body nests a few levels above the JSON values it carries ({"data": [{"field": value}]}).
constexpr size_t kMaxBodyNesting = kMaxJsonNesting + 4;

}  // namespace

RestService::RestService(proxy::Proxy* proxy, proxy::RequestGate* gate, MetricsRegistry* metrics)
    : proxy_(proxy), gate_(gate), access_(gate->access()), metrics_(metrics) {
  Register();
  RegisterEntities();
  RegisterAdmin();
  RegisterResourceGroups();
}

RestService::Outcome RestService::Run(Call& call, const char* method, const proxy::AccessTarget& target,
                                      const std::function<Status(RestCode*)>& fn, const std::function<Outcome()>& ok) {
  RestCode rest;
  proxy::RequestGate::Outcome outcome = gate_->Run(
      method, [&]() -> Result<proxy::Identity> { return call.identity; }, [&] { return target; },
      [&] { return fn(&rest); }, call.client);
  switch (outcome.stage) {
    case proxy::RequestGate::Stage::kUnauthenticated:
      return Outcome::Error(1800, "user hasn't authenticated", 401);
    case proxy::RequestGate::Stage::kDenied:
      return Outcome::Error(65535, "rpc error: code = PermissionDenied desc = " + std::string(outcome.status.message()),
                            403);
    default:
      break;
  }
  if (!outcome.status.ok()) {
    int code = rest.code != 0 ? rest.code : MilvusCode(outcome.status);
    return Outcome::Error(code, TruncatedReason(outcome.status.message()));
  }
  return ok ? ok() : Outcome::Ok();
}

RestService::Outcome RestService::Run(Call& call, const char* method, const proxy::AccessTarget& target,
                                      const std::function<Status()>& fn, const std::function<Outcome()>& ok) {
  return Run(call, method, target, [&](RestCode*) { return fn(); }, ok);
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
    call.client = request.peer;
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
        // Keys match case-insensitively (OnlyKeys); these two are read before the endpoint runs.
        auto text_of = [&](std::string_view key) {
          for (const auto& [k, v] : call.body.items()) {
            if (v.is_string() && EqualsIgnoreCase(k, key)) {
              return v.get<std::string>();
            }
          }
          return std::string();
        };
        call.db = text_of("dbName");
        if (call.db.empty()) call.db = request.Header("db-name");
        if (call.db.empty()) call.db = "default";
        logged.db = call.db;
        logged.collection = text_of("collectionName");
        std::string timeout = request.Header("request-timeout");
        bool bad_timeout = false;
        if (!timeout.empty()) {
          char* end = nullptr;
          long long seconds = std::strtoll(timeout.c_str(), &end, 10);
          bad_timeout = *end != '\0' || seconds <= 0 || seconds > 86400;
          if (!bad_timeout) call.until = std::chrono::system_clock::now() + std::chrono::seconds(seconds);
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

// ---- collections -----------------------------------------------------------------------------

void RestService::Register() {
  auto* p = proxy_;
  auto add = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };

  add("collections/list", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {}, "collections/list"));
    Json names = Json::array();
    return Run(
        c, "ShowCollections", c.Target(),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto all, p->ListCollections(c.db));
          for (const auto& collection : all) {
            // Milvus lists only what the user may use.
            if (access_->SeesCollection(c.identity, c.db, collection->name)) names.push_back(collection->name);
          }
          return Status::OK();
        },
        [&] { return Outcome::Ok(names); });
  });
  add("collections/has", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/has"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    bool has = false;
    return Run(
        c, "HasCollection", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(has, p->HasCollection(c.db, name));
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"has", has}}); });
  });
  add("collections/describe", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/describe"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    cluster::CollectionPtr d;
    Json indexes = Json::array();
    std::string load = "LoadStateNotLoad";
    return Run(
        c, "DescribeCollection", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(d, p->DescribeCollection(c.db, name));
          if (auto described = p->DescribeIndexes(c.db, d->name, "", ""); described.ok()) {
            for (const auto& [index, progress] : *described) {
              std::string metric;
              for (const auto& [key, value] : index.params) {
                if (key == "metric_type") metric = value;
              }
              indexes.push_back({{"fieldName", index.field_name}, {"indexName", index.name}, {"metricType", metric}});
            }
          }
          if (auto loaded = p->LoadState(*d, {}); loaded.ok() && *loaded) load = "LoadStateLoaded";
          return Status::OK();
        },
        [&] {
          Json fields = Json::array();
          const schema::FieldSchema* pk = d->schema->PrimaryField();
          for (const auto& f : d->schema->fields) {
            if (f.is_dynamic) continue;
            cluster::KeyValues params(f.type_params.begin(), f.type_params.end());
            Json field{{"name", f.name}, {"type", std::string(schema::DataTypeName(f.type))}, {"primaryKey", f.primary_key},
                       {"partitionKey", f.partition_key}, {"clusteringKey", f.clustering_key},
                       {"autoId", f.auto_id}, {"nullable", f.nullable}, {"description", f.description},
                       {"params", KeyValuesJson(params)}, {"id", Int64Json(f.id, c.int64_as_number)}};
            if (f.type == DataType::kArray) field["elementType"] = std::string(schema::DataTypeName(f.element_type));
            fields.push_back(std::move(field));
          }
          return Outcome::Ok({{"collectionName", d->name},
                              {"collectionID", Int64Json(d->id, c.int64_as_number)},
                              {"description", d->schema->description},
                              {"autoId", pk != nullptr && pk->auto_id},
                              {"fields", fields},
                              {"functions", Json::array()},
                              {"aliases", Json(d->aliases)},
                              {"indexes", indexes},
                              {"load", load},
                              {"shardsNum", d->shards},
                              {"partitionsNum", d->num_partitions > 0 ? d->num_partitions
                                                                      : static_cast<int64_t>(d->partitions.size())},
                              {"consistencyLevel", ConsistencyLevelName(d->consistency_level)},
                              {"enableDynamicField", d->schema->enable_dynamic_field},
                              {"properties", KeyValuesJson(d->properties)}});
        });
  });
  add("collections/create", [this](Call& c) { return CreateCollection(c); });
  auto by_name = [this, add](const std::string& endpoint, const char* method,
                             std::function<Status(const std::string& db, const std::string& name)> fn) {
    add(endpoint, [this, endpoint, method, fn](Call& c) -> Outcome {
      REST_TRY(OnlyKeys(c.body, {"collectionName"}, endpoint));
      REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
      return Run(c, method, c.Target(name), [&] { return fn(c.db, name); });
    });
  };
  by_name("collections/drop", "DropCollection", [p](const auto& db, const auto& n) { return p->DropCollection(db, n); });
  by_name("collections/load", "LoadCollection", [p](const auto& db, const auto& n) { return p->LoadCollection(db, n); });
  by_name("collections/release", "ReleaseCollection",
          [p](const auto& db, const auto& n) { return p->ReleaseCollection(db, n); });
  add("collections/flush", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/flush"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    return Run(c, "Flush", c.Target(name), [&]() -> Status {
      QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
      return p->Flush(*collection, c.Budget(p->options().flush_timeout), [p] { return p->stopping(); }).status();
    });
  });
  add("collections/get_stats", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName"}, "collections/get_stats"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    size_t rows = 0;
    return Run(
        c, "GetCollectionStatistics", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(rows, p->RowCountOf(c.db, name, ""));
          return Status::OK();
        },
        [&] { return Outcome::Ok({{"rowCount", Int64Json(static_cast<int64_t>(rows), c.int64_as_number)}}); });
  });
  add("collections/get_load_state", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "partitionNames"}, "collections/get_load_state"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    Json data;
    return Run(
        c, "GetLoadState", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
          QUIVER_ASSIGN_OR_RETURN(bool loaded, p->LoadState(*collection, partitions));
          data = Json{{"loadState", loaded ? "LoadStateLoaded" : "LoadStateNotLoad"}};
          if (loaded) {
            if (auto progress = p->LoadingProgress(*collection, partitions); progress.ok()) data["loadProgress"] = *progress;
          }
          return Status::OK();
        },
        [&] { return Outcome::Ok(data); });
  });
  add("collections/rename", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "newCollectionName", "newDbName"}, "collections/rename"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string new_name, Str(c.body, "newCollectionName", true));
    REST_ASSIGN(std::string new_db, Str(c.body, "newDbName", false));
    return Run(c, "RenameCollection", c.Target(name), [&] { return p->RenameCollection(c.db, name, new_db, new_name); });
  });
  auto alter = [this, p](Call& c, bool drop) -> Outcome {
    const char* endpoint = drop ? "collections/drop_properties" : "collections/alter_properties";
    REST_TRY(OnlyKeys(c.body, {"collectionName", drop ? "propertyKeys" : "properties"}, endpoint));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    cluster::KeyValues set;
    std::vector<std::string> remove;
    if (drop) {
      REST_ASSIGN(remove, Strings(c.body, "propertyKeys", true));
    } else {
      if (!c.body.contains("properties") || !c.body["properties"].is_object()) return Outcome::From(Missing("properties"));
      set = KeyValuesOf(c.body["properties"]);
    }
    return Run(c, "AlterCollection", c.Target(name), [&] { return p->AlterCollection(c.db, name, set, remove); });
  };
  add("collections/alter_properties", [alter](Call& c) { return alter(c, false); });
  add("collections/drop_properties", [alter](Call& c) { return alter(c, true); });
  add("collections/fields/alter_properties", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "fieldName", "fieldParams"}, "collections/fields/alter_properties"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string field, Str(c.body, "fieldName", true));
    if (!c.body.contains("fieldParams") || !c.body["fieldParams"].is_object()) return Outcome::From(Missing("fieldParams"));
    cluster::KeyValues set = KeyValuesOf(c.body["fieldParams"]);
    return Run(c, "AlterCollectionField", c.Target(name), [&] { return p->AlterField(c.db, name, field, set, {}); });
  });
  for (const char* unsupported : {"collections/compact", "collections/fields/add", "collections/get_compaction_state", "collections/refresh_load",
                                  "jobs/import/create", "jobs/import/list", "jobs/import/get_progress",
                                  "jobs/import/describe"}) {
    std::string name = unsupported;
    add(name, [name](Call&) {
      return Outcome::From(Status::NotSupported(name + " is not supported yet by Quiver").WithDetail(ErrorDetail::kUnimplemented));
    });
  }
}

}  // namespace quiver::rpc::rest
