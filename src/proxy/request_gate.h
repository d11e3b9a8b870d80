#pragma once

// What every front door does around a request, whichever protocol carried it: refuse it while
// the server recovers, authenticate the caller, check its privilege for the Milvus method on the
// objects the request names (when authorization is enabled), run it (an exception a handler
// failed to convert becomes an Internal status), and record Milvus's request metrics
// (milvus_proxy_req_count and milvus_proxy_req_latency_seconds by method). Thread-safe.

#include <functional>
#include <string_view>

#include "common/metrics.h"
#include "proxy/access_control.h"

namespace quiver::proxy {

class RequestGate {
 public:
  // `ready` tells whether recovery finished (requests before that get "not ready").
  RequestGate(AccessControl* access, MetricsRegistry* metrics, std::function<bool()> ready);

  // Where a request stopped: run, or refused before running.
  enum class Stage { kRan, kNotReady, kUnauthenticated, kDenied };
  struct Outcome {
    Status status;
    Stage stage = Stage::kRan;
  };

  // Runs `fn` as Milvus method `method`. `authenticate` checks the caller's credentials as the
  // door received them; `target` names the objects the request touches (called only with
  // authorization enabled). `client` goes into the failure log line.
  Outcome Run(std::string_view method, const std::function<Result<Identity>()>& authenticate,
              const std::function<AccessTarget()>& target, const std::function<Status()>& fn,
              std::string_view client);

  bool ready() const { return ready_(); }
  AccessControl* access() const { return access_; }

 private:
  AccessControl* access_;
  MetricsRegistry* metrics_;
  std::function<bool()> ready_;
};

}  // namespace quiver::proxy
