#include "rpc/internal/coord_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "cluster/testing/wal_rows.h"
#include "common/file_system.h"
#include "common/testing_dir.h"
#include "common/testing_process.h"
#include "coord/catalog_codec.h"
#include "coord/coord.h"
#include "rpc/internal/access_service.h"
#include "storage/meta/meta_store.h"
#include "storage/object_store/object_store.h"
#include "storage/wal/wal.h"

// The coordinator's contract over gRPC: a Coord served by CoordService on a loopback port, driven
// through the gRPC CoordClient, answers exactly as the Coord called in process does — the same
// records, the same statuses with their ErrorDetail. The same for access control (AccessService),
// plus the client's snapshot cache.

namespace quiver::rpc {
namespace {

std::shared_ptr<const schema::CollectionSchema> Schema(const std::string& name) {
  schema::CollectionSchema s = cluster::testing::VectorSchema(4);
  s.name = name;
  EXPECT_TRUE(schema::NormalizeSchema(&s).ok());
  return std::make_shared<const schema::CollectionSchema>(s);
}

class CoordServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::LocalMetaStoreOptions options;
    options.path = dir_.Sub("meta");
    meta_ = std::move(storage::OpenLocalMetaStore(options)).value();
    wal_ = std::move(storage::OpenFileWal(fs_.get(), dir_.Sub("wal"), {})).value();
    coord_ = std::move(coord::Coord::Open(meta_.get(), wal_.get(), objects_.get(), {})).value();
    service_ = NewCoordService(coord_.get());
    access_service_ = NewAccessService(coord_->access());
    StartServer("127.0.0.1:0");
    CoordClientOptions client;
    client.address = address_;
    remote_ = NewGrpcCoordClient(client);
  }
  void StartServer(const std::string& listen) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    builder.RegisterService(access_service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  std::unique_ptr<cluster::AccessClient> RemoteAccess(std::chrono::milliseconds max_age,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    AccessClientOptions options;
    options.coord.address = address_;
    options.coord.timeout = timeout;
    options.max_age = max_age;
    return NewGrpcAccessClient(options);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  quiver::testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<storage::Wal> wal_;
  std::unique_ptr<coord::Coord> coord_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Service> access_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<cluster::CoordClient> remote_;
};

TEST_F(CoordServiceTest, CatalogAnswersAsInProcess) {
  ASSERT_TRUE(remote_->CreateDatabase("db1", {{"k", "v"}}).ok());
  auto db = remote_->DescribeDatabase("db1");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->name, "db1");
  EXPECT_EQ(db->properties, (cluster::KeyValues{{"k", "v"}}));
  ASSERT_TRUE(remote_->AlterDatabase("db1", {{"k2", "v2"}}, {"k"}).ok());
  EXPECT_EQ(remote_->DescribeDatabase("db1")->properties, (cluster::KeyValues{{"k2", "v2"}}));
  EXPECT_EQ(remote_->ListDatabases()->size(), coord_->ListDatabases()->size());

  cluster::CollectionSpec spec{"c1", Schema("c1"), 2, 1, {{"p", "1"}}, 0};
  ASSERT_TRUE(remote_->CreateCollection("db1", spec).ok());
  ASSERT_TRUE(remote_->CreatePartition("db1", "c1", "p1").ok());
  ASSERT_TRUE(remote_->CreateAlias("db1", "c1", "a1").ok());
  EXPECT_EQ(*remote_->DescribeAlias("db1", "a1"), "c1");
  cluster::IndexInfo index;
  index.name = "v";
  index.field_id = 101;
  index.field_name = "v";
  index.index_type = "HNSW";
  index.metric_type = "L2";
  index.params = {{"M", "16"}};
  ASSERT_TRUE(remote_->CreateIndex("db1", "c1", index).ok());
  index.index_type = "FLAT";
  Status duplicate = remote_->CreateIndex("db1", "c1", index);
  EXPECT_EQ(duplicate.detail(), ErrorDetail::kIndexDuplicate) << duplicate.ToString();
  EXPECT_EQ(duplicate.ToString(), coord_->CreateIndex("db1", "c1", index).ToString());
  ASSERT_TRUE(remote_->AlterCollection("db1", "c1", {{"collection.ttl.seconds", "0"}}, {}).ok());
  ASSERT_TRUE(remote_->AlterIndex("db1", "c1", "v", {{"mmap.enabled", "false"}}, {}).ok());

  // The same record as the coordinator's own, by name, by alias and by id.
  auto local = coord_->DescribeCollection("db1", "c1");
  ASSERT_TRUE(local.ok());
  auto by_name = remote_->DescribeCollection("db1", "c1");
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(coord::EncodeCollection(**by_name), coord::EncodeCollection(**local));
  EXPECT_EQ(coord::EncodeCollection(**remote_->DescribeCollection("db1", "a1")), coord::EncodeCollection(**local));
  EXPECT_EQ(coord::EncodeCollection(**remote_->DescribeCollectionById((*local)->id)), coord::EncodeCollection(**local));
  EXPECT_EQ((*by_name)->channels.size(), 2u);
  EXPECT_EQ((*by_name)->schema->fields.size(), (*local)->schema->fields.size());
  ASSERT_TRUE(remote_->SetLoadState((*local)->id, {(*local)->partitions[0].id}, 1).ok());
  EXPECT_EQ(remote_->SetLoadState((*local)->id, {(*local)->partitions[0].id}, 2).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*coord_->DescribeCollection("db1", "c1"))->loaded());
  EXPECT_EQ(remote_->ListCollections("db1")->size(), 1u);
  EXPECT_EQ(remote_->ListAllCollections()->size(), coord_->ListAllCollections()->size());

