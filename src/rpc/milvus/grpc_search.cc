// Search, hybrid search and query: the wire side. Requests are decoded into proxy/search.h
// types, run by the proxy, and the outcomes encoded back.

#include <cmath>
#include <deque>

#include "rpc/milvus/grpc_service.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

namespace {

std::map<std::string, std::string> ParamMap(const google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) out[kv.key()] = kv.value();
  return out;
}

// The vector types a placeholder may carry (Milvus numbers them as the field data types).
schema::DataType PlaceholderDataType(int type) {
  switch (type) {
    case pb::common::BinaryVector: return schema::DataType::kBinaryVector;
    case pb::common::FloatVector: return schema::DataType::kFloatVector;
    case pb::common::Float16Vector: return schema::DataType::kFloat16Vector;
    case pb::common::BFloat16Vector: return schema::DataType::kBFloat16Vector;
    case pb::common::SparseFloatVector: return schema::DataType::kSparseFloatVector;
    default: return schema::DataType::kNone;
  }
}

// One search request (or hybrid sub-request) as proxy::AnnSearch; the query vectors are views
// into `group`, which the caller keeps alive for the call.
Result<proxy::AnnSearch> AnnSearchOf(const pb::milvus::SearchRequest& request, pb::common::PlaceholderGroup* group) {
  proxy::AnnSearch ann;
  ann.params = ParamMap(request.search_params());
  if (request.search_input_case() == pb::milvus::SearchRequest::kIds) {
    return Status::NotSupported("search by primary keys is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
  }
  if (!group->ParseFromString(request.placeholder_group()) || group->placeholders_size() == 0) {
    return Status::InvalidArgument("placeholder group is missing or malformed");
  }
  if (group->placeholders_size() > 1) {
    return Status::InvalidArgument("a search takes one placeholder of query vectors, got " +
                                   std::to_string(group->placeholders_size()));
  }
  const pb::common::PlaceholderValue& holder = group->placeholders(0);
  if (holder.element_level()) {
    return Status::NotSupported("element-level search (Array of Struct fields) is not supported yet")
        .WithDetail(ErrorDetail::kUnimplemented);
  }
  ann.vectors.wire_type = holder.type();
  ann.vectors.type = PlaceholderDataType(holder.type());
  for (const std::string& value : holder.values()) ann.vectors.values.emplace_back(value);
  ann.nq = request.nq();
  ann.filter = request.dsl();
  QUIVER_ASSIGN_OR_RETURN(ann.templates, TemplatesFromProto(request.expr_template_values()));
  return ann;
}

proxy::ReadWait WaitOf(const cluster::CollectionInfo& collection, bool use_default, int32_t level) {
  proxy::ReadWait wait;
  wait.consistency_level = use_default ? collection.consistency_level : level;
  return wait;
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

grpc::Status MilvusServiceImpl::Search(CallContext* context, const pb::milvus::SearchRequest* request,
                                       pb::milvus::SearchResults* response) {
  return Run(context, "Search", *request, response->mutable_status(), [&]() -> Status {
    response->mutable_results();  // present even on errors and empty results
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));  // function_score, highlighter, ...
    QUIVER_RETURN_IF_ERROR(CheckSearchOptions(*request));
    proxy::SearchArgs args;
    QUIVER_ASSIGN_OR_RETURN(args.collection, LoadedCollection(context, request->db_name(), request->collection_name()));
    const cluster::CollectionInfo& c = *args.collection;
    response->set_collection_name(c.name);
    if (request->sub_reqs_size() > 0) {
      return Status::NotSupported("sub requests are not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    QUIVER_ASSIGN_OR_RETURN(args.partitions, ReadPartitions(c, request->partition_names()));
    args.output_fields.assign(request->output_fields().begin(), request->output_fields().end());
    pb::common::PlaceholderGroup group;
    QUIVER_ASSIGN_OR_RETURN(args.ann, AnnSearchOf(*request, &group));
    args.wait = WaitOf(c, request->use_default_consistency(), request->consistency_level());
    args.wait.budget = Budget(context, proxy_->options().consistency_timeout);
    args.wait.cancelled = Cancelled(context);
    QUIVER_ASSIGN_OR_RETURN(proxy::SearchOutcome outcome, proxy_->Search(args));
    ToProto(c, outcome.output, outcome.result, outcome.topk, outcome.round_decimal, response->mutable_results());
    response->set_session_ts(outcome.session_ts);
    if (outcome.iterator) {
      auto* info = response->mutable_results()->mutable_search_iterator_v2_results();
      info->set_token(outcome.iterator->token);
      info->set_last_bound(outcome.iterator->last_bound);
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
    proxy::HybridSearchArgs args;
    QUIVER_ASSIGN_OR_RETURN(args.collection, LoadedCollection(context, request->db_name(), request->collection_name()));
    const cluster::CollectionInfo& c = *args.collection;
    response->set_collection_name(c.name);
    if (request->requests_size() == 0) return Status::InvalidArgument("hybrid search needs at least one request");
    QUIVER_ASSIGN_OR_RETURN(args.partitions, ReadPartitions(c, request->partition_names()));
    args.output_fields.assign(request->output_fields().begin(), request->output_fields().end());
    args.rank_params = ParamMap(request->rank_params());
    std::deque<pb::common::PlaceholderGroup> groups;  // the sub-requests' query vectors, viewed by args
    for (const auto& sub : request->requests()) {
      QUIVER_ASSIGN_OR_RETURN(proxy::AnnSearch ann, AnnSearchOf(sub, &groups.emplace_back()));
      args.subs.push_back(std::move(ann));
    }
    args.wait = WaitOf(c, request->use_default_consistency(), request->consistency_level());
    args.wait.budget = Budget(context, proxy_->options().consistency_timeout);
    args.wait.cancelled = Cancelled(context);
    QUIVER_ASSIGN_OR_RETURN(proxy::SearchOutcome outcome, proxy_->HybridSearch(args));
    ToProto(c, outcome.output, outcome.result, outcome.topk, outcome.round_decimal, response->mutable_results());
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::Query(CallContext* context, const pb::milvus::QueryRequest* request,
                                      pb::milvus::QueryResults* response) {
  return Run(context, "Query", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    QUIVER_RETURN_IF_ERROR(CheckQueryOptions(*request));
    proxy::QueryArgs args;
    QUIVER_ASSIGN_OR_RETURN(args.collection, LoadedCollection(context, request->db_name(), request->collection_name()));
    const cluster::CollectionInfo& c = *args.collection;
    response->set_collection_name(c.name);
    response->set_primary_field_name(c.schema->PrimaryField()->name);
    QUIVER_ASSIGN_OR_RETURN(args.partitions, ReadPartitions(c, request->partition_names()));
    args.params = ParamMap(request->query_params());
    args.filter = request->expr();
    QUIVER_ASSIGN_OR_RETURN(args.templates, TemplatesFromProto(request->expr_template_values()));
    args.output_fields.assign(request->output_fields().begin(), request->output_fields().end());
    args.guarantee_timestamp = request->guarantee_timestamp();
    args.wait = WaitOf(c, request->use_default_consistency(), request->consistency_level());
    args.wait.budget = Budget(context, proxy_->options().consistency_timeout);
    args.wait.cancelled = Cancelled(context);
    QUIVER_ASSIGN_OR_RETURN(proxy::QueryOutcome outcome, proxy_->Query(args));
    if (outcome.count_only) {
      auto* f = response->add_fields_data();
      f->set_type(pb::schema::Int64);
      f->set_field_name("count(*)");
      f->mutable_scalars()->mutable_long_data()->add_data(static_cast<int64_t>(outcome.count));
      response->add_output_fields("count(*)");
      return Status::OK();
    }
    for (const auto& [field_id, column] : outcome.rows->columns) {
      ColumnToFieldData(*c.schema->FindFieldById(field_id), *column, outcome.output.dynamic_keys, response->add_fields_data());
    }
    for (const auto& name : outcome.output.names) response->add_output_fields(name);
    response->set_session_ts(outcome.session_ts);
    return Status::OK();
  });
}

}  // namespace quiver::rpc::milvus
