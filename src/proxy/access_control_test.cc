#include "proxy/access_control.h"

#include <gtest/gtest.h>

#include "common/secrets.h"
#include "proxy/request_gate.h"

namespace quiver::proxy {
namespace {

// An in-memory AccessClient: a snapshot the test edits, clear-text passwords, and a count of key
// derivations (VerifyPassword calls) so the login cache can be observed.
class FakeAccess final : public cluster::AccessClient {
 public:
  FakeAccess() {
    AddUser("root", "Milvus", {"admin"});
    snapshot_.grants["admin"];
    snapshot_.grants["public"] = {{"public", "Global", "*", "DescribeCollection", "*", "root"}};
  }
  void AddUser(const std::string& name, const std::string& password, std::set<std::string> roles) {
    passwords_[name] = password;
    snapshot_.users[name] = {std::move(roles), ++revision_};
  }
  void ChangePassword(const std::string& name, const std::string& password) {
    passwords_[name] = password;
    snapshot_.users[name].credential_revision = ++revision_;
  }
  void Grant(const cluster::Grant& g) { snapshot_.grants[g.role].push_back(g); }
  int verifications = 0;
  std::vector<cluster::Grant> operated;

  Status VerifyPassword(const std::string& name, const std::string& password) override {
    ++verifications;
    auto it = passwords_.find(name);
    if (it == passwords_.end() || it->second != password) return Status::Unauthenticated("wrong");
    return Status::OK();
  }
  std::shared_ptr<const cluster::AccessSnapshot> Snapshot() override {
    return std::make_shared<cluster::AccessSnapshot>(snapshot_);
  }
  Status OperatePrivilege(const cluster::Grant& grant, bool) override {
    operated.push_back(grant);
    return Status::OK();
  }
  Status CreateUser(const std::string&, const std::string&) override { return Status::OK(); }
  Status UpdatePassword(const std::string&, const std::string&, const std::string&) override {
    ++password_updates;
    return Status::OK();
  }
  Status SetPassword(const std::string&, const std::string&) override {
    ++password_resets;
    return Status::OK();
  }
  int password_updates = 0;  // with the old password checked
  int password_resets = 0;   // without
  Status DeleteUser(const std::string&) override { return Status::OK(); }
  Result<std::vector<cluster::UserInfo>> ListUsers() override { return std::vector<cluster::UserInfo>{}; }
  Status CreateRole(const std::string&) override { return Status::OK(); }
  Status DropRole(const std::string&, bool) override { return Status::OK(); }
  Status OperateUserRole(const std::string&, const std::string&, bool) override { return Status::OK(); }
  Result<std::vector<cluster::RoleInfo>> ListRoles() override { return std::vector<cluster::RoleInfo>{}; }
  Result<std::vector<cluster::Grant>> SelectGrants(const std::string&, const std::string&, const std::string&,
                                                   const std::string&) override {
    return std::vector<cluster::Grant>{};
  }
  Status CreatePrivilegeGroup(const std::string& name) override {
    snapshot_.privilege_groups[name];
    return Status::OK();
  }
  Status DropPrivilegeGroup(const std::string&) override { return Status::OK(); }
  Status OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges, bool) override {
    snapshot_.privilege_groups[name].insert(privileges.begin(), privileges.end());
    return Status::OK();
  }
  Result<std::vector<cluster::PrivilegeGroupInfo>> ListPrivilegeGroups() override {
    return std::vector<cluster::PrivilegeGroupInfo>{};
  }

 private:
  cluster::AccessSnapshot snapshot_;
  std::map<std::string, std::string> passwords_;
  uint64_t revision_ = 0;
};

class AccessControlTest : public ::testing::Test {
 protected:
  AccessControlTest() : access_(&fake_, &metrics_, AccessOptions{true, {}}) {
    fake_.AddUser("alice", "secret123", {"reader"});
    fake_.AddUser("bob", "hunter22", {});
    fake_.Grant({"reader", "Collection", "books", "Search", "default", "root"});
  }
  Identity As(const std::string& user) { return Identity{user}; }
  AccessTarget On(const std::string& db, std::vector<std::string> collections) {
    AccessTarget t;
    t.db = db;
    t.collections = std::move(collections);
    return t;
  }
  double FailedLogins(const std::string& reason) {
    return metrics_.GetCounter("quiver_proxy_failed_logins_total", "", {{"reason", reason}})->value();
  }

