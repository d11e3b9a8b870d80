#pragma once

// The contract of cluster/session.h, run on any MetaStore: session_test on the embedded store,
// etcd_test on a real etcd. Each check waits for lease expiry with a bound, never a fixed sleep.
// `prefix` keeps runs on a shared store apart (node ids are shared: they only need be distinct).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "cluster/session.h"
#include "storage/meta/fenced_meta_store.h"

namespace quiver::cluster::testing {

inline SessionInfo Node(const std::string& role, const std::string& address) {
  SessionInfo info;
  info.role = role;
  info.address = address;
  info.status_address = address + "-status";
  info.version = "test";
  return info;
}

// Waits up to `limit` for `done`; returns whether it happened.
template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

inline void SessionsRegisterListWatchAndExpire(storage::MetaStore* store, const std::string& prefix,
                                               std::chrono::seconds ttl) {
  const std::string proxy_role = prefix + "proxy", query_role = prefix + "querynode";
  auto watch = SessionWatch::Start(store, query_role);
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  EXPECT_TRUE((*watch)->current().empty());

  SessionOptions options;
  options.ttl = ttl;
  auto proxy = Session::Register(store, Node(proxy_role, "p:1"), options);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  auto q1 = Session::Register(store, Node(query_role, "q:1"), options);
  auto q2 = Session::Register(store, Node(query_role, "q:2"), options);
  ASSERT_TRUE(q1.ok() && q2.ok());
  EXPECT_NE((*q1)->info().node_id, (*q2)->info().node_id);
  EXPECT_GT((*q2)->info().node_id, (*q1)->info().node_id);
  EXPECT_GT((*q1)->info().registered_unix_ms, 0);

  auto queries = ListSessions(store, query_role);
  ASSERT_TRUE(queries.ok()) << queries.status().ToString();
  ASSERT_EQ(queries->size(), 2u);
  EXPECT_EQ(queries->at((*q1)->info().node_id), (*q1)->info());
  EXPECT_EQ(ListSessions(store, proxy_role)->size(), 1u);

  // The watch of querynodes sees both come up, and not the proxy.
  std::set<int64_t> up;
  ASSERT_TRUE(WaitUntil([&] {
    auto events = (*watch)->Next(std::chrono::milliseconds(200));
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    for (const auto& e : *events) {
      EXPECT_EQ(e.session.role, query_role);
      if (e.type == SessionEvent::Type::kUp) up.insert(e.session.node_id);
    }
    return up.size() == 2;
  }));
  EXPECT_EQ((*watch)->current().size(), 2u);

  // A clean close removes the session at once; a crash (renewals stop) after the TTL.
  ASSERT_TRUE((*q1)->Close().ok());
  (*q2)->Abandon();
  std::set<int64_t> down;
  const auto abandoned = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] {
    auto events = (*watch)->Next(std::chrono::milliseconds(200));
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (e.type == SessionEvent::Type::kDown) down.insert(e.session.node_id);
    }
    return down.size() == 2;
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - abandoned, ttl / 2) << "an abandoned session outlives part of its TTL";
  EXPECT_TRUE((*watch)->current().empty());
  EXPECT_TRUE(ListSessions(store, query_role)->empty());
  EXPECT_FALSE((*proxy)->lost());
  ASSERT_TRUE((*proxy)->Close().ok());
}

