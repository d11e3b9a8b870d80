#pragma once

// One unary call of Quiver's internal RPC, the same way for every client: a deadline per call,
// transport failures as Unavailable naming the call and the peer's address, and the answer's own
// status (code, message, ErrorDetail) returned as the server gave it.
//
// A call waits for the channel to connect (until its deadline) instead of failing at once while
// the peer is down, and the channel retries connecting at least once a second: a coordinator that
// restarts or fails over within the deadline costs its callers a delay, not an error.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "rpc/internal/status_codec.h"

namespace quiver::rpc {

inline std::shared_ptr<grpc::Channel> NewInternalChannel(const std::string& address,
                                                         std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, credentials ? credentials : grpc::InsecureChannelCredentials(), args);
}

template <typename Stub, typename Request, typename Reply>
Result<Reply> CallInternal(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
                           const char* name, const Request& request, const std::string& address,
                           std::chrono::milliseconds timeout, const char* peer = "coordinator") {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  context.set_wait_for_ready(true);
  Reply reply;
  grpc::Status status = (stub->*method)(&context, request, &reply);
  if (!status.ok()) {
    return Status::Unavailable(std::string(peer) + " call " + name + " failed: " + status.error_message(), address);
  }
  QUIVER_RETURN_IF_ERROR(StatusFromProto(reply.status()));
  return reply;
}

}  // namespace quiver::rpc
