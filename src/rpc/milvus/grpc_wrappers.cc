// The gRPC entry points of MilvusService: each wraps its ServerContext and calls the method of
// the same name that every front door shares (Serve: grpc_service.cc), writing the access log
// line when it is on. Generated from grpc_service.h; keep in sync.

#include "rpc/milvus/grpc_service.h"

namespace quiver::rpc::milvus {

grpc::Status MilvusServiceImpl::CreateCollection(grpc::ServerContext* context, const pb::milvus::CreateCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateCollection", request, response, &MilvusServiceImpl::CreateCollection);
}

grpc::Status MilvusServiceImpl::DropCollection(grpc::ServerContext* context, const pb::milvus::DropCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "DropCollection", request, response, &MilvusServiceImpl::DropCollection);
}

grpc::Status MilvusServiceImpl::HasCollection(grpc::ServerContext* context, const pb::milvus::HasCollectionRequest* request, pb::milvus::BoolResponse* response) {
  return Serve(context, "HasCollection", request, response, &MilvusServiceImpl::HasCollection);
}

grpc::Status MilvusServiceImpl::LoadCollection(grpc::ServerContext* context, const pb::milvus::LoadCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "LoadCollection", request, response, &MilvusServiceImpl::LoadCollection);
}

grpc::Status MilvusServiceImpl::ReleaseCollection(grpc::ServerContext* context, const pb::milvus::ReleaseCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "ReleaseCollection", request, response, &MilvusServiceImpl::ReleaseCollection);
}

grpc::Status MilvusServiceImpl::DescribeCollection(grpc::ServerContext* context, const pb::milvus::DescribeCollectionRequest* request, pb::milvus::DescribeCollectionResponse* response) {
  return Serve(context, "DescribeCollection", request, response, &MilvusServiceImpl::DescribeCollection);
}

grpc::Status MilvusServiceImpl::BatchDescribeCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "BatchDescribeCollection", request, response, &MilvusServiceImpl::BatchDescribeCollection);
}

grpc::Status MilvusServiceImpl::GetCollectionStatistics(grpc::ServerContext* context, const pb::milvus::GetCollectionStatisticsRequest* request, pb::milvus::GetCollectionStatisticsResponse* response) {
  return Serve(context, "GetCollectionStatistics", request, response, &MilvusServiceImpl::GetCollectionStatistics);
}

grpc::Status MilvusServiceImpl::ShowCollections(grpc::ServerContext* context, const pb::milvus::ShowCollectionsRequest* request, pb::milvus::ShowCollectionsResponse* response) {
  return Serve(context, "ShowCollections", request, response, &MilvusServiceImpl::ShowCollections);
}

grpc::Status MilvusServiceImpl::AlterCollection(grpc::ServerContext* context, const pb::milvus::AlterCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterCollection", request, response, &MilvusServiceImpl::AlterCollection);
}

grpc::Status MilvusServiceImpl::AlterCollectionField(grpc::ServerContext* context, const pb::milvus::AlterCollectionFieldRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterCollectionField", request, response, &MilvusServiceImpl::AlterCollectionField);
}

grpc::Status MilvusServiceImpl::AddCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "AddCollectionFunction", request, response, &MilvusServiceImpl::AddCollectionFunction);
}

grpc::Status MilvusServiceImpl::AlterCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterCollectionFunction", request, response, &MilvusServiceImpl::AlterCollectionFunction);
}

grpc::Status MilvusServiceImpl::DropCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "DropCollectionFunction", request, response, &MilvusServiceImpl::DropCollectionFunction);
}

grpc::Status MilvusServiceImpl::TruncateCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "TruncateCollection", request, response, &MilvusServiceImpl::TruncateCollection);
}

grpc::Status MilvusServiceImpl::CreatePartition(grpc::ServerContext* context, const pb::milvus::CreatePartitionRequest* request, pb::common::Status* response) {
  return Serve(context, "CreatePartition", request, response, &MilvusServiceImpl::CreatePartition);
}

