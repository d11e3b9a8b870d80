#pragma once

// Statuses across Quiver's internal RPC (proto/internal/coord.proto's Status): the code, the
// message and the ErrorDetail travel as numbers, so the receiving process rebuilds the same Status.

#include "common/status.h"
#include "internal/coord.pb.h"

namespace quiver::rpc {

inline void StatusToProto(const Status& status, quiver::internal::Status* out) {
  out->set_code(static_cast<uint32_t>(status.code()));
  out->set_message(std::string(status.message()));
  out->set_detail(static_cast<uint32_t>(status.detail()));
}

// A code this build does not know (a newer peer) is Internal, with the message kept.
inline Status StatusFromProto(const quiver::internal::Status& status) {
  if (status.code() == 0) return Status::OK();
  if (status.code() > static_cast<uint32_t>(StatusCode::kPermissionDenied)) {
    return Status::Internal("unknown status code " + std::to_string(status.code()) + " from a peer: " + status.message());
  }
  return Status(static_cast<StatusCode>(status.code()), status.message(), static_cast<ErrorDetail>(status.detail()));
}

}  // namespace quiver::rpc
