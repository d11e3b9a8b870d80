#pragma once

// A small HTTP/1.1 server side for the REST front door: reads requests from a Stream (keep-alive,
// Content-Length and chunked bodies, Expect: 100-continue), hands each to a handler and writes
// its response. Bounds: request line and headers 64 KiB, body `max_body_bytes`.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "rpc/stream.h"

namespace quiver::rpc {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;    // target without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer;  // the client's address (HttpSession::peer)
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

struct HttpLimits {
  size_t max_header_bytes = 64 << 10;
  size_t max_body_bytes = 256 << 20;
  int idle_timeout_ms = 60000;  // between requests on a kept-alive connection
  int io_timeout_ms = 30000;    // within one request or response
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// A check of a request's head (method, target, headers) before its body is read: a response
// refuses the request (HttpSession::check_head).
using HttpHeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest& head)>;

// How far a chunked body has been decoded, kept between calls while it arrives.
struct ChunkProgress {
  size_t pos = 0;  // offset of the next chunk-size line in the buffer (0 = not started)
  std::string body;
};

// Parses one request from the front of `buffer` (bytes received so far). Returns true with the
// request and the bytes it took when complete; false when more bytes are needed (with the head —
// method, target, headers — in `request` once the headers are complete); an error status
// (with the HTTP status to answer in `error_status`) when the request is malformed or too large.
// `progress` (optional) carries the decoding of a chunked body from one call to the next.
Result<bool> ParseHttpRequest(const std::string& buffer, const HttpLimits& limits, HttpRequest* request,
                              size_t* consumed, int* error_status, bool* expects_continue,
                              ChunkProgress* progress = nullptr);

// What ServeHttp knows of a connection besides its bytes.
struct HttpSession {
  std::string peer;  // the client's address, set on every request
  // Called once per request whose headers have arrived before its body: a response is sent at
  // once and the connection closed, without reading (or, with Expect: 100-continue, inviting)
  // the body. May be empty.
  HttpHeadCheck check_head;
};

// Serves requests on `stream` until the peer closes, asks to close, idles out or `stopping()`.
void ServeHttp(Stream* stream, const HttpLimits& limits, const HttpHandler& handler,
               const std::function<bool()>& stopping, const HttpSession& session = {});

std::string HttpStatusText(int status);

}  // namespace quiver::rpc
