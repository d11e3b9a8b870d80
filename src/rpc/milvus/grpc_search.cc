// Search, hybrid search and query.

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "expr/binder.h"
#include "index/registry.h"
#include "index/vector_index.h"
#include "rpc/milvus/grpc_service.h"

#include "common/json_depth.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

using Json = nlohmann::json;

namespace {

constexpr int64_t kMaxTopK = 16384;

int PlaceholderTypeOf(schema::DataType type) {
  switch (type) {
    case schema::DataType::kBinaryVector: return pb::common::BinaryVector;
    case schema::DataType::kFloat16Vector: return pb::common::Float16Vector;
    case schema::DataType::kBFloat16Vector: return pb::common::BFloat16Vector;
    case schema::DataType::kSparseFloatVector: return pb::common::SparseFloatVector;
    default: return pb::common::FloatVector;
  }
}

Status DimensionMismatch(const schema::FieldSchema& field, size_t got) {
  return Status::InvalidArgument("the dimension of the query vector (" + std::to_string(got) +
                                 ") is not equal to the dimension of field " + field.name + " (" +
                                 std::to_string(field.dim) + ")");
}

// Reads the query vectors of `holder` for `field` into `request`: floats for FloatVector fields,
// the rows as the column stores them for the other types. Float16/BFloat16 fields also accept
// float32 queries (converted here).
Status ReadQueryVectors(const schema::FieldSchema& field, const pb::common::PlaceholderValue& holder,
                        cluster::SearchRequest* request) {
  using DT = schema::DataType;
  const size_t dim = static_cast<size_t>(field.dim);
  request->vector_type = field.type;
  request->dim = dim;
  const bool half = field.type == DT::kFloat16Vector || field.type == DT::kBFloat16Vector;
  const bool floats_for_half = half && holder.type() == pb::common::FloatVector;
  if (holder.type() != PlaceholderTypeOf(field.type) && !floats_for_half) {
    return Status::InvalidArgument("query vectors of placeholder type " + std::to_string(holder.type()) +
                                   " do not fit field " + field.name + " of type " +
                                   std::string(schema::DataTypeName(field.type)));
  }
  if (field.type == DT::kFloatVector || floats_for_half) {
    for (const std::string& value : holder.values()) {
      if (value.size() != dim * 4) return DimensionMismatch(field, value.size() / 4);
      const float* data = reinterpret_cast<const float*>(value.data());
      for (size_t d = 0; d < dim; ++d) {
        if (!std::isfinite(data[d])) return Status::InvalidArgument("query vector has a non-finite value");
      }
      if (field.type == DT::kFloatVector) {
        request->queries.insert(request->queries.end(), data, data + dim);
        continue;
      }
      for (size_t d = 0; d < dim; ++d) {
        uint16_t h = field.type == DT::kFloat16Vector ? index::FloatToHalf(data[d]) : index::FloatToBFloat16(data[d]);
        request->raw_queries.append(reinterpret_cast<const char*>(&h), 2);
      }
    }
    return Status::OK();
  }
  if (field.type == DT::kSparseFloatVector) {
    request->sparse_offsets.push_back(0);
    for (const std::string& value : holder.values()) {
      QUIVER_ASSIGN_OR_RETURN(std::string canonical, CanonicalSparseRow(value, "sparse query vector"));
      request->raw_queries += canonical;
      request->sparse_offsets.push_back(request->raw_queries.size());
    }
    return Status::OK();
  }
  const size_t row_bytes = field.type == DT::kBinaryVector ? dim / 8 : dim * 2;
  for (const std::string& value : holder.values()) {
    if (value.size() != row_bytes) {
      return DimensionMismatch(field, field.type == DT::kBinaryVector ? value.size() * 8 : value.size() / 2);
    }
    request->raw_queries += value;
  }
  return Status::OK();
}

std::map<std::string, std::string> ParamMap(const google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) out[kv.key()] = kv.value();
  return out;
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

// Milvus: round_decimal is -1 (no rounding) or a number of digits in [0, 6].
Status CheckRoundDecimal(int64_t round_decimal) {
  if (round_decimal < -1 || round_decimal > 6) {
    return Status::InvalidArgument("round_decimal " + std::to_string(round_decimal) +
                                   " is invalid, it should be -1 or an integer in range [0, 6]");
  }
  return Status::OK();
}

// Keys of a search request's search_params that the proxy handles itself; all others are index
// search parameters.
const std::set<std::string> kSearchRequestKeys = {
    "anns_field", "topk", "limit", "offset", "params", "metric_type", "round_decimal", "ignore_growing",
    "radius", "range_filter", "group_by_field", "group_size", "strict_group_size", "hints",
    // search iterator v2 (proxy/search_iterator.h)
    "iterator", "search_iter_v2", "search_iter_batch_size", "search_iter_id", "search_iter_last_bound",
    "guarantee_timestamp", "collection_id"};

// Picks hits out of one or more search results into a final result: per query, a list of
// (source, flat hit index) with the score to report.
struct Pick {
  size_t source;
  size_t index;
  float score;
};

cluster::SearchResult Select(const std::vector<const cluster::SearchResult*>& sources,
                             const std::vector<std::vector<Pick>>& picks, const std::vector<schema::FieldId>& fields,
                             const schema::CollectionSchema& schema) {
  cluster::SearchResult out;
  out.nq = picks.size();
  auto chunk = std::make_shared<schema::DataChunk>();
  std::vector<std::unique_ptr<schema::ColumnBuilder>> builders;
  for (schema::FieldId id : fields) {
    const schema::FieldSchema* f = schema.FindFieldById(id);
    builders.push_back(std::make_unique<schema::ColumnBuilder>(f->type, f->dim, f->element_type, f->nullable));
  }
  for (const auto& query : picks) {
    out.counts.push_back(query.size());
    for (const Pick& pick : query) {
      const cluster::SearchResult& src = *sources[pick.source];
      out.distances.push_back(pick.score);
      out.pks.push_back(src.pks[pick.index]);
      for (size_t f = 0; f < fields.size(); ++f) {
        const schema::ColumnChunk* column = src.fields ? src.fields->Find(fields[f]) : nullptr;
        if (column == nullptr) builders[f]->AppendNull();
        else builders[f]->AppendFrom(*column, pick.index);
      }
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) chunk->columns.emplace_back(fields[f], builders[f]->Build());
  chunk->rows = out.distances.size();
  out.fields = chunk;
  return out;
}

void ToProto(const cluster::CollectionInfo& collection, const OutputPlan& output, const cluster::SearchResult& result,
             size_t topk, int64_t round_decimal, pb::schema::SearchResultData* out) {
  const schema::FieldSchema* pk = collection.schema->PrimaryField();
  out->set_num_queries(static_cast<int64_t>(result.nq));
  out->set_top_k(static_cast<int64_t>(topk));
  for (size_t c : result.counts) out->add_topks(static_cast<int64_t>(c));
  for (float d : result.distances) {
    if (round_decimal >= 0) {
      double scale = std::pow(10.0, static_cast<double>(round_decimal));
      d = static_cast<float>(std::round(d * scale) / scale);
    }
    out->add_scores(d);
  }
  PrimaryKeysToIds(result.pks, pk->type != schema::DataType::kInt64, out->mutable_ids());
  if (result.fields) {
    for (const auto& [field_id, column] : result.fields->columns) {
      const schema::FieldSchema* f = collection.schema->FindFieldById(field_id);
      ColumnToFieldData(*f, *column, output.dynamic_keys, out->add_fields_data());
    }
  }
  for (const auto& name : output.names) out->add_output_fields(name);
  out->set_primary_field_name(pk->name);
}

}  // namespace

Result<MilvusServiceImpl::SearchOne> MilvusServiceImpl::ParseSearch(const cluster::CollectionInfo& collection,
                                                                    const pb::milvus::SearchRequest& request,
                                                                    const std::vector<int64_t>& partitions,
                                                                    const OutputPlan& output) {
  SearchOne one;
  auto params = ParamMap(request.search_params());
  // Vector field
  std::string anns = params["anns_field"];
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
  one.field = field;
  const cluster::IndexInfo* index = collection.FindIndexByField(field->id);
  if (index == nullptr) {
    return Status::FailedPrecondition("no index on vector field " + field->name).WithDetail(ErrorDetail::kIndexNotFound);
  }
  std::string metric = params["metric_type"];
  std::transform(metric.begin(), metric.end(), metric.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (!metric.empty() && metric != index->metric_type) {
    return Status::InvalidArgument("metric type not match: invalid parameter[expected=" + index->metric_type +
                                   "][actual=" + metric + "]");
  }
  auto parsed_metric = index::ParseMetric(index->metric_type);
  if (!parsed_metric) return Status::Internal("index has an unknown metric", index->metric_type);
  // topk / offset
  std::string topk_text = params.count("topk") ? params["topk"] : params["limit"];
  if (topk_text.empty()) return Status::InvalidArgument("topk not found in search_params").WithDetail(ErrorDetail::kParameterMissing);
  QUIVER_ASSIGN_OR_RETURN(int64_t topk, ParseInteger("topk", topk_text));
  int64_t offset = 0;
  if (params.count("offset") && !params["offset"].empty()) {
    QUIVER_ASSIGN_OR_RETURN(offset, ParseInteger("offset", params["offset"]));
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
  if (params.count("round_decimal") && !params["round_decimal"].empty()) {
    QUIVER_ASSIGN_OR_RETURN(one.round_decimal, ParseInteger("round_decimal", params["round_decimal"]));
    QUIVER_RETURN_IF_ERROR(CheckRoundDecimal(one.round_decimal));
  }
  for (const char* key : {"group_by_field", "group_size", "strict_group_size"}) {
    if (params.count(key) && !params[key].empty()) {
      return Status::NotSupported(std::string("grouping search (") + key + ") is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
  }
  if (params.count("hints") && !params["hints"].empty()) {
    return Status::NotSupported("search hints are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  if (params.count("ignore_growing")) {
    std::string flag = params["ignore_growing"];
    std::transform(flag.begin(), flag.end(), flag.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (flag == "true" || flag == "1") {
      return Status::NotSupported("ignore_growing is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    if (!flag.empty() && flag != "false" && flag != "0") return Status::InvalidArgument("ignore_growing must be true or false");
  }
  // Range search bounds, from the params JSON or flat keys.
  Json extra = Json::object();
  if (params.count("params") && !params["params"].empty()) {
    QUIVER_RETURN_IF_ERROR(CheckJsonNesting(params["params"], "search params"));
    extra = Json::parse(params["params"], nullptr, false);
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
    if (params.count(key) && !params[key].empty()) {
      QUIVER_ASSIGN_OR_RETURN(float f, ParseFiniteFloat(key, params[key]));
      return std::optional<float>(f);
    }
    return std::optional<float>();
  };
  QUIVER_ASSIGN_OR_RETURN(one.request.radius, number("radius"));
  QUIVER_ASSIGN_OR_RETURN(one.request.range_filter, number("range_filter"));
  // Search iterator v2: flat keys, or the params JSON when a client sends them only there.
  std::map<std::string, std::string> iterator_keys;
  for (const char* key : kSearchIteratorKeys) {
    if (params.count(key) && !params[key].empty()) {
      iterator_keys[key] = params[key];
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
    one.request.iterator = true;
    one.request.after_distance = one.iterator.last_bound;
    one.request.after_pk = one.iterator.last_pk;
  }
  // Query vectors
  if (request.search_input_case() == pb::milvus::SearchRequest::kIds) {
    return Status::NotSupported("search by primary keys is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  pb::common::PlaceholderGroup group;
  if (!group.ParseFromString(request.placeholder_group()) || group.placeholders_size() == 0) {
    return Status::InvalidArgument("placeholder group is missing or malformed");
  }
  if (group.placeholders_size() > 1) {
    return Status::InvalidArgument("a search takes one placeholder of query vectors, got " +
                                   std::to_string(group.placeholders_size()));
  }
  const pb::common::PlaceholderValue& holder = group.placeholders(0);
  if (holder.element_level()) {
    return Status::NotSupported("element-level search (Array of Struct fields) is not supported yet")
        .WithDetail(ErrorDetail::kUnimplemented);
  }
  if (request.nq() != 0 && request.nq() != holder.values_size()) {
    return Status::InvalidArgument("nq (" + std::to_string(request.nq()) + ") does not match the number of query vectors (" +
                                   std::to_string(holder.values_size()) + ")");
  }
  if (holder.values_size() == 0 || holder.values_size() > kMaxTopK) {
    return Status::InvalidArgument("nq [" + std::to_string(holder.values_size()) + "] is invalid, it should be in range [1, 16384]");
  }
  QUIVER_RETURN_IF_ERROR(ReadQueryVectors(*field, holder, &one.request));
  if (one.iterator.enabled && holder.values_size() != 1) {
    return Status::InvalidArgument("a search iterator takes one query vector, got " + std::to_string(holder.values_size()));
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
  QUIVER_ASSIGN_OR_RETURN(expr::TemplateValues templates, TemplatesFromProto(request.expr_template_values()));
  QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(request.dsl(), *collection.schema, templates));
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

grpc::Status MilvusServiceImpl::Search(CallContext* context, const pb::milvus::SearchRequest* request,
                                       pb::milvus::SearchResults* response) {
  return Run(context, "Search", *request, response->mutable_status(), [&]() -> Status {
    response->mutable_results();  // present even on errors and empty results
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));  // function_score, highlighter, ...
    QUIVER_RETURN_IF_ERROR(CheckSearchOptions(*request));
    QUIVER_ASSIGN_OR_RETURN(auto c, LoadedCollection(context, request->db_name(), request->collection_name()));
    response->set_collection_name(c->name);
    if (request->sub_reqs_size() > 0) {
      return Status::NotSupported("sub requests are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> partitions, ReadPartitions(*c, request->partition_names()));
    QUIVER_ASSIGN_OR_RETURN(OutputPlan output, proxy_->ResolveOutputFields(
                                                   *c->schema, {request->output_fields().begin(), request->output_fields().end()},
                                                   /*include_pk=*/true));
    QUIVER_ASSIGN_OR_RETURN(SearchOne one, ParseSearch(*c, *request, partitions, output));
    int32_t level = request->use_default_consistency() ? c->consistency_level : request->consistency_level();
    QUIVER_ASSIGN_OR_RETURN(one.request.timestamp, proxy_->ReadTimestamp(*c, level, Budget(context, proxy_->options().consistency_timeout), Cancelled(context)));
    if (one.iterator.enabled) {
      // Later pages read at the first page's snapshot; the first page pins one (an Eventually
      // read too), so rows inserted meanwhile do not shift the pages.
      if (one.iterator.snapshot != 0) {
        one.request.timestamp = one.iterator.snapshot;
      } else if (one.request.timestamp == kMaxTimestamp) {
        QUIVER_ASSIGN_OR_RETURN(one.request.timestamp, proxy_->coord()->AllocTimestamp(1));
      }
    }
    QUIVER_ASSIGN_OR_RETURN(cluster::SearchResult found, proxy_->querynode()->Search(one.request));
    // Apply the offset per query.
    std::vector<std::vector<Pick>> picks(found.nq);
    size_t flat = 0;
    for (size_t q = 0; q < found.nq; ++q) {
      for (size_t i = 0; i < found.counts[q]; ++i, ++flat) {
        if (i >= one.offset && picks[q].size() < one.topk) picks[q].push_back({0, flat, found.distances[flat]});
      }
    }
    cluster::SearchResult final = Select({&found}, picks, output.field_ids, *c->schema);
    ToProto(*c, output, final, one.topk, one.round_decimal, response->mutable_results());
    response->set_session_ts(one.request.timestamp == kMaxTimestamp ? 0 : one.request.timestamp);
    if (one.iterator.enabled) {
      // The cursor moves to the page's last hit (unrounded); an empty page keeps it.
      std::string id = one.iterator.id.empty() ? NewSearchIteratorId() : one.iterator.id;
      float bound = one.iterator.last_bound.value_or(0);
      std::optional<segment::PrimaryKey> last = one.iterator.last_pk;
      if (!final.pks.empty()) {
        bound = final.distances.back();
        last = final.pks.back();
      }
      auto* info = response->mutable_results()->mutable_search_iterator_v2_results();
      info->set_token(EncodeSearchIteratorToken(id, bound, last));
      info->set_last_bound(bound);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::HybridSearch(CallContext* context, const pb::milvus::HybridSearchRequest* request,
                                             pb::milvus::SearchResults* response) {
  return Run(context, "HybridSearch", *request, response->mutable_status(), [&]() -> Status {
    response->mutable_results();
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));  // function_score rerankers, ...
    QUIVER_RETURN_IF_ERROR(CheckHybridSearchOptions(*request));
    QUIVER_ASSIGN_OR_RETURN(auto c, LoadedCollection(context, request->db_name(), request->collection_name()));
    response->set_collection_name(c->name);
    if (request->requests_size() == 0) return Status::InvalidArgument("hybrid search needs at least one request");
    QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> partitions, ReadPartitions(*c, request->partition_names()));
    QUIVER_ASSIGN_OR_RETURN(OutputPlan output, proxy_->ResolveOutputFields(
                                                   *c->schema, {request->output_fields().begin(), request->output_fields().end()},
                                                   /*include_pk=*/true));
    auto rank = ParamMap(request->rank_params());
    if (rank.count("params")) QUIVER_RETURN_IF_ERROR(CheckJsonNesting(rank["params"], "rank params"));
    std::string strategy = rank.count("strategy") ? rank["strategy"] : "rrf";
    Json rank_json = rank.count("params") && !rank["params"].empty() ? Json::parse(rank["params"], nullptr, false) : Json::object();
    if (rank_json.is_discarded()) return Status::InvalidArgument("rank params is not JSON");
    QUIVER_ASSIGN_OR_RETURN(int64_t limit, ParseInteger("limit", rank.count("limit") ? rank["limit"] : std::string("10")));
    int64_t offset = 0;
    if (rank.count("offset") && !rank["offset"].empty()) {
      QUIVER_ASSIGN_OR_RETURN(offset, ParseInteger("offset", rank["offset"]));
    }
    int64_t round_decimal = -1;
    if (rank.count("round_decimal") && !rank["round_decimal"].empty()) {
      QUIVER_ASSIGN_OR_RETURN(round_decimal, ParseInteger("round_decimal", rank["round_decimal"]));
      QUIVER_RETURN_IF_ERROR(CheckRoundDecimal(round_decimal));
    }
    if (offset < 0) return Status::InvalidArgument("offset [" + std::to_string(offset) + "] is invalid, it must not be negative");
    if (limit <= 0 || limit > kMaxTopK || offset > kMaxTopK - limit) {
      return Status::InvalidArgument("limit+offset should be in range [1, 16384], but got limit " + std::to_string(limit) +
                                     " and offset " + std::to_string(offset));
    }
    int32_t level = request->use_default_consistency() ? c->consistency_level : request->consistency_level();
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->ReadTimestamp(*c, level, Budget(context, proxy_->options().consistency_timeout), Cancelled(context)));
    std::vector<cluster::SearchResult> results;
    std::vector<index::MetricType> metrics;
    size_t nq = 0;
    for (const auto& sub : request->requests()) {
      QUIVER_ASSIGN_OR_RETURN(SearchOne one, ParseSearch(*c, sub, partitions, output));
      if (one.iterator.enabled) return Status::NotSupported("search iterators do not support hybrid search");
      one.request.timestamp = ts;
      QUIVER_ASSIGN_OR_RETURN(cluster::SearchResult found, proxy_->querynode()->Search(one.request));
      if (!results.empty() && found.nq != nq) return Status::InvalidArgument("all hybrid sub-requests need the same nq");
      nq = found.nq;
      results.push_back(std::move(found));
      metrics.push_back(one.request.metric);
    }
    std::vector<double> weights;
    double k = 60;
    if (!rank_json.is_object()) return Status::InvalidArgument("rank params is not a JSON object");
    for (const auto& [key, value] : rank_json.items()) {
      bool known = strategy == "weighted" ? key == "weights" || key == "norm_score" : key == "k";
      if (!known) {
        return Status::InvalidArgument("rank param " + key.substr(0, 64) + " is not a parameter of the " + strategy.substr(0, 64) +
                                       " ranker (" + (strategy == "weighted" ? "weights, norm_score" : "k") + ")");
      }
    }
    if (strategy == "weighted") {
      if (!rank_json.contains("weights") || !rank_json["weights"].is_array()) {
        return Status::InvalidArgument("weighted ranker needs params.weights");
      }
      if (rank_json.contains("norm_score")) {
        const Json& norm = rank_json["norm_score"];
        if (!norm.is_boolean()) return Status::InvalidArgument("weighted ranker norm_score must be true or false");
        if (!norm.get<bool>()) {
          return Status::NotSupported("weighted ranker with norm_score false is not supported yet: scores are always "
                                      "normalised (arctan for IP and L2, (1+x)/2 for COSINE)")
              .WithDetail(ErrorDetail::kUnimplemented);
        }
      }
      for (const auto& w : rank_json["weights"]) {
        if (!w.is_number() || !std::isfinite(w.get<double>())) {
          return Status::InvalidArgument("weighted ranker weights must be finite numbers, got " + w.dump().substr(0, 64));
        }
        weights.push_back(w.get<double>());
      }
      if (weights.size() != results.size()) {
        return Status::InvalidArgument("the number of weights (" + std::to_string(weights.size()) +
                                       ") does not match the number of search requests (" + std::to_string(results.size()) + ")");
      }
    } else if (strategy == "rrf") {
      if (rank_json.contains("k")) {
        if (!rank_json["k"].is_number()) return Status::InvalidArgument("rrf k must be a number, got " + rank_json["k"].dump().substr(0, 64));
        k = rank_json["k"].get<double>();
      }
      if (k <= 0 || k >= 16384) return Status::InvalidArgument("rrf k should be in range (0, 16384)");
    } else {
      return Status::InvalidArgument("unknown reranker strategy " + strategy);
    }
    // Fuse per query: score each primary key across the sub results.
    std::vector<const cluster::SearchResult*> sources;
    for (const auto& r : results) sources.push_back(&r);
    std::vector<std::vector<Pick>> picks(nq);
    std::vector<size_t> base(results.size(), 0);
    for (size_t q = 0; q < nq; ++q) {
      std::unordered_map<segment::PrimaryKey, std::pair<double, Pick>, segment::PrimaryKeyHash> fused;
      std::vector<segment::PrimaryKey> order;
      for (size_t s = 0; s < results.size(); ++s) {
        const auto& r = results[s];
        for (size_t i = 0; i < r.counts[q]; ++i) {
          size_t idx = base[s] + i;
          double contribution;
          if (strategy == "rrf") {
            contribution = 1.0 / (k + static_cast<double>(i + 1));
          } else {
            double x = r.distances[idx];
            double norm = metrics[s] == index::MetricType::kIP       ? 0.5 + std::atan(x) / M_PI
                          : metrics[s] == index::MetricType::kCosine ? (1.0 + x) / 2.0
                                                                     : 1.0 - 2.0 * std::atan(x) / M_PI;
            contribution = weights[s] * norm;
          }
          auto [it, inserted] = fused.try_emplace(r.pks[idx], 0.0, Pick{s, idx, 0});
          if (inserted) order.push_back(r.pks[idx]);
          it->second.first += contribution;
        }
      }
      for (size_t s = 0; s < results.size(); ++s) base[s] += results[s].counts[q];
      std::vector<std::pair<double, Pick>> ranked;
      for (const auto& pk : order) ranked.push_back(fused[pk]);
      std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      for (size_t i = static_cast<size_t>(offset); i < ranked.size() && picks[q].size() < static_cast<size_t>(limit); ++i) {
        Pick p = ranked[i].second;
        p.score = static_cast<float>(ranked[i].first);
        picks[q].push_back(p);
      }
    }
    cluster::SearchResult final = Select(sources, picks, output.field_ids, *c->schema);
    ToProto(*c, output, final, static_cast<size_t>(limit), round_decimal, response->mutable_results());
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::Query(CallContext* context, const pb::milvus::QueryRequest* request,
                                      pb::milvus::QueryResults* response) {
  return Run(context, "Query", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    QUIVER_RETURN_IF_ERROR(CheckQueryOptions(*request));
    QUIVER_ASSIGN_OR_RETURN(auto c, LoadedCollection(context, request->db_name(), request->collection_name()));
    response->set_collection_name(c->name);
    const schema::FieldSchema* pk = c->schema->PrimaryField();
    response->set_primary_field_name(pk->name);
    QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> partitions, ReadPartitions(*c, request->partition_names()));
    auto params = ParamMap(request->query_params());
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
    if (params.count("ignore_growing") && FlagSet(params["ignore_growing"])) {
      return Status::NotSupported("ignore_growing is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    if (params.count("collection_id") && !params["collection_id"].empty() &&
        params["collection_id"] != std::to_string(c->id)) {
      return Status::InvalidArgument("collection_id " + params["collection_id"].substr(0, 32) + " is not the id of " + c->name);
    }
    std::optional<size_t> limit;
    size_t offset = 0;
    if (params.count("limit") && !params["limit"].empty()) {
      QUIVER_ASSIGN_OR_RETURN(int64_t l, ParseInteger("limit", params["limit"]));
      if (l < 0) return Status::InvalidArgument("limit must not be negative");
      limit = static_cast<size_t>(l);
    }
    if (params.count("offset") && !params["offset"].empty()) {
      QUIVER_ASSIGN_OR_RETURN(int64_t o, ParseInteger("offset", params["offset"]));
      if (o < 0) return Status::InvalidArgument("offset must not be negative");
      offset = static_cast<size_t>(o);
    }
    std::vector<std::string> requested(request->output_fields().begin(), request->output_fields().end());
    bool count_only = false;
    for (const auto& name : requested) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (lower == "count(*)") count_only = true;
    }
    if (count_only && requested.size() > 1) return Status::InvalidArgument("count(*) cannot be mixed with other output fields");
    if (!count_only && request->expr().empty() && !limit) {
      return Status::InvalidArgument("empty expression should be used with limit");
    }
    if ((limit && *limit > static_cast<size_t>(kMaxTopK)) || offset > static_cast<size_t>(kMaxTopK) ||
        (limit && *limit + offset > static_cast<size_t>(kMaxTopK))) {
      return Status::InvalidArgument("invalid max query result window, (offset+limit) should be in range [1, 16384]")
          .WithDetail(ErrorDetail::kParameterTooLarge);
    }
    QUIVER_ASSIGN_OR_RETURN(expr::TemplateValues templates, TemplatesFromProto(request->expr_template_values()));
    QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(request->expr(), *c->schema, templates));
    OutputPlan output;
    if (!count_only) {
      QUIVER_ASSIGN_OR_RETURN(output, proxy_->ResolveOutputFields(*c->schema, requested, /*include_pk=*/true));
    }
    int32_t level = request->use_default_consistency() ? c->consistency_level : request->consistency_level();
    cluster::QueryRequest query;
    QUIVER_ASSIGN_OR_RETURN(query.timestamp, proxy_->ReadTimestamp(*c, level, Budget(context, proxy_->options().consistency_timeout), Cancelled(context)));
    // A query iterator (pymilvus sends iterator=true and, after the first page, the first page's
    // session_ts as guarantee_timestamp) reads every page at one snapshot. Results are in
    // primary-key order, so its `pk > last` pages return each row once either way.
    const bool iterating = params.count("iterator") && FlagSet(params["iterator"]);
    if (iterating && request->guarantee_timestamp() != 0) {
      query.timestamp = request->guarantee_timestamp();
    } else if (iterating && query.timestamp == kMaxTimestamp) {
      QUIVER_ASSIGN_OR_RETURN(query.timestamp, proxy_->coord()->AllocTimestamp(1));
    }
    query.collection_id = c->id;
    query.partition_ids = partitions;
    query.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
    query.limit = limit;
    query.offset = offset;
    query.count_only = count_only;
    query.output_fields = output.field_ids;
    QUIVER_ASSIGN_OR_RETURN(cluster::QueryResult result, proxy_->querynode()->Query(query));
    if (count_only) {
      auto* f = response->add_fields_data();
      f->set_type(pb::schema::Int64);
      f->set_field_name("count(*)");
      f->mutable_scalars()->mutable_long_data()->add_data(static_cast<int64_t>(result.count));
      response->add_output_fields("count(*)");
      return Status::OK();
    }
    for (const auto& [field_id, column] : result.rows->columns) {
      ColumnToFieldData(*c->schema->FindFieldById(field_id), *column, output.dynamic_keys, response->add_fields_data());
    }
    for (const auto& name : output.names) response->add_output_fields(name);
    response->set_session_ts(query.timestamp == kMaxTimestamp ? 0 : query.timestamp);
    return Status::OK();
  });
}

}  // namespace quiver::rpc::milvus
