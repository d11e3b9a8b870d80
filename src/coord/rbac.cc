#include "coord/rbac.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "cluster/privileges.h"
#include "common/log.h"
#include "common/secrets.h"
#include "schema/schema.h"

namespace quiver::coord {

using Json = nlohmann::json;

namespace {

constexpr std::string_view kUserPrefix = "quiver/rbac/user/";
constexpr std::string_view kRolePrefix = "quiver/rbac/role/";
constexpr std::string_view kGroupPrefix = "quiver/rbac/group/";
constexpr std::string_view kPbkdf2 = "pbkdf2-sha256";
constexpr std::string_view kLegacySha256 = "sha256";
// OWASP's 2023 figure for PBKDF2-HMAC-SHA256 is 600,000; 100,000 keeps a login at ~40 ms on one
// core. Successful logins are cached by the proxy, so this is paid once per user and password.
constexpr uint32_t kIterations = 100000;
constexpr int kMaxCustomGroups = 1024;
const std::set<std::string> kBuiltinRoles = {"admin", "public"};
const std::set<std::string> kObjectTypes = {"Global", "Collection", "User", "Database"};

struct NewCredential {
  std::string salt;
  std::string hash;
};

NewCredential Derive(const std::string& password) {
  std::string salt = RandomBytes(16);
  return {HexEncode(salt), HexEncode(Pbkdf2Sha256(password, salt, kIterations))};
}

// The hash `password` would have under the stored parameters (hex), or nullopt for a damaged record.
std::optional<std::string> Rehash(const std::string& kdf, uint32_t iterations, const std::string& salt_hex,
                                  const std::string& password) {
  if (kdf == kLegacySha256) return HexEncode(Sha256(salt_hex + ":" + password));
  std::optional<std::string> salt = HexDecode(salt_hex);
  if (kdf != kPbkdf2 || !salt || iterations == 0) return std::nullopt;
  return HexEncode(Pbkdf2Sha256(password, *salt, iterations));
}

Status ValidateUserName(const std::string& name) {
  if (name.empty() || name.size() > 32) return Status::InvalidArgument("the length of username must be in [1, 32]");
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) {
    return Status::InvalidArgument("the first character of username must be a letter", name);
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return Status::InvalidArgument("username can only contain letters, digits and underscores", name);
    }
  }
  return Status::OK();
}

// Milvus SDKs send base64; others may send clear text. The clear text must be 6..256 characters.
std::string ClearText(const std::string& sent) {
  std::optional<std::string> decoded = Base64Decode(sent);
  return decoded ? *decoded : sent;
}

Result<std::string> NewPassword(const std::string& sent) {
  std::string clear = ClearText(sent);
  if (clear.size() < 6 || clear.size() > 256) {
    return Status::InvalidArgument("the length of password must be greater than 6 and less than 256 characters");
  }
  return clear;
}

Status ValidatePrivilegeName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("privilege name is empty");
  return Status::OK();
}

// What AccessSnapshot::credential_revision carries: derived from the stored credential (whose
// salt is new on every password change), so it changes with the password and stays the same
// across coordinator restarts. A counter would restart too, and a proxy that outlived the
// coordinator could match a cached login against a revision number reused for a newer password.
uint64_t FingerprintOf(std::string_view kdf, uint32_t iterations, std::string_view salt, std::string_view hash) {
  std::string digest = Sha256(std::string(kdf) + "|" + std::to_string(iterations) + "|" + std::string(salt) + "|" +
                              std::string(hash));
  uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | static_cast<uint8_t>(digest[i]);
  return out;
}

}  // namespace

