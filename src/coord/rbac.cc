#include "coord/rbac.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

namespace quiver::coord {

using Json = nlohmann::json;

namespace {

constexpr std::string_view kUserPrefix = "quiver/rbac/user/";
constexpr std::string_view kRolePrefix = "quiver/rbac/role/";
const std::set<std::string> kBuiltinRoles = {"admin", "public"};
const std::set<std::string> kObjectTypes = {"Global", "Collection", "User", "Database"};

std::string Hex(const unsigned char* data, size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::string HashPassword(const std::string& salt, const std::string& password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::string input = salt + ":" + password;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

std::string NewSalt() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  return Hex(bytes, sizeof(bytes));
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

// Milvus SDKs send base64; the clear text must be 6..256 characters.
Result<std::string> ClearPassword(const std::string& sent) {
  std::optional<std::string> decoded = DecodeBase64(sent);
  std::string clear = decoded ? *decoded : sent;
  if (clear.size() < 6 || clear.size() > 256) {
    return Status::InvalidArgument("the length of password must be greater than 6 and less than 256 characters");
  }
  return clear;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      v[k] = c == '=' && i + 4 == text.size() && k >= 2 ? 0 : value(c);
      if (v[k] < 0) return std::nullopt;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (text[i + 2] != '=') out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (text[i + 3] != '=') out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

Status Rbac::Load(const storage::RangeResult& all) {
  for (const auto& kv : all.kvs) {
    Json j = Json::parse(kv.value, nullptr, false);
    if (j.is_discarded()) continue;
    try {
      if (kv.key.starts_with(kUserPrefix)) {
        User user{j.at("salt").get<std::string>(), j.at("hash").get<std::string>(), {}};
        for (const auto& role : j.at("roles")) user.roles.insert(role.get<std::string>());
        users_[kv.key.substr(kUserPrefix.size())] = std::move(user);
      } else if (kv.key.starts_with(kRolePrefix)) {
        std::vector<cluster::Grant> grants;
        for (const auto& g : j.at("grants")) {
          grants.push_back({g.at("role"), g.at("object"), g.at("object_name"), g.at("privilege"), g.at("db_name"),
                            g.at("grantor")});
        }
        roles_[kv.key.substr(kRolePrefix.size())] = std::move(grants);
      }
    } catch (const std::exception& e) {
      return Status::Corruption("bad RBAC entry " + kv.key, e.what());
    }
  }
  for (const auto& role : kBuiltinRoles) roles_.try_emplace(role);
  if (!users_.count("root")) {
    User root{NewSalt(), "", {"admin"}};
    root.hash = HashPassword(root.salt, "Milvus");
    QUIVER_RETURN_IF_ERROR(PutUser("root", root));
  }
  return Status::OK();
}

Status Rbac::PutUser(const std::string& name, const User& user) {
  Json j{{"salt", user.salt}, {"hash", user.hash}, {"roles", std::vector<std::string>(user.roles.begin(), user.roles.end())}};
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

Status Rbac::CreateUser(const std::string& name, const std::string& password) {
  QUIVER_RETURN_IF_ERROR(ValidateUserName(name));
  QUIVER_ASSIGN_OR_RETURN(std::string clear, ClearPassword(password));
  if (users_.count(name)) return Status::AlreadyExists("user already exists: " + name);
  User user{NewSalt(), "", {}};
  user.hash = HashPassword(user.salt, clear);
  return PutUser(name, user);
}

Status Rbac::UpdatePassword(const std::string& name, const std::string& old_password, const std::string& new_password) {
  auto it = users_.find(name);
  if (it == users_.end()) return Status::NotFound("user not found: " + name);
  std::optional<std::string> old_clear = DecodeBase64(old_password);
  if (HashPassword(it->second.salt, old_clear ? *old_clear : old_password) != it->second.hash) {
    return Status::InvalidArgument("old password is not correct: " + name);
  }
  QUIVER_ASSIGN_OR_RETURN(std::string clear, ClearPassword(new_password));
  User user = it->second;
  user.salt = NewSalt();
  user.hash = HashPassword(user.salt, clear);
  return PutUser(name, user);
}

Status Rbac::DeleteUser(const std::string& name) {
  if (name == "root") return Status::InvalidArgument("user root cannot be deleted");
  if (!users_.count(name)) return Status::OK();
  QUIVER_RETURN_IF_ERROR(meta_->Delete(std::string(kUserPrefix) + name).status());
  users_.erase(name);
  return Status::OK();
}

std::vector<cluster::UserInfo> Rbac::ListUsers() const {
  std::vector<cluster::UserInfo> out;
  for (const auto& [name, user] : users_) out.push_back({name, {user.roles.begin(), user.roles.end()}});
  return out;
}

Status Rbac::CreateRole(const std::string& name) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(name, "role name"));
  if (roles_.count(name)) return Status::AlreadyExists("role already exists: " + name);
  return PutRole(name, {});
}

Status Rbac::DropRole(const std::string& name, bool force) {
  if (kBuiltinRoles.count(name)) return Status::InvalidArgument("the built-in role " + name + " cannot be dropped");
  if (!roles_.count(name)) return Status::OK();
  if (!roles_[name].empty() && !force) {
    return Status::FailedPrecondition("role " + name + " still has privileges; revoke them first or force the drop");
  }
  for (auto& [user_name, user] : users_) {
    if (user.roles.erase(name)) {
      User updated = user;
      QUIVER_RETURN_IF_ERROR(PutUser(user_name, updated));
    }
  }
  QUIVER_RETURN_IF_ERROR(meta_->Delete(std::string(kRolePrefix) + name).status());
  roles_.erase(name);
  return Status::OK();
}

Status Rbac::OperateUserRole(const std::string& user_name, const std::string& role, bool add) {
  auto it = users_.find(user_name);
  if (it == users_.end()) return Status::NotFound("user not found: " + user_name);
  if (!roles_.count(role)) return Status::NotFound("role not found: " + role);
  User user = it->second;
  if (add) user.roles.insert(role);
  else user.roles.erase(role);
  return PutUser(user_name, user);
}

std::vector<cluster::RoleInfo> Rbac::ListRoles() const {
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
  if (!roles_.count(grant.role)) return Status::NotFound("role not found: " + grant.role);
  if (!kObjectTypes.count(grant.object)) return Status::InvalidArgument("invalid object type " + grant.object);
  if (grant.privilege.empty()) return Status::InvalidArgument("privilege name is empty");
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
  return PutRole(grant.role, grants);
}

std::vector<cluster::Grant> Rbac::SelectGrants(const std::string& role, const std::string& object,
                                               const std::string& object_name, const std::string& db) const {
  std::vector<cluster::Grant> out;
  auto it = roles_.find(role);
  if (it == roles_.end()) return out;
  for (const auto& g : it->second) {
    if (!object.empty() && g.object != object) continue;
    if (!object_name.empty() && g.object_name != object_name) continue;
    if (!db.empty() && db != "*" && g.db_name != db) continue;  // "*" = every database
    out.push_back(g);
  }
  return out;
}

}  // namespace quiver::coord