  FakeAccess fake_;
  MetricsRegistry metrics_;
  AccessControl access_;
};

TEST_F(AccessControlTest, DisabledLetsEverythingThrough) {
  AccessControl off(&fake_, &metrics_, AccessOptions{false, {}});
  auto identity = off.AuthenticateBase64("", "peer");
  ASSERT_TRUE(identity.ok());
  EXPECT_TRUE(identity->user.empty());
  EXPECT_TRUE(off.Authorize(*identity, "DropCollection", On("default", {"books"})).ok());
  EXPECT_EQ(fake_.verifications, 0);
}

TEST_F(AccessControlTest, RefusesMissingMalformedAndWrongCredentials) {
  auto missing = access_.AuthenticateBase64("", "peer");
  EXPECT_EQ(missing.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(missing.status().message(), "missing authorization in header");
  EXPECT_EQ(access_.AuthenticateBase64("not base64!", "peer").status().message(), "invalid token format");
  EXPECT_EQ(access_.AuthenticateBase64(Base64Encode("an-api-key"), "peer").status().message(),
            "auth check failure, please check api key is correct");
  auto wrong = access_.AuthenticateBase64(Base64Encode("alice:nope"), "peer");
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), "auth check failure, please check username and password are correct");
  EXPECT_EQ(access_.AuthenticateBase64(Base64Encode("mallory:secret123"), "peer").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(FailedLogins("wrong password"), 1);
  EXPECT_EQ(FailedLogins("unknown user"), 1);
  EXPECT_EQ(FailedLogins("missing credentials"), 1);
}

TEST_F(AccessControlTest, CachesSuccessfulLoginsUntilThePasswordChanges) {
  auto first = access_.AuthenticateBase64(Base64Encode("alice:secret123"), "peer");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->user, "alice");
  EXPECT_EQ(fake_.verifications, 1);
  ASSERT_TRUE(access_.Authenticate("alice:secret123", "peer").ok());
  EXPECT_EQ(fake_.verifications, 1);  // served from the cache
  // A wrong password is never answered from the cache.
  EXPECT_FALSE(access_.Authenticate("alice:secret124", "peer").ok());
  EXPECT_EQ(fake_.verifications, 2);
  // A password change invalidates the cached login.
  fake_.ChangePassword("alice", "newsecret");
  EXPECT_FALSE(access_.Authenticate("alice:secret123", "peer").ok());
  EXPECT_TRUE(access_.Authenticate("alice:newsecret", "peer").ok());
  // Passwords may contain ':' (split at the first one).
  fake_.AddUser("carol", "a:b:c:d", {});
  EXPECT_TRUE(access_.Authenticate("carol:a:b:c:d", "peer").ok());
}

TEST_F(AccessControlTest, RootAndAdminAreUnrestricted) {
  fake_.AddUser("ops", "opsops", {"admin"});
  for (const char* user : {"root", "ops"}) {
    EXPECT_TRUE(access_.Authorize(As(user), "DropDatabase", On("db1", {})).ok());
    EXPECT_TRUE(access_.Authorize(As(user), "Insert", On("default", {"books"})).ok());
  }
}

TEST_F(AccessControlTest, CollectionGrantsCoverTheirCollectionAndDatabaseOnly) {
  EXPECT_TRUE(access_.Authorize(As("alice"), "Search", On("default", {"books"})).ok());
  EXPECT_TRUE(access_.Authorize(As("alice"), "HybridSearch", On("default", {"books"})).ok());
  Status other = access_.Authorize(As("alice"), "Search", On("default", {"films"}));
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message(), "PrivilegeSearch: permission deny to alice in the `default` database");
  EXPECT_FALSE(access_.Authorize(As("alice"), "Search", On("db1", {"books"})).ok());
  EXPECT_FALSE(access_.Authorize(As("alice"), "Insert", On("default", {"books"})).ok());
  // Role public's default grant: anyone may describe collections.
  EXPECT_TRUE(access_.Authorize(As("bob"), "DescribeCollection", On("default", {"books"})).ok());
  // Methods without a privilege only need a login.
  EXPECT_TRUE(access_.Authorize(As("bob"), "HasCollection", On("default", {"books"})).ok());
  EXPECT_FALSE(access_.Authorize(As("bob"), "CreateCollection", On("default", {"new"})).ok());
}

