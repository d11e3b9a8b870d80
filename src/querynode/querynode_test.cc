#include "querynode/querynode.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"
#include "datanode/datanode.h"
#include "expr/binder.h"

namespace quiver::querynode {
namespace {

using cluster::testing::DeleteRows;
using cluster::testing::FakeCoord;
using cluster::testing::InsertRows;
using cluster::testing::VectorSchema;

class QueryNodeTest : public ::testing::Test {
 protected:
  cluster::CollectionPtr Loaded(const cluster::CollectionPtr& c) {
    auto loaded = std::make_shared<cluster::CollectionInfo>(*c);
    loaded->loaded_partitions = {c->partitions[0].id};
    coord_.Put(loaded);
    return loaded;
  }
  void CatchUp(QueryNode& node, const cluster::CollectionInfo& c) {
    std::map<std::string, storage::Lsn> positions;
    for (const auto& ch : c.channels) positions[ch.name] = *wal_->LastLsn(ch.name);
    ASSERT_TRUE(node.WaitConsumed(positions, std::chrono::seconds(20)).ok());
  }
  // The vector of row `row` of `chunk`.
  std::vector<float> VectorOf(const schema::DataChunk& chunk, const cluster::CollectionInfo& c, size_t row) {
    const auto& field = c.schema->fields[1];
    const schema::ColumnChunk* column = chunk.Find(field.id);
    const float* data = reinterpret_cast<const float*>(column->data.data());
    return {data + row * 4, data + row * 4 + 4};
  }
  Result<cluster::SearchResult> Nearest(QueryNode& node, const cluster::CollectionInfo& c, std::vector<float> query,
                                        size_t limit) {
    cluster::SearchRequest request;
    request.collection_id = c.id;
    request.field_id = c.schema->fields[1].id;
    request.metric = index::MetricType::kL2;
    request.queries.field_type = schema::DataType::kFloatVector;
    request.queries.dim = 4;
    request.queries.floats = std::move(query);
    request.limit = limit;
    return node.Search(request);
  }
  Result<size_t> Count(QueryNode& node, const cluster::CollectionInfo& c, const std::string& filter) {
    cluster::QueryRequest request;
    request.collection_id = c.id;
    QUIVER_ASSIGN_OR_RETURN(auto plan, expr::CompileFilter(filter, *c.schema, {}));
    request.filter = std::shared_ptr<const expr::PlanNode>(std::move(plan));
    request.count_only = true;
    QUIVER_ASSIGN_OR_RETURN(cluster::QueryResult result, node.Query(request));
    return result.count;
  }

  FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  segment::ConsumerPool pool_{wal_.get(), {}};
  ThreadPool search_pool_{"search", 2, 64};
  MetricsRegistry metrics_;
};

TEST_F(QueryNodeTest, SearchesGrowingAndFlushedDataAndHonoursDeletes) {
  auto c = Loaded(coord_.AddCollection(wal_.get(), "c", VectorSchema(4)));
  auto rows = InsertRows(wal_.get(), *c, 0, 200, *coord_.AllocTimestamp(1));
  QueryNode node(&coord_, wal_.get(), objects_.get(), &search_pool_, &pool_, &metrics_);
  ASSERT_TRUE(node.Start().ok());
  ASSERT_TRUE(node.LoadCollection(c, {}).ok());
  CatchUp(node, *c);
  EXPECT_EQ(*node.LoadingProgress(c->id, {}), 100);

  auto hit = Nearest(node, *c, VectorOf(*rows, *c, 17), 3);
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  ASSERT_EQ(hit->counts, std::vector<size_t>{3});
  EXPECT_EQ(std::get<int64_t>(hit->pks[0]), 17);
  EXPECT_NEAR(hit->distances[0], 0.0f, 1e-6);
  EXPECT_LE(hit->distances[0], hit->distances[1]);
  auto all = Count(node, *c, "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, 200u);
  auto some = Count(node, *c, "id < 50");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, 50u);

  DeleteRows(wal_.get(), *c, {int64_t{17}}, *coord_.AllocTimestamp(1));
  CatchUp(node, *c);
  hit = Nearest(node, *c, VectorOf(*rows, *c, 17), 1);
  ASSERT_TRUE(hit.ok());
  EXPECT_NE(std::get<int64_t>(hit->pks[0]), 17) << "a deleted row is never returned";
  EXPECT_EQ(*Count(node, *c, ""), 199u);

  // Flushed by a datanode: the querynode swaps the growing rows for the sealed segment and
  // answers the same.
  datanode::DataNode data(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
  ASSERT_TRUE(data.Start().ok());
  ASSERT_TRUE(data.Flush(c->id, std::chrono::seconds(20)).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the querynode's sync interval
    if (*Count(node, *c, "") == 199u) break;
  }
  EXPECT_EQ(*Count(node, *c, ""), 199u);
  hit = Nearest(node, *c, VectorOf(*rows, *c, 42), 1);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(std::get<int64_t>(hit->pks[0]), 42);
  data.Stop();
  node.Stop();
}

// The registry as it was before a flush, for one read: a querynode that loads from that
// checkpoint finds the records after it truncated (the datanode flushed them meanwhile).
class StaleFirstRead final : public cluster::SegmentRegistryClient {
 public:
  StaleFirstRead(cluster::SegmentRegistryClient* real, cluster::CollectionSegments stale)
      : real_(real), stale_(std::move(stale)) {}
  Status CommitFlush(int64_t id, const std::string& channel, const std::vector<cluster::SegmentInfo>& segments,
                     const std::optional<cluster::DeltaInfo>& delta, const cluster::Checkpoint& checkpoint) override {
    return real_->CommitFlush(id, channel, segments, delta, checkpoint);
  }
  Result<cluster::CollectionSegments> GetSegments(int64_t id) override {
    if (stale_) {
      cluster::CollectionSegments out = std::move(*stale_);
      stale_.reset();
      return out;
    }
    return real_->GetSegments(id);
  }
  Status CommitSegmentIndex(const cluster::SegmentIndexInfo& info) override { return real_->CommitSegmentIndex(info); }
  Status DiscardSegmentIndex(const cluster::SegmentIndexInfo& info) override { return real_->DiscardSegmentIndex(info); }

 private:
  cluster::SegmentRegistryClient* real_;
  std::optional<cluster::CollectionSegments> stale_;
};

TEST_F(QueryNodeTest, ACopyWhoseUnreadRecordsWereTruncatedReloadsFromTheCheckpoint) {
  auto c = Loaded(coord_.AddCollection(wal_.get(), "c", VectorSchema(4)));
  InsertRows(wal_.get(), *c, 0, 120, *coord_.AllocTimestamp(1));
  auto before_flush = coord_.GetSegments(c->id);
  ASSERT_TRUE(before_flush.ok());
  {
    datanode::DataNode data(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
    ASSERT_TRUE(data.Start().ok());
    ASSERT_TRUE(data.Flush(c->id, std::chrono::seconds(20)).ok());
    data.Stop();
  }
  ASSERT_GT(*wal_->FirstLsn(c->channels[0].name), 1u) << "the flush truncated the channel";
  StaleFirstRead registry(&coord_, *before_flush);
  QueryNode node(&registry, wal_.get(), objects_.get(), &search_pool_, &pool_, &metrics_);
  ASSERT_TRUE(node.Start().ok());
  ASSERT_TRUE(node.LoadCollection(c, {}).ok());
  // The consumer finds its records gone; the querynode reloads from the current checkpoint and
  // serves the flushed rows, then follows the channel again.
  InsertRows(wal_.get(), *c, 1000, 30, *coord_.AllocTimestamp(1));
  size_t count = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::map<std::string, storage::Lsn> positions;
    for (const auto& ch : c->channels) positions[ch.name] = *wal_->LastLsn(ch.name);
    if (node.WaitConsumed(positions, std::chrono::milliseconds(100)).ok()) {
      count = *Count(node, *c, "");
      if (count == 150u) break;
    }
  }
  EXPECT_EQ(count, 150u);
  EXPECT_EQ(*Count(node, *c, "id >= 1000"), 30u);
  node.Stop();
}

TEST_F(QueryNodeTest, AReleasedCollectionIsNotSearched) {
  auto c = Loaded(coord_.AddCollection(wal_.get(), "c", VectorSchema(4)));
  QueryNode node(&coord_, wal_.get(), objects_.get(), &search_pool_, &pool_, &metrics_);
  ASSERT_TRUE(node.Start().ok());
  ASSERT_TRUE(node.LoadCollection(c, {}).ok());
  ASSERT_TRUE(node.ReleaseCollection(c->id).ok());
  EXPECT_FALSE(Nearest(node, *c, {0, 0, 0, 0}, 1).ok());
  EXPECT_FALSE(node.LoadingProgress(c->id, {}).ok());
  node.Stop();
}

TEST_F(QueryNodeTest, ADamagedSegmentFileFailsTheLoadWithTheReason) {
  auto c = Loaded(coord_.AddCollection(wal_.get(), "c", VectorSchema(4)));
  InsertRows(wal_.get(), *c, 0, 50, *coord_.AllocTimestamp(1));
  {
    datanode::DataNode data(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
    ASSERT_TRUE(data.Start().ok());
    ASSERT_TRUE(data.Flush(c->id, std::chrono::seconds(20)).ok());
    data.Stop();
  }
  auto segments = *coord_.GetSegments(c->id);
  ASSERT_EQ(segments.segments.size(), 1u);
  ASSERT_TRUE(objects_->Put(segments.segments[0].object_key, "this is not a segment file").ok());
  QueryNode node(&coord_, wal_.get(), objects_.get(), &search_pool_, &pool_, &metrics_);
  ASSERT_TRUE(node.Start().ok());
  Status loaded = node.LoadCollection(c, {});
  EXPECT_FALSE(loaded.ok());
  Status why = node.LoadError(c->id);
  EXPECT_FALSE(why.ok());
  EXPECT_EQ(why.code(), StatusCode::kCorruption) << why.ToString();
  node.Stop();
}

}  // namespace
}  // namespace quiver::querynode
