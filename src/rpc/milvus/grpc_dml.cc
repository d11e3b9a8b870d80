// Insert, upsert, delete and flush.

#include "rpc/milvus/grpc_service.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

Status MilvusServiceImpl::Mutate(CallContext* context, const std::string& db_name,
                                 const std::string& collection_name, const std::string& partition_name,
                                 const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields,
                                 uint32_t num_rows, bool upsert, pb::milvus::MutationResult* response) {
  QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, db_name, collection_name));
  QUIVER_ASSIGN_OR_RETURN(RowsIn rows, RowsFromFieldData(*c->schema, fields, num_rows, upsert,
                                                         [&](uint32_t n) { return proxy_->AllocIds(n); },
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
    QUIVER_ASSIGN_OR_RETURN(expr::TemplateValues templates, TemplatesFromProto(request->expr_template_values()));
    std::vector<segment::PrimaryKey> keys;
    QUIVER_ASSIGN_OR_RETURN(MutationOutcome outcome,
                            proxy_->DeleteWhere(*c, request->partition_name(), request->expr(), templates,
                                                Budget(context, proxy_->options().consistency_timeout), Cancelled(context), &keys));
    const schema::FieldSchema* pk = c->schema->PrimaryField();
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
      QUIVER_ASSIGN_OR_RETURN(auto flushed_at, proxy_->Flush(*c, Budget(context, proxy_->options().flush_timeout), Cancelled(context)));
      const auto& [ids, ts] = flushed_at;
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
    std::vector<cluster::CollectionPtr> collections;
    if (!request->collection_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
      collections.push_back(c);
    } else {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->ListAllCollections());
    }
    QUIVER_ASSIGN_OR_RETURN(bool flushed, proxy_->SegmentsFlushed(collections, {request->segmentids().begin(), request->segmentids().end()}));
    response->set_flushed(flushed);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::FlushAll(CallContext* context, const pb::milvus::FlushAllRequest* request,
                                         pb::milvus::FlushAllResponse* response) {
  return Run(context, "FlushAll", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    std::vector<cluster::CollectionPtr> collections;
    if (!request->db_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->ListCollections(request->db_name()));
    } else {
      QUIVER_ASSIGN_OR_RETURN(collections, proxy_->ListAllCollections());
    }
    for (const auto& c : collections) {
      QUIVER_RETURN_IF_ERROR(proxy_->Flush(*c, Budget(context, proxy_->options().flush_timeout), Cancelled(context)).status());
    }
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->AllocTimestamp());
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
