#include "datanode/datanode.h"

#include <gtest/gtest.h>

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

TEST_F(DataNodeTest, FlushOfAnUnknownCollectionFails) {
  DataNode node(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
  ASSERT_TRUE(node.Start().ok());
  EXPECT_FALSE(node.Flush(424242, std::chrono::milliseconds(200)).ok());
  node.Stop();
}

}  // namespace
}  // namespace quiver::datanode