grpc::Status MilvusServiceImpl::DropPartition(grpc::ServerContext* context, const pb::milvus::DropPartitionRequest* request, pb::common::Status* response) {
  return Serve(context, "DropPartition", request, response, &MilvusServiceImpl::DropPartition);
}

grpc::Status MilvusServiceImpl::HasPartition(grpc::ServerContext* context, const pb::milvus::HasPartitionRequest* request, pb::milvus::BoolResponse* response) {
  return Serve(context, "HasPartition", request, response, &MilvusServiceImpl::HasPartition);
}

grpc::Status MilvusServiceImpl::LoadPartitions(grpc::ServerContext* context, const pb::milvus::LoadPartitionsRequest* request, pb::common::Status* response) {
  return Serve(context, "LoadPartitions", request, response, &MilvusServiceImpl::LoadPartitions);
}

grpc::Status MilvusServiceImpl::ReleasePartitions(grpc::ServerContext* context, const pb::milvus::ReleasePartitionsRequest* request, pb::common::Status* response) {
  return Serve(context, "ReleasePartitions", request, response, &MilvusServiceImpl::ReleasePartitions);
}

grpc::Status MilvusServiceImpl::GetPartitionStatistics(grpc::ServerContext* context, const pb::milvus::GetPartitionStatisticsRequest* request, pb::milvus::GetPartitionStatisticsResponse* response) {
  return Serve(context, "GetPartitionStatistics", request, response, &MilvusServiceImpl::GetPartitionStatistics);
}

grpc::Status MilvusServiceImpl::ShowPartitions(grpc::ServerContext* context, const pb::milvus::ShowPartitionsRequest* request, pb::milvus::ShowPartitionsResponse* response) {
  return Serve(context, "ShowPartitions", request, response, &MilvusServiceImpl::ShowPartitions);
}

grpc::Status MilvusServiceImpl::GetLoadingProgress(grpc::ServerContext* context, const pb::milvus::GetLoadingProgressRequest* request, pb::milvus::GetLoadingProgressResponse* response) {
  return Serve(context, "GetLoadingProgress", request, response, &MilvusServiceImpl::GetLoadingProgress);
}

grpc::Status MilvusServiceImpl::GetLoadState(grpc::ServerContext* context, const pb::milvus::GetLoadStateRequest* request, pb::milvus::GetLoadStateResponse* response) {
  return Serve(context, "GetLoadState", request, response, &MilvusServiceImpl::GetLoadState);
}

grpc::Status MilvusServiceImpl::CreateAlias(grpc::ServerContext* context, const pb::milvus::CreateAliasRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateAlias", request, response, &MilvusServiceImpl::CreateAlias);
}

grpc::Status MilvusServiceImpl::DropAlias(grpc::ServerContext* context, const pb::milvus::DropAliasRequest* request, pb::common::Status* response) {
  return Serve(context, "DropAlias", request, response, &MilvusServiceImpl::DropAlias);
}

grpc::Status MilvusServiceImpl::AlterAlias(grpc::ServerContext* context, const pb::milvus::AlterAliasRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterAlias", request, response, &MilvusServiceImpl::AlterAlias);
}

grpc::Status MilvusServiceImpl::DescribeAlias(grpc::ServerContext* context, const pb::milvus::DescribeAliasRequest* request, pb::milvus::DescribeAliasResponse* response) {
  return Serve(context, "DescribeAlias", request, response, &MilvusServiceImpl::DescribeAlias);
}

grpc::Status MilvusServiceImpl::ListAliases(grpc::ServerContext* context, const pb::milvus::ListAliasesRequest* request, pb::milvus::ListAliasesResponse* response) {
  return Serve(context, "ListAliases", request, response, &MilvusServiceImpl::ListAliases);
}

grpc::Status MilvusServiceImpl::CreateIndex(grpc::ServerContext* context, const pb::milvus::CreateIndexRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateIndex", request, response, &MilvusServiceImpl::CreateIndex);
}

