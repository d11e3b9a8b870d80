#pragma once

// Status and Result<T>: how every fallible call in Quiver reports failure.
//
// We never throw across module boundaries (STYLE.md §3.2). A Status is a small value: a general code,
// a message, and an optional domain detail (ErrorDetail) that the RPC layer maps to a Milvus error code
// in one place (rpc/milvus_status.cc). Both types are [[nodiscard]]; in debug builds destroying a
// Status or Result that nobody looked at aborts, as RocksDB's ASSERT_STATUS_CHECKED does.
//
// Thread safety: a Status is a value; distinct objects may be used from distinct threads.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace quiver {

enum class StatusCode : uint8_t {
  kOk = 0,
  kNotFound,
  kInvalidArgument,
  kCorruption,
  kIOError,
  kUnavailable,
  kTimeout,
  kResourceExhausted,
  kInternal,
  kAlreadyExists,
  kNotSupported,
  kAborted,             // a compare-and-swap or transaction lost a race; retry
  kFailedPrecondition,  // the system is not in the state the call needs (e.g. collection not loaded)
  kUnauthenticated,     // no valid credentials (wrong password, unknown user, malformed header)
  kPermissionDenied,    // authenticated, but the user's roles lack the privilege
};

// Domain detail for errors that clients must tell apart (Milvus maps each to its own code).
// Lower layers leave it kNone; the catalog and roles set it.
enum class ErrorDetail : uint16_t {
  kNone = 0,
  kCollectionNotFound,
  kCollectionNotLoaded,
  kPartitionNotFound,
  kPartitionNotLoaded,
  kIndexNotFound,
  kIndexDuplicate,
  kDatabaseNotFound,
  kDatabaseInvalidName,
  kAliasNotFound,
  kAliasConflict,
  kAliasExists,
  kFieldNotFound,
  kInvalidFieldName,
  kParameterMissing,
  kParameterTooLarge,
  kSchemaMismatch,
  kNotReady,
  kUnimplemented,
  kRateLimited,
  kResourceGroupNotFound,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // A default-constructed Status is a placeholder (a member, a variable assigned later) and counts
  // as checked; statuses returned by operations (OK() included) must be looked at.
  Status() noexcept { MarkChecked(); }
  Status(StatusCode code, std::string_view message, ErrorDetail detail = ErrorDetail::kNone);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept;
  Status& operator=(Status&& other) noexcept;
  ~Status();

  static Status OK() { return Status(StatusCode::kOk, {}); }
  static Status NotFound(std::string_view msg, std::string_view ctx = {});
  static Status InvalidArgument(std::string_view msg, std::string_view ctx = {});
  static Status Corruption(std::string_view msg, std::string_view ctx = {});
  static Status IOError(std::string_view msg, std::string_view ctx = {});
  static Status Unavailable(std::string_view msg, std::string_view ctx = {});
  static Status Timeout(std::string_view msg, std::string_view ctx = {});
  static Status ResourceExhausted(std::string_view msg, std::string_view ctx = {});
  static Status Internal(std::string_view msg, std::string_view ctx = {});
  static Status AlreadyExists(std::string_view msg, std::string_view ctx = {});
  static Status NotSupported(std::string_view msg, std::string_view ctx = {});
  static Status Aborted(std::string_view msg, std::string_view ctx = {});
  static Status FailedPrecondition(std::string_view msg, std::string_view ctx = {});
  static Status Unauthenticated(std::string_view msg, std::string_view ctx = {});
  static Status PermissionDenied(std::string_view msg, std::string_view ctx = {});

  bool ok() const {
    MarkChecked();
    return state_ == nullptr;
  }
  StatusCode code() const {
    MarkChecked();
    return state_ ? state_->code : StatusCode::kOk;
  }
  ErrorDetail detail() const {
    MarkChecked();
    return state_ ? state_->detail : ErrorDetail::kNone;
  }
  std::string_view message() const {
    MarkChecked();
    return state_ ? std::string_view(state_->message) : "";
  }

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsAborted() const { return code() == StatusCode::kAborted; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsUnavailable() const { return code() == StatusCode::kUnavailable; }

  // Returns a copy carrying `detail` (for the catalog and roles to tag domain errors).
  Status WithDetail(ErrorDetail detail) const;
  // Returns a copy whose message is prefixed with `context: `.
  Status Annotate(std::string_view context) const;

  // "NotFound: message" or "OK".
  std::string ToString() const;

  // Marks the status as looked at without acting on it. Use only where ignoring is correct.
  void IgnoreError() const { MarkChecked(); }

 private:
  struct State {
    StatusCode code;
    ErrorDetail detail;
    std::string message;
  };
#ifndef NDEBUG
  void MarkChecked() const { checked_ = true; }
  mutable bool checked_ = false;
#else
  void MarkChecked() const {}
#endif
  std::unique_ptr<State> state_;
};

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) { status_.IgnoreError(); }  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Internal("Result constructed from OK status without value");
  }
  template <typename U>
    requires(std::is_convertible_v<U &&, T> && !std::is_same_v<std::decay_t<U>, Status> &&
             !std::is_same_v<std::decay_t<U>, T>)
  Result(U&& value) : value_(T(std::forward<U>(value))) { status_.IgnoreError(); }  // NOLINT

  // A copy holding a value has nothing to check (its placeholder status is not an outcome).
  Result(const Result& other) : value_(other.value_), status_(other.status_) {
    if (value_.has_value()) status_.IgnoreError();
  }
  Result& operator=(const Result& other) {
    value_ = other.value_;
    status_ = other.status_;
    if (value_.has_value()) status_.IgnoreError();
    return *this;
  }
  Result(Result&&) = default;
  Result& operator=(Result&&) = default;

  bool ok() const { return value_.has_value(); }
  Status status() const& { return value_.has_value() ? Status::OK() : status_; }
  Status status() && { return value_.has_value() ? Status::OK() : std::move(status_); }

  T& value() & { return Check(), *value_; }
  const T& value() const& { return Check(), *value_; }
  // By value, so `for (auto& x : *MakeResult())` and `auto&& v = F().value()` do not dangle.
  T value() && { return Check(), std::move(*value_); }
  T ValueOr(T fallback) && { return ok() ? std::move(*value_) : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!value_.has_value()) {
      std::fprintf(stderr, "Result::value() on error: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace quiver

#define QUIVER_CONCAT_INNER(a, b) a##b
#define QUIVER_CONCAT(a, b) QUIVER_CONCAT_INNER(a, b)

#define QUIVER_RETURN_IF_ERROR(expr)           \
  do {                                         \
    ::quiver::Status _quiver_st = (expr);      \
    if (!_quiver_st.ok()) return _quiver_st;   \
  } while (0)

#define QUIVER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

#define QUIVER_ASSIGN_OR_RETURN(lhs, expr) \
  QUIVER_ASSIGN_OR_RETURN_IMPL(QUIVER_CONCAT(_quiver_res_, __LINE__), lhs, expr)

// Always-on invariant check: crashes with a message when violated (corruption would follow).
#define QUIVER_CHECK(cond)                                                                 \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "QUIVER_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

#ifndef NDEBUG
#define QUIVER_DCHECK(cond) QUIVER_CHECK(cond)
#else
#define QUIVER_DCHECK(cond) \
  do {                      \
  } while (0)
#endif