Status Rbac::Load(const storage::RangeResult& all) {
  MutexLock lock(&mu_);
  for (const auto& kv : all.kvs) {
    if (!kv.key.starts_with("quiver/rbac/")) continue;
    Json j = Json::parse(kv.value, nullptr, false);
    if (j.is_discarded()) return Status::Corruption("bad RBAC entry (not JSON) " + kv.key);
    try {
      if (kv.key.starts_with(kUserPrefix)) {
        User user;
        user.credential.kdf = j.value("kdf", std::string(kLegacySha256));
        user.credential.iterations = j.value("iterations", 0u);
        user.credential.salt = j.at("salt").get<std::string>();
        user.credential.hash = j.at("hash").get<std::string>();
        for (const auto& role : j.at("roles")) user.roles.insert(role.get<std::string>());
        users_[kv.key.substr(kUserPrefix.size())] = std::move(user);
      } else if (kv.key.starts_with(kRolePrefix)) {
        std::vector<cluster::Grant> grants;
        for (const auto& g : j.at("grants")) {
          grants.push_back({g.at("role"), g.at("object"), g.at("object_name"), g.at("privilege"), g.at("db_name"),
                            g.at("grantor")});
        }
        roles_[kv.key.substr(kRolePrefix.size())] = std::move(grants);
      } else if (kv.key.starts_with(kGroupPrefix)) {
        std::set<std::string> privileges;
        for (const auto& p : j.at("privileges")) privileges.insert(p.get<std::string>());
        groups_[kv.key.substr(kGroupPrefix.size())] = std::move(privileges);
      }
    } catch (const std::exception& e) {
      return Status::Corruption("bad RBAC entry " + kv.key, e.what());
    }
  }
  if (!roles_.count("admin")) QUIVER_RETURN_IF_ERROR(PutRole("admin", {}));
  if (!roles_.count("public")) {
    // Milvus's default privileges of role public (revocable): describe collections, list aliases
    // and read index details, in every database.
    QUIVER_RETURN_IF_ERROR(PutRole("public", {{"public", "Global", "*", "DescribeCollection", "*", "root"},
                                              {"public", "Global", "*", "ListAliases", "*", "root"},
                                              {"public", "Collection", "*", "IndexDetail", "*", "root"}}));
  }
  if (!users_.count("root")) {
    NewCredential c = Derive("Milvus");
    User root;
    root.credential = {std::string(kPbkdf2), kIterations, c.salt, c.hash};
    root.roles = {"admin"};
    QUIVER_RETURN_IF_ERROR(PutUser("root", root));
  }
  Publish();
  return Status::OK();
}

bool Rbac::RootHasDefaultPassword() { return VerifyPassword("root", "Milvus").ok(); }

void Rbac::Publish() {
  auto snapshot = std::make_shared<cluster::AccessSnapshot>();
  snapshot->version = ++version_;
  for (const auto& [name, user] : users_) {
    const Credential& c = user.credential;
    snapshot->users[name] = {user.roles, FingerprintOf(c.kdf, c.iterations, c.salt, c.hash)};
  }
  snapshot->grants = roles_;
  snapshot->privilege_groups = groups_;
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const cluster::AccessSnapshot> Rbac::Snapshot() {
  MutexLock lock(&mu_);
  return snapshot_;
}

Status Rbac::PutUser(const std::string& name, const User& user) {
  Json j{{"kdf", user.credential.kdf},
         {"salt", user.credential.salt},
         {"hash", user.credential.hash},
         {"roles", std::vector<std::string>(user.roles.begin(), user.roles.end())}};
  if (user.credential.iterations > 0) j["iterations"] = user.credential.iterations;
  QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kUserPrefix) + name, j.dump()).status());
  users_[name] = user;
  return Status::OK();
}

Status Rbac::PutRole(const std::string& name, const std::vector<cluster::Grant>& grants) {
  Json list = Json::array();
  for (const auto& g : grants) {
    list.push_back({{"role", g.role}, {"object", g.object}, {"object_name", g.object_name},
                    {"privilege", g.privilege}, {"db_name", g.db_name}, {"grantor", g.grantor}});
  }
  QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kRolePrefix) + name, Json{{"grants", list}}.dump()).status());
  roles_[name] = grants;
  return Status::OK();
}

Status Rbac::PutGroup(const std::string& name, const std::set<std::string>& privileges) {
  Json j{{"privileges", std::vector<std::string>(privileges.begin(), privileges.end())}};
  QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kGroupPrefix) + name, j.dump()).status());
  groups_[name] = privileges;
  return Status::OK();
}

