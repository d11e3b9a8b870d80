#include "segment/channel_consumer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

namespace quiver::segment {
namespace {

using namespace std::chrono_literals;

std::string Message(int64_t collection, Timestamp ts) {
  WalMessage m;
  m.type = WalMessage::Type::kDelete;
  m.collection_id = collection;
  m.timestamp = ts;
  m.deletes.push_back(PrimaryKey(int64_t{7}));
  return EncodeWalMessage(m);
}

int ProcessThreads() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  int threads = 0;
  while (f != nullptr && std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "Threads:", 8) == 0) threads = std::atoi(line + 8);
  }
  if (f != nullptr) std::fclose(f);
  return threads;
}

// Many channels share the pool's two threads; each is consumed completely and in order.
TEST(ConsumerPoolTest, ManyChannelsOnTwoThreadsInOrder) {
  auto wal = storage::NewMemoryWal();
  constexpr int kChannels = 500;
  constexpr int kRecords = 20;
  int threads_before = ProcessThreads();
  ConsumerPool pool(wal.get(), {.threads = 2});
  Mutex mu;
  std::map<int, std::vector<storage::Lsn>> seen;
  std::vector<std::unique_ptr<ChannelConsumer>> consumers;
  for (int c = 0; c < kChannels; ++c) {
    std::string name = "ch" + std::to_string(c);
    ASSERT_TRUE(wal->CreateChannel(name).ok());
    consumers.push_back(std::make_unique<ChannelConsumer>(
        &pool, wal.get(), name, 1, [&mu, &seen, c](storage::Lsn lsn, const WalMessage& m) {
          EXPECT_EQ(m.collection_id, c);
          MutexLock lock(&mu);
          seen[c].push_back(lsn);
          return Status::OK();
        }));
    consumers.back()->Start();
  }
  EXPECT_LE(ProcessThreads(), threads_before + 2);
  for (int r = 0; r < kRecords; ++r) {
    for (int c = 0; c < kChannels; ++c) {
      std::string payload = Message(c, static_cast<Timestamp>(r + 1));
      ASSERT_TRUE(wal->Append("ch" + std::to_string(c), {payload}).ok());
    }
  }
  for (auto& consumer : consumers) ASSERT_TRUE(consumer->WaitConsumed(kRecords, 20s).ok()) << consumer->channel();
  MutexLock lock(&mu);
  for (int c = 0; c < kChannels; ++c) {
    ASSERT_EQ(seen[c].size(), static_cast<size_t>(kRecords)) << c;
    for (int r = 0; r < kRecords; ++r) EXPECT_EQ(seen[c][r], static_cast<storage::Lsn>(r + 1));
  }
  EXPECT_EQ(pool.GetStats().consumers, static_cast<size_t>(kChannels));
}

// A failing callback is retried from the same record with backoff (never skipped, never
// stopped for good); health() and waiters see the failure while it lasts.
TEST(ConsumerPoolTest, FailuresAreRetriedAndReported) {
  auto wal = storage::NewMemoryWal();
  ASSERT_TRUE(wal->CreateChannel("c").ok());
  ConsumerPool pool(wal.get(), {.threads = 2, .retry_min = 5ms, .retry_max = 40ms});
  std::atomic<bool> disk_full{true};
  std::atomic<int> attempts{0};
  std::vector<storage::Lsn> applied;
  Mutex mu;
  ChannelConsumer consumer(&pool, wal.get(), "c", 1, [&](storage::Lsn lsn, const WalMessage&) {
    if (lsn == 3 && disk_full.load()) {
      attempts.fetch_add(1);
      return Status::ResourceExhausted("no space left on device");
    }
    MutexLock lock(&mu);
    applied.push_back(lsn);
    return Status::OK();
  });
  consumer.Start();
  for (int i = 0; i < 5; ++i) {
    std::string payload = Message(1, i + 1);
    ASSERT_TRUE(wal->Append("c", {payload}).ok());
  }
  ASSERT_TRUE(consumer.WaitConsumed(2, 5s).ok());
  // Stuck at lsn 3: a short wait times out, a wait past kReportAfter reports the error.
  EXPECT_EQ(consumer.WaitConsumed(5, 100ms).code(), StatusCode::kTimeout);
  auto start = ChannelConsumer::Clock::now();
  Status stuck = consumer.WaitConsumed(5, 30s);
  EXPECT_EQ(stuck.code(), StatusCode::kUnavailable) << stuck.ToString();
  EXPECT_NE(stuck.ToString().find("no space left"), std::string::npos) << stuck.ToString();
  EXPECT_LT(ChannelConsumer::Clock::now() - start, 10s);
  EXPECT_FALSE(consumer.health().ok());
  auto stats = pool.GetStats();
  EXPECT_EQ(stats.failing, 1u);
  EXPECT_GE(stats.longest_failure_s, 1.5);
  EXPECT_NE(stats.first_failure.find("c: "), std::string::npos);
  EXPECT_GT(attempts.load(), 5);  // retried, with backoff (not once per 5 ms for 2 s: 400)
  EXPECT_LT(attempts.load(), 200);
  // The disk has room again: the consumer resumes at lsn 3 by itself.
  disk_full.store(false);
  ASSERT_TRUE(consumer.WaitConsumed(5, 5s).ok());
  EXPECT_TRUE(consumer.health().ok());
  MutexLock lock(&mu);
  EXPECT_EQ(applied, (std::vector<storage::Lsn>{1, 2, 3, 4, 5}));
}