  ASSERT_TRUE(remote_->RenameCollection("db1", "c1", "db1", "c2").ok());
  EXPECT_TRUE(coord_->DescribeCollection("db1", "c2").ok());
  ASSERT_TRUE(remote_->DropPartition("db1", "c2", "p1").ok());
  ASSERT_TRUE(remote_->DropIndex("db1", "c2", "v").ok());
  ASSERT_TRUE(remote_->DropAlias("db1", "a1").ok());
  ASSERT_TRUE(remote_->DropCollection("db1", "c2").ok());

  // Errors keep their code, message and detail.
  Status missing = remote_->DescribeCollection("db1", "c2").status();
  EXPECT_EQ(missing.detail(), ErrorDetail::kCollectionNotFound);
  EXPECT_EQ(missing.ToString(), coord_->DescribeCollection("db1", "c2").status().ToString());
  EXPECT_EQ(remote_->DescribeDatabase("nope").status().detail(), ErrorDetail::kDatabaseNotFound);
  EXPECT_EQ(remote_->DescribeAlias("db1", "nope").status().ToString(),
            coord_->DescribeAlias("db1", "nope").status().ToString());
  ASSERT_TRUE(remote_->DropDatabase("db1").ok());
}

TEST_F(CoordServiceTest, AllocationAndSegmentRegistry) {
  Timestamp first = *remote_->AllocTimestamp(1);
  Timestamp second = *remote_->AllocTimestamp(10);
  EXPECT_GT(second, first);
  EXPECT_GT(*coord_->AllocTimestamp(1), second + 9);
  int64_t ids = *remote_->AllocIds(100);
  EXPECT_GE(*remote_->AllocIds(1), ids + 100);

  ASSERT_TRUE(remote_->CreateCollection("default", {"c", Schema("c"), 1, 1, {}, 0}).ok());
  auto c = *remote_->DescribeCollection("default", "c");
  std::string channel = c->channels[0].name;
  cluster::SegmentInfo segment{42, c->id, c->partitions[0].id, channel, 3, 10, "seg/42"};
  ASSERT_TRUE(remote_->CommitFlush(c->id, channel, {segment}, cluster::DeltaInfo{channel, 3, 2, "delta/3"}, {7, 4}).ok());
  ASSERT_TRUE(remote_->CommitFlush(c->id, channel, {}, std::nullopt, {9, 5}).ok());
  auto got = remote_->GetSegments(c->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->segments.size(), 1u);
  EXPECT_EQ(coord::EncodeSegment(got->segments[0]), coord::EncodeSegment(segment));
  ASSERT_EQ(got->deltas.size(), 1u);
  EXPECT_EQ(got->deltas[0].object_key, "delta/3");
  EXPECT_EQ(got->checkpoints.at(channel).lsn, 9u);
  EXPECT_EQ(got->checkpoints.at(channel).epoch, 5u);

  cluster::IndexInfo index;
  index.name = "v";
  index.field_id = 101;
  index.field_name = "v";
  index.index_type = "FLAT";
  index.metric_type = "L2";
  ASSERT_TRUE(remote_->CreateIndex("default", "c", index).ok());
  c = *remote_->DescribeCollection("default", "c");
  cluster::SegmentIndexInfo built{42, c->id, c->indexes[0].id, 101, "FLAT", 10, 640, "index/42"};
  ASSERT_TRUE(remote_->CommitSegmentIndex(built).ok());
  ASSERT_EQ(remote_->GetSegments(c->id)->indexes.size(), 1u);
  EXPECT_EQ(coord::EncodeSegmentIndex(remote_->GetSegments(c->id)->indexes[0]), coord::EncodeSegmentIndex(built));
  ASSERT_TRUE(remote_->DiscardSegmentIndex(built).ok());
  EXPECT_EQ(remote_->GetSegments(c->id)->indexes.size(), 0u);
  Status unknown = remote_->GetSegments(c->id + 1000).status();
  EXPECT_EQ(unknown.ToString(), coord_->GetSegments(c->id + 1000).status().ToString());
}