inline void SessionsNoticeALostLease(storage::MetaStore* store, const std::string& prefix, std::chrono::seconds ttl) {
  std::atomic<int> lost{0};
  SessionOptions options;
  options.ttl = ttl;
  options.on_lost = [&] { lost++; };
  auto session = Session::Register(store, Node(prefix + "datanode", "d:1"), options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  // The store ends the lease (as when renewals could not reach it for longer than the TTL).
  ASSERT_TRUE(store->RevokeLease((*session)->lease()).ok());
  ASSERT_TRUE(WaitUntil([&] { return lost.load() > 0; }));
  EXPECT_TRUE((*session)->lost());
  EXPECT_EQ(lost.load(), 1);
  EXPECT_TRUE(ListSessions(store, prefix + "datanode")->empty());
  EXPECT_TRUE((*session)->Close().ok());  // already gone: closing is still fine
}

inline void NodeIdsAreUniqueUnderConcurrency(storage::MetaStore* store, const std::string& prefix) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<int64_t> ids;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto s = Session::Register(store, Node(prefix + "indexnode", "i"), SessionOptions{});
        if (!s.ok()) {
          failures++;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        ids.insert((*s)->info().node_id);
        EXPECT_TRUE((*s)->Close().ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ids.size(), 20u);
}

inline void ElectionHasOneLeaderAndStandbysTakeOver(storage::MetaStore* store, const std::string& prefix,
                                                    std::chrono::seconds ttl) {
  const std::string name = prefix + "coord";
  ElectionOptions options;
  options.ttl = ttl;
  auto a = Election::Join(store, name, "a:1", options);
  auto b = Election::Join(store, name, "b:1", options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE((*b)->Leader()->has_value());
  ASSERT_TRUE(*(*a)->Campaign(std::chrono::milliseconds(0)));
  EXPECT_TRUE((*a)->leading());
  EXPECT_FALSE(*(*b)->Campaign(std::chrono::milliseconds(300)));
  EXPECT_FALSE((*b)->leading());
  EXPECT_EQ(**(*b)->Leader(), "a:1");
  EXPECT_TRUE(*(*a)->Campaign(std::chrono::milliseconds(0)));  // campaigning again while leading
  // The win's revision fences the leader's writes.
  EXPECT_EQ((*a)->key(), "quiver/election/" + name);
  EXPECT_EQ((*a)->revision(), (*store->Get((*a)->key()))->create_revision);
  EXPECT_EQ((*b)->revision(), 0);
  auto fenced_a = storage::NewFencedMetaStore(store, (*a)->key(), (*a)->revision());
  ASSERT_TRUE(fenced_a->Put(prefix + "fenced", "by a").ok());

  // The leader resigns: the standby, already waiting, takes over.
  std::atomic<bool> b_won{false};
  std::thread standby([&] { b_won = *(*b)->Campaign(std::chrono::seconds(15)); });
  ASSERT_TRUE((*a)->Resign().ok());
  standby.join();
  EXPECT_TRUE(b_won.load());
  EXPECT_FALSE((*a)->leading());
  EXPECT_EQ(**(*b)->Leader(), "b:1");
  EXPECT_GT((*b)->revision(), (*a)->revision());
  EXPECT_EQ(fenced_a->Put(prefix + "fenced", "by a, deposed").status().code(), StatusCode::kAborted);
  EXPECT_EQ((*store->Get(prefix + "fenced"))->value, "by a");
  auto fenced_b = storage::NewFencedMetaStore(store, (*b)->key(), (*b)->revision());
  ASSERT_TRUE(fenced_b->Put(prefix + "fenced", "by b").ok());

  // The leader crashes (stops renewing): a new candidate takes over once the lease expires.
  auto c = Election::Join(store, name, "c:1", options);
  ASSERT_TRUE(c.ok());
  (*b)->Abandon();
  ASSERT_TRUE(*(*c)->Campaign(ttl * 10));
  EXPECT_EQ(**(*c)->Leader(), "c:1");

  // The leader's lease is ended by the store: it learns it no longer leads.
  std::atomic<bool> told{false};
  ElectionOptions watched = options;
  watched.on_lost = [&] { told = true; };
  ASSERT_TRUE((*c)->Resign().ok());
  auto d = Election::Join(store, name, "d:1", watched);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(*(*d)->Campaign(ttl * 10));
  Result<std::optional<storage::KeyValue>> key = store->Get("quiver/election/" + name);
  ASSERT_TRUE(key.ok() && key->has_value());
  ASSERT_TRUE(store->RevokeLease((*key)->lease).ok());
  ASSERT_TRUE(WaitUntil([&] { return told.load(); }));
  EXPECT_FALSE((*d)->leading());
  EXPECT_FALSE((*d)->Leader()->has_value());
  EXPECT_FALSE((*d)->Campaign(std::chrono::milliseconds(0)).ok());  // it must join again
}

}  // namespace quiver::cluster::testing
