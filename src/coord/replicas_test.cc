#include "coord/replicas.h"

#include <gtest/gtest.h>

#include <set>

#include "cluster/session.h"
#include "common/testing_dir.h"

namespace quiver::coord {
namespace {

// A cluster of query nodes as the planner sees it, with a switch per (node, collection) saying
// whether the node has finished loading it.
struct World {
  std::map<int64_t, int32_t> wanted;
  std::vector<QueryNodeState> nodes;
  std::map<int64_t, CollectionReplicas> stored;
  std::set<std::pair<int64_t, int64_t>> loaded;  // (node, collection)

  void AddNode(int64_t id) { nodes.push_back({id, "node" + std::to_string(id) + ":1", false}); }
  void Kill(int64_t id) {
    std::erase_if(nodes, [&](const QueryNodeState& n) { return n.node_id == id; });
  }
  void Drain(int64_t id) {
    for (auto& n : nodes) {
      if (n.node_id == id) n.draining = true;
    }
  }
  // One planning round, applied to `stored`.
  PlanOutput Step() {
    PlanInput in{wanted, nodes, stored,
                 [this](int64_t node, const std::string&, int64_t c) { return loaded.count({node, c}) > 0; }, {}};
    PlanOutput out = PlanReplicas(in);
    for (int64_t id : out.remove) stored.erase(id);
    for (const auto& [id, r] : out.put) stored[id] = r;
    return out;
  }
  // Every node finishes loading what names it.
  void LoadAll() {
    for (const auto& [id, c] : stored) {
      for (const auto& r : c.replicas) loaded.insert({r.node_id, id});
    }
  }
  // Rounds until nothing changes (at most 20), loading everything between rounds.
  void Settle() {
    for (int i = 0; i < 20; ++i) {
      LoadAll();
      if (Step().put.empty()) return;
    }
    ADD_FAILURE() << "placement did not settle";
  }
  std::set<int64_t> NodesOf(int64_t collection) {
    std::set<int64_t> out;
    for (const auto& r : stored[collection].replicas) out.insert(r.node_id);
    return out;
  }
  size_t ServingOf(int64_t collection) { return stored[collection].Serving().size(); }
};

TEST(PlanReplicasTest, PlacesEachReplicaOnItsOwnNodeAndServesOnceLoaded) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 2;
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_EQ(w.NodesOf(10).size(), 2u);
  EXPECT_EQ(w.ServingOf(10), 0u);  // nothing loaded yet: nothing to route to
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 2u);
  EXPECT_TRUE(w.Step().put.empty());  // stable
}

TEST(PlanReplicasTest, ReplicasOfADeadNodeArePlacedAgainWhileTheOtherKeepsServing) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 2;
  w.Settle();
  int64_t victim = *w.NodesOf(10).begin();
  w.Kill(victim);
  w.Step();
  EXPECT_EQ(w.ServingOf(10), 1u);  // the survivor serves throughout
  EXPECT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_FALSE(w.NodesOf(10).count(victim));
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 2u);
}

TEST(PlanReplicasTest, TooFewNodesLeaveTheCollectionUnderReplicatedUntilOneJoins) {
  World w;
  w.AddNode(1);
  w.wanted[10] = 2;
  w.Settle();
  EXPECT_EQ(w.stored[10].replicas.size(), 1u);
  w.AddNode(2);
  w.Settle();
  EXPECT_EQ(w.NodesOf(10), (std::set<int64_t>{1, 2}));
}

TEST(PlanReplicasTest, ADrainingNodeKeepsServingUntilItsReplacementHasLoaded) {
  World w;
  w.AddNode(1);
  w.wanted[10] = 1;
  w.Settle();
  w.AddNode(2);
  w.Drain(1);
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_EQ(w.ServingOf(10), 1u);
  EXPECT_EQ(w.stored[10].Serving()[0].node_id, 1);  // still the old one
  w.Step();                                          // node 2 has not loaded yet: no change
  EXPECT_EQ(w.stored[10].Serving()[0].node_id, 1);
  w.Settle();
  EXPECT_EQ(w.NodesOf(10), (std::set<int64_t>{2}));
  EXPECT_EQ(w.ServingOf(10), 1u);
}

TEST(PlanReplicasTest, ADrainingNodeWithNowhereToGoKeepsItsReplica) {
  World w;
  w.AddNode(1);
  w.wanted[10] = 1;
  w.Settle();
  w.Drain(1);
  w.Settle();
  EXPECT_EQ(w.NodesOf(10), (std::set<int64_t>{1}));
  EXPECT_EQ(w.ServingOf(10), 1u);
}

TEST(PlanReplicasTest, ANewNodeTakesReplicasFromTheBusiestOne) {
  World w;
  w.AddNode(1);
  for (int64_t c : {10, 11, 12, 13}) w.wanted[c] = 1;
  w.Settle();
  for (int64_t c : {10, 11, 12, 13}) EXPECT_EQ(w.NodesOf(c), (std::set<int64_t>{1}));
  w.AddNode(2);
  w.Settle();
  std::map<int64_t, int> per_node;
  for (int64_t c : {10, 11, 12, 13}) {
    ASSERT_EQ(w.NodesOf(c).size(), 1u);
    ++per_node[*w.NodesOf(c).begin()];
    EXPECT_EQ(w.ServingOf(c), 1u);
  }
  EXPECT_EQ(per_node[1], 2);
  EXPECT_EQ(per_node[2], 2);
}

