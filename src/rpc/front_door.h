#pragma once

// The Milvus port: one TCP listener for gRPC (HTTP/2) and REST v2 (HTTP/1.1), told apart per
// connection by its first bytes (the HTTP/2 preface "PRI * HTTP/2.0"), as Milvus's cmux does;
// optionally TLS (one-way or mutual) for both, with ALPN h2 / http/1.1. Plain gRPC connections
// are handed to the gRPC server as they are; TLS ones are decrypted here and relayed to it over a
// socket pair. Each REST connection is served on its own thread (at most max_http_connections).
// Thread-safe; Stop() before destruction.

#include <grpcpp/server.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "common/status.h"
#include "rpc/http.h"
#include "rpc/stream.h"

namespace quiver::rpc {

struct FrontDoorOptions {
  std::string address = "0.0.0.0";
  int port = 19530;
  TlsOptions tls;
  HttpLimits http;
  size_t max_http_connections = 1024;
  // Connection threads at once (connections being sniffed or TLS-handshaken, REST connections,
  // relayed TLS gRPC connections); more are closed at accept.
  size_t max_connection_threads = 4096;
  int handshake_timeout_ms = 10000;  // TLS handshake and the first bytes of a connection
};

class FrontDoor {
 public:
  // `grpc` (built without listening ports) receives the gRPC connections; `http` the REST requests,
  // after `check_head` (may be empty) let their heads through.
  FrontDoor(FrontDoorOptions options, grpc::Server* grpc, HttpHandler http, HttpHeadCheck check_head,
            MetricsRegistry* metrics);
  ~FrontDoor();

  // Binds and starts accepting. The bound port is port() (options.port 0 picks a free one).
  Status Start();
  int port() const { return port_; }
  // Stops accepting, ends REST and relayed connections and waits for their threads.
  void Stop();

  // The client address of a gRPC peer string ("fd:N" for connections handed over here), for logs.
  std::string ClientAddress(const std::string& grpc_peer) const;

 private:
  void AcceptLoop();
  void Serve(int fd, std::string client);
  void RelayGrpc(Stream* stream, const std::string& client);
  void Track(int fd, bool add);

  FrontDoorOptions options_;
  grpc::Server* grpc_;
  HttpHandler http_;
  HttpHeadCheck check_head_;
  MetricsRegistry* metrics_;
  std::unique_ptr<TlsContext> tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;

  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t threads_ = 0;           // connection threads running
  size_t http_connections_ = 0;  // REST connections being served
  std::set<int> open_fds_;       // sockets connection threads block on (shut down by Stop)
  std::map<std::string, std::string> grpc_peers_;  // "fd:N" -> client address
};

}  // namespace quiver::rpc
