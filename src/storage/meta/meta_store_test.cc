#include "storage/meta/meta_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/testing_dir.h"

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
  options.history_limit = 5;
  auto store = Open(options);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Put("k", std::to_string(i)).ok());
  EXPECT_TRUE(store->Watch("k", 2).status().IsNotFound());
  auto recent = store->Watch("k", 18);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ((*recent)->Next(100ms)->size(), 3u);
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

}  // namespace
}  // namespace quiver::storage
