#pragma once

// Authentication and authorization of requests (Milvus's RBAC), for every front door: the gRPC
// handlers and the REST handlers name the same Milvus methods. Enabled by
// common.security.authorizationEnabled; when disabled every request passes and the identity is
// empty. Thread-safe.

#include <map>
#include <set>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/access.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/status.h"

namespace quiver::proxy {

struct AccessOptions {
  bool enabled = false;
  // common.security.superUsers: users whose password changes (of any user) skip the old-password
  // check. Their privileges are checked as anyone's.
  std::set<std::string> super_users;
};

// The authenticated caller of a request (empty user when authorization is disabled).
struct Identity {
  std::string user;
};

// The objects a request names, for the privilege check.
struct AccessTarget {
  std::string db;                        // the request's database, resolved
  std::vector<std::string> collections;  // collections named (Flush names several)
  std::string user;                      // the user a credential or SelectUser request names
  std::string role;                      // the role a SelectGrant request names
};

class AccessControl {
 public:
  AccessControl(cluster::AccessClient* client, MetricsRegistry* metrics, AccessOptions options);

  bool enabled() const { return options_.enabled; }

  // Checks credentials: "user:password" (what gRPC's `authorization` metadata carries after
  // base64 decoding, and REST's Bearer token). Unauthenticated for none, a wrong password, an
  // unknown user or an API key (Quiver has none). `peer` goes into the failed-login log line.
  Result<Identity> Authenticate(std::string_view credentials, std::string_view peer);
  // The same, from gRPC's `authorization` metadata value (base64 of the credentials).
  Result<Identity> AuthenticateBase64(std::string_view metadata, std::string_view peer);

  // OK if `identity` may call Milvus method `method` (e.g. "Insert") on `target`; PermissionDenied
  // naming the privilege otherwise.
  Status Authorize(const Identity& identity, std::string_view method, const AccessTarget& target) const;

  // Whether listings (ShowCollections, ListDatabases) show an object to `identity`: the user holds
  // some privilege on it (or on every object of its kind).
  bool SeesCollection(const Identity& identity, const std::string& db, const std::string& collection) const;
  bool SeesDatabase(const Identity& identity, const std::string& db) const;

  // Management of users, roles, grants and privilege groups (the front door checked the caller's
  // privilege first). Passwords as the client sent them (base64 from Milvus SDKs).
  Status CreateUser(const std::string& name, const std::string& password) { return client_->CreateUser(name, password); }
  // `caller` changes `name`'s password: the old one must match unless the caller is a super user.
  Status UpdatePassword(const Identity& caller, const std::string& name, const std::string& old_password,
                        const std::string& new_password) {
    if (options_.enabled && options_.super_users.count(caller.user)) return client_->SetPassword(name, new_password);
    return client_->UpdatePassword(name, old_password, new_password);
  }
  Status DeleteUser(const std::string& name) { return client_->DeleteUser(name); }
  Result<std::vector<cluster::UserInfo>> ListUsers() { return client_->ListUsers(); }
  // One user with its roles; NotFound when there is none such.
  Result<cluster::UserInfo> DescribeUser(const std::string& name);
  Status CreateRole(const std::string& name) { return client_->CreateRole(name); }
  Status DropRole(const std::string& name, bool force) { return client_->DropRole(name, force); }
  Status OperateUserRole(const std::string& user, const std::string& role, bool add) {
    return client_->OperateUserRole(user, role, add);
  }
  Result<std::vector<cluster::RoleInfo>> ListRoles() { return client_->ListRoles(); }
  // Milvus's OperatePrivilege: a single privilege on an object of its type (Global grants are on
  // "*"); groups go through OperatePrivilegeV2.
  Status OperatePrivilege(cluster::Grant grant, bool grant_it);
  // Milvus's OperatePrivilegeV2: a privilege or group at cluster (db "*", collection "*"),
  // database (collection "*") or collection level; the object type follows from the privilege.
  // `db` is resolved (the request's, else the connection's).
  Status OperatePrivilegeV2(const std::string& role, const std::string& privilege, const std::string& db,
                            const std::string& collection, const std::string& grantor, bool grant_it);
  Result<std::vector<cluster::Grant>> SelectGrants(const std::string& role, const std::string& object,
                                                   const std::string& object_name, const std::string& db) {
    return client_->SelectGrants(role, object, object_name, db);
  }
  Status CreatePrivilegeGroup(const std::string& name) { return client_->CreatePrivilegeGroup(name); }
  Status DropPrivilegeGroup(const std::string& name) { return client_->DropPrivilegeGroup(name); }
  Status OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges, bool add) {
    return client_->OperatePrivilegeGroup(name, privileges, add);
  }
  Result<std::vector<cluster::PrivilegeGroupInfo>> ListPrivilegeGroups() { return client_->ListPrivilegeGroups(); }

 private:
  struct CachedLogin {
    uint64_t revision = 0;
    std::string mac;  // HMAC of the password under key_
  };
  Status Failed(std::string_view user, std::string_view reason, std::string_view peer);
  // True if `user` is root or holds the admin role: no privilege check applies.
  static bool Unrestricted(const cluster::AccessSnapshot& snapshot, const std::string& user);
  // True if one of `user`'s roles (public included) grants `privilege` on the object.
  // `object_name` null: any object (Global privileges are per database).
  static bool Granted(const cluster::AccessSnapshot& snapshot, const std::string& user, std::string_view privilege,
                      const std::string& db, const std::string* object_name);

  cluster::AccessClient* client_;
  AccessOptions options_;
  std::string key_;  // per-process key of the login cache
  MetricsRegistry* metrics_;
  mutable Mutex mu_;
  std::map<std::string, CachedLogin> logins_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver::proxy