grpc::Status MilvusServiceImpl::AlterIndex(grpc::ServerContext* context, const pb::milvus::AlterIndexRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterIndex", request, response, &MilvusServiceImpl::AlterIndex);
}

grpc::Status MilvusServiceImpl::DescribeIndex(grpc::ServerContext* context, const pb::milvus::DescribeIndexRequest* request, pb::milvus::DescribeIndexResponse* response) {
  return Serve(context, "DescribeIndex", request, response, &MilvusServiceImpl::DescribeIndex);
}

grpc::Status MilvusServiceImpl::GetIndexStatistics(grpc::ServerContext* context, const pb::milvus::GetIndexStatisticsRequest* request, pb::milvus::GetIndexStatisticsResponse* response) {
  return Serve(context, "GetIndexStatistics", request, response, &MilvusServiceImpl::GetIndexStatistics);
}

grpc::Status MilvusServiceImpl::GetIndexState(grpc::ServerContext* context, const pb::milvus::GetIndexStateRequest* request, pb::milvus::GetIndexStateResponse* response) {
  return Serve(context, "GetIndexState", request, response, &MilvusServiceImpl::GetIndexState);
}

grpc::Status MilvusServiceImpl::GetIndexBuildProgress(grpc::ServerContext* context, const pb::milvus::GetIndexBuildProgressRequest* request, pb::milvus::GetIndexBuildProgressResponse* response) {
  return Serve(context, "GetIndexBuildProgress", request, response, &MilvusServiceImpl::GetIndexBuildProgress);
}

grpc::Status MilvusServiceImpl::DropIndex(grpc::ServerContext* context, const pb::milvus::DropIndexRequest* request, pb::common::Status* response) {
  return Serve(context, "DropIndex", request, response, &MilvusServiceImpl::DropIndex);
}

grpc::Status MilvusServiceImpl::Insert(grpc::ServerContext* context, const pb::milvus::InsertRequest* request, pb::milvus::MutationResult* response) {
  return Serve(context, "Insert", request, response, &MilvusServiceImpl::Insert);
}

grpc::Status MilvusServiceImpl::Delete(grpc::ServerContext* context, const pb::milvus::DeleteRequest* request, pb::milvus::MutationResult* response) {
  return Serve(context, "Delete", request, response, &MilvusServiceImpl::Delete);
}

grpc::Status MilvusServiceImpl::Upsert(grpc::ServerContext* context, const pb::milvus::UpsertRequest* request, pb::milvus::MutationResult* response) {
  return Serve(context, "Upsert", request, response, &MilvusServiceImpl::Upsert);
}

grpc::Status MilvusServiceImpl::Search(grpc::ServerContext* context, const pb::milvus::SearchRequest* request, pb::milvus::SearchResults* response) {
  return Serve(context, "Search", request, response, &MilvusServiceImpl::Search);
}

grpc::Status MilvusServiceImpl::HybridSearch(grpc::ServerContext* context, const pb::milvus::HybridSearchRequest* request, pb::milvus::SearchResults* response) {
  return Serve(context, "HybridSearch", request, response, &MilvusServiceImpl::HybridSearch);
}

grpc::Status MilvusServiceImpl::Flush(grpc::ServerContext* context, const pb::milvus::FlushRequest* request, pb::milvus::FlushResponse* response) {
  return Serve(context, "Flush", request, response, &MilvusServiceImpl::Flush);
}

grpc::Status MilvusServiceImpl::Query(grpc::ServerContext* context, const pb::milvus::QueryRequest* request, pb::milvus::QueryResults* response) {
  return Serve(context, "Query", request, response, &MilvusServiceImpl::Query);
}

grpc::Status MilvusServiceImpl::CalcDistance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "CalcDistance", request, response, &MilvusServiceImpl::CalcDistance);
}

grpc::Status MilvusServiceImpl::FlushAll(grpc::ServerContext* context, const pb::milvus::FlushAllRequest* request, pb::milvus::FlushAllResponse* response) {
  return Serve(context, "FlushAll", request, response, &MilvusServiceImpl::FlushAll);
}

