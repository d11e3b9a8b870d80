#include "rpc/milvus/milvus_status.h"

namespace quiver::rpc::milvus {

namespace ec = ::milvus::proto::common;

namespace {

// The legacy error_code the Node SDK reads, from the Milvus code.
ec::ErrorCode Legacy(int32_t code) {
  switch (code) {
    case 0: return ec::Success;
    case 100: return ec::CollectionNotExists;
    case 109: return ec::SchemaMismatch;
    case 200: return ec::MetaFailed;
    case 700: return ec::IndexNotExist;
    case 1100:
    case 1101:
    case 1102: return ec::IllegalArgument;
    case 1: return ec::NotReadyServe;
    case 8: return ec::RateLimit;
    default: return ec::UnexpectedError;
  }
}

}  // namespace

void ToMilvusStatus(const Status& status, ec::Status* out) {
  int32_t code = MilvusCode(status);
  out->set_code(code);
  out->set_error_code(Legacy(code));
  if (!status.ok()) {
    out->set_reason(TruncatedReason(status.message()));
    bool transient = status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kTimeout;
    out->set_retriable(transient);
    if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ||
        status.code() == StatusCode::kAlreadyExists || status.code() == StatusCode::kFailedPrecondition) {
      (*out->mutable_extra_info())["is_input_error"] = "true";
    }
  }
}

ec::Status MilvusStatus(const Status& status) {
  ec::Status out;
  ToMilvusStatus(status, &out);
  return out;
}

}  // namespace quiver::rpc::milvus
