#include "storage/meta/meta_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/testing_dir.h"
#include "storage/meta/fenced_meta_store.h"

namespace quiver::storage {
namespace {

using namespace std::chrono_literals;

class MetaStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<MetaStore> Open(LocalMetaStoreOptions options = {}) {
    if (GetParam()) options.path = dir_.Sub("meta");
    auto store = OpenLocalMetaStore(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }
  quiver::testing::TempDir dir_;
};

TEST_P(MetaStoreTest, PutGetDeleteRangeWithRevisions) {
  auto store = Open();
  EXPECT_EQ(store->CurrentRevision(), 0);
  EXPECT_EQ(*store->Put("a/1", "x"), 1);
  EXPECT_EQ(*store->Put("a/2", "y"), 2);
  EXPECT_EQ(*store->Put("b/1", "z"), 3);
  EXPECT_EQ(*store->Put("a/1", "x2"), 4);
  auto kv = store->Get("a/1");
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "x2");
  EXPECT_EQ((*kv)->create_revision, 1);
  EXPECT_EQ((*kv)->mod_revision, 4);
  EXPECT_EQ((*kv)->version, 2);
  auto range = store->Range("a/");
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[0].key, "a/1");
  EXPECT_EQ(range->kvs[1].key, "a/2");
  EXPECT_EQ(range->revision, 4);
  EXPECT_EQ(store->Range("a/", 1)->kvs.size(), 1u);
  EXPECT_EQ(*store->Delete("a/2"), 5);
  EXPECT_EQ(*store->Delete("a/2"), 5);  // absent: no new revision
  EXPECT_FALSE(store->Get("a/2")->has_value());
  EXPECT_EQ(*store->DeletePrefix("a/"), 6);
  EXPECT_TRUE(store->Range("a/")->kvs.empty());
  EXPECT_EQ(store->Range("")->kvs.size(), 1u);
}

TEST_P(MetaStoreTest, TransactionsCompareAndSwap) {
  auto store = Open();
  // Create-if-absent succeeds once.
  TxnRequest create;
  create.compares.push_back(Compare::Absent("lock"));
  create.success.push_back(TxnOp::Put("lock", "owner-1"));
  create.failure.push_back(TxnOp::Put("lost", "1"));
  auto first = store->Txn(create);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->succeeded);
  auto second = store->Txn(create);
  EXPECT_FALSE(second->succeeded);
  EXPECT_TRUE(store->Get("lost")->has_value());  // failure branch applied
  EXPECT_EQ((*store->Get("lock"))->value, "owner-1");

  // Update guarded by mod revision: a stale revision loses.
  Revision rev = (*store->Get("lock"))->mod_revision;
  TxnRequest update;
  update.compares.push_back(Compare::ModRevision("lock", Compare::Op::kEqual, rev));
  update.success.push_back(TxnOp::Put("lock", "owner-2"));
  update.success.push_back(TxnOp::Put("other", "v"));
  EXPECT_TRUE(store->Txn(update)->succeeded);
  EXPECT_FALSE(store->Txn(update)->succeeded);
  // Both puts of the successful transaction share one revision.
  EXPECT_EQ((*store->Get("lock"))->mod_revision, (*store->Get("other"))->mod_revision);

  TxnRequest by_value;
  by_value.compares.push_back(Compare::Value("lock", Compare::Op::kEqual, "owner-2"));
  by_value.success.push_back(TxnOp::Delete("lock"));
  EXPECT_TRUE(store->Txn(by_value)->succeeded);
  EXPECT_FALSE(store->Get("lock")->has_value());
}

TEST_P(MetaStoreTest, ConcurrentCasIncrementsAreNotLost) {
  auto store = Open();
  ASSERT_TRUE(store->Put("counter", "0").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        while (true) {
          auto kv = **store->Get("counter");
          TxnRequest txn;
          txn.compares.push_back(Compare::ModRevision("counter", Compare::Op::kEqual, kv.mod_revision));
          txn.success.push_back(TxnOp::Put("counter", std::to_string(std::stoi(kv.value) + 1)));
          if (store->Txn(txn)->succeeded) break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*store->Get("counter"))->value, "100");
}

