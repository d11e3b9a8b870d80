#include "cluster/errors.h"
#include "rpc/milvus/grpc_service.h"

#include <chrono>
#include <random>

#include "common/log.h"
#include "rpc/milvus/milvus_status.h"

namespace quiver::rpc::milvus {

std::string GrpcCallContext::Metadata(std::string_view key) const {
  const auto& metadata = context_->client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

MilvusServiceImpl::MilvusServiceImpl(Proxy* proxy, proxy::RequestGate* gate, std::string version)
    : proxy_(proxy), gate_(gate), access_(gate->access()), version_(std::move(version)),
      next_identifier_(static_cast<int64_t>(std::random_device()() % 1000000) * 1000 + 1) {}

namespace {

std::string Metadata(CallContext* context, const char* key) { return context->Metadata(key); }

// A string field of `message` by name ("" if it has none).
std::string StringField(const google::protobuf::Message& message, const char* name) {
  const google::protobuf::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->is_repeated() || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return {};
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace

AccessTarget MilvusServiceImpl::TargetOf(CallContext* context, const google::protobuf::Message& request) {
  AccessTarget target;
  target.db = Database(context, StringField(request, "db_name"));
  std::string collection = StringField(request, "collection_name");
  if (collection.empty()) collection = StringField(request, "oldName");  // RenameCollection
  if (!collection.empty()) target.collections.push_back(std::move(collection));
  const google::protobuf::Descriptor* descriptor = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  if (const auto* names = descriptor->FindFieldByName("collection_names");
      names != nullptr && names->is_repeated() && names->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    for (int i = 0; i < reflection->FieldSize(request, names); ++i) {
      target.collections.push_back(reflection->GetRepeatedString(request, names, i));
    }
  }
  target.user = StringField(request, "username");
  if (const auto* entity = descriptor->FindFieldByName("entity");  // SelectGrant
      entity != nullptr && entity->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE && !entity->is_repeated() &&
      reflection->HasField(request, entity)) {
    const google::protobuf::Message& grant = reflection->GetMessage(request, entity);
    if (const auto* role = grant.GetDescriptor()->FindFieldByName("role");
        role != nullptr && role->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
        grant.GetReflection()->HasField(grant, role)) {
      target.role = StringField(grant.GetReflection()->GetMessage(grant, role), "name");
    }
  }
  if (const auto* user = descriptor->FindFieldByName("user");
      user != nullptr && user->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE && !user->is_repeated() &&
      reflection->HasField(request, user)) {
    target.user = StringField(reflection->GetMessage(request, user), "name");
  }
  return target;
}

void MilvusServiceImpl::LogAccess(CallContext* context, const char* method, const google::protobuf::Message& request,
                                  const google::protobuf::Message& response, const grpc::Status& transport,
                                  std::chrono::steady_clock::time_point start) {
  AccessEntry entry;
  entry.interface = "grpc";
  entry.method = method;
  entry.user = ClaimedUser(context->Metadata("authorization"));
  entry.db = Database(context, StringField(request, "db_name"));
  entry.collection = StringField(request, "collection_name");
  // The Milvus code: the response is a common.Status or carries one in field `status`.
  const google::protobuf::Message* status = &response;
  if (response.GetDescriptor()->full_name() != "milvus.proto.common.Status") {
    const auto* field = response.GetDescriptor()->FindFieldByName("status");
    status = field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE
                 ? &response.GetReflection()->GetMessage(response, field)
                 : nullptr;
  }
  if (status != nullptr) {
    if (const auto* code = status->GetDescriptor()->FindFieldByName("code")) {
      entry.code = status->GetReflection()->GetInt32(*status, code);
    }
  }
  entry.transport = static_cast<int>(transport.error_code());
  entry.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  entry.bytes_in = request.ByteSizeLong();
  entry.bytes_out = response.ByteSizeLong();
  entry.client = Client(context);
  access_log_->Record(entry);
}

Identity MilvusServiceImpl::Caller(CallContext* context) {
  Result<Identity> identity = access_->AuthenticateBase64(Metadata(context, "authorization"), Client(context));
  return identity.ok() ? *identity : Identity{};
}

grpc::Status MilvusServiceImpl::Run(CallContext* context, const char* method,
                                    const google::protobuf::Message& request, pb::common::Status* status,
                                    const std::function<Status()>& fn) {
  std::string client = Client(context);
  proxy::RequestGate::Outcome outcome = gate_->Run(
      method, [&] { return access_->AuthenticateBase64(Metadata(context, "authorization"), client); },
      [&] { return TargetOf(context, request); }, fn, client);
  ToMilvusStatus(outcome.status, status);
  switch (outcome.stage) {
    case proxy::RequestGate::Stage::kUnauthenticated:
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(outcome.status.message()));
    case proxy::RequestGate::Stage::kDenied:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(outcome.status.message()));
    default:
      return grpc::Status::OK;
  }
}

std::chrono::milliseconds MilvusServiceImpl::Budget(CallContext* context, std::chrono::milliseconds configured) {
  auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return configured;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), configured);
}

