#pragma once

// The status server every Quiver process embeds (default port 9091):
//   GET /healthz  200 "ok" once the process is ready and every health check passes, 503 with the
//                 reason otherwise (not ready yet, or the failing check's error)
//   GET /metrics  the process's MetricsRegistry in Prometheus text format
// Further read-only pages (the web console) register with AddPage().
//
// Thread-safe. Start() binds and serves on a background thread; Stop() closes the socket and joins.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "common/mutex.h"
#include "common/status.h"

namespace httplib {
class Server;
}

namespace quiver {

// TLS for the status port (server.status_tls): the Milvus port's certificate and key, and with
// `ca_path` set, client certificates signed by that CA are required.
struct StatusServerTls {
  std::string cert_path;
  std::string key_path;
  std::string ca_path;
};

class StatusServer {
 public:
  // `metrics` must outlive the server. With `tls`, it serves HTTPS (Start reports bad files).
  explicit StatusServer(MetricsRegistry* metrics, const StatusServerTls* tls = nullptr);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // A page handler returns (content type, body).
  using PageFn = std::function<std::pair<std::string, std::string>()>;
  // Must be called before Start().
  void AddPage(const std::string& path, PageFn fn);

  // Binds `address:port` (port 0 picks a free port) and serves in the background.
  // Returns IOError if the port cannot be bound.
  Status Start(const std::string& address, int port);
  void Stop();
  int port() const { return port_; }

  // Readiness as reported by /healthz.
  void SetReady(bool ready, const std::string& reason = "");
  // A check run on every /healthz once ready (e.g. "no WAL consumer is stuck"); a non-OK result
  // answers 503 with its message. Thread-safe; `check` must outlive the server.
  void AddHealthCheck(std::function<Status()> check);

 private:
  MetricsRegistry* metrics_;
  std::unique_ptr<httplib::Server> server_;
  bool tls_ = false;
  std::thread thread_;
  int port_ = 0;
  Mutex mu_;
  bool ready_ QUIVER_GUARDED_BY(mu_) = false;
  std::string not_ready_reason_ QUIVER_GUARDED_BY(mu_) = "starting";
  std::vector<std::function<Status()>> checks_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver
