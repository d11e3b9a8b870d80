#pragma once

// Shared pieces of the REST v2 endpoints (rest_service.cc, rest_admin.cc): the call, the reply,
// body accessors and the mapping of handler results to REST replies.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "common/secrets.h"
#include "rpc/milvus/milvus_status.h"
#include "rpc/rest/rest_service.h"

namespace quiver::rpc::rest {

namespace internal {

using pb::schema::DataType;
using KvList = google::protobuf::RepeatedPtrField<pb::common::KeyValuePair>;

class RestCallContext final : public proxy::CallContext {
 public:
  std::string authorization;  // base64 of user:password, as gRPC metadata carries it
  std::string db;
  std::string client;
  std::chrono::system_clock::time_point until = std::chrono::system_clock::time_point::max();

  std::string Metadata(std::string_view key) const override {
    if (key == "authorization") return authorization;
    if (key == "dbname") return db;
    return {};
  }
  std::string peer() const override { return client; }
  std::chrono::system_clock::time_point deadline() const override { return until; }
  bool IsCancelled() const override { return false; }
};

}  // namespace internal

struct RestService::Call {
  internal::RestCallContext context;
  Json body;
  bool int64_as_number = false;
  std::string db;  // the request's database (body dbName, DB-Name header, "default")
  proxy::Identity identity;  // the authenticated caller (empty user with authorization off)
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
    int code = status.detail() == ErrorDetail::kParameterMissing ? 1802 : milvus::MilvusCode(status);
    return Error(code, std::string(status.message()));
  }
};

namespace internal {

using Call = RestService::Call;
using Outcome = RestService::Outcome;

// The REST answer for a handler result: gRPC-level refusals as 401/403, Milvus errors as 200.
inline bool Failed(const grpc::Status& transport, const pb::common::Status& status, Outcome* out) {
  if (transport.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    *out = Outcome::Error(1800, "user hasn't authenticated", 401);
    return true;
  }
  if (transport.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    *out = Outcome::Error(65535, "rpc error: code = PermissionDenied desc = " + transport.error_message(), 403);
    return true;
  }
  if (!transport.ok()) {
    *out = Outcome::Error(65535, transport.error_message());
    return true;
  }
  if (status.code() != 0 || status.error_code() != pb::common::Success) {
    *out = Outcome::Error(status.code() != 0 ? status.code() : 65535, status.reason());
    return true;
  }
  return false;
}

// The same for a response message carrying its status (taken after the call has filled it: a
// reference to `resp.status()` taken before would be protobuf's default instance).
template <typename Resp, typename = decltype(std::declval<const Resp&>().status())>
bool Failed(const grpc::Status& transport, const Resp& resp, Outcome* out) {
  return Failed(transport, resp.status(), out);
}

// Calls handler `method` (QUIVER_REST_METHOD) with `req`, for handlers answering a bare status:
// {} on success, else the error.
template <typename Method, typename Req>
Outcome StatusCall(milvus::MilvusServiceImpl* service, Method method, Call& call, Req& req) {
  pb::common::Status resp;
  Outcome o;
  if (Failed(method(service, &call.context, &req, &resp), resp, &o)) return o;
  return Outcome::Ok();
}

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

// Refuses keys an endpoint does not know (a silently ignored option is a wrong result).
inline Status OnlyKeys(const Json& object, std::initializer_list<const char*> known, const std::string& where) {
  if (!object.is_object()) return Status::InvalidArgument(where + " must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    bool found = key == "dbName";
    for (const char* k : known) found = found || key == k;
    if (!found) return Status::InvalidArgument("unknown parameter " + key + " in " + where);
  }
  return Status::OK();
}

inline void SetKvs(const Json& object, KvList* out) {
  for (const auto& [key, value] : object.items()) {
    auto* kv = out->Add();
    kv->set_key(key);
    kv->set_value(ParamText(value));
  }
}

inline Json KvsToJson(const KvList& kvs) {
  Json out = Json::array();
  for (const auto& kv : kvs) out.push_back({{"key", kv.key()}, {"value", kv.value()}});
  return out;
}

inline Result<pb::common::ConsistencyLevel> Consistency(const Json& body, bool* given) {
  *given = false;
  QUIVER_ASSIGN_OR_RETURN(std::string name, Str(body, "consistencyLevel", false));
  if (name.empty()) return pb::common::ConsistencyLevel::Bounded;
  pb::common::ConsistencyLevel level;
  if (!pb::common::ConsistencyLevel_Parse(name, &level)) {
    return Status::InvalidArgument("unknown consistencyLevel " + name + " (Strong, Session, Bounded, Eventually)");
  }
  *given = true;
  return level;
}

inline Json Int64Json(int64_t v, bool as_number) { return as_number ? Json(v) : Json(std::to_string(v)); }

inline Json IdsJson(const pb::schema::IDs& ids, bool as_number) {
  Json out = Json::array();
  if (ids.has_int_id()) {
    for (int64_t v : ids.int_id().data()) out.push_back(Int64Json(v, as_number));
  } else {
    for (const auto& s : ids.str_id().data()) out.push_back(s);
  }
  return out;
}

inline Json IdJson(const pb::schema::IDs& ids, int i, bool as_number) {
  if (ids.has_int_id()) return Int64Json(ids.int_id().data(i), as_number);
  return ids.str_id().data(i);
}

inline const pb::schema::FieldSchema* PrimaryField(const pb::schema::CollectionSchema& schema) {
  for (const auto& f : schema.fields()) {
    if (f.is_primary_key()) return &f;
  }
  return nullptr;
}

inline int64_t DimOf(const pb::schema::FieldSchema& f) {
  for (const auto& kv : f.type_params()) {
    if (kv.key() == "dim") return std::atoll(kv.value().c_str());
  }
  return 0;
}

inline bool IsVectorType(DataType t) {
  return t == DataType::FloatVector || t == DataType::BinaryVector || t == DataType::Float16Vector ||
         t == DataType::BFloat16Vector || t == DataType::SparseFloatVector || t == DataType::Int8Vector;
}

// A JSON value as a filter literal (for entities/get).
inline std::string Literal(const Json& v) { return v.is_string() ? Json(v.get<std::string>()).dump() : v.dump(); }

}  // namespace internal

using namespace internal;  // NOLINT: these helpers are this module's vocabulary

// A handler of MilvusServiceImpl as a callable (the names are overloaded per front door).
#define QUIVER_REST_METHOD(name)                                                                   \
  [](milvus::MilvusServiceImpl* service, proxy::CallContext* context, const auto* request, auto* response) { \
    return service->name(context, request, response);                                             \
  }
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
