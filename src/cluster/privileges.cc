#include "cluster/privileges.h"

#include <map>

namespace quiver::cluster {

namespace {

// Milvus's ObjectPrivileges (pkg/util/constant.go), by object type.
const std::set<std::string>& CollectionPrivileges() {
  static const std::set<std::string> kSet = {
      "Load", "Release", "Compaction", "Insert", "Delete", "Upsert", "GetStatistics", "CreateIndex",
      "IndexDetail", "DropIndex", "Search", "Flush", "GetFlushState", "Query", "LoadBalance", "Import",
      "CreatePartition", "DropPartition", "ShowPartitions", "HasPartition", "GetLoadingProgress", "GetLoadState"};
  return kSet;
}

const std::set<std::string>& GlobalPrivileges() {
  static const std::set<std::string> kSet = {
      "All", "CreateCollection", "DropCollection", "DescribeCollection", "ShowCollections", "RenameCollection",
      "FlushAll", "CreateOwnership", "DropOwnership", "SelectOwnership", "ManageOwnership", "CreateResourceGroup",
      "DropResourceGroup", "DescribeResourceGroup", "ListResourceGroups", "TransferNode", "TransferReplica",
      "UpdateResourceGroups", "CreateDatabase", "DropDatabase", "ListDatabases", "AlterDatabase", "DescribeDatabase",
      "CreateAlias", "DropAlias", "DescribeAlias", "ListAliases", "BackupRBAC", "RestoreRBAC",
      "CreatePrivilegeGroup", "DropPrivilegeGroup", "ListPrivilegeGroups", "OperatePrivilegeGroup"};
  return kSet;
}

const std::set<std::string>& UserPrivileges() {
  static const std::set<std::string> kSet = {"UpdateUser", "SelectUser"};
  return kSet;
}

std::set<std::string> Union(const std::set<std::string>& base, std::initializer_list<const char*> more) {
  std::set<std::string> out = base;
  for (const char* p : more) out.insert(p);
  return out;
}

struct Groups {
  std::vector<std::string> names;
  std::map<std::string, std::set<std::string>, std::less<>> members;
  std::map<std::string, PrivilegeLevel, std::less<>> levels;
};

// Milvus's built-in privilege groups (common.security.rbac.*.privileges defaults).
const Groups& BuiltinGroups() {
  static const Groups kGroups = [] {
    Groups g;
    auto add = [&](const char* name, std::set<std::string> members, PrivilegeLevel level) {
      g.names.push_back(name);
      g.members[name] = std::move(members);
      g.levels[name] = level;
    };
    std::set<std::string> coll_ro = {"Query", "Search", "IndexDetail", "GetFlushState", "GetLoadState",
                                     "GetLoadingProgress", "HasPartition", "ShowPartitions", "DescribeCollection",
                                     "DescribeAlias", "GetStatistics", "ListAliases"};
    std::set<std::string> coll_rw = Union(coll_ro, {"Load", "Release", "Insert", "Delete", "Upsert", "Import", "Flush",
                                                    "Compaction", "LoadBalance", "CreateIndex", "DropIndex",
                                                    "CreatePartition", "DropPartition"});
    std::set<std::string> coll_admin = Union(coll_rw, {"CreateAlias", "DropAlias"});
    std::set<std::string> db_ro = {"ShowCollections", "DescribeDatabase"};
    std::set<std::string> db_rw = Union(db_ro, {"AlterDatabase"});
    std::set<std::string> db_admin = Union(db_rw, {"CreateCollection", "DropCollection"});
    std::set<std::string> cluster_ro = {"ListDatabases",      "SelectOwnership",   "SelectUser",
                                        "DescribeResourceGroup", "ListResourceGroups", "ListPrivilegeGroups"};
    std::set<std::string> cluster_rw = Union(cluster_ro, {"FlushAll", "TransferNode", "TransferReplica",
                                                          "UpdateResourceGroups"});
    std::set<std::string> cluster_admin =
        Union(cluster_rw, {"BackupRBAC", "RestoreRBAC", "CreateDatabase", "DropDatabase", "CreateOwnership",
                           "DropOwnership", "ManageOwnership", "CreateResourceGroup", "DropResourceGroup",
                           "UpdateUser", "RenameCollection", "CreatePrivilegeGroup", "DropPrivilegeGroup",
                           "OperatePrivilegeGroup"});
    add("ClusterReadOnly", cluster_ro, PrivilegeLevel::kCluster);
    add("ClusterReadWrite", cluster_rw, PrivilegeLevel::kCluster);
    add("ClusterAdmin", cluster_admin, PrivilegeLevel::kCluster);
    add("DatabaseReadOnly", db_ro, PrivilegeLevel::kDatabase);
    add("DatabaseReadWrite", db_rw, PrivilegeLevel::kDatabase);
    add("DatabaseAdmin", db_admin, PrivilegeLevel::kDatabase);
    add("CollectionReadOnly", coll_ro, PrivilegeLevel::kCollection);
    add("CollectionReadWrite", coll_rw, PrivilegeLevel::kCollection);
    add("CollectionAdmin", coll_admin, PrivilegeLevel::kCollection);
    return g;
  }();
  return kGroups;
}

// The privilege each MilvusService method needs (Milvus's privilege_ext_obj annotations; the
// methods without one are authenticated but not authorized).
const std::map<std::string, RequiredPrivilege, std::less<>>& MethodTable() {
  using K = ObjectKind;
  static const std::map<std::string, RequiredPrivilege, std::less<>> kTable = {
      {"CreateCollection", {K::kGlobal, "CreateCollection"}},
      {"DropCollection", {K::kGlobal, "DropCollection"}},
      {"DescribeCollection", {K::kGlobal, "DescribeCollection"}},
      {"RenameCollection", {K::kGlobal, "RenameCollection"}},
      {"AlterCollection", {K::kGlobal, "CreateCollection"}},
      {"AlterCollectionField", {K::kGlobal, "CreateCollection"}},
      {"GetCollectionStatistics", {K::kCollection, "GetStatistics"}},
      {"CreatePartition", {K::kCollection, "CreatePartition"}},
      {"DropPartition", {K::kCollection, "DropPartition"}},
      {"HasPartition", {K::kCollection, "HasPartition"}},
      {"ShowPartitions", {K::kCollection, "ShowPartitions"}},
      {"LoadCollection", {K::kCollection, "Load"}},
      {"LoadPartitions", {K::kCollection, "Load"}},
      {"ReleaseCollection", {K::kCollection, "Release"}},
      {"ReleasePartitions", {K::kCollection, "Release"}},
      {"GetLoadState", {K::kCollection, "GetLoadState"}},
      {"GetLoadingProgress", {K::kCollection, "GetLoadState"}},
      {"CreateIndex", {K::kCollection, "CreateIndex"}},
      {"AlterIndex", {K::kCollection, "CreateIndex"}},
      {"DescribeIndex", {K::kCollection, "IndexDetail"}},
      {"GetIndexState", {K::kCollection, "IndexDetail"}},
      {"GetIndexBuildProgress", {K::kCollection, "IndexDetail"}},
      {"GetIndexStatistics", {K::kCollection, "IndexDetail"}},
      {"DropIndex", {K::kCollection, "DropIndex"}},
      {"Insert", {K::kCollection, "Insert"}},
      {"Delete", {K::kCollection, "Delete"}},
      {"Upsert", {K::kCollection, "Upsert"}},
      {"Search", {K::kCollection, "Search"}},
      {"HybridSearch", {K::kCollection, "Search"}},
      {"Query", {K::kCollection, "Query"}},
      {"Flush", {K::kCollection, "Flush"}},
      {"GetFlushState", {K::kCollection, "GetFlushState"}},
      {"FlushAll", {K::kGlobal, "FlushAll"}},
      {"CreateAlias", {K::kGlobal, "CreateAlias"}},
      {"AlterAlias", {K::kGlobal, "CreateAlias"}},
      {"DropAlias", {K::kGlobal, "DropAlias"}},
      {"DescribeAlias", {K::kGlobal, "DescribeAlias"}},
      {"ListAliases", {K::kGlobal, "ListAliases"}},
      {"CreateDatabase", {K::kGlobal, "CreateDatabase"}},
      {"DropDatabase", {K::kGlobal, "DropDatabase"}},
      {"AlterDatabase", {K::kGlobal, "AlterDatabase"}},
      {"DescribeDatabase", {K::kGlobal, "DescribeDatabase"}},
      {"CreateCredential", {K::kGlobal, "CreateOwnership"}},
      {"UpdateCredential", {K::kUser, "UpdateUser"}},
      {"DeleteCredential", {K::kGlobal, "DropOwnership"}},
      {"ListCredUsers", {K::kGlobal, "SelectOwnership"}},
      {"CreateRole", {K::kGlobal, "CreateOwnership"}},
      {"DropRole", {K::kGlobal, "DropOwnership"}},
      {"OperateUserRole", {K::kGlobal, "ManageOwnership"}},
      {"SelectRole", {K::kGlobal, "SelectOwnership"}},
      {"SelectUser", {K::kUser, "SelectUser"}},
      {"OperatePrivilege", {K::kGlobal, "ManageOwnership"}},
      {"OperatePrivilegeV2", {K::kGlobal, "ManageOwnership"}},
      {"SelectGrant", {K::kGlobal, "SelectOwnership"}},
      {"CreatePrivilegeGroup", {K::kGlobal, "CreatePrivilegeGroup"}},
      {"DropPrivilegeGroup", {K::kGlobal, "DropPrivilegeGroup"}},
      {"ListPrivilegeGroups", {K::kGlobal, "ListPrivilegeGroups"}},
      {"OperatePrivilegeGroup", {K::kGlobal, "OperatePrivilegeGroup"}},
      {"CreateResourceGroup", {K::kGlobal, "CreateResourceGroup"}},
      {"DropResourceGroup", {K::kGlobal, "DropResourceGroup"}},
      {"UpdateResourceGroups", {K::kGlobal, "UpdateResourceGroups"}},
      {"TransferNode", {K::kGlobal, "TransferNode"}},
      {"TransferReplica", {K::kGlobal, "TransferReplica"}},
      {"ListResourceGroups", {K::kGlobal, "ListResourceGroups"}},
      {"DescribeResourceGroup", {K::kGlobal, "DescribeResourceGroup"}},
      {"ManualCompaction", {K::kCollection, "Compaction"}},
      {"Import", {K::kCollection, "Import"}},
      {"LoadBalance", {K::kCollection, "LoadBalance"}},
      {"BackupRBAC", {K::kGlobal, "BackupRBAC"}},
      {"RestoreRBAC", {K::kGlobal, "RestoreRBAC"}},
  };
  return kTable;
}

}  // namespace

bool IsPrivilege(std::string_view name) { return !ObjectTypeOf(name).empty(); }

std::string_view ObjectTypeOf(std::string_view privilege) {
  std::string key(privilege);
  if (CollectionPrivileges().count(key)) return kObjectCollection;
  if (GlobalPrivileges().count(key)) return kObjectGlobal;
  if (UserPrivileges().count(key)) return kObjectUser;
  return {};
}

std::optional<PrivilegeLevel> LevelOf(std::string_view name) {
  const Groups& groups = BuiltinGroups();
  if (auto it = groups.levels.find(name); it != groups.levels.end()) return it->second;
  // Milvus's GetPrivilegeLevel: the first admin group holding the privilege decides.
  std::string key(name);
  for (const char* group : {"ClusterAdmin", "DatabaseAdmin", "CollectionAdmin"}) {
    if (groups.members.find(group)->second.count(key)) return groups.levels.find(group)->second;
  }
  return std::nullopt;
}

const std::set<std::string>* BuiltinPrivilegeGroup(std::string_view name) {
  const Groups& groups = BuiltinGroups();
  auto it = groups.members.find(name);
  return it == groups.members.end() ? nullptr : &it->second;
}

const std::vector<std::string>& BuiltinPrivilegeGroupNames() { return BuiltinGroups().names; }

std::optional<RequiredPrivilege> PrivilegeForMethod(std::string_view method) {
  const auto& table = MethodTable();
  auto it = table.find(method);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

bool PrivilegeImplies(std::string_view granted, std::string_view privilege) {
  if (granted == privilege) return true;
  // Milvus's RelatedPrivileges: Load brings the load-state reads, Flush the flush-state read.
  if (granted == "Load") return privilege == "GetLoadState" || privilege == "GetLoadingProgress";
  if (granted == "Flush") return privilege == "GetFlushState";
  return false;
}

}  // namespace quiver::cluster
