#pragma once

// MilvusService over gRPC: turns wire messages into Proxy calls and their results back into
// wire messages (the "transport" layer of the proxy, STYLE.md §2.3). Every method
// answers gRPC OK with a Milvus status inside, as Milvus does; application errors never surface
// as gRPC errors. Split by concern: grpc_service.cc (session, helpers), grpc_ddl.cc (collections,
// partitions, aliases, databases, indexes, load), grpc_dml.cc (insert, upsert, delete, flush),
// grpc_search.cc (search, hybrid search, query), grpc_stubs.cc (not yet supported methods).
// Thread-safe.

#include <atomic>
#include <functional>
#include <string>

#include "common/metrics.h"
#include "milvus/milvus.grpc.pb.h"
#include "proxy/access_control.h"
#include "proxy/access_log.h"
#include "proxy/call_context.h"
#include "proxy/proxy.h"
#include "proxy/request_gate.h"
#include "proxy/search_iterator.h"
#include "rpc/milvus/convert.h"

namespace quiver::rpc::milvus {

// The proxy's vocabulary, which this front door translates the Milvus wire messages into.
using proxy::AccessControl;
using proxy::AccessEntry;
using proxy::AccessLog;
using proxy::AccessTarget;
using proxy::CallContext;
using proxy::ClaimedUser;
using proxy::Identity;
using proxy::MutationOutcome;
using proxy::OutputPlan;
using proxy::Proxy;
using proxy::SearchIteratorParams;
using proxy::DecodeSearchIteratorToken;
using proxy::EncodeSearchIteratorToken;
using proxy::FlagSet;
using proxy::NewSearchIteratorId;
using proxy::ParseFlag;
using proxy::ParseInteger;
using proxy::ParseSearchIterator;
using proxy::SearchIteratorToken;
using proxy::kSearchIteratorKeys;

// CallContext of a gRPC call.
class GrpcCallContext final : public CallContext {
 public:
  explicit GrpcCallContext(grpc::ServerContext* context) : context_(context) {}
  std::string Metadata(std::string_view key) const override;
  std::string peer() const override { return context_->peer(); }
  std::chrono::system_clock::time_point deadline() const override { return context_->deadline(); }
  bool IsCancelled() const override { return context_->IsCancelled(); }

 private:
  grpc::ServerContext* context_;
};

class MilvusServiceImpl final : public pb::milvus::MilvusService::Service {
 public:
  // `gate` admits requests (readiness, authentication, privileges) and records their metrics.
  MilvusServiceImpl(Proxy* proxy, proxy::RequestGate* gate, std::string version);

