#include "rpc/milvus/milvus_status.h"

#include <gtest/gtest.h>

namespace quiver::rpc::milvus {
namespace {

TEST(MilvusStatusTest, LongReasonsAreCutOnACharacterBoundary) {
  std::string name(1 << 20, 'x');
  auto status = MilvusStatus(Status::InvalidArgument("invalid collection name: " + name));
  EXPECT_EQ(status.code(), 1100);
  EXPECT_LT(status.reason().size(), kMaxReasonBytes + 64);
  EXPECT_EQ(status.reason().rfind("invalid collection name: xxx", 0), 0u);
  EXPECT_NE(status.reason().find("more bytes)"), std::string::npos);

  // A multi-byte character straddling the cut is left out whole.
  std::string text(kMaxReasonBytes - 1, 'a');
  text += "\xC3\xA9tail";  // é
  std::string cut = TruncatedReason(text);
  EXPECT_EQ(cut.substr(0, kMaxReasonBytes - 1), std::string(kMaxReasonBytes - 1, 'a'));
  EXPECT_EQ(cut.substr(kMaxReasonBytes - 1, 3), "...");
  EXPECT_NE(cut.find("(6 more bytes)"), std::string::npos) << cut.substr(kMaxReasonBytes - 10);

  // Short reasons pass unchanged.
  EXPECT_EQ(MilvusStatus(Status::NotFound("collection not found")).reason(), "collection not found");
}

}  // namespace
}  // namespace quiver::rpc::milvus
