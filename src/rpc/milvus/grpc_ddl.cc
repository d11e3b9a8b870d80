// Collections, partitions, aliases, databases, indexes and load state.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "index/distance.h"
#include "index/registry.h"
#include "cluster/errors.h"
#include "rpc/milvus/grpc_service.h"

#include "common/json_depth.h"
#include "rpc/milvus/options.h"

namespace quiver::rpc::milvus {

using schema::DataType;
using Json = nlohmann::json;

namespace {

std::vector<std::string> ToVector(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}


}  // namespace

grpc::Status MilvusServiceImpl::CreateCollection(CallContext* context,
                                                 const pb::milvus::CreateCollectionRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "CreateCollection", *request, response, [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckKnownFields(*request));
    pb::schema::CollectionSchema proto;
    if (!proto.ParseFromString(request->schema())) return Status::InvalidArgument("schema is not a valid CollectionSchema");
    std::string db = Database(context, request->db_name());
    if (!proto.dbname().empty() && proto.dbname() != db) {
      return Status::InvalidArgument("schema dbName [" + proto.dbname() + "] does not match the request's database [" + db + "]");
    }
    if (proto.name().empty()) proto.set_name(request->collection_name());
    if (!request->collection_name().empty() && proto.name() != request->collection_name()) {
      return Status::InvalidArgument("collection name [" + request->collection_name() + "] does not match schema name [" +
                                     proto.name() + "]");
    }
    proxy::CollectionRequest collection;
    QUIVER_ASSIGN_OR_RETURN(collection.schema, SchemaFromProto(proto));
    collection.shards_num = request->shards_num();
    collection.consistency_level = request->consistency_level();
    collection.properties = KeyValuesFromProto(request->properties());
    collection.num_partitions = request->num_partitions();
    return proxy_->CreateCollection(db, std::move(collection));
  });
}

grpc::Status MilvusServiceImpl::DropCollection(CallContext* context,
                                               const pb::milvus::DropCollectionRequest* request,
                                               pb::common::Status* response) {
  return Run(context, "DropCollection", *request, response, [&]() -> Status {
    return proxy_->DropCollection(Database(context, request->db_name()), request->collection_name());
  });
}

