#pragma once

// Milvus REST API v2 (`POST /v2/vectordb/<category>/<action>`, spec §7) over the proxy API, as the
// gRPC service is: each endpoint decodes its JSON body into the proxy's plain types, runs the
// proxy call through the same gate (readiness, the privilege of the Milvus method it maps to,
// metrics), and renders Milvus's {code, message, data} reply. Authentication: `Authorization: Bearer user:password` (or HTTP
// Basic) when authorization is enabled; 401 {code 1800} without valid credentials, 403 when a
// privilege is missing, HTTP 200 with the Milvus code for every other outcome. Thread-safe.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/metrics.h"
#include "proxy/access_control.h"
#include "proxy/access_log.h"
#include "proxy/proxy.h"
#include "proxy/request_gate.h"
#include "rpc/http.h"
#include "rpc/rest/rest_codec.h"

namespace quiver::rpc::rest {

class RestService {
 public:
  RestService(proxy::Proxy* proxy, proxy::RequestGate* gate, MetricsRegistry* metrics);

  HttpResponse Handle(const HttpRequest& request);
  // Refuses from its head alone, before its body is read, a request Handle would refuse without
  // the body: no such endpoint (404), not POST (405), failed credentials (401). nullopt lets it
  // through (Handle checks it in full).
  std::optional<HttpResponse> CheckHead(const HttpRequest& head);
  // One access log line per REST request from now on (null: off).
  void SetAccessLog(proxy::AccessLog* log) { access_log_ = log; }

  struct Call;      // one request: its caller, body and rendering options
  struct Outcome;   // what an endpoint answers
  struct RestCode;  // the REST code of a failed decoding step
  using Endpoint = std::function<Outcome(Call&)>;

 private:
  void Register();         // collections (rest_service.cc)
  void RegisterEntities(); // insert, upsert, delete, get, query, search, hybrid search (rest_entities.cc)
  void RegisterAdmin();    // partitions, indexes, aliases, databases, users, roles (rest_admin.cc)
  void RegisterResourceGroups();  // resource_groups/* (rest_resource_groups.cc)
  Outcome CreateCollection(Call& call);
  // Runs `fn` as Milvus method `method` on `target` through the gate; a failure answers the
  // REST code `fn` set in `rest` (a decoding step) or the Milvus code of the status. `ok` makes
  // the reply of a success (default: empty data).
  Outcome Run(Call& call, const char* method, const proxy::AccessTarget& target,
              const std::function<Status(RestCode*)>& fn, const std::function<Outcome()>& ok = {});
  // The same for a call without REST decoding inside.
  Outcome Run(Call& call, const char* method, const proxy::AccessTarget& target, const std::function<Status()>& fn,
              const std::function<Outcome()>& ok = {});
  // What the access log and metrics record of a request besides its outcome.
  struct Logged {
    std::string endpoint;  // "<category>/<action>"; empty when unknown
    std::string user;
    std::string db;
    std::string collection;
  };
  HttpResponse Finish(const HttpRequest& request, const Logged& logged, const Outcome& outcome,
                      std::chrono::steady_clock::time_point start);
  // The credentials of the Authorization header (Bearer user:password or token, Basic).
  static std::string Credentials(const HttpRequest& request);
  // The endpoint a request names, empty when there is none such.
  std::string EndpointOf(const HttpRequest& request) const;

  proxy::Proxy* proxy_;
  proxy::RequestGate* gate_;
  proxy::AccessControl* access_;
  MetricsRegistry* metrics_;
  proxy::AccessLog* access_log_ = nullptr;
  std::map<std::string, Endpoint> endpoints_;  // by "<category>/<action>"
};

}  // namespace quiver::rpc::rest
