#include "cluster/errors.h"
#include "proxy/grpc_service.h"

#include <chrono>
#include <random>

#include "common/log.h"
#include "proxy/milvus_status.h"

namespace quiver::proxy {

MilvusServiceImpl::MilvusServiceImpl(Proxy* proxy, MetricsRegistry* metrics, std::string version,
                                     std::function<bool()> ready)
    : proxy_(proxy), metrics_(metrics), version_(std::move(version)), ready_(std::move(ready)),
      next_identifier_(static_cast<int64_t>(std::random_device()() % 1000000) * 1000 + 1) {}

void MilvusServiceImpl::Run(grpc::ServerContext* context, const char* method, pb::common::Status* status,
                            const std::function<Status()>& fn) {
  auto start = std::chrono::steady_clock::now();
  Status result;
  if (!ready_()) {
    result = Status::Unavailable("server is still recovering").WithDetail(ErrorDetail::kNotReady);
  } else {
    // The backstop for a third-party exception (protobuf, JSON, the standard library) that a
    // handler failed to convert: the client gets a Milvus status, never a bare gRPC UNKNOWN.
    try {
      result = fn();
    } catch (const std::exception& e) {
      QUIVER_LOG(ERROR) << "request raised an exception" << Kv("method", method) << Kv("what", e.what());
      result = Status::Internal(std::string("request failed: ") + e.what());
    }
  }
  ToMilvusStatus(result, status);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const char* outcome = result.ok() ? "success" : "fail";
  metrics_->GetCounter("milvus_proxy_req_count", "Requests received by the proxy, by method and outcome",
                       {{"function_name", method}, {"status", outcome}})
      ->Increment();
  metrics_->GetHistogram("milvus_proxy_req_latency_seconds", "Request latency by method", LatencyBuckets(),
                         {{"function_name", method}})
      ->Observe(seconds);
  if (!result.ok()) {
    QUIVER_LOG(DEBUG) << "request failed" << Kv("method", method) << Kv("error", result.ToString())
                      << Kv("peer", context->peer());
  }
}

std::chrono::milliseconds MilvusServiceImpl::Budget(grpc::ServerContext* context, std::chrono::milliseconds configured) {
  auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return configured;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), configured);
}

std::function<bool()> MilvusServiceImpl::Cancelled(grpc::ServerContext* context) const {
  return [context, proxy = proxy_] { return context->IsCancelled() || proxy->stopping(); };
}

void MilvusServiceImpl::Unimplemented(grpc::ServerContext* context, const char* method, pb::common::Status* status) {
  Run(context, method, status, [&] {
    return Status::NotSupported(std::string(method) + " is not supported yet by Quiver")
        .WithDetail(ErrorDetail::kUnimplemented);
  });
}

std::string MilvusServiceImpl::Database(grpc::ServerContext* context, const std::string& db_name) {
  if (!db_name.empty()) return db_name;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("dbname");
  if (it != metadata.end() && it->second.size() > 0) return std::string(it->second.data(), it->second.size());
  return std::string(cluster::kDefaultDatabase);
}

Result<cluster::CollectionPtr> MilvusServiceImpl::Collection(grpc::ServerContext* context, const std::string& db_name,
                                                             const std::string& collection_name) {
  if (collection_name.empty()) {
    return Status::InvalidArgument("collection name should not be empty").WithDetail(ErrorDetail::kParameterMissing);
  }
  return proxy_->coord()->DescribeCollection(Database(context, db_name), collection_name);
}

Result<cluster::CollectionPtr> MilvusServiceImpl::LoadedCollection(grpc::ServerContext* context,
                                                                   const std::string& db_name,
                                                                   const std::string& collection_name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr collection, Collection(context, db_name, collection_name));
  if (!collection->loaded()) {
    return cluster::CollectionNotLoaded(collection_name);
  }
  if (Status failed = proxy_->querynode()->LoadError(collection->id); !failed.ok()) {
    return Status::FailedPrecondition("collection not loaded[collection=" + collection_name +
                                      "]: loading failed: " + failed.ToString())
        .WithDetail(ErrorDetail::kCollectionNotLoaded);
  }
  return collection;
}