grpc::Status MilvusServiceImpl::HasCollection(CallContext* context,
                                              const pb::milvus::HasCollectionRequest* request,
                                              pb::milvus::BoolResponse* response) {
  return Run(context, "HasCollection", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request->time_stamp(), "time_stamp"));
    QUIVER_ASSIGN_OR_RETURN(bool has, proxy_->HasCollection(Database(context, request->db_name()), request->collection_name()));
    response->set_value(has);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::DescribeCollection(CallContext* context,
                                                   const pb::milvus::DescribeCollectionRequest* request,
                                                   pb::milvus::DescribeCollectionResponse* response) {
  return Run(context, "DescribeCollection", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request->time_stamp(), "time_stamp"));
    cluster::CollectionPtr c;
    if (request->collection_name().empty() && request->collectionid() != 0) {
      QUIVER_ASSIGN_OR_RETURN(c, proxy_->DescribeCollectionById(request->collectionid()));
    } else {
      QUIVER_ASSIGN_OR_RETURN(c, Collection(context, request->db_name(), request->collection_name()));
    }
    SchemaToProto(*c->schema, response->mutable_schema());
    response->mutable_schema()->set_name(c->name);
    response->set_collectionid(c->id);
    for (const auto& ch : c->channels) {
      response->add_virtual_channel_names(ch.name);
      response->add_physical_channel_names(ch.name.substr(0, ch.name.rfind('v')));
    }
    response->set_created_timestamp(c->created_ts);
    response->set_created_utc_timestamp(PhysicalMs(c->created_ts));
    response->set_shards_num(c->shards);
    for (const auto& a : c->aliases) response->add_aliases(a);
    response->set_consistency_level(static_cast<pb::common::ConsistencyLevel>(c->consistency_level));
    response->set_collection_name(c->name);
    KeyValuesToProto(c->properties, response->mutable_properties());
    response->set_db_name(c->db_name);
    response->set_num_partitions(c->num_partitions > 0 ? c->num_partitions : static_cast<int64_t>(c->partitions.size()));
    response->set_db_id(c->db_id);
    response->set_update_timestamp(c->updated_ts);
    response->set_update_timestamp_str(std::to_string(c->updated_ts));
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::ShowCollections(CallContext* context,
                                                const pb::milvus::ShowCollectionsRequest* request,
                                                pb::milvus::ShowCollectionsResponse* response) {
  return Run(context, "ShowCollections", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request->time_stamp(), "time_stamp"));
    std::string db = Database(context, request->db_name());
    QUIVER_ASSIGN_OR_RETURN(auto all, proxy_->ListCollections(db));
    std::vector<std::string> only = ToVector(request->collection_names());
    Identity caller = Caller(context);
    for (const auto& c : all) {
      if (request->type() == pb::milvus::InMemory && !c->loaded()) continue;
      if (!only.empty() && std::find(only.begin(), only.end(), c->name) == only.end()) continue;
      if (!access_->SeesCollection(caller, db, c->name)) continue;  // Milvus lists only what the user may use
      response->add_collection_names(c->name);
      response->add_collection_ids(c->id);
      response->add_created_timestamps(c->created_ts);
      response->add_created_utc_timestamps(PhysicalMs(c->created_ts));
      response->add_inmemory_percentages(c->loaded() ? 100 : 0);
      response->add_query_service_available(c->loaded());
      response->add_shards_num(c->shards);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetCollectionStatistics(CallContext* context,
                                                        const pb::milvus::GetCollectionStatisticsRequest* request,
                                                        pb::milvus::GetCollectionStatisticsResponse* response) {
  return Run(context, "GetCollectionStatistics", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(size_t rows,
                            proxy_->RowCountOf(Database(context, request->db_name()), request->collection_name(), ""));
    auto* kv = response->add_stats();
    kv->set_key("row_count");
    kv->set_value(std::to_string(rows));
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::AlterCollection(CallContext* context,
                                                const pb::milvus::AlterCollectionRequest* request,
                                                pb::common::Status* response) {
  return Run(context, "AlterCollection", *request, response, [&]() -> Status {
    return proxy_->AlterCollection(Database(context, request->db_name()), request->collection_name(),
                                            KeyValuesFromProto(request->properties()), ToVector(request->delete_keys()));
  });
}

grpc::Status MilvusServiceImpl::RenameCollection(CallContext* context,
                                                 const pb::milvus::RenameCollectionRequest* request,
                                                 pb::common::Status* response) {
  return Run(context, "RenameCollection", *request, response, [&]() -> Status {
    return proxy_->RenameCollection(Database(context, request->db_name()), request->oldname(),
                                             request->newdbname(), request->newname());
  });
}

// ---- partitions

grpc::Status MilvusServiceImpl::CreatePartition(CallContext* context,
                                                const pb::milvus::CreatePartitionRequest* request,
                                                pb::common::Status* response) {
  return Run(context, "CreatePartition", *request, response, [&]() -> Status {
    return proxy_->CreatePartition(Database(context, request->db_name()), request->collection_name(),
                                   request->partition_name());
  });
}

grpc::Status MilvusServiceImpl::DropPartition(CallContext* context,
                                              const pb::milvus::DropPartitionRequest* request,
                                              pb::common::Status* response) {
  return Run(context, "DropPartition", *request, response, [&]() -> Status {
    return proxy_->DropPartition(Database(context, request->db_name()), request->collection_name(),
                                          request->partition_name());
  });
}

grpc::Status MilvusServiceImpl::HasPartition(CallContext* context,
                                             const pb::milvus::HasPartitionRequest* request,
                                             pb::milvus::BoolResponse* response) {
  return Run(context, "HasPartition", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
    response->set_value(c->FindPartition(request->partition_name()) != nullptr);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::ShowPartitions(CallContext* context,
                                               const pb::milvus::ShowPartitionsRequest* request,
                                               pb::milvus::ShowPartitionsResponse* response) {
  return Run(context, "ShowPartitions", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
    std::vector<std::string> only = ToVector(request->partition_names());
    for (const auto& p : c->partitions) {
      if (!only.empty() && std::find(only.begin(), only.end(), p.name) == only.end()) continue;
      if (request->type() == pb::milvus::InMemory && !c->PartitionLoaded(p.id)) continue;
      response->add_partition_names(p.name);
      response->add_partitionids(p.id);
      response->add_created_timestamps(p.created_ts);
      response->add_created_utc_timestamps(PhysicalMs(p.created_ts));
      response->add_inmemory_percentages(c->PartitionLoaded(p.id) ? 100 : 0);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetPartitionStatistics(CallContext* context,
                                                       const pb::milvus::GetPartitionStatisticsRequest* request,
                                                       pb::milvus::GetPartitionStatisticsResponse* response) {
  return Run(context, "GetPartitionStatistics", *request, response->mutable_status(), [&]() -> Status {
    if (request->partition_name().empty()) return cluster::PartitionNotFound("");
    QUIVER_ASSIGN_OR_RETURN(size_t rows, proxy_->RowCountOf(Database(context, request->db_name()),
                                                            request->collection_name(), request->partition_name()));
    auto* kv = response->add_stats();
    kv->set_key("row_count");
    kv->set_value(std::to_string(rows));
    return Status::OK();
  });
}


grpc::Status MilvusServiceImpl::LoadPartitions(CallContext* context,
                                               const pb::milvus::LoadPartitionsRequest* request,
                                               pb::common::Status* response) {
  return Run(context, "LoadPartitions", *request, response, [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckLoadOptions(request->replica_number(), request->resource_groups(), request->load_fields(),
                                            request->skip_load_dynamic_field(), request->load_params()));
    return proxy_->LoadPartitionsNamed(Database(context, request->db_name()), request->collection_name(),
                                       ToVector(request->partition_names()), request->replica_number(),
                                       ToVector(request->resource_groups()));
  });
}

grpc::Status MilvusServiceImpl::ReleasePartitions(CallContext* context,
                                                  const pb::milvus::ReleasePartitionsRequest* request,
                                                  pb::common::Status* response) {
  return Run(context, "ReleasePartitions", *request, response, [&]() -> Status {
    return proxy_->ReleasePartitionsNamed(Database(context, request->db_name()), request->collection_name(),
                                          ToVector(request->partition_names()));
  });
}

// ---- load

grpc::Status MilvusServiceImpl::LoadCollection(CallContext* context,
                                               const pb::milvus::LoadCollectionRequest* request,
                                               pb::common::Status* response) {
  return Run(context, "LoadCollection", *request, response, [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckLoadOptions(request->replica_number(), request->resource_groups(), request->load_fields(),
                                            request->skip_load_dynamic_field(), request->load_params()));
    return proxy_->LoadCollection(Database(context, request->db_name()), request->collection_name(),
                                  request->replica_number(), ToVector(request->resource_groups()));
  });
}

grpc::Status MilvusServiceImpl::ReleaseCollection(CallContext* context,
                                                  const pb::milvus::ReleaseCollectionRequest* request,
                                                  pb::common::Status* response) {
  return Run(context, "ReleaseCollection", *request, response, [&]() -> Status {
    return proxy_->ReleaseCollection(Database(context, request->db_name()), request->collection_name());
  });
}

grpc::Status MilvusServiceImpl::GetLoadingProgress(CallContext* context,
                                                   const pb::milvus::GetLoadingProgressRequest* request,
                                                   pb::milvus::GetLoadingProgressResponse* response) {
  return Run(context, "GetLoadingProgress", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
    QUIVER_ASSIGN_OR_RETURN(int64_t progress, proxy_->LoadingProgress(*c, ToVector(request->partition_names())));
    response->set_progress(progress);
    response->set_refresh_progress(progress);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetLoadState(CallContext* context,
                                             const pb::milvus::GetLoadStateRequest* request,
                                             pb::milvus::GetLoadStateResponse* response) {
  return Run(context, "GetLoadState", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
    Result<bool> loaded = proxy_->LoadState(*c, ToVector(request->partition_names()));
    if (!loaded.ok()) {
      response->set_state(pb::common::LoadStateNotLoad);
      return loaded.status();
    }
    response->set_state(*loaded ? pb::common::LoadStateLoaded : pb::common::LoadStateNotLoad);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetReplicas(CallContext* context, const pb::milvus::GetReplicasRequest* request,
                                            pb::milvus::GetReplicasResponse* response) {
  return Run(context, "GetReplicas", *request, response->mutable_status(), [&]() -> Status {
    cluster::CollectionPtr c;
    if (request->collection_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(c, proxy_->DescribeCollectionById(request->collectionid()));
    } else {
      QUIVER_ASSIGN_OR_RETURN(c, Collection(context, request->db_name(), request->collection_name()));
    }
    if (!c->loaded()) return Status::OK();
    QUIVER_ASSIGN_OR_RETURN(std::vector<cluster::ReplicaView> replicas, proxy_->Replicas(c->id));
    for (const cluster::ReplicaView& r : replicas) {
      auto* replica = response->add_replicas();
      replica->set_replicaid(r.id);
      replica->set_collectionid(c->id);
      for (int64_t p : c->loaded_partitions) replica->add_partition_ids(p);
      for (const auto& n : r.nodes) replica->add_node_ids(n.node_id);
      replica->set_resource_group_name(r.resource_group);
      // Every node of a replica follows every channel and serves its share of each: the first is
      // reported as the shard leader, as Milvus names one node per channel.
      for (const auto& ch : c->channels) {
        auto* shard = replica->add_shard_replicas();
        if (!r.nodes.empty()) {
          shard->set_leaderid(r.nodes[0].node_id);
          shard->set_leader_addr(r.nodes[0].address);
        }
        shard->set_dm_channel_name(ch.name);
        for (const auto& n : r.nodes) shard->add_node_ids(n.node_id);
      }
    }
    return Status::OK();
  });
}

// ---- aliases

grpc::Status MilvusServiceImpl::CreateAlias(CallContext* context, const pb::milvus::CreateAliasRequest* request,
                                            pb::common::Status* response) {
  return Run(context, "CreateAlias", *request, response, [&] {
    return proxy_->CreateAlias(Database(context, request->db_name()), request->collection_name(), request->alias());
  });
}

grpc::Status MilvusServiceImpl::DropAlias(CallContext* context, const pb::milvus::DropAliasRequest* request,
                                          pb::common::Status* response) {
  return Run(context, "DropAlias", *request, response, [&] {
    return proxy_->DropAlias(Database(context, request->db_name()), request->alias());
  });
}

grpc::Status MilvusServiceImpl::AlterAlias(CallContext* context, const pb::milvus::AlterAliasRequest* request,
                                           pb::common::Status* response) {
  return Run(context, "AlterAlias", *request, response, [&] {
    return proxy_->AlterAlias(Database(context, request->db_name()), request->collection_name(), request->alias());
  });
}

grpc::Status MilvusServiceImpl::DescribeAlias(CallContext* context,
                                              const pb::milvus::DescribeAliasRequest* request,
                                              pb::milvus::DescribeAliasResponse* response) {
  return Run(context, "DescribeAlias", *request, response->mutable_status(), [&]() -> Status {
    std::string db = Database(context, request->db_name());
    QUIVER_ASSIGN_OR_RETURN(std::string collection, proxy_->DescribeAlias(db, request->alias()));
    response->set_db_name(db);
    response->set_alias(request->alias());
    response->set_collection(collection);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::ListAliases(CallContext* context, const pb::milvus::ListAliasesRequest* request,
                                            pb::milvus::ListAliasesResponse* response) {
  return Run(context, "ListAliases", *request, response->mutable_status(), [&]() -> Status {
    std::string db = Database(context, request->db_name());
    response->set_db_name(db);
    response->set_collection_name(request->collection_name());
    if (!request->collection_name().empty()) {
      QUIVER_ASSIGN_OR_RETURN(auto c, Collection(context, request->db_name(), request->collection_name()));
      for (const auto& a : c->aliases) response->add_aliases(a);
      return Status::OK();
    }
    QUIVER_ASSIGN_OR_RETURN(auto all, proxy_->ListCollections(db));
    for (const auto& c : all) {
      for (const auto& a : c->aliases) response->add_aliases(a);
    }
    return Status::OK();
  });
}

// ---- databases

grpc::Status MilvusServiceImpl::CreateDatabase(CallContext* context,
                                               const pb::milvus::CreateDatabaseRequest* request,
                                               pb::common::Status* response) {
  return Run(context, "CreateDatabase", *request, response, [&]() -> Status {
    return proxy_->CreateDatabase(request->db_name(), KeyValuesFromProto(request->properties()));
  });
}

grpc::Status MilvusServiceImpl::DropDatabase(CallContext* context, const pb::milvus::DropDatabaseRequest* request,
                                             pb::common::Status* response) {
  return Run(context, "DropDatabase", *request, response, [&] { return proxy_->DropDatabase(request->db_name()); });
}

grpc::Status MilvusServiceImpl::ListDatabases(CallContext* context, const pb::milvus::ListDatabasesRequest* request,
                                              pb::milvus::ListDatabasesResponse* response) {
  return Run(context, "ListDatabases", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto dbs, proxy_->ListDatabases());
    Identity caller = Caller(context);
    for (const auto& db : dbs) {
      if (!access_->SeesDatabase(caller, db.name)) continue;  // Milvus lists only databases with grants
      response->add_db_names(db.name);
      response->add_created_timestamp(db.created_ts);
      response->add_db_ids(db.id);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::DescribeDatabase(CallContext* context,
                                                 const pb::milvus::DescribeDatabaseRequest* request,
                                                 pb::milvus::DescribeDatabaseResponse* response) {
  return Run(context, "DescribeDatabase", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto db, proxy_->DescribeDatabase(Database(context, request->db_name())));
    response->set_db_name(db.name);
    response->set_dbid(db.id);
    response->set_created_timestamp(db.created_ts);
    KeyValuesToProto(db.properties, response->mutable_properties());
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::AlterDatabase(CallContext* context, const pb::milvus::AlterDatabaseRequest* request,
                                              pb::common::Status* response) {
  return Run(context, "AlterDatabase", *request, response, [&]() -> Status {
    return proxy_->AlterDatabase(Database(context, request->db_name()), KeyValuesFromProto(request->properties()),
                                          ToVector(request->delete_keys()));
  });
}

// ---- indexes

grpc::Status MilvusServiceImpl::CreateIndex(CallContext* context, const pb::milvus::CreateIndexRequest* request,
                                            pb::common::Status* response) {
  return Run(context, "CreateIndex", *request, response, [&]() -> Status {
    proxy::IndexSpec spec;
    spec.field_name = request->field_name();
    spec.index_name = request->index_name();
    spec.extra_params = KeyValuesFromProto(request->extra_params());
    return proxy_->CreateIndex(Database(context, request->db_name()), request->collection_name(), spec);
  });
}

grpc::Status MilvusServiceImpl::DescribeIndex(CallContext* context,
                                              const pb::milvus::DescribeIndexRequest* request,
                                              pb::milvus::DescribeIndexResponse* response) {
  return Run(context, "DescribeIndex", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_RETURN_IF_ERROR(CheckNoTimeTravel(request->timestamp(), "timestamp"));
    QUIVER_ASSIGN_OR_RETURN(auto indexes, proxy_->DescribeIndexes(Database(context, request->db_name()),
                                                                 request->collection_name(), request->index_name(),
                                                                 request->field_name()));
    for (const auto& [index, progress] : indexes) {
      auto* d = response->add_index_descriptions();
      d->set_index_name(index.name);
      d->set_indexid(index.id);
      KeyValuesToProto(index.params, d->mutable_params());
      d->set_field_name(index.field_name);
      d->set_indexed_rows(static_cast<int64_t>(progress.indexed_rows));
      d->set_total_rows(static_cast<int64_t>(progress.total_rows));
      d->set_pending_index_rows(static_cast<int64_t>(progress.pending_rows));
      d->set_state(progress.pending_rows == 0 ? pb::common::Finished : pb::common::InProgress);
    }
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetIndexStatistics(CallContext* context,
                                                   const pb::milvus::GetIndexStatisticsRequest* request,
                                                   pb::milvus::GetIndexStatisticsResponse* response) {
  pb::milvus::DescribeIndexRequest describe;
  describe.set_db_name(request->db_name());
  describe.set_collection_name(request->collection_name());
  describe.set_index_name(request->index_name());
  describe.set_timestamp(request->timestamp());
  pb::milvus::DescribeIndexResponse described;
  grpc::Status transport = DescribeIndex(context, &describe, &described);
  if (!transport.ok()) return transport;
  *response->mutable_status() = described.status();
  *response->mutable_index_descriptions() = described.index_descriptions();
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetIndexState(CallContext* context, const pb::milvus::GetIndexStateRequest* request,
                                              pb::milvus::GetIndexStateResponse* response) {
  return Run(context, "GetIndexState", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto indexes, proxy_->DescribeIndexes(Database(context, request->db_name()),
                                                                 request->collection_name(), request->index_name(),
                                                                 request->field_name()));
    const proxy::IndexProgress& progress = indexes.front().progress;
    response->set_state(progress.pending_rows == 0 ? pb::common::Finished : pb::common::InProgress);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetIndexBuildProgress(CallContext* context,
                                                      const pb::milvus::GetIndexBuildProgressRequest* request,
                                                      pb::milvus::GetIndexBuildProgressResponse* response) {
  return Run(context, "GetIndexBuildProgress", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto indexes, proxy_->DescribeIndexes(Database(context, request->db_name()),
                                                                 request->collection_name(), request->index_name(),
                                                                 request->field_name()));
    // Progress over flushed rows (growing rows are searched exactly and need no build).
    const proxy::IndexProgress& progress = indexes.front().progress;
    response->set_indexed_rows(static_cast<int64_t>(progress.indexed_rows));
    response->set_total_rows(static_cast<int64_t>(progress.indexed_rows + progress.pending_rows));
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::DropIndex(CallContext* context, const pb::milvus::DropIndexRequest* request,
                                          pb::common::Status* response) {
  return Run(context, "DropIndex", *request, response, [&]() -> Status {
    return proxy_->DropIndex(Database(context, request->db_name()), request->collection_name(), request->index_name(),
                             request->field_name());
  });
}

}  // namespace quiver::rpc::milvus
