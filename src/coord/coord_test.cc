#include "coord/coord.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "common/secrets.h"
#include "storage/meta/forwarding_meta_store.h"
#include "common/testing_dir.h"

namespace quiver::coord {
namespace {

std::shared_ptr<const schema::CollectionSchema> Schema(const std::string& name) {
  schema::CollectionSchema s;
  s.name = name;
  schema::FieldSchema pk;
  pk.name = "id";
  pk.type = schema::DataType::kInt64;
  pk.primary_key = true;
  schema::FieldSchema v;
  v.name = "v";
  v.type = schema::DataType::kFloatVector;
  v.type_params["dim"] = "4";
  s.fields = {pk, v};
  EXPECT_TRUE(schema::NormalizeSchema(&s).ok());
  return std::make_shared<const schema::CollectionSchema>(s);
}

// A MetaStore whose Puts of one key can be held (as while etcd elects a leader).
class HoldingMetaStore final : public storage::ForwardingMetaStore {
 public:
  HoldingMetaStore(storage::MetaStore* base, std::string key) : ForwardingMetaStore(base), key_(std::move(key)) {}

  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = false;
    cv_.notify_all();
  }
  // Waits (at most `timeout`) until a Put of the key is held.
  bool WaitHeld(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }

  Result<storage::Revision> Put(const std::string& key, const std::string& value, storage::LeaseId lease) override {
    if (key == key_) {
      std::unique_lock<std::mutex> lock(mu_);
      if (holding_) {
        ++held_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !holding_; });
        --held_;
      }
    }
    return ForwardingMetaStore::Put(key, value, lease);
  }

 private:
  std::string key_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  int held_ = 0;
};

class CoordTest : public ::testing::Test {
 protected:
  void Open(CoordOptions coord_options = {}) {
    coord_.reset();
    wal_.reset();
    meta_.reset();
    storage::LocalMetaStoreOptions options;
    options.path = dir_.Sub("meta");
    meta_ = std::move(storage::OpenLocalMetaStore(options)).value();
    wal_ = std::move(storage::OpenFileWal(fs_.get(), dir_.Sub("wal"), {})).value();
    auto coord = Coord::Open(meta_.get(), wal_.get(), objects_.get(), coord_options);
    ASSERT_TRUE(coord.ok()) << coord.status().ToString();
    coord_ = std::move(coord).value();
  }
  quiver::testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<storage::Wal> wal_;
  std::unique_ptr<Coord> coord_;
};

TEST_F(CoordTest, ReplicaNumberIsBoundByTheQueryNodesAndSurvivesReopen) {
  CoordOptions options;
  int32_t nodes = 3;
  options.replica_capacity = [&nodes]() -> Result<int32_t> { return nodes; };
  Open(options);
  cluster::CollectionSpec spec;
  spec.name = "c";
  spec.schema = Schema("c");
  ASSERT_TRUE(coord_->CreateCollection("default", spec).ok());
  auto c = *coord_->DescribeCollection("default", "c");
  Status refused = coord_->SetLoadState(c->id, {c->partitions[0].id}, 4);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("(3) available"), std::string::npos) << refused.ToString();
  EXPECT_FALSE((*coord_->DescribeCollectionById(c->id))->loaded());
  ASSERT_TRUE(coord_->SetLoadState(c->id, {c->partitions[0].id}, 3).ok());
  Open(options);
  EXPECT_EQ((*coord_->DescribeCollectionById(c->id))->replica_number, 3);
  nodes = 1;  // releasing never needs nodes, and forgets the number
  ASSERT_TRUE(coord_->SetLoadState(c->id, {}, 3).ok());
  EXPECT_EQ((*coord_->DescribeCollectionById(c->id))->replica_number, 1);
}