Status Rbac::CreateUser(const std::string& name, const std::string& password) {
  QUIVER_RETURN_IF_ERROR(ValidateUserName(name));
  QUIVER_ASSIGN_OR_RETURN(std::string clear, NewPassword(password));
  {
    MutexLock lock(&mu_);
    if (users_.count(name)) return Status::AlreadyExists("user already exists: " + name);
  }
  NewCredential c = Derive(clear);  // outside the lock: it takes tens of milliseconds
  MutexLock lock(&mu_);
  if (users_.count(name)) return Status::AlreadyExists("user already exists: " + name);
  User user;
  user.credential = {std::string(kPbkdf2), kIterations, c.salt, c.hash};
  QUIVER_RETURN_IF_ERROR(PutUser(name, user));
  Publish();
  return Status::OK();
}

Status Rbac::VerifyPassword(const std::string& name, const std::string& password) {
  Credential stored;
  {
    MutexLock lock(&mu_);
    auto it = users_.find(name);
    if (it == users_.end()) {
      // Spend the same time as for a known user, so that timing does not tell which users exist.
      (void)Pbkdf2Sha256(password, "quiver-unknown-user", kIterations);
      return Status::Unauthenticated("unknown user or wrong password");
    }
    stored = it->second.credential;
  }
  std::optional<std::string> hash = Rehash(stored.kdf, stored.iterations, stored.salt, password);
  if (!hash || !ConstantTimeEquals(*hash, stored.hash)) {
    return Status::Unauthenticated("unknown user or wrong password");
  }
  if (stored.kdf == kPbkdf2) return Status::OK();
  // A record of an older version (salted SHA-256): rewrite it with the KDF now that the clear
  // password is known.
  NewCredential c = Derive(password);
  MutexLock lock(&mu_);
  auto it = users_.find(name);
  if (it == users_.end() || it->second.credential.hash != stored.hash) return Status::OK();  // changed meanwhile
  User upgraded = it->second;
  upgraded.credential = {std::string(kPbkdf2), kIterations, c.salt, c.hash};
  Status put = PutUser(name, upgraded);
  if (!put.ok()) {
    QUIVER_LOG(WARN) << "cannot rewrite a legacy password hash" << Kv("user", name) << Kv("error", put.ToString());
  } else {
    QUIVER_LOG(INFO) << "password hash upgraded to PBKDF2" << Kv("user", name);
  }
  return Status::OK();
}

Status Rbac::UpdatePassword(const std::string& name, const std::string& old_password, const std::string& new_password) {
  {
    MutexLock lock(&mu_);
    if (!users_.count(name)) return Status::NotFound("user not found: " + name);
  }
  if (!VerifyPassword(name, ClearText(old_password)).ok()) {
    return Status::Unauthenticated("old password not correct for " + name + ": not authenticated");
  }
  return SetPassword(name, new_password);
}

Status Rbac::SetPassword(const std::string& name, const std::string& new_password) {
  QUIVER_ASSIGN_OR_RETURN(std::string clear, NewPassword(new_password));
  NewCredential c = Derive(clear);
  MutexLock lock(&mu_);
  auto it = users_.find(name);
  if (it == users_.end()) return Status::NotFound("user not found: " + name);
  User user = it->second;
  user.credential = {std::string(kPbkdf2), kIterations, c.salt, c.hash};
  QUIVER_RETURN_IF_ERROR(PutUser(name, user));
  Publish();
  return Status::OK();
}

Status Rbac::DeleteUser(const std::string& name) {
  if (name == "root") return Status::PermissionDenied("root user cannot be deleted");
  MutexLock lock(&mu_);
  if (!users_.count(name)) return Status::OK();
  QUIVER_RETURN_IF_ERROR(meta_->Delete(std::string(kUserPrefix) + name).status());
  users_.erase(name);
  Publish();
  return Status::OK();
}

