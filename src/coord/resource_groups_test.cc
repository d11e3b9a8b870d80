#include "coord/resource_groups.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "common/testing_dir.h"
#include "coord/replicas.h"

namespace quiver::coord {
namespace {

std::map<std::string, ResourceGroupConfig> Groups(std::map<std::string, ResourceGroupConfig> custom) {
  custom[kDefaultResourceGroup] = ResourceGroupConfig{0, kDefaultGroupLimit, {}, {}, {}};
  return custom;
}

std::map<std::string, int> Sizes(const std::map<int64_t, std::string>& assignment) {
  std::map<std::string, int> out;
  for (const auto& [node, group] : assignment) ++out[group];
  return out;
}

TEST(AssignNodesTest, NewNodesGoToTheDefaultGroupAndGroupsTakeWhatTheyRequest) {
  auto groups = Groups({{"rg1", {1, 1, {}, {}, {}}}, {"rg2", {2, 3, {}, {}, {}}}});
  auto out = AssignNodes(groups, {1, 2, 3, 4, 5}, {});
  EXPECT_EQ(Sizes(out), (std::map<std::string, int>{{kDefaultResourceGroup, 2}, {"rg1", 1}, {"rg2", 2}}));
  // Stable: the same input changes nothing.
  EXPECT_EQ(AssignNodes(groups, {1, 2, 3, 4, 5}, out), out);
}

TEST(AssignNodesTest, TooFewNodesLeaveARequestUnmetWithoutStealingBelowOtherRequests) {
  auto groups = Groups({{"rg1", {2, 2, {}, {}, {}}}, {"rg2", {2, 2, {}, {}, {}}}});
  auto out = AssignNodes(groups, {1, 2, 3}, {});
  auto sizes = Sizes(out);
  EXPECT_EQ(sizes["rg1"] + sizes["rg2"], 3);
  EXPECT_EQ(sizes[kDefaultResourceGroup], 0);
  // A fourth node fills the group that is short.
  out = AssignNodes(groups, {1, 2, 3, 4}, out);
  EXPECT_EQ(Sizes(out), (std::map<std::string, int>{{"rg1", 2}, {"rg2", 2}}));
}

TEST(AssignNodesTest, AGroupOverItsLimitGivesNodesToItsTransferToGroupFirst) {
  auto groups = Groups({{"rg1", {0, 1, {}, {"rg2"}, {}}}, {"rg2", {0, 5, {}, {}, {}}}});
  std::map<int64_t, std::string> current{{1, "rg1"}, {2, "rg1"}, {3, "rg1"}};
  auto out = AssignNodes(groups, {1, 2, 3}, current);
  EXPECT_EQ(Sizes(out), (std::map<std::string, int>{{"rg1", 1}, {"rg2", 2}}));
  EXPECT_EQ(out[1], "rg1");  // the oldest node stays
}

TEST(AssignNodesTest, AGroupUnderItsRequestsTakesFromItsTransferFromGroupFirst) {
  auto groups = Groups({{"rg1", {1, 2, {}, {}, {}}}, {"rg2", {0, 2, {}, {}, {}}}, {"rg3", {1, 1, {"rg2"}, {}, {}}}});
  std::map<int64_t, std::string> current{{1, "rg1"}, {2, "rg1"}, {3, "rg2"}, {4, kDefaultResourceGroup}};
  auto out = AssignNodes(groups, {1, 2, 3, 4}, current);
  EXPECT_EQ(out[3], "rg3");  // from rg2, as asked, not from the default group
  EXPECT_EQ(out[4], kDefaultResourceGroup);
}

TEST(AssignNodesTest, NodesOfADroppedGroupAndDeadNodesAreHandled) {
  auto groups = Groups({});
  auto out = AssignNodes(groups, {2}, {{1, "gone"}, {2, "gone"}});
  EXPECT_EQ(out, (std::map<int64_t, std::string>{{2, kDefaultResourceGroup}}));
}

// node_filter: a group takes only nodes carrying its labels, however many it requests, and a
// node whose labels no longer fit (or a filter added later) goes back to the default group.
TEST(AssignNodesTest, AGroupWithANodeFilterTakesOnlyNodesWithItsLabels) {
  auto groups = Groups({{"gpu", {2, 2, {}, {}, {{"zone", "b"}, {"gpu", "a100"}}}}, {"any", {1, 1, {}, {}, {}}}});
  std::map<int64_t, std::map<std::string, std::string>> labels{
      {1, {{"zone", "b"}, {"gpu", "a100"}}}, {2, {{"zone", "b"}}}, {3, {}}, {4, {{"zone", "b"}, {"gpu", "a100"}, {"x", "y"}}}};
  auto out = AssignNodes(groups, {1, 2, 3, 4}, {}, labels);
  EXPECT_EQ(out[1], "gpu");
  EXPECT_EQ(out[4], "gpu");
  EXPECT_NE(out[2], "gpu");
  EXPECT_NE(out[3], "gpu");
  EXPECT_EQ(Sizes(out)["any"], 1);
  EXPECT_EQ(AssignNodes(groups, {1, 2, 3, 4}, out, labels), out) << "stable";

  // With one fitting node the request stays unmet: no other node is taken.
  out = AssignNodes(groups, {2, 3, 4}, out, labels);
  EXPECT_EQ(Sizes(out)["gpu"], 1);
  EXPECT_EQ(out[4], "gpu");

  // A node placed in the group before its filter changed leaves it.
  auto stricter = Groups({{"gpu", {2, 2, {}, {}, {{"x", "y"}}}}, {"any", {1, 1, {}, {}, {}}}});
  out = AssignNodes(stricter, {1, 2, 3, 4}, {{1, "gpu"}, {4, "gpu"}}, labels);
  EXPECT_EQ(out[4], "gpu");
  EXPECT_NE(out[1], "gpu");
  EXPECT_EQ(Sizes(out)["gpu"], 1);

  // An over-limit group gives a node only to a group it fits.
  auto narrow = Groups({{"full", {0, 0, {}, {"gpu"}, {}}}, {"gpu", {0, 5, {}, {}, {{"gpu", "a100"}}}}});
  out = AssignNodes(narrow, {1, 3}, {{1, "full"}, {3, "full"}}, labels);
  EXPECT_EQ(out[1], "gpu");
  EXPECT_EQ(out[3], kDefaultResourceGroup);
}

TEST(ResourceGroupConfigTest, RoundTrips) {
  ResourceGroupConfig c{2, 3, {"a"}, {"b", "c"}, {{"zone", "b"}}};
  auto back = DecodeResourceGroupConfig(EncodeResourceGroupConfig(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(DecodeResourceGroupConfig("[1]").status().code(), StatusCode::kCorruption);
}

TEST(ResourceGroupNameTest, FollowsMilvusRules) {
  EXPECT_TRUE(CheckResourceGroupName("rg_1").ok());
  EXPECT_TRUE(CheckResourceGroupName("_x").ok());
  EXPECT_FALSE(CheckResourceGroupName("").ok());
  EXPECT_FALSE(CheckResourceGroupName("1rg").ok());
  EXPECT_FALSE(CheckResourceGroupName("rg-1").ok());
  EXPECT_FALSE(CheckResourceGroupName(std::string(256, 'a')).ok());
}

// Two groups in the planner: each replica on nodes of its group; a transfer moves one replica,
// loading it in the new group before the old copy goes.
TEST(PlanReplicasTest, ReplicasStayInTheirGroupsAndATransferLoadsBeforeItLetsGo) {
  std::vector<QueryNodeState> nodes = {{1, "n1", false, kDefaultResourceGroup},
                                       {2, "n2", false, "rg1"},
                                       {3, "n3", false, "rg1"}};
  std::map<int64_t, CollectionReplicas> stored;
  std::set<std::tuple<int64_t, int64_t, int64_t>> loaded;  // (node, collection, replica)
  std::map<int64_t, std::map<std::string, int32_t>> groups{{7, {{"rg1", 2}}}};
  auto step = [&] {
    PlanInput in{{{7, 2}},
                 nodes,
                 stored,
                 [&](int64_t n, const std::string&, int64_t c, int64_t replica) {
                   return loaded.count({n, c, replica}) > 0;
                 },
                 groups,
                 {}};
    PlanOutput out = PlanReplicas(in);
    for (const auto& [id, r] : out.put) stored[id] = r;
    return out;
  };
  auto settle = [&] {
    for (int i = 0; i < 20; ++i) {
      for (const auto& r : stored[7].replicas) {
        for (const auto& n : r.nodes) loaded.insert({n.node_id, 7, r.id});
      }
      if (step().put.empty()) return;
    }
    ADD_FAILURE() << "did not settle";
  };
  // The nodes of the collection's replicas in `group`.
  auto nodes_in = [&](const std::string& group) {
    std::set<int64_t> out;
    for (const auto& r : stored[7].replicas) {
      if (r.resource_group != group) continue;
      for (const auto& n : r.nodes) out.insert(n.node_id);
    }
    return out;
  };
  settle();
  EXPECT_EQ(stored[7].replicas.size(), 2u);
  EXPECT_EQ(nodes_in("rg1"), (std::set<int64_t>{2, 3}));
  EXPECT_TRUE(nodes_in(kDefaultResourceGroup).empty());

  // One replica to the default group: it loads on node 1 while both rg1 copies still serve.
  groups[7] = {{"rg1", 1}, {kDefaultResourceGroup, 1}};
  step();
  EXPECT_EQ(stored[7].replicas.size(), 3u);
  EXPECT_EQ(stored[7].Serving().size(), 2u);
  settle();
  EXPECT_EQ(stored[7].replicas.size(), 2u);
  EXPECT_EQ(stored[7].Serving().size(), 2u);
  std::map<std::string, int> per_group;
  for (const auto& r : stored[7].replicas) ++per_group[r.resource_group];
  EXPECT_EQ(per_group, (std::map<std::string, int>{{kDefaultResourceGroup, 1}, {"rg1", 1}}));
  EXPECT_EQ(nodes_in(kDefaultResourceGroup), (std::set<int64_t>{1}));
  EXPECT_EQ(nodes_in("rg1"), (std::set<int64_t>{2, 3}));  // the rg1 replica spreads over both rg1 nodes

  // A node that leaves rg1 (the coordinator reassigned it) leaves the rg1 replica and joins the
  // default group's.
  for (auto& n : nodes) {
    if (n.node_id == 2) n.resource_group = kDefaultResourceGroup;
  }
  settle();
  EXPECT_EQ(nodes_in("rg1"), (std::set<int64_t>{3}));
  EXPECT_EQ(nodes_in(kDefaultResourceGroup), (std::set<int64_t>{1, 2}));
  EXPECT_EQ(stored[7].Serving().size(), 2u);
}

// The manager over the embedded metadata store, with a fixed set of live nodes.
TEST(ResourceGroupManagerTest, CreateUpdateTransferAndDropFollowMilvusRules) {
  quiver::testing::TempDir dir;
  storage::LocalMetaStoreOptions options;
  options.path = dir.Sub("meta");
  auto store = std::move(storage::OpenLocalMetaStore(options)).value();
  std::vector<GroupNode> live = {{1, "a", {}}, {2, "b", {}}, {3, "c", {}}};
  ResourceGroupManager rg(store.get(), {[&]() -> Result<std::vector<GroupNode>> { return live; }});

  auto groups = rg.Groups();
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->size(), 1u);
  EXPECT_EQ(groups->count(kDefaultResourceGroup), 1u);
  ASSERT_TRUE(rg.Create("rg1", {}).ok());
  EXPECT_TRUE(rg.Create("rg1", {}).ok()) << "declarative: the same configuration again";
  EXPECT_EQ(rg.Create("rg1", {1, 1, {}, {}, {}}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(rg.Create("bad-name", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rg.Create("rg2", {2, 1, {}, {}, {}}).code(), StatusCode::kInvalidArgument) << "limits below requests";
  EXPECT_EQ(rg.Create("rg2", {0, 1, {"nope"}, {}, {}}).code(), StatusCode::kNotFound);
  EXPECT_EQ(rg.Create("rg2", {0, 1, {}, {}, {{"", "x"}}}).code(), StatusCode::kInvalidArgument) << "a label without a key";
  EXPECT_EQ(rg.Update({{kDefaultResourceGroup, {0, kDefaultGroupLimit, {}, {}, {{"zone", "b"}}}}}).code(),
            StatusCode::kInvalidArgument)
      << "the default group takes every node";
  EXPECT_TRUE(rg.NodesOf("rg1")->empty());

  ASSERT_TRUE(rg.Update({{"rg1", {1, 1, {}, {}, {}}}}).ok());
  EXPECT_EQ(rg.NodesOf("rg1")->size(), 1u);
  EXPECT_EQ(rg.NodesOf(kDefaultResourceGroup)->size(), 2u);
  EXPECT_EQ(rg.Update({{"missing", {}}}).code(), StatusCode::kNotFound);

  // Loads: one group holds all replicas; several groups one each; capacity per group.
  auto d = rg.Distribution(2, {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, (std::map<std::string, int32_t>{{kDefaultResourceGroup, 2}}));
  EXPECT_EQ(rg.Distribution(2, {"rg1"}).status().code(), StatusCode::kInvalidArgument);
  d = rg.Distribution(2, {"rg1", kDefaultResourceGroup});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, (std::map<std::string, int32_t>{{kDefaultResourceGroup, 1}, {"rg1", 1}}));
  EXPECT_EQ(rg.Distribution(3, {"rg1", kDefaultResourceGroup}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rg.Distribution(1, {"nope"}).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(rg.SetReplicaGroups(7, *d).ok());
  EXPECT_EQ(*rg.ReplicaGroups(7), *d);
  EXPECT_EQ(rg.TransferReplica(7, "rg1", kDefaultResourceGroup, 1).ok(), true);
  EXPECT_EQ(*rg.ReplicaGroups(7), (std::map<std::string, int32_t>{{kDefaultResourceGroup, 2}}));
  EXPECT_EQ(rg.TransferReplica(7, "rg1", kDefaultResourceGroup, 1).code(), StatusCode::kInvalidArgument);
  // rg1 has one node: two replicas do not fit.
  EXPECT_EQ(rg.TransferReplica(7, kDefaultResourceGroup, "rg1", 2).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(rg.TransferReplica(7, kDefaultResourceGroup, "rg1", 1).ok());

  // Dropping: not the default group, not one that requests nodes, not one holding replicas.
  EXPECT_EQ(rg.Drop(kDefaultResourceGroup).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rg.Drop("rg1").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(rg.Update({{"rg1", {0, 0, {}, {}, {}}}}).ok());
  EXPECT_EQ(rg.Drop("rg1").code(), StatusCode::kFailedPrecondition) << "it holds a replica";
  ASSERT_TRUE(rg.ClearReplicaGroups(7).ok());
  ASSERT_TRUE(rg.Drop("rg1").ok());
  EXPECT_TRUE(rg.Drop("rg1").ok()) << "dropping what does not exist succeeds";
  EXPECT_EQ(rg.Groups()->size(), 1u);
  EXPECT_EQ(rg.NodesOf(kDefaultResourceGroup)->size(), 3u);

  // TransferNode moves nodes by configuration.
  ASSERT_TRUE(rg.Create("rg3", {}).ok());
  ASSERT_TRUE(rg.TransferNode(kDefaultResourceGroup, "rg3", 2).ok());
  EXPECT_EQ(rg.NodesOf("rg3")->size(), 2u);
  EXPECT_EQ(rg.TransferNode(kDefaultResourceGroup, "rg3", 2).code(), StatusCode::kInvalidArgument);
  // A node going away leaves rg3 short; it takes the next one that is free.
  live.erase(live.begin());
  EXPECT_EQ(rg.NodesOf("rg3")->size(), 2u);
  EXPECT_TRUE(rg.NodesOf(kDefaultResourceGroup)->empty());
}

}  // namespace
}  // namespace quiver::coord
