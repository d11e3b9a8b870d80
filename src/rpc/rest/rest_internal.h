#pragma once

// Shared pieces of the REST v2 endpoints (rest_service.cc, rest_admin.cc): the call, the reply,
// body accessors and the mapping of handler results to REST replies.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <algorithm>
#include <optional>

#include "cluster/catalog_types.h"
#include "common/ascii.h"
#include "common/secrets.h"
#include "rpc/milvus_code.h"
#include "rpc/rest/rest_service.h"

namespace quiver::rpc::rest {

namespace internal {

using schema::DataType;

}  // namespace internal

struct RestService::Call {
  Json body;
  bool int64_as_number = false;
  std::string db;            // the request's database (body dbName, DB-Name header, "default")
  proxy::Identity identity;  // the authenticated caller (empty user with authorization off)
  std::string client;        // the client's address
  std::chrono::system_clock::time_point until = std::chrono::system_clock::time_point::max();  // Request-Timeout

  // What is left of `configured` before the client's Request-Timeout.
  std::chrono::milliseconds Budget(std::chrono::milliseconds configured) const {
    if (until == std::chrono::system_clock::time_point::max()) return configured;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::system_clock::now());
    return std::clamp(left, std::chrono::milliseconds(0), configured);
  }
  // The objects a request names, for the privilege check.
  proxy::AccessTarget Target(const std::string& collection = "") const {
    proxy::AccessTarget target;
    target.db = db;
    if (!collection.empty()) target.collections.push_back(collection);
    return target;
  }
};

// A failure of a REST decoding step inside a gated call, with the REST code it answers
// (1802 for a missing parameter, 1804 for bad rows) instead of the Milvus code.
struct RestService::RestCode {
  int code = 0;
  Status Fail(Status status, int rest_code = 0) {
    code = rest_code != 0 ? rest_code : status.detail() == ErrorDetail::kParameterMissing ? 1802 : 0;
    return status;
  }
};

struct RestService::Outcome {
  int http = 200;
  Json reply;
  static Outcome Ok(Json data = Json::object()) {
    Outcome o;
    o.reply = Json{{"code", 0}, {"data", std::move(data)}};
    return o;
  }
  static Outcome Error(int code, const std::string& message, int http = 200) {
    Outcome o;
    o.http = http;
    o.reply = Json{{"code", code}, {"message", message}};
    return o;
  }
  // A status raised by the REST layer itself (REST's own code for a missing parameter: 1802).
  static Outcome From(const Status& status) {
    int code = status.detail() == ErrorDetail::kParameterMissing ? 1802 : MilvusCode(status);
    return Error(code, TruncatedReason(status.message()));
  }
};