Result<std::vector<cluster::UserInfo>> Rbac::ListUsers() {
  MutexLock lock(&mu_);
  std::vector<cluster::UserInfo> out;
  for (const auto& [name, user] : users_) out.push_back({name, {user.roles.begin(), user.roles.end()}});
  return out;
}

Status Rbac::CreateRole(const std::string& name) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(name, "role name"));
  MutexLock lock(&mu_);
  if (roles_.count(name)) return Status::AlreadyExists("role already exists: " + name);
  QUIVER_RETURN_IF_ERROR(PutRole(name, {}));
  Publish();
  return Status::OK();
}

Status Rbac::DropRole(const std::string& name, bool force) {
  if (kBuiltinRoles.count(name)) return Status::PermissionDenied("the role[" + name + "] is a default role, which can't be dropped");
  MutexLock lock(&mu_);
  if (!roles_.count(name)) return Status::OK();
  if (!roles_[name].empty() && !force) {
    return Status::FailedPrecondition("role " + name + " still has privileges; revoke them first or force the drop");
  }
  for (auto& [user_name, user] : users_) {
    if (user.roles.count(name)) {
      User updated = user;
      updated.roles.erase(name);
      QUIVER_RETURN_IF_ERROR(PutUser(user_name, updated));
    }
  }
  QUIVER_RETURN_IF_ERROR(meta_->Delete(std::string(kRolePrefix) + name).status());
  roles_.erase(name);
  Publish();
  return Status::OK();
}

Status Rbac::OperateUserRole(const std::string& user_name, const std::string& role, bool add) {
  MutexLock lock(&mu_);
  auto it = users_.find(user_name);
  if (it == users_.end()) return Status::NotFound("user not found: " + user_name);
  if (!roles_.count(role)) return Status::NotFound("role not found: " + role);
  User user = it->second;
  if (add) user.roles.insert(role);
  else user.roles.erase(role);
  QUIVER_RETURN_IF_ERROR(PutUser(user_name, user));
  Publish();
  return Status::OK();
}

Result<std::vector<cluster::RoleInfo>> Rbac::ListRoles() {
  MutexLock lock(&mu_);
  std::vector<cluster::RoleInfo> out;
  for (const auto& [name, grants] : roles_) {
    cluster::RoleInfo info{name, {}};
    for (const auto& [user_name, user] : users_) {
      if (user.roles.count(name)) info.users.push_back(user_name);
    }
    out.push_back(std::move(info));
  }
  return out;
}

Status Rbac::OperatePrivilege(const cluster::Grant& grant, bool grant_it) {
  if (!kObjectTypes.count(grant.object)) return Status::InvalidArgument("invalid object type " + grant.object);
  QUIVER_RETURN_IF_ERROR(ValidatePrivilegeName(grant.privilege));
  if (grant.object_name.empty()) return Status::InvalidArgument("object name is empty");
  MutexLock lock(&mu_);
  bool known = cluster::IsPrivilege(grant.privilege) || cluster::BuiltinPrivilegeGroup(grant.privilege) != nullptr ||
               groups_.count(grant.privilege);
  if (!known) return Status::InvalidArgument("not found the privilege name[" + grant.privilege + "]");
  if (!roles_.count(grant.role)) return Status::NotFound("role not found: " + grant.role);
  std::vector<cluster::Grant> grants = roles_[grant.role];
  auto same = [&](const cluster::Grant& g) {
    return g.object == grant.object && g.object_name == grant.object_name && g.privilege == grant.privilege &&
           g.db_name == grant.db_name;
  };
  auto it = std::find_if(grants.begin(), grants.end(), same);
  if (grant_it) {
    if (it != grants.end()) return Status::OK();
    grants.push_back(grant);
  } else {
    if (it == grants.end()) return Status::OK();
    grants.erase(it);
  }
  QUIVER_RETURN_IF_ERROR(PutRole(grant.role, grants));
  Publish();
  return Status::OK();
}

