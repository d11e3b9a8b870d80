// MilvusService methods Quiver does not implement yet: each answers a Milvus error status
// ("not supported yet", code 10), never gRPC UNIMPLEMENTED, which the Node SDK would turn into an
// empty success. Generated from proto/milvus/milvus.proto; keep in sync when methods are added.

#include "rpc/milvus/grpc_service.h"

namespace quiver::rpc::milvus {

grpc::Status MilvusServiceImpl::BatchDescribeCollection(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "BatchDescribeCollection", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::AddCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "AddCollectionFunction", *request, response);
}

grpc::Status MilvusServiceImpl::AlterCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "AlterCollectionFunction", *request, response);
}

grpc::Status MilvusServiceImpl::DropCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "DropCollectionFunction", *request, response);
}

grpc::Status MilvusServiceImpl::TruncateCollection(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "TruncateCollection", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::CalcDistance(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "CalcDistance", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::AddCollectionField(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "AddCollectionField", *request, response);
}

grpc::Status MilvusServiceImpl::GetPersistentSegmentInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetPersistentSegmentInfo", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::GetQuerySegmentInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetQuerySegmentInfo", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::RegisterLink(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::RegisterLinkResponse* response) {
  return Unimplemented(context, "RegisterLink", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::GetMetrics(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetMetrics", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::LoadBalance(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "LoadBalance", *request, response);
}

grpc::Status MilvusServiceImpl::GetCompactionState(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetCompactionState", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::ManualCompaction(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ManualCompaction", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::GetCompactionStateWithPlans(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetCompactionStateWithPlans", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::Import(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "Import", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::GetImportState(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetImportState", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::ListImportTasks(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ListImportTasks", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::ListIndexedSegment(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ListIndexedSegment", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::DescribeSegmentIndexData(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "DescribeSegmentIndexData", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::ReplicateMessage(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ReplicateMessage", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::BackupRBAC(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "BackupRBAC", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::RestoreRBAC(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "RestoreRBAC", *request, response);
}

grpc::Status MilvusServiceImpl::RunAnalyzer(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "RunAnalyzer", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::AddFileResource(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "AddFileResource", *request, response);
}

grpc::Status MilvusServiceImpl::RemoveFileResource(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "RemoveFileResource", *request, response);
}

grpc::Status MilvusServiceImpl::ListFileResources(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ListFileResources", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::AddUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "AddUserTags", *request, response);
}

grpc::Status MilvusServiceImpl::DeleteUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "DeleteUserTags", *request, response);
}

grpc::Status MilvusServiceImpl::GetUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetUserTags", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::ListUsersWithTag(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ListUsersWithTag", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::CreateRowPolicy(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "CreateRowPolicy", *request, response);
}

grpc::Status MilvusServiceImpl::DropRowPolicy(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "DropRowPolicy", *request, response);
}

grpc::Status MilvusServiceImpl::ListRowPolicies(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "ListRowPolicies", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::UpdateReplicateConfiguration(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Unimplemented(context, "UpdateReplicateConfiguration", *request, response);
}

grpc::Status MilvusServiceImpl::GetReplicateConfiguration(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetReplicateConfiguration", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::GetReplicateInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Unimplemented(context, "GetReplicateInfo", *request, response->mutable_status());
}

grpc::Status MilvusServiceImpl::CreateReplicateStream(grpc::ServerContext* context, grpc::ServerReaderWriter<pb::milvus::StubResponse, pb::milvus::StubRequest>* stream) {
  pb::milvus::StubResponse reply;
  GrpcCallContext call(context);
  grpc::Status transport = Unimplemented(&call, "CreateReplicateStream", pb::milvus::StubRequest(), reply.mutable_status());
  if (transport.ok()) stream->Write(reply);
  return transport;
}

grpc::Status MilvusServiceImpl::DumpMessages(grpc::ServerContext* context, const pb::milvus::StubRequest* request, grpc::ServerWriter<pb::milvus::StubResponse>* writer) {
  pb::milvus::StubResponse reply;
  GrpcCallContext call(context);
  grpc::Status transport = Unimplemented(&call, "DumpMessages", *request, reply.mutable_status());
  if (transport.ok()) writer->Write(reply);
  return transport;
}

}  // namespace quiver::rpc::milvus
