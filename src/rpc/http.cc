#include "rpc/http.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include <sys/socket.h>

namespace quiver::rpc {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status Bad(int* error_status, int status, std::string_view message) {
  *error_status = status;
  return Status::InvalidArgument(message);
}

// Decodes a chunked body from `progress->pos` (the first chunk-size line, `start` when 0),
// appending whole chunks to `progress->body`: true when complete (`*end` after the last chunk).
// An incomplete body leaves `progress` at the first incomplete chunk, so the next call goes on
// from there instead of decoding everything again (which would be quadratic in the chunks).
Result<bool> Dechunk(const std::string& buffer, size_t start, size_t max_body, ChunkProgress* progress, size_t* end,
                     int* error_status) {
  if (progress->pos == 0) {
    progress->pos = start;
    progress->body.clear();
  }
  size_t pos = progress->pos;
  std::string* body = &progress->body;
  for (;;) {
    size_t line_end = buffer.find("\r\n", pos);
    if (line_end == std::string::npos) {
      if (buffer.size() - pos > 1024) return Bad(error_status, 400, "malformed chunk size");
      return false;
    }
    std::string_view size_text(buffer.data() + pos, line_end - pos);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    size_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || p != size_text.data() + size_text.size() || size_text.empty()) {
      return Bad(error_status, 400, "malformed chunk size");
    }
    if (size > max_body || body->size() + size > max_body) return Bad(error_status, 413, "request body too large");
    if (size == 0) {
      // Trailers (ignored) end with an empty line.
      size_t trailers_end = buffer.find("\r\n\r\n", line_end);
      if (trailers_end == std::string::npos) {
        if (buffer.size() - line_end > (64u << 10)) return Bad(error_status, 431, "chunked trailers too large");
        return false;
      }
      *end = trailers_end + 4;
      return true;
    }
    size_t data = line_end + 2;
    if (buffer.size() < data + size + 2) return false;
    if (buffer.compare(data + size, 2, "\r\n") != 0) return Bad(error_status, 400, "malformed chunk");
    body->append(buffer, data, size);
    pos = data + size + 2;
    progress->pos = pos;
  }
}

}  // namespace

std::string HttpStatusText(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

Result<bool> ParseHttpRequest(const std::string& buffer, const HttpLimits& limits, HttpRequest* request,
                              size_t* consumed, int* error_status, bool* expects_continue, ChunkProgress* progress) {
  ChunkProgress local;
  if (progress == nullptr) progress = &local;
  *expects_continue = false;
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (buffer.size() > limits.max_header_bytes) return Bad(error_status, 431, "request headers too large");
    return false;
  }
  if (head_end > limits.max_header_bytes) return Bad(error_status, 431, "request headers too large");
  std::string_view head(buffer.data(), head_end);
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return Bad(error_status, 400, "malformed request line");
  HttpRequest req;
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return Bad(error_status, 505, "unsupported HTTP version");
  if (req.method.empty() || req.target.empty() || req.target[0] != '/') {
    return Bad(error_status, 400, "malformed request line");
  }
  req.path = req.target.substr(0, req.target.find('?'));
  if (version == "HTTP/1.0") req.headers["connection"] = "close";
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    std::string_view field = head.substr(pos, next - pos);
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad(error_status, 400, "malformed header line");
    char last = field[colon - 1];
    if (last == ' ' || last == '\t') return Bad(error_status, 400, "whitespace before the colon of a header name");
    std::string name = Lower(field.substr(0, colon));
    std::string value(Trim(field.substr(colon + 1)));
    auto [it, inserted] = req.headers.emplace(name, value);
    if (!inserted) {
      if (name == "content-length" && it->second != value) return Bad(error_status, 400, "conflicting Content-Length");
      it->second += ", " + value;
    }
    pos = next + 2;
  }
  size_t body_start = head_end + 4;
  std::string transfer = Lower(req.Header("transfer-encoding"));
  std::string length_text = req.Header("content-length");
  if (!transfer.empty()) {
    if (transfer != "chunked") return Bad(error_status, 501, "unsupported Transfer-Encoding");
    if (!length_text.empty()) return Bad(error_status, 400, "both Content-Length and Transfer-Encoding");
    if (Lower(req.Header("expect")) == "100-continue") *expects_continue = true;
    size_t end = 0;
    QUIVER_ASSIGN_OR_RETURN(bool complete, Dechunk(buffer, body_start, limits.max_body_bytes, progress, &end, error_status));
    if (!complete) {
      *request = std::move(req);  // the head, for ServeHttp's check before the body
      return false;
    }
    req.body = std::move(progress->body);
    *progress = ChunkProgress();
    *consumed = end;
  } else {
    size_t length = 0;
    if (!length_text.empty()) {
      auto [p, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
      if (ec != std::errc() || p != length_text.data() + length_text.size()) {
        return Bad(error_status, 400, "malformed Content-Length");
      }
    }
    if (length > limits.max_body_bytes) return Bad(error_status, 413, "request body too large");
    if (buffer.size() < body_start + length) {
      if (Lower(req.Header("expect")) == "100-continue") *expects_continue = true;
      *request = std::move(req);  // the head, for ServeHttp's check before the body
      return false;
    }
    req.body = buffer.substr(body_start, length);
    *consumed = body_start + length;
  }
  *request = std::move(req);
  return true;
}

