#include "rpc/http.h"

#include <gtest/gtest.h>

#include <cstdio>

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

}  // namespace
}  // namespace quiver::rpc
