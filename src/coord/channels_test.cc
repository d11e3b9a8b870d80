#include "coord/channels.h"

#include <gtest/gtest.h>

#include "cluster/session.h"
#include "common/testing_dir.h"
#include "coord/replicas.h"

namespace quiver::coord {
namespace {

std::map<int64_t, size_t> Loads(const std::map<std::string, int64_t>& a) {
  std::map<int64_t, size_t> out;
  for (const auto& [channel, node] : a) ++out[node];
  return out;
}

TEST(AssignChannelsTest, SpreadsNewChannelsEvenly) {
  auto a = AssignChannels({"c1", "c2", "c3", "c4", "c5"}, {1, 2}, {});
  ASSERT_EQ(a.size(), 5u);
  auto loads = Loads(a);
  EXPECT_EQ(loads[1] + loads[2], 5u);
  EXPECT_LE(loads[1] > loads[2] ? loads[1] - loads[2] : loads[2] - loads[1], 1u);
  EXPECT_TRUE(AssignChannels({"c1"}, {}, {}).empty());
}

TEST(AssignChannelsTest, KeepsChannelsWhereTheyAre) {
  std::map<std::string, int64_t> current{{"c1", 2}, {"c2", 1}, {"c3", 2}, {"c4", 1}};
  EXPECT_EQ(AssignChannels({"c1", "c2", "c3", "c4"}, {1, 2}, current), current);
}

TEST(AssignChannelsTest, ChannelsOfADeadNodeGoToTheLiving) {
  std::map<std::string, int64_t> current{{"c1", 1}, {"c2", 2}, {"c3", 3}, {"c4", 3}};
  auto a = AssignChannels({"c1", "c2", "c3", "c4"}, {1, 2}, current);
  EXPECT_EQ(a["c1"], 1);
  EXPECT_EQ(a["c2"], 2);
  EXPECT_NE(a["c3"], 3);
  EXPECT_NE(a["c4"], 3);
  EXPECT_EQ(Loads(a)[1], 2u);
  EXPECT_EQ(Loads(a)[2], 2u);
}

TEST(AssignChannelsTest, ANewNodeTakesAShareWithTheFewestMoves) {
  std::map<std::string, int64_t> current{{"c1", 1}, {"c2", 1}, {"c3", 1}, {"c4", 1}, {"c5", 2}, {"c6", 2}};
  auto a = AssignChannels({"c1", "c2", "c3", "c4", "c5", "c6"}, {1, 2, 3}, current);
  auto loads = Loads(a);
  EXPECT_EQ(loads[1], 2u);
  EXPECT_EQ(loads[2], 2u);
  EXPECT_EQ(loads[3], 2u);
  size_t moved = 0;
  for (const auto& [channel, node] : a) moved += current.at(channel) != node;
  EXPECT_EQ(moved, 2u);
  // One channel over two nodes: no move back and forth.
  EXPECT_EQ(AssignChannels({"c1"}, {1, 2}, {{"c1", 2}}), (std::map<std::string, int64_t>{{"c1", 2}}));
}

TEST(AssignChannelsTest, DroppedChannelsLeave) {
  auto a = AssignChannels({"c2"}, {1}, {{"c1", 1}, {"c2", 1}});
  EXPECT_EQ(a, (std::map<std::string, int64_t>{{"c2", 1}}));
}

class TwoChannels final : public cluster::CatalogReader {
 public:
  TwoChannels() {
    auto c = std::make_shared<cluster::CollectionInfo>();
    c->id = 7;
    c->channels = {{"ch_a", 1}, {"ch_b", 2}};
    collection_ = c;
  }
  Result<cluster::CollectionPtr> DescribeCollectionById(int64_t) override { return collection_; }
  Result<std::vector<cluster::CollectionPtr>> ListAllCollections() override {
    if (dropped) return std::vector<cluster::CollectionPtr>{};
    return std::vector<cluster::CollectionPtr>{collection_};
  }
  cluster::CollectionPtr collection_;
  bool dropped = false;
};

// The manager over a real (embedded) metadata store: datanodes are sessions, a drain is a key.
TEST(ChannelManagerTest, AssignsFromSessionsAndTheCatalog) {
  quiver::testing::TempDir dir;
  storage::LocalMetaStoreOptions options;
  options.path = dir.Sub("meta");
  auto store = std::move(storage::OpenLocalMetaStore(options)).value();
  TwoChannels catalog;
  ChannelManager manager(store.get(), &catalog, {});
  // No datanode yet: nothing assigned.
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_TRUE(ListChannelAssignment(store.get())->empty());

  std::vector<std::unique_ptr<cluster::Session>> nodes;
  auto add = [&] {
    cluster::SessionInfo info;
    info.role = "datanode";
    info.address = "d:1";
    nodes.push_back(std::move(cluster::Session::Register(store.get(), info, {}).value()));
    return nodes.back()->info().node_id;
  };
  const int64_t first = add();
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_EQ(ChannelsOf(store.get(), first)->size(), 2u);
  const int64_t second = add();
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_EQ(ChannelsOf(store.get(), first)->size(), 1u);
  EXPECT_EQ(ChannelsOf(store.get(), second)->size(), 1u);

  // A drain hands the node's channels to the other; a dead node's channels stay until one is up.
  ASSERT_TRUE(store->Put(DrainKey(first), "", nodes[0]->lease()).ok());
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_TRUE(ChannelsOf(store.get(), first)->empty());
  EXPECT_EQ(ChannelsOf(store.get(), second)->size(), 2u);
  ASSERT_TRUE(nodes[0]->Close().ok());
  ASSERT_TRUE(nodes[1]->Close().ok());
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_EQ(ChannelsOf(store.get(), second)->size(), 2u);
  const int64_t third = add();
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_EQ(ChannelsOf(store.get(), third)->size(), 2u);

  catalog.dropped = true;
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_TRUE(ListChannelAssignment(store.get())->empty());
}

}  // namespace
}  // namespace quiver::coord