TEST_F(AccessControlTest, RelatedPrivilegesAndEveryFlushedCollection) {
  fake_.Grant({"reader", "Collection", "books", "Load", "default", "root"});
  fake_.Grant({"reader", "Collection", "books", "Flush", "default", "root"});
  EXPECT_TRUE(access_.Authorize(As("alice"), "GetLoadState", On("default", {"books"})).ok());
  EXPECT_TRUE(access_.Authorize(As("alice"), "GetLoadingProgress", On("default", {"books"})).ok());
  EXPECT_TRUE(access_.Authorize(As("alice"), "GetFlushState", On("default", {"books"})).ok());
  EXPECT_TRUE(access_.Authorize(As("alice"), "Flush", On("default", {"books"})).ok());
  EXPECT_FALSE(access_.Authorize(As("alice"), "Flush", On("default", {"books", "films"})).ok());
}

TEST_F(AccessControlTest, PrivilegeGroupsAndAll) {
  fake_.AddUser("dave", "davedave", {"writer"});
  ASSERT_TRUE(access_.OperatePrivilegeV2("writer", "CollectionReadWrite", "db1", "*", "root", true).ok());
  ASSERT_EQ(fake_.operated.size(), 1u);
  EXPECT_EQ(fake_.operated[0], (cluster::Grant{"writer", "Global", "*", "CollectionReadWrite", "db1", "root"}));
  fake_.Grant(fake_.operated[0]);
  EXPECT_TRUE(access_.Authorize(As("dave"), "Insert", On("db1", {"anything"})).ok());
  EXPECT_FALSE(access_.Authorize(As("dave"), "Insert", On("default", {"anything"})).ok());
  EXPECT_FALSE(access_.Authorize(As("dave"), "CreateAlias", On("db1", {"anything"})).ok());  // CollectionAdmin only
  // A custom group.
  ASSERT_TRUE(fake_.CreatePrivilegeGroup("searchers").ok());
  ASSERT_TRUE(fake_.OperatePrivilegeGroup("searchers", {"Search", "Query"}, true).ok());
  fake_.Grant({"writer", "Global", "films", "searchers", "default", "root"});
  EXPECT_TRUE(access_.Authorize(As("dave"), "Query", On("default", {"films"})).ok());
  EXPECT_FALSE(access_.Authorize(As("dave"), "Query", On("default", {"books"})).ok());
  // Global All covers every privilege of its database.
  fake_.Grant({"writer", "Global", "*", "All", "db2", "root"});
  EXPECT_TRUE(access_.Authorize(As("dave"), "DropCollection", On("db2", {"x"})).ok());
  EXPECT_TRUE(access_.Authorize(As("dave"), "Delete", On("db2", {"x"})).ok());
}

TEST_F(AccessControlTest, ADatabaseGrantNeverReachesClusterPrivileges) {
  fake_.AddUser("dbadmin", "dbadminpw", {"db1admin"});
  fake_.Grant({"db1admin", "Global", "*", "All", "db1", "root"});
  fake_.Grant({"db1admin", "Global", "*", "DatabaseAdmin", "db1", "root"});
  // Everything in db1...
  EXPECT_TRUE(access_.Authorize(As("dbadmin"), "DropCollection", On("db1", {"x"})).ok());
  // ...but no user, role, database or privilege-group management, whichever database is named.
  for (const char* method : {"OperateUserRole", "OperatePrivilege", "OperatePrivilegeV2", "CreateCredential",
                             "CreateRole", "CreateDatabase", "DropDatabase", "CreatePrivilegeGroup", "FlushAll"}) {
    EXPECT_EQ(access_.Authorize(As("dbadmin"), method, On("db1", {})).code(), StatusCode::kPermissionDenied) << method;
  }
  AccessTarget other = On("db1", {});
  other.user = "bob";
  EXPECT_FALSE(access_.Authorize(As("dbadmin"), "UpdateCredential", other).ok());
  // A cluster-level grant (db "*") does reach them.
  fake_.Grant({"db1admin", "Global", "*", "ClusterAdmin", "*", "root"});
  EXPECT_TRUE(access_.Authorize(As("dbadmin"), "OperateUserRole", On("db1", {})).ok());
}

