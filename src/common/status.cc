#include "common/status.h"

#include <cstdio>

namespace quiver {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kTimeout: return "Timeout";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kInternal: return "Internal";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kNotSupported: return "NotSupported";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kUnauthenticated: return "Unauthenticated";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string_view message, ErrorDetail detail) {
  if (code != StatusCode::kOk) {
    state_ = std::make_unique<State>(State{code, detail, std::string(message)});
  }
}

Status::Status(const Status& other) {
  other.MarkChecked();
  if (other.state_) state_ = std::make_unique<State>(*other.state_);
}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    MarkChecked();
    other.MarkChecked();
    state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  }
  return *this;
}

Status::Status(Status&& other) noexcept : state_(std::move(other.state_)) {
#ifndef NDEBUG
  checked_ = other.checked_;
  other.checked_ = true;
#endif
}

Status& Status::operator=(Status&& other) noexcept {
  if (this != &other) {
    MarkChecked();
    state_ = std::move(other.state_);
#ifndef NDEBUG
    checked_ = other.checked_;
    other.checked_ = true;
#endif
  }
  return *this;
}

Status::~Status() {
#ifndef NDEBUG
  if (!checked_ && std::getenv("QUIVER_ALLOW_UNCHECKED_STATUS") == nullptr) {
    std::fprintf(stderr, "Status destroyed without being checked: %s\n", ToString().c_str());
    std::abort();
  }
#endif
}

namespace {
Status Make(StatusCode code, std::string_view msg, std::string_view ctx) {
  if (ctx.empty()) return Status(code, msg);
  std::string full(msg);
  full.append(": ").append(ctx);
  return Status(code, full);
}
}  // namespace

Status Status::NotFound(std::string_view m, std::string_view c) { return Make(StatusCode::kNotFound, m, c); }
Status Status::InvalidArgument(std::string_view m, std::string_view c) {
  return Make(StatusCode::kInvalidArgument, m, c);
}
Status Status::Corruption(std::string_view m, std::string_view c) { return Make(StatusCode::kCorruption, m, c); }
Status Status::IOError(std::string_view m, std::string_view c) { return Make(StatusCode::kIOError, m, c); }
Status Status::Unavailable(std::string_view m, std::string_view c) {
  return Make(StatusCode::kUnavailable, m, c);
}
Status Status::Timeout(std::string_view m, std::string_view c) { return Make(StatusCode::kTimeout, m, c); }
Status Status::ResourceExhausted(std::string_view m, std::string_view c) {
  return Make(StatusCode::kResourceExhausted, m, c);
}
Status Status::Internal(std::string_view m, std::string_view c) { return Make(StatusCode::kInternal, m, c); }
Status Status::AlreadyExists(std::string_view m, std::string_view c) {
  return Make(StatusCode::kAlreadyExists, m, c);
}
Status Status::NotSupported(std::string_view m, std::string_view c) {
  return Make(StatusCode::kNotSupported, m, c);
}
Status Status::Aborted(std::string_view m, std::string_view c) { return Make(StatusCode::kAborted, m, c); }
Status Status::FailedPrecondition(std::string_view m, std::string_view c) {
  return Make(StatusCode::kFailedPrecondition, m, c);
}
Status Status::Unauthenticated(std::string_view m, std::string_view c) {
  return Make(StatusCode::kUnauthenticated, m, c);
}
Status Status::PermissionDenied(std::string_view m, std::string_view c) {
  return Make(StatusCode::kPermissionDenied, m, c);
}

Status Status::WithDetail(ErrorDetail detail) const {
  MarkChecked();
  if (!state_) return Status();
  return Status(state_->code, state_->message, detail);
}

Status Status::Annotate(std::string_view context) const {
  MarkChecked();
  if (!state_) return Status();
  std::string msg(context);
  msg.append(": ").append(state_->message);
  return Status(state_->code, msg, state_->detail);
}

std::string Status::ToString() const {
  MarkChecked();
  if (!state_) return "OK";
  std::string out(StatusCodeName(state_->code));
  out.append(": ").append(state_->message);
  return out;
}

}  // namespace quiver