  grpc::Status CreateCollection(grpc::ServerContext* context, const pb::milvus::CreateCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status DropCollection(grpc::ServerContext* context, const pb::milvus::DropCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status HasCollection(grpc::ServerContext* context, const pb::milvus::HasCollectionRequest* request, pb::milvus::BoolResponse* response) override;
  grpc::Status LoadCollection(grpc::ServerContext* context, const pb::milvus::LoadCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status ReleaseCollection(grpc::ServerContext* context, const pb::milvus::ReleaseCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status DescribeCollection(grpc::ServerContext* context, const pb::milvus::DescribeCollectionRequest* request, pb::milvus::DescribeCollectionResponse* response) override;
  grpc::Status BatchDescribeCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetCollectionStatistics(grpc::ServerContext* context, const pb::milvus::GetCollectionStatisticsRequest* request, pb::milvus::GetCollectionStatisticsResponse* response) override;
  grpc::Status ShowCollections(grpc::ServerContext* context, const pb::milvus::ShowCollectionsRequest* request, pb::milvus::ShowCollectionsResponse* response) override;
  grpc::Status AlterCollection(grpc::ServerContext* context, const pb::milvus::AlterCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status AlterCollectionField(grpc::ServerContext* context, const pb::milvus::AlterCollectionFieldRequest* request, pb::common::Status* response) override;
  grpc::Status AddCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status AlterCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status DropCollectionFunction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status TruncateCollection(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status CreatePartition(grpc::ServerContext* context, const pb::milvus::CreatePartitionRequest* request, pb::common::Status* response) override;
  grpc::Status DropPartition(grpc::ServerContext* context, const pb::milvus::DropPartitionRequest* request, pb::common::Status* response) override;
  grpc::Status HasPartition(grpc::ServerContext* context, const pb::milvus::HasPartitionRequest* request, pb::milvus::BoolResponse* response) override;
  grpc::Status LoadPartitions(grpc::ServerContext* context, const pb::milvus::LoadPartitionsRequest* request, pb::common::Status* response) override;
  grpc::Status ReleasePartitions(grpc::ServerContext* context, const pb::milvus::ReleasePartitionsRequest* request, pb::common::Status* response) override;
  grpc::Status GetPartitionStatistics(grpc::ServerContext* context, const pb::milvus::GetPartitionStatisticsRequest* request, pb::milvus::GetPartitionStatisticsResponse* response) override;
  grpc::Status ShowPartitions(grpc::ServerContext* context, const pb::milvus::ShowPartitionsRequest* request, pb::milvus::ShowPartitionsResponse* response) override;
  grpc::Status GetLoadingProgress(grpc::ServerContext* context, const pb::milvus::GetLoadingProgressRequest* request, pb::milvus::GetLoadingProgressResponse* response) override;
  grpc::Status GetLoadState(grpc::ServerContext* context, const pb::milvus::GetLoadStateRequest* request, pb::milvus::GetLoadStateResponse* response) override;
  grpc::Status CreateAlias(grpc::ServerContext* context, const pb::milvus::CreateAliasRequest* request, pb::common::Status* response) override;
  grpc::Status DropAlias(grpc::ServerContext* context, const pb::milvus::DropAliasRequest* request, pb::common::Status* response) override;
  grpc::Status AlterAlias(grpc::ServerContext* context, const pb::milvus::AlterAliasRequest* request, pb::common::Status* response) override;
  grpc::Status DescribeAlias(grpc::ServerContext* context, const pb::milvus::DescribeAliasRequest* request, pb::milvus::DescribeAliasResponse* response) override;
  grpc::Status ListAliases(grpc::ServerContext* context, const pb::milvus::ListAliasesRequest* request, pb::milvus::ListAliasesResponse* response) override;
  grpc::Status CreateIndex(grpc::ServerContext* context, const pb::milvus::CreateIndexRequest* request, pb::common::Status* response) override;
  grpc::Status AlterIndex(grpc::ServerContext* context, const pb::milvus::AlterIndexRequest* request, pb::common::Status* response) override;
  grpc::Status DescribeIndex(grpc::ServerContext* context, const pb::milvus::DescribeIndexRequest* request, pb::milvus::DescribeIndexResponse* response) override;
  grpc::Status GetIndexStatistics(grpc::ServerContext* context, const pb::milvus::GetIndexStatisticsRequest* request, pb::milvus::GetIndexStatisticsResponse* response) override;
  grpc::Status GetIndexState(grpc::ServerContext* context, const pb::milvus::GetIndexStateRequest* request, pb::milvus::GetIndexStateResponse* response) override;
  grpc::Status GetIndexBuildProgress(grpc::ServerContext* context, const pb::milvus::GetIndexBuildProgressRequest* request, pb::milvus::GetIndexBuildProgressResponse* response) override;
  grpc::Status DropIndex(grpc::ServerContext* context, const pb::milvus::DropIndexRequest* request, pb::common::Status* response) override;
  grpc::Status Insert(grpc::ServerContext* context, const pb::milvus::InsertRequest* request, pb::milvus::MutationResult* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const pb::milvus::DeleteRequest* request, pb::milvus::MutationResult* response) override;
  grpc::Status Upsert(grpc::ServerContext* context, const pb::milvus::UpsertRequest* request, pb::milvus::MutationResult* response) override;
  grpc::Status Search(grpc::ServerContext* context, const pb::milvus::SearchRequest* request, pb::milvus::SearchResults* response) override;
  grpc::Status HybridSearch(grpc::ServerContext* context, const pb::milvus::HybridSearchRequest* request, pb::milvus::SearchResults* response) override;
  grpc::Status Flush(grpc::ServerContext* context, const pb::milvus::FlushRequest* request, pb::milvus::FlushResponse* response) override;
  grpc::Status Query(grpc::ServerContext* context, const pb::milvus::QueryRequest* request, pb::milvus::QueryResults* response) override;
  grpc::Status CalcDistance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status FlushAll(grpc::ServerContext* context, const pb::milvus::FlushAllRequest* request, pb::milvus::FlushAllResponse* response) override;
  grpc::Status AddCollectionField(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status GetFlushState(grpc::ServerContext* context, const pb::milvus::GetFlushStateRequest* request, pb::milvus::GetFlushStateResponse* response) override;
  grpc::Status GetFlushAllState(grpc::ServerContext* context, const pb::milvus::GetFlushAllStateRequest* request, pb::milvus::GetFlushAllStateResponse* response) override;
  grpc::Status GetPersistentSegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetQuerySegmentInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetReplicas(grpc::ServerContext* context, const pb::milvus::GetReplicasRequest* request, pb::milvus::GetReplicasResponse* response) override;
  grpc::Status Dummy(grpc::ServerContext* context, const pb::milvus::DummyRequest* request, pb::milvus::DummyResponse* response) override;
  grpc::Status RegisterLink(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::RegisterLinkResponse* response) override;
  grpc::Status GetMetrics(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetComponentStates(grpc::ServerContext* context, const pb::milvus::GetComponentStatesRequest* request, pb::milvus::ComponentStates* response) override;
  grpc::Status LoadBalance(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status GetCompactionState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status ManualCompaction(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetCompactionStateWithPlans(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status Import(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetImportState(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status ListImportTasks(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status CreateCredential(grpc::ServerContext* context, const pb::milvus::CreateCredentialRequest* request, pb::common::Status* response) override;
  grpc::Status UpdateCredential(grpc::ServerContext* context, const pb::milvus::UpdateCredentialRequest* request, pb::common::Status* response) override;
  grpc::Status DeleteCredential(grpc::ServerContext* context, const pb::milvus::DeleteCredentialRequest* request, pb::common::Status* response) override;
  grpc::Status ListCredUsers(grpc::ServerContext* context, const pb::milvus::ListCredUsersRequest* request, pb::milvus::ListCredUsersResponse* response) override;
  grpc::Status CreateRole(grpc::ServerContext* context, const pb::milvus::CreateRoleRequest* request, pb::common::Status* response) override;
  grpc::Status DropRole(grpc::ServerContext* context, const pb::milvus::DropRoleRequest* request, pb::common::Status* response) override;
  grpc::Status OperateUserRole(grpc::ServerContext* context, const pb::milvus::OperateUserRoleRequest* request, pb::common::Status* response) override;
  grpc::Status SelectRole(grpc::ServerContext* context, const pb::milvus::SelectRoleRequest* request, pb::milvus::SelectRoleResponse* response) override;
  grpc::Status SelectUser(grpc::ServerContext* context, const pb::milvus::SelectUserRequest* request, pb::milvus::SelectUserResponse* response) override;
  grpc::Status OperatePrivilege(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeRequest* request, pb::common::Status* response) override;
  grpc::Status OperatePrivilegeV2(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeV2Request* request, pb::common::Status* response) override;
  grpc::Status SelectGrant(grpc::ServerContext* context, const pb::milvus::SelectGrantRequest* request, pb::milvus::SelectGrantResponse* response) override;
  grpc::Status GetVersion(grpc::ServerContext* context, const pb::milvus::GetVersionRequest* request, pb::milvus::GetVersionResponse* response) override;
  grpc::Status CheckHealth(grpc::ServerContext* context, const pb::milvus::CheckHealthRequest* request, pb::milvus::CheckHealthResponse* response) override;
  grpc::Status CreateResourceGroup(grpc::ServerContext* context, const pb::milvus::CreateResourceGroupRequest* request, pb::common::Status* response) override;
  grpc::Status DropResourceGroup(grpc::ServerContext* context, const pb::milvus::DropResourceGroupRequest* request, pb::common::Status* response) override;
  grpc::Status UpdateResourceGroups(grpc::ServerContext* context, const pb::milvus::UpdateResourceGroupsRequest* request, pb::common::Status* response) override;
  grpc::Status TransferNode(grpc::ServerContext* context, const pb::milvus::TransferNodeRequest* request, pb::common::Status* response) override;
  grpc::Status TransferReplica(grpc::ServerContext* context, const pb::milvus::TransferReplicaRequest* request, pb::common::Status* response) override;
  grpc::Status ListResourceGroups(grpc::ServerContext* context, const pb::milvus::ListResourceGroupsRequest* request, pb::milvus::ListResourceGroupsResponse* response) override;
  grpc::Status DescribeResourceGroup(grpc::ServerContext* context, const pb::milvus::DescribeResourceGroupRequest* request, pb::milvus::DescribeResourceGroupResponse* response) override;
  grpc::Status RenameCollection(grpc::ServerContext* context, const pb::milvus::RenameCollectionRequest* request, pb::common::Status* response) override;
  grpc::Status ListIndexedSegment(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status DescribeSegmentIndexData(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status Connect(grpc::ServerContext* context, const pb::milvus::ConnectRequest* request, pb::milvus::ConnectResponse* response) override;
  grpc::Status AllocTimestamp(grpc::ServerContext* context, const pb::milvus::AllocTimestampRequest* request, pb::milvus::AllocTimestampResponse* response) override;
  grpc::Status CreateDatabase(grpc::ServerContext* context, const pb::milvus::CreateDatabaseRequest* request, pb::common::Status* response) override;
  grpc::Status DropDatabase(grpc::ServerContext* context, const pb::milvus::DropDatabaseRequest* request, pb::common::Status* response) override;
  grpc::Status ListDatabases(grpc::ServerContext* context, const pb::milvus::ListDatabasesRequest* request, pb::milvus::ListDatabasesResponse* response) override;
  grpc::Status AlterDatabase(grpc::ServerContext* context, const pb::milvus::AlterDatabaseRequest* request, pb::common::Status* response) override;
  grpc::Status DescribeDatabase(grpc::ServerContext* context, const pb::milvus::DescribeDatabaseRequest* request, pb::milvus::DescribeDatabaseResponse* response) override;
  grpc::Status ReplicateMessage(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status BackupRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status RestoreRBAC(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status CreatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::CreatePrivilegeGroupRequest* request, pb::common::Status* response) override;
  grpc::Status DropPrivilegeGroup(grpc::ServerContext* context, const pb::milvus::DropPrivilegeGroupRequest* request, pb::common::Status* response) override;
  grpc::Status ListPrivilegeGroups(grpc::ServerContext* context, const pb::milvus::ListPrivilegeGroupsRequest* request, pb::milvus::ListPrivilegeGroupsResponse* response) override;
  grpc::Status OperatePrivilegeGroup(grpc::ServerContext* context, const pb::milvus::OperatePrivilegeGroupRequest* request, pb::common::Status* response) override;
  grpc::Status RunAnalyzer(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status AddFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status RemoveFileResource(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status ListFileResources(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status AddUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status DeleteUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status GetUserTags(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status ListUsersWithTag(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status CreateRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status DropRowPolicy(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status ListRowPolicies(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status UpdateReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response) override;
  grpc::Status GetReplicateConfiguration(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status GetReplicateInfo(grpc::ServerContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response) override;
  grpc::Status CreateReplicateStream(grpc::ServerContext* context, grpc::ServerReaderWriter<pb::milvus::StubResponse, pb::milvus::StubRequest>* stream) override;
  grpc::Status DumpMessages(grpc::ServerContext* context, const pb::milvus::StubRequest* request, grpc::ServerWriter<pb::milvus::StubResponse>* writer) override;

  // The same methods for any front door: `context` tells the caller's metadata, deadline and
  // cancellation (the gRPC overrides above wrap their ServerContext; REST builds its own).
  grpc::Status CreateCollection(CallContext* context, const pb::milvus::CreateCollectionRequest* request, pb::common::Status* response);
  grpc::Status DropCollection(CallContext* context, const pb::milvus::DropCollectionRequest* request, pb::common::Status* response);
  grpc::Status HasCollection(CallContext* context, const pb::milvus::HasCollectionRequest* request, pb::milvus::BoolResponse* response);
  grpc::Status LoadCollection(CallContext* context, const pb::milvus::LoadCollectionRequest* request, pb::common::Status* response);
  grpc::Status ReleaseCollection(CallContext* context, const pb::milvus::ReleaseCollectionRequest* request, pb::common::Status* response);
  grpc::Status DescribeCollection(CallContext* context, const pb::milvus::DescribeCollectionRequest* request, pb::milvus::DescribeCollectionResponse* response);
  grpc::Status BatchDescribeCollection(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetCollectionStatistics(CallContext* context, const pb::milvus::GetCollectionStatisticsRequest* request, pb::milvus::GetCollectionStatisticsResponse* response);
  grpc::Status ShowCollections(CallContext* context, const pb::milvus::ShowCollectionsRequest* request, pb::milvus::ShowCollectionsResponse* response);
  grpc::Status AlterCollection(CallContext* context, const pb::milvus::AlterCollectionRequest* request, pb::common::Status* response);
  grpc::Status AlterCollectionField(CallContext* context, const pb::milvus::AlterCollectionFieldRequest* request, pb::common::Status* response);
  grpc::Status AddCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status AlterCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status DropCollectionFunction(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status TruncateCollection(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status CreatePartition(CallContext* context, const pb::milvus::CreatePartitionRequest* request, pb::common::Status* response);
  grpc::Status DropPartition(CallContext* context, const pb::milvus::DropPartitionRequest* request, pb::common::Status* response);
  grpc::Status HasPartition(CallContext* context, const pb::milvus::HasPartitionRequest* request, pb::milvus::BoolResponse* response);
  grpc::Status LoadPartitions(CallContext* context, const pb::milvus::LoadPartitionsRequest* request, pb::common::Status* response);
  grpc::Status ReleasePartitions(CallContext* context, const pb::milvus::ReleasePartitionsRequest* request, pb::common::Status* response);
  grpc::Status GetPartitionStatistics(CallContext* context, const pb::milvus::GetPartitionStatisticsRequest* request, pb::milvus::GetPartitionStatisticsResponse* response);
  grpc::Status ShowPartitions(CallContext* context, const pb::milvus::ShowPartitionsRequest* request, pb::milvus::ShowPartitionsResponse* response);
  grpc::Status GetLoadingProgress(CallContext* context, const pb::milvus::GetLoadingProgressRequest* request, pb::milvus::GetLoadingProgressResponse* response);
  grpc::Status GetLoadState(CallContext* context, const pb::milvus::GetLoadStateRequest* request, pb::milvus::GetLoadStateResponse* response);
  grpc::Status CreateAlias(CallContext* context, const pb::milvus::CreateAliasRequest* request, pb::common::Status* response);
  grpc::Status DropAlias(CallContext* context, const pb::milvus::DropAliasRequest* request, pb::common::Status* response);
  grpc::Status AlterAlias(CallContext* context, const pb::milvus::AlterAliasRequest* request, pb::common::Status* response);
  grpc::Status DescribeAlias(CallContext* context, const pb::milvus::DescribeAliasRequest* request, pb::milvus::DescribeAliasResponse* response);
  grpc::Status ListAliases(CallContext* context, const pb::milvus::ListAliasesRequest* request, pb::milvus::ListAliasesResponse* response);
  grpc::Status CreateIndex(CallContext* context, const pb::milvus::CreateIndexRequest* request, pb::common::Status* response);
  grpc::Status AlterIndex(CallContext* context, const pb::milvus::AlterIndexRequest* request, pb::common::Status* response);
  grpc::Status DescribeIndex(CallContext* context, const pb::milvus::DescribeIndexRequest* request, pb::milvus::DescribeIndexResponse* response);
  grpc::Status GetIndexStatistics(CallContext* context, const pb::milvus::GetIndexStatisticsRequest* request, pb::milvus::GetIndexStatisticsResponse* response);
  grpc::Status GetIndexState(CallContext* context, const pb::milvus::GetIndexStateRequest* request, pb::milvus::GetIndexStateResponse* response);
  grpc::Status GetIndexBuildProgress(CallContext* context, const pb::milvus::GetIndexBuildProgressRequest* request, pb::milvus::GetIndexBuildProgressResponse* response);
  grpc::Status DropIndex(CallContext* context, const pb::milvus::DropIndexRequest* request, pb::common::Status* response);
  grpc::Status Insert(CallContext* context, const pb::milvus::InsertRequest* request, pb::milvus::MutationResult* response);
  grpc::Status Delete(CallContext* context, const pb::milvus::DeleteRequest* request, pb::milvus::MutationResult* response);
  grpc::Status Upsert(CallContext* context, const pb::milvus::UpsertRequest* request, pb::milvus::MutationResult* response);
  grpc::Status Search(CallContext* context, const pb::milvus::SearchRequest* request, pb::milvus::SearchResults* response);
  grpc::Status HybridSearch(CallContext* context, const pb::milvus::HybridSearchRequest* request, pb::milvus::SearchResults* response);
  grpc::Status Flush(CallContext* context, const pb::milvus::FlushRequest* request, pb::milvus::FlushResponse* response);
  grpc::Status Query(CallContext* context, const pb::milvus::QueryRequest* request, pb::milvus::QueryResults* response);
  grpc::Status CalcDistance(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status FlushAll(CallContext* context, const pb::milvus::FlushAllRequest* request, pb::milvus::FlushAllResponse* response);
  grpc::Status AddCollectionField(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status GetFlushState(CallContext* context, const pb::milvus::GetFlushStateRequest* request, pb::milvus::GetFlushStateResponse* response);
  grpc::Status GetFlushAllState(CallContext* context, const pb::milvus::GetFlushAllStateRequest* request, pb::milvus::GetFlushAllStateResponse* response);
  grpc::Status GetPersistentSegmentInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetQuerySegmentInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetReplicas(CallContext* context, const pb::milvus::GetReplicasRequest* request, pb::milvus::GetReplicasResponse* response);
  grpc::Status Dummy(CallContext* context, const pb::milvus::DummyRequest* request, pb::milvus::DummyResponse* response);
  grpc::Status RegisterLink(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::RegisterLinkResponse* response);
  grpc::Status GetMetrics(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetComponentStates(CallContext* context, const pb::milvus::GetComponentStatesRequest* request, pb::milvus::ComponentStates* response);
  grpc::Status LoadBalance(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status GetCompactionState(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status ManualCompaction(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetCompactionStateWithPlans(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status Import(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetImportState(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status ListImportTasks(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status CreateCredential(CallContext* context, const pb::milvus::CreateCredentialRequest* request, pb::common::Status* response);
  grpc::Status UpdateCredential(CallContext* context, const pb::milvus::UpdateCredentialRequest* request, pb::common::Status* response);
  grpc::Status DeleteCredential(CallContext* context, const pb::milvus::DeleteCredentialRequest* request, pb::common::Status* response);
  grpc::Status ListCredUsers(CallContext* context, const pb::milvus::ListCredUsersRequest* request, pb::milvus::ListCredUsersResponse* response);
  grpc::Status CreateRole(CallContext* context, const pb::milvus::CreateRoleRequest* request, pb::common::Status* response);
  grpc::Status DropRole(CallContext* context, const pb::milvus::DropRoleRequest* request, pb::common::Status* response);
  grpc::Status OperateUserRole(CallContext* context, const pb::milvus::OperateUserRoleRequest* request, pb::common::Status* response);
  grpc::Status SelectRole(CallContext* context, const pb::milvus::SelectRoleRequest* request, pb::milvus::SelectRoleResponse* response);
  grpc::Status SelectUser(CallContext* context, const pb::milvus::SelectUserRequest* request, pb::milvus::SelectUserResponse* response);
  grpc::Status OperatePrivilege(CallContext* context, const pb::milvus::OperatePrivilegeRequest* request, pb::common::Status* response);
  grpc::Status OperatePrivilegeV2(CallContext* context, const pb::milvus::OperatePrivilegeV2Request* request, pb::common::Status* response);
  grpc::Status SelectGrant(CallContext* context, const pb::milvus::SelectGrantRequest* request, pb::milvus::SelectGrantResponse* response);
  grpc::Status GetVersion(CallContext* context, const pb::milvus::GetVersionRequest* request, pb::milvus::GetVersionResponse* response);
  grpc::Status CheckHealth(CallContext* context, const pb::milvus::CheckHealthRequest* request, pb::milvus::CheckHealthResponse* response);
  grpc::Status CreateResourceGroup(CallContext* context, const pb::milvus::CreateResourceGroupRequest* request, pb::common::Status* response);
  grpc::Status DropResourceGroup(CallContext* context, const pb::milvus::DropResourceGroupRequest* request, pb::common::Status* response);
  grpc::Status UpdateResourceGroups(CallContext* context, const pb::milvus::UpdateResourceGroupsRequest* request, pb::common::Status* response);
  grpc::Status TransferNode(CallContext* context, const pb::milvus::TransferNodeRequest* request, pb::common::Status* response);
  grpc::Status TransferReplica(CallContext* context, const pb::milvus::TransferReplicaRequest* request, pb::common::Status* response);
  grpc::Status ListResourceGroups(CallContext* context, const pb::milvus::ListResourceGroupsRequest* request, pb::milvus::ListResourceGroupsResponse* response);
  grpc::Status DescribeResourceGroup(CallContext* context, const pb::milvus::DescribeResourceGroupRequest* request, pb::milvus::DescribeResourceGroupResponse* response);
  grpc::Status RenameCollection(CallContext* context, const pb::milvus::RenameCollectionRequest* request, pb::common::Status* response);
  grpc::Status ListIndexedSegment(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status DescribeSegmentIndexData(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status Connect(CallContext* context, const pb::milvus::ConnectRequest* request, pb::milvus::ConnectResponse* response);
  grpc::Status AllocTimestamp(CallContext* context, const pb::milvus::AllocTimestampRequest* request, pb::milvus::AllocTimestampResponse* response);
  grpc::Status CreateDatabase(CallContext* context, const pb::milvus::CreateDatabaseRequest* request, pb::common::Status* response);
  grpc::Status DropDatabase(CallContext* context, const pb::milvus::DropDatabaseRequest* request, pb::common::Status* response);
  grpc::Status ListDatabases(CallContext* context, const pb::milvus::ListDatabasesRequest* request, pb::milvus::ListDatabasesResponse* response);
  grpc::Status AlterDatabase(CallContext* context, const pb::milvus::AlterDatabaseRequest* request, pb::common::Status* response);
  grpc::Status DescribeDatabase(CallContext* context, const pb::milvus::DescribeDatabaseRequest* request, pb::milvus::DescribeDatabaseResponse* response);
  grpc::Status ReplicateMessage(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status BackupRBAC(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status RestoreRBAC(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status CreatePrivilegeGroup(CallContext* context, const pb::milvus::CreatePrivilegeGroupRequest* request, pb::common::Status* response);
  grpc::Status DropPrivilegeGroup(CallContext* context, const pb::milvus::DropPrivilegeGroupRequest* request, pb::common::Status* response);
  grpc::Status ListPrivilegeGroups(CallContext* context, const pb::milvus::ListPrivilegeGroupsRequest* request, pb::milvus::ListPrivilegeGroupsResponse* response);
  grpc::Status OperatePrivilegeGroup(CallContext* context, const pb::milvus::OperatePrivilegeGroupRequest* request, pb::common::Status* response);
  grpc::Status RunAnalyzer(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status AddFileResource(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status RemoveFileResource(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status ListFileResources(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status AddUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status DeleteUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status GetUserTags(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status ListUsersWithTag(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status CreateRowPolicy(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status DropRowPolicy(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status ListRowPolicies(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status UpdateReplicateConfiguration(CallContext* context, const pb::milvus::StubRequest* request, pb::common::Status* response);
  grpc::Status GetReplicateConfiguration(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);
  grpc::Status GetReplicateInfo(CallContext* context, const pb::milvus::StubRequest* request, pb::milvus::StubResponse* response);

  // Both before the server starts serving. `client_of` maps a gRPC peer string to the client's
  // address (for the access log and failed-login lines); the access log (null: off) gets a line
  // per request.
  void SetClientOf(std::function<std::string(const std::string&)> client_of) { client_of_ = std::move(client_of); }
  void SetAccessLog(AccessLog* log) { access_log_ = log; }

 private:
  // A gRPC call: wraps the ServerContext, runs `fn` and records the access log line.
  template <typename Req, typename Resp>
  grpc::Status Serve(grpc::ServerContext* context, const char* method, const Req* request, Resp* response,
                     grpc::Status (MilvusServiceImpl::*fn)(CallContext*, const Req*, Resp*)) {
    GrpcCallContext call(context);
    if (access_log_ == nullptr) return (this->*fn)(&call, request, response);
    auto start = std::chrono::steady_clock::now();
    grpc::Status transport = (this->*fn)(&call, request, response);
    LogAccess(&call, method, *request, *response, transport, start);
    return transport;
  }
  void LogAccess(CallContext* context, const char* method, const google::protobuf::Message& request,
                 const google::protobuf::Message& response, const grpc::Status& transport,
                 std::chrono::steady_clock::time_point start);

  // Runs `fn` for method `method` through the gate (readiness, authentication, the privilege on
  // the objects `request` names, metrics) and fills `status` from the result. Authentication and privilege failures are gRPC UNAUTHENTICATED and
  // PERMISSION_DENIED, as Milvus answers them; every other outcome is gRPC OK.
  grpc::Status Run(CallContext* context, const char* method, const google::protobuf::Message& request,
                   pb::common::Status* status, const std::function<Status()>& fn);
  grpc::Status Unimplemented(CallContext* context, const char* method,
                             const google::protobuf::Message& request, pb::common::Status* status);
  // The client's address as the front door accepted it (gRPC names socket pairs fd:N).
  std::string Client(CallContext* context) const {
    return client_of_ ? client_of_(context->peer()) : context->peer();
  }
  // The authenticated caller (the login cache makes this cheap after Run checked it).
  Identity Caller(CallContext* context);
  // The database, collections and user a request names, read by field name (db_name,
  // collection_name, collection_names, username, user.name).
  static AccessTarget TargetOf(CallContext* context, const google::protobuf::Message& request);
  // What is left of `configured` within the client's gRPC deadline (none: `configured`).
  static std::chrono::milliseconds Budget(CallContext* context, std::chrono::milliseconds configured);
  // True once the client cancelled the call or the server began shutting down: waits end.
  std::function<bool()> Cancelled(CallContext* context) const;
  // Database of a request: its db_name field if set, else the `dbname` metadata, else "default".
  static std::string Database(CallContext* context, const std::string& db_name);
  Result<cluster::CollectionPtr> Collection(CallContext* context, const std::string& db_name,
                                            const std::string& collection_name);
  Result<cluster::CollectionPtr> LoadedCollection(CallContext* context, const std::string& db_name,
                                                  const std::string& collection_name);
  // Partition ids for a request's partition names (all loaded partitions when empty).
  Result<std::vector<int64_t>> ReadPartitions(const cluster::CollectionInfo& collection,
                                              const google::protobuf::RepeatedPtrField<std::string>& names);
  // Insert (upsert = false) or upsert of wire rows; fills `response`.
  Status Mutate(CallContext* context, const std::string& db_name, const std::string& collection_name,
                const std::string& partition_name,
                const google::protobuf::RepeatedPtrField<pb::schema::FieldData>& fields, uint32_t num_rows,
                bool upsert, pb::milvus::MutationResult* response);

  Proxy* proxy_;
  proxy::RequestGate* gate_;
  AccessControl* access_;
  AccessLog* access_log_ = nullptr;
  std::function<std::string(const std::string&)> client_of_;
  std::string version_;
  std::atomic<int64_t> next_identifier_;
};

}  // namespace quiver::rpc::milvus
