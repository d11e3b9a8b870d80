// MilvusService methods Quiver does not implement yet: each answers a Milvus error status
// ("not supported yet", code 10), never gRPC UNIMPLEMENTED, which the Node SDK would turn into an
// empty success. Generated from proto/milvus/milvus.proto; keep in sync when methods are added.

#include "proxy/grpc_service.h"

namespace quiver::proxy {

grpc::Status MilvusServiceImpl::BatchDescribeCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "BatchDescribeCollection", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AddCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "AddCollectionFunction", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AlterCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "AlterCollectionFunction", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DropCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "DropCollectionFunction", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::TruncateCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "TruncateCollection", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CalcDistance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "CalcDistance", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AddCollectionField(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "AddCollectionField", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetPersistentSegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetPersistentSegmentInfo", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetQuerySegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetQuerySegmentInfo", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::RegisterLink(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::RegisterLinkResponse* response) {
  Unimplemented(context, "RegisterLink", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetMetrics(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetMetrics", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::LoadBalance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "LoadBalance", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetCompactionState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetCompactionState", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ManualCompaction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ManualCompaction", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetCompactionStateWithPlans(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetCompactionStateWithPlans", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::Import(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "Import", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetImportState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetImportState", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListImportTasks(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListImportTasks", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CreateResourceGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "CreateResourceGroup", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DropResourceGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "DropResourceGroup", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::UpdateResourceGroups(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "UpdateResourceGroups", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::TransferNode(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "TransferNode", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::TransferReplica(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "TransferReplica", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListResourceGroups(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListResourceGroups", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DescribeResourceGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "DescribeResourceGroup", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListIndexedSegment(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListIndexedSegment", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DescribeSegmentIndexData(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "DescribeSegmentIndexData", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ReplicateMessage(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ReplicateMessage", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::BackupRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "BackupRBAC", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::RestoreRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "RestoreRBAC", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CreatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "CreatePrivilegeGroup", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DropPrivilegeGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "DropPrivilegeGroup", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListPrivilegeGroups(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListPrivilegeGroups", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::OperatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "OperatePrivilegeGroup", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::RunAnalyzer(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "RunAnalyzer", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AddFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "AddFileResource", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::RemoveFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "RemoveFileResource", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListFileResources(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListFileResources", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::AddUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "AddUserTags", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DeleteUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "DeleteUserTags", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetUserTags", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListUsersWithTag(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListUsersWithTag", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CreateRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "CreateRowPolicy", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DropRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "DropRowPolicy", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::ListRowPolicies(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "ListRowPolicies", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::UpdateReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  Unimplemented(context, "UpdateReplicateConfiguration", response);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetReplicateConfiguration", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::GetReplicateInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  Unimplemented(context, "GetReplicateInfo", response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::CreateReplicateStream(grpc::ServerContext* context, grpc::ServerReaderWriter<pb::milvus::StubResponse, pb::milvus::StubRequest>* stream) {
  pb::milvus::StubResponse reply;
  Unimplemented(context, "CreateReplicateStream", reply.mutable_status());
  stream->Write(reply);
  return grpc::Status::OK;
}

grpc::Status MilvusServiceImpl::DumpMessages(grpc::ServerContext* context, const pb::milvus::StubRequest* request, grpc::ServerWriter<pb::milvus::StubResponse>* writer) {
  pb::milvus::StubResponse reply;
  Unimplemented(context, "DumpMessages", reply.mutable_status());
  writer->Write(reply);
  return grpc::Status::OK;
}

}  // namespace quiver::proxy
