#pragma once

// Users, roles, grants and custom privilege groups, stored in the MetaStore under quiver/rbac/
// (JSON values; docs/design/security.md). Passwords are kept as PBKDF2-HMAC-SHA256 hashes with a
// random 16-byte salt per user; records written before that (one salted SHA-256) are verified the
// old way once and rewritten on the user's first successful login. Thread-safe (its own mutex;
// key derivations run outside it).

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cluster/access.h"
#include "common/mutex.h"
#include "common/status.h"
#include "storage/meta/meta_store.h"

namespace quiver::coord {

class Rbac final : public cluster::AccessClient {
 public:
  explicit Rbac(storage::MetaStore* meta) : meta_(meta) {}

  // Loads stored entries and creates root (password "Milvus") on first start.
  Status Load(const storage::RangeResult& all);
  // True while root's password is still the default "Milvus" (checked at Load and on changes).
  bool RootHasDefaultPassword();

  Status CreateUser(const std::string& name, const std::string& password) override;
  Status SetPassword(const std::string& name, const std::string& new_password) override;
  Status UpdatePassword(const std::string& name, const std::string& old_password,
                        const std::string& new_password) override;
  Status DeleteUser(const std::string& name) override;
  Result<std::vector<cluster::UserInfo>> ListUsers() override;
  Status VerifyPassword(const std::string& name, const std::string& password) override;

  Status CreateRole(const std::string& name) override;
  Status DropRole(const std::string& name, bool force) override;
  Status OperateUserRole(const std::string& user, const std::string& role, bool add) override;
  Result<std::vector<cluster::RoleInfo>> ListRoles() override;
  Status OperatePrivilege(const cluster::Grant& grant, bool grant_it) override;
  Result<std::vector<cluster::Grant>> SelectGrants(const std::string& role, const std::string& object,
                                                   const std::string& object_name, const std::string& db) override;

  Status CreatePrivilegeGroup(const std::string& name) override;
  Status DropPrivilegeGroup(const std::string& name) override;
  Status OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges,
                               bool add) override;
  Result<std::vector<cluster::PrivilegeGroupInfo>> ListPrivilegeGroups() override;

  std::shared_ptr<const cluster::AccessSnapshot> Snapshot() override;

 private:
  struct Credential {
    std::string kdf;  // "pbkdf2-sha256", or "sha256" for records of older versions
    uint32_t iterations = 0;
    std::string salt;
    std::string hash;
  };
  struct User {
    Credential credential;
    std::set<std::string> roles;
  };
  Status PutUser(const std::string& name, const User& user) QUIVER_REQUIRES(mu_);
  Status PutRole(const std::string& name, const std::vector<cluster::Grant>& grants) QUIVER_REQUIRES(mu_);
  Status PutGroup(const std::string& name, const std::set<std::string>& privileges) QUIVER_REQUIRES(mu_);
  void Publish() QUIVER_REQUIRES(mu_);

  storage::MetaStore* meta_;
  Mutex mu_;
  std::map<std::string, User> users_ QUIVER_GUARDED_BY(mu_);
  std::map<std::string, std::vector<cluster::Grant>> roles_ QUIVER_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>> groups_ QUIVER_GUARDED_BY(mu_);
  uint64_t version_ QUIVER_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const cluster::AccessSnapshot> snapshot_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver::coord
