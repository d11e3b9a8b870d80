#pragma once

// Milvus's privilege catalog: the privilege names a grant may carry, the object type each belongs
// to, the built-in privilege groups, and the privilege each MilvusService method needs. Names are
// Milvus's (without the "Privilege" prefix of its enum): "Insert", "CreateCollection",
// "ClusterReadOnly"… The table is shared by the coordinator (validating grants) and the proxy
// (checking requests), and by every front door (gRPC and REST name the same methods).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace quiver::cluster {

inline constexpr std::string_view kObjectGlobal = "Global";
inline constexpr std::string_view kObjectCollection = "Collection";
inline constexpr std::string_view kObjectUser = "User";
inline constexpr std::string_view kObjectDatabase = "Database";
inline constexpr std::string_view kPrivilegeAll = "All";
inline constexpr std::string_view kAnyName = "*";

// Milvus's privilege levels, for OperatePrivilegeV2 and privilege groups.
enum class PrivilegeLevel { kCluster, kDatabase, kCollection };

// True for a known single privilege (not a group), "All" included.
bool IsPrivilege(std::string_view name);
// Object type of a single privilege ("Global", "Collection", "User"); empty if unknown.
std::string_view ObjectTypeOf(std::string_view privilege);
// Level of a single privilege or built-in group (nullopt if unknown).
std::optional<PrivilegeLevel> LevelOf(std::string_view name);
// Members of a built-in privilege group; nullptr if `name` is not one.
const std::set<std::string>* BuiltinPrivilegeGroup(std::string_view name);
// Every built-in group, in Milvus's order.
const std::vector<std::string>& BuiltinPrivilegeGroupNames();

// What a request needs: `privilege` on an object of type `object`, named by the request's
// collection (kCollection), user (kUser) or "*" (kGlobal).
enum class ObjectKind { kGlobal, kCollection, kUser };
struct RequiredPrivilege {
  ObjectKind object = ObjectKind::kGlobal;
  std::string_view privilege;
};
// nullopt: the method needs no privilege (any authenticated user may call it).
std::optional<RequiredPrivilege> PrivilegeForMethod(std::string_view method);

// True if holding single privilege `granted` allows `privilege` (itself, or one Milvus grants
// with it: Load brings GetLoadState and GetLoadingProgress, Flush brings GetFlushState).
bool PrivilegeImplies(std::string_view granted, std::string_view privilege);

}  // namespace quiver::cluster