TEST(PlanReplicasTest, AMoveNeverLeavesACollectionWithoutAServingReplica) {
  World w;
  w.AddNode(1);
  for (int64_t c : {10, 11}) w.wanted[c] = 1;
  w.Settle();
  w.AddNode(2);
  for (int round = 0; round < 10; ++round) {
    w.Step();
    for (int64_t c : {10, 11}) EXPECT_GE(w.ServingOf(c), 1u) << "round " << round;
    w.LoadAll();
  }
}

TEST(PlanReplicasTest, FewerReplicasWantedDropsTheExtraAndReleaseRemovesTheRecord) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 3;
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 3u);
  w.wanted[10] = 1;
  w.Settle();
  EXPECT_EQ(w.stored[10].replicas.size(), 1u);
  EXPECT_EQ(w.ServingOf(10), 1u);
  w.wanted.clear();
  PlanOutput out = w.Step();
  EXPECT_EQ(out.remove, std::vector<int64_t>{10});
  EXPECT_TRUE(w.stored.empty());
}

TEST(PlanReplicasTest, ReplicaIdsAreNeverReused) {
  World w;
  for (int64_t n : {1, 2}) w.AddNode(n);
  w.wanted[10] = 1;
  w.Settle();
  int64_t first = w.stored[10].replicas[0].id;
  w.Kill(w.stored[10].replicas[0].node_id);
  w.Settle();
  EXPECT_GT(w.stored[10].replicas[0].id, first);
}

TEST(ReplicasCodecTest, RoundTrips) {
  CollectionReplicas c{7, 2, 5, {{3, 11, "a:1", true, 0}, {4, 12, "b:2", false, 3}}};
  auto back = DecodeReplicas(EncodeReplicas(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(DecodeReplicas("{").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeReplicas("{\"collection_id\": 1}").status().code(), StatusCode::kCorruption);
}

// The catalog reads the manager makes: one collection, loaded or not.
class OneCollection final : public cluster::CatalogReader {
 public:
  OneCollection() {
    auto c = std::make_shared<cluster::CollectionInfo>();
    c->id = 42;
    c->partitions.push_back({43, "_default", 0, 1});
    collection_ = c;
  }
  void Load(int32_t replicas) {
    auto c = std::make_shared<cluster::CollectionInfo>(*collection_);
    c->loaded_partitions = replicas > 0 ? std::vector<int64_t>{43} : std::vector<int64_t>{};
    c->replica_number = std::max(1, replicas);
    collection_ = c;
  }
  Result<cluster::CollectionPtr> DescribeCollectionById(int64_t) override { return collection_; }
  Result<std::vector<cluster::CollectionPtr>> ListAllCollections() override {
    return std::vector<cluster::CollectionPtr>{collection_};
  }
  cluster::CollectionPtr collection_;
};

// The manager over a real (embedded) metadata store: query nodes are sessions, a drain is a key.
TEST(ReplicaManagerTest, PlacesFromSessionsAndTheCatalog) {
  quiver::testing::TempDir dir;
  storage::LocalMetaStoreOptions options;
  options.path = dir.Sub("meta");
  auto store = std::move(storage::OpenLocalMetaStore(options)).value();
  OneCollection catalog;
  catalog.Load(2);
  cluster::CollectionPtr collection = catalog.collection_;

  std::set<std::pair<std::string, int64_t>> loaded;
  ReplicaManagerOptions manager_options;
  manager_options.progress = [&](const std::string& address, int64_t c) -> Result<int64_t> {
    return loaded.count({address, c}) ? 100 : 40;
  };
  ReplicaManager manager(store.get(), &catalog, manager_options);
  std::vector<std::unique_ptr<cluster::Session>> nodes;
  for (const char* address : {"q1:1", "q2:1"}) {
    cluster::SessionInfo info;
    info.role = "querynode";
    info.address = address;
    nodes.push_back(std::move(cluster::Session::Register(store.get(), info, {}).value()));
  }
  EXPECT_EQ(*manager.Capacity(), 2);
  ASSERT_TRUE(manager.RunOnce().ok());
  auto all = ListReplicas(store.get());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ((*all)[collection->id].replicas.size(), 2u);
  EXPECT_TRUE((*all)[collection->id].Serving().empty());
  loaded = {{"q1:1", collection->id}, {"q2:1", collection->id}};
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_EQ((*ListReplicas(store.get()))[collection->id].Serving().size(), 2u);

  ASSERT_TRUE(store->Put(DrainKey(nodes[0]->info().node_id), "", nodes[0]->lease()).ok());
  EXPECT_EQ(*manager.Capacity(), 1);
  ASSERT_TRUE(nodes[0]->Close().ok());  // its drain key goes with its lease
  EXPECT_EQ(*manager.Capacity(), 1);
  ASSERT_TRUE(manager.RunOnce().ok());
  auto after = (*ListReplicas(store.get()))[collection->id];
  ASSERT_EQ(after.replicas.size(), 1u);
  EXPECT_EQ(after.replicas[0].address, "q2:1");

  catalog.Load(0);
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_TRUE(ListReplicas(store.get())->empty());
}

}  // namespace
}  // namespace quiver::coord