TEST_F(CoordServiceTest, AccessAnswersAsInProcess) {
  auto remote = RemoteAccess(std::chrono::hours(1));
  cluster::AccessClient* local = coord_->access();
  ASSERT_TRUE(remote->CreateUser("alice", "c2VjcmV0MTIz").ok());  // base64("secret123")
  EXPECT_TRUE(remote->VerifyPassword("alice", "secret123").ok());
  Status wrong = remote->VerifyPassword("alice", "secret124");
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated) << wrong.ToString();
  EXPECT_EQ(wrong.ToString(), local->VerifyPassword("alice", "secret124").ToString());
  Status duplicate = remote->CreateUser("alice", "c2VjcmV0MTIz");
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.ToString(), local->CreateUser("alice", "c2VjcmV0MTIz").ToString());
  ASSERT_TRUE(remote->UpdatePassword("alice", "c2VjcmV0MTIz", "bmV3c2VjcmV0").ok());  // "newsecret"
  EXPECT_TRUE(local->VerifyPassword("alice", "newsecret").ok());
  ASSERT_TRUE(remote->SetPassword("alice", "cmVzZXRwYXNz").ok());  // "resetpass"
  EXPECT_TRUE(local->VerifyPassword("alice", "resetpass").ok());

  ASSERT_TRUE(remote->CreateRole("reader").ok());
  ASSERT_TRUE(remote->OperateUserRole("alice", "reader", true).ok());
  cluster::Grant grant{"reader", "Collection", "c1", "Query", "default", "root"};
  ASSERT_TRUE(remote->OperatePrivilege(grant, true).ok());
  ASSERT_TRUE(remote->CreatePrivilegeGroup("readers").ok());
  ASSERT_TRUE(remote->OperatePrivilegeGroup("readers", {"Query", "Search"}, true).ok());

  auto users = remote->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  ASSERT_EQ(users->size(), local->ListUsers()->size());
  for (size_t i = 0; i < users->size(); ++i) {
    EXPECT_EQ((*users)[i].name, (*local->ListUsers())[i].name);
    EXPECT_EQ((*users)[i].roles, (*local->ListUsers())[i].roles);
  }
  auto roles = remote->ListRoles();
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), local->ListRoles()->size());
  for (size_t i = 0; i < roles->size(); ++i) EXPECT_EQ((*roles)[i].users, (*local->ListRoles())[i].users);
  EXPECT_EQ(*remote->SelectGrants("reader", "Collection", "c1", "default"),
            *local->SelectGrants("reader", "Collection", "c1", "default"));
  EXPECT_EQ(*remote->SelectGrants("reader", "", "", "*"), std::vector<cluster::Grant>{grant});
  auto groups = remote->ListPrivilegeGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), local->ListPrivilegeGroups()->size());
  EXPECT_EQ(groups->back().privileges, local->ListPrivilegeGroups()->back().privileges);

  // The snapshot is the coordinator's, whole.
  auto mine = remote->Snapshot();
  auto theirs = local->Snapshot();
  EXPECT_EQ(mine->version, theirs->version);
  ASSERT_EQ(mine->users.size(), theirs->users.size());
  for (const auto& [name, user] : theirs->users) {
    EXPECT_EQ(mine->users.at(name).roles, user.roles) << name;
    EXPECT_EQ(mine->users.at(name).credential_revision, user.credential_revision) << name;
  }
  EXPECT_EQ(mine->grants, theirs->grants);  // every role, those without grants too
  EXPECT_EQ(mine->privilege_groups, theirs->privilege_groups);

  Status in_use = remote->DropRole("reader", false);
  EXPECT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.ToString(), local->DropRole("reader", false).ToString());
  ASSERT_TRUE(remote->OperatePrivilege(grant, false).ok());
  ASSERT_TRUE(remote->DropRole("reader", true).ok());
  ASSERT_TRUE(remote->DropPrivilegeGroup("readers").ok());
  ASSERT_TRUE(remote->DeleteUser("alice").ok());
  EXPECT_EQ(local->ListUsers()->size(), 1u);
  EXPECT_EQ(remote->DeleteUser("alice").ToString(), local->DeleteUser("alice").ToString());
}

