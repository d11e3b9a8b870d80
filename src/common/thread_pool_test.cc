#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace quiver {
namespace {

TEST(ThreadPoolTest, RunsSubmittedTasks) {
  ThreadPool pool("test", 2, 100);
  std::atomic<int> sum{0};
  std::promise<void> done;
  std::atomic<int> remaining{10};
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(pool.Submit([&, i] {
      sum += i;
      if (--remaining == 0) done.set_value();
    }).ok());
  }
  done.get_future().wait();
  EXPECT_EQ(sum.load(), 55);
}

TEST(ThreadPoolTest, RejectsWhenQueueFull) {
  ThreadPool pool("test", 1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.Submit([&] { started.set_value(); gate.wait(); }).ok());
  started.get_future().wait();  // worker busy, queue empty
  ASSERT_TRUE(pool.Submit([] {}).ok());  // fills the queue
  Status st = pool.Submit([] {});
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  release.set_value();
  pool.Stop();
  EXPECT_EQ(pool.Submit([] {}).code(), StatusCode::kUnavailable);
}

TEST(ThreadPoolTest, ParallelForCoversEveryIndexOnce) {
  ThreadPool pool("test", 2, 4);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

}  // namespace
}  // namespace quiver