TEST_F(CoordTest, CatalogSurvivesReopen) {
  Open();
  ASSERT_TRUE(coord_->CreateDatabase("db1", {{"k", "v"}}).ok());
  cluster::CollectionSpec spec{"c1", Schema("c1"), 2, 0, {{"p", "1"}}, 0};
  ASSERT_TRUE(coord_->CreateCollection("db1", spec).ok());
  ASSERT_TRUE(coord_->CreateCollection("db1", spec).ok());  // same definition: idempotent
  ASSERT_TRUE(coord_->CreatePartition("db1", "c1", "p1").ok());
  ASSERT_TRUE(coord_->CreateAlias("db1", "c1", "a1").ok());
  cluster::IndexInfo index;
  index.name = "v";
  index.field_id = 101;
  index.field_name = "v";
  index.index_type = "HNSW";
  index.metric_type = "L2";
  ASSERT_TRUE(coord_->CreateIndex("db1", "c1", index).ok());
  index.index_type = "FLAT";
  EXPECT_EQ(coord_->CreateIndex("db1", "c1", index).detail(), ErrorDetail::kIndexDuplicate);
  auto c = *coord_->DescribeCollection("db1", "a1");  // by alias
  ASSERT_EQ(c->channels.size(), 2u);
  EXPECT_NE(c->channels[0].uid, c->channels[1].uid);
  // One query node in standalone: one replica.
  EXPECT_EQ(coord_->SetLoadState(c->id, {c->partitions[0].id}, 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(coord_->SetLoadState(c->id, {c->partitions[0].id}, 0).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(coord_->SetLoadState(c->id, {c->partitions[0].id}, 1).ok());
  cluster::SegmentInfo seg{42, c->id, c->partitions[0].id, c->channels[0].name, 0, 10, "k"};
  ASSERT_TRUE(coord_->CommitFlush(c->id, c->channels[0].name, {seg}, cluster::DeltaInfo{c->channels[0].name, 0, 1, "d"},
                                  {7, 1}).ok());
  // The same epoch again (a second datanode of a moving channel) changes nothing: the checkpoint
  // never moves back.
  cluster::SegmentInfo stale = seg;
  stale.rows = 99;
  ASSERT_TRUE(coord_->CommitFlush(c->id, c->channels[0].name, {stale}, std::nullopt, {5, 1}).ok());
  EXPECT_EQ(coord_->GetSegments(c->id)->checkpoints[c->channels[0].name].lsn, 7u);
  EXPECT_EQ(coord_->GetSegments(c->id)->segments[0].rows, 10u);
  ASSERT_TRUE(coord_->access()->CreateUser("alice", "c2VjcmV0MTIz").ok());  // base64("secret123")
  ASSERT_TRUE(coord_->access()->CreateRole("reader").ok());
  ASSERT_TRUE(coord_->access()->OperateUserRole("alice", "reader", true).ok());
  ASSERT_TRUE(coord_->access()->OperatePrivilege({"reader", "Collection", "c1", "Query", "db1", "root"}, true).ok());
  Timestamp before = *coord_->AllocTimestamp(1);
  int64_t id_before = *coord_->AllocIds(1);
  uint64_t alice_revision = coord_->access()->Snapshot()->users.at("alice").credential_revision;
  uint64_t root_revision = coord_->access()->Snapshot()->users.at("root").credential_revision;
  EXPECT_NE(alice_revision, root_revision);

  Open();
  auto again = coord_->DescribeCollection("db1", "c1");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  const auto& r = **again;
  EXPECT_EQ(r.id, c->id);
  EXPECT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.aliases, std::vector<std::string>{"a1"});
  ASSERT_EQ(r.indexes.size(), 1u);
  EXPECT_EQ(r.indexes[0].index_type, "HNSW");
  EXPECT_TRUE(r.loaded());
  EXPECT_EQ(r.properties, (cluster::KeyValues{{"p", "1"}}));
  auto segments = *coord_->GetSegments(c->id);
  ASSERT_EQ(segments.segments.size(), 1u);
  EXPECT_EQ(segments.segments[0].rows, 10u);
  EXPECT_EQ(segments.deltas.size(), 1u);
  EXPECT_EQ(segments.checkpoints[c->channels[0].name].lsn, 7u);
  // Timestamps and ids never go backwards across a restart.
  EXPECT_GT(*coord_->AllocTimestamp(1), before);
  EXPECT_GT(*coord_->AllocIds(1), id_before);
  EXPECT_EQ((*coord_->ListDatabases()).size(), 2u);
  // Users, roles and grants survive; the password is checked against the stored hash.
  auto users = *coord_->access()->ListUsers();
  ASSERT_EQ(users.size(), 2u);  // root and alice
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[0].roles, std::vector<std::string>{"reader"});
  // A proxy that outlived the coordinator keeps its cached logins only while the password stays:
  // the credential revision is the same after the restart and changes with the password.
  EXPECT_EQ(coord_->access()->Snapshot()->users.at("alice").credential_revision, alice_revision);
  EXPECT_EQ(coord_->access()->Snapshot()->users.at("root").credential_revision, root_revision);
  EXPECT_FALSE(coord_->access()->UpdatePassword("alice", "d3Jvbmc=", "bmV3c2VjcmV0").ok());
  EXPECT_TRUE(coord_->access()->UpdatePassword("alice", "c2VjcmV0MTIz", "bmV3c2VjcmV0").ok());
  EXPECT_NE(coord_->access()->Snapshot()->users.at("alice").credential_revision, alice_revision);
  EXPECT_EQ((*coord_->access()->SelectGrants("reader", "", "", "*")).size(), 1u);
  EXPECT_FALSE(coord_->access()->DeleteUser("root").ok());
}

TEST_F(CoordTest, PasswordsAreKeyDerivedAndLegacyHashesUpgradeOnLogin) {
  Open();
  cluster::AccessClient* access = coord_->access();
  EXPECT_TRUE(coord_->RootHasDefaultPassword());
  ASSERT_TRUE(access->CreateUser("alice", "c2VjcmV0MTIz").ok());  // base64("secret123")
  EXPECT_TRUE(access->VerifyPassword("alice", "secret123").ok());
  EXPECT_EQ(access->VerifyPassword("alice", "secret124").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(access->VerifyPassword("nobody", "secret123").code(), StatusCode::kUnauthenticated);
  auto stored = meta_->Get("quiver/rbac/user/alice");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_NE((*stored)->value.find("\"kdf\":\"pbkdf2-sha256\""), std::string::npos) << (*stored)->value;
  EXPECT_EQ((*stored)->value.find("secret123"), std::string::npos);
  // A record of an older version: salt "abcd", hex(sha256("abcd:oldpass1")).
  std::string legacy = R"({"salt":"abcd","hash":")" + HexEncode(Sha256("abcd:oldpass1")) + R"(","roles":[]})";
  ASSERT_TRUE(meta_->Put("quiver/rbac/user/bob", legacy).ok());
  Open();
  access = coord_->access();
  EXPECT_FALSE(access->VerifyPassword("bob", "oldpass2").ok());
  ASSERT_TRUE(access->VerifyPassword("bob", "oldpass1").ok());
  EXPECT_NE((*meta_->Get("quiver/rbac/user/bob"))->value.find("pbkdf2-sha256"), std::string::npos);
  Open();
  EXPECT_TRUE(coord_->access()->VerifyPassword("bob", "oldpass1").ok());
  // Root's password changes; the default warning stops.
  ASSERT_TRUE(coord_->access()->UpdatePassword("root", "TWlsdnVz", "bmV3cm9vdHB3").ok());
  EXPECT_FALSE(coord_->RootHasDefaultPassword());
  EXPECT_EQ(coord_->access()->UpdatePassword("root", "TWlsdnVz", "bmV3cm9vdHB3").code(), StatusCode::kUnauthenticated);
  // SetPassword (super users) needs no old password, still refuses a bad new one and unknown users.
  ASSERT_TRUE(coord_->access()->SetPassword("bob", "cmVzZXRwYXNz").ok());  // base64("resetpass")
  EXPECT_TRUE(coord_->access()->VerifyPassword("bob", "resetpass").ok());
  EXPECT_FALSE(coord_->access()->VerifyPassword("bob", "oldpass1").ok());
  EXPECT_FALSE(coord_->access()->SetPassword("bob", "eA==").ok());  // "x": too short
  EXPECT_EQ(coord_->access()->SetPassword("nobody", "cmVzZXRwYXNz").code(), StatusCode::kNotFound);
}

TEST_F(CoordTest, PrivilegeGroupsAndDefaultPublicGrants) {
  Open();
  cluster::AccessClient* access = coord_->access();
  auto public_grants = access->SelectGrants("public", "", "", "*");
  ASSERT_TRUE(public_grants.ok());
  EXPECT_EQ(public_grants->size(), 3u);  // DescribeCollection, ListAliases, IndexDetail
  EXPECT_EQ(access->CreatePrivilegeGroup("ClusterAdmin").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(access->CreatePrivilegeGroup("readers").ok());
  EXPECT_EQ(access->CreatePrivilegeGroup("readers").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(access->OperatePrivilegeGroup("readers", {"Fly"}, true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(access->OperatePrivilegeGroup("readers", {"Search", "CreateDatabase"}, true).code(),
            StatusCode::kInvalidArgument);  // two levels
  ASSERT_TRUE(access->OperatePrivilegeGroup("readers", {"Search", "Query"}, true).ok());
  ASSERT_TRUE(access->CreateRole("r1").ok());
  ASSERT_TRUE(access->OperatePrivilege({"r1", "Global", "*", "readers", "default", "root"}, true).ok());
  EXPECT_EQ(access->DropPrivilegeGroup("readers").code(), StatusCode::kFailedPrecondition);  // still granted
  Open();
  access = coord_->access();
  auto snapshot = access->Snapshot();
  ASSERT_TRUE(snapshot->privilege_groups.count("readers"));
  EXPECT_EQ(snapshot->privilege_groups.at("readers"), (std::set<std::string>{"Query", "Search"}));
  auto groups = access->ListPrivilegeGroups();
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->size(), 10u);  // nine built-in and ours
  ASSERT_TRUE(access->OperatePrivilege({"r1", "Global", "*", "readers", "default", "root"}, false).ok());
  ASSERT_TRUE(access->DropPrivilegeGroup("readers").ok());
  EXPECT_EQ(access->DropRole("admin", false).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(access->DeleteUser("root").code(), StatusCode::kPermissionDenied);
}

TEST_F(CoordTest, RulesMilvusClientsRelyOn) {
  Open();
  EXPECT_FALSE(coord_->DropDatabase("default").ok());
  EXPECT_EQ(coord_->DescribeCollection("default", "nope").status().detail(), ErrorDetail::kCollectionNotFound);
  EXPECT_EQ(coord_->DescribeCollection("nodb", "x").status().detail(), ErrorDetail::kDatabaseNotFound);
  cluster::CollectionSpec spec{"c1", Schema("c1"), 1, 0, {}, 0};
  ASSERT_TRUE(coord_->CreateCollection("default", spec).ok());
  ASSERT_TRUE(coord_->CreateDatabase("other", {}).ok());
  ASSERT_TRUE(coord_->CreateCollection("other", spec).ok());  // same name in another database
  EXPECT_FALSE(coord_->DropDatabase("other").ok());           // not empty
  ASSERT_TRUE(coord_->CreateAlias("default", "c1", "al").ok());
  EXPECT_EQ(coord_->CreateAlias("default", "c1", "c1").detail(), ErrorDetail::kAliasConflict);
  EXPECT_FALSE(coord_->DropCollection("default", "c1").ok());  // has an alias
  EXPECT_FALSE(coord_->DropPartition("default", "c1", "_default").ok());
  ASSERT_TRUE(coord_->DropAlias("default", "al").ok());
  auto c = *coord_->DescribeCollection("default", "c1");
  std::string channel = c->channels[0].name;
  ASSERT_TRUE(coord_->DropCollection("default", "c1").ok());
  EXPECT_TRUE(coord_->DropCollection("default", "c1").ok());  // idempotent
  EXPECT_TRUE(wal_->LastLsn(channel).status().IsNotFound());  // its WAL channel is gone
}

// Collections and partitions x shards are bounded with a clear error, never an abort; dropping
// frees capacity again.
TEST_F(CoordTest, CapacityLimitsAreEnforced) {
  Open({.max_general_capacity = 10, .max_collections = 4, .replica_capacity = {}, .load_state_changed = {}});
  for (int i = 0; i < 4; ++i) {
    cluster::CollectionSpec spec{"c" + std::to_string(i), Schema("c" + std::to_string(i)), 2, 0, {}, 0};
    ASSERT_TRUE(coord_->CreateCollection("default", spec).ok()) << i;  // 4 x (1 partition x 2 shards) = 8
  }
  cluster::CollectionSpec fifth{"c4", Schema("c4"), 1, 0, {}, 0};
  Status refused = coord_->CreateCollection("default", fifth);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.ToString().find("coord.max_collections"), std::string::npos) << refused.ToString();
  ASSERT_TRUE(coord_->CreatePartition("default", "c0", "p1").ok());  // 10 units
  Status full = coord_->CreatePartition("default", "c1", "p1");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.ToString().find("coord.max_general_capacity"), std::string::npos) << full.ToString();
  ASSERT_TRUE(coord_->DropCollection("default", "c3").ok());
  EXPECT_TRUE(coord_->CreateCollection("default", fifth).ok());
}

// The timestamp window is renewed off the allocation path: while the renewal's write is held (a
// store electing a leader), timestamps keep coming; the stored limit stays above every one handed
// out, so a restarted coordinator never goes back.
TEST(CoordTsoTest, AllocationsGoOnWhileTheWindowRenewalIsHeld) {
  std::unique_ptr<storage::MetaStore> base = storage::OpenLocalMetaStore({}).value();
  HoldingMetaStore meta(base.get(), "quiver/tso");
  std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  quiver::testing::TempDir dir;
  auto wal = std::move(storage::OpenFileWal(fs.get(), dir.Sub("wal"), {})).value();
  auto objects = storage::NewMemoryObjectStore();
  Timestamp last = 0;
  {
    auto coord = std::move(Coord::Open(&meta, wal.get(), objects.get())).value();
    meta.Hold();
    // Within half a second the window has slid far enough for a renewal to start (and be held).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool held = false;
    while (!held && std::chrono::steady_clock::now() < deadline) {
      auto ts = coord->AllocTimestamp(1);
      ASSERT_TRUE(ts.ok()) << ts.status().ToString();
      EXPECT_GT(*ts, last);
      last = *ts;
      held = meta.WaitHeld(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(held) << "no renewal of the timestamp window started";
    // Allocations answer while the renewal is held (a synchronous renewal would hang here).
    for (int i = 0; i < 100; ++i) {
      auto ts = std::async(std::launch::async, [&] { return coord->AllocTimestamp(1); });
      ASSERT_EQ(ts.wait_for(std::chrono::seconds(5)), std::future_status::ready);
      auto got = ts.get();
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_GT(*got, last);
      last = *got;
    }
    meta.Release();
  }  // the coord joins its renewal
  auto stored = base->Get("quiver/tso");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_GT(std::stoull((*stored)->value), PhysicalMs(last));
  // Reopened, it continues above everything handed out before.
  auto reopened = std::move(Coord::Open(base.get(), wal.get(), objects.get())).value();
  auto next = reopened->AllocTimestamp(1);
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, last);
}

}  // namespace
}  // namespace quiver::coord
