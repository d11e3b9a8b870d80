#pragma once

// Milvus's proxy access log (proxy.accessLog.*): one structured line per request with time,
// interface (grpc/rest), method, user, database, collection, Milvus status code, latency and
// bytes in and out, written to a file that rotates by size. Off by default. Thread-safe.

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"

namespace quiver::proxy {

struct AccessLogOptions {
  std::string path;                 // the log file (directory created if missing)
  size_t max_bytes = 64ull << 20;   // rotate when the file grows past this
  int max_backups = 8;              // keep file.1 .. file.N
};

struct AccessEntry {
  std::string_view interface;  // "grpc" or "rest"
  std::string_view method;     // Milvus method or REST endpoint
  std::string user;            // the claimed user ("" without credentials)
  std::string db;
  std::string collection;
  int32_t code = 0;            // Milvus status code (0 = success)
  int transport = 0;           // gRPC status code or HTTP status
  double latency_ms = 0;
  size_t bytes_in = 0;
  size_t bytes_out = 0;
  std::string client;
};

class AccessLog {
 public:
  static Result<std::unique_ptr<AccessLog>> Open(const AccessLogOptions& options);
  ~AccessLog();
  void Record(const AccessEntry& entry);

 private:
  AccessLog(AccessLogOptions options, int fd, size_t size) : options_(std::move(options)), fd_(fd), size_(size) {}
  void Rotate() QUIVER_REQUIRES(mu_);

  AccessLogOptions options_;
  Mutex mu_;
  int fd_ QUIVER_GUARDED_BY(mu_);
  size_t size_ QUIVER_GUARDED_BY(mu_);
};

// The user part of a base64 "user:password" authorization value ("" if none or malformed).
std::string ClaimedUser(std::string_view authorization_base64);

}  // namespace quiver::proxy
