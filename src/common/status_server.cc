#include "common/status_server.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <httplib.h>
#include <openssl/ssl.h>

#include "common/log.h"

namespace quiver {

namespace {

std::unique_ptr<httplib::Server> NewServer(const StatusServerTls* tls) {
  if (tls == nullptr) return std::make_unique<httplib::Server>();
  auto server = std::make_unique<httplib::SSLServer>(tls->cert_path.c_str(), tls->key_path.c_str(),
                                                     tls->ca_path.empty() ? nullptr : tls->ca_path.c_str());
  // With client certificates required, a client resuming a session (Node's https agent does)
  // fails the handshake unless the server names a session id context.
  static const unsigned char kContext[] = "quiver-status";
  if (server->is_valid()) SSL_CTX_set_session_id_context(server->ssl_context(), kContext, sizeof(kContext) - 1);
  return server;
}

}  // namespace

StatusServer::StatusServer(MetricsRegistry* metrics, const StatusServerTls* tls)
    : metrics_(metrics), server_(NewServer(tls)), tls_(tls != nullptr) {
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::vector<std::function<Status()>> checks;
    {
      MutexLock lock(&mu_);
      if (!ready_) {
        res.status = 503;
        res.set_content("not ready: " + not_ready_reason_ + "\n", "text/plain");
        return;
      }
      checks = checks_;
    }
    for (const auto& check : checks) {
      Status st = check();
      if (!st.ok()) {
        res.status = 503;
        res.set_content("unhealthy: " + st.ToString() + "\n", "text/plain");
        return;
      }
    }
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_->RenderText(), "text/plain; version=0.0.4");
  });
}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::AddPage(const std::string& path, PageFn fn) {
  server_->Get(path, [fn = std::move(fn)](const httplib::Request&, httplib::Response& res) {
    auto [type, body] = fn();
    res.set_content(body, type);
  });
}

Status StatusServer::Start(const std::string& address, int port) {
  if (!server_->is_valid()) {
    return Status::InvalidArgument("status server TLS: cannot load the certificate, key or CA (tls.serverPemPath, "
                                   "tls.serverKeyPath, tls.caPemPath)");
  }
  if (port == 0) {
    port_ = server_->bind_to_any_port(address);
    if (port_ < 0) return Status::IOError("status server cannot bind", address);
  } else {
    errno = 0;
    if (!server_->bind_to_port(address, port)) {
      return Status::IOError("status server cannot bind",
                             address + ":" + std::to_string(port) + (errno ? ": " + std::string(std::strerror(errno)) : ""));
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing before the listen loop runs: a Stop() right after Start() (a
  // startup error) would then wait forever on the thread. Return once the loop runs.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  QUIVER_LOG(INFO) << "status server listening" << Kv("address", address) << Kv("port", port_)
                   << Kv("tls", tls_ ? "on" : "off");
  return Status::OK();
}

void StatusServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void StatusServer::AddHealthCheck(std::function<Status()> check) {
  MutexLock lock(&mu_);
  checks_.push_back(std::move(check));
}

void StatusServer::SetReady(bool ready, const std::string& reason) {
  MutexLock lock(&mu_);
  ready_ = ready;
  not_ready_reason_ = reason;
}

}  // namespace quiver
