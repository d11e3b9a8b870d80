#pragma once

// What a request handler needs to know about the call it serves, whichever front door it came
// through (gRPC, REST): the caller's metadata (authorization, dbname), its address, its deadline
// and whether it was cancelled. Implementations: the gRPC ServerContext adapter
// (grpc_service.cc) and the REST request (rpc/rest).

#include <chrono>
#include <string>
#include <string_view>

namespace quiver::proxy {

class CallContext {
 public:
  virtual ~CallContext() = default;
  // A metadata value by lower-case key ("authorization" = base64 of user:password, "dbname");
  // empty if absent.
  virtual std::string Metadata(std::string_view key) const = 0;
  // The client, for logs.
  virtual std::string peer() const = 0;
  // system_clock::time_point::max() when the client set none.
  virtual std::chrono::system_clock::time_point deadline() const = 0;
  virtual bool IsCancelled() const = 0;
};

}  // namespace quiver::proxy
