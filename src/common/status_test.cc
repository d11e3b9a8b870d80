#include "common/status.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd", std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  QUIVER_ASSIGN_OR_RETURN(int half, Half(x));
  QUIVER_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, OkAndErrorCarryCodeAndMessage) {
  Status ok = Status::OK();
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  Status nf = Status::NotFound("collection missing", "c1");
  EXPECT_FALSE(nf.ok());
  EXPECT_TRUE(nf.IsNotFound());
  EXPECT_EQ(nf.ToString(), "NotFound: collection missing: c1");
}

TEST(StatusTest, DetailAndAnnotationSurviveCopies) {
  Status st = Status::NotFound("no such collection").WithDetail(ErrorDetail::kCollectionNotFound);
  Status copy = st;
  EXPECT_EQ(copy.detail(), ErrorDetail::kCollectionNotFound);
  Status annotated = copy.Annotate("DescribeCollection");
  EXPECT_EQ(annotated.message(), "DescribeCollection: no such collection");
  EXPECT_EQ(annotated.detail(), ErrorDetail::kCollectionNotFound);
  EXPECT_TRUE(st.IsNotFound());
}

TEST(StatusTest, ResultPropagatesErrorsThroughAssignOrReturn) {
  Result<int> good = Quarter(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  Result<int> bad = Quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_EQ(bad.status().message(), "odd: 3");
}

TEST(StatusTest, ResultOfMoveOnlyType) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusTest, CopiesOfAResultWithAValueNeedNoCheck) {
  Result<int> r = 5;
  {
    Result<int> copy = r;  // destroyed unchecked: fine, it holds a value
    Result<int> assigned = Status::NotFound("x");
    assigned = r;
  }
  EXPECT_EQ(*r, 5);
}

#ifndef NDEBUG
TEST(StatusDeathTest, UncheckedStatusAbortsInDebug) {
  EXPECT_DEATH({ Status st = Status::IOError("disk"); (void)&st; }, "without being checked");
}
#endif

}  // namespace
}  // namespace quiver
