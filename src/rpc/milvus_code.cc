#include "rpc/milvus_code.h"

namespace quiver::rpc {

int32_t MilvusCode(const Status& status) {
  switch (status.detail()) {
    case ErrorDetail::kCollectionNotFound: return 100;
    case ErrorDetail::kCollectionNotLoaded: return 101;
    case ErrorDetail::kSchemaMismatch: return 109;
    case ErrorDetail::kPartitionNotFound: return 200;
    case ErrorDetail::kPartitionNotLoaded: return 201;
    case ErrorDetail::kIndexNotFound: return 700;
    case ErrorDetail::kIndexDuplicate: return 702;
    case ErrorDetail::kDatabaseNotFound: return 800;
    case ErrorDetail::kDatabaseInvalidName: return 802;
    case ErrorDetail::kParameterMissing: return 1101;
    case ErrorDetail::kParameterTooLarge: return 1102;
    case ErrorDetail::kAliasNotFound: return 1600;
    case ErrorDetail::kAliasConflict: return 1601;
    case ErrorDetail::kAliasExists: return 1602;
    case ErrorDetail::kFieldNotFound: return 1700;
    case ErrorDetail::kInvalidFieldName: return 1701;
    case ErrorDetail::kNotReady: return 1;
    case ErrorDetail::kUnimplemented: return 10;
    case ErrorDetail::kRateLimited: return 8;
    case ErrorDetail::kResourceGroupNotFound: return 300;
    case ErrorDetail::kNone: break;
  }
  switch (status.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument: return 1100;
    case StatusCode::kResourceExhausted: return 8;
    case StatusCode::kUnavailable: return 1;
    case StatusCode::kUnauthenticated: return 1400;
    case StatusCode::kPermissionDenied: return 1401;
    case StatusCode::kInternal:
    case StatusCode::kCorruption:
    case StatusCode::kIOError: return 5;
    default: return 65535;
  }
}

std::string TruncatedReason(std::string_view message) {
  if (message.size() <= kMaxReasonBytes) return std::string(message);
  size_t cut = kMaxReasonBytes;
  // Never split a UTF-8 sequence: back up to the start of the character at the cut.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return std::string(message.substr(0, cut)) + "... (" + std::to_string(message.size() - cut) + " more bytes)";
}

}  // namespace quiver::rpc
