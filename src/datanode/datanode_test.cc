#include "datanode/datanode.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"

namespace quiver::datanode {
namespace {

using cluster::testing::FakeCoord;
using cluster::testing::InsertRows;
using cluster::testing::VectorSchema;

template <typename Fn>
bool Eventually(Fn fn, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fn();
}

class DataNodeTest : public ::testing::Test {
 protected:
  size_t Buffered(DataNode& node, int64_t collection) {
    auto rows = node.BufferedRows(collection);
    size_t total = 0;
    if (rows.ok()) {
      for (const auto& [partition, n] : *rows) total += n;
    }
    return total;
  }
  size_t FlushedRows(int64_t collection) {
    size_t total = 0;
    cluster::CollectionSegments segments = *coord_.GetSegments(collection);
    for (const auto& s : segments.segments) total += s.rows;
    return total;
  }

  FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  segment::ConsumerPool pool_{wal_.get(), {}};
  MetricsRegistry metrics_;
};

TEST_F(DataNodeTest, FlushWritesSegmentFilesAndCommitsTheCheckpoint) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
  ASSERT_TRUE(node.Start().ok());
  InsertRows(wal_.get(), *c, 0, 100, *coord_.AllocTimestamp(1));
  ASSERT_TRUE(Eventually([&] { return Buffered(node, c->id) == 100; }));
  auto flushed = node.Flush(c->id, std::chrono::seconds(20));
  ASSERT_TRUE(flushed.ok()) << flushed.status().ToString();
  ASSERT_EQ(flushed->size(), 1u);
  auto segments = *coord_.GetSegments(c->id);
  ASSERT_EQ(segments.segments.size(), 1u);
  EXPECT_EQ(segments.segments[0].rows, 100u);
  EXPECT_EQ(segments.segments[0].id, (*flushed)[0]);
  EXPECT_TRUE(objects_->Head(segments.segments[0].object_key).ok()) << "the segment file is in the object store";
  EXPECT_GT(segments.checkpoints[c->channels[0].name].lsn, 1u);
  EXPECT_EQ(Buffered(node, c->id), 0u);
  // Nothing left to flush: a second Flush writes no segment and lists the same one.
  auto again = node.Flush(c->id, std::chrono::seconds(20));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *flushed);
  EXPECT_EQ(coord_.GetSegments(c->id)->segments.size(), 1u);
  node.Stop();
}

TEST_F(DataNodeTest, SealsBySizeWithoutAFlushRequest) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  DataNodeOptions options;
  options.seal_rows = 50;
  DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, options);
  ASSERT_TRUE(node.Start().ok());
  for (int batch = 0; batch < 3; ++batch) {
    InsertRows(wal_.get(), *c, batch * 40, 40, *coord_.AllocTimestamp(1), static_cast<uint64_t>(batch) + 1);
  }
  // 120 rows against a 50-row limit: segments are sealed and flushed on their own.
  ASSERT_TRUE(Eventually([&] { return FlushedRows(c->id) >= 50; })) << FlushedRows(c->id);
  EXPECT_GE(coord_.GetSegments(c->id)->segments.size(), 1u);
  ASSERT_TRUE(node.Flush(c->id, std::chrono::seconds(20)).ok());
  EXPECT_EQ(FlushedRows(c->id), 120u);
  node.Stop();
}

TEST_F(DataNodeTest, ARestartedNodeResumesAtTheCheckpointWithoutDuplicates) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  {
    DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
    ASSERT_TRUE(node.Start().ok());
    InsertRows(wal_.get(), *c, 0, 100, *coord_.AllocTimestamp(1));
    ASSERT_TRUE(Eventually([&] { return Buffered(node, c->id) == 100; }));
    ASSERT_TRUE(node.Flush(c->id, std::chrono::seconds(20)).ok());
    InsertRows(wal_.get(), *c, 100, 30, *coord_.AllocTimestamp(1), 2);  // buffered, not flushed
    ASSERT_TRUE(Eventually([&] { return Buffered(node, c->id) == 30; }));
    node.Stop();
  }
  segment::ConsumerPool pool(wal_.get(), {});
  DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool, &metrics_, {});
  ASSERT_TRUE(node.Start().ok());
  // The 30 unflushed rows are replayed from the WAL; the 100 flushed ones are not read again.
  ASSERT_TRUE(Eventually([&] { return Buffered(node, c->id) == 30; })) << Buffered(node, c->id);
  ASSERT_TRUE(node.Flush(c->id, std::chrono::seconds(20)).ok());
  EXPECT_EQ(FlushedRows(c->id), 130u);
  std::set<segment::SegmentId> ids;
  cluster::CollectionSegments segments = *coord_.GetSegments(c->id);
  for (const auto& s : segments.segments) ids.insert(s.id);
  EXPECT_EQ(ids.size(), segments.segments.size());
  node.Stop();
}