grpc::Status MilvusServiceImpl::AddCollectionField(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "AddCollectionField", request, response, &MilvusServiceImpl::AddCollectionField);
}

grpc::Status MilvusServiceImpl::GetFlushState(grpc::ServerContext* context, const pb::milvus::GetFlushStateRequest* request, pb::milvus::GetFlushStateResponse* response) {
  return Serve(context, "GetFlushState", request, response, &MilvusServiceImpl::GetFlushState);
}

grpc::Status MilvusServiceImpl::GetFlushAllState(grpc::ServerContext* context, const pb::milvus::GetFlushAllStateRequest* request, pb::milvus::GetFlushAllStateResponse* response) {
  return Serve(context, "GetFlushAllState", request, response, &MilvusServiceImpl::GetFlushAllState);
}

grpc::Status MilvusServiceImpl::GetPersistentSegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetPersistentSegmentInfo", request, response, &MilvusServiceImpl::GetPersistentSegmentInfo);
}

grpc::Status MilvusServiceImpl::GetQuerySegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetQuerySegmentInfo", request, response, &MilvusServiceImpl::GetQuerySegmentInfo);
}

grpc::Status MilvusServiceImpl::GetReplicas(grpc::ServerContext* context, const pb::milvus::GetReplicasRequest* request, pb::milvus::GetReplicasResponse* response) {
  return Serve(context, "GetReplicas", request, response, &MilvusServiceImpl::GetReplicas);
}

grpc::Status MilvusServiceImpl::Dummy(grpc::ServerContext* context, const pb::milvus::DummyRequest* request, pb::milvus::DummyResponse* response) {
  return Serve(context, "Dummy", request, response, &MilvusServiceImpl::Dummy);
}

grpc::Status MilvusServiceImpl::RegisterLink(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::RegisterLinkResponse* response) {
  return Serve(context, "RegisterLink", request, response, &MilvusServiceImpl::RegisterLink);
}

grpc::Status MilvusServiceImpl::GetMetrics(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetMetrics", request, response, &MilvusServiceImpl::GetMetrics);
}

grpc::Status MilvusServiceImpl::GetComponentStates(grpc::ServerContext* context, const pb::milvus::GetComponentStatesRequest* request, pb::milvus::ComponentStates* response) {
  return Serve(context, "GetComponentStates", request, response, &MilvusServiceImpl::GetComponentStates);
}

grpc::Status MilvusServiceImpl::LoadBalance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "LoadBalance", request, response, &MilvusServiceImpl::LoadBalance);
}

grpc::Status MilvusServiceImpl::GetCompactionState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetCompactionState", request, response, &MilvusServiceImpl::GetCompactionState);
}

grpc::Status MilvusServiceImpl::ManualCompaction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ManualCompaction", request, response, &MilvusServiceImpl::ManualCompaction);
}

grpc::Status MilvusServiceImpl::GetCompactionStateWithPlans(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetCompactionStateWithPlans", request, response, &MilvusServiceImpl::GetCompactionStateWithPlans);
}

grpc::Status MilvusServiceImpl::Import(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "Import", request, response, &MilvusServiceImpl::Import);
}

grpc::Status MilvusServiceImpl::GetImportState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetImportState", request, response, &MilvusServiceImpl::GetImportState);
}

grpc::Status MilvusServiceImpl::ListImportTasks(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ListImportTasks", request, response, &MilvusServiceImpl::ListImportTasks);
}

grpc::Status MilvusServiceImpl::CreateCredential(grpc::ServerContext* context, const pb::milvus::CreateCredentialRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateCredential", request, response, &MilvusServiceImpl::CreateCredential);
}

grpc::Status MilvusServiceImpl::UpdateCredential(grpc::ServerContext* context, const pb::milvus::UpdateCredentialRequest* request, pb::common::Status* response) {
  return Serve(context, "UpdateCredential", request, response, &MilvusServiceImpl::UpdateCredential);
}