TEST_P(MetaStoreTest, WatchFromRevisionSeesOrderedChanges) {
  auto store = Open();
  ASSERT_TRUE(store->Put("w/a", "1").ok());   // rev 1
  ASSERT_TRUE(store->Put("x/skip", "1").ok());  // rev 2
  ASSERT_TRUE(store->Put("w/b", "2").ok());   // rev 3
  auto watcher = store->Watch("w/", 2);
  ASSERT_TRUE(watcher.ok());
  auto events = (*watcher)->Next(1s);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kv.key, "w/b");
  EXPECT_EQ((*events)[0].kv.mod_revision, 3);

  std::thread writer([&] {
    std::this_thread::sleep_for(30ms);
    ASSERT_TRUE(store->Delete("w/a").ok());
  });
  events = (*watcher)->Next(5s);
  writer.join();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, WatchEvent::Type::kDelete);
  EXPECT_EQ((*events)[0].kv.key, "w/a");
  EXPECT_TRUE((*watcher)->Next(20ms)->empty());
  (*watcher)->Cancel();
  EXPECT_TRUE((*watcher)->Next(20ms).status().IsAborted());
}

TEST_P(MetaStoreTest, WatchBehindCompactedHistoryFails) {
  LocalMetaStoreOptions options;
  options.history_max_revisions = 5;
  auto store = Open(options);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Put("k", std::to_string(i)).ok());
  EXPECT_TRUE(store->Watch("k", 2).status().IsNotFound());
  auto recent = store->Watch("k", 18);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ((*recent)->Next(100ms)->size(), 3u);
}

// Reads from `watcher` until `count` events arrived (or 5 s passed).
std::vector<WatchEvent> Collect(Watcher* watcher, size_t count) {
  std::vector<WatchEvent> all;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto events = watcher->Next(100ms);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    if (!events.ok()) break;
    all.insert(all.end(), events->begin(), events->end());
  }
  return all;
}

