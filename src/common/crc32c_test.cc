#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace quiver::crc32c {
namespace {

TEST(Crc32cTest, StandardCheckValues) {
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
}

TEST(Crc32cTest, ExtendEqualsWholeAndMaskRoundTrips) {
  std::string data = "hello world, this is a longer buffer crossing 8-byte words";
  uint32_t whole = Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t part = Extend(Value(data.data(), split), data.data() + split, data.size() - split);
    EXPECT_EQ(part, whole) << split;
  }
  EXPECT_NE(Mask(whole), whole);
  EXPECT_EQ(Unmask(Mask(whole)), whole);
}

}  // namespace
}  // namespace quiver::crc32c
