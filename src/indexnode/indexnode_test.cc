#include "indexnode/indexnode.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/testing/fake_coord.h"
#include "cluster/testing/wal_rows.h"
#include "datanode/datanode.h"

namespace quiver::indexnode {
namespace {

using cluster::testing::FakeCoord;
using cluster::testing::InsertRows;
using cluster::testing::VectorSchema;

cluster::IndexInfo Hnsw(const cluster::CollectionInfo& c, const std::string& params) {
  cluster::IndexInfo index;
  index.id = 77;
  index.name = "v_idx";
  index.field_id = c.schema->fields[1].id;
  index.field_name = "v";
  index.index_type = "HNSW";
  index.metric_type = "L2";
  index.params = {{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", params}};
  return index;
}

class IndexNodeTest : public ::testing::Test {
 protected:
  FakeCoord coord_;
  std::unique_ptr<storage::Wal> wal_ = storage::NewMemoryWal();
  std::unique_ptr<storage::ObjectStore> objects_ = storage::NewMemoryObjectStore();
  segment::ConsumerPool pool_{wal_.get(), {}};
  MetricsRegistry metrics_;
};

TEST_F(IndexNodeTest, BuildsAnIndexPerFlushedSegmentAndRecordsIt) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  auto indexed = std::make_shared<cluster::CollectionInfo>(*c);
  indexed->indexes = {Hnsw(*c, R"({"M":8,"efConstruction":32})")};
  coord_.Put(indexed);
  InsertRows(wal_.get(), *c, 0, 300, *coord_.AllocTimestamp(1));
  datanode::DataNode data(&coord_, &coord_, &coord_, wal_.get(), objects_.get(), &pool_, &metrics_, {});
  ASSERT_TRUE(data.Start().ok());
  ASSERT_TRUE(data.Flush(c->id, std::chrono::seconds(20)).ok());

  IndexNodeOptions options;
  options.schedule_interval = std::chrono::milliseconds(20);
  IndexNode node(&coord_, &coord_, objects_.get(), &metrics_, options);
  ASSERT_TRUE(node.Start().ok());
  node.Poke();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (coord_.GetSegments(c->id)->indexes.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto segments = *coord_.GetSegments(c->id);
  ASSERT_EQ(segments.indexes.size(), 1u);
  const auto& built = segments.indexes[0];
  EXPECT_EQ(built.index_id, 77);
  EXPECT_EQ(built.segment_id, segments.segments[0].id);
  EXPECT_EQ(built.family, "HNSW");
  EXPECT_EQ(built.rows, 300u);
  EXPECT_EQ(built.object_key, IndexObjectKey(c->id, 77, static_cast<int64_t>(built.segment_id)));
  auto head = objects_->Head(built.object_key);
  ASSERT_TRUE(head.ok());
  EXPECT_GT(head->size, 0u);
  // Nothing is built twice.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(coord_.GetSegments(c->id)->indexes.size(), 1u);
  EXPECT_EQ(node.Pending(), 0u);
  node.Stop();
  data.Stop();
}

TEST_F(IndexNodeTest, BuildSpecsComeFromTheCatalogAndBadParametersAreRefused) {
  auto c = coord_.AddCollection(wal_.get(), "c", VectorSchema(4));
  auto spec = BuildSpecFor(*c, Hnsw(*c, R"({"M":8,"efConstruction":32})"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto bad = BuildSpecFor(*c, Hnsw(*c, R"({"M":-3})"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quiver::indexnode
