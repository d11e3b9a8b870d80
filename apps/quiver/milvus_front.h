#pragma once

// The Milvus API of a process that runs the proxy (standalone, `quiver run proxy`): gRPC and
// REST v2 on one port behind the front door, authentication and privileges, the access log —
// everything read from server.*, common.security.*, tls.* and proxy.accessLog.*. Requests are
// refused as not ready until SetReady(true).

#include <atomic>
#include <memory>

#include "cluster/access.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/status.h"
#include "proxy/proxy.h"

namespace quiver::app {

// The proxy's settings from the configuration (proxy.*, common.gracefulTime), the same for
// standalone and the distributed proxy; the resource groups are the caller's.
Result<proxy::ProxyOptions> ProxyOptionsFrom(const Config& config);

class MilvusFront {
 public:
  // `proxy`, `access` and `metrics` must outlive it. `data_dir` is where the access log goes when
  // proxy.accessLog.localPath is empty.
  static Result<std::unique_ptr<MilvusFront>> Start(const Config& config, proxy::Proxy* proxy,
                                                    cluster::AccessClient* access, MetricsRegistry* metrics,
                                                    const char* version, const std::string& data_dir);
  ~MilvusFront();

  int port() const;
  void SetReady(bool ready) { ready_.store(ready); }
  // No new connections, REST connections end, gRPC calls get 5 s to finish.
  void Stop();

  struct Parts;

 private:
  MilvusFront() = default;
  std::atomic<bool> ready_{false};
  std::unique_ptr<Parts> parts_;
};

}  // namespace quiver::app
