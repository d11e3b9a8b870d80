#include "common/metrics.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndHistograms) {
  MetricsRegistry registry;
  Counter* c = registry.GetCounter("quiver_requests_total", "Requests", {{"method", "Search"}});
  c->Increment();
  c->Increment(2);
  EXPECT_EQ(registry.GetCounter("quiver_requests_total", "Requests", {{"method", "Search"}}), c);
  registry.GetGauge("quiver_segments", "Segments", {{"state", "sealed"}})->Set(4);
  registry.AddGaugeCallback("quiver_wal_bytes", "WAL bytes", {}, [] { return 1234.0; });
  Histogram* h = registry.GetHistogram("quiver_latency_seconds", "Latency", {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(5);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("# TYPE quiver_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("quiver_requests_total{method=\"Search\"} 3"), std::string::npos);
  EXPECT_NE(text.find("quiver_segments{state=\"sealed\"} 4"), std::string::npos);
  EXPECT_NE(text.find("quiver_wal_bytes 1234"), std::string::npos);
  EXPECT_NE(text.find("quiver_latency_seconds_bucket{le=\"0.10000000000000001\"} 1"), std::string::npos);
  EXPECT_NE(text.find("quiver_latency_seconds_bucket{le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("quiver_latency_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("quiver_latency_seconds_count 3"), std::string::npos);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  registry.GetCounter("x_total", "x", {{"name", "a\"b"}})->Increment();
  EXPECT_NE(registry.RenderText().find("x_total{name=\"a\\\"b\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace quiver
