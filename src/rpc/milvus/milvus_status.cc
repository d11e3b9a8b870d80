#include "rpc/milvus/milvus_status.h"

namespace quiver::rpc::milvus {

namespace ec = ::milvus::proto::common;

namespace {

struct Mapping {
  int32_t code;
  ec::ErrorCode legacy;
};

Mapping Map(const Status& status) {
  switch (status.detail()) {
    case ErrorDetail::kCollectionNotFound: return {100, ec::CollectionNotExists};
    case ErrorDetail::kCollectionNotLoaded: return {101, ec::UnexpectedError};
    case ErrorDetail::kSchemaMismatch: return {109, ec::SchemaMismatch};
    case ErrorDetail::kPartitionNotFound: return {200, ec::MetaFailed};
    case ErrorDetail::kPartitionNotLoaded: return {201, ec::UnexpectedError};
    case ErrorDetail::kIndexNotFound: return {700, ec::IndexNotExist};
    case ErrorDetail::kIndexDuplicate: return {702, ec::UnexpectedError};
    case ErrorDetail::kDatabaseNotFound: return {800, ec::UnexpectedError};
    case ErrorDetail::kDatabaseInvalidName: return {802, ec::UnexpectedError};
    case ErrorDetail::kParameterMissing: return {1101, ec::IllegalArgument};
    case ErrorDetail::kParameterTooLarge: return {1102, ec::IllegalArgument};
    case ErrorDetail::kAliasNotFound: return {1600, ec::UnexpectedError};
    case ErrorDetail::kAliasConflict: return {1601, ec::UnexpectedError};
    case ErrorDetail::kAliasExists: return {1602, ec::UnexpectedError};
    case ErrorDetail::kFieldNotFound: return {1700, ec::UnexpectedError};
    case ErrorDetail::kInvalidFieldName: return {1701, ec::UnexpectedError};
    case ErrorDetail::kNotReady: return {1, ec::NotReadyServe};
    case ErrorDetail::kUnimplemented: return {10, ec::UnexpectedError};
    case ErrorDetail::kRateLimited: return {8, ec::RateLimit};
    case ErrorDetail::kNone: break;
  }
  switch (status.code()) {
    case StatusCode::kOk: return {0, ec::Success};
    case StatusCode::kInvalidArgument: return {1100, ec::IllegalArgument};
    case StatusCode::kResourceExhausted: return {8, ec::RateLimit};
    case StatusCode::kUnavailable: return {1, ec::NotReadyServe};
    case StatusCode::kUnauthenticated: return {1400, ec::UnexpectedError};
    case StatusCode::kPermissionDenied: return {1401, ec::UnexpectedError};
    case StatusCode::kInternal:
    case StatusCode::kCorruption:
    case StatusCode::kIOError: return {5, ec::UnexpectedError};
    default: return {65535, ec::UnexpectedError};
  }
}

}  // namespace

std::string TruncatedReason(std::string_view message) {
  if (message.size() <= kMaxReasonBytes) return std::string(message);
  size_t cut = kMaxReasonBytes;
  // Never split a UTF-8 sequence: back up to the start of the character at the cut.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return std::string(message.substr(0, cut)) + "... (" + std::to_string(message.size() - cut) + " more bytes)";
}

void ToMilvusStatus(const Status& status, ec::Status* out) {
  Mapping m = Map(status);
  out->set_code(m.code);
  out->set_error_code(m.legacy);
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

int32_t MilvusCode(const Status& status) { return Map(status).code; }

}  // namespace quiver::rpc::milvus
