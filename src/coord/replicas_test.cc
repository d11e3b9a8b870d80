#include "coord/replicas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "cluster/session.h"
#include "common/testing_dir.h"

namespace quiver::coord {
namespace {

// A cluster of query nodes as the planner sees it, with a switch per (node, collection, members)
// saying whether the node has finished loading that share.
struct World {
  std::map<int64_t, int32_t> wanted;
  std::vector<QueryNodeState> nodes;
  std::map<int64_t, CollectionReplicas> stored;
  std::set<std::tuple<int64_t, int64_t, int64_t>> loaded;  // (node, collection, replica)
  std::map<int64_t, std::vector<SegmentRows>> segments;     // sealed segments per collection

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
                 [this](int64_t node, const std::string&, int64_t c, int64_t replica) {
                   return loaded.count({node, c, replica}) > 0;
                 },
                 {},
                 segments};
    PlanOutput out = PlanReplicas(in);
    for (int64_t id : out.remove) stored.erase(id);
    for (const auto& [id, r] : out.put) stored[id] = r;
    return out;
  }
  // Every node finishes loading the shares that name it.
  void LoadAll() {
    for (const auto& [id, c] : stored) {
      for (const auto& r : c.replicas) {
        for (const auto& n : r.nodes) loaded.insert({n.node_id, id, r.id});
      }
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
    for (const auto& r : stored[collection].replicas) {
      for (const auto& n : r.nodes) out.insert(n.node_id);
    }
    return out;
  }
  // The node sets of the collection's replicas.
  std::vector<cluster::ReplicaMembers> Sets(int64_t collection) {
    std::vector<cluster::ReplicaMembers> out;
    for (const auto& r : stored[collection].replicas) out.push_back(r.Members());
    std::sort(out.begin(), out.end());
    return out;
  }
  size_t ServingOf(int64_t collection) { return stored[collection].Serving().size(); }
};

TEST(PlanReplicasTest, DividesTheNodesAmongTheReplicasAndServesOnceLoaded) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 2;
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1, 3}, {2}}));  // each node in one replica
  EXPECT_EQ(w.ServingOf(10), 0u);  // nothing loaded yet: nothing to route to
  for (const auto& r : w.stored[10].replicas) {
    if (r.Members() == cluster::ReplicaMembers{1, 3}) w.loaded.insert({1, 10, r.id});
  }
  w.Step();
  EXPECT_EQ(w.ServingOf(10), 0u);  // a replica serves once every one of its nodes has loaded
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 2u);
  EXPECT_TRUE(w.Step().put.empty());  // stable
}

TEST(PlanReplicasTest, OneReplicaSpreadsOverEveryNodeAndANewNodeJoinsIt) {
  World w;
  for (int64_t n : {1, 2}) w.AddNode(n);
  for (int64_t c : {10, 11}) w.wanted[c] = 1;
  w.Settle();
  for (int64_t c : {10, 11}) EXPECT_EQ(w.Sets(c), (std::vector<cluster::ReplicaMembers>{{1, 2}}));
  w.AddNode(3);
  w.Step();
  // Every collection moves to the three nodes: the new replica loads while the old one serves.
  for (int64_t c : {10, 11}) {
    EXPECT_EQ(w.Sets(c), (std::vector<cluster::ReplicaMembers>{{1, 2}, {1, 2, 3}}));
    ASSERT_EQ(w.ServingOf(c), 1u);
    EXPECT_EQ(w.stored[c].Serving()[0].Members(), (cluster::ReplicaMembers{1, 2}));
  }
  w.Settle();
  for (int64_t c : {10, 11}) {
    EXPECT_EQ(w.Sets(c), (std::vector<cluster::ReplicaMembers>{{1, 2, 3}}));
    EXPECT_EQ(w.ServingOf(c), 1u);
  }
}

TEST(PlanReplicasTest, AReplicaThatLostANodeIsPlacedAgainOnTheOthers) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 1;
  w.Settle();
  const int64_t first = w.stored[10].replicas[0].id;
  w.Kill(2);
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 1u);
  EXPECT_GT(w.stored[10].replicas[0].id, first);  // a new replica: the old one lost a share
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1, 3}}));
  EXPECT_EQ(w.ServingOf(10), 0u);
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 1u);
}