grpc::Status MilvusServiceImpl::DeleteCredential(grpc::ServerContext* context, const pb::milvus::DeleteCredentialRequest* request, pb::common::Status* response) {
  return Serve(context, "DeleteCredential", request, response, &MilvusServiceImpl::DeleteCredential);
}

grpc::Status MilvusServiceImpl::ListCredUsers(grpc::ServerContext* context, const pb::milvus::ListCredUsersRequest* request, pb::milvus::ListCredUsersResponse* response) {
  return Serve(context, "ListCredUsers", request, response, &MilvusServiceImpl::ListCredUsers);
}

grpc::Status MilvusServiceImpl::CreateRole(grpc::ServerContext* context, const pb::milvus::CreateRoleRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateRole", request, response, &MilvusServiceImpl::CreateRole);
}

grpc::Status MilvusServiceImpl::DropRole(grpc::ServerContext* context, const pb::milvus::DropRoleRequest* request, pb::common::Status* response) {
  return Serve(context, "DropRole", request, response, &MilvusServiceImpl::DropRole);
}

grpc::Status MilvusServiceImpl::OperateUserRole(grpc::ServerContext* context, const pb::milvus::OperateUserRoleRequest* request, pb::common::Status* response) {
  return Serve(context, "OperateUserRole", request, response, &MilvusServiceImpl::OperateUserRole);
}

grpc::Status MilvusServiceImpl::SelectRole(grpc::ServerContext* context, const pb::milvus::SelectRoleRequest* request, pb::milvus::SelectRoleResponse* response) {
  return Serve(context, "SelectRole", request, response, &MilvusServiceImpl::SelectRole);
}

grpc::Status MilvusServiceImpl::SelectUser(grpc::ServerContext* context, const pb::milvus::SelectUserRequest* request, pb::milvus::SelectUserResponse* response) {
  return Serve(context, "SelectUser", request, response, &MilvusServiceImpl::SelectUser);
}

grpc::Status MilvusServiceImpl::OperatePrivilege(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeRequest* request, pb::common::Status* response) {
  return Serve(context, "OperatePrivilege", request, response, &MilvusServiceImpl::OperatePrivilege);
}

grpc::Status MilvusServiceImpl::OperatePrivilegeV2(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeV2Request* request, pb::common::Status* response) {
  return Serve(context, "OperatePrivilegeV2", request, response, &MilvusServiceImpl::OperatePrivilegeV2);
}

grpc::Status MilvusServiceImpl::SelectGrant(grpc::ServerContext* context, const pb::milvus::SelectGrantRequest* request, pb::milvus::SelectGrantResponse* response) {
  return Serve(context, "SelectGrant", request, response, &MilvusServiceImpl::SelectGrant);
}

grpc::Status MilvusServiceImpl::GetVersion(grpc::ServerContext* context, const pb::milvus::GetVersionRequest* request, pb::milvus::GetVersionResponse* response) {
  return Serve(context, "GetVersion", request, response, &MilvusServiceImpl::GetVersion);
}

grpc::Status MilvusServiceImpl::CheckHealth(grpc::ServerContext* context, const pb::milvus::CheckHealthRequest* request, pb::milvus::CheckHealthResponse* response) {
  return Serve(context, "CheckHealth", request, response, &MilvusServiceImpl::CheckHealth);
}

grpc::Status MilvusServiceImpl::CreateResourceGroup(grpc::ServerContext* context, const pb::milvus::CreateResourceGroupRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateResourceGroup", request, response, &MilvusServiceImpl::CreateResourceGroup);
}

grpc::Status MilvusServiceImpl::DropResourceGroup(grpc::ServerContext* context, const pb::milvus::DropResourceGroupRequest* request, pb::common::Status* response) {
  return Serve(context, "DropResourceGroup", request, response, &MilvusServiceImpl::DropResourceGroup);
}

grpc::Status MilvusServiceImpl::UpdateResourceGroups(grpc::ServerContext* context, const pb::milvus::UpdateResourceGroupsRequest* request, pb::common::Status* response) {
  return Serve(context, "UpdateResourceGroups", request, response, &MilvusServiceImpl::UpdateResourceGroups);
}