TEST_F(AccessControlTest, ClusterPrivilegesAreGrantedOnEveryDatabase) {
  ASSERT_TRUE(access_.OperatePrivilegeV2("r", "CreateOwnership", "default", "", "root", true).ok());
  ASSERT_TRUE(access_.OperatePrivilege({"r", "Global", "*", "ManageOwnership", "default", ""}, true).ok());
  ASSERT_EQ(fake_.operated.size(), 2u);
  EXPECT_EQ(fake_.operated[0].db_name, "*");
  EXPECT_EQ(fake_.operated[1].db_name, "*");
}

TEST_F(AccessControlTest, OperatePrivilegeV2ValidatesLevels) {
  EXPECT_EQ(access_.OperatePrivilegeV2("r", "ClusterReadOnly", "default", "*", "root", true).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(access_.OperatePrivilegeV2("r", "DatabaseAdmin", "default", "books", "root", true).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(access_.OperatePrivilegeV2("r", "Insert", "*", "books", "root", true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(access_.OperatePrivilegeV2("r", "Fly", "default", "books", "root", true).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.operated.empty());
  ASSERT_TRUE(access_.OperatePrivilegeV2("r", "ClusterReadOnly", "*", "*", "root", true).ok());
  ASSERT_TRUE(access_.OperatePrivilegeV2("r", "Insert", "default", "books", "root", true).ok());
  ASSERT_TRUE(access_.OperatePrivilegeV2("r", "CreateCollection", "default", "books", "root", true).ok());
  ASSERT_EQ(fake_.operated.size(), 3u);
  EXPECT_EQ(fake_.operated[1], (cluster::Grant{"r", "Collection", "books", "Insert", "default", "root"}));
  EXPECT_EQ(fake_.operated[2], (cluster::Grant{"r", "Global", "*", "CreateCollection", "default", "root"}));
}

TEST_F(AccessControlTest, OperatePrivilegeV1ChecksTheObjectType) {
  EXPECT_FALSE(access_.OperatePrivilege({"r", "Global", "*", "Insert", "default", ""}, true).ok());
  EXPECT_FALSE(access_.OperatePrivilege({"r", "Global", "*", "ClusterAdmin", "default", ""}, true).ok());
  ASSERT_TRUE(access_.OperatePrivilege({"r", "Global", "books", "CreateCollection", "default", ""}, true).ok());
  EXPECT_EQ(fake_.operated.back().object_name, "*");  // Global grants are on "*"
}

TEST_F(AccessControlTest, UsersMayManageThemselves) {
  AccessTarget self = On("default", {});
  self.user = "alice";
  EXPECT_TRUE(access_.Authorize(As("alice"), "UpdateCredential", self).ok());
  EXPECT_TRUE(access_.Authorize(As("alice"), "SelectUser", self).ok());
  AccessTarget other = self;
  other.user = "bob";
  EXPECT_EQ(access_.Authorize(As("alice"), "UpdateCredential", other).code(), StatusCode::kPermissionDenied);
  AccessTarget grants = On("default", {});
  grants.role = "reader";
  EXPECT_TRUE(access_.Authorize(As("alice"), "SelectGrant", grants).ok());
  grants.role = "admin";
  EXPECT_FALSE(access_.Authorize(As("alice"), "SelectGrant", grants).ok());
}

TEST_F(AccessControlTest, ListingsShowWhatTheUserHoldsGrantsOn) {
  EXPECT_TRUE(access_.SeesCollection(As("alice"), "default", "books"));
  EXPECT_FALSE(access_.SeesCollection(As("alice"), "default", "films"));
  // public's default grants do not make everything visible.
  EXPECT_FALSE(access_.SeesCollection(As("bob"), "default", "books"));
  EXPECT_TRUE(access_.SeesCollection(As("root"), "default", "films"));
  EXPECT_TRUE(access_.SeesDatabase(As("alice"), "default"));
  EXPECT_FALSE(access_.SeesDatabase(As("alice"), "db1"));
  EXPECT_FALSE(access_.SeesDatabase(As("bob"), "default"));
}

TEST_F(AccessControlTest, SuperUsersChangePasswordsWithoutTheOldOne) {
  AccessControl with_super(&fake_, &metrics_, AccessOptions{true, {"boss"}});
  ASSERT_TRUE(with_super.UpdatePassword(Identity{"boss"}, "alice", "wrong", "new-password").ok());
  EXPECT_EQ(fake_.password_resets, 1);
  ASSERT_TRUE(with_super.UpdatePassword(Identity{"root"}, "alice", "old", "new-password").ok());
  EXPECT_EQ(fake_.password_updates, 1);  // root is no super user unless listed
  AccessControl off(&fake_, &metrics_, AccessOptions{false, {"boss"}});
  ASSERT_TRUE(off.UpdatePassword(Identity{"boss"}, "alice", "old", "new-password").ok());
  EXPECT_EQ(fake_.password_updates, 2);
}

// The gate every front door runs requests through: readiness, authentication, the privilege of
// the Milvus method on the request's objects, the request metrics.
TEST_F(AccessControlTest, GateRefusesInOrderAndCountsEveryRequest) {
  bool ready = false;
  RequestGate gate(&access_, &metrics_, [&ready] { return ready; });
  int ran = 0;
  auto run = [&](const char* method, Result<Identity> identity) {
    return gate.Run(
        method, [&] { return identity; }, [&] { return On("default", {"books"}); },
        [&] {
          ++ran;
          return Status::OK();
        },
        "peer");
  };
  auto requests = [&](const char* method, const char* outcome) {
    return metrics_.GetCounter("milvus_proxy_req_count", "", {{"function_name", method}, {"status", outcome}})->value();
  };
  RequestGate::Outcome recovering = run("Search", Identity{"alice"});
  EXPECT_EQ(recovering.stage, RequestGate::Stage::kNotReady);
  EXPECT_EQ(recovering.status.detail(), ErrorDetail::kNotReady);
  ready = true;
  RequestGate::Outcome unknown = run("Search", Status::Unauthenticated("who?"));
  EXPECT_EQ(unknown.stage, RequestGate::Stage::kUnauthenticated);
  RequestGate::Outcome denied = run("DropCollection", Identity{"alice"});
  EXPECT_EQ(denied.stage, RequestGate::Stage::kDenied);
  EXPECT_EQ(denied.status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ran, 0);
  RequestGate::Outcome allowed = run("Search", Identity{"alice"});
  EXPECT_EQ(allowed.stage, RequestGate::Stage::kRan);
  EXPECT_TRUE(allowed.status.ok());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(requests("Search", "fail"), 2);
  EXPECT_EQ(requests("Search", "success"), 1);
  EXPECT_EQ(requests("DropCollection", "fail"), 1);
  // An exception a handler let through becomes an Internal status, never a dropped call.
  RequestGate::Outcome raised = gate.Run(
      "Query", [] { return Result<Identity>(Identity{"root"}); }, [&] { return On("default", {"books"}); },
      []() -> Status { throw std::runtime_error("boom"); }, "peer");
  EXPECT_EQ(raised.stage, RequestGate::Stage::kRan);
  EXPECT_EQ(raised.status.code(), StatusCode::kInternal);
  EXPECT_NE(raised.status.message().find("boom"), std::string_view::npos);
}

}  // namespace
}  // namespace quiver::proxy
