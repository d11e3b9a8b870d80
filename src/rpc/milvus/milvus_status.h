#pragma once

// The one place where Quiver's Status maps to Milvus's common.Status (spec §2): both the legacy
// error_code and the newer code are set, so the Node SDK (which reads error_code) and pymilvus
// (which reads code) agree.

#include <string>
#include <string_view>

#include "common/status.h"
#include "rpc/milvus_code.h"
#include "milvus/common.pb.h"

namespace quiver::rpc::milvus {

using rpc::MilvusCode;  // rpc/milvus_code.h
using rpc::TruncatedReason;

// Fills `out` from `status` (Success for OK).
void ToMilvusStatus(const Status& status, ::milvus::proto::common::Status* out);
::milvus::proto::common::Status MilvusStatus(const Status& status);

}  // namespace quiver::rpc::milvus