grpc::Status MilvusServiceImpl::TransferNode(grpc::ServerContext* context, const pb::milvus::TransferNodeRequest* request, pb::common::Status* response) {
  return Serve(context, "TransferNode", request, response, &MilvusServiceImpl::TransferNode);
}

grpc::Status MilvusServiceImpl::TransferReplica(grpc::ServerContext* context, const pb::milvus::TransferReplicaRequest* request, pb::common::Status* response) {
  return Serve(context, "TransferReplica", request, response, &MilvusServiceImpl::TransferReplica);
}

grpc::Status MilvusServiceImpl::ListResourceGroups(grpc::ServerContext* context, const pb::milvus::ListResourceGroupsRequest* request, pb::milvus::ListResourceGroupsResponse* response) {
  return Serve(context, "ListResourceGroups", request, response, &MilvusServiceImpl::ListResourceGroups);
}

grpc::Status MilvusServiceImpl::DescribeResourceGroup(grpc::ServerContext* context, const pb::milvus::DescribeResourceGroupRequest* request, pb::milvus::DescribeResourceGroupResponse* response) {
  return Serve(context, "DescribeResourceGroup", request, response, &MilvusServiceImpl::DescribeResourceGroup);
}

grpc::Status MilvusServiceImpl::RenameCollection(grpc::ServerContext* context, const pb::milvus::RenameCollectionRequest* request, pb::common::Status* response) {
  return Serve(context, "RenameCollection", request, response, &MilvusServiceImpl::RenameCollection);
}

grpc::Status MilvusServiceImpl::ListIndexedSegment(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ListIndexedSegment", request, response, &MilvusServiceImpl::ListIndexedSegment);
}

grpc::Status MilvusServiceImpl::DescribeSegmentIndexData(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "DescribeSegmentIndexData", request, response, &MilvusServiceImpl::DescribeSegmentIndexData);
}

grpc::Status MilvusServiceImpl::Connect(grpc::ServerContext* context, const pb::milvus::ConnectRequest* request, pb::milvus::ConnectResponse* response) {
  return Serve(context, "Connect", request, response, &MilvusServiceImpl::Connect);
}

grpc::Status MilvusServiceImpl::AllocTimestamp(grpc::ServerContext* context, const pb::milvus::AllocTimestampRequest* request, pb::milvus::AllocTimestampResponse* response) {
  return Serve(context, "AllocTimestamp", request, response, &MilvusServiceImpl::AllocTimestamp);
}

grpc::Status MilvusServiceImpl::CreateDatabase(grpc::ServerContext* context, const pb::milvus::CreateDatabaseRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateDatabase", request, response, &MilvusServiceImpl::CreateDatabase);
}

grpc::Status MilvusServiceImpl::DropDatabase(grpc::ServerContext* context, const pb::milvus::DropDatabaseRequest* request, pb::common::Status* response) {
  return Serve(context, "DropDatabase", request, response, &MilvusServiceImpl::DropDatabase);
}

grpc::Status MilvusServiceImpl::ListDatabases(grpc::ServerContext* context, const pb::milvus::ListDatabasesRequest* request, pb::milvus::ListDatabasesResponse* response) {
  return Serve(context, "ListDatabases", request, response, &MilvusServiceImpl::ListDatabases);
}

grpc::Status MilvusServiceImpl::AlterDatabase(grpc::ServerContext* context, const pb::milvus::AlterDatabaseRequest* request, pb::common::Status* response) {
  return Serve(context, "AlterDatabase", request, response, &MilvusServiceImpl::AlterDatabase);
}

grpc::Status MilvusServiceImpl::DescribeDatabase(grpc::ServerContext* context, const pb::milvus::DescribeDatabaseRequest* request, pb::milvus::DescribeDatabaseResponse* response) {
  return Serve(context, "DescribeDatabase", request, response, &MilvusServiceImpl::DescribeDatabase);
}