// Waits up to 5 s for the background loop to reach `predicate`.
template <typename Predicate>
bool Eventually(Predicate predicate) {
  for (int i = 0; i < 1000; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

std::string ValueOf(int i) {
  std::string value = std::to_string(i);
  value.resize(1024, 'v');  // 1 KB
  return value;
}

// The old store kept 100,000 revisions of full copies; the revision bound holds memory and disk
// to the last history_max_revisions revisions however many puts came before.
TEST_P(MetaStoreTest, HistoryBoundedByRevisionCount) {
  LocalMetaStoreOptions options;
  options.history_max_revisions = 1000;
  options.sync = false;
  auto store = Open(options);
  constexpr int kPuts = 50000;
  for (int i = 1; i <= kPuts; ++i) {
    ASSERT_TRUE(store->Put("key/" + std::to_string(i % 5), ValueOf(i)).ok());
  }
  EXPECT_EQ(store->CurrentRevision(), kPuts);
  LocalMetaStoreHistory history = TEST_GetLocalMetaStoreHistory(store.get());
  EXPECT_EQ(history.compacted_revision, kPuts - 1000);
  EXPECT_EQ(history.memory_events, 1000u);
  EXPECT_EQ(history.disk_events, GetParam() ? 1000u : 0u);

  // Behind the retained history: the etcd "compacted" error, for new and for lagging watches.
  EXPECT_TRUE(store->Watch("key/", 1).status().IsNotFound());
  EXPECT_TRUE(store->Watch("key/", kPuts - 1000).status().IsNotFound());
  auto lagging = std::move(store->Watch("key/", 0)).value();
  for (int i = 1; i <= 1001; ++i) ASSERT_TRUE(store->Put("key/0", ValueOf(kPuts + i)).ok());
  auto behind = lagging->Next(100ms);
  EXPECT_TRUE(behind.status().IsNotFound()) << behind.status().ToString();

  // From the oldest retained revision, every event in order with its value.
  Revision now = store->CurrentRevision();
  auto watcher = std::move(store->Watch("key/", now - 999)).value();
  std::vector<WatchEvent> events = Collect(watcher.get(), 1000);
  ASSERT_EQ(events.size(), 1000u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, now - 999 + static_cast<Revision>(i));
    EXPECT_EQ(events[i].kv.value, ValueOf(static_cast<int>(now - 999) + static_cast<int>(i)));
  }
  EXPECT_EQ((*store->Get("key/0"))->value, ValueOf(kPuts + 1001));
  EXPECT_EQ((*store->Get("key/3"))->value, ValueOf(kPuts - 2));
}

TEST_P(MetaStoreTest, HistoryBoundedByAge) {
  std::atomic<int64_t> now_ms{0};
  LocalMetaStoreOptions options;
  options.history_max_revisions = 0;
  options.history_max_age = 1s;
  options.lease_check_interval = 5ms;
  options.clock = [&] {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms.load()));
  };
  auto store = Open(options);
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(store->Put("a/" + std::to_string(i), ValueOf(i)).ok());
  now_ms = 600;
  for (int i = 11; i <= 15; ++i) ASSERT_TRUE(store->Put("a/" + std::to_string(i), ValueOf(i)).ok());
  EXPECT_EQ(TEST_GetLocalMetaStoreHistory(store.get()).compacted_revision, 0);
  EXPECT_TRUE(store->Watch("a/", 1).ok());

  // Without further writes, the background loop expires revisions 1-10 at 1 s + 0.
  now_ms = 1100;
  ASSERT_TRUE(Eventually(
      [&] { return TEST_GetLocalMetaStoreHistory(store.get()).compacted_revision == 10; }));
  EXPECT_TRUE(store->Watch("a/", 10).status().IsNotFound());
  auto watcher = std::move(store->Watch("a/", 11)).value();
  EXPECT_EQ(Collect(watcher.get(), 5).size(), 5u);

  // Everything expired: the history is empty on disk and in memory, the data is intact, and a
  // watch from the current revision + 1 (list, then watch) still works.
  now_ms = 1700;
  ASSERT_TRUE(Eventually([&] {
    LocalMetaStoreHistory history = TEST_GetLocalMetaStoreHistory(store.get());
    return history.compacted_revision == 15 && history.memory_events == 0 &&
           history.disk_events == 0;
  }));
  EXPECT_EQ(store->Range("a/")->kvs.size(), 15u);
  EXPECT_TRUE(watcher->Next(10ms).ok());  // it had read up to 15: not behind
  auto listed = store->Range("a/");
  auto resumed = std::move(store->Watch("a/", listed->revision + 1)).value();
  ASSERT_TRUE(store->Put("a/16", "new").ok());
  auto events = Collect(resumed.get(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "a/16");
}

TEST_P(MetaStoreTest, HistoryBoundedByBytes) {
  LocalMetaStoreOptions options;
  options.history_max_bytes = 64 * 1024;
  options.sync = false;
  auto store = Open(options);
  for (int i = 1; i <= 1000; ++i) ASSERT_TRUE(store->Put("k", ValueOf(i)).ok());
  LocalMetaStoreHistory history = TEST_GetLocalMetaStoreHistory(store.get());
  EXPECT_LE(history.memory_events * 1024, 64u * 1024);
  EXPECT_GE(history.memory_events, 40u);
  EXPECT_EQ(history.compacted_revision, 1000 - static_cast<Revision>(history.memory_events));
  auto watcher = std::move(store->Watch("k", history.compacted_revision + 1)).value();
  EXPECT_EQ(Collect(watcher.get(), history.memory_events).size(), history.memory_events);
}