Result<std::vector<int64_t>> MilvusServiceImpl::ReadPartitions(
    const cluster::CollectionInfo& collection, const google::protobuf::RepeatedPtrField<std::string>& names) {
  if (names.empty()) return collection.loaded_partitions;
  for (const auto& f : collection.schema->fields) {
    if (f.partition_key) {
      return Status::InvalidArgument("not support manually specifying the partition names if partition key mode is used");
    }
  }
  std::vector<int64_t> ids;
  for (const auto& name : names) {
    const cluster::PartitionInfo* p = collection.FindPartition(name);
    if (p == nullptr) {
      return cluster::PartitionNotFound(name);
    }
    if (!collection.PartitionLoaded(p->id)) {
      return cluster::PartitionNotLoaded(name);
    }
    ids.push_back(p->id);
  }
  return ids;
}

grpc::Status MilvusServiceImpl::Connect(grpc::ServerContext* context, const pb::milvus::ConnectRequest* request,
                                        pb::milvus::ConnectResponse* response) {
  Run(context, "Connect", response->mutable_status(), [&] {
    auto* info = response->mutable_server_info();
    info->set_build_tags("quiver-" + version_);
    info->set_build_time(__DATE__ " " __TIME__);
    info->set_git_commit("");
    info->set_go_version("none (C++20)");
    info->set_deploy_mode("STANDALONE");
    (*info->mutable_reserved())["server"] = "quiver";
    response->set_identifier(next_identifier_.fetch_add(1));
    QUIVER_LOG(DEBUG) << "client connected" << Kv("sdk", request->client_info().sdk_type())
                      << Kv("sdk_version", request->client_info().sdk_version()) << Kv("peer", context->peer());
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetVersion(grpc::ServerContext* context, const pb::milvus::GetVersionRequest*,
                                           pb::milvus::GetVersionResponse* response) {
  Run(context, "GetVersion", response->mutable_status(), [&] {
    response->set_version("v2.6.0-quiver-" + version_);
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CheckHealth(grpc::ServerContext* context, const pb::milvus::CheckHealthRequest*,
                                            pb::milvus::CheckHealthResponse* response) {
  // Answers even while recovering, with isHealthy=false, so clients can poll it.
  bool ready = ready_();
  ToMilvusStatus(Status::OK(), response->mutable_status());
  response->set_ishealthy(ready);
  if (!ready) response->add_reasons("server is still recovering");
  (void)context;
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetComponentStates(grpc::ServerContext* context,
                                                   const pb::milvus::GetComponentStatesRequest*,
                                                   pb::milvus::ComponentStates* response) {
  bool ready = ready_();
  auto* state = response->mutable_state();
  state->set_nodeid(1);
  state->set_role("standalone");
  state->set_state_code(ready ? pb::common::Healthy : pb::common::Initializing);
  for (const char* role : {"proxy", "coord", "datanode", "querynode"}) {
    auto* sub = response->add_subcomponent_states();
    sub->set_nodeid(1);
    sub->set_role(role);
    sub->set_state_code(ready ? pb::common::Healthy : pb::common::Initializing);
  }
  ToMilvusStatus(Status::OK(), response->mutable_status());
  (void)context;
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AllocTimestamp(grpc::ServerContext* context, const pb::milvus::AllocTimestampRequest*,
                                               pb::milvus::AllocTimestampResponse* response) {
  Run(context, "AllocTimestamp", response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->coord()->AllocTimestamp(1));
    response->set_timestamp(ts);
    return Status::OK();
  });
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::Dummy(grpc::ServerContext*, const pb::milvus::DummyRequest* request,
                                      pb::milvus::DummyResponse* response) {
  response->set_response("quiver: dummy request '" + request->request_type() + "' is not supported");
  return grpc::Status::OK;
}

}  // namespace quiver::proxy
