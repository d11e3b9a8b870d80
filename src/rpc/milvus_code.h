#pragma once

// Milvus's error codes for Quiver's Status (spec §2), shared by every front door: the gRPC
// service puts them into common.Status, REST v2 into its {code, message} replies.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace quiver::rpc {

// The Milvus `code` that `status` maps to (0 for OK).
int32_t MilvusCode(const Status& status);

// Error reasons often quote user input (names, values, expressions); a reason longer than this
// is cut (on a UTF-8 boundary) and says how many bytes were left out, so a 1 MB name never
// comes back as a 1 MB message.
constexpr size_t kMaxReasonBytes = 1024;
std::string TruncatedReason(std::string_view message);

}  // namespace quiver::rpc