// A revision with more events than one compaction batch is compacted whole at once, and its keys
// are deleted over several batches.
TEST_P(MetaStoreTest, LargeRevisionCompactedInBatches) {
  LocalMetaStoreOptions options;
  options.history_max_revisions = 1;
  options.lease_check_interval = 5ms;
  options.sync = false;
  auto store = Open(options);
  TxnRequest txn;
  for (int i = 0; i < 3000; ++i) txn.success.push_back(TxnOp::Put("big/" + std::to_string(i), "v"));
  ASSERT_TRUE(store->Txn(txn).ok());
  EXPECT_EQ(TEST_GetLocalMetaStoreHistory(store.get()).memory_events, 3000u);
  ASSERT_TRUE(store->Put("small", "v").ok());
  EXPECT_TRUE(store->Watch("", 1).status().IsNotFound());
  ASSERT_TRUE(Eventually([&] {
    LocalMetaStoreHistory history = TEST_GetLocalMetaStoreHistory(store.get());
    return history.memory_events == 1 && history.disk_events == (GetParam() ? 1u : 0u);
  }));
  auto watcher = std::move(store->Watch("", 2)).value();
  auto events = Collect(watcher.get(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "small");
  EXPECT_EQ(store->Range("big/")->kvs.size(), 3000u);
}

TEST_P(MetaStoreTest, LeaseExpiryDeletesAttachedKeys) {
  std::atomic<int64_t> now_ms{0};
  LocalMetaStoreOptions options;
  options.lease_check_interval = 5ms;
  options.clock = [&] {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms.load()));
  };
  auto store = Open(options);
  auto lease = store->GrantLease(10s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store->Put("session/node1", "alive", *lease).ok());
  ASSERT_TRUE(store->Put("plain", "stays").ok());
  EXPECT_TRUE(store->Put("bad", "x", 999).status().IsNotFound());
  now_ms = 8000;
  ASSERT_TRUE(store->KeepAlive(*lease).ok());  // expiry moves to 18 s
  now_ms = 15000;
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(store->Get("session/node1")->has_value());
  now_ms = 19000;
  for (int i = 0; i < 200 && store->Get("session/node1")->has_value(); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(store->Get("session/node1")->has_value());
  EXPECT_TRUE(store->Get("plain")->has_value());
  EXPECT_TRUE(store->KeepAlive(*lease).IsNotFound());

  auto lease2 = store->GrantLease(10s);
  ASSERT_TRUE(store->Put("session/node2", "alive", *lease2).ok());
  ASSERT_TRUE(store->RevokeLease(*lease2).ok());
  EXPECT_FALSE(store->Get("session/node2")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, MetaStoreTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "RocksDB" : "Memory"; });

TEST(RocksMetaStoreTest, EverythingSurvivesReopen) {
  quiver::testing::TempDir dir;
  LocalMetaStoreOptions options;
  options.path = dir.Sub("meta");
  LeaseId lease;
  {
    auto store = std::move(OpenLocalMetaStore(options)).value();
    ASSERT_TRUE(store->Put("c/1", "one").ok());
    ASSERT_TRUE(store->Put("c/2", "two").ok());
    ASSERT_TRUE(store->Put("c/1", "uno").ok());
    lease = *store->GrantLease(60s);
    ASSERT_TRUE(store->Put("s/1", "held", lease).ok());
    ASSERT_TRUE(store->Delete("c/2").ok());
  }
  auto store = std::move(OpenLocalMetaStore(options)).value();
  EXPECT_EQ(store->CurrentRevision(), 5);
  auto kv = **store->Get("c/1");
  EXPECT_EQ(kv.value, "uno");
  EXPECT_EQ(kv.version, 2);
  EXPECT_EQ(kv.create_revision, 1);
  EXPECT_FALSE(store->Get("c/2")->has_value());
  // History survives: a watch from revision 1 replays every change.
  auto watcher = std::move(store->Watch("", 1)).value();
  auto events = watcher->Next(100ms);
  ASSERT_EQ(events->size(), 5u);
  EXPECT_EQ((*events)[4].type, WatchEvent::Type::kDelete);
  // Leases survive with their keys attached.
  EXPECT_EQ((*store->Get("s/1"))->lease, lease);
  ASSERT_TRUE(store->RevokeLease(lease).ok());
  EXPECT_FALSE(store->Get("s/1")->has_value());
  auto next_lease = store->GrantLease(5s);
  EXPECT_GT(*next_lease, lease);
}

