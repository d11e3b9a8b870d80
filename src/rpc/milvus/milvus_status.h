#pragma once

// The one place where Quiver's Status maps to Milvus's common.Status (spec §2): both the legacy
// error_code and the newer code are set, so the Node SDK (which reads error_code) and pymilvus
// (which reads code) agree.

#include <string>
#include <string_view>

#include "common/status.h"
#include "milvus/common.pb.h"

namespace quiver::rpc::milvus {

// Error reasons often quote user input (names, values, expressions); a reason longer than this
// is cut (on a UTF-8 boundary) and says how many bytes were left out, so a 1 MB name never
// comes back as a 1 MB message.
constexpr size_t kMaxReasonBytes = 1024;
std::string TruncatedReason(std::string_view message);

// Fills `out` from `status` (Success for OK).
void ToMilvusStatus(const Status& status, ::milvus::proto::common::Status* out);
::milvus::proto::common::Status MilvusStatus(const Status& status);
// The Milvus `code` that `status` maps to (0 for OK).
int32_t MilvusCode(const Status& status);

}  // namespace quiver::rpc::milvus
