// REST v2 entities: insert, upsert, delete, get, query, search and hybrid search, decoded into
// the proxy's read and write arguments and rendered as Milvus REST rows.

#include <cmath>
#include <deque>

#include "rpc/rest/rest_internal.h"

namespace quiver::rpc::rest {

namespace {

// The consistency wait of a read: the body's level, else the collection's.
proxy::ReadWait WaitOf(const Call& c, const proxy::Proxy& p, const cluster::CollectionInfo& collection,
                       std::optional<int32_t> level) {
  proxy::ReadWait wait;
  wait.consistency_level = level.value_or(collection.consistency_level);
  wait.budget = c.Budget(p.options().consistency_timeout);
  wait.cancelled = [&p] { return p.stopping(); };
  return wait;
}

// Search hits as Milvus REST rows: the output fields, "distance" and the key "id"; `topks` (one
// count per query) when there are several queries.
Outcome RenderHits(const Call& c, const cluster::CollectionInfo& collection, const proxy::SearchOutcome& outcome) {
  const cluster::SearchResult& r = outcome.result;
  Json rows = Json::array();
  Json topks = Json::array();
  size_t i = 0;
  for (size_t count : r.counts) {
    for (size_t k = 0; k < count; ++k, ++i) {
      Json row = Json::object();
      if (r.fields) AppendRow(*collection.schema, *r.fields, i, outcome.output.dynamic_keys, c.int64_as_number, &row);
      float d = r.distances[i];
      if (outcome.round_decimal >= 0) {
        double scale = std::pow(10.0, static_cast<double>(outcome.round_decimal));
        d = static_cast<float>(std::round(d * scale) / scale);
      }
      row["distance"] = Float32Json(d);
      row["id"] = PrimaryKeyJson(r.pks[i], c.int64_as_number);
      rows.push_back(std::move(row));
    }
    topks.push_back(count);
  }
  Outcome o = Outcome::Ok(rows);
  if (r.counts.size() > 1) o.reply["topks"] = topks;
  return o;
}

// One vector search of a body (entities/search, or one entry of hybrid_search's `search`). The
// query vectors are encoded into `storage`, which the returned views point into.
Status BuildAnnSearch(const cluster::CollectionInfo& collection, Json& s, std::deque<std::string>* storage,
                      proxy::AnnSearch* ann) {
  QUIVER_ASSIGN_OR_RETURN(std::string anns, Str(s, "annsField", false));
  const schema::FieldSchema* field = nullptr;
  for (const auto& f : collection.schema->fields) {
    if (!schema::IsVectorType(f.type)) continue;
    if (anns.empty() ? field == nullptr : f.name == anns) field = &f;
    else if (anns.empty()) return Status::InvalidArgument("the collection has several vector fields: set annsField");
  }
  if (field == nullptr) return Status::InvalidArgument("no vector field " + anns);
  if (!s.contains("data") || !s["data"].is_array() || s["data"].empty()) return Missing("data");
  // JSON numbers go out as float32 for Float16/BFloat16 fields too: the index searches them at
  // full precision (narrowing them here would lose it).
  const DataType sent = QueryEncodingOf(field->type);
  ann->vectors.type = sent;
  ann->vectors.wire_type = static_cast<int>(sent);  // placeholder types number as the vector types
  for (const auto& q : s["data"]) {
    QUIVER_ASSIGN_OR_RETURN(std::string bytes, QueryVectorBytes(q, sent, field->dim));
    ann->vectors.values.emplace_back(storage->emplace_back(std::move(bytes)));
  }
  ann->nq = static_cast<int64_t>(s["data"].size());
  QUIVER_ASSIGN_OR_RETURN(ann->filter, Str(s, "filter", false));
  if (s.contains("exprParams")) {
    QUIVER_ASSIGN_OR_RETURN(ann->templates, TemplatesFromJson(s["exprParams"]));
  }
  auto& param = ann->params;
  param["anns_field"] = field->name;
  QUIVER_ASSIGN_OR_RETURN(int64_t limit, Int(s, "limit", 100));
  param["topk"] = std::to_string(limit);
  QUIVER_ASSIGN_OR_RETURN(int64_t offset, Int(s, "offset", 0));
  if (offset != 0) param["offset"] = std::to_string(offset);
  Json params = Json::object();
  std::string metric = s.contains("metricType") && s["metricType"].is_string() ? s["metricType"].get<std::string>() : "";
  if (s.contains("searchParams")) {
    Json& sp = s["searchParams"];
    QUIVER_RETURN_IF_ERROR(OnlyKeys(sp, {"metricType", "params", "ignore_growing", "radius", "range_filter", "round_decimal"},
                                    "searchParams"));
    if (sp.contains("round_decimal")) param["round_decimal"] = ParamText(sp["round_decimal"]);
    if (sp.contains("metricType")) metric = ParamText(sp["metricType"]);
    if (sp.contains("params")) {
      if (!sp["params"].is_object()) return Status::InvalidArgument("searchParams.params must be an object");
      params = sp["params"];
    }
    for (const char* key : {"radius", "range_filter"}) {
      if (sp.contains(key)) params[key] = sp[key];
    }
    if (sp.contains("ignore_growing")) param["ignore_growing"] = ParamText(sp["ignore_growing"]);
  }
  if (s.contains("params")) {  // hybrid_search sub-requests carry params directly
    if (!s["params"].is_object()) return Status::InvalidArgument("params must be an object");
    for (const auto& [k, v] : s["params"].items()) params[k] = v;
  }
  if (!metric.empty()) param["metric_type"] = metric;
  param["params"] = params.dump();
  QUIVER_ASSIGN_OR_RETURN(std::string group_by, Str(s, "groupingField", false));
  if (!group_by.empty()) param["group_by_field"] = group_by;
  if (s.contains("groupSize")) param["group_size"] = ParamText(s["groupSize"]);
  if (s.contains("strictGroupSize")) param["strict_group_size"] = ParamText(s["strictGroupSize"]);
  return Status::OK();
}

}  // namespace

void RestService::RegisterEntities() {
  auto* p = proxy_;
  auto add = [this](const std::string& name, Endpoint e) { endpoints_[name] = std::move(e); };

  auto mutate = [this, p](Call& c, bool upsert) -> Outcome {
    const char* endpoint = upsert ? "entities/upsert" : "entities/insert";
    REST_TRY(OnlyKeys(c.body, {"collectionName", "data", "partitionName"}, endpoint));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", false));
    if (!c.body.contains("data")) return Outcome::From(Missing("data"));
    proxy::MutationOutcome written;
    std::vector<segment::PrimaryKey> keys;
    // The privilege is checked before any row is decoded: an unprivileged caller costs no decoding.
    return Run(
        c, upsert ? "Upsert" : "Insert", c.Target(name),
        [&](RestCode* rest) -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
          const Json& data = c.body["data"].is_object() ? Json::array({c.body["data"]}) : c.body["data"];
          auto rows = RowsFromJson(*collection->schema, data, upsert, [p](uint32_t n) { return p->AllocIds(n); },
                                   proxy::RowLimits{p->options().max_json_bytes});
          if (!rows.ok()) return rest->Fail(rows.status(), 1804);
          QUIVER_ASSIGN_OR_RETURN(written, p->Write(*collection, partition, *rows, upsert));
          keys = std::move(rows->pks);
          return Status::OK();
        },
        [&] {
          Json ids = Json::array();
          for (const auto& k : keys) ids.push_back(PrimaryKeyJson(k, c.int64_as_number));
          if (upsert) return Outcome::Ok({{"upsertCount", written.count}, {"upsertIds", ids}});
          return Outcome::Ok({{"insertCount", written.count}, {"insertIds", ids}});
        });
  };
  add("entities/insert", [mutate](Call& c) { return mutate(c, false); });
  add("entities/upsert", [mutate](Call& c) { return mutate(c, true); });
  add("entities/delete", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "filter", "partitionName", "exprParams"}, "entities/delete"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string filter, Str(c.body, "filter", true));
    REST_ASSIGN(std::string partition, Str(c.body, "partitionName", false));
    REST_ASSIGN(expr::TemplateValues templates, TemplatesFromJson(c.body.value("exprParams", Json())));
    std::vector<segment::PrimaryKey> keys;
    return Run(
        c, "Delete", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto collection, p->DescribeCollection(c.db, name));
          return p->DeleteWhere(*collection, partition, filter, templates, c.Budget(p->options().consistency_timeout),
                                [p] { return p->stopping(); }, &keys)
              .status();
        },
        [&] { return Outcome::Ok({{"deleteCount", keys.size()}}); });
  });

  // `limit` / `offset` nullopt: not sent (the proxy's defaults apply); any sent value reaches
  // the proxy, which refuses what is out of range.
  auto query = [this, p](Call& c, const std::string& name, const std::string& filter,
                         const expr::TemplateValues& templates, std::optional<int64_t> limit,
                         std::optional<int64_t> offset) -> Outcome {
    REST_ASSIGN(std::vector<std::string> output, Strings(c.body, "outputFields", false));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    REST_ASSIGN(std::optional<int32_t> level, Consistency(c.body));
    proxy::QueryArgs args;
    proxy::QueryOutcome outcome;
    return Run(
        c, "Query", c.Target(name),
        [&]() -> Status {
          QUIVER_ASSIGN_OR_RETURN(args.collection, p->LoadedCollection(c.db, name));
          QUIVER_ASSIGN_OR_RETURN(args.partitions, p->ReadPartitions(*args.collection, partitions));
          if (limit) args.params["limit"] = std::to_string(*limit);
          if (offset) args.params["offset"] = std::to_string(*offset);
          args.filter = filter;
          args.templates = templates;
          args.output_fields = output.empty() ? std::vector<std::string>{"*"} : output;
          args.wait = WaitOf(c, *p, *args.collection, level);
          QUIVER_ASSIGN_OR_RETURN(outcome, p->Query(args));
          return Status::OK();
        },
        [&] {
          Json rows = Json::array();
          if (outcome.count_only) {
            rows.push_back({{"count(*)", Int64Json(static_cast<int64_t>(outcome.count), c.int64_as_number)}});
            return Outcome::Ok(rows);
          }
          for (size_t i = 0; i < outcome.rows->rows; ++i) {
            Json row = Json::object();
            AppendRow(*args.collection->schema, *outcome.rows, i, outcome.output.dynamic_keys, c.int64_as_number, &row);
            rows.push_back(std::move(row));
          }
          return Outcome::Ok(rows);
        });
  };
  add("entities/query", [query](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "filter", "outputFields", "limit", "offset", "partitionNames",
                               "consistencyLevel", "exprParams"},
                      "entities/query"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::string filter, Str(c.body, "filter", false));
    REST_ASSIGN(expr::TemplateValues templates, TemplatesFromJson(c.body.value("exprParams", Json())));
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
    return query(c, name, filter, templates, limit, offset);
  });
  add("entities/get", [query, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "id", "outputFields", "partitionNames", "consistencyLevel"}, "entities/get"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("id")) return Outcome::From(Missing("id"));
    Json ids = c.body["id"].is_array() ? c.body["id"] : Json::array({c.body["id"]});
    if (ids.empty()) return Outcome::From(Missing("id"));
    // The keys go into the filter as a template value: typed, never spliced into the text.
    auto collection = p->DescribeCollection(c.db, name);
    if (!collection.ok()) return query(c, name, "", {}, std::nullopt, std::nullopt);  // reports it after the privilege check
    const schema::FieldSchema* pk = (*collection)->schema->PrimaryField();
    bool varchar = pk != nullptr && pk->type == DataType::kVarChar;
    expr::LiteralArray keys;
    for (const auto& id : ids) {
      if (varchar) {
        if (!id.is_string()) return Outcome::Error(1806, "invalid primary key " + id.dump() + " for " + pk->name);
        keys.emplace_back(id.get<std::string>());
        continue;
      }
      std::optional<int64_t> value = Int64Of(id);
      if (!value) return Outcome::Error(1806, "invalid primary key " + id.dump() + " for " + pk->name);
      keys.emplace_back(*value);
    }
    expr::TemplateValues templates;
    templates.emplace("ids", expr::Literal(std::move(keys)));
    return query(c, name, pk->name + " in {ids}", templates, std::nullopt, std::nullopt);
  });

  add("entities/search", [this, p](Call& c) {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "data", "annsField", "filter", "limit", "offset", "outputFields",
                               "searchParams", "groupingField", "groupSize", "strictGroupSize", "consistencyLevel",
                               "partitionNames", "exprParams"},
                      "entities/search"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    REST_ASSIGN(std::vector<std::string> output, Strings(c.body, "outputFields", false));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    REST_ASSIGN(std::optional<int32_t> level, Consistency(c.body));
    proxy::SearchArgs args;
    std::deque<std::string> vectors;
    proxy::SearchOutcome outcome;
    return Run(
        c, "Search", c.Target(name),
        [&](RestCode* rest) -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto described, p->DescribeCollection(c.db, name));
          if (Status built = BuildAnnSearch(*described, c.body, &vectors, &args.ann); !built.ok()) return rest->Fail(built);
          QUIVER_ASSIGN_OR_RETURN(args.collection, p->LoadedCollection(c.db, name));
          QUIVER_ASSIGN_OR_RETURN(args.partitions, p->ReadPartitions(*args.collection, partitions));
          args.output_fields = output;
          args.wait = WaitOf(c, *p, *args.collection, level);
          QUIVER_ASSIGN_OR_RETURN(outcome, p->Search(args));
          return Status::OK();
        },
        [&] { return RenderHits(c, *args.collection, outcome); });
  });
  auto hybrid = [this, p](Call& c) -> Outcome {
    REST_TRY(OnlyKeys(c.body, {"collectionName", "search", "rerank", "limit", "outputFields", "partitionNames",
                               "consistencyLevel"},
                      "entities/hybrid_search"));
    REST_ASSIGN(std::string name, Str(c.body, "collectionName", true));
    if (!c.body.contains("search") || !c.body["search"].is_array() || c.body["search"].empty()) {
      return Outcome::From(Missing("search"));
    }
    for (auto& s : c.body["search"]) {
      REST_TRY(OnlyKeys(s, {"data", "annsField", "filter", "limit", "offset", "metricType", "params", "searchParams",
                            "groupingField", "exprParams"},
                        "search"));
    }
    proxy::HybridSearchArgs args;
    if (c.body.contains("rerank")) {
      Json& rr = c.body["rerank"];
      REST_TRY(OnlyKeys(rr, {"strategy", "params"}, "rerank"));
      REST_ASSIGN(std::string strategy, Str(rr, "strategy", true));
      args.rank_params["strategy"] = strategy;
      args.rank_params["params"] = rr.contains("params") ? rr["params"].dump() : "{}";
    }
    REST_ASSIGN(int64_t limit, Int(c.body, "limit", 100));
    args.rank_params["limit"] = std::to_string(limit);
    REST_ASSIGN(args.output_fields, Strings(c.body, "outputFields", false));
    REST_ASSIGN(std::vector<std::string> partitions, Strings(c.body, "partitionNames", false));
    REST_ASSIGN(std::optional<int32_t> level, Consistency(c.body));
    std::deque<std::string> vectors;
    proxy::SearchOutcome outcome;
    return Run(
        c, "HybridSearch", c.Target(name),
        [&](RestCode* rest) -> Status {
          QUIVER_ASSIGN_OR_RETURN(auto described, p->DescribeCollection(c.db, name));
          for (auto& s : c.body["search"]) {
            proxy::AnnSearch ann;
            if (Status built = BuildAnnSearch(*described, s, &vectors, &ann); !built.ok()) return rest->Fail(built);
            args.subs.push_back(std::move(ann));
          }
          QUIVER_ASSIGN_OR_RETURN(args.collection, p->LoadedCollection(c.db, name));
          QUIVER_ASSIGN_OR_RETURN(args.partitions, p->ReadPartitions(*args.collection, partitions));
          args.wait = WaitOf(c, *p, *args.collection, level);
          QUIVER_ASSIGN_OR_RETURN(outcome, p->HybridSearch(args));
          return Status::OK();
        },
        [&] { return RenderHits(c, *args.collection, outcome); });
  };
  add("entities/hybrid_search", hybrid);
  add("entities/advanced_search", hybrid);
}

}  // namespace quiver::rpc::rest
