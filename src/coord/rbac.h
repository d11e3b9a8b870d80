#pragma once

// Users, roles and grants, stored in the MetaStore under quiver/rbac/ (JSON values). This is the
// bookkeeping half of Milvus RBAC; authentication and privilege checks on requests come with the
// security milestone. Not thread-safe: the coord calls it under its mutex.

#include <map>
#include <set>
#include <string>

#include "cluster/types.h"
#include "common/status.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

class Rbac {
 public:
  explicit Rbac(storage::MetaStore* meta) : meta_(meta) {}

  // Loads stored entries and creates root (password "Milvus") on first start.
  Status Load(const storage::RangeResult& all);

  Status CreateUser(const std::string& name, const std::string& password);
  Status UpdatePassword(const std::string& name, const std::string& old_password, const std::string& new_password);
  Status DeleteUser(const std::string& name);
  std::vector<cluster::UserInfo> ListUsers() const;
  Status CreateRole(const std::string& name);
  Status DropRole(const std::string& name, bool force);
  Status OperateUserRole(const std::string& user, const std::string& role, bool add);
  std::vector<cluster::RoleInfo> ListRoles() const;
  Status OperatePrivilege(const cluster::Grant& grant, bool grant_it);
  std::vector<cluster::Grant> SelectGrants(const std::string& role, const std::string& object,
                                           const std::string& object_name, const std::string& db) const;

 private:
  struct User {
    std::string salt;
    std::string hash;
    std::set<std::string> roles;
  };
  Status PutUser(const std::string& name, const User& user);
  Status PutRole(const std::string& name, const std::vector<cluster::Grant>& grants);

  storage::MetaStore* meta_;
  std::map<std::string, User> users_;
  std::map<std::string, std::vector<cluster::Grant>> roles_;
};

// Decodes standard base64; nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace quiver::coord