// Distributed mode: two datanodes, each consuming the channels placed on it. A flush asked of
// either commits every channel; a channel that moves (consumed by both for a while) loses and
// duplicates nothing.
TEST_F(DataNodeTest, AChannelMovesBetweenDataNodesWithoutLossOrDuplicates) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  const std::string channel = c->channels[0].name;
  std::mutex mu;
  std::map<int, std::set<std::string>> placed{{1, {channel}}, {2, {}}};
  auto owned = [&](int node) {
    DataNodeOptions options;
    options.reconcile_interval = std::chrono::milliseconds(20);
    options.owned = [&, node]() -> Result<std::set<std::string>> {
      std::lock_guard<std::mutex> lock(mu);
      return placed[node];
    };
    return options;
  };
  auto place = [&](std::set<std::string> one, std::set<std::string> two) {
    std::lock_guard<std::mutex> lock(mu);
    placed[1] = std::move(one);
    placed[2] = std::move(two);
  };
  segment::ConsumerPool pool2(wal_.get(), {});
  DataNode a(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, owned(1));
  DataNode b(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool2, &metrics_, owned(2));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  EXPECT_EQ(a.Channels(), 1u);
  EXPECT_EQ(b.Channels(), 0u);
  InsertRows(wal_.get(), *c, 0, 100, *coord_.AllocTimestamp(1));
  ASSERT_TRUE(Eventually([&] { return Buffered(a, c->id) == 100; }));
  EXPECT_EQ(Buffered(b, c->id), 0u);
  // Asked of the node that does not consume the channel: it waits for the other's commit.
  auto flushed = b.Flush(c->id, std::chrono::seconds(20));
  ASSERT_TRUE(flushed.ok()) << flushed.status().ToString();
  EXPECT_EQ(FlushedRows(c->id), 100u);

  // Both consume it for a while (a move in progress), then only the new node.
  InsertRows(wal_.get(), *c, 100, 30, *coord_.AllocTimestamp(1), 2);
  place({channel}, {channel});
  ASSERT_TRUE(Eventually([&] { return Buffered(a, c->id) == 30 && Buffered(b, c->id) == 30; }));
  ASSERT_TRUE(a.Flush(c->id, std::chrono::seconds(20)).ok());
  EXPECT_EQ(FlushedRows(c->id), 130u);
  place({}, {channel});
  ASSERT_TRUE(Eventually([&] { return a.Channels() == 0; }));
  InsertRows(wal_.get(), *c, 130, 20, *coord_.AllocTimestamp(1), 3);
  ASSERT_TRUE(Eventually([&] { return Buffered(b, c->id) == 20; })) << Buffered(b, c->id);
  auto last = a.Flush(c->id, std::chrono::seconds(20));
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(FlushedRows(c->id), 150u);
  std::set<segment::SegmentId> ids;
  cluster::CollectionSegments segments = *coord_.GetSegments(c->id);
  for (const auto& s : segments.segments) ids.insert(s.id);
  EXPECT_EQ(ids.size(), segments.segments.size());
  a.Stop();
  b.Stop();
}

TEST_F(DataNodeTest, FlushOfAnUnknownCollectionFails) {
  DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
  ASSERT_TRUE(node.Start().ok());
  EXPECT_FALSE(node.Flush(424242, std::chrono::milliseconds(200)).ok());
  node.Stop();
}

}  // namespace
}  // namespace quiver::datanode