std::function<bool()> MilvusServiceImpl::Cancelled(CallContext* context) const {
  return [context, proxy = proxy_] { return context->IsCancelled() || proxy->stopping(); };
}

grpc::Status MilvusServiceImpl::Unimplemented(CallContext* context, const char* method,
                                              const google::protobuf::Message& request, pb::common::Status* status) {
  return Run(context, method, request, status, [&] {
    return Status::NotSupported(std::string(method) + " is not supported yet by Quiver")
        .WithDetail(ErrorDetail::kUnimplemented);
  });
}

std::string MilvusServiceImpl::Database(CallContext* context, const std::string& db_name) {
  if (!db_name.empty()) return db_name;
  std::string sent = Metadata(context, "dbname");
  return sent.empty() ? std::string(cluster::kDefaultDatabase) : sent;
}

Result<cluster::CollectionPtr> MilvusServiceImpl::Collection(CallContext* context, const std::string& db_name,
                                                             const std::string& collection_name) {
  return proxy_->DescribeCollection(Database(context, db_name), collection_name);
}

Result<cluster::CollectionPtr> MilvusServiceImpl::LoadedCollection(CallContext* context,
                                                                   const std::string& db_name,
                                                                   const std::string& collection_name) {
  return proxy_->LoadedCollection(Database(context, db_name), collection_name);
}

Result<std::vector<int64_t>> MilvusServiceImpl::ReadPartitions(
    const cluster::CollectionInfo& collection, const google::protobuf::RepeatedPtrField<std::string>& names) {
  return proxy_->ReadPartitions(collection, {names.begin(), names.end()});
}

grpc::Status MilvusServiceImpl::Connect(CallContext* context, const pb::milvus::ConnectRequest* request,
                                        pb::milvus::ConnectResponse* response) {
  return Run(context, "Connect", *request, response->mutable_status(), [&] {
    auto* info = response->mutable_server_info();
    info->set_build_tags("quiver-" + version_);
    info->set_build_time(__DATE__ " " __TIME__);
    info->set_git_commit("");
    info->set_go_version("none (C++20)");
    info->set_deploy_mode("STANDALONE");
    (*info->mutable_reserved())["server"] = "quiver";
    response->set_identifier(next_identifier_.fetch_add(1));
    QUIVER_LOG(DEBUG) << "client connected" << Kv("sdk", request->client_info().sdk_type())
                      << Kv("sdk_version", request->client_info().sdk_version()) << Kv("peer", Client(context));
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::GetVersion(CallContext* context, const pb::milvus::GetVersionRequest* request,
                                           pb::milvus::GetVersionResponse* response) {
  return Run(context, "GetVersion", *request, response->mutable_status(), [&] {
    response->set_version("v2.6.0-quiver-" + version_);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::CheckHealth(CallContext* context, const pb::milvus::CheckHealthRequest*,
                                            pb::milvus::CheckHealthResponse* response) {
  // Answers even while recovering, with isHealthy=false, so clients can poll it; with
  // authorization on, only to authenticated callers (as Milvus).
  if (auto identity = access_->AuthenticateBase64(Metadata(context, "authorization"), Client(context)); !identity.ok()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(identity.status().message()));
  }
  bool ready = gate_->ready();
  ToMilvusStatus(Status::OK(), response->mutable_status());
  response->set_ishealthy(ready);
  if (!ready) response->add_reasons("server is still recovering");
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetComponentStates(CallContext* context,
                                                   const pb::milvus::GetComponentStatesRequest*,
                                                   pb::milvus::ComponentStates* response) {
  if (auto identity = access_->AuthenticateBase64(Metadata(context, "authorization"), Client(context)); !identity.ok()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(identity.status().message()));
  }
  bool ready = gate_->ready();
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
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AllocTimestamp(CallContext* context, const pb::milvus::AllocTimestampRequest* request,
                                               pb::milvus::AllocTimestampResponse* response) {
  return Run(context, "AllocTimestamp", *request, response->mutable_status(), [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(Timestamp ts, proxy_->AllocTimestamp());
    response->set_timestamp(ts);
    return Status::OK();
  });
}

grpc::Status MilvusServiceImpl::Dummy(CallContext*, const pb::milvus::DummyRequest* request,
                                      pb::milvus::DummyResponse* response) {
  response->set_response("quiver: dummy request '" + request->request_type() + "' is not supported");
  return grpc::Status::OK;
}

}  // namespace quiver::rpc::milvus