TEST_F(CoordServiceTest, AccessSnapshotCache) {
  auto remote = RemoteAccess(std::chrono::hours(1));
  uint64_t first = remote->Snapshot()->version;
  // Its own change is visible at once, however long the cache lives.
  ASSERT_TRUE(remote->CreateRole("mine").ok());
  EXPECT_TRUE(remote->Snapshot()->grants.count("mine"));
  EXPECT_GT(remote->Snapshot()->version, first);
  // Another process's change only after max_age: this cache (an hour) still has the old copy,
  // one that may be no older than 0 ms has the new one.
  ASSERT_TRUE(coord_->access()->CreateRole("theirs").ok());
  EXPECT_FALSE(remote->Snapshot()->grants.count("theirs"));
  auto fresh = RemoteAccess(std::chrono::milliseconds(0));
  EXPECT_TRUE(fresh->Snapshot()->grants.count("theirs"));
  ASSERT_TRUE(coord_->access()->CreateRole("later").ok());
  EXPECT_TRUE(fresh->Snapshot()->grants.count("later"));

  // The coordinator goes away: checks go on with the last snapshot; calls are Unavailable.
  server_->Shutdown();
  server_.reset();
  auto waiting = RemoteAccess(std::chrono::milliseconds(0), std::chrono::milliseconds(300));
  ASSERT_TRUE(waiting->CreateRole("lost").IsUnavailable());
  auto kept = fresh->Snapshot();
  EXPECT_TRUE(kept->grants.count("later"));
  EXPECT_TRUE(kept->users.count("root"));
  Status down = waiting->VerifyPassword("root", "Milvus");
  EXPECT_TRUE(down.IsUnavailable()) << down.ToString();
  EXPECT_NE(down.ToString().find("VerifyPassword"), std::string::npos) << down.ToString();
  // Before any snapshot arrived, a client without a coordinator has an empty one (all denied).
  auto never = RemoteAccess(std::chrono::milliseconds(0), std::chrono::milliseconds(300));
  EXPECT_TRUE(never->Snapshot()->users.empty());
  EXPECT_TRUE(never->Snapshot()->grants.empty());

  // Back on the same port: the kept client picks the coordinator's state up again (its calls
  // wait for the channel to reconnect).
  StartServer(address_);
  ASSERT_TRUE(coord_->access()->CreateRole("after").ok());
  EXPECT_TRUE(fresh->Snapshot()->grants.count("after"));
  EXPECT_TRUE(fresh->VerifyPassword("root", "Milvus").ok());
}

// A client that follows the coordinator's election: the coordinator moves to another address
// (a failover) while a call is waiting, and the call completes there instead of failing.
TEST_F(CoordServiceTest, ClientsFollowTheLeaderToItsNewAddress) {
  std::mutex mu;
  std::string leader = address_;
  auto resolve = [&]() -> Result<std::string> {
    std::lock_guard<std::mutex> lock(mu);
    return leader;
  };
  CoordClientOptions options;
  options.address = "127.0.0.1:1";  // only the fallback: the leader is asked first
  options.leader = resolve;
  options.timeout = std::chrono::seconds(20);
  auto coord = NewGrpcCoordClient(options);
  AccessClientOptions access_options;
  access_options.coord = options;
  auto access = NewGrpcAccessClient(access_options);
  ASSERT_TRUE(coord->CreateDatabase("before", {}).ok());
  ASSERT_TRUE(access->CreateUser("alice", "c2VjcmV0MTIz").ok());

  server_->Shutdown();
  server_.reset();
  Status during;
  std::thread caller([&] { during = coord->CreateDatabase("during", {}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the call is retrying meanwhile
  StartServer("127.0.0.1:0");  // the new leader, elsewhere
  {
    std::lock_guard<std::mutex> lock(mu);
    leader = address_;
  }
  caller.join();
  EXPECT_TRUE(during.ok()) << during.ToString();
  auto dbs = coord->ListDatabases();
  ASSERT_TRUE(dbs.ok()) << dbs.status().ToString();
  EXPECT_EQ(dbs->size(), 3u);  // default, before, during
  EXPECT_TRUE(access->VerifyPassword("alice", "secret123").ok());

  // With nothing to follow to, a call ends Unavailable at its deadline, naming the call.
  server_->Shutdown();
  server_.reset();
  options.timeout = std::chrono::milliseconds(500);
  Status lost = NewGrpcCoordClient(options)->ListDatabases().status();
  EXPECT_TRUE(lost.IsUnavailable()) << lost.ToString();
  EXPECT_NE(lost.ToString().find("ListDatabases"), std::string::npos) << lost.ToString();
}

TEST(CoordClientTest, NoCoordinatorIsUnavailableNamingTheAddress) {
  std::string address = "127.0.0.1:" + std::to_string(quiver::testing::FreePort());
  CoordClientOptions options;
  options.address = address;
  options.timeout = std::chrono::milliseconds(500);
  auto client = NewGrpcCoordClient(options);
  Status status = client->ListDatabases().status();
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
  EXPECT_NE(status.ToString().find(address), std::string::npos) << status.ToString();
  EXPECT_NE(status.ToString().find("ListDatabases"), std::string::npos) << status.ToString();
}

}  // namespace
}  // namespace quiver::rpc
