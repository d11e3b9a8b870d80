#include "common/timestamp.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

TEST(TimestampTest, ComposeAndSplit) {
  Timestamp ts = ComposeTimestamp(1700000000000ull, 5);
  EXPECT_EQ(PhysicalMs(ts), 1700000000000ull);
  EXPECT_EQ(LogicalPart(ts), 5u);
}

TEST(HybridClockTest, StrictlyIncreasingEvenWhenWallClockGoesBack) {
  uint64_t now = 1000;
  HybridClock clock([&] { return now; });
  Timestamp a = clock.Now();
  Timestamp b = clock.Now();
  EXPECT_LT(a, b);
  EXPECT_EQ(PhysicalMs(a), 1000u);
  now = 900;  // clock steps backwards
  Timestamp c = clock.Now();
  EXPECT_LT(b, c);
  now = 2000;
  Timestamp d = clock.Allocate(10);
  EXPECT_EQ(d, ComposeTimestamp(2000, 0));
  EXPECT_EQ(clock.Now(), d + 10);
  clock.AdvanceTo(ComposeTimestamp(5000, 7));
  EXPECT_EQ(clock.Now(), ComposeTimestamp(5000, 8));
}

}  // namespace
}  // namespace quiver
