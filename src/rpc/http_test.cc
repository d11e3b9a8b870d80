#include "rpc/http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace quiver::rpc {
namespace {

struct Parsed {
  Result<bool> done = false;
  HttpRequest request;
  size_t consumed = 0;
  int error_status = 0;
  bool expects_continue = false;
};

Parsed Parse(const std::string& text, HttpLimits limits = {}) {
  Parsed p;
  p.done = ParseHttpRequest(text, limits, &p.request, &p.consumed, &p.error_status, &p.expects_continue);
  return p;
}

TEST(HttpTest, ParsesARequestWithABody) {
  std::string text = "POST /v2/vectordb/collections/list?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                     "Content-Length: 2\r\nAuthorization: Bearer root:Milvus\r\n\r\n{}EXTRA";
  Parsed p = Parse(text);
  ASSERT_TRUE(p.done.ok());
  ASSERT_TRUE(*p.done);
  EXPECT_EQ(p.request.method, "POST");
  EXPECT_EQ(p.request.path, "/v2/vectordb/collections/list");
  EXPECT_EQ(p.request.target, "/v2/vectordb/collections/list?x=1");
  EXPECT_EQ(p.request.Header("authorization"), "Bearer root:Milvus");
  EXPECT_EQ(p.request.body, "{}");
  EXPECT_EQ(p.consumed, text.size() - 5);  // the next request's bytes stay
}

TEST(HttpTest, WaitsForTheWholeRequest) {
  EXPECT_FALSE(*Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n").done);
  Parsed p = Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n{\"a\"");
  ASSERT_TRUE(p.done.ok());
  EXPECT_FALSE(*p.done);
  EXPECT_TRUE(p.expects_continue);
  // The head is there before the body: method, path and headers, no body yet.
  EXPECT_EQ(p.request.method, "POST");
  EXPECT_EQ(p.request.path, "/");
  EXPECT_EQ(p.request.Header("content-length"), "10");
  EXPECT_TRUE(p.request.body.empty());
}

TEST(HttpTest, DecodesChunkedBodies) {
  Parsed p = Parse("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext\r\n:1}\r\n0\r\n\r\n");
  ASSERT_TRUE(p.done.ok());
  ASSERT_TRUE(*p.done);
  EXPECT_EQ(p.request.body, "{\"a\":1}");
  EXPECT_FALSE(*Parse("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"").done);
}

TEST(HttpTest, ChunkedBodiesDecodeIncrementallyAsTheyArrive) {
  std::string body;
  std::string wire = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 200; ++i) {
    std::string piece = "chunk" + std::to_string(i) + ";";
    body += piece;
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", piece.size());
    wire += std::string(size) + "\r\n" + piece + "\r\n";
  }
  wire += "0\r\nX-Trailer: t\r\n\r\n";
  ChunkProgress progress;
  std::string buffer;
  HttpRequest request;
  size_t consumed = 0;
  int error_status = 0;
  bool expects_continue = false;
  Result<bool> done = false;
  for (size_t i = 0; i < wire.size(); i += 7) {  // 7 bytes at a time, resuming each call
    buffer += wire.substr(i, 7);
    done = ParseHttpRequest(buffer, HttpLimits{}, &request, &consumed, &error_status, &expects_continue, &progress);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    if (*done) break;
  }
  ASSERT_TRUE(*done);
  EXPECT_EQ(request.body, body);
  EXPECT_EQ(consumed, wire.size());
  EXPECT_EQ(progress.pos, 0u);  // ready for the next request
}

TEST(HttpTest, RefusesMalformedAndOversizedRequests) {
  HttpLimits small;
  small.max_body_bytes = 8;
  small.max_header_bytes = 64;
  struct Case {
    std::string text;
    int status;
  } cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"POST /x HTTP/2.0\r\n\r\n", 505},
      {"POST x HTTP/1.1\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nNoColon\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 413},
      {"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n", 413},
      {"POST /x HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", 431},
      {"POST /x HTTP/1.1\r\nX: " + std::string(100, 'a'), 431},
  };
  for (const auto& c : cases) {
    Parsed p = Parse(c.text, small);
    EXPECT_FALSE(p.done.ok()) << c.text;
    EXPECT_EQ(p.error_status, c.status) << c.text;
  }
}

TEST(HttpTest, Http10ClosesTheConnection) {
  Parsed p = Parse("POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(*p.done);
  EXPECT_EQ(p.request.Header("connection"), "close");
}

// Serves one connection of a socket pair on a thread; the test writes and reads the other end.
class ServedPair {
 public:
  explicit ServedPair(HttpSession session) {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    server_ = std::thread([this, session] {
      auto stream = NewPlainStream(fds_[1]);
      ServeHttp(stream.get(), HttpLimits{}, [this](const HttpRequest& r) {
        ++served;
        HttpResponse response;
        response.body = "served " + std::to_string(r.body.size()) + " from " + r.peer;
        return response;
      }, [] { return false; }, session);
    });
  }
  ~ServedPair() {
    ::shutdown(fds_[0], SHUT_RDWR);
    server_.join();
    ::close(fds_[0]);
  }
  void Send(const std::string& bytes) { ASSERT_EQ(::write(fds_[0], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  // Everything the server writes until it closes (or `until` appears).
  std::string Receive(const std::string& until = "") {
    std::string got;
    char buffer[4096];
    while (until.empty() || got.find(until) == std::string::npos) {
      ssize_t n = ::read(fds_[0], buffer, sizeof(buffer));
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
    }
    return got;
  }
  std::atomic<int> served{0};

 private:
  int fds_[2] = {-1, -1};
  std::thread server_;
};

TEST(ServeHttpTest, AHeadRefusedBeforeItsBodyEndsTheConnectionWithTheAnswer) {
  HttpSession session;
  session.peer = "10.0.0.7:5000";
  int checked = 0;
  session.check_head = [&checked](const HttpRequest& head) -> std::optional<HttpResponse> {
    ++checked;
    if (head.Header("authorization") == "ok") return std::nullopt;
    HttpResponse refused;
    refused.status = 401;
    refused.body = "refused " + head.path + " for " + head.peer;
    return refused;
  };
  {
    ServedPair pair(session);
    // A large body announced with Expect: 100-continue: refused from the head, never invited.
    pair.Send("POST /x HTTP/1.1\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
    std::string got = pair.Receive();
    EXPECT_EQ(got.rfind("HTTP/1.1 401 ", 0), 0u) << got;
    EXPECT_EQ(got.find("100 Continue"), std::string::npos) << got;
    EXPECT_NE(got.find("Connection: close"), std::string::npos);
    EXPECT_NE(got.find("refused /x for 10.0.0.7:5000"), std::string::npos) << got;
    EXPECT_EQ(pair.served.load(), 0);
  }
  {
    // Let through: the body is read (in two pieces) and the request served once, then a pipelined
    // request that arrives whole is served without a head check of its own.
    ServedPair pair(session);
    pair.Send("POST /y HTTP/1.1\r\nauthorization: ok\r\nContent-Length: 6\r\n\r\nabc");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pair.Send("def");
    std::string got = pair.Receive("served 6 from 10.0.0.7:5000");
    EXPECT_NE(got.find("served 6 from 10.0.0.7:5000"), std::string::npos) << got;
    pair.Send("POST /z HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
    got = pair.Receive("served 2");
    EXPECT_NE(got.find("served 2"), std::string::npos) << got;
    EXPECT_EQ(pair.served.load(), 2);
  }
  EXPECT_EQ(checked, 2);  // once per request whose head came before its body
}

}  // namespace
}  // namespace quiver::rpc