// A channel that does not exist yet (or was dropped) is a retried failure, not a dead consumer.
TEST(ConsumerPoolTest, MissingChannelIsRetriedUntilItAppears) {
  auto wal = storage::NewMemoryWal();
  ConsumerPool pool(wal.get(), {.threads = 1, .retry_min = 5ms, .retry_max = 20ms});
  std::atomic<int> handled{0};
  ChannelConsumer consumer(&pool, wal.get(), "late", 1, [&](storage::Lsn, const WalMessage&) {
    handled.fetch_add(1);
    return Status::OK();
  });
  consumer.Start();
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(wal->CreateChannel("late").ok());
  std::string payload = Message(1, 1);
  ASSERT_TRUE(wal->Append("late", {payload}).ok());
  ASSERT_TRUE(consumer.WaitConsumed(1, 5s).ok());
  EXPECT_EQ(handled.load(), 1);
}

// A consumer whose unread records were truncated stops there and says so; one that starts at the
// first retained record is fine.
TEST(ConsumerPoolTest, UnreadRecordsTruncatedAreReportedNotSkipped) {
  auto wal = storage::NewMemoryWal();
  ConsumerPool pool(wal.get(), {.threads = 1, .retry_min = 5ms, .retry_max = 20ms});
  ASSERT_TRUE(wal->CreateChannel("c").ok());
  std::string payload = Message(1, 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(wal->Append("c", {payload}).ok());
  ASSERT_TRUE(wal->Truncate("c", 6).ok());
  std::atomic<int> handled{0};
  auto count = [&](storage::Lsn, const WalMessage&) {
    handled.fetch_add(1);
    return Status::OK();
  };
  ChannelConsumer behind(&pool, wal.get(), "c", 3, count);
  ChannelConsumer current(&pool, wal.get(), "c", 6, count);
  behind.Start();
  current.Start();
  ASSERT_TRUE(current.WaitConsumed(10, 5s).ok());
  for (int i = 0; i < 200 && !behind.truncated(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(behind.truncated());
  EXPECT_FALSE(current.truncated());
  EXPECT_EQ(behind.consumed(), 2u) << "nothing after the gap is applied";
  EXPECT_TRUE(behind.health().IsAborted()) << behind.health().ToString();
  EXPECT_EQ(handled.load(), 5);
  behind.Stop();
  current.Stop();
}

// Ticks run while idle; Stop() waits for a running step and nothing runs after it.
TEST(ConsumerPoolTest, TicksRunWhenIdleAndStopIsFinal) {
  auto wal = storage::NewMemoryWal();
  ASSERT_TRUE(wal->CreateChannel("t").ok());
  ConsumerPool pool(wal.get(), {.threads = 2});
  std::atomic<int> ticks{0};
  auto consumer = std::make_unique<ChannelConsumer>(
      &pool, wal.get(), "t", 1, [](storage::Lsn, const WalMessage&) { return Status::OK(); },
      [&ticks] {
        ticks.fetch_add(1);
        std::this_thread::sleep_for(2ms);
      },
      10ms);
  consumer->Start();
  std::this_thread::sleep_for(300ms);
  int seen = ticks.load();
  EXPECT_GE(seen, 5);
  EXPECT_LE(seen, 40);
  consumer->Stop();
  int after_stop = ticks.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ticks.load(), after_stop);
  EXPECT_EQ(consumer->WaitConsumed(1, 1s).code(), StatusCode::kUnavailable);
  consumer.reset();
  EXPECT_EQ(pool.GetStats().consumers, 0u);
}

}  // namespace
}  // namespace quiver::segment