grpc::Status MilvusServiceImpl::ReplicateMessage(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ReplicateMessage", request, response, &MilvusServiceImpl::ReplicateMessage);
}

grpc::Status MilvusServiceImpl::BackupRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "BackupRBAC", request, response, &MilvusServiceImpl::BackupRBAC);
}

grpc::Status MilvusServiceImpl::RestoreRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "RestoreRBAC", request, response, &MilvusServiceImpl::RestoreRBAC);
}

grpc::Status MilvusServiceImpl::CreatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::CreatePrivilegeGroupRequest* request, pb::common::Status* response) {
  return Serve(context, "CreatePrivilegeGroup", request, response, &MilvusServiceImpl::CreatePrivilegeGroup);
}

grpc::Status MilvusServiceImpl::DropPrivilegeGroup(grpc::ServerContext* context, const pb::milvus::DropPrivilegeGroupRequest* request, pb::common::Status* response) {
  return Serve(context, "DropPrivilegeGroup", request, response, &MilvusServiceImpl::DropPrivilegeGroup);
}

grpc::Status MilvusServiceImpl::ListPrivilegeGroups(grpc::ServerContext* context, const pb::milvus::ListPrivilegeGroupsRequest* request, pb::milvus::ListPrivilegeGroupsResponse* response) {
  return Serve(context, "ListPrivilegeGroups", request, response, &MilvusServiceImpl::ListPrivilegeGroups);
}

grpc::Status MilvusServiceImpl::OperatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeGroupRequest* request, pb::common::Status* response) {
  return Serve(context, "OperatePrivilegeGroup", request, response, &MilvusServiceImpl::OperatePrivilegeGroup);
}

grpc::Status MilvusServiceImpl::RunAnalyzer(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "RunAnalyzer", request, response, &MilvusServiceImpl::RunAnalyzer);
}

grpc::Status MilvusServiceImpl::AddFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "AddFileResource", request, response, &MilvusServiceImpl::AddFileResource);
}

grpc::Status MilvusServiceImpl::RemoveFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "RemoveFileResource", request, response, &MilvusServiceImpl::RemoveFileResource);
}

grpc::Status MilvusServiceImpl::ListFileResources(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ListFileResources", request, response, &MilvusServiceImpl::ListFileResources);
}

grpc::Status MilvusServiceImpl::AddUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "AddUserTags", request, response, &MilvusServiceImpl::AddUserTags);
}

grpc::Status MilvusServiceImpl::DeleteUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "DeleteUserTags", request, response, &MilvusServiceImpl::DeleteUserTags);
}

grpc::Status MilvusServiceImpl::GetUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetUserTags", request, response, &MilvusServiceImpl::GetUserTags);
}

grpc::Status MilvusServiceImpl::ListUsersWithTag(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ListUsersWithTag", request, response, &MilvusServiceImpl::ListUsersWithTag);
}

grpc::Status MilvusServiceImpl::CreateRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "CreateRowPolicy", request, response, &MilvusServiceImpl::CreateRowPolicy);
}

grpc::Status MilvusServiceImpl::DropRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "DropRowPolicy", request, response, &MilvusServiceImpl::DropRowPolicy);
}

grpc::Status MilvusServiceImpl::ListRowPolicies(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "ListRowPolicies", request, response, &MilvusServiceImpl::ListRowPolicies);
}

grpc::Status MilvusServiceImpl::UpdateReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) {
  return Serve(context, "UpdateReplicateConfiguration", request, response, &MilvusServiceImpl::UpdateReplicateConfiguration);
}

grpc::Status MilvusServiceImpl::GetReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetReplicateConfiguration", request, response, &MilvusServiceImpl::GetReplicateConfiguration);
}

grpc::Status MilvusServiceImpl::GetReplicateInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) {
  return Serve(context, "GetReplicateInfo", request, response, &MilvusServiceImpl::GetReplicateInfo);
}

}  // namespace quiver::rpc::milvus
