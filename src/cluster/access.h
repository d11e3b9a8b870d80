#pragma once

// The access-control contract: users with salted password hashes, roles, the privileges granted
// to roles (Milvus's RBAC model) and custom privilege groups. Standalone wires the coordinator's
// implementation in directly; distributed mode puts a client of the coordinator behind it.
// Every method is thread-safe.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace quiver::cluster {

struct UserInfo {
  std::string name;
  std::vector<std::string> roles;
};

struct RoleInfo {
  std::string name;
  std::vector<std::string> users;
};

// A privilege (or privilege group) granted to a role on an object. `object` is Milvus's object
// type (Global, Collection, User, Database); `object_name` and `db_name` may be "*".
struct Grant {
  std::string role;
  std::string object;
  std::string object_name;
  std::string privilege;
  std::string db_name;
  std::string grantor;
  bool operator==(const Grant&) const = default;
};

struct PrivilegeGroupInfo {
  std::string name;
  std::vector<std::string> privileges;
};

// Everything a privilege check reads, as of one moment. Immutable; a new one replaces it on every
// change, with a higher `version`.
struct AccessSnapshot {
  struct User {
    std::set<std::string> roles;
    // Changes whenever the password does, and only then (also across coordinator restarts).
    uint64_t credential_revision = 0;
  };
  uint64_t version = 0;
  std::map<std::string, User> users;
  std::map<std::string, std::vector<Grant>> grants;                  // by role (every role has an entry)
  std::map<std::string, std::set<std::string>> privilege_groups;     // custom groups, by name
};

class AccessClient {
 public:
  virtual ~AccessClient() = default;

  // Passwords arrive as the client sent them (base64 for Milvus SDKs, else clear text) and are
  // stored as salted PBKDF2 hashes. `root` and the built-in roles admin and public always exist.
  virtual Status CreateUser(const std::string& name, const std::string& password) = 0;
  virtual Status UpdatePassword(const std::string& name, const std::string& old_password,
                                const std::string& new_password) = 0;
  // Replaces a password without the old one (for common.security.superUsers).
  virtual Status SetPassword(const std::string& name, const std::string& new_password) = 0;
  virtual Status DeleteUser(const std::string& name) = 0;
  virtual Result<std::vector<UserInfo>> ListUsers() = 0;
  // OK if `password` (clear text) is the user's; Unauthenticated otherwise (unknown user
  // included). Costs one key derivation: callers cache successes.
  virtual Status VerifyPassword(const std::string& name, const std::string& password) = 0;

  virtual Status CreateRole(const std::string& name) = 0;
  virtual Status DropRole(const std::string& name, bool force) = 0;
  virtual Status OperateUserRole(const std::string& user, const std::string& role, bool add) = 0;
  virtual Result<std::vector<RoleInfo>> ListRoles() = 0;
  virtual Status OperatePrivilege(const Grant& grant, bool grant_it) = 0;
  // Grants of `role`, optionally limited to one object type and name and database ("*" = all).
  virtual Result<std::vector<Grant>> SelectGrants(const std::string& role, const std::string& object,
                                                  const std::string& object_name, const std::string& db) = 0;

  // Custom privilege groups (the built-in ones are fixed and not stored).
  virtual Status CreatePrivilegeGroup(const std::string& name) = 0;
  virtual Status DropPrivilegeGroup(const std::string& name) = 0;
  virtual Status OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges,
                                       bool add) = 0;
  virtual Result<std::vector<PrivilegeGroupInfo>> ListPrivilegeGroups() = 0;

  virtual std::shared_ptr<const AccessSnapshot> Snapshot() = 0;
};

}  // namespace quiver::cluster
