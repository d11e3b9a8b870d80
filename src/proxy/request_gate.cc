#include "proxy/request_gate.h"

#include <chrono>
#include <exception>
#include <string>

#include "common/log.h"

namespace quiver::proxy {

RequestGate::RequestGate(AccessControl* access, MetricsRegistry* metrics, std::function<bool()> ready)
    : access_(access), metrics_(metrics), ready_(std::move(ready)) {}

RequestGate::Outcome RequestGate::Run(std::string_view method, const std::function<Result<Identity>()>& authenticate,
                                      const std::function<AccessTarget()>& target, const std::function<Status()>& fn,
                                      std::string_view client) {
  auto start = std::chrono::steady_clock::now();
  Outcome out;
  if (!ready_()) {
    out.status = Status::Unavailable("server is still recovering").WithDetail(ErrorDetail::kNotReady);
    out.stage = Stage::kNotReady;
  } else if (Result<Identity> identity = authenticate(); !identity.ok()) {
    out.status = identity.status();
    out.stage = Stage::kUnauthenticated;
  } else if (Status allowed = access_->enabled() ? access_->Authorize(*identity, method, target()) : Status::OK();
             !allowed.ok()) {
    out.status = allowed;
    out.stage = Stage::kDenied;
  } else {
    // The backstop for a third-party exception (protobuf, JSON, the standard library) that a
    // handler failed to convert: the client gets a Milvus status, never a dropped call.
    try {
      out.status = fn();
    } catch (const std::exception& e) {
      QUIVER_LOG(ERROR) << "request raised an exception" << Kv("method", method) << Kv("what", e.what());
      out.status = Status::Internal(std::string("request failed: ") + e.what());
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string name(method);
  metrics_->GetCounter("milvus_proxy_req_count", "Requests received by the proxy, by method and outcome",
                       {{"function_name", name}, {"status", out.status.ok() ? "success" : "fail"}})
      ->Increment();
  metrics_->GetHistogram("milvus_proxy_req_latency_seconds", "Request latency by method", LatencyBuckets(),
                         {{"function_name", name}})
      ->Observe(seconds);
  if (!out.status.ok()) {
    QUIVER_LOG(DEBUG) << "request failed" << Kv("method", method) << Kv("error", out.status.ToString())
                      << Kv("peer", client);
  }
  return out;
}

}  // namespace quiver::proxy