TEST(PlanReplicasTest, ReplicasOfADeadNodeArePlacedAgainWhileTheOtherKeepsServing) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 2;
  w.Settle();
  w.Kill(2);  // the node of the one-node replica ({1, 3} and {2})
  for (int round = 0; round < 8; ++round) {
    w.Step();
    EXPECT_GE(w.ServingOf(10), 1u) << "round " << round;  // the survivor serves throughout
    EXPECT_FALSE(w.NodesOf(10).count(2));
    w.LoadAll();
  }
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 2u);
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1}, {3}}));
}

TEST(PlanReplicasTest, TooFewNodesLeaveTheCollectionUnderReplicatedUntilOneJoins) {
  World w;
  w.AddNode(1);
  w.wanted[10] = 2;
  w.Settle();
  EXPECT_EQ(w.stored[10].replicas.size(), 1u);
  w.AddNode(2);
  w.Settle();
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1}, {2}}));
  EXPECT_EQ(w.ServingOf(10), 2u);
}

TEST(PlanReplicasTest, ADrainingNodeKeepsServingUntilItsReplacementHasLoaded) {
  World w;
  for (int64_t n : {1, 2}) w.AddNode(n);
  w.wanted[10] = 1;
  w.Settle();
  w.Drain(1);
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_EQ(w.ServingOf(10), 1u);
  EXPECT_EQ(w.stored[10].Serving()[0].Members(), (cluster::ReplicaMembers{1, 2}));  // still the old one
  w.Step();  // node 2 has not loaded its new share yet: no change
  EXPECT_EQ(w.stored[10].Serving()[0].Members(), (cluster::ReplicaMembers{1, 2}));
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

TEST(PlanReplicasTest, AMoveNeverLeavesACollectionWithoutAServingReplica) {
  World w;
  w.AddNode(1);
  for (int64_t c : {10, 11}) w.wanted[c] = 1;
  w.Settle();
  w.AddNode(2);
  w.AddNode(3);
  for (int round = 0; round < 10; ++round) {
    w.Step();
    for (int64_t c : {10, 11}) EXPECT_GE(w.ServingOf(c), 1u) << "round " << round;
    w.LoadAll();
    if (round == 4) w.Drain(1);
  }
  w.Settle();
  for (int64_t c : {10, 11}) EXPECT_EQ(w.Sets(c), (std::vector<cluster::ReplicaMembers>{{2, 3}}));
}

TEST(PlanReplicasTest, FewerReplicasWantedDropsTheExtraAndReleaseRemovesTheRecord) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 3;
  w.Settle();
  EXPECT_EQ(w.ServingOf(10), 3u);
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1}, {2}, {3}}));
  w.wanted[10] = 1;
  w.Settle();
  EXPECT_EQ(w.Sets(10), (std::vector<cluster::ReplicaMembers>{{1, 2, 3}}));  // the one left takes every node
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
  w.Kill(w.stored[10].replicas[0].nodes[0].node_id);
  w.Settle();
  EXPECT_GT(w.stored[10].replicas[0].id, first);
}

TEST(DivideSegmentsTest, KeepsSegmentsWhereTheyWereAndEvensOutTheRows) {
  std::vector<SegmentRows> segments;
  for (int i = 0; i < 12; ++i) segments.push_back({100 + i, static_cast<size_t>(i % 3 == 0 ? 1000 : 100)});
  // All on node 1 before: node 2 and 3 join; rows end within one segment of each other.
  auto owners = DivideSegments({1, 2, 3}, segments, [](segment::SegmentId) { return int64_t{1}; });
  ASSERT_EQ(owners.size(), segments.size());
  cluster::ReplicaShare share{5, {1, 2, 3}, owners};
  auto rows = RowsPerNode(share, segments);
  EXPECT_EQ(rows[1] + rows[2] + rows[3], 4 * 1000 + 8 * 100u);
  EXPECT_LE(RowSpread(rows), 1000u) << "rows " << rows[1] << " " << rows[2] << " " << rows[3];
  EXPECT_GT(std::min({rows[1], rows[2], rows[3]}), 0u);
  EXPECT_EQ(RowSpread({}), 0u);
  // Balanced already: nothing moves.
  EXPECT_EQ(DivideSegments({1, 2, 3}, segments, [&](segment::SegmentId s) { return owners.at(s); }), owners);
  // A node gone: its segments go, the others stay where they were unless evening out moves them.
  auto two = DivideSegments({1, 3}, segments, [&](segment::SegmentId s) { return owners.at(s); });
  size_t stayed = 0;
  for (const auto& [segment, node] : two) stayed += owners.at(segment) == node ? 1 : 0;
  size_t on_two = 0;
  for (const auto& [segment, node] : owners) on_two += node == 2 ? 1 : 0;
  EXPECT_EQ(stayed, segments.size() - on_two);  // only the gone node's segments move
}