namespace {

// Ends a connection whose request was refused before its body was read without losing the
// answer: closing a socket with unread input sends RST, which can make the client drop the
// response it has not read yet. Half-closes (the answer is followed by FIN), then reads and
// discards what is still arriving, for a bounded time and size.
void CloseAfterRefusal(Stream* stream) {
  constexpr size_t kMaxDrain = 4 << 20;
  constexpr auto kMaxLinger = std::chrono::milliseconds(1000);
  ::shutdown(stream->fd(), SHUT_WR);
  char sink[16 << 10];
  size_t drained = 0;
  auto until = std::chrono::steady_clock::now() + kMaxLinger;
  while (drained < kMaxDrain) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    Result<size_t> n = stream->Read(sink, sizeof(sink), static_cast<int>(left.count()));
    if (!n.ok() || *n == 0) break;
    drained += *n;
  }
}

std::string Serialize(const HttpResponse& response, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + HttpStatusText(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

}  // namespace

void ServeHttp(Stream* stream, const HttpLimits& limits, const HttpHandler& handler,
               const std::function<bool()>& stopping, const HttpSession& session) {
  std::string buffer;
  bool head_checked = false;  // check_head ran for the request arriving
  char chunk[64 << 10];
  bool continue_sent = false;
  ChunkProgress progress;  // of a chunked body still arriving
  std::chrono::steady_clock::time_point request_deadline;
  bool in_request = false;  // part of a request has arrived
  while (!stopping()) {
    HttpRequest request;
    size_t consumed = 0;
    int error_status = 400;
    bool expects_continue = false;
    Result<bool> parsed =
        ParseHttpRequest(buffer, limits, &request, &consumed, &error_status, &expects_continue, &progress);
    if (!parsed.ok()) {
      HttpResponse bad;
      bad.status = error_status;
      bad.body = R"({"code":1801,"message":")" + std::string(parsed.status().message()) + R"("})";
      (void)stream->Write(Serialize(bad, true), limits.io_timeout_ms).ok();
      return;
    }
    if (*parsed) {
      request.peer = session.peer;
      buffer.erase(0, consumed);
      continue_sent = false;
      head_checked = false;
      in_request = !buffer.empty();  // a pipelined request's bytes get a deadline of their own
      if (in_request) request_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.io_timeout_ms);
      HttpResponse response = handler(request);
      bool close = Lower(request.Header("connection")).find("close") != std::string::npos;
      if (!stream->Write(Serialize(response, close), limits.io_timeout_ms).ok() || close) return;
      continue;
    }
    if (!request.method.empty() && !head_checked && session.check_head) {
      // The head is in, the body is not: refuse before reading (or inviting) the body.
      head_checked = true;
      request.peer = session.peer;
      if (std::optional<HttpResponse> refused = session.check_head(request)) {
        (void)stream->Write(Serialize(*refused, true), limits.io_timeout_ms).ok();
        CloseAfterRefusal(stream);
        return;
      }
    }
    if (expects_continue && !continue_sent) {
      if (!stream->Write("HTTP/1.1 100 Continue\r\n\r\n", limits.io_timeout_ms).ok()) return;
      continue_sent = true;
    }
    // Idle between requests; within one, the whole request must arrive within the I/O timeout
    // from its first byte (a client dribbling bytes does not extend it). Poll often enough to
    // see `stopping`.
    auto now = std::chrono::steady_clock::now();
    if (buffer.empty()) {
      request_deadline = now + std::chrono::milliseconds(limits.idle_timeout_ms);
    } else if (!in_request) {
      request_deadline = now + std::chrono::milliseconds(limits.io_timeout_ms);
    }
    in_request = !buffer.empty();
    Result<size_t> n = Status::Timeout("");
    while (!stopping()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request_deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      n = stream->Read(chunk, sizeof(chunk), static_cast<int>(std::min<int64_t>(500, left.count())));
      if (n.ok() || n.status().code() != StatusCode::kTimeout) break;
    }
    if (!n.ok() || *n == 0) {
      if (in_request && n.status().code() == StatusCode::kTimeout) {
        (void)stream->Write("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 1000).ok();
      }
      return;  // idle, timed out, closed or broken
    }
    if (buffer.empty()) {
      request_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.io_timeout_ms);
      in_request = true;
    }
    buffer.append(chunk, *n);
  }
}

}  // namespace quiver::rpc
