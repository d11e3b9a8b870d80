#include "proxy/access_control.h"

#include "cluster/privileges.h"
#include "common/log.h"
#include "common/secrets.h"

namespace quiver::proxy {

namespace {

const std::string kAnyDatabase = "*";
constexpr std::string_view kMissing = "missing credentials";
constexpr std::string_view kMalformed = "malformed authorization header";
constexpr std::string_view kApiKey = "api key";

bool NameCovers(const std::string& granted, const std::string& name) {
  return granted == cluster::kAnyName || granted == name;
}

// True if the granted privilege (a single privilege, "All", a built-in or a custom group)
// includes `privilege`.
bool Includes(const cluster::AccessSnapshot& snapshot, const std::string& granted, std::string_view privilege) {
  if (granted == cluster::kPrivilegeAll || cluster::PrivilegeImplies(granted, privilege)) return true;
  const std::set<std::string>* members = cluster::BuiltinPrivilegeGroup(granted);
  if (members == nullptr) {
    auto it = snapshot.privilege_groups.find(granted);
    if (it == snapshot.privilege_groups.end()) return false;
    members = &it->second;
  }
  for (const auto& m : *members) {
    if (cluster::PrivilegeImplies(m, privilege)) return true;
  }
  return false;
}

// True if a grant is about collections (so that it makes its collections visible in listings):
// a Collection grant, a collection-level built-in group, or a custom group with a collection
// privilege in it.
bool CollectionScoped(const cluster::AccessSnapshot& snapshot, const cluster::Grant& g) {
  if (g.object == cluster::kObjectCollection) return true;
  if (cluster::BuiltinPrivilegeGroup(g.privilege) != nullptr) {
    return cluster::LevelOf(g.privilege) == cluster::PrivilegeLevel::kCollection;
  }
  auto it = snapshot.privilege_groups.find(g.privilege);
  if (it == snapshot.privilege_groups.end()) return false;
  for (const auto& m : it->second) {
    if (cluster::ObjectTypeOf(m) == cluster::kObjectCollection) return true;
  }
  return false;
}

// Calls `fn` on the grants of `user`'s roles (and of role public, unless `with_public` is false)
// until it returns true.
template <typename Fn>
bool AnyRoleGrant(const cluster::AccessSnapshot& snapshot, const std::string& user, bool with_public, const Fn& fn) {
  auto u = snapshot.users.find(user);
  std::vector<const std::string*> roles;
  static const std::string kPublic = "public";
  if (with_public) roles.push_back(&kPublic);
  if (u != snapshot.users.end()) {
    for (const auto& r : u->second.roles) roles.push_back(&r);
  }
  for (const std::string* role : roles) {
    auto g = snapshot.grants.find(*role);
    if (g == snapshot.grants.end()) continue;
    for (const auto& grant : g->second) {
      if (fn(grant)) return true;
    }
  }
  return false;
}

}  // namespace

AccessControl::AccessControl(cluster::AccessClient* client, MetricsRegistry* metrics, AccessOptions options)
    : client_(client), options_(options), key_(RandomBytes(32)), metrics_(metrics) {}

Status AccessControl::Failed(std::string_view user, std::string_view reason, std::string_view peer) {
  metrics_->GetCounter("quiver_proxy_failed_logins_total", "Requests refused for missing or wrong credentials",
                       {{"reason", std::string(reason)}})
      ->Increment();
  // Never the password: only who tried, from where, and why it failed.
  QUIVER_LOG(WARN) << "authentication failed" << Kv("user", user) << Kv("reason", reason) << Kv("peer", peer);
  return Status::Unauthenticated(reason == kApiKey ? "auth check failure, please check api key is correct"
                                 : reason == kMissing ? "missing authorization in header"
                                 : reason == kMalformed ? "invalid token format"
                                                        : "auth check failure, please check username and password are correct");
}

Result<Identity> AccessControl::AuthenticateBase64(std::string_view metadata, std::string_view peer) {
  if (!options_.enabled) return Identity{};
  if (metadata.empty()) return Failed("", kMissing, peer);
  std::optional<std::string> decoded = Base64Decode(metadata);
  if (!decoded) return Failed("", kMalformed, peer);
  return Authenticate(*decoded, peer);
}

Result<Identity> AccessControl::Authenticate(std::string_view credentials, std::string_view peer) {
  if (!options_.enabled) return Identity{};
  if (credentials.empty()) return Failed("", kMissing, peer);
  size_t colon = credentials.find(':');
  if (colon == std::string_view::npos) return Failed("", kApiKey, peer);
  std::string user(credentials.substr(0, colon));
  std::string_view password = credentials.substr(colon + 1);
  std::shared_ptr<const cluster::AccessSnapshot> snapshot = client_->Snapshot();
  auto known = snapshot->users.find(user);
  std::string mac = HmacSha256(key_, password);
  if (known != snapshot->users.end()) {
    MutexLock lock(&mu_);
    auto cached = logins_.find(user);
    if (cached != logins_.end() && cached->second.revision == known->second.credential_revision &&
        ConstantTimeEquals(cached->second.mac, mac)) {
      return Identity{std::move(user)};
    }
  }
  // Unknown users go through the same key derivation as known ones (timing tells nothing).
  if (!client_->VerifyPassword(user, std::string(password)).ok()) {
    return Failed(user, known == snapshot->users.end() ? "unknown user" : "wrong password", peer);
  }
  if (known != snapshot->users.end()) {
    MutexLock lock(&mu_);
    logins_[user] = {known->second.credential_revision, std::move(mac)};
  }
  return Identity{std::move(user)};
}

bool AccessControl::Unrestricted(const cluster::AccessSnapshot& snapshot, const std::string& user) {
  if (user == "root") return true;
  auto u = snapshot.users.find(user);
  return u != snapshot.users.end() && u->second.roles.count("admin") > 0;
}

bool AccessControl::Granted(const cluster::AccessSnapshot& snapshot, const std::string& user,
                            std::string_view privilege, const std::string& db, const std::string* object_name) {
  return AnyRoleGrant(snapshot, user, /*with_public=*/true, [&](const cluster::Grant& g) {
    return NameCovers(g.db_name, db) && (object_name == nullptr || NameCovers(g.object_name, *object_name)) &&
           Includes(snapshot, g.privilege, privilege);
  });
}

Status AccessControl::Authorize(const Identity& identity, std::string_view method, const AccessTarget& target) const {
  if (!options_.enabled) return Status::OK();
  std::optional<cluster::RequiredPrivilege> need = cluster::PrivilegeForMethod(method);
  if (!need) return Status::OK();
  std::shared_ptr<const cluster::AccessSnapshot> snapshot = client_->Snapshot();
  if (Unrestricted(*snapshot, identity.user)) return Status::OK();
  if (method == "SelectGrant" && !target.role.empty()) {
    // Users may read the grants of their own roles (public included).
    auto u = snapshot->users.find(identity.user);
    if (target.role == "public" || (u != snapshot->users.end() && u->second.roles.count(target.role))) {
      return Status::OK();
    }
  }
  bool allowed = true;
  // Cluster-level privileges (users, roles, databases, privilege groups...) are held only by
  // grants on every database ("*"): a grant in one database, even All, must not reach them, or a
  // database admin could make itself cluster admin.
  const bool cluster_level = cluster::LevelOf(need->privilege) == cluster::PrivilegeLevel::kCluster;
  const std::string& db = cluster_level ? kAnyDatabase : target.db;
  switch (need->object) {
    case cluster::ObjectKind::kGlobal:
      // Global privileges are held per database; the object name is always "*". (Milvus expands a
      // collection-level group's global members, like DescribeCollection, to "*" too.)
      allowed = Granted(*snapshot, identity.user, need->privilege, db, nullptr);
      break;
    case cluster::ObjectKind::kUser: {
      // Users may read themselves and change their own password (the old one is checked).
      if (!target.user.empty() && target.user == identity.user) return Status::OK();
      std::string name = target.user.empty() ? std::string(cluster::kAnyName) : target.user;
      allowed = Granted(*snapshot, identity.user, need->privilege, db, &name);
      break;
    }
    case cluster::ObjectKind::kCollection: {
      static const std::string kAny(cluster::kAnyName);
      if (target.collections.empty()) allowed = Granted(*snapshot, identity.user, need->privilege, db, &kAny);
      for (const auto& collection : target.collections) {
        allowed = allowed && Granted(*snapshot, identity.user, need->privilege, db, &collection);
      }
      break;
    }
  }
  if (allowed) return Status::OK();
  return Status::PermissionDenied("Privilege" + std::string(need->privilege) + ": permission deny to " + identity.user +
                                  " in the `" + target.db + "` database");
}

bool AccessControl::SeesCollection(const Identity& identity, const std::string& db, const std::string& collection) const {
  if (!options_.enabled) return true;
  std::shared_ptr<const cluster::AccessSnapshot> snapshot = client_->Snapshot();
  if (Unrestricted(*snapshot, identity.user)) return true;
  // Milvus's ShowCollections filter: the collections the user's own roles (not public) hold a
  // collection grant on, every collection with a "*" grant or a Global All grant.
  return AnyRoleGrant(*snapshot, identity.user, /*with_public=*/false, [&](const cluster::Grant& g) {
    if (!NameCovers(g.db_name, db)) return false;
    if (g.privilege == cluster::kPrivilegeAll) return true;
    return CollectionScoped(*snapshot, g) && NameCovers(g.object_name, collection);
  });
}

bool AccessControl::SeesDatabase(const Identity& identity, const std::string& db) const {
  if (!options_.enabled) return true;
  std::shared_ptr<const cluster::AccessSnapshot> snapshot = client_->Snapshot();
  if (Unrestricted(*snapshot, identity.user)) return true;
  // Milvus's ListDatabases filter: databases the user's own roles (not public) hold any grant in.
  return AnyRoleGrant(*snapshot, identity.user, /*with_public=*/false,
                      [&](const cluster::Grant& g) { return NameCovers(g.db_name, db); });
}

Status AccessControl::OperatePrivilegeV2(const std::string& role, const std::string& privilege, const std::string& db,
                                         const std::string& collection, const std::string& grantor, bool grant_it) {
  if (privilege.empty()) return Status::InvalidArgument("privilege name is empty");
  const std::string& db_name = db;
  std::string collection_name = collection.empty() ? std::string(cluster::kAnyName) : collection;
  if (db_name == cluster::kAnyName && collection_name != cluster::kAnyName) {
    return Status::InvalidArgument("collectionName should be * when the dbName is *");
  }
  std::shared_ptr<const cluster::AccessSnapshot> snapshot = client_->Snapshot();
  bool custom = snapshot->privilege_groups.count(privilege) > 0;
  std::string object;
  if (cluster::BuiltinPrivilegeGroup(privilege) != nullptr) {
    switch (*cluster::LevelOf(privilege)) {
      case cluster::PrivilegeLevel::kCluster:
        if (db_name != cluster::kAnyName || collection_name != cluster::kAnyName) {
          return Status::InvalidArgument("dbName and collectionName should be * for the cluster level privilege: " + privilege);
        }
        break;
      case cluster::PrivilegeLevel::kDatabase:
        if (collection_name != cluster::kAnyName) {
          return Status::InvalidArgument("collectionName should be * for the database level privilege: " + privilege);
        }
        break;
      case cluster::PrivilegeLevel::kCollection:
        break;
    }
    object = cluster::kObjectGlobal;
  } else if (custom) {
    object = cluster::kObjectGlobal;
  } else if (cluster::IsPrivilege(privilege)) {
    object = cluster::ObjectTypeOf(privilege);
  } else {
    return Status::InvalidArgument("not found the privilege name[" + privilege + "]");
  }
  // A single Global privilege is held per database: its object name is always "*"; a
  // cluster-level one on every database (see Authorize).
  std::string grant_db = db_name;
  if (object == cluster::kObjectGlobal && !custom && cluster::BuiltinPrivilegeGroup(privilege) == nullptr) {
    collection_name = cluster::kAnyName;
  }
  if (!custom && cluster::BuiltinPrivilegeGroup(privilege) == nullptr &&
      cluster::LevelOf(privilege) == cluster::PrivilegeLevel::kCluster) {
    grant_db = cluster::kAnyName;
    collection_name = cluster::kAnyName;
  }
  return client_->OperatePrivilege({role, object, collection_name, privilege, grant_db, grantor}, grant_it);
}

Status AccessControl::OperatePrivilege(cluster::Grant grant, bool grant_it) {
  if (grant.privilege.empty()) return Status::InvalidArgument("privilege name is empty");
  if (cluster::BuiltinPrivilegeGroup(grant.privilege) != nullptr) {
    return Status::InvalidArgument("can not operate the built-in privilege group [" + grant.privilege +
                                   "] with OperatePrivilege; use OperatePrivilegeV2");
  }
  if (client_->Snapshot()->privilege_groups.count(grant.privilege)) {
    return Status::InvalidArgument("can not operate the custom privilege group [" + grant.privilege +
                                   "] with OperatePrivilege; use OperatePrivilegeV2");
  }
  if (!cluster::IsPrivilege(grant.privilege) || cluster::ObjectTypeOf(grant.privilege) != grant.object) {
    return Status::InvalidArgument("not found the privilege name[" + grant.privilege + "] in object[" + grant.object + "]");
  }
  if (grant.object == cluster::kObjectGlobal) grant.object_name = cluster::kAnyName;
  // Cluster-level privileges hold on every database (see Authorize).
  if (cluster::LevelOf(grant.privilege) == cluster::PrivilegeLevel::kCluster) grant.db_name = cluster::kAnyName;
  return client_->OperatePrivilege(grant, grant_it);
}

Result<cluster::UserInfo> AccessControl::DescribeUser(const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(auto users, client_->ListUsers());
  for (auto& user : users) {
    if (user.name == name) return std::move(user);
  }
  return Status::NotFound("user not found: " + name);
}

}  // namespace quiver::proxy