Result<std::vector<cluster::Grant>> Rbac::SelectGrants(const std::string& role, const std::string& object,
                                                       const std::string& object_name, const std::string& db) {
  MutexLock lock(&mu_);
  auto it = roles_.find(role);
  if (it == roles_.end()) return Status::NotFound("role not found: " + role);
  std::vector<cluster::Grant> out;
  for (const auto& g : it->second) {
    if (!object.empty() && g.object != object) continue;
    if (!object_name.empty() && g.object_name != object_name) continue;
    if (!db.empty() && db != "*" && g.db_name != db) continue;  // "*" = every database
    out.push_back(g);
  }
  return out;
}

Status Rbac::CreatePrivilegeGroup(const std::string& name) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(name, "privilege group name"));
  if (cluster::BuiltinPrivilegeGroup(name) != nullptr || cluster::IsPrivilege(name)) {
    return Status::InvalidArgument("privilege group name [" + name + "] is defined by built in privileges or privilege groups in the system");
  }
  MutexLock lock(&mu_);
  if (groups_.count(name)) return Status::AlreadyExists("privilege group already exists: " + name);
  if (static_cast<int>(groups_.size()) >= kMaxCustomGroups) {
    return Status::ResourceExhausted("too many privilege groups (" + std::to_string(kMaxCustomGroups) + ")");
  }
  QUIVER_RETURN_IF_ERROR(PutGroup(name, {}));
  Publish();
  return Status::OK();
}

Status Rbac::DropPrivilegeGroup(const std::string& name) {
  if (cluster::BuiltinPrivilegeGroup(name) != nullptr) {
    return Status::InvalidArgument("the built-in privilege group " + name + " cannot be dropped");
  }
  MutexLock lock(&mu_);
  if (!groups_.count(name)) return Status::OK();
  for (const auto& [role, grants] : roles_) {
    for (const auto& g : grants) {
      if (g.privilege == name) {
        return Status::FailedPrecondition("privilege group [" + name + "] is granted to role [" + role +
                                          "]; revoke it first");
      }
    }
  }
  QUIVER_RETURN_IF_ERROR(meta_->Delete(std::string(kGroupPrefix) + name).status());
  groups_.erase(name);
  Publish();
  return Status::OK();
}

Status Rbac::OperatePrivilegeGroup(const std::string& name, const std::vector<std::string>& privileges, bool add) {
  if (privileges.empty()) return Status::InvalidArgument("privileges is empty when alter the privilege group");
  for (const auto& p : privileges) {
    if (!cluster::IsPrivilege(p)) return Status::InvalidArgument("not found the privilege name[" + p + "]");
  }
  MutexLock lock(&mu_);
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    return Status::NotFound("there is no privilege group name [" + name + "] defined in system to operate");
  }
  if (add) {
    // Milvus keeps a group at one level (cluster, database or collection).
    std::set<std::string> all = it->second;
    all.insert(privileges.begin(), privileges.end());
    std::optional<cluster::PrivilegeLevel> level;
    for (const auto& p : all) {
      std::optional<cluster::PrivilegeLevel> l = cluster::LevelOf(p);
      if (!l) continue;
      if (level && *level != *l) return Status::InvalidArgument("privileges are not the same privilege level");
      level = l;
    }
  }
  std::set<std::string> updated = it->second;
  for (const auto& p : privileges) {
    if (add) updated.insert(p);
    else updated.erase(p);
  }
  QUIVER_RETURN_IF_ERROR(PutGroup(name, updated));
  Publish();
  return Status::OK();
}

Result<std::vector<cluster::PrivilegeGroupInfo>> Rbac::ListPrivilegeGroups() {
  std::vector<cluster::PrivilegeGroupInfo> out;
  for (const auto& name : cluster::BuiltinPrivilegeGroupNames()) {
    const auto* members = cluster::BuiltinPrivilegeGroup(name);
    out.push_back({name, {members->begin(), members->end()}});
  }
  MutexLock lock(&mu_);
  for (const auto& [name, privileges] : groups_) out.push_back({name, {privileges.begin(), privileges.end()}});
  return out;
}

}  // namespace quiver::coord