TEST(PlanReplicasTest, SplitReplicasPinTheirSegmentsAndDivideThemAgainWhenRowsDrift) {
  World w;
  for (int64_t n : {1, 2, 3}) w.AddNode(n);
  w.wanted[10] = 1;
  for (int i = 0; i < 6; ++i) w.segments[10].push_back({1000 + i, 500});
  w.Settle();
  ASSERT_EQ(w.stored[10].replicas.size(), 1u);
  Replica placed = w.stored[10].replicas[0];
  EXPECT_EQ(placed.pinned.size(), 6u);
  EXPECT_EQ(RowsPerNode(placed.Share(), w.segments[10]), (std::map<int64_t, size_t>{{1, 1000}, {2, 1000}, {3, 1000}}));
  // Segments flushed later go by hashing: six that all hash to node 1 put it 3,000 rows ahead, so
  // the replica moves to the same nodes with the segments divided again (loading first).
  for (segment::SegmentId s = 2000; w.segments[10].size() < 12; s += 65536) {
    if (cluster::HashedOwner(s, {1, 2, 3}) == 1) w.segments[10].push_back({s, 500});
  }
  auto spread = [&](const cluster::ReplicaShare& share) { return RowSpread(RowsPerNode(share, w.segments[10])); };
  ASSERT_EQ(spread(placed.Share()), 3000u);
  w.Step();
  ASSERT_EQ(w.stored[10].replicas.size(), 2u);
  EXPECT_EQ(w.stored[10].Serving()[0].id, placed.id);  // the old division serves until the new one loads
  EXPECT_EQ(w.stored[10].replicas[1].Members(), placed.Members());
  w.Settle();
  ASSERT_EQ(w.stored[10].replicas.size(), 1u);
  EXPECT_GT(w.stored[10].replicas[0].id, placed.id);
  EXPECT_LE(spread(w.stored[10].replicas[0].Share()), 500u);
  EXPECT_EQ(w.stored[10].replicas[0].pinned.size(), 12u);
  EXPECT_TRUE(w.Step().put.empty());  // no churn once even
}

TEST(ReplicasCodecTest, RoundTrips) {
  CollectionReplicas c{7, 2, 5,
                       {{3, {{11, "a:1"}, {13, "c:3"}}, true, 0, kDefaultResourceGroup, {{100, 11}, {101, 13}}},
                        {4, {{12, "b:2"}}, false, 3, "rg1", {}}}};
  auto back = DecodeReplicas(EncodeReplicas(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(DecodeReplicas("{").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeReplicas("{\"collection_id\": 1}").status().code(), StatusCode::kCorruption);
  // A record written before replicas were split names one node.
  auto old = DecodeReplicas(
      R"({"collection_id":7,"replica_number":1,"next_id":2,"replicas":[{"id":1,"node_id":11,"address":"a:1","serving":true}]})");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->replicas[0].nodes, (std::vector<ReplicaNode>{{11, "a:1"}}));
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
  manager_options.progress = [&](const std::string& address, int64_t c, int64_t) -> Result<int64_t> {
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
  EXPECT_EQ(after.replicas[0].nodes, (std::vector<ReplicaNode>{{nodes[1]->info().node_id, "q2:1"}}));

  catalog.Load(0);
  ASSERT_TRUE(manager.RunOnce().ok());
  EXPECT_TRUE(ListReplicas(store.get())->empty());
}

}  // namespace
}  // namespace quiver::coord
