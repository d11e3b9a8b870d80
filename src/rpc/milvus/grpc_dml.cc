// Insert, upsert, delete and flush.

#include <set>

#include "expr/binder.h"
#include "cluster/errors.h"
#include "rpc/milvus/grpc_service.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

namespace {

// Primary keys named by `pk in [...]` or `pk == v`; nullopt for any other filter.
std::optional<std::vector<segment::PrimaryKey>> DirectKeys(const expr::PlanNode& plan, const schema::FieldSchema& pk) {
  auto is_pk = [&](const expr::PlanNode& n) {
    return n.kind == expr::PlanNode::Kind::kColumn && n.field_id == pk.id && n.path.empty();
  };
  std::vector<expr::Literal> values;
  if (plan.kind == expr::PlanNode::Kind::kIn && !plan.negated && is_pk(*plan.children[0])) {
    values = plan.values;
  } else if (plan.kind == expr::PlanNode::Kind::kCompare && plan.op == expr::BinaryOp::kEq) {
    if (is_pk(*plan.children[0]) && plan.children[1]->kind == expr::PlanNode::Kind::kConstant) {
      values.push_back(plan.children[1]->literal);
    } else if (is_pk(*plan.children[1]) && plan.children[0]->kind == expr::PlanNode::Kind::kConstant) {
      values.push_back(plan.children[0]->literal);
    } else {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  std::vector<segment::PrimaryKey> keys;
  std::set<segment::PrimaryKey> seen;
  for (const auto& v : values) {
    segment::PrimaryKey key;
    if (pk.type == schema::DataType::kInt64 && v.is_int()) key = std::get<int64_t>(v.value);
    else if (pk.type != schema::DataType::kInt64 && v.is_string()) key = std::get<std::string>(v.value);
    else continue;  // a value of another type matches no row
    if (seen.insert(key).second) keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace

Status MilvusServiceImpl::Mutate(CallContext* context, const std::string& db_name,
                                 const std::string& collection_name, const std::string& partition_name,
                                 const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields,
                                 uint32_t num_rows, bool upsert, pb::milvus::MutationResult* response) {
  QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, db_name, collection_name));
  QUIVER_ASSIGN_OR_RETURN(RowsIn rows, RowsFromFieldData(*c->schema, fields, num_rows, upsert,
                                                         [&](uint32_t n) { return proxy_->coord()->AllocIds(n); },
                                                         RowLimits{proxy_->options().max_json_bytes}));
  QUIVER_ASSIGN_OR_RETURN(MutationOutcome outcome, proxy_->Write(*c, partition_name, rows, upsert));
  PrimaryKeysToIds(rows.pks, c->schema->PrimaryField()->type != schema::DataType::kInt64, response->mutable_ids());
  for (size_t i = 0; i < outcome.count; ++i) response->add_succ_index(static_cast<uint32_t>(i));
  if (upsert) response->set_upsert_cnt(static_cast<int64_t>(outcome.count));
  else response->set_insert_cnt(static_cast<int64_t>(outcome.count));
  response->set_timestamp(outcome.timestamp);
  return Status::OK();
}

grpc::Status MilvusServiceImpl::Insert(CallContext* context, const pb::milvus::InsertRequest* request,
                                       pb::milvus::MutationResult* response) {
  return Run(context, "Insert", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    QUIVER_RETURN_IF_ERROR(CheckMutationOptions(request->hash_keys(), request->namespace_()));
    return Mutate(context, request->db_name(), request->collection_name(), request->partition_name(),
                  request->fields_data(), request->num_rows(), false, response);
  });
}

grpc::Status MilvusServiceImpl::Upsert(CallContext* context, const pb::milvus::UpsertRequest* request,
                                       pb::milvus::MutationResult* response) {
  return Run(context, "Upsert", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    QUIVER_RETURN_IF_ERROR(CheckMutationOptions(request->hash_keys(), request->namespace_()));
    if (request->partial_update()) {
      return Status::NotSupported("partial update is not supported yet").WithDetail(ErrorDetail::kUnimplemented);
    }
    return Mutate(context, request->db_name(), request->collection_name(), request->partition_name(),
                  request->fields_data(), request->num_rows(), true, response);
  });
}

grpc::Status MilvusServiceImpl::Delete(CallContext* context, const pb::milvus::DeleteRequest* request,
                                       pb::milvus::MutationResult* response) {
  return Run(context, "Delete", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    QUIVER_RETURN_IF_ERROR(CheckMutationOptions(request->hash_keys(), ""));
    QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
    if (request->expr().empty()) return Status::InvalidArgument("delete expression is empty");
    if (!request->partition_name().empty() && c->FindPartition(request->partition_name()) == nullptr) {
      return cluster::PartitionNotFound(request->partition_name());
    }
    QUIVER_ASSIGN_OR_RETURN(expr::TemplateValues templates, TemplatesFromProto(request->expr_template_values()));
    QUIVER_ASSIGN_OR_RETURN(expr::PlanPtr plan, expr::CompileFilter(request->expr(), *c->schema, templates));
    if (plan == nullptr) return Status::InvalidArgument("delete expression is empty");
    const schema::FieldSchema* pk = c->schema->PrimaryField();
    std::vector<segment::PrimaryKey> keys;
    if (auto direct = DirectKeys(*plan, *pk)) {
      keys = std::move(*direct);
    } else {
      // A general filter: find the matching keys with a query (needs the collection loaded).
      if (!c->loaded()) {
        return Status::FailedPrecondition("collection not loaded[collection=" + c->name +
                                          "]: deleting by a filter other than a primary key list needs a loaded collection")
            .WithDetail(ErrorDetail::kCollectionNotLoaded);
      }
      QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->ReadTimestamp(*c, 0, Budget(context, proxy_->options().consistency_timeout), Cancelled(context)));
      cluster::QueryRequest query;
      query.collection_id = c->id;
      query.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
      query.timestamp = ts;
      query.output_fields = {pk->id};
      if (!request->partition_name().empty()) query.partition_ids = {c->FindPartition(request->partition_name())->id};
      QUIVER_ASSIGN_OR_RETURN(cluster::QueryResult found, proxy_->querynode()->Query(query));
      const schema::ColumnChunk* column = found.rows->Find(pk->id);
      for (size_t r = 0; column != nullptr && r < column->rows; ++r) keys.push_back(segment::PrimaryKeyAt(*column, r));
    }
    MutationOutcome outcome;
    if (!keys.empty()) {
      QUIVER_ASSIGN_OR_RETURN(outcome, proxy_->Delete(*c, keys));
    } else {
      QUIVER_ASSIGN_OR_RETURN(outcome.timestamp, proxy_->coord()->AllocTimestamp(1));
    }
    PrimaryKeysToIds(keys, pk->type != schema::DataType::kInt64, response->mutable_ids());
    response->set_delete_cnt(static_cast<int64_t>(keys.size()));
    response->set_timestamp(outcome.timestamp);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::Flush(CallContext* context, const pb::milvus::FlushRequest* request,
                                      pb::milvus::FlushResponse* response) {
  return Run(context, "Flush", *request, response->mutable_status(), [&]() -> Status {
    std::string db = Database(context, request->db_name());
    response->set_db_name(db);
    for (const auto& name : request->collection_names()) {
      QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), name));
      QUIVER_ASSIGN_OR_RETURN(auto ids, proxy_->datanode()->Flush(c->id, Budget(context, proxy_->options().flush_timeout), Cancelled(context)));
      QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->coord()->AllocTimestamp(1));
      auto& seg_ids = (*response->mutable_coll_segids())[name];
      auto& flushed = (*response->mutable_flush_coll_segids())[name];
      for (auto id : ids) {
        seg_ids.add_data(id);
        flushed.add_data(id);
      }
      (*response->mutable_coll_seal_times())[name] = static_cast<int64_t>(PhysicalMs(ts) / 1000);
      (*response->mutable_coll_flush_ts())[name] = ts;
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetFlushState(CallContext* context, const pb::milvus::GetFlushStateRequest* request,
                                              pb::milvus::GetFlushStateResponse* response) {
  return Run(context, "GetFlushState", *request, response->mutable_status(), [&]() -> Status {
    std::set<int64_t> flushed;
    std::vector<cluster::CollectionPtr> collections;
    if (!request->collection_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
      collections.push_back(c);
    } else {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->coord()->ListAllCollections());
    }
    for (const auto& c : collections) {
      QUIVER_ASSIGN_OR_RETURN(auto segments, proxy_->coord()->GetSegments(c->id));
      for (const auto& s : segments.segments) flushed.insert(s.id);
    }
    bool all = true;
    for (int64_t id : request->segmentids()) all = all && flushed.count(id) > 0;
    response->set_flushed(all);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::FlushAll(CallContext* context, const pb::milvus::FlushAllRequest* request,
                                         pb::milvus::FlushAllResponse* response) {
  return Run(context, "FlushAll", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    std::vector<cluster::CollectionPtr> collections;
    if (!request->db_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->coord()->ListCollections(request->db_name()));
    } else {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->coord()->ListAllCollections());
    }
    for (const auto& c : collections) {
      QUIVER_RETURN_IF_ERROR(proxy_->datanode()->Flush(c->id, Budget(context, proxy_->options().flush_timeout), Cancelled(context)).status());
    }
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->coord()->AllocTimestamp(1));
    response->set_flush_all_ts(ts);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetFlushAllState(CallContext* context, const pb::milvus::GetFlushAllStateRequest* request,
                                                 pb::milvus::GetFlushAllStateResponse* response) {
  // FlushAll returns only after every collection is flushed.
  return Run(context, "GetFlushAllState", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    response->set_flushed(true);
    return Status::OK();
  });
}

}  // namespace quiver::rpc::milvus
