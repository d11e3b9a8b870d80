#include "common/status_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace quiver {
namespace {

TEST(StatusServerTest, HealthzFollowsReadinessAndMetricsRender) {
  MetricsRegistry metrics;
  metrics.GetCounter("quiver_test_total", "test")->Increment(5);
  StatusServer server(&metrics);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("starting"), std::string::npos);
  server.SetReady(true);
  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("quiver_test_total 5"), std::string::npos);
  server.Stop();
}

}  // namespace
}  // namespace quiver
