#include "cluster/privileges.h"

#include <gtest/gtest.h>

namespace quiver::cluster {
namespace {

TEST(PrivilegesTest, ObjectTypes) {
  EXPECT_EQ(ObjectTypeOf("Insert"), kObjectCollection);
  EXPECT_EQ(ObjectTypeOf("CreateCollection"), kObjectGlobal);
  EXPECT_EQ(ObjectTypeOf("All"), kObjectGlobal);
  EXPECT_EQ(ObjectTypeOf("UpdateUser"), kObjectUser);
  EXPECT_TRUE(ObjectTypeOf("Fly").empty());
  EXPECT_FALSE(IsPrivilege("ClusterReadOnly"));  // a group, not a single privilege
}

TEST(PrivilegesTest, BuiltinGroupsNestAndHaveLevels) {
  ASSERT_EQ(BuiltinPrivilegeGroupNames().size(), 9u);
  const auto* ro = BuiltinPrivilegeGroup("CollectionReadOnly");
  const auto* rw = BuiltinPrivilegeGroup("CollectionReadWrite");
  const auto* admin = BuiltinPrivilegeGroup("CollectionAdmin");
  ASSERT_TRUE(ro && rw && admin);
  for (const auto& p : *ro) EXPECT_TRUE(rw->count(p)) << p;
  for (const auto& p : *rw) EXPECT_TRUE(admin->count(p)) << p;
  EXPECT_TRUE(ro->count("Search"));
  EXPECT_FALSE(ro->count("Insert"));
  EXPECT_TRUE(rw->count("Insert"));
  EXPECT_TRUE(BuiltinPrivilegeGroup("ClusterReadOnly")->count("ListDatabases"));
  EXPECT_TRUE(BuiltinPrivilegeGroup("DatabaseAdmin")->count("CreateCollection"));
  EXPECT_EQ(LevelOf("ClusterAdmin"), PrivilegeLevel::kCluster);
  EXPECT_EQ(LevelOf("DatabaseReadOnly"), PrivilegeLevel::kDatabase);
  EXPECT_EQ(LevelOf("Search"), PrivilegeLevel::kCollection);
  EXPECT_EQ(LevelOf("CreateDatabase"), PrivilegeLevel::kCluster);
  EXPECT_EQ(LevelOf("CreateCollection"), PrivilegeLevel::kDatabase);
  EXPECT_FALSE(LevelOf("Fly").has_value());
  // Every group member is a known single privilege.
  for (const auto& name : BuiltinPrivilegeGroupNames()) {
    for (const auto& p : *BuiltinPrivilegeGroup(name)) EXPECT_TRUE(IsPrivilege(p)) << name << ": " << p;
  }
}

TEST(PrivilegesTest, MethodsNeedMilvusPrivileges) {
  auto insert = PrivilegeForMethod("Insert");
  ASSERT_TRUE(insert.has_value());
  EXPECT_EQ(insert->object, ObjectKind::kCollection);
  EXPECT_EQ(insert->privilege, "Insert");
  EXPECT_EQ(PrivilegeForMethod("HybridSearch")->privilege, "Search");
  EXPECT_EQ(PrivilegeForMethod("AlterCollection")->privilege, "CreateCollection");
  EXPECT_EQ(PrivilegeForMethod("GetLoadingProgress")->privilege, "GetLoadState");
  EXPECT_EQ(PrivilegeForMethod("UpdateCredential")->object, ObjectKind::kUser);
  EXPECT_EQ(PrivilegeForMethod("CreateCredential")->privilege, "CreateOwnership");
  // Authenticated but not checked, as in Milvus.
  for (const char* open : {"Connect", "GetVersion", "CheckHealth", "HasCollection", "ShowCollections", "ListDatabases"}) {
    EXPECT_FALSE(PrivilegeForMethod(open).has_value()) << open;
  }
  // Every privilege a method needs is a known one.
  for (const char* m : {"Insert", "Search", "Query", "CreateIndex", "FlushAll", "SelectUser", "OperatePrivilegeV2"}) {
    EXPECT_TRUE(IsPrivilege(PrivilegeForMethod(m)->privilege)) << m;
  }
}

TEST(PrivilegesTest, RelatedPrivileges) {
  EXPECT_TRUE(PrivilegeImplies("Load", "GetLoadState"));
  EXPECT_TRUE(PrivilegeImplies("Load", "GetLoadingProgress"));
  EXPECT_TRUE(PrivilegeImplies("Flush", "GetFlushState"));
  EXPECT_TRUE(PrivilegeImplies("Search", "Search"));
  EXPECT_FALSE(PrivilegeImplies("Search", "Query"));
  EXPECT_FALSE(PrivilegeImplies("GetLoadState", "Load"));
}

}  // namespace
}  // namespace quiver::cluster