namespace internal {

using Call = RestService::Call;
using Outcome = RestService::Outcome;
using RestCode = RestService::RestCode;

inline Status Missing(const std::string& key) {
  return Status::InvalidArgument("missing required parameters: " + key).WithDetail(ErrorDetail::kParameterMissing);
}

inline Result<std::string> Str(const Json& body, const std::string& key, bool required) {
  if (!body.contains(key) || body[key].is_null()) {
    if (required) return Missing(key);
    return std::string();
  }
  if (!body[key].is_string()) return Status::InvalidArgument("parameter " + key + " must be a string");
  std::string value = body[key].get<std::string>();
  if (required && value.empty()) return Missing(key);
  return value;
}

inline Result<std::vector<std::string>> Strings(const Json& body, const std::string& key, bool required) {
  std::vector<std::string> out;
  if (!body.contains(key) || body[key].is_null()) {
    if (required) return Missing(key);
    return out;
  }
  if (!body[key].is_array()) return Status::InvalidArgument("parameter " + key + " must be an array of strings");
  for (const auto& v : body[key]) {
    if (!v.is_string()) return Status::InvalidArgument("parameter " + key + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  if (required && out.empty()) return Missing(key);
  return out;
}

inline Result<int64_t> Int(const Json& body, const std::string& key, int64_t fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_number_integer()) return Status::InvalidArgument("parameter " + key + " must be an integer");
  if (body[key].is_number_unsigned() && body[key].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument("parameter " + key + " is out of range");
  }
  return body[key].get<int64_t>();
}

inline Result<bool> Bool(const Json& body, const std::string& key, bool fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_boolean()) return Status::InvalidArgument("parameter " + key + " must be a boolean");
  return body[key].get<bool>();
}

// Refuses keys an endpoint does not know (a silently ignored option is a wrong result). Keys
// match case-insensitively, as Milvus's Go JSON decoding matches them ("autoId" is "autoID"):
// they are renamed to the spelling given here; one key sent in two spellings is refused.
inline Status OnlyKeys(Json& object, std::initializer_list<const char*> known, const std::string& where) {
  if (!object.is_object()) return Status::InvalidArgument(where + " must be a JSON object");
  std::vector<std::pair<std::string, std::string>> renames;  // sent spelling, canonical
  for (const auto& [key, value] : object.items()) {
    const char* canonical = EqualsIgnoreCase(key, "dbName") ? "dbName" : nullptr;
    for (const char* k : known) {
      if (canonical == nullptr && EqualsIgnoreCase(key, k)) canonical = k;
    }
    if (canonical == nullptr) return Status::InvalidArgument("unknown parameter " + key + " in " + where);
    if (key != canonical) renames.emplace_back(key, canonical);
  }
  for (const auto& [sent, canonical] : renames) {
    if (object.contains(canonical)) {
      return Status::InvalidArgument("parameter " + canonical + " is given twice in " + where + " (as " + sent + ")");
    }
    Json value = std::move(object[sent]);
    object.erase(sent);
    object[canonical] = std::move(value);
  }
  return Status::OK();
}

inline cluster::KeyValues KeyValuesOf(const Json& object) {
  cluster::KeyValues out;
  for (const auto& [key, value] : object.items()) out.emplace_back(key, ParamText(value));
  return out;
}

inline Json KeyValuesJson(const cluster::KeyValues& kvs) {
  Json out = Json::array();
  for (const auto& [key, value] : kvs) out.push_back({{"key", key}, {"value", value}});
  return out;
}

// Milvus's consistency levels by name (Strong 0, Session 1, Bounded 2, Eventually 3).
inline Result<int32_t> ConsistencyLevelOf(const std::string& name) {
  static constexpr const char* kNames[] = {"Strong", "Session", "Bounded", "Eventually"};
  for (int32_t i = 0; i < 4; ++i) {
    if (name == kNames[i]) return i;
  }
  return Status::InvalidArgument("unknown consistencyLevel " + name + " (Strong, Session, Bounded, Eventually)");
}
inline std::string ConsistencyLevelName(int32_t level) {
  static constexpr const char* kNames[] = {"Strong", "Session", "Bounded", "Eventually", "Customized"};
  return level >= 0 && level <= 4 ? kNames[level] : "Bounded";
}

// The body's consistencyLevel; nullopt when not sent (the collection's level applies).
inline Result<std::optional<int32_t>> Consistency(const Json& body) {
  QUIVER_ASSIGN_OR_RETURN(std::string name, Str(body, "consistencyLevel", false));
  if (name.empty()) return std::optional<int32_t>();
  QUIVER_ASSIGN_OR_RETURN(int32_t level, ConsistencyLevelOf(name));
  return std::optional<int32_t>(level);
}

}  // namespace internal

using namespace internal;  // NOLINT: these helpers are this module's vocabulary

#define REST_TRY(expr)                                   \
  do {                                                   \
    if (Status _st = (expr); !_st.ok()) return Outcome::From(_st); \
  } while (0)
#define REST_ASSIGN(lhs, expr)                                          \
  auto REST_CONCAT(_r, __LINE__) = (expr);                              \
  if (!REST_CONCAT(_r, __LINE__).ok()) return Outcome::From(REST_CONCAT(_r, __LINE__).status()); \
  lhs = std::move(REST_CONCAT(_r, __LINE__)).value()
#define REST_CONCAT_INNER(a, b) a##b
#define REST_CONCAT(a, b) REST_CONCAT_INNER(a, b)

}  // namespace quiver::rpc::rest