// Reopen keeps the data and the revision and loads only the retained history; a smaller bound at
// reopen (or the unbounded history of an older version) drops the rest from disk.
TEST(RocksMetaStoreTest, ReopenLoadsOnlyRetainedHistory) {
  quiver::testing::TempDir dir;
  LocalMetaStoreOptions options;
  options.path = dir.Sub("meta");
  options.sync = false;
  options.history_max_revisions = 0;  // unbounded, as an old store with a huge history
  {
    auto store = std::move(OpenLocalMetaStore(options)).value();
    for (int i = 1; i <= 5000; ++i) {
      ASSERT_TRUE(store->Put("k/" + std::to_string(i % 5), ValueOf(i)).ok());
    }
    EXPECT_EQ(TEST_GetLocalMetaStoreHistory(store.get()).disk_events, 5000u);
  }
  for (size_t bound : {1000u, 1000u, 100u}) {
    options.history_max_revisions = bound;
    auto store = std::move(OpenLocalMetaStore(options)).value();
    EXPECT_EQ(store->CurrentRevision(), 5000);
    for (int key = 0; key < 5; ++key) {
      EXPECT_EQ((*store->Get("k/" + std::to_string(key)))->value, ValueOf(5000 - (5 - key) % 5));
    }
    LocalMetaStoreHistory history = TEST_GetLocalMetaStoreHistory(store.get());
    EXPECT_EQ(history.compacted_revision, 5000 - static_cast<Revision>(bound));
    EXPECT_EQ(history.memory_events, bound);
    EXPECT_EQ(history.disk_events, bound);
    EXPECT_TRUE(store->Watch("k/", 5000 - static_cast<Revision>(bound)).status().IsNotFound());
    auto watcher = std::move(store->Watch("k/", 5001 - static_cast<Revision>(bound))).value();
    std::vector<WatchEvent> events = Collect(watcher.get(), bound);
    ASSERT_EQ(events.size(), bound);
    EXPECT_EQ(events.front().kv.mod_revision, 5001 - static_cast<Revision>(bound));
    EXPECT_EQ(events.back().kv.value, ValueOf(5000));
  }
}

// A deposed leader's writes through a fenced store fail and change nothing.
TEST_P(MetaStoreTest, FencedWritesStopWhenTheFenceKeyMoves) {
  auto store = Open();
  ASSERT_TRUE(store->Put("election/coord", "me").ok());
  const Revision won = (*store->Get("election/coord"))->create_revision;
  auto fenced = NewFencedMetaStore(store.get(), "election/coord", won);
  ASSERT_TRUE(fenced->Put("catalog/a", "1").ok());
  ASSERT_TRUE(fenced->Delete("catalog/a").ok());
  ASSERT_TRUE(fenced->Put("catalog/b", "2").ok());
  // A transaction's own compare failing is an answer, not a fence.
  TxnRequest txn;
  txn.compares.push_back(Compare::Value("catalog/b", Compare::Op::kEqual, "other"));
  txn.success.push_back(TxnOp::Put("catalog/c", "3"));
  auto answer = fenced->Txn(txn);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->succeeded);
  TxnRequest with_failure;
  with_failure.failure.push_back(TxnOp::Put("x", "y"));
  EXPECT_EQ(fenced->Txn(with_failure).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ((*fenced->Get("catalog/b"))->value, "2");

  // Another candidate wins: the key is deleted and created again.
  ASSERT_TRUE(store->Delete("election/coord").ok());
  ASSERT_TRUE(store->Put("election/coord", "successor").ok());
  EXPECT_EQ(fenced->Put("catalog/b", "stale").status().code(), StatusCode::kAborted);
  EXPECT_EQ(fenced->Delete("catalog/b").status().code(), StatusCode::kAborted);
  EXPECT_EQ(fenced->DeletePrefix("catalog/").status().code(), StatusCode::kAborted);
  TxnRequest cas;
  cas.compares.push_back(Compare::Value("catalog/b", Compare::Op::kEqual, "2"));
  cas.success.push_back(TxnOp::Put("catalog/b", "stale"));
  EXPECT_EQ(fenced->Txn(cas).status().code(), StatusCode::kAborted);
  EXPECT_EQ((*store->Get("catalog/b"))->value, "2");
  // Without a leader at all, too.
  ASSERT_TRUE(store->Delete("election/coord").ok());
  EXPECT_EQ(fenced->Put("catalog/b", "stale").status().code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace quiver::storage
