// Search, hybrid search and query: parameters as Milvus defines them, the consistency wait, the
// querynode call and the reduce (offset, rank fusion, output columns) of exec/reduce.h.

#include "proxy/search.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/json_depth.h"
#include "exec/reduce.h"
#include "index/registry.h"
#include "index/vector_index.h"
#include "proxy/proxy.h"

namespace quiver::proxy {

using Json = nlohmann::json;

namespace {

constexpr int64_t kMaxTopK = 16384;

Status DimensionMismatch(const schema::FieldSchema& field, size_t got) {
  return Status::InvalidArgument("the dimension of the query vector (" + std::to_string(got) +
                                 ") is not equal to the dimension of field " + field.name + " (" +
                                 std::to_string(field.dim) + ")");
}

// Reads the query vectors into `request`: floats for FloatVector fields and for float32 queries on
// Float16/BFloat16 fields (kept at full precision: the index widens its rows, not the queries),
// the rows as the column stores them for the other types.
Status ReadQueryVectors(const schema::FieldSchema& field, const QueryVectors& vectors, cluster::SearchRequest* request) {
  using DT = schema::DataType;
  const size_t dim = static_cast<size_t>(field.dim);
  request->queries.field_type = field.type;
  request->queries.dim = dim;
  const bool half = field.type == DT::kFloat16Vector || field.type == DT::kBFloat16Vector;
  const bool floats_for_half = half && vectors.type == DT::kFloatVector;
  if (vectors.type != field.type && !floats_for_half) {
    return Status::InvalidArgument("query vectors of placeholder type " + std::to_string(vectors.wire_type) +
                                   " do not fit field " + field.name + " of type " +
                                   std::string(schema::DataTypeName(field.type)));
  }
  if (vectors.type == DT::kFloatVector) {
    request->queries.floats.reserve(vectors.values.size() * dim);
    for (std::string_view value : vectors.values) {
      if (value.size() != dim * 4) return DimensionMismatch(field, value.size() / 4);
      const size_t at = request->queries.floats.size();
      request->queries.floats.resize(at + dim);
      std::memcpy(request->queries.floats.data() + at, value.data(), dim * 4);
      for (size_t d = 0; d < dim; ++d) {
        if (!std::isfinite(request->queries.floats[at + d])) return Status::InvalidArgument("query vector has a non-finite value");
      }
    }
    return Status::OK();
  }
  if (field.type == DT::kSparseFloatVector) {
    request->queries.sparse_offsets.push_back(0);
    for (std::string_view value : vectors.values) {
      QUIVER_ASSIGN_OR_RETURN(std::string canonical, schema::CanonicalSparseRow(value, "sparse query vector"));
      request->queries.raw += canonical;
      request->queries.sparse_offsets.push_back(request->queries.raw.size());
    }
    return Status::OK();
  }
  const size_t row_bytes = field.type == DT::kBinaryVector ? dim / 8 : dim * 2;
  for (std::string_view value : vectors.values) {
    if (value.size() != row_bytes) {
      return DimensionMismatch(field, field.type == DT::kBinaryVector ? value.size() * 8 : value.size() / 2);
    }
    request->queries.raw += value;
  }
  return Status::OK();
}

// A finite number written in full ("0.5", "1e-3"); nan, inf, overflow and trailing text are refused.
Result<float> ParseFiniteFloat(const std::string& name, const std::string& text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) ||
      std::fabs(value) > std::numeric_limits<float>::max()) {
    return Status::InvalidArgument(name + " [" + text.substr(0, 64) + "] is invalid, it should be a finite number");
  }
  return static_cast<float>(value);
}

// Keys of a search request's search_params that the proxy handles itself; all others are index
// search parameters.
const std::set<std::string> kSearchRequestKeys = {
    "anns_field", "topk", "limit", "offset", "params", "metric_type", "round_decimal", "ignore_growing",
    "radius", "range_filter", "group_by_field", "group_size", "strict_group_size", "hints",
    // search iterator v2 (proxy/search_iterator.h)
    "iterator", "search_iter_v2", "search_iter_batch_size", "search_iter_id", "search_iter_last_bound",
    "guarantee_timestamp", "collection_id"};

