#include "proxy/access_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/secrets.h"
#include "common/testing_dir.h"

namespace quiver::proxy {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AccessLogTest, WritesOneLinePerRequestAndRotatesBySize) {
  quiver::testing::TempDir dir;
  AccessLogOptions options;
  options.path = dir.Sub("logs") + "/access.log";
  options.max_bytes = 1000;
  options.max_backups = 2;
  auto log = AccessLog::Open(options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  AccessEntry e;
  e.interface = "grpc";
  e.method = "Insert";
  e.user = "alice";
  e.db = "default";
  e.collection = "my books";
  e.code = 1401;
  e.transport = 7;
  e.latency_ms = 1.5;
  e.bytes_in = 10;
  e.bytes_out = 20;
  e.client = "127.0.0.1:5000";
  (*log)->Record(e);
  std::string first = Read(options.path);
  EXPECT_NE(first.find("interface=grpc method=Insert user=alice db=default collection=\"my books\" code=1401 transport=7"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("latency_ms=1.500 bytes_in=10 bytes_out=20 client=127.0.0.1:5000\n"), std::string::npos) << first;
  for (int i = 0; i < 40; ++i) (*log)->Record(e);
  EXPECT_TRUE(std::filesystem::exists(options.path + ".1"));
  EXPECT_TRUE(std::filesystem::exists(options.path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(options.path + ".3"));  // max_backups
  EXPECT_LE(std::filesystem::file_size(options.path), 1000u);
  EXPECT_LE(std::filesystem::file_size(options.path + ".1"), 1000u);
}

TEST(AccessLogTest, ClaimedUser) {
  EXPECT_EQ(ClaimedUser(Base64Encode("alice:secret")), "alice");
  EXPECT_EQ(ClaimedUser(Base64Encode("token-without-colon")), "");
  EXPECT_EQ(ClaimedUser("not base64!"), "");
  EXPECT_EQ(ClaimedUser(""), "");
}

TEST(AccessLogTest, RefusesAnUnusablePath) {
  AccessLogOptions options;
  options.path = "/proc/quiver-cannot-write/access.log";
  EXPECT_FALSE(AccessLog::Open(options).ok());
}

}  // namespace
}  // namespace quiver::proxy
