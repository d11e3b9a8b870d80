#pragma once

// One unary call of Quiver's internal RPC, the same way for every client: a deadline per call,
// transport failures as Unavailable naming the call and the peer's address, and the answer's own
// status (code, message, ErrorDetail) returned as the server gave it.
//
// A call waits for the channel to connect (until its deadline) instead of failing at once while
// the peer is down, and the channel retries connecting at least once a second: a coordinator that
// restarts within the deadline costs its callers a delay, not an error; FollowingStub also
// follows a coordinator failover to the new leader.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
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

// `transport_failed` (if set) tells a failure to reach the peer from an error the peer answered.
template <typename Stub, typename Request, typename Reply>
Result<Reply> CallInternal(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
                           const char* name, const Request& request, const std::string& address,
                           std::chrono::milliseconds timeout, const char* peer = "coordinator",
                           bool wait_for_ready = true, bool* transport_failed = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  context.set_wait_for_ready(wait_for_ready);
  Reply reply;
  grpc::Status status = (stub->*method)(&context, request, &reply);
  if (transport_failed) *transport_failed = !status.ok();
  if (!status.ok()) {
    return Status::Unavailable(std::string(peer) + " call " + name + " failed: " + status.error_message(), address);
  }
  QUIVER_RETURN_IF_ERROR(StatusFromProto(reply.status()));
  return reply;
}

// The stub of a service whose server moves: the coordinator, found through its election
// (`leader` returns the current leader's address). A call that cannot reach the server asks for
// the leader again, switches to it when it changed, and retries until its deadline, so a
// coordinator failover costs callers the takeover time, not an error. Calls fail fast while the
// server is unreachable (no wait-for-ready), so a dead leader is left at once. A retried call
// may have reached the old leader before it died: the RPCs it is used for are either reads,
// allocations (a lost range is skipped, never reused) or changes whose retry answers
// "already exists" / "not found" as after any lost reply.
template <typename Service>
class FollowingStub {
 public:
  using Stub = typename Service::Stub;
  using Leader = std::function<Result<std::string>()>;

  // Without a leader, calls to `address` wait for it to connect unless `wait_for_ready` is false.
  FollowingStub(std::string address, std::shared_ptr<grpc::ChannelCredentials> credentials, Leader leader,
                bool wait_for_ready = true)
      : credentials_(std::move(credentials)), leader_(std::move(leader)), wait_for_ready_(wait_for_ready) {
    if (leader_) {
      Result<std::string> found = leader_();
      if (found.ok() && !found->empty()) address = *found;
    }
    Switch(address);
  }

  template <typename Request, typename Reply>
  Result<Reply> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*), const char* name,
                     const Request& request, std::chrono::milliseconds timeout, const char* peer = "coordinator") {
    if (!leader_) {
      auto [stub, address] = Current();
      return CallInternal(stub.get(), method, name, request, address, timeout, peer, wait_for_ready_);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto [stub, address] = Current();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      bool transport_failed = false;
      Result<Reply> reply = CallInternal(stub.get(), method, name, request, address,
                                         std::max(left, std::chrono::milliseconds(1)), peer, false, &transport_failed);
      if (!transport_failed || std::chrono::steady_clock::now() >= deadline) return reply;
      Result<std::string> found = leader_();
      if (found.ok() && !found->empty() && *found != address) {
        Switch(*found);
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no new leader yet
    }
  }

  std::string address() const { return Current().second; }
  // The stub and address in use now (for calls made by hand).
  std::pair<std::shared_ptr<Stub>, std::string> Current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {stub_, address_};
  }

 private:
  void Switch(const std::string& address) {
    auto stub = std::shared_ptr<Stub>(Service::NewStub(NewInternalChannel(address, credentials_)));
    std::lock_guard<std::mutex> lock(mu_);
    stub_ = std::move(stub);
    address_ = address;
  }

  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const Leader leader_;
  const bool wait_for_ready_;
  mutable std::mutex mu_;
  std::shared_ptr<Stub> stub_;
  std::string address_;
};

}  // namespace quiver::rpc