std::string Param(const std::map<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

// One parsed vector search, ready for the querynode.
struct PlannedSearch {
  cluster::SearchRequest request;
  size_t offset = 0;
  size_t topk = 0;
  int64_t round_decimal = -1;
  SearchIteratorParams iterator;
};

Result<PlannedSearch> PlanSearch(const cluster::CollectionInfo& collection, const AnnSearch& ann,
                                 const std::vector<int64_t>& partitions, const OutputPlan& output) {
  PlannedSearch one;
  const auto& params = ann.params;
  // Vector field
  std::string anns = Param(params, "anns_field");
  const schema::FieldSchema* field = nullptr;
  if (anns.empty()) {
    auto vectors = collection.schema->VectorFields();
    if (vectors.size() > 1) {
      return Status::InvalidArgument("multiple anns_fields exist, please specify an anns_field in search_params")
          .WithDetail(ErrorDetail::kParameterMissing);
    }
    field = vectors.empty() ? nullptr : vectors.front();
  } else {
    field = collection.schema->FindField(anns);
  }
  if (field == nullptr || !schema::IsVectorType(field->type)) {
    return Status::InvalidArgument("failed to get field schema by name: fieldName(" + anns + ") not found")
        .WithDetail(ErrorDetail::kFieldNotFound);
  }
  if (field->type == schema::DataType::kInt8Vector) {
    return Status::NotSupported("searching Int8Vector fields is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  const cluster::IndexInfo* index = collection.FindIndexByField(field->id);
  if (index == nullptr) {
    return Status::FailedPrecondition("no index on vector field " + field->name).WithDetail(ErrorDetail::kIndexNotFound);
  }
  std::string metric = Param(params, "metric_type");
  std::transform(metric.begin(), metric.end(), metric.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (!metric.empty() && metric != index->metric_type) {
    return Status::InvalidArgument("metric type not match: invalid parameter[expected=" + index->metric_type +
                                   "][actual=" + metric + "]");
  }
  auto parsed_metric = index::ParseMetric(index->metric_type);
  if (!parsed_metric) return Status::Internal("index has an unknown metric", index->metric_type);
  // topk / offset
  std::string topk_text = params.count("topk") ? Param(params, "topk") : Param(params, "limit");
  if (topk_text.empty()) return Status::InvalidArgument("topk not found in search_params").WithDetail(ErrorDetail::kParameterMissing);
  QUIVER_ASSIGN_OR_RETURN(int64_t topk, ParseInteger("topk", topk_text));
  int64_t offset = 0;
  if (!Param(params, "offset").empty()) {
    QUIVER_ASSIGN_OR_RETURN(offset, ParseInteger("offset", Param(params, "offset")));
  }
  if (topk <= 0 || topk > kMaxTopK) {
    return Status::InvalidArgument("topk [" + std::to_string(topk) + "] is invalid, it should be in range [1, 16384]");
  }
  if (offset < 0) return Status::InvalidArgument("offset [" + std::to_string(offset) + "] is invalid, it must not be negative");
  if (offset > kMaxTopK - topk) {  // written so that a huge offset cannot overflow
    return Status::InvalidArgument("topk+offset should be in range [1, 16384], but got topk " + std::to_string(topk) +
                                   " and offset " + std::to_string(offset))
        .WithDetail(ErrorDetail::kParameterTooLarge);
  }
  if (!Param(params, "round_decimal").empty()) {
    QUIVER_ASSIGN_OR_RETURN(one.round_decimal, ParseInteger("round_decimal", Param(params, "round_decimal")));
    QUIVER_RETURN_IF_ERROR(CheckRoundDecimal(one.round_decimal));
  }
  for (const char* key : {"group_by_field", "group_size", "strict_group_size"}) {
    if (!Param(params, key).empty()) {
      return Status::NotSupported(std::string("grouping search (") + key + ") is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
  }
  if (!Param(params, "hints").empty()) {
    return Status::NotSupported("search hints are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  if (params.count("ignore_growing")) {
    std::string flag = Param(params, "ignore_growing");
    std::transform(flag.begin(), flag.end(), flag.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (flag == "true" || flag == "1") {
      return Status::NotSupported("ignore_growing is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    if (!flag.empty() && flag != "false" && flag != "0") return Status::InvalidArgument("ignore_growing must be true or false");
  }
  // Range search bounds, from the params JSON or flat keys.
  Json extra = Json::object();
  if (!Param(params, "params").empty()) {
    QUIVER_RETURN_IF_ERROR(CheckJsonNesting(Param(params, "params"), "search params"));
    extra = Json::parse(Param(params, "params"), nullptr, false);
    if (extra.is_discarded() || !extra.is_object()) return Status::InvalidArgument("search params is not a JSON object");
  }
  auto number = [&](const char* key) -> Result<std::optional<float>> {
    if (extra.contains(key)) {
      const Json& v = extra[key];
      if (v.is_number()) {
        double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max()) {
          return Status::InvalidArgument(std::string(key) + " [" + v.dump() + "] is invalid, it should be a finite number");
        }
        return std::optional<float>(static_cast<float>(d));
      }
      if (v.is_string()) {
        QUIVER_ASSIGN_OR_RETURN(float f, ParseFiniteFloat(key, v.get<std::string>()));
        return std::optional<float>(f);
      }
      return Status::InvalidArgument(std::string(key) + " must be a number");
    }
    if (!Param(params, key).empty()) {
      QUIVER_ASSIGN_OR_RETURN(float f, ParseFiniteFloat(key, Param(params, key)));
      return std::optional<float>(f);
    }
    return std::optional<float>();
  };
  QUIVER_ASSIGN_OR_RETURN(one.request.window.radius, number("radius"));
  QUIVER_ASSIGN_OR_RETURN(one.request.window.range_filter, number("range_filter"));
  // Search iterator v2: flat keys, or the params JSON when a client sends them only there.
  std::map<std::string, std::string> iterator_keys;
  for (const char* key : kSearchIteratorKeys) {
    if (!Param(params, key).empty()) {
      iterator_keys[key] = Param(params, key);
    } else if (extra.contains(key) && !extra[key].is_null()) {
      iterator_keys[key] = extra[key].is_string() ? extra[key].get<std::string>() : extra[key].dump();
    }
  }
  QUIVER_ASSIGN_OR_RETURN(one.iterator, ParseSearchIterator(iterator_keys, collection.schema->PrimaryField()->type));
  if (one.iterator.enabled) {
    if (offset != 0) return Status::InvalidArgument("offset is not supported by search iterators");
    if (one.iterator.collection_id != 0 && one.iterator.collection_id != collection.id) {
      return Status::InvalidArgument("collection_id " + std::to_string(one.iterator.collection_id) +
                                     " of the search iterator is not the id of collection " + collection.name +
                                     " (dropped and recreated during the iteration?)");
    }
    if (one.iterator.batch_size != 0) topk = static_cast<int64_t>(one.iterator.batch_size);
    one.request.window.iterator = true;
    one.request.window.after_distance = one.iterator.last_bound;
    one.request.window.after_pk = one.iterator.last_pk;
  }
  // Query vectors
  const size_t nq = ann.vectors.values.size();
  if (ann.nq != 0 && static_cast<size_t>(ann.nq) != nq) {
    return Status::InvalidArgument("nq (" + std::to_string(ann.nq) + ") does not match the number of query vectors (" +
                                   std::to_string(nq) + ")");
  }
  if (nq == 0 || nq > static_cast<size_t>(kMaxTopK)) {
    return Status::InvalidArgument("nq [" + std::to_string(nq) + "] is invalid, it should be in range [1, 16384]");
  }
  QUIVER_RETURN_IF_ERROR(ReadQueryVectors(*field, ann.vectors, &one.request));
  if (one.iterator.enabled && nq != 1) {
    return Status::InvalidArgument("a search iterator takes one query vector, got " + std::to_string(nq));
  }
  // Index search parameters (ef, nprobe, ...) from the params JSON, checked against the family.
  // Every other key is an index search parameter: the SDKs send the params object both as the
  // `params` JSON and flattened into search_params, and the registry refuses names the index
  // does not use, so nothing a client sends is silently ignored.
  std::map<std::string, std::string> index_params;
  for (auto& [key, value] : extra.items()) {
    if (!kSearchRequestKeys.count(key)) index_params[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  for (const auto& [key, value] : params) {
    if (!kSearchRequestKeys.count(key) && !index_params.count(key) && !value.empty()) index_params[key] = value;
  }
  QUIVER_ASSIGN_OR_RETURN(one.request.search_params,
                          index::IndexRegistry::Builtin().ResolveSearch(index->index_type, index_params, field->type));
  // Filter
  QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(ann.filter, *collection.schema, ann.templates));
  one.request.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
  one.request.collection_id = collection.id;
  one.request.partition_ids = partitions;
  one.request.field_id = field->id;
  one.request.metric = *parsed_metric;
  one.request.limit = static_cast<size_t>(topk + offset);
  one.request.output_fields = output.field_ids;
  one.topk = static_cast<size_t>(topk);
  one.offset = static_cast<size_t>(offset);
  return one;
}

// The final result of `hits` (per query) over `sources`, output columns gathered.
cluster::SearchResult Assemble(const exec::ResultHits& hits, const std::vector<const cluster::SearchResult*>& sources,
                               const OutputPlan& output, const schema::CollectionSchema& schema) {
  cluster::SearchResult out;
  out.nq = hits.size();
  std::vector<const schema::DataChunk*> chunks;
  for (const auto* source : sources) chunks.push_back(source->fields.get());
  for (const auto& query : hits) {
    out.counts.push_back(query.size());
    for (const exec::ResultHit& hit : query) {
      out.distances.push_back(hit.distance);
      out.pks.push_back(hit.pk);
    }
  }
  out.fields = exec::GatherColumns(hits, chunks, output.field_ids, schema);
  return out;
}

exec::ResultHits HitsOf(const cluster::SearchResult& result, size_t source) {
  return exec::HitsOf(result.counts, result.distances, result.pks, source);
}

Result<int64_t> OptionalInteger(const std::map<std::string, std::string>& params, const std::string& key,
                                int64_t fallback) {
  std::string text = Param(params, key);
  if (text.empty()) return fallback;
  return ParseInteger(key, text);
}

// The ranker of a hybrid search from its rank params (strategy rrf or weighted, params JSON).
Result<exec::Fusion> ParseFusion(const std::map<std::string, std::string>& rank, size_t subs) {
  exec::Fusion fusion;
  std::string strategy = rank.count("strategy") ? Param(rank, "strategy") : "rrf";
  std::string text = Param(rank, "params");
  if (!text.empty()) QUIVER_RETURN_IF_ERROR(CheckJsonNesting(text, "rank params"));
  Json params = text.empty() ? Json::object() : Json::parse(text, nullptr, false);
  if (params.is_discarded()) return Status::InvalidArgument("rank params is not JSON");
  if (!params.is_object()) return Status::InvalidArgument("rank params is not a JSON object");
  for (const auto& [key, value] : params.items()) {
    bool known = strategy == "weighted" ? key == "weights" || key == "norm_score" : key == "k";
    if (!known) {
      return Status::InvalidArgument("rank param " + key.substr(0, 64) + " is not a parameter of the " + strategy.substr(0, 64) +
                                     " ranker (" + (strategy == "weighted" ? "weights, norm_score" : "k") + ")");
    }
  }
  if (strategy == "weighted") {
    fusion.kind = exec::Fusion::Kind::kWeighted;
    if (!params.contains("weights") || !params["weights"].is_array()) {
      return Status::InvalidArgument("weighted ranker needs params.weights");
    }
    if (params.contains("norm_score")) {
      const Json& norm = params["norm_score"];
      if (!norm.is_boolean()) return Status::InvalidArgument("weighted ranker norm_score must be true or false");
      if (!norm.get<bool>()) {
        return Status::NotSupported("weighted ranker with norm_score false is not supported yet: scores are always "
                                    "normalised (arctan for IP and L2, (1+x)/2 for COSINE)")
            .WithDetail(ErrorDetail::kUnimplemented);
      }
    }
    for (const auto& w : params["weights"]) {
      if (!w.is_number() || !std::isfinite(w.get<double>()) || w.get<double>() < 0 || w.get<double>() > 1) {
        return Status::InvalidArgument("weighted ranker weights must be numbers in [0, 1] (as Milvus), got " +
                                       w.dump().substr(0, 64));
      }
      fusion.weights.push_back(w.get<double>());
    }
    if (fusion.weights.size() != subs) {
      return Status::InvalidArgument("the number of weights (" + std::to_string(fusion.weights.size()) +
                                     ") does not match the number of search requests (" + std::to_string(subs) + ")");
    }
  } else if (strategy == "rrf") {
    if (params.contains("k")) {
      if (!params["k"].is_number()) return Status::InvalidArgument("rrf k must be a number, got " + params["k"].dump().substr(0, 64));
      fusion.k = params["k"].get<double>();
    }
    if (fusion.k <= 0 || fusion.k >= 16384) return Status::InvalidArgument("rrf k should be in range (0, 16384)");
  } else {
    return Status::InvalidArgument("unknown reranker strategy " + strategy);
  }
  return fusion;
}

}  // namespace

Status CheckRoundDecimal(int64_t round_decimal) {
  if (round_decimal < -1 || round_decimal > 6) {
    return Status::InvalidArgument("round_decimal " + std::to_string(round_decimal) +
                                   " is invalid, it should be -1 or an integer in range [0, 6]");
  }
  return Status::OK();
}

Result<SearchOutcome> Proxy::Search(const SearchArgs& args) {
  const cluster::CollectionInfo& c = *args.collection;
  SearchOutcome outcome;
  QUIVER_ASSIGN_OR_RETURN(outcome.output, ResolveOutputFields(*c.schema, args.output_fields, /*include_pk=*/true));
  QUIVER_ASSIGN_OR_RETURN(PlannedSearch one, PlanSearch(c, args.ann, args.partitions, outcome.output));
  QUIVER_ASSIGN_OR_RETURN(one.request.timestamp, ReadTimestamp(c, args.wait, &one.request.after));
  if (one.iterator.enabled) {
    // Later pages read at the first page's snapshot; the first page pins one (an Eventually read
    // too), so rows inserted meanwhile do not shift the pages.
    if (one.iterator.snapshot != 0) {
      one.request.timestamp = one.iterator.snapshot;
    } else if (one.request.timestamp == kMaxTimestamp) {
      QUIVER_ASSIGN_OR_RETURN(one.request.timestamp, coord_->AllocTimestamp(1));
    }
  }
  QUIVER_ASSIGN_OR_RETURN(cluster::SearchResult found, querynode_->Search(one.request));
  // One querynode answers, ranked and unique by key: only the page is cut out of it.
  exec::ResultHits hits = exec::PageOfRanked(HitsOf(found, 0), one.topk, one.offset);
  outcome.result = Assemble(hits, {&found}, outcome.output, *c.schema);
  outcome.topk = one.topk;
  outcome.round_decimal = one.round_decimal;
  outcome.session_ts = one.request.timestamp == kMaxTimestamp ? 0 : one.request.timestamp;
  if (one.iterator.enabled) {
    // The cursor moves to the page's last hit (unrounded); an empty page keeps it.
    std::string id = one.iterator.id.empty() ? NewSearchIteratorId() : one.iterator.id;
    float bound = one.iterator.last_bound.value_or(0);
    std::optional<segment::PrimaryKey> last = one.iterator.last_pk;
    if (!outcome.result.pks.empty()) {
      bound = outcome.result.distances.back();
      last = outcome.result.pks.back();
    }
    outcome.iterator = IteratorPage{EncodeSearchIteratorToken(id, bound, last), bound};
  }
  return outcome;
}

Result<SearchOutcome> Proxy::HybridSearch(const HybridSearchArgs& args) {
  const cluster::CollectionInfo& c = *args.collection;
  if (args.subs.empty()) return Status::InvalidArgument("hybrid search needs at least one request");
  SearchOutcome outcome;
  QUIVER_ASSIGN_OR_RETURN(outcome.output, ResolveOutputFields(*c.schema, args.output_fields, /*include_pk=*/true));
  const auto& rank = args.rank_params;
  QUIVER_ASSIGN_OR_RETURN(int64_t limit, ParseInteger("limit", rank.count("limit") ? Param(rank, "limit") : "10"));
  QUIVER_ASSIGN_OR_RETURN(int64_t offset, OptionalInteger(rank, "offset", 0));
  QUIVER_ASSIGN_OR_RETURN(outcome.round_decimal, OptionalInteger(rank, "round_decimal", -1));
  QUIVER_RETURN_IF_ERROR(CheckRoundDecimal(outcome.round_decimal));
  if (offset < 0) return Status::InvalidArgument("offset [" + std::to_string(offset) + "] is invalid, it must not be negative");
  if (limit <= 0 || limit > kMaxTopK || offset > kMaxTopK - limit) {
    return Status::InvalidArgument("limit+offset should be in range [1, 16384], but got limit " + std::to_string(limit) +
                                   " and offset " + std::to_string(offset));
  }
  // The ranker is checked before any waiting or searching.
  QUIVER_ASSIGN_OR_RETURN(exec::Fusion fusion, ParseFusion(rank, args.subs.size()));
  cluster::ReadAfter after;
  QUIVER_ASSIGN_OR_RETURN(Timestamp ts, ReadTimestamp(c, args.wait, &after));
  std::vector<cluster::SearchResult> results;
  std::vector<index::MetricType> metrics;
  size_t nq = 0;
  for (const AnnSearch& sub : args.subs) {
    QUIVER_ASSIGN_OR_RETURN(PlannedSearch one, PlanSearch(c, sub, args.partitions, outcome.output));
    if (one.iterator.enabled) return Status::NotSupported("search iterators do not support hybrid search");
    one.request.timestamp = ts;
    one.request.after = after;
    QUIVER_ASSIGN_OR_RETURN(cluster::SearchResult found, querynode_->Search(one.request));
    if (!results.empty() && found.nq != nq) return Status::InvalidArgument("all hybrid sub-requests need the same nq");
    nq = found.nq;
    results.push_back(std::move(found));
    metrics.push_back(one.request.metric);
  }
  fusion.metrics = std::move(metrics);
  std::vector<exec::ResultHits> subs;
  std::vector<const cluster::SearchResult*> sources;
  for (size_t s = 0; s < results.size(); ++s) {
    subs.push_back(HitsOf(results[s], s));
    sources.push_back(&results[s]);
  }
  exec::ResultHits fused = exec::Fuse(subs, nq, fusion, static_cast<size_t>(limit), static_cast<size_t>(offset));
  outcome.result = Assemble(fused, sources, outcome.output, *c.schema);
  outcome.topk = static_cast<size_t>(limit);
  return outcome;
}

Result<QueryOutcome> Proxy::Query(const QueryArgs& args) {
  const cluster::CollectionInfo& c = *args.collection;
  const auto& params = args.params;
  // query_params keys the SDKs send (Node: limit, offset; pymilvus iterators add the rest).
  // reduce_stop_for_best only lets Milvus stop a pk-ordered reduce early; results are the same.
  static const std::set<std::string> kQueryKeys = {"limit", "offset", "iterator", "reduce_stop_for_best",
                                                   "ignore_growing", "collection_id"};
  for (const auto& [key, value] : params) {
    if (!kQueryKeys.count(key)) {
      return Status::InvalidArgument("query param " + key.substr(0, 64) + " is not supported (accepted: limit, offset, "
                                     "iterator, reduce_stop_for_best, ignore_growing, collection_id)");
    }
  }
  if (FlagSet(Param(params, "ignore_growing"))) {
    return Status::NotSupported("ignore_growing is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  std::string collection_id = Param(params, "collection_id");
  if (!collection_id.empty() && collection_id != std::to_string(c.id)) {
    return Status::InvalidArgument("collection_id " + collection_id.substr(0, 32) + " is not the id of " + c.name);
  }
  std::optional<size_t> limit;
  size_t offset = 0;
  if (!Param(params, "limit").empty()) {
    QUIVER_ASSIGN_OR_RETURN(int64_t l, ParseInteger("limit", Param(params, "limit")));
    if (l < 0) return Status::InvalidArgument("limit must not be negative");
    limit = static_cast<size_t>(l);
  }
  if (!Param(params, "offset").empty()) {
    QUIVER_ASSIGN_OR_RETURN(int64_t o, ParseInteger("offset", Param(params, "offset")));
    if (o < 0) return Status::InvalidArgument("offset must not be negative");
    offset = static_cast<size_t>(o);
  }
  QueryOutcome outcome;
  for (const auto& name : args.output_fields) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "count(*)") outcome.count_only = true;
  }
  if (outcome.count_only && args.output_fields.size() > 1) {
    return Status::InvalidArgument("count(*) cannot be mixed with other output fields");
  }
  if (outcome.count_only && (limit || offset != 0)) {
    return Status::InvalidArgument("count entities with pagination is not allowed (count(*) takes no limit or offset)");
  }
  if (!outcome.count_only && args.filter.empty() && !limit) {
    return Status::InvalidArgument("empty expression should be used with limit");
  }
  if ((limit && *limit > static_cast<size_t>(kMaxTopK)) || offset > static_cast<size_t>(kMaxTopK) ||
      (limit && *limit + offset > static_cast<size_t>(kMaxTopK))) {
    return Status::InvalidArgument("invalid max query result window, (offset+limit) should be in range [1, 16384]")
        .WithDetail(ErrorDetail::kParameterTooLarge);
  }
  QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(args.filter, *c.schema, args.templates));
  if (!outcome.count_only) {
    QUIVER_ASSIGN_OR_RETURN(outcome.output, ResolveOutputFields(*c.schema, args.output_fields, /*include_pk=*/true));
  }
  cluster::QueryRequest query;
  QUIVER_ASSIGN_OR_RETURN(query.timestamp, ReadTimestamp(c, args.wait, &query.after));
  // A query iterator (pymilvus sends iterator=true and, after the first page, the first page's
  // session_ts as guarantee_timestamp) reads every page at one snapshot. Results are in
  // primary-key order, so its `pk > last` pages return each row once either way.
  const bool iterating = FlagSet(Param(params, "iterator"));
  if (iterating && args.guarantee_timestamp != 0) {
    query.timestamp = args.guarantee_timestamp;
  } else if (iterating && query.timestamp == kMaxTimestamp) {
    QUIVER_ASSIGN_OR_RETURN(query.timestamp, coord_->AllocTimestamp(1));
  }
  query.collection_id = c.id;
  query.partition_ids = args.partitions;
  query.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
  query.limit = limit;
  query.offset = offset;
  query.count_only = outcome.count_only;
  query.output_fields = outcome.output.field_ids;
  QUIVER_ASSIGN_OR_RETURN(cluster::QueryResult result, querynode_->Query(query));
  outcome.count = result.count;
  outcome.rows = result.rows;
  outcome.session_ts = query.timestamp == kMaxTimestamp ? 0 : query.timestamp;
  return outcome;
}

}  // namespace quiver::proxy
